/**
 * Requests are routed through a router of only the routes that could match their path (the
 * group of their first two segments, of their first segment, and the root's), not one router
 * of every route (docs/performance.md). These tests show a request still reaches the route
 * one router of the whole table would pick, in the table's order, for literal and parameter
 * segments at every depth, and that 404 and 405 answers are unchanged.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp } from '../../src/adapters/http/app.js';
import { json, route, type RouteSpec } from '../../src/adapters/http/route-spec.js';
import { configFrom } from '../../src/composition/config.js';
import { captureLog } from '../support/service.js';

const answering = (method: 'get' | 'post', path: string): RouteSpec =>
  route({
    method,
    path,
    operationId: `${method} ${path}`,
    summary: 'test',
    tags: ['test'],
    tenantScoped: false,
    public: true,
    responses: { 200: { description: 'which route answered' } },
    handle: ({ params }) => TE.right(json(200, { route: `${method.toUpperCase()} ${path}`, params })),
  });

describe('routing by path groups', () => {
  const { log } = captureLog();
  let server: Server;
  let url = '';

  beforeAll(async () => {
    const app = createHttpApp({
      log,
      corsOrigins: [],
      bodyLimitBytes: configFrom({}).bodyLimitBytes,
      // In the table's order: where two routes match, the earlier one answers.
      routes: [
        answering('get', '/'),
        answering('get', '/a'),
        answering('get', '/a/{x}'),
        answering('get', '/a/b'),
        answering('get', '/a/c/d'),
        answering('get', '/a/{x}/e'),
        answering('get', '/{top}/b/c'),
        answering('post', '/a/c/d'),
        answering('get', '/{top}'),
      ],
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((r) => server.once('listening', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  const answer = async (path: string, method = 'GET') => {
    const res = await fetch(`${url}${path}`, { method });
    return { status: res.status, allow: res.headers.get('allow'), body: (await res.json()) as { route?: string; params?: Record<string, string>; code?: string } };
  };

  it('reaches the route one router of the whole table would, in its order', async () => {
    const cases: [string, string, Record<string, string>][] = [
      ['/', 'GET /', {}],
      ['/a', 'GET /a', {}],
      // `/a/{x}` is listed before `/a/b`, so it answers `/a/b` as one router would.
      ['/a/b', 'GET /a/{x}', { x: 'b' }],
      ['/a/zz', 'GET /a/{x}', { x: 'zz' }],
      ['/a/c/d', 'GET /a/c/d', {}],
      // A parameter in the second segment, below a literal first one.
      ['/a/q/e', 'GET /a/{x}/e', { x: 'q' }],
      // A parameter in the first segment, under a path whose first two segments are a group.
      ['/a/b/c', 'GET /{top}/b/c', { top: 'a' }],
      ['/z/b/c', 'GET /{top}/b/c', { top: 'z' }],
      ['/zz', 'GET /{top}', { top: 'zz' }],
    ];
    for (const [path, route, params] of cases) {
      const got = await answer(path);
      expect([path, got.status, got.body.route, got.body.params]).toEqual([path, 200, route, params]);
    }
  });

  it('answers 404 and 405 as before', async () => {
    for (const path of ['/a/q/f', '/a/c/d/e', '/a/b/', '/z/y/x']) {
      const got = await answer(path);
      expect([path, got.status, got.body.code]).toEqual([path, 404, 'NOT_FOUND']);
    }
    const wrong = await answer('/a/c/d', 'DELETE');
    expect([wrong.status, wrong.body.code, wrong.allow]).toEqual([405, 'VALIDATION', 'GET, POST']);
    const posted = await answer('/a/c/d', 'POST');
    expect(posted.body.route).toBe('POST /a/c/d');
  });
});
