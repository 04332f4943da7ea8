/** Jira users against the fake Atlassian: the connection's own user, user search, and assignable users, all three ways. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { expectTrafficConforms } from '../support/spec-traffic.js';
import { apiRequests, client, expectError, expectSameEverywhere, loopbackHttp, qs, seedTokenConnection, type Client } from './support.js';

describe('Jira users (OAuth)', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let api: Client;
  let mark = 0;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake) });
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
  });
  const sent = () => apiRequests(fake, mark);

  it('jira_current_user answers the connection user, the same over REST, tools/invoke and MCP', async () => {
    const me = await expectSameEverywhere(svc.url, 'acme', 'jira_current_user', {});
    expect(me).toEqual({ account_id: expect.any(String), display_name: 'Mia Krystof', email: 'mia.krystof@example.com', active: true });
    expect(sent().map((r) => r.path.replace(/^\/ex\/jira\/[^/]+/, ''))).toEqual(['/rest/api/3/myself', '/rest/api/3/myself', '/rest/api/3/myself']);
  });

  it('jira_search_users finds people by part of a name or email, pages with a cursor', async () => {
    const found = await expectSameEverywhere(svc.url, 'acme', 'jira_search_users', { query: 'ra' });
    expect(found.items.map((u: { display_name: string }) => u.display_name)).toEqual(['Priya Raman', 'Ravi Okafor']);
    expect(found.next_cursor).toBeNull();
    const first = await api.get(`/connectors/jira/users${qs({ query: 'a', limit: 2 })}`);
    expect(first.body.items).toHaveLength(2);
    const second = await api.get(`/connectors/jira/users${qs({ query: 'a', limit: 2, cursor: first.body.next_cursor })}`);
    expect(second.body.items.map((u: { display_name: string }) => u.display_name)).toEqual(['Priya Raman', 'Ravi Okafor']);
    expect(sent().slice(-1)[0]?.query.get('startAt')).toBe('2');
  });

  it('jira_assignable_users takes a project or an issue, and refuses neither or both before calling Jira', async () => {
    const byIssue = await expectSameEverywhere(svc.url, 'acme', 'jira_assignable_users', { issue: 'OPS-2', query: 'noah' });
    expect(byIssue.items.map((u: { display_name: string }) => u.display_name)).toEqual(['Noah Lindqvist']);
    expect(sent().slice(-1)[0]?.query.get('issueKey')).toBe('OPS-2');
    const byProject = await api.get(`/connectors/jira/users/assignable${qs({ project: 'OPS' })}`);
    expect(byProject.body.items).toHaveLength(4);
    const before = sent().length;
    expectError(await api.get('/connectors/jira/users/assignable'), 400, 'VALIDATION');
    expectError(await api.get(`/connectors/jira/users/assignable${qs({ project: 'OPS', issue: 'OPS-1' })}`), 400, 'VALIDATION');
    expectError(await api.get(`/connectors/jira/users/assignable${qs({ issue: 'OPS-1/../../x' })}`), 400, 'VALIDATION');
    expect(sent()).toHaveLength(before);
  });

  it("answers Jira's 404 for an unknown project as NOT_FOUND", async () => {
    expectError(await api.get(`/connectors/jira/users/assignable${qs({ project: 'NOPE' })}`), 404, 'NOT_FOUND');
  });
});

describe('Jira users on Data Center (PAT) and under JIRA_PROJECTS_FILTER', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let api: Client;
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

  it('asks /rest/api/2 by username and names users by key', async () => {
    const mark = fake.requests.length;
    const res = await api.get(`/connectors/jira/users${qs({ query: 'priya' })}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.items).toEqual([{ account_id: expect.stringMatching(/^JIRAUSER/), display_name: 'Priya Raman', email: 'priya.raman@example.com', active: true }]);
    const req = apiRequests(fake, mark)[0]!;
    expect(req.path).toBe('/rest/api/2/user/search');
    expect(req.query.get('username')).toBe('priya');
  });

  it('answers assignable users of another project, or of an issue in one, as NOT_FOUND without asking for them', async () => {
    const mark = fake.requests.length;
    expectError(await api.get(`/connectors/jira/users/assignable${qs({ project: 'WEB' })}`), 404, 'NOT_FOUND');
    expectError(await api.get(`/connectors/jira/users/assignable${qs({ issue: 'WEB-1' })}`), 404, 'NOT_FOUND');
    expect(apiRequests(fake, mark)).toEqual([]);
    // A numeric id is looked up to learn its project first.
    const web = fake.jira.issues.find((i) => i.projectKey === 'WEB')!;
    expectError(await api.get(`/connectors/jira/users/assignable${qs({ issue: web.id })}`), 404, 'NOT_FOUND');
    expect(apiRequests(fake, mark).map((r) => `${r.path}?${r.query.toString()}`)).toEqual([`/rest/api/2/issue/${web.id}?fields=project`]);
    expect((await api.get(`/connectors/jira/users/assignable${qs({ issue: 'OPS-1' })}`)).status).toBe(200);
  });
});
