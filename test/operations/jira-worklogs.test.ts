/** Worklogs against the fake Atlassian: REST, tools/invoke and MCP, Cloud and Data Center, JIRA_PROJECTS_FILTER, scopes. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { markdownToAdf } from '../../src/domain/markup/adf.js';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { worklogsOf } from '../support/fake-jira-worklogs.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { expectTrafficConforms } from '../support/spec-traffic.js';
import { apiRequests, callOneWay, client, expectError, expectSameEverywhere, loopbackHttp, seedTokenConnection, type Client } from './support.js';

const inner = (path: string): string => path.replace(/^\/ex\/jira\/[^/]+/, '');

describe('Jira worklogs (OAuth)', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let api: Client;
  let mark = 0;
  let now: Date | undefined;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake), overrides: { clock: { now: () => now ?? new Date() }, retrySleep: async () => {} } });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
    api = client(svc.url, 'acme');
  });
  afterAll(async () => {
    expectTrafficConforms(fake.requests);
    await svc.close();
    await fake.close();
  });
  beforeEach(() => {
    mark = fake.requests.length;
    now = undefined;
  });
  const sent = () => apiRequests(fake, mark).map((r) => ({ method: r.method, path: inner(r.path), query: r.query.toString(), body: r.body }));
  const call = (way: 'rest' | 'tool' | 'mcp', name: string, input: Record<string, unknown>) => callOneWay(svc.url, 'acme', way, name, input);

  it('jira_list_worklogs answers the logged time, oldest first, comments in Markdown, the same three ways', async () => {
    const page = await expectSameEverywhere(svc.url, 'acme', 'jira_list_worklogs', { issue: 'OPS-2' });
    expect(page.next_cursor).toBeNull();
    expect(page.items).toHaveLength(3);
    expect(page.items[0]).toEqual({
      id: '10100',
      author: 'Mia Krystof',
      author_account_id: expect.stringMatching(/^557058:/),
      started: '2026-11-20T09:00:00.000+0000',
      time_spent: '1h',
      time_spent_seconds: 3600,
      comment: 'Reproduced the timeout.\n',
      created: '2026-11-20T10:00:00.000+0000',
      updated: '2026-11-20T10:00:00.000+0000',
    });
    expect(page.items[1]).toMatchObject({ id: '10101', time_spent: '2h 30m', comment: null });
    expect(sent()[0]).toMatchObject({ method: 'GET', path: '/rest/api/3/issue/OPS-2/worklog', query: 'startAt=0&maxResults=25' });
  });

  it('pages with next_cursor, answers the raw ADF with format=adf, and an issue without worklogs has none', async () => {
    const first = await api.get('/connectors/jira/issues/OPS-2/worklogs?limit=2');
    expect(first.status, first.text).toBe(200);
    expect(first.body.items.map((w: { id: string }) => w.id)).toEqual(['10100', '10101']);
    const second = await api.get(`/connectors/jira/issues/OPS-2/worklogs?limit=2&cursor=${encodeURIComponent(first.body.next_cursor as string)}`);
    expect(second.body).toMatchObject({ items: [{ id: '10102', time_spent: '1d' }], next_cursor: null });
    expect(sent().map((r) => r.query)).toEqual(['startAt=0&maxResults=2', 'startAt=2&maxResults=2']);
    const raw = await api.get('/connectors/jira/issues/OPS-2/worklogs?format=adf&limit=1');
    expect(raw.body.items[0].comment).toMatchObject({ type: 'doc', version: 1 });
    expectError(await api.get('/connectors/jira/issues/OPS-2/worklogs?format=wiki'), 400, 'VALIDATION');
    expect((await api.get('/connectors/jira/issues/OPS-1/worklogs')).body).toEqual({ items: [], next_cursor: null });
    // A cursor of another list is refused.
    const projects = await api.get('/connectors/jira/projects?limit=1');
    expect(projects.body.next_cursor).toEqual(expect.any(String));
    expectError(await api.get(`/connectors/jira/issues/OPS-2/worklogs?cursor=${encodeURIComponent(projects.body.next_cursor as string)}`), 400, 'VALIDATION');
  });

  it("answers Jira's 404 for an unknown issue as NOT_FOUND, and refuses a bad key before calling", async () => {
    expectError(await api.get('/connectors/jira/issues/OPS-999/worklogs'), 404, 'NOT_FOUND');
    expectError(await api.post('/connectors/jira/issues/OPS-999/worklogs', { time_spent: '1h' }), 404, 'NOT_FOUND');
    mark = fake.requests.length;
    expectError(await api.get('/connectors/jira/issues/OPS%201/worklogs'), 400, 'VALIDATION');
    expectError(await api.post('/connectors/jira/issues/..%2Fproject/worklogs', { time_spent: '1h' }), 400, 'VALIDATION');
    expect(sent()).toEqual([]);
  });

  it('jira_add_worklog logs time over REST (201, Markdown comment as ADF, started in Jira format), as a tool and over MCP', async () => {
    const rest = await call('rest', 'jira_add_worklog', { issue: 'OPS-3', time_spent: '1H  30m', started: '2026-12-01T10:00:00+01:00', comment: 'Did **this**' });
    expect(rest.status, JSON.stringify(rest.value)).toBe(201);
    expect(sent()).toEqual([
      {
        method: 'POST',
        path: '/rest/api/3/issue/OPS-3/worklog',
        query: '',
        body: { timeSpent: '1h 30m', started: '2026-12-01T10:00:00.000+0100', comment: markdownToAdf('Did **this**') },
      },
    ]);
    expect(rest.value).toMatchObject({ author: 'Mia Krystof', time_spent: '1h 30m', time_spent_seconds: 5400, started: '2026-12-01T10:00:00.000+0100', comment: 'Did **this**\n' });
    expect(worklogsOf(fake).at(-1)).toMatchObject({ issue: 'OPS-3', timeSpent: '1h 30m' });

    now = new Date('2026-12-02T08:15:00.000Z');
    mark = fake.requests.length;
    const tool = await call('tool', 'jira_add_worklog', { issue: 'OPS-3', time_spent: '45m' });
    expect(tool.value).toMatchObject({ time_spent: '45m', time_spent_seconds: 2700, started: '2026-12-02T08:15:00.000+0000', comment: null });
    expect(sent()[0]?.body).toEqual({ timeSpent: '45m', started: '2026-12-02T08:15:00.000+0000' });

    const ops3 = fake.jira.issues.find((i) => i.key === 'OPS-3')!;
    const mcp = await call('mcp', 'jira_add_worklog', { issue: ops3.id, time_spent: '1d 2h', started: '2026-12-01T09:00:00.000Z' });
    expect(mcp).toMatchObject({ ok: true, value: { time_spent: '1d 2h', time_spent_seconds: 36_000 } });
    const listed = await api.get('/connectors/jira/issues/OPS-3/worklogs');
    expect(listed.body.items.map((w: { time_spent: string }) => w.time_spent)).toEqual(['1d 2h', '1h 30m', '45m']);
  });

  it.each([
    [{ time_spent: '90 minutes' }, 'time_spent'],
    [{ time_spent: '30m 1h' }, 'largest first'],
    [{ time_spent: '1h 1h' }, 'time_spent'],
    [{ time_spent: '0m' }, 'at least 1m'],
    [{ time_spent: '' }, 'time_spent'],
    [{ time_spent: 5400 }, 'time_spent'],
    [{}, 'time_spent'],
    [{ time_spent: '1h', started: '2026-12-01T10:00:00' }, 'started'],
    [{ time_spent: '1h', started: '2026-02-30T10:00:00Z' }, 'started'],
    [{ time_spent: '1h', started: 'yesterday' }, 'started'],
    [{ time_spent: '1h', comment: '' }, 'comment'],
    [{ time_spent: '1h', visibility: { type: 'group', value: 'x' } }, 'visibility'],
  ])('refuses %j with 400 VALIDATION naming the problem, sending nothing', async (body, named) => {
    for (const way of ['rest', 'tool'] as const) {
      const res = await call(way, 'jira_add_worklog', { issue: 'OPS-3', ...body });
      expect(res.ok).toBe(false);
      expect(res.value).toMatchObject({ status: 'error', code: 'VALIDATION' });
      expect(res.value.message).toContain(named);
    }
    expect(sent()).toEqual([]);
  });

  it('a write is never retried: a 503 on the POST is one POST and a 502', async () => {
    fake.inject({ kind: 'status', path: '/rest/api/3/issue/OPS-4/worklog', method: 'POST', status: 503, times: 3 });
    expectError(await api.post('/connectors/jira/issues/OPS-4/worklogs', { time_spent: '1h' }), 502, 'VENDOR_ERROR');
    expect(sent().filter((r) => r.method === 'POST')).toHaveLength(1);
    fake.clearFaults();
  });

  it('a grant without write:jira-work: Atlassian refuses, and the answer is 403 FORBIDDEN naming the scope', async () => {
    expect((await connect(svc.url, fake, { tenant: 'reader', scopes: ['read:jira-work', 'read:jira-user', 'offline_access'] })).status).toBe(302);
    const reader = client(svc.url, 'reader');
    expect((await reader.get('/connectors/jira/issues/OPS-2/worklogs')).status).toBe(200);
    const body = expectError(await reader.post('/connectors/jira/issues/OPS-2/worklogs', { time_spent: '1h' }), 403, 'FORBIDDEN');
    expect(body.message).toContain('write:jira-work');
    expect(body.message).toContain('JIRA_OAUTH_SCOPES');
  });

  it('a 403 worded as a scope refusal is 403 FORBIDDEN naming the scope, without a refresh or a retry; a plain 403 keeps its message', async () => {
    const refreshes = fake.tokenGrants.refresh;
    fake.inject({ kind: 'status', path: '/rest/api/3/issue/OPS-2/worklog', status: 403, body: { code: 403, message: 'Forbidden; scope does not match' } });
    const body = expectError(await api.get('/connectors/jira/issues/OPS-2/worklogs'), 403, 'FORBIDDEN');
    expect(body.message).toContain('jira_list_worklogs');
    expect(body.message).toContain('read:jira-work');
    expect(fake.tokenGrants.refresh).toBe(refreshes);
    expect(sent()).toHaveLength(1);
    fake.inject({ kind: 'status', path: '/rest/api/3/issue/OPS-2/worklog', status: 403, body: { errorMessages: ['You do not have the permission to see the specified issue.'], errors: {} } });
    const plain = expectError(await api.get('/connectors/jira/issues/OPS-2/worklogs'), 403, 'FORBIDDEN');
    expect(plain.message).toContain('You do not have the permission to see the specified issue.');
    expect(plain.message).not.toContain('JIRA_OAUTH_SCOPES');
  });
});

describe('Jira worklogs on Data Center (PAT) and under JIRA_PROJECTS_FILTER', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let api: Client;
  let mark = 0;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({
      env: { ENABLE_JIRA_PAT: 'true', JIRA_PROJECTS_FILTER: 'OPS' },
      overrides: { atlassianHttp: loopbackHttp() },
    });
    await seedTokenConnection(svc, fake, { tenant: 'dc', connector: 'jira', kind: 'pat' });
    api = client(svc.url, 'dc');
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });
  beforeEach(() => {
    mark = fake.requests.length;
  });
  const sent = () => apiRequests(fake, mark).map((r) => ({ method: r.method, path: r.path, body: r.body }));

  it('uses /rest/api/2 with the comment in wiki markup, and reads wiki back as Markdown', async () => {
    const added = await api.post('/connectors/jira/issues/OPS-5/worklogs', { time_spent: '2h', started: '2026-12-01T10:00:00Z', comment: 'x **y**' });
    expect(added.status, added.text).toBe(201);
    expect(added.body).toMatchObject({ time_spent: '2h', comment: 'x **y**\n', author_account_id: expect.stringMatching(/^JIRAUSER/) });
    expect(sent()).toEqual([
      { method: 'POST', path: '/rest/api/2/issue/OPS-5/worklog', body: { timeSpent: '2h', started: '2026-12-01T10:00:00.000+0000', comment: 'x *y*' } },
    ]);
    const listed = await api.get('/connectors/jira/issues/OPS-5/worklogs?format=wiki');
    expect(listed.body.items).toMatchObject([{ time_spent: '2h', comment: 'x *y*' }]);
    expectError(await api.get('/connectors/jira/issues/OPS-5/worklogs?format=adf'), 400, 'VALIDATION');
  });

  it('an issue outside the filter is NOT_FOUND, by key without a call, by id after a lookup, and nothing is logged', async () => {
    expectError(await api.get('/connectors/jira/issues/WEB-1/worklogs'), 404, 'NOT_FOUND');
    expectError(await api.post('/connectors/jira/issues/WEB-1/worklogs', { time_spent: '1h' }), 404, 'NOT_FOUND');
    expect(sent()).toEqual([]);
    const web2 = fake.jira.issues.find((i) => i.key === 'WEB-2')!;
    expectError(await api.post(`/connectors/jira/issues/${web2.id}/worklogs`, { time_spent: '1h' }), 404, 'NOT_FOUND');
    expect(sent().map((r) => `${r.method} ${r.path}`)).toEqual([`GET /rest/api/2/issue/${web2.id}`]);
    expect(worklogsOf(fake).some((w) => w.issue.startsWith('WEB-'))).toBe(false);
  });
});
