import type { Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp } from '../../src/adapters/http/app.js';
import { json, route } from '../../src/adapters/http/route-spec.js';
import { configFrom } from '../../src/composition/config.js';
import { AppError } from '../../src/domain/errors.js';
import { expectErrorResponse, expectStandardError, parseLogLines, rawRequest, requestLogLine } from '../support/http.js';
import { captureLog, startTestService, type TestService } from '../support/service.js';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';

const STACK_FRAME = /\n\s+at |\bat .+:\d+:\d+/;

describe('errors of the real service', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(() => svc.close());

  it('answers an unknown route with 404 and the standard body', async () => {
    const body = await expectErrorResponse(await fetch(`${svc.url}/no/such/route`), 404, 'NOT_FOUND');
    expect(body.message).toContain('/no/such/route');
  });

  it('answers an unknown route with 404 for every method', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      await expectErrorResponse(await fetch(`${svc.url}/no/such/route`, { method }), 404, 'NOT_FOUND');
    }
  });

  it('answers a wrong method with 405, an Allow header and code VALIDATION', async () => {
    const res = await fetch(`${svc.url}/healthz`, { method: 'POST' });
    expect(res.headers.get('allow')).toBe('GET');
    const body = await expectErrorResponse(res, 405, 'VALIDATION');
    expect(body.message).toContain('POST');
    expect(body.message).toContain('GET');
  });

  it('lists every allowed method of the route table in Allow', async () => {
    const routes = svc.service.routes;
    const allowed = routes
      .filter((r) => r.path === '/connectors/{connector}/connection')
      .map((r) => r.method.toUpperCase())
      .sort();
    expect(allowed).toEqual(expect.arrayContaining(['DELETE', 'GET']));
    const refused = ['PUT', 'POST', 'PATCH'].find((m) => !allowed.includes(m)) ?? 'TRACE';
    const res = await fetch(`${svc.url}/connectors/jira/connection`, { method: refused });
    expect(
      (res.headers.get('allow') ?? '')
        .split(',')
        .map((x) => x.trim())
        .sort(),
    ).toEqual(allowed);
    await expectErrorResponse(res, 405, 'VALIDATION');
  });
});

describe('errors of the HTTP adapter, on a test route table', () => {
  const Item = t.exact(t.type({ name: t.string }));
  const bodyLimitBytes = configFrom({}).bodyLimitBytes;
  const { lines, log } = captureLog();
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const app = createHttpApp({
      log,
      corsOrigins: [],
      bodyLimitBytes,
      routes: [
        route({
          method: 'post',
          path: '/items',
          operationId: 'createItem',
          summary: 'test',
          tags: ['test'],
          tenantScoped: true,
          body: Item,
          responses: { 201: { description: 'created' } },
          handle: ({ body }) =>
            TE.right(json(201, { name: body.name.length > 32 ? `${body.name.length} chars` : body.name })),
        }),
        route({
          method: 'get',
          path: '/boom',
          operationId: 'boom',
          summary: 'throws',
          tags: ['test'],
          tenantScoped: false,
          responses: {},
          handle: () => {
            throw new Error('boom at /secret/path');
          },
        }),
        route({
          method: 'get',
          path: '/boom-async',
          operationId: 'boomAsync',
          summary: 'rejects',
          tags: ['test'],
          tenantScoped: false,
          responses: {},
          handle: () => () => Promise.reject(new Error('async boom at /secret/path')),
        }),
        route({
          method: 'get',
          path: '/node-error',
          operationId: 'nodeError',
          summary: 'rejects with a Node error that has a string code and message, like a socket reset',
          tags: ['test'],
          tenantScoped: false,
          responses: {},
          handle: () => () => Promise.reject(Object.assign(new Error('read ECONNRESET at /secret/path'), { code: 'ECONNRESET' })),
        }),
        route({
          method: 'get',
          path: '/lookalike',
          operationId: 'lookalike',
          summary: 'throws a plain object shaped like an AppError',
          tags: ['test'],
          tenantScoped: false,
          responses: {},
          handle: () => {
            throw { code: 'NOT_FOUND', message: 'not ours at /secret/path' };
          },
        }),
        route({
          method: 'get',
          path: '/internal',
          operationId: 'internal',
          summary: 'internal AppError',
          tags: ['test'],
          tenantScoped: false,
          responses: {},
          handle: () =>
            TE.left(
              AppError.internal('db exploded at /secret/path', {
                cause: new Error('SQLITE_CORRUPT /secret/path'),
                details: { table: 'connections' },
              }),
            ),
        }),
        route({
          method: 'get',
          path: '/limited',
          operationId: 'limited',
          summary: 'rate limited',
          tags: ['test'],
          tenantScoped: false,
          responses: {},
          handle: () => TE.left(AppError.rateLimited('Jira is throttling; retry later.', 2.2)),
        }),
        route({
          method: 'get',
          path: '/details',
          operationId: 'details',
          summary: 'validation with details',
          tags: ['test'],
          tenantScoped: false,
          responses: {},
          handle: () => TE.left(AppError.validation('Jira refused the issue.', { details: { summary: 'required' } })),
        }),
      ],
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );

  const post = (body: string | Buffer, contentType = 'application/json') =>
    fetch(`${url}/items`, { method: 'POST', headers: { 'content-type': contentType }, body });

  it('accepts a valid body (the baseline for the refusals below)', async () => {
    const res = await post(JSON.stringify({ name: 'widget' }));
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ name: 'widget' });
  });

  it('refuses a field the body codec does not know, naming it', async () => {
    const res = await post(JSON.stringify({ name: 'widget', extra: 'not passed on' }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; message: string };
    expect(body.code).toBe('VALIDATION');
    expect(body.message).toContain('unknown field extra');
    expect(body.message).not.toContain('not passed on');
  });

  it('uses a 1 MiB body limit by default', () => {
    expect(bodyLimitBytes).toBe(1024 * 1024);
  });

  it('accepts a body just under the limit', async () => {
    const name = 'x'.repeat(bodyLimitBytes - 64);
    const res = await post(JSON.stringify({ name }));
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ name: `${name.length} chars` });
  });

  // A JSON body of a declared length is read without the body parser (src/adapters/http/json-body.ts);
  // sent chunked, the same bytes go through koa-bodyparser: both must answer alike.
  it.each([
    ['an object', '{"name":"widget"}'],
    ['a byte order mark, then an object', '\uFEFF{"name":"widget"}'],
    ['whitespace, then an object', '\n\t {"name":"widget"}'],
    ['nothing', ''],
    ['whitespace only', '  \n'],
    ['a string', '"just a string"'],
    ['an array', '[1,2]'],
    ['null', 'null'],
    ['JSON cut short', '{"name": "x",'],
    ['a __proto__ key', '{"__proto__":{"polluted":true},"name":"x"}'],
    ['an escaped __proto__ key', '{"\\u005f_proto__":{"polluted":true},"name":"x"}'],
    ['text outside ASCII', '{"name":"Ångström 🚀"}'],
    ['bytes that are not UTF-8', Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xff, 0xc3]), Buffer.from('b"}')])],
  ])('reads %s with a declared length exactly as the body parser reads it chunked', async (_name, body) => {
    for (const type of ['application/json', 'application/json; charset=UTF-8']) {
      const send = (framing: Record<string, string>) => rawRequest(url, { method: 'POST', path: '/items', headers: { 'content-type': type, ...framing }, body });
      const declared = await send({ 'content-length': String(Buffer.byteLength(body)) });
      const chunked = await send({ 'transfer-encoding': 'chunked' });
      expect({ status: declared.status, type: declared.headers['content-type'], text: declared.text }).toEqual({
        status: chunked.status,
        type: chunked.headers['content-type'],
        text: chunked.text,
      });
      expect(declared.status).toBeLessThan(500);
    }
  });

  it('answers malformed JSON with 400 VALIDATION naming JSON', async () => {
    const body = await expectErrorResponse(await post('{"name": "x",'), 400, 'VALIDATION');
    expect(body.message).toMatch(/JSON/);
  });

  it('answers a body over the limit (1.5 MiB) with 413 and the standard body', async () => {
    const big = JSON.stringify({ name: 'y'.repeat(1.5 * 1024 * 1024) });
    const body = await expectErrorResponse(await post(big), 413, 'VALIDATION');
    expect(body.message).toMatch(/larger than the limit/);
    expect(body.message).not.toContain('yyyy');
  });

  it('answers a wrong field type with 400 naming the field, without echoing the value', async () => {
    const secret = 'ghp_S3cr3tT0kenValue_abcdef0123456789';
    for (const wrong of [[secret], { token: secret }, 12345]) {
      const body = await expectErrorResponse(await post(JSON.stringify({ name: wrong })), 400, 'VALIDATION');
      expect(body.message).toContain('name');
      expect(body.message).toMatch(/string/);
      expect(body.message).not.toContain(secret);
      expect(body.message).not.toContain('12345');
    }
    expect(lines.join('\n')).not.toContain(secret);
  });

  it('answers a missing field with 400 saying it is required', async () => {
    const body = await expectErrorResponse(await post('{}'), 400, 'VALIDATION');
    expect(body.message).toMatch(/name is required/);
  });

  it.each([
    ['text/plain', '{"name":"x"}'],
    ['application/x-www-form-urlencoded', 'name=x'],
    ['application/xml', '<name>x</name>'],
  ])('answers a %s body with 400 asking for JSON', async (type, payload) => {
    const body = await expectErrorResponse(await post(payload, type), 400, 'VALIDATION');
    expect(body.message).toMatch(/application\/json/);
  });

  it('answers a JSON body that is not an object with 400', async () => {
    await expectErrorResponse(await post('"just a string"'), 400, 'VALIDATION');
    await expectErrorResponse(await post('[1,2]'), 400, 'VALIDATION');
  });

  it.each(['/boom', '/boom-async'])(
    'answers a handler that throws (%s) with a bare 500, logged with the request id',
    async (p) => {
      const reqId = `req-${p.slice(1)}-1`;
      const res = await fetch(`${url}${p}`, { headers: { 'x-request-id': reqId } });
      expect(res.headers.get('x-request-id')).toBe(reqId);
      const body = await expectErrorResponse(res, 500, 'INTERNAL_ERROR');
      expect(body.message).not.toMatch(/boom/i);
      expect(body.message).not.toContain('/secret/path');
      expect(body.message).not.toMatch(STACK_FRAME);
      const errorLines = parseLogLines(lines).filter((l) => l['level'] === 'error' && l['req_id'] === reqId);
      expect(errorLines).toHaveLength(1);
      expect(JSON.stringify(errorLines[0])).toContain('boom at /secret/path');
      expect(requestLogLine(lines, reqId)).toMatchObject({ status: 500, route: p, method: 'GET' });
    },
  );

  it.each([
    ['/node-error', 'a Node error with a string code and message'],
    ['/lookalike', 'a thrown object shaped like an AppError'],
  ])('answers %s (%s) with 500 INTERNAL_ERROR: only our own errors are taken for ours', async (p) => {
    const reqId = `req-${p.slice(1)}-1`;
    const res = await fetch(`${url}${p}`, { headers: { 'x-request-id': reqId } });
    expect(res.headers.get('x-request-id')).toBe(reqId);
    const body = await expectErrorResponse(res, 500, 'INTERNAL_ERROR');
    expect(body.message).not.toContain('/secret/path');
    expect(requestLogLine(lines, reqId)).toMatchObject({ status: 500, route: p });
    // The server is still there.
    expect((await fetch(`${url}/limited`)).status).toBe(429);
  });

  it.each(['gzip', 'deflate', 'GZip'])('answers a %s body that does not decompress with 400, the standard body and the request id', async (encoding) => {
    const reqId = `req-bad-${encoding}-1`;
    const res = await rawRequest(url, {
      method: 'POST',
      path: '/items',
      headers: { 'content-type': 'application/json', 'content-encoding': encoding, 'x-request-id': reqId },
      body: Buffer.from('this is not compressed at all'),
    });
    expect(res.headers['x-request-id']).toBe(reqId);
    const body = expectStandardError({ status: res.status, contentType: res.headers['content-type'], text: res.text }, 400, 'VALIDATION');
    expect(body.message).toMatch(/decompress/);
    expect(requestLogLine(lines, reqId)).toMatchObject({ status: 400, route: '/items' });
  });

  it('logs a client that aborts mid-body as aborted (499), without an error line, and keeps serving', async () => {
    const reqId = 'req-aborted-1';
    const { port, hostname } = new URL(url);
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () => {
        socket.write(
          `POST /items HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nX-Request-Id: ${reqId}\r\n\r\n{"name":"half`,
          () => setTimeout(() => socket.destroy(), 50),
        );
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    for (let i = 0; i < 50 && !parseLogLines(lines).some((l) => l['req_id'] === reqId && l['msg'] === 'request'); i += 1) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(requestLogLine(lines, reqId)).toMatchObject({ status: 499, aborted: true, route: '/items' });
    expect(parseLogLines(lines).filter((l) => l['req_id'] === reqId && l['level'] === 'error')).toEqual([]);
    expect((await post('{"name":"after"}')).status).toBe(201);
  });

  it('answers an INTERNAL_ERROR AppError with the generic message and no details', async () => {
    const reqId = 'req-internal-1';
    const res = await fetch(`${url}/internal`, { headers: { 'x-request-id': reqId } });
    const body = await expectErrorResponse(res, 500, 'INTERNAL_ERROR');
    expect(body.message).not.toMatch(/exploded|secret|SQLITE/);
    const errorLines = parseLogLines(lines).filter((l) => l['level'] === 'error' && l['req_id'] === reqId);
    expect(errorLines).toHaveLength(1);
    expect(JSON.stringify(errorLines[0])).toContain('SQLITE_CORRUPT');
  });

  it('answers RATE_LIMITED with 429, Retry-After and retry_after rounded up', async () => {
    const res = await fetch(`${url}/limited`);
    expect(res.headers.get('retry-after')).toBe('3');
    const body = await expectErrorResponse(res, 429, 'RATE_LIMITED', ['retry_after']);
    expect(body.retry_after).toBe(3);
    expect(body.message).toBe('Jira is throttling; retry later.');
  });

  it('carries field details on a VALIDATION error', async () => {
    const body = await expectErrorResponse(await fetch(`${url}/details`), 400, 'VALIDATION', ['details']);
    expect(body.details).toEqual({ summary: 'required' });
  });

  it('answers 404 and 405 in the standard body on a custom table too', async () => {
    await expectErrorResponse(await fetch(`${url}/missing`), 404, 'NOT_FOUND');
    const res = await fetch(`${url}/items`, { method: 'GET' });
    expect(res.headers.get('allow')).toBe('POST');
    await expectErrorResponse(res, 405, 'VALIDATION');
  });

  it('takes a content coding in any case (they are case-insensitive)', async () => {
    const { gzipSync } = await import('node:zlib');
    const res = await rawRequest(url, {
      method: 'POST',
      path: '/items',
      headers: { 'content-type': 'application/json', 'content-encoding': ' GZip' },
      body: gzipSync(Buffer.from('{"name":"zipped"}')),
    });
    expect(res.status, res.text).toBe(201);
  });

  it('answers an unsupported body encoding with 400, the standard body naming it, the request id and its log line', async () => {
    const reqId = 'req-bad-encoding-1';
    const res = await rawRequest(url, {
      method: 'POST',
      path: '/items',
      headers: { 'content-type': 'application/json', 'content-encoding': 'br-nope', 'x-request-id': reqId },
      body: '{"name":"x"}',
    });
    expect(res.headers['x-request-id']).toBe(reqId);
    const body = expectStandardError({ status: res.status, contentType: res.headers['content-type'], text: res.text }, 400, 'VALIDATION');
    expect(body.message).toBe('The request body\'s Content-Encoding "br-nope" is not one this service takes: gzip, deflate, br or identity.');
    expect(requestLogLine(lines, reqId)).toMatchObject({ status: 400, route: '/items' });
  });
});

describe('requests Node refuses before Koa sees them', () => {
  it('answers an oversized URL with 431 and the standard body', async () => {
    const svc = await startTestService();
    try {
      const res = await fetch(`${svc.url}/connectors/jira/search?q=${'a'.repeat(20_000)}`);
      expect(res.status).toBe(431);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(await res.json()).toEqual({
        status: 'error',
        code: 'VALIDATION',
        message: 'The request headers or URL are larger than the server accepts.',
      });
    } finally {
      await svc.close();
    }
  });

  it('refuses a prototype-poisoning key with a message that says so', async () => {
    const svc = await startTestService();
    try {
      const res = await fetch(`${svc.url}/connectors/tools/invoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"tool":"jira_search_issues","arguments":{"__proto__":{"polluted":true},"q":"x"}}',
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toBe('The request body contains a forbidden __proto__ key.');
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    } finally {
      await svc.close();
    }
  });
});

describe('a client that leaves mid-upload, on the service itself', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake) });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  /** Sends the head and part of a body, then goes away. */
  const leaveMidBody = (head: string, part: string): Promise<void> => {
    const { port, hostname } = new URL(svc.url);
    return new Promise<void>((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () => {
        socket.write(`${head}\r\n\r\n${part}`, () => setTimeout(() => socket.destroy(), 100));
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
  };

  it.each([
    ['a file part whose name is empty', 'Content-Disposition: form-data; name=""; filename="a.bin"', 'The file must be in a part named file, not one without a name.'],
    ['a file part without a name', 'Content-Disposition: form-data; filename="a.bin"', 'The file must be in a part named file, not one without a name.'],
    ['a field without a name', 'Content-Disposition: form-data; name=""', 'A part of the multipart body has no name.'],
  ])('refuses %s with 400 naming the problem, and keeps serving', async (_what, disposition, message) => {
    const type = disposition.includes('filename') ? '\r\nContent-Type: application/octet-stream' : '';
    const body = `--XyZ\r\n${disposition}${type}\r\n\r\nsome bytes\r\n--XyZ--\r\n`;
    const res = await fetch(`${svc.url}/connectors/jira/issues/ACME-1/attachments`, {
      method: 'POST',
      headers: { 'x-tenant-id': 'acme', 'content-type': 'multipart/form-data; boundary=XyZ' },
      body,
    });
    const error = await expectErrorResponse(res, 400, 'VALIDATION');
    expect(error.message).toBe(message);
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
  });

  it('refuses a wrongly named file part in a form cut short, naming the part, and keeps serving', async () => {
    const body = '--XyZ\r\nContent-Disposition: form-data; name="upload"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\nsome bytes and no end';
    const res = await fetch(`${svc.url}/connectors/jira/issues/ACME-1/attachments`, {
      method: 'POST',
      headers: { 'x-tenant-id': 'acme', 'content-type': 'multipart/form-data; boundary=XyZ' },
      body,
    });
    expect((await expectErrorResponse(res, 400, 'VALIDATION')).message).toBe('The file must be in a part named file, not "upload".');
    await new Promise((r) => setTimeout(r, 50));
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
  });

  it.each([
    [
      'a multipart attachment upload',
      '/connectors/jira/issues/ACME-1/attachments',
      'Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 100000',
      '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\nsome bytes',
    ],
    ['a proxied JSON body', '/connectors/jira/proxy/rest/api/3/issue', 'Content-Type: application/json\r\nContent-Length: 5000', '{"fields":{"summary":"half'],
  ])('%s: logged as aborted (499), no error line, nothing sent to Atlassian', async (_what, path, headers, part) => {
    const reqId = `req-left-${path.length}`;
    const mark = fake.requests.length;
    await leaveMidBody(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Tenant-Id: acme\r\nX-Request-Id: ${reqId}\r\n${headers}`, part);
    for (let i = 0; i < 100 && !parseLogLines(svc.logLines).some((l) => l['req_id'] === reqId && l['msg'] === 'request'); i += 1) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(requestLogLine(svc.logLines, reqId)).toMatchObject({ status: 499, aborted: true });
    expect(parseLogLines(svc.logLines).filter((l) => l['req_id'] === reqId && l['level'] === 'error')).toEqual([]);
    expect(fake.requests.slice(mark).filter((r) => r.method === 'POST')).toEqual([]);
    // And it goes on serving.
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
  });
});
