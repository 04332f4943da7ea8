/**
 * A page read again unchanged is not parsed, mapped or encoded again (docs/performance.md,
 * "A page read again unchanged"): the caller hands out the same frozen answer for the very
 * same text, the gateway the same mapping, the use case the same result. These tests read
 * pages from a real HTTP server on loopback and show that what is reused is only ever the
 * value of the very text Atlassian sent, never a stale one, and that no reader can change it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AtlassianCaller, ReusedAnswers } from '../../src/adapters/undici/atlassian-call.js';
import { createAtlassianHttp, type AtlassianHttp } from '../../src/adapters/undici/http-transport.js';
import { UndiciConfluenceGateway } from '../../src/adapters/undici/undici-confluence-gateway.js';
import { systemClock } from '../../src/adapters/system/system-clock.js';
import type { AccessContext } from '../../src/domain/credentials.js';
import type { TenantId } from '../../src/domain/tenant.js';
import * as t from 'io-ts';

const pageJson = (over: { title?: string; body?: string; version?: number } = {}) =>
  JSON.stringify({
    id: '42',
    type: 'page',
    status: 'current',
    title: over.title ?? 'Runbook',
    space: { id: '7', key: 'ENG' },
    version: { number: over.version ?? 3, when: '2026-01-02T03:04:05.000Z', message: '', minorEdit: false, by: { accountId: 'u-1' } },
    ancestors: [{ id: '40', title: 'Home' }],
    body: { storage: { value: over.body ?? '<h1>Runbook</h1><p>Keep calm.</p>', representation: 'storage' } },
    metadata: { labels: { results: [{ id: '1', name: 'ops', prefix: 'global' }] } },
    _links: { webui: '/spaces/ENG/pages/42/Runbook' },
  });

describe('a page read again unchanged', () => {
  let server: http.Server;
  let base = '';
  let answer = pageJson();
  let hits = 0;
  let transport: AtlassianHttp;
  let gateway: UndiciConfluenceGateway;
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      hits += 1;
      res.setHeader('content-type', 'application/json');
      res.end(answer);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    transport = createAtlassianHttp({ timeoutMs: 2000 });
    gateway = new UndiciConfluenceGateway(new AtlassianCaller(transport, { retryBudgetMs: 1000, clock: systemClock, sleep: async () => undefined }));
  });
  afterAll(async () => {
    await transport.close?.();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    answer = pageJson();
    hits = 0;
  });
  const ctx = (tenant = 'acme'): AccessContext => ({
    baseUrl: base,
    siteUrl: base,
    authorization: 'Bearer secret-token',
    authType: 'oauth',
    flavour: 'cloud',
    version: 1,
    callerSuppliedHost: false,
    tenantId: tenant as TenantId,
  });
  const read = async (tenant?: string) => {
    const r = await gateway.pageInContext(ctx(tenant), '42', { representation: 'storage' })();
    if (E.isLeft(r)) throw new Error(r.left.message);
    return r.right;
  };

  it('is the same frozen value while Atlassian sends the same text, and asks Atlassian every time', async () => {
    const first = await read();
    const second = await read();
    expect(hits).toBe(2);
    expect(second).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.page) && Object.isFrozen(first.ancestors) && Object.isFrozen(first.page.labels)).toBe(true);
    expect(() => {
      (first.page as { title: string }).title = 'changed by a reader';
    }).toThrow(TypeError);
    expect((await read()).page.title).toBe('Runbook');
  });

  it('is read anew as soon as the text differs, by a byte of the body or only the version', async () => {
    const first = await read();
    answer = pageJson({ body: '<h1>Runbook</h1><p>Keep calm!</p>' });
    const changed = await read();
    expect(changed).not.toBe(first);
    expect(changed.page.body).toBe('<h1>Runbook</h1><p>Keep calm!</p>');
    answer = pageJson({ body: '<h1>Runbook</h1><p>Keep calm!</p>', version: 4 });
    const bumped = await read();
    expect(bumped).not.toBe(changed);
    expect(bumped.page.version.number).toBe(4);
    // Back to the first text: decoded again, never served from what was dropped.
    answer = pageJson();
    const again = await read();
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });

  it('compares the bytes as they came: a byte order mark is dropped from the text, one changed byte of a character is a change', async () => {
    answer = `\uFEFF${pageJson({ body: '<p>Grüße 🚀</p>' })}`;
    const first = await read();
    expect(first.page.body).toBe('<p>Grüße 🚀</p>');
    expect(await read()).toBe(first);
    // 🚀 is F0 9F 9A 80 in UTF-8, 🚁 is F0 9F 9A 81: the last byte alone differs.
    answer = `\uFEFF${pageJson({ body: '<p>Grüße 🚁</p>' })}`;
    const changed = await read();
    expect(changed).not.toBe(first);
    expect(changed.page.body).toBe('<p>Grüße 🚁</p>');
  });

  it('keeps each tenant its own answer, and never keeps a body that failed its check', async () => {
    const acme = await read('acme');
    const other = await read('other');
    expect(other).toEqual(acme);
    expect(await read('acme')).toBe(acme);
    expect(await read('other')).toBe(other);
    answer = JSON.stringify({ id: '42', title: 7 });
    const bad = await gateway.pageInContext(ctx(), '42', { representation: 'storage' })();
    expect(E.isLeft(bad) && bad.left.code).toBe('VENDOR_ERROR');
    answer = pageJson();
    expect((await read()).page.title).toBe('Runbook');
  });
});

describe('ReusedAnswers', () => {
  const spec = { method: 'GET' as const, path: '/x', ok: [200], codec: t.type({ n: t.number }), what: 'x' };
  const res = (body: string) => ({ status: 200, headers: {}, body });

  it('compares an answer that came in chunks piece by piece: a longer, shorter or changed one is read anew', () => {
    const answers = new ReusedAnswers();
    const chunked = (...parts: string[]) => {
      const chunks = parts.map((p) => Buffer.from(p));
      return { status: 200, headers: {}, chunks, bytes: Buffer.concat(chunks), body: parts.join('') };
    };
    const first = answers.decode('a', chunked('{"n":', '1', '}'), spec);
    // The same bytes cut elsewhere are the same answer.
    const again = answers.decode('a', chunked('{"n"', ':1}'), spec);
    expect(E.isRight(first) && E.isRight(again) && again.right === first.right).toBe(true);
    const whole = answers.decode('a', chunked('{"n":1}'), spec);
    expect(E.isRight(whole) && E.isRight(first) && whole.right === first.right).toBe(true);
    for (const [parts, n] of [
      [['{"n":1', '0}'], 10],
      [['{"n":', '2}'], 2],
      [['{"n":1', '}  '], 1],
    ] as const) {
      const before = answers.decode('a', chunked('{"n":1}'), spec);
      const other = answers.decode('a', chunked(...parts), spec);
      expect(E.isRight(other) && E.isRight(before) && other.right !== before.right && other.right.n === n).toBe(true);
    }
    // The kept answer is now `{"n":1}  `: its first bytes alone are another answer.
    const spaced = answers.decode('a', chunked('{"n":1}  '), spec);
    const shorter = answers.decode('a', chunked('{"n":1}'), spec);
    expect(E.isRight(spaced) && E.isRight(shorter) && shorter.right !== spaced.right).toBe(true);
  });

  it('hands out a value again only for the very same text, and goes by entries and size', () => {
    const answers = new ReusedAnswers(2, 400);
    const one = answers.decode('a', res('{"n":1}'), spec);
    expect(E.isRight(one) && Object.isFrozen(one.right)).toBe(true);
    const same = answers.decode('a', res('{"n":1}'), spec);
    expect(E.isRight(one) && E.isRight(same) && same.right === one.right).toBe(true);
    const spaced = answers.decode('a', res('{"n": 1}'), spec);
    expect(E.isRight(spaced) && E.isRight(one) && spaced.right !== one.right).toBe(true);
    // A third key pushes out the least recently used of two.
    const b = answers.decode('b', res('{"n":2}'), spec);
    answers.decode('c', res('{"n":3}'), spec);
    const b2 = answers.decode('b', res('{"n":2}'), spec);
    expect(E.isRight(b) && E.isRight(b2) && b2.right === b.right).toBe(true);
    const a2 = answers.decode('a', res('{"n": 1}'), spec);
    expect(E.isRight(a2) && E.isRight(spaced) && a2.right !== spaced.right).toBe(true);
    // A text too large for a quarter of the bound is decoded and not kept.
    const big = `{"n":1,"pad":"${'x'.repeat(200)}"}`;
    const big1 = answers.decode('d', res(big), spec);
    const big2 = answers.decode('d', res(big), spec);
    expect(E.isRight(big1) && E.isRight(big2) && big2.right !== big1.right).toBe(true);
  });
});
