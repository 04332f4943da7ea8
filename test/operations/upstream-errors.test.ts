/** How Atlassian's failures reach the caller: statuses, codes, Atlassian's own words, and what was (not) retried. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { apiRequests, client, expectError, type Client } from './support.js';

const PROJECTS = '/rest/api/3/project/search';
const SEARCH = '/rest/api/3/search/jql';
const ISSUE = '/rest/api/3/issue';
const PAGES = '/wiki/api/v2/pages';

describe('upstream answers (OAuth)', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let api: Client;
  let mark = 0;
  const delays: number[] = [];
  /** A minute passes between tests on the service's clock, past the penalty window a 429 leaves (the upstream budget). */
  let skew = 0;
  const clock = { now: () => new Date(Date.now() + skew) };

  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({
      env: oauthEnv(fake),
      overrides: {
        clock,
        retrySleep: async (ms) => {
          delays.push(ms);
        },
      },
    });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
    api = client(svc.url, 'acme');
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });
  beforeEach(() => {
    fake.clearFaults();
    skew += 60_000;
    delays.length = 0;
    mark = fake.requests.length;
  });
  const sent = (suffix?: string) => apiRequests(fake, mark).filter((r) => suffix === undefined || r.path.endsWith(suffix));

  it('a malformed (non-JSON) body is 502 VENDOR_ERROR, and the next request works', async () => {
    fake.inject({ kind: 'malformed', path: PROJECTS, body: '{"values": [ {"id": "1", trunc' });
    expectError(await api.get('/connectors/jira/projects'), 502, 'VENDOR_ERROR');
    expect(sent(PROJECTS)).toHaveLength(1);
    const next = await api.get('/connectors/jira/projects');
    expect(next.status, next.text).toBe(200);
    expect(next.body.items).toHaveLength(3);
  });

  it('a body larger than 16 MiB is refused as 502 VENDOR_ERROR instead of buffered', async () => {
    fake.inject({ kind: 'malformed', path: SEARCH, body: `{"issues":[],"pad":"${'x'.repeat(17 * 1024 * 1024)}"}` });
    const err = expectError(await api.get('/connectors/jira/search?q=x'), 502, 'VENDOR_ERROR');
    expect(err.message).toContain('larger than 16 MiB');
    expect(sent(SEARCH)).toHaveLength(1);
    expect(delays).toEqual([]);
    expect((await api.get('/connectors/jira/search?q=cache')).status).toBe(200);
  });

  it('JSON of the wrong shape, or HTML, is 502 VENDOR_ERROR too', async () => {
    fake.inject({ kind: 'malformed', path: SEARCH, body: '{"issues": "not a list"}' });
    expectError(await api.get('/connectors/jira/search?q=x'), 502, 'VENDOR_ERROR');
    fake.inject({ kind: 'malformed', path: PAGES, body: '<html>Bad gateway</html>', contentType: 'text/html' });
    expectError(await api.post('/connectors/confluence/create', { space_id: '98305', title: 'M', body: 'x' }), 502, 'VENDOR_ERROR');
    expect((await api.get('/connectors/jira/search?q=cache')).status).toBe(200);
  });

  it("400 from Jira is 400 VALIDATION with Atlassian's messages and field details", async () => {
    fake.inject({
      kind: 'status',
      path: ISSUE,
      method: 'POST',
      status: 400,
      body: { errorMessages: ['Issue type is not available for this project.'], errors: { summary: 'Summary is too long.' } },
    });
    const body = expectError(await api.post('/connectors/jira/create', { project_key: 'OPS', summary: 'x' }), 400, 'VALIDATION');
    expect(body.message).toContain('Issue type is not available for this project.');
    expect(body.message).toContain('summary: Summary is too long.');
    expect(body.details).toEqual({ summary: 'Summary is too long.' });
    expect(sent(ISSUE)).toHaveLength(1);
  });

  it("422 from Confluence v2 is 400 VALIDATION with Atlassian's title and detail", async () => {
    fake.inject({
      kind: 'status',
      path: PAGES,
      status: 422,
      body: { errors: [{ status: 422, code: 'INVALID_REQUEST_PARAMETER', title: 'Parent page is archived', detail: 'Choose another parent.' }] },
    });
    const body = expectError(await api.post('/connectors/confluence/create', { space_id: '98305', title: 'U', body: 'x' }), 400, 'VALIDATION');
    expect(body.message).toContain('Parent page is archived: Choose another parent.');
  });

  it('one 401 -> exactly one refresh and one retry, then 200', async () => {
    const refreshes = fake.tokenGrants.refresh;
    fake.inject({ kind: 'status', path: PROJECTS, status: 401, body: { code: 401, message: 'Unauthorized' } });
    const res = await api.get('/connectors/jira/projects');
    expect(res.status, res.text).toBe(200);
    expect(fake.tokenGrants.refresh).toBe(refreshes + 1);
    const reqs = sent(PROJECTS);
    expect(reqs).toHaveLength(2);
    expect(reqs[0]?.headers.authorization).not.toBe(reqs[1]?.headers.authorization);
    expect(delays).toEqual([]);
  });

  it('two 401s -> 401 TOKEN_EXPIRED after one refresh and two tries', async () => {
    const refreshes = fake.tokenGrants.refresh;
    fake.inject({ kind: 'status', path: SEARCH, status: 401, times: 2, body: { code: 401, message: 'Unauthorized' } });
    expectError(await api.get('/connectors/jira/search?q=x'), 401, 'TOKEN_EXPIRED');
    expect(fake.tokenGrants.refresh).toBe(refreshes + 1);
    expect(sent(SEARCH)).toHaveLength(2);
    // the refreshed grant still works
    expect((await api.get('/connectors/jira/search?q=cache')).status).toBe(200);
  });

  it('a 401 for a missing scope -> 403 FORBIDDEN naming the scope the operation needs, without a refresh', async () => {
    const refreshes = fake.tokenGrants.refresh;
    fake.inject({ kind: 'status', path: SEARCH, status: 401, body: { code: 401, message: 'Unauthorized; scope does not match' } });
    const body = expectError(await api.get('/connectors/jira/search?q=x'), 403, 'FORBIDDEN');
    expect(body.message).toContain('read:jira-work');
    expect(body.message).toContain('JIRA_OAUTH_SCOPES');
    expect(fake.tokenGrants.refresh).toBe(refreshes);
    expect(sent(SEARCH)).toHaveLength(1);
    fake.inject({ kind: 'status', path: PAGES, method: 'POST', status: 401, body: { code: 401, message: 'Unauthorized; scope does not match' } });
    const page = expectError(await api.post('/connectors/confluence/create', { space_id: '98305', title: 'S', body: 'x' }), 403, 'FORBIDDEN');
    expect(page.message).toContain('write:page:confluence');
  });

  it("403 -> 403 FORBIDDEN with Atlassian's message", async () => {
    fake.inject({ kind: 'status', path: PROJECTS, status: 403, body: { errorMessages: ['You do not have permission to browse projects.'], errors: {} } });
    const body = expectError(await api.get('/connectors/jira/projects'), 403, 'FORBIDDEN');
    expect(body.message).toContain('You do not have permission to browse projects.');
    expect(sent(PROJECTS)).toHaveLength(1);
  });

  it('404 -> 404 NOT_FOUND', async () => {
    fake.inject({
      kind: 'status',
      path: '/wiki/api/v2/spaces',
      status: 404,
      body: { errors: [{ status: 404, code: 'NOT_FOUND', title: 'Not Found', detail: null }] },
    });
    expectError(await api.get('/connectors/confluence/spaces'), 404, 'NOT_FOUND');
    expect(sent('/wiki/api/v2/spaces')).toHaveLength(1);
  });

  it('429 with Retry-After: 7 on a POST -> 429 RATE_LIMITED, retry_after 7, Retry-After 7, one POST', async () => {
    fake.inject({ kind: 'status', path: ISSUE, method: 'POST', status: 429, headers: { 'retry-after': '7' }, times: 3 });
    const res = await api.post('/connectors/jira/create', { project_key: 'OPS', summary: 'Rate limited' });
    const body = expectError(res, 429, 'RATE_LIMITED');
    expect(body.retry_after).toBe(7);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(sent(ISSUE)).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it.each([500, 502, 503, 504])('%i on a POST -> 502 VENDOR_ERROR and exactly one POST', async (status) => {
    fake.inject({ kind: 'status', path: PAGES, method: 'POST', status, times: 3 });
    expectError(await api.post('/connectors/confluence/create', { space_id: '98305', title: `five ${status}`, body: 'x' }), 502, 'VENDOR_ERROR');
    expect(sent(PAGES)).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it("410 on an idempotent call -> 502 VENDOR_ERROR carrying Atlassian's message, not an empty list", async () => {
    const removed =
      'The requested API has been removed. Please migrate to the /rest/api/3/search/jql API.';
    fake.inject({ kind: 'status', path: SEARCH, status: 410, body: { errorMessages: [removed], errors: {} } });
    const res = await api.get('/connectors/jira/search?q=cache');
    const body = expectError(res, 502, 'VENDOR_ERROR');
    expect(body.message).toContain(removed);
    expect(res.body.items).toBeUndefined();
    expect(sent(SEARCH)).toHaveLength(1);
  });

  it('a connection reset on a POST -> 502 VENDOR_ERROR and exactly one POST', async () => {
    fake.inject({ kind: 'reset', path: ISSUE, method: 'POST', times: 3 });
    expectError(await api.post('/connectors/jira/create', { project_key: 'OPS', summary: 'Reset' }), 502, 'VENDOR_ERROR');
    expect(sent(ISSUE)).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('a connection reset on every try of a GET -> 502 VENDOR_ERROR', async () => {
    fake.inject({ kind: 'reset', path: PROJECTS, times: 4 });
    expectError(await api.get('/connectors/jira/projects'), 502, 'VENDOR_ERROR');
    // retried (a GET is idempotent) until the 15 s default budget or the 4 tries run out
    expect(sent(PROJECTS).length).toBeGreaterThanOrEqual(3);
    expect(sent(PROJECTS).length).toBe(delays.length + 1);
  });

  it.each([
    ['GET', '/connectors/jira/projects', undefined],
    ['GET', '/connectors/jira/search?q=x', undefined],
    ['POST', '/connectors/jira/create', { project_key: 'OPS', summary: 'x' }],
    ['GET', '/connectors/confluence/spaces', undefined],
    ['GET', '/connectors/confluence/search?q=x', undefined],
    ['POST', '/connectors/confluence/create', { space_key: 'ENG', title: 't', body: 'b' }],
  ])('no connection: %s %s -> 409 NOT_CONNECTED and nothing sent', async (method, path, body) => {
    const other = client(svc.url, 'nobody');
    const res = method === 'GET' ? await other.get(path) : await other.post(path, body);
    expectError(res, 409, 'NOT_CONNECTED');
    expect(fake.requests.length).toBe(mark);
  });
});

describe('upstream timeout', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let api: Client;
  const delays: number[] = [];
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({
      env: oauthEnv(fake, { ATLASSIAN_TIMEOUT_MS: '300' }),
      overrides: {
        retrySleep: async (ms) => {
          delays.push(ms);
        },
      },
    });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
    api = client(svc.url, 'acme');
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  it('a 1000 ms delay with ATLASSIAN_TIMEOUT_MS=300 -> 504 VENDOR_ERROR, not retried', async () => {
    const mark = fake.requests.length;
    fake.inject({ kind: 'delay', path: PROJECTS, ms: 1000, times: 4 });
    const started = performance.now();
    const res = await api.get('/connectors/jira/projects');
    expectError(res, 504, 'VENDOR_ERROR');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(apiRequests(fake, mark)).toHaveLength(1);
    expect(delays).toEqual([]);
    fake.clearFaults();
    expect((await api.get('/connectors/jira/projects')).status).toBe(200);
  });
});
