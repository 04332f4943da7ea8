/**
 * The proxy, `/connectors/{connector}/proxy/{path}`, against the fake Atlassian over real
 * loopback HTTP: each method, the query string and JSON and multipart bodies passed on,
 * Atlassian's answers (errors, 429 with Retry-After, redirects) passed back as they came with
 * X-Upstream-Status, reads retried and writes not, a token refreshed before it is used and
 * after a 401, every hostile path form refused before anything is sent, PROXY_ENABLED=false,
 * TOOLS_READ_ONLY, the token connections (API token, Data Center PAT), and no secret in any answer.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { systemClock } from '../../src/adapters/system/system-clock.js';
import { AtlassianCaller } from '../../src/adapters/undici/atlassian-call.js';
import { UndiciAtlassianProxy } from '../../src/adapters/undici/undici-atlassian-proxy.js';
import { createAtlassianHttp, type AtlassianHttp, type HttpTransport } from '../../src/adapters/undici/http-transport.js';
import { TransferError } from '../../src/domain/files.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { expectStandardError, rawRequest } from '../support/http.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { expectTrafficConforms } from '../support/spec-traffic.js';
import { API_TOKEN, apiRequests, loopbackHttp, PAT, seedTokenConnection } from '../operations/support.js';

const CLOUD_ID = '11111111-1111-4111-8111-111111111111';

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

const call = async (url: string, init: RequestInit & { tenant?: string } = {}): Promise<Answer> => {
  const { tenant = 'acme', headers, ...rest } = init;
  const res = await fetch(url, { redirect: 'manual', ...rest, headers: { 'x-tenant-id': tenant, ...(headers as Record<string, string> | undefined) } });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, text, body };
};

const jsonInit = (method: string, body: unknown): RequestInit => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Asserts our own refusal: the standard body, and no X-Upstream-Status. */
const expectRefusal = (res: Answer, status: number, code: string, extraKeys: readonly ('retry_after' | 'details')[] = []) => {
  expect(res.headers.get('x-upstream-status'), res.text).toBeNull();
  return expectStandardError({ status: res.status, contentType: res.headers.get('content-type'), text: res.text }, status, code, extraKeys);
};

describe('the proxy (OAuth)', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let mark = 0;
  let base = '';
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake), overrides: { retrySleep: async () => undefined } });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
    base = `${svc.url}/connectors/jira/proxy`;
  });
  afterAll(async () => {
    expectTrafficConforms(fake.requests);
    await svc.close();
    await fake.close();
  });
  beforeEach(() => {
    mark = fake.requests.length;
    fake.clearFaults();
  });
  const sent = () => apiRequests(fake, mark);

  it('GET: forwards through the OAuth gateway with the tenant token and answers Atlassian’s status, type and body as they are', async () => {
    const res = await call(`${base}/rest/api/3/myself`);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('x-upstream-status')).toBe('200');
    // Exactly Atlassian's type: no charset rewritten or added.
    expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(res.body).toMatchObject({ displayName: 'Mia Krystof', accountId: expect.any(String) });
    const [req, ...more] = sent();
    expect(more).toEqual([]);
    expect(req).toMatchObject({ method: 'GET', path: `/ex/jira/${CLOUD_ID}/rest/api/3/myself` });
    expect(req!.headers.authorization).toMatch(/^Bearer fake-at-/);
    // The fake's record of its answer is what the caller got, byte for byte.
    expect(res.text).toBe(JSON.stringify(req!.response!.body));
  });

  it('passes the query string on as it was sent, repeated and encoded parameters included', async () => {
    const query = 'jql=project%20%3D%20OPS%20ORDER%20BY%20key%20ASC&maxResults=2&fields=summary&fields=status';
    const res = await call(`${base}/rest/api/3/search/jql?${query}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.issues).toHaveLength(2);
    expect(Object.keys(res.body.issues[0].fields).sort()).toEqual(['status', 'summary']);
    const [req] = sent();
    expect(req!.query.toString()).toBe(new URLSearchParams(query).toString());
    expect(req!.query.getAll('fields')).toEqual(['summary', 'status']);
  });

  it('Confluence: reaches /wiki/api/v2 and /wiki/rest/api through the confluence gateway', async () => {
    const spaces = await call(`${svc.url}/connectors/confluence/proxy/wiki/api/v2/spaces?limit=2`);
    expect(spaces.status, spaces.text).toBe(200);
    expect(spaces.body.results).toHaveLength(2);
    const search = await call(`${svc.url}/connectors/confluence/proxy/wiki/rest/api/search?cql=${encodeURIComponent('type = page AND text ~ "runbook"')}&limit=3`);
    expect(search.status, search.text).toBe(200);
    expect(sent().map((r) => r.path)).toEqual([`/ex/confluence/${CLOUD_ID}/wiki/api/v2/spaces`, `/ex/confluence/${CLOUD_ID}/wiki/rest/api/search`]);
  });

  it('POST with a JSON body: sent once, as given, and Atlassian’s 201 comes back', async () => {
    const fields = { project: { key: 'OPS' }, summary: 'Created through the proxy', issuetype: { name: 'Task' } };
    const res = await call(`${base}/rest/api/3/issue`, jsonInit('POST', { fields }));
    expect(res.status, res.text).toBe(201);
    expect(res.headers.get('x-upstream-status')).toBe('201');
    expect(res.body.key).toMatch(/^OPS-\d+$/);
    const [req, ...more] = sent();
    expect(more).toEqual([]);
    expect(req).toMatchObject({ method: 'POST', path: `/ex/jira/${CLOUD_ID}/rest/api/3/issue`, body: { fields } });
    expect(req!.headers['content-type']).toBe('application/json');
  });

  it('PUT and DELETE: Atlassian’s 204 comes back without a body', async () => {
    const put = await call(`${base}/rest/api/3/issue/OPS-2`, jsonInit('PUT', { fields: { summary: 'Renamed through the proxy' } }));
    expect(put.status, put.text).toBe(204);
    expect(put.text).toBe('');
    expect(put.headers.get('x-upstream-status')).toBe('204');
    expect(fake.jira.issues.find((i) => i.key === 'OPS-2')?.summary).toBe('Renamed through the proxy');
    const del = await call(`${base}/rest/api/3/issue/WEB-3`, { method: 'DELETE' });
    expect(del.status, del.text).toBe(204);
    expect(fake.jira.issues.some((i) => i.key === 'WEB-3')).toBe(false);
    expect(sent().map((r) => `${r.method} ${r.path.replace(/^\/ex\/jira\/[^/]+/, '')}`)).toEqual(['PUT /rest/api/3/issue/OPS-2', 'DELETE /rest/api/3/issue/WEB-3']);
  });

  it('multipart: the form is passed on byte for byte, boundary kept, with X-Atlassian-Token: no-check', async () => {
    const bytes = randomBytes(200 * 1024);
    const form = new FormData();
    form.append('file', new Blob([bytes], { type: 'application/octet-stream' }), 'through-proxy.bin');
    const res = await call(`${base}/rest/api/3/issue/OPS-1/attachments`, { method: 'POST', body: form });
    expect(res.status, res.text).toBe(200);
    expect(res.body[0]).toMatchObject({ filename: 'through-proxy.bin', size: bytes.length });
    const stored = fake.jira.issues.find((i) => i.key === 'OPS-1')?.attachments?.find((a) => a.filename === 'through-proxy.bin');
    expect(stored && Buffer.compare(stored.content, bytes)).toBe(0);
    const [req] = sent();
    expect(req!.headers['x-atlassian-token']).toBe('no-check');
    expect(req!.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
  });

  it('passes Atlassian’s errors back as it sent them, with X-Upstream-Status, never in our error body', async () => {
    const res = await call(`${base}/rest/api/3/issue/OPS-99999`);
    expect(res.status).toBe(404);
    expect(res.headers.get('x-upstream-status')).toBe('404');
    expect(res.body).toEqual({ errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} });
    const bad = await call(`${base}/rest/api/3/issue`, jsonInit('POST', { fields: { project: { key: 'OPS' } } }));
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-upstream-status')).toBe('400');
    expect(bad.body.errors).toMatchObject({ summary: 'You must specify a summary of the issue.' });
    expect(bad.body.status).toBeUndefined();
  });

  it('retries a GET after a 503 within the budget, and answers the retry', async () => {
    fake.inject({ kind: 'status', path: `/ex/jira/${CLOUD_ID}/rest/api/3/myself`, status: 503, headers: { 'retry-after': '0' } });
    const res = await call(`${base}/rest/api/3/myself`);
    expect(res.status, res.text).toBe(200);
    expect(sent()).toHaveLength(2);
  });

  it('never retries a POST: a 503 or a 429 comes back after one attempt', async () => {
    fake.inject({ kind: 'status', path: `/ex/jira/${CLOUD_ID}/rest/api/3/issue`, method: 'POST', status: 503, headers: { 'retry-after': '0' }, body: { errorMessages: ['Service unavailable'], errors: {} } });
    const res = await call(`${base}/rest/api/3/issue`, jsonInit('POST', { fields: { project: { key: 'OPS' }, summary: 'once', issuetype: { name: 'Task' } } }));
    expect(res.status).toBe(503);
    expect(res.headers.get('x-upstream-status')).toBe('503');
    expect(res.body).toEqual({ errorMessages: ['Service unavailable'], errors: {} });
    fake.inject({ kind: 'status', path: `/ex/jira/${CLOUD_ID}/rest/api/3/issue`, method: 'POST', status: 429, headers: { 'retry-after': '0' } });
    const limited = await call(`${base}/rest/api/3/issue`, jsonInit('POST', { fields: { project: { key: 'OPS' }, summary: 'once', issuetype: { name: 'Task' } } }));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('0');
    expect(sent().map((r) => r.method)).toEqual(['POST', 'POST']);
    expect(fake.jira.issues.some((i) => i.summary === 'once')).toBe(false);
  });

  it('never follows a redirect: Atlassian’s 3xx and its Location come back, nothing is sent elsewhere', async () => {
    fake.inject({ kind: 'status', path: `/ex/jira/${CLOUD_ID}/rest/api/3/myself`, status: 302, headers: { location: 'https://evil.example/steal' }, body: '' });
    const res = await call(`${base}/rest/api/3/myself`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://evil.example/steal');
    expect(sent()).toHaveLength(1);
  });

  it('after a 401 refreshes the token once and sends the request again with the new one', async () => {
    const refreshes = fake.tokenGrants.refresh;
    fake.inject({ kind: 'status', path: `/ex/jira/${CLOUD_ID}/rest/api/3/myself`, status: 401, body: { code: 401, message: 'Unauthorized' } });
    const res = await call(`${base}/rest/api/3/myself`);
    expect(res.status, res.text).toBe(200);
    expect(fake.tokenGrants.refresh).toBe(refreshes + 1);
    const [first, second] = sent();
    expect(first!.headers.authorization).not.toBe(second!.headers.authorization);
  });

  it('passes back only safe headers, and no secret: never Set-Cookie, the Authorization or a token', async () => {
    fake.inject({
      kind: 'status',
      path: `/ex/jira/${CLOUD_ID}/rest/api/3/myself`,
      status: 200,
      body: { accountId: 'x' },
      headers: { 'set-cookie': 'atlassian.xsrf.token=abc; Path=/', 'x-internal-host': 'node-17.prod', 'x-arequestid': 'req-42', etag: '"v1"' },
    });
    const res = await call(`${base}/rest/api/3/myself`, { headers: { authorization: 'Bearer caller-supplied-token', cookie: 'session=caller' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.headers.get('x-internal-host')).toBeNull();
    expect(res.headers.get('x-arequestid')).toBe('req-42');
    expect(res.headers.get('etag')).toBe('"v1"');
    // The caller's own credentials never travel on; ours never come back.
    const [req] = sent();
    expect(req!.headers.authorization).toMatch(/^Bearer fake-at-/);
    expect(req!.headers.cookie).toBeUndefined();
    const token = req!.headers.authorization!.slice('Bearer '.length);
    for (const answer of [res, await call(`${base}/rest/api/3/issue/OPS-99999`), await call(`${base}/rest/api/2/myself`)]) {
      const everything = `${answer.text}\n${[...answer.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n')}`;
      expect(everything).not.toContain(token);
      expect(everything).not.toMatch(/fake-(at|rt)-|Bearer /);
      expect(answer.headers.get('authorization')).toBeNull();
    }
  });

  it.each([
    ['/rest/api/3/../../../oauth/token', '"." or ".." segments'],
    ['/rest/api/3/issue/..', '"." or ".." segments'],
    ['/rest/api/3/./myself', '"." or ".." segments'],
    ['/rest/api/3/..;/..;/..;/secure/admin', 'must not contain ";"'],
    ['/rest/agile/1.0/..;x/..;x/secure', 'must not contain ";"'],
    ['/rest/api/3/.;/myself', 'must not contain ";"'],
    ['/rest/api/3/..%3b/x', 'must not contain ";"'],
    ['/rest/api/3/%2e%2e/%2e%2e/oauth/token', 'encoded'],
    ['/rest/api/3/%2E%2E%2Foauth', 'encoded'],
    ['/rest/api/3/issue%2f..%2fmyself', 'encoded'],
    ['/rest/api/3/%252e%252e/x', 'double encoding'],
    ['/rest/api/3/%25%32%65', 'double encoding'],
    ['/http://evil.example/rest/api/3/myself', 'absolute URL'],
    ['/https:/evil.example/rest/api/3/myself', 'must start with one of'],
    ['//evil.example/rest/api/3/myself', 'absolute URL'],
    ['/rest/api/3/user@evil.example', '@'],
    ['/rest/api/3/myself\\..\\..\\oauth', 'backslash'],
    ['/rest/api/3//myself', 'empty segment'],
    ['/rest/api/3/%00', 'control character'],
    ['/rest/api/3/%zz', 'broken percent-escape'],
    ['/oauth/token', 'must start with one of rest/api/3/, rest/api/2/, rest/agile/1.0/ for jira'],
    ['/wiki/api/v2/spaces', 'must start with one of'],
    ['/rest/api/2/myself', 'not an API of this jira connection (Cloud)'],
    ['/rest/api', 'must start with one of'],
  ])('refuses %s with 400 VALIDATION naming the problem, and sends nothing', async (path, problem) => {
    const res = await rawRequest(svc.url, { path: `/connectors/jira/proxy${path}`, headers: { 'x-tenant-id': 'acme' } });
    const text = res.text;
    expect(res.headers['x-upstream-status']).toBeUndefined();
    const body = expectStandardError({ status: res.status, contentType: res.headers['content-type'], text }, 400, 'VALIDATION');
    expect(body.message).toContain(problem);
    expect(sent()).toEqual([]);
  });

  it('refuses with the standard body what it cannot pass on: an unknown connector, no connection, a body on GET, other media types, bad JSON, a body over the limit', async () => {
    expectRefusal(await call(`${svc.url}/connectors/bitbucket/proxy/rest/api/3/myself`), 404, 'NOT_FOUND');
    expectRefusal(await call(`${base}/rest/api/3/myself`, { tenant: 'nobody' }), 409, 'NOT_CONNECTED');
    // fetch sends no body on a GET; node:http does.
    const withBody = await rawRequest(svc.url, {
      path: '/connectors/jira/proxy/rest/api/3/myself',
      headers: { 'x-tenant-id': 'acme', 'content-type': 'application/json', 'content-length': '2' },
      body: '{}',
    }).then((r) => ({ status: r.status, headers: new Headers(Object.entries(r.headers).map(([k, v]) => [k, String(v)])), text: r.text, body: undefined }));
    expect(expectRefusal(withBody, 400, 'VALIDATION').message).toContain('carries no body');
    const plain = await call(`${base}/rest/api/3/issue`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(expectRefusal(plain, 400, 'VALIDATION').message).toContain('JSON (application/json) or multipart/form-data');
    const broken = await call(`${base}/rest/api/3/issue`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"fields":' });
    expect(expectRefusal(broken, 400, 'VALIDATION').message).toBe('The request body is not valid JSON.');
    const huge = await call(`${base}/rest/api/3/issue`, jsonInit('POST', { fields: { summary: 'x'.repeat(1024 * 1024 + 10) } }));
    expect(expectRefusal(huge, 413, 'VALIDATION').message).toContain('BODY_LIMIT_BYTES');
    const other = await call(`${base}/rest/api/3/issue/OPS-1`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(other.status).toBe(405);
    expect(other.headers.get('allow')).toBe('GET, POST, PUT, DELETE');
    expect(sent()).toEqual([]);
  });
});

describe('the proxy and Atlassian’s rate limits', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake), overrides: { retrySleep: async () => undefined } });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  it('a 429: Retry-After and the rate-limit headers come back as Atlassian sent them; a GET whose wait exceeds the budget is not retried; then the site’s penalty window answers our own 429 without calling', async () => {
    const mark = fake.requests.length;
    const base = `${svc.url}/connectors/jira/proxy`;
    const sent = () => apiRequests(fake, mark);
    const limited = { errorMessages: ['Rate limit exceeded.'], errors: {} };
    const headers = { 'retry-after': '120', 'x-ratelimit-remaining': '0', 'x-ratelimit-limit': '350', 'x-ratelimit-nearlimit': 'true' };
    fake.inject({ kind: 'status', path: `/ex/jira/${CLOUD_ID}/rest/api/3/myself`, status: 429, body: limited, headers });
    const get = await call(`${base}/rest/api/3/myself`);
    expect(get.status).toBe(429);
    expect(get.body).toEqual(limited);
    expect(get.headers.get('retry-after')).toBe('120');
    expect(get.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(get.headers.get('x-ratelimit-limit')).toBe('350');
    expect(get.headers.get('x-ratelimit-nearlimit')).toBe('true');
    expect(get.headers.get('x-upstream-status')).toBe('429');
    expect(sent()).toHaveLength(1);
    // The upstream budget (shared with the operations) holds the site back now: nothing is sent.
    const held = await call(`${base}/rest/api/3/issue/OPS-1`);
    const body = expectRefusal(held, 429, 'RATE_LIMITED', ['retry_after']);
    expect(Number(held.headers.get('retry-after'))).toBeGreaterThan(100);
    expect(body.message).toContain('was not requested');
    expect(sent()).toHaveLength(1);
  });
});

describe('the proxy and a token due for a refresh', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let shortLived: FakeAtlassian;
  let svcShort: TestService;
  beforeAll(async () => {
    // Tokens live 60 s and the skew is 300 s: every use is due for a refresh.
    fake = await startFakeAtlassian({ accessTokenTtlSeconds: 60 });
    svc = await startTestService({ env: oauthEnv(fake) });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
    // Tokens of 2 s: with under 5 s left a token counts as expired, and the call waits for the new one.
    shortLived = await startFakeAtlassian({ accessTokenTtlSeconds: 2 });
    svcShort = await startTestService({ env: oauthEnv(shortLived) });
    expect((await connect(svcShort.url, shortLived, { tenant: 'acme' })).status).toBe(302);
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
    await svcShort.close();
    await shortLived.close();
  });

  it('a token that still works is sent at once, its refresh beside the call; the next call carries the new one', async () => {
    const refreshes = fake.tokenGrants.refresh;
    const mark = fake.requests.length;
    const stored = fake.requests.filter((r) => r.path === '/oauth/token').at(-1)!.response!.body as { access_token: string };
    const res = await call(`${svc.url}/connectors/jira/proxy/rest/api/3/myself`);
    expect(res.status, res.text).toBe(200);
    const forwarded = fake.requests.slice(mark).find((r) => r.path.endsWith('/rest/api/3/myself'))!;
    expect(forwarded.headers.authorization).toBe(`Bearer ${stored.access_token}`);
    for (let i = 0; i < 200 && fake.tokenGrants.refresh === refreshes; i += 1) await new Promise((r) => setTimeout(r, 10));
    expect(fake.tokenGrants.refresh).toBe(refreshes + 1);
    const rotated = fake.requests.slice(mark).find((r) => r.path === '/oauth/token')!.response!.body as { access_token: string };
    await new Promise((r) => setTimeout(r, 100));
    const next = fake.requests.length;
    expect((await call(`${svc.url}/connectors/jira/proxy/rest/api/3/myself`)).status).toBe(200);
    expect(fake.requests.slice(next).find((r) => r.path.endsWith('/rest/api/3/myself'))!.headers.authorization).toBe(`Bearer ${rotated.access_token}`);
  });

  it('an expired token: refreshes first, then sends the request once with the new token', async () => {
    const refreshes = shortLived.tokenGrants.refresh;
    const mark = shortLived.requests.length;
    const res = await call(`${svcShort.url}/connectors/jira/proxy/rest/api/3/myself`);
    expect(res.status, res.text).toBe(200);
    expect(shortLived.tokenGrants.refresh).toBe(refreshes + 1);
    const paths = shortLived.requests.slice(mark).map((r) => r.path);
    expect(paths).toEqual(['/oauth/token', `/ex/jira/${CLOUD_ID}/rest/api/3/myself`]);
    const token = (shortLived.requests[mark]!.response!.body as { access_token: string }).access_token;
    expect(shortLived.requests[mark + 1]!.headers.authorization).toBe(`Bearer ${token}`);
  });
});

describe('PROXY_ENABLED=false and TOOLS_READ_ONLY=true', () => {
  let fake: FakeAtlassian;
  let off: TestService;
  let readOnly: TestService;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    off = await startTestService({ env: oauthEnv(fake, { PROXY_ENABLED: 'false' }) });
    readOnly = await startTestService({ env: oauthEnv(fake, { TOOLS_READ_ONLY: 'true' }) });
    expect((await connect(off.url, fake, { tenant: 'acme' })).status).toBe(302);
    expect((await connect(readOnly.url, fake, { tenant: 'acme' })).status).toBe(302);
  });
  afterAll(async () => {
    await off.close();
    await readOnly.close();
    await fake.close();
  });

  it('turned off: every method answers 404 NOT_FOUND naming PROXY_ENABLED, and nothing is sent', async () => {
    const mark = fake.requests.length;
    for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
      const res = await call(`${off.url}/connectors/jira/proxy/rest/api/3/issue/OPS-1`, method === 'GET' || method === 'DELETE' ? { method } : jsonInit(method, {}));
      expect(expectRefusal(res, 404, 'NOT_FOUND').message).toContain('PROXY_ENABLED=false');
    }
    expect(apiRequests(fake, mark)).toEqual([]);
  });

  it('read-only: GET passes, POST, PUT and DELETE are refused with 403 FORBIDDEN before anything is sent', async () => {
    const mark = fake.requests.length;
    expect((await call(`${readOnly.url}/connectors/jira/proxy/rest/api/3/issue/OPS-1`)).status).toBe(200);
    for (const [method, init] of [
      ['POST', jsonInit('POST', { fields: { project: { key: 'OPS' }, summary: 'no', issuetype: { name: 'Task' } } })],
      ['PUT', jsonInit('PUT', { fields: { summary: 'no' } })],
      ['DELETE', { method: 'DELETE' }],
    ] as const) {
      const res = await call(`${readOnly.url}/connectors/jira/proxy/rest/api/3/issue/OPS-1`, init);
      expect(expectRefusal(res, 403, 'FORBIDDEN').message).toContain(`TOOLS_READ_ONLY=true; ${method} was refused`);
    }
    expect(apiRequests(fake, mark).map((r) => r.method)).toEqual(['GET']);
  });
});

describe('the proxy ignores JIRA_PROJECTS_FILTER and CONFLUENCE_SPACES_FILTER (docs/proxy.md)', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake, { JIRA_PROJECTS_FILTER: 'WEB', CONFLUENCE_SPACES_FILTER: 'ENG' }) });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  it('an issue of OPS and a page of OPS: hidden from the operations, reached through the proxy', async () => {
    // The operations answer as if they did not exist.
    expect(expectRefusal(await call(`${svc.url}/connectors/jira/issues/OPS-1`), 404, 'NOT_FOUND').message).toBe('Jira has no issue OPS-1 that this connection may see.');
    expect(expectRefusal(await call(`${svc.url}/connectors/confluence/pages/1000002`), 404, 'NOT_FOUND').message).toBe('Confluence has no page 1000002 that this connection may see.');
    // The proxy, for trusted server-side callers, passes the same reads on.
    const mark = fake.requests.length;
    const issue = await call(`${svc.url}/connectors/jira/proxy/rest/api/3/issue/OPS-1`);
    expect(issue.status, issue.text).toBe(200);
    expect(issue.body).toMatchObject({ key: 'OPS-1' });
    const page = await call(`${svc.url}/connectors/confluence/proxy/wiki/api/v2/pages/1000002`);
    expect(page.status, page.text).toBe(200);
    expect(page.body).toMatchObject({ id: '1000002', spaceId: '98306' });
    expect(apiRequests(fake, mark).map((r) => r.method)).toEqual(['GET', 'GET']);
  });
});

describe('the proxy on token connections', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: { ENABLE_JIRA_PAT: 'true' }, overrides: { atlassianHttp: loopbackHttp() } });
    await seedTokenConnection(svc, fake, { tenant: 'cloud', connector: 'confluence', kind: 'api_token' });
    await seedTokenConnection(svc, fake, { tenant: 'cloud', connector: 'jira', kind: 'api_token' });
    await seedTokenConnection(svc, fake, { tenant: 'dc', connector: 'jira', kind: 'pat' });
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  it('an API token: Basic auth straight to the site', async () => {
    const mark = fake.requests.length;
    const res = await call(`${svc.url}/connectors/confluence/proxy/wiki/api/v2/spaces?limit=1`, { tenant: 'cloud' });
    expect(res.status, res.text).toBe(200);
    const jira = await call(`${svc.url}/connectors/jira/proxy/rest/api/3/myself`, { tenant: 'cloud' });
    expect(jira.status, jira.text).toBe(200);
    const reqs = apiRequests(fake, mark);
    expect(reqs.map((r) => r.path)).toEqual(['/wiki/api/v2/spaces', '/rest/api/3/myself']);
    expect(reqs[0]!.headers.authorization).toMatch(/^Basic /);
    expect(`${res.text}${jira.text}`).not.toContain(API_TOKEN);
  });

  it('a Data Center PAT: /rest/api/2 and /rest/agile/1.0 pass, /rest/api/3 is refused; its 401 comes back as Atlassian sent it', async () => {
    const mark = fake.requests.length;
    const me = await call(`${svc.url}/connectors/jira/proxy/rest/api/2/myself`, { tenant: 'dc' });
    expect(me.status, me.text).toBe(200);
    expect((await call(`${svc.url}/connectors/jira/proxy/rest/agile/1.0/board?maxResults=1`, { tenant: 'dc' })).status).toBe(200);
    const v3 = await call(`${svc.url}/connectors/jira/proxy/rest/api/3/myself`, { tenant: 'dc' });
    expect(expectRefusal(v3, 400, 'VALIDATION').message).toContain('not an API of this jira connection (Data Center)');
    const reqs = apiRequests(fake, mark);
    expect(reqs.map((r) => r.path)).toEqual(['/rest/api/2/myself', '/rest/agile/1.0/board']);
    expect(reqs[0]!.headers.authorization).toBe(`Bearer ${PAT}`);
    fake.pats.clear();
    const rejected = await call(`${svc.url}/connectors/jira/proxy/rest/api/2/myself`, { tenant: 'dc' });
    expect(rejected.status).toBe(401);
    expect(rejected.headers.get('x-upstream-status')).toBe('401');
    expect(rejected.text).not.toContain(PAT);
  });
});

describe('the proxy’s size caps (ATTACHMENT_MAX_BYTES=4096, BODY_LIMIT_BYTES=2048)', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  const small = randomBytes(3000);
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake, { ATTACHMENT_MAX_BYTES: '4096', BODY_LIMIT_BYTES: '2048' }) });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
    const issue = fake.jira.issues.find((i) => i.key === 'OPS-1')!;
    issue.attachments = [
      { id: '30001', filename: 'small.png', mimeType: 'image/png', created: '2026-11-21T10:00:00.000+0000', author: 'Mia Krystof', content: small },
      { id: '30002', filename: 'big.bin', mimeType: 'application/octet-stream', created: '2026-11-21T10:00:00.000+0000', author: 'Mia Krystof', content: randomBytes(10_000) },
    ];
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });
  const base = () => `${svc.url}/connectors/jira/proxy/rest/api/3`;

  it('passes a file under the cap on with its type and length', async () => {
    const res = await fetch(`${base()}/attachment/content/30001?redirect=false`, { headers: { 'x-tenant-id': 'acme' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('content-length')).toBe(String(small.length));
    expect(Buffer.compare(Buffer.from(await res.arrayBuffer()), small)).toBe(0);
  });

  it('refuses an answer declared larger than the cap with 413, naming ATTACHMENT_MAX_BYTES', async () => {
    const res = await call(`${base()}/attachment/content/30002?redirect=false`);
    expect(expectRefusal(res, 413, 'VALIDATION').message).toContain('ATTACHMENT_MAX_BYTES');
  });

  it('refuses a multipart body over ATTACHMENT_MAX_BYTES and a JSON body over BODY_LIMIT_BYTES with 413, sending nothing', async () => {
    const mark = fake.requests.length;
    const form = new FormData();
    form.append('file', new Blob([randomBytes(8000)]), 'big.bin');
    const upload = await call(`${base()}/issue/OPS-1/attachments`, { method: 'POST', body: form });
    expect(expectRefusal(upload, 413, 'VALIDATION').message).toContain('ATTACHMENT_MAX_BYTES');
    const json = await call(`${base()}/issue`, jsonInit('POST', { fields: { summary: 'x'.repeat(3000) } }));
    expect(expectRefusal(json, 413, 'VALIDATION').message).toContain('BODY_LIMIT_BYTES');
    expect(apiRequests(fake, mark)).toEqual([]);
  });
});

describe('UndiciAtlassianProxy against a server that misbehaves mid-answer', () => {
  let server: http.Server;
  let base = '';
  let handler: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_q, r) => r.end();
  const transport = createAtlassianHttp({ timeoutMs: 2000 });
  const settings = { retryBudgetMs: 1000, clock: systemClock, sleep: async () => undefined };
  const proxy = new UndiciAtlassianProxy(transport, new AtlassianCaller(transport, settings), { ...settings, maxResponseBytes: 8 * 1024 });
  beforeAll(async () => {
    server = http.createServer((req, res) => handler(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await transport.close?.();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  /** A GET of one path through `through` (the proxy with retries above, unless another is given). */
  const forward = (through: UndiciAtlassianProxy = proxy) =>
    through.forward(
      { baseUrl: base, siteUrl: base, authorization: 'Bearer secret', authType: 'oauth', flavour: 'cloud', version: 1, callerSuppliedHost: false },
      { method: 'GET', path: '/rest/api/3/x', query: '', headers: {} },
    )();
  /** A proxy over `http` that tries once and passes on at most 8 KB. */
  const once = { retryBudgetMs: 0, clock: systemClock, sleep: async () => undefined };
  const proxyOnce = (http: AtlassianHttp) => new UndiciAtlassianProxy(http, new AtlassianCaller(http, once), { ...once, maxResponseBytes: 8 * 1024 });
  const drain = async (body: Uint8Array | AsyncIterable<Uint8Array>): Promise<unknown> => {
    if (body instanceof Uint8Array) return undefined;
    try {
      for await (const _chunk of body) void _chunk;
      return undefined;
    } catch (err) {
      return err;
    }
  };

  it('cuts an undeclared body as soon as it passes the cap, with a 413 TransferError', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const timer = setInterval(() => res.write(Buffer.alloc(1024)), 1);
      res.on('close', () => clearInterval(timer));
    };
    const got = await forward();
    if (got._tag !== 'Right') throw new Error('expected the headers');
    const error = await drain(got.right.body);
    expect(error).toBeInstanceOf(TransferError);
    expect((error as TransferError).error).toMatchObject({ code: 'VALIDATION', reason: 'payload_too_large' });
  });

  it('turns a body cut part-way into a VENDOR_ERROR from the stream', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('only some');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const got = await forward();
    if (got._tag !== 'Right') throw new Error('expected the headers');
    expect(((await drain(got.right.body)) as TransferError).error).toMatchObject({ code: 'VENDOR_ERROR' });
  });

  it('reads a small declared answer whole, and answers 502 VENDOR_ERROR when it is cut before its end', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '12' });
      res.end('{"ok":true}\n');
    };
    const whole = await forward();
    expect(whole._tag === 'Right' && Buffer.from(whole.right.body as Uint8Array).toString()).toBe('{"ok":true}\n');
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
      res.write('only some');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const cut = await forward();
    expect(cut._tag === 'Left' && cut.left).toMatchObject({ code: 'VENDOR_ERROR' });
  });

  it('reads a declared answer that comes in many chunks whole, byte for byte', async () => {
    const big = Buffer.from(Array.from({ length: 300 * 1024 }, (_v, i) => 32 + (i % 90)));
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(big.length) });
      let at = 0;
      const next = (): void => {
        if (at >= big.length) return void res.end();
        res.write(big.subarray(at, at + 16 * 1024));
        at += 16 * 1024;
        setImmediate(next);
      };
      next();
    };
    const roomy = new UndiciAtlassianProxy(transport, new AtlassianCaller(transport, once), { ...once, maxResponseBytes: 1024 * 1024 });
    const got = await forward(roomy);
    expect(got._tag === 'Right' && got.right.body instanceof Uint8Array).toBe(true);
    expect(got._tag === 'Right' && Buffer.compare(Buffer.from(got.right.body as Uint8Array), big)).toBe(0);
  });

  it('reads an error answer of undeclared length whole, and refuses it with 413 once it passes the cap', async () => {
    handler = (_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"errorMessages":["Issue does not exist"]}');
    };
    const small = await forward();
    expect(small._tag === 'Right' && small.right.status).toBe(404);
    expect(small._tag === 'Right' && Buffer.from(small.right.body as Uint8Array).toString()).toBe('{"errorMessages":["Issue does not exist"]}');
    let sent = 0;
    handler = (_req, res) => {
      res.writeHead(400, { 'content-type': 'text/plain' });
      const timer = setInterval(() => {
        res.write(Buffer.alloc(1024));
        sent += 1024;
      }, 1);
      res.on('close', () => clearInterval(timer));
    };
    const big = await forward();
    expect(big._tag === 'Left' && big.left).toMatchObject({ code: 'VALIDATION', reason: 'payload_too_large' });
    // Refused as soon as it passed the 8 KB cap, not after reading on.
    expect(sent).toBeLessThan(256 * 1024);
  });

  it.each([
    ['read whole', { 'content-length': '12' }],
    ['streamed', {}],
  ])('answers 502 VENDOR_ERROR, and does not wait, when an answer to be %s is gone before it is read', async (_how, headers) => {
    const gone = new Readable({ read() {} });
    // As the transport does with undici's body: its error is heard, then the connection fails.
    gone.on('error', () => undefined);
    gone.destroy(new Error('socket hang up'));
    await new Promise((r) => gone.once('close', r));
    const transportDouble: HttpTransport = {
      send: () => TE.left({ kind: 'network', neverSent: true }),
      stream: () => TE.right({ status: 200, headers, body: gone, discard: () => undefined }),
    };
    const double = { trusted: transportDouble, pinned: transportDouble };
    const viaDouble = proxyOnce(double);
    const got = await forward(viaDouble);
    expect(got._tag === 'Left' && got.left).toMatchObject({ code: 'VENDOR_ERROR' });
  });

  it.each([
    ['a success that declares itself small', 200, { 'content-type': 'application/json', 'content-length': '60' }],
    ['an error', 400, { 'content-type': 'application/json' }],
  ])('gives up on %s read whole whose body trickles in past ATLASSIAN_TIMEOUT_MS, as a 504', async (_what, status, headers) => {
    const slow = createAtlassianHttp({ timeoutMs: 300 });
    const impatient = proxyOnce(slow);
    // One byte every 50 ms: no gap reaches undici's bodyTimeout, and the whole takes 3 s.
    let closed = false;
    handler = (_req, res) => {
      res.writeHead(status, headers);
      let sent = 0;
      const timer = setInterval(() => {
        res.write('x');
        sent += 1;
        if (sent === 60) {
          clearInterval(timer);
          res.end();
        }
      }, 50);
      res.on('close', () => {
        clearInterval(timer);
        closed = true;
      });
    };
    try {
      const t0 = performance.now();
      const got = await forward(impatient);
      expect(got._tag === 'Left' && got.left).toMatchObject({ code: 'VENDOR_ERROR', reason: 'upstream_timeout' });
      expect(got._tag === 'Left' && got.left.message).toContain('ATLASSIAN_TIMEOUT_MS');
      expect(performance.now() - t0).toBeLessThan(1500);
      // The rest of the answer is not read on: its connection is dropped.
      await vi.waitFor(() => expect(closed).toBe(true), { timeout: 1000 });
    } finally {
      await slow.close?.();
      server.closeAllConnections();
    }
  });

  it('counts the headers’ wait in the same ATLASSIAN_TIMEOUT_MS: late headers leave the body only what is left', async () => {
    const slow = createAtlassianHttp({ timeoutMs: 600 });
    const impatient = proxyOnce(slow);
    handler = (_req, res) => {
      let timer: NodeJS.Timeout | undefined;
      // Headers after 450 ms, then a byte every 50 ms: a bound that started at the headers would end at about 1050 ms.
      const late = setTimeout(() => {
        res.writeHead(400, { 'content-type': 'application/json' });
        timer = setInterval(() => res.write('x'), 50);
      }, 450);
      res.on('close', () => {
        clearTimeout(late);
        clearInterval(timer);
      });
    };
    try {
      const t0 = performance.now();
      const got = await forward(impatient);
      expect(got._tag === 'Left' && got.left).toMatchObject({ code: 'VENDOR_ERROR', reason: 'upstream_timeout' });
      expect(performance.now() - t0).toBeLessThan(900);
    } finally {
      await slow.close?.();
      server.closeAllConnections();
    }
  });

  it('reads an answer whole on the operations\' path (send) from chunks that split a character, its byte order mark dropped', async () => {
    const text = JSON.stringify({ summary: 'Grüße 🚀'.repeat(2000) });
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
    // 🚀 is four bytes: cut inside the first one so that no chunk ends on a character's boundary.
    const cut = bytes.indexOf(Buffer.from('🚀')) + 2;
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(bytes.subarray(0, cut));
      setTimeout(() => res.end(bytes.subarray(cut)), 20);
    };
    const got = await transport.trusted.send({ method: 'GET', url: `${base}/rest/api/3/x` })();
    expect(got._tag === 'Right' && got.right.status).toBe(200);
    expect(got._tag === 'Right' && got.right.body).toBe(text);
    handler = (_req, res) => res.writeHead(204).end();
    const none = await transport.trusted.send({ method: 'GET', url: `${base}/rest/api/3/x` })();
    expect(none._tag === 'Right' && [none.right.status, none.right.body]).toEqual([204, '']);
  });

  it('bounds a whole answer by ATLASSIAN_TIMEOUT_MS on the operations\' path too (send), not only each gap between chunks', async () => {
    const slow = createAtlassianHttp({ timeoutMs: 300 });
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
    };
    try {
      const t0 = performance.now();
      const got = await slow.trusted.send({ method: 'GET', url: `${base}/rest/api/3/x` })();
      expect(got._tag === 'Left' && got.left.kind).toBe('timeout');
      expect(performance.now() - t0).toBeLessThan(1500);
    } finally {
      await slow.close?.();
      server.closeAllConnections();
    }
  });

  it.each([
    ['too large', 0, { kind: 'VALIDATION' }],
    ['too slow', 150, { kind: 'VENDOR_ERROR' }],
  ])('tells an answer of another transport that it is no longer read when it is %s', async (_why, gapMs, expected) => {
    let stopped = false;
    async function* answer(): AsyncIterable<Uint8Array> {
      try {
        for (;;) {
          if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
          yield Buffer.alloc(4096);
        }
      } finally {
        stopped = true;
      }
    }
    const transportDouble: HttpTransport = {
      send: () => TE.left({ kind: 'network', neverSent: true }),
      stream: () => TE.right({ status: 400, headers: {}, body: answer(), answerBy: performance.now() + 100, discard: () => undefined }),
    };
    const double = { trusted: transportDouble, pinned: transportDouble };
    const viaDouble = proxyOnce(double);
    const got = await forward(viaDouble);
    expect(got._tag === 'Left' && got.left.code).toBe(expected.kind);
    await vi.waitFor(() => expect(stopped).toBe(true), { timeout: 1000 });
  });

  it('gives up on an answer whose headers do not come within ATLASSIAN_TIMEOUT_MS, as a 504', async () => {
    const slow = createAtlassianHttp({ timeoutMs: 150 });
    const impatient = proxyOnce(slow);
    handler = () => undefined; // never answers
    try {
      const got = await forward(impatient);
      expect(got._tag === 'Left' && got.left).toMatchObject({ code: 'VENDOR_ERROR', reason: 'upstream_timeout' });
    } finally {
      await slow.close?.();
      server.closeAllConnections();
    }
  });
});

describe('the proxy in the metrics', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake, { METRICS_PORT: '0' }) });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  it('times its calls to Atlassian under the API prefix alone, never the caller’s path', async () => {
    expect((await call(`${svc.url}/connectors/jira/proxy/rest/api/3/issue/OPS-1`)).status).toBe(200);
    expect((await call(`${svc.url}/connectors/jira/proxy/rest/api/3/issue/OPS-2/comment`)).status).toBe(200);
    const text = await (await fetch(`${svc.service.metricsUrl() ?? ''}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('integration_backend_atlassian_request_duration_seconds_count{') && l.includes('operation="GET /rest/api/3/{proxied}"'));
    expect(line, text.slice(0, 2000)).toBeDefined();
    expect(Number(line!.split(' ').pop())).toBe(2);
    expect(text).not.toContain('OPS-1');
    expect(text).not.toContain('/comment');
  });
});
