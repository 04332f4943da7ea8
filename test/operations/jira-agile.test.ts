/** Jira Software boards and sprints against the fake Atlassian: REST, tools/invoke and MCP, Cloud and Data Center, the project filter and the scopes. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_GRANT_SCOPES, startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { expectTrafficConforms } from '../support/spec-traffic.js';
import { apiRequests, callOneWay, client, expectError, expectSameEverywhere, loopbackHttp, qs, seedTokenConnection, type Client } from './support.js';

const inner = (path: string): string => path.replace(/^\/ex\/jira\/[^/]+/, '');
const keys = (page: { items: Array<{ key: string }> }) => page.items.map((i) => i.key);

describe('Jira boards and sprints (OAuth)', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let api: Client;
  let mark = 0;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake) });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
    expect((await connect(svc.url, fake, { tenant: 'classic', scopes: DEFAULT_GRANT_SCOPES.filter((s) => !s.endsWith(':jira-software')) })).status).toBe(302);
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
  const sent = () => apiRequests(fake, mark).map((r) => ({ method: r.method, path: inner(r.path), query: r.query, body: r.body }));

  it('jira_list_boards lists boards, of one project or by name, the same three ways, and pages', async () => {
    const ops = await expectSameEverywhere(svc.url, 'acme', 'jira_list_boards', { project: 'OPS' });
    expect(ops.items).toEqual([
      { id: '1', name: 'OPS board', type: 'scrum', project_key: 'OPS' },
      { id: '4', name: 'OPS triage', type: 'kanban', project_key: 'OPS' },
    ]);
    expect(sent()[0]?.path).toBe('/rest/agile/1.0/board');
    expect(sent()[0]?.query.get('projectKeyOrId')).toBe('OPS');
    const all = await api.get(`/connectors/jira/boards${qs({ limit: 3 })}`);
    expect(all.body.items.map((b: { id: string }) => b.id)).toEqual(['1', '2', '3']);
    const rest = await api.get(`/connectors/jira/boards${qs({ limit: 3, cursor: all.body.next_cursor })}`);
    expect(rest.body.items).toEqual([
      { id: '4', name: 'OPS triage', type: 'kanban', project_key: 'OPS' },
      { id: '5', name: "Mia's board", type: 'kanban', project_key: null },
    ]);
    expect(rest.body.next_cursor).toBeNull();
    expect((await api.get(`/connectors/jira/boards${qs({ name: 'kanban' })}`)).body.items).toEqual([{ id: '2', name: 'WEB kanban', type: 'kanban', project_key: 'WEB' }]);
  });

  it('jira_list_sprints lists the sprints of a board, by state, the same three ways', async () => {
    const all = await expectSameEverywhere(svc.url, 'acme', 'jira_list_sprints', { board_id: '1' });
    expect(all.items.map((s: { name: string; state: string }) => `${s.name} ${s.state}`)).toEqual(['OPS Sprint 1 closed', 'OPS Sprint 2 active', 'OPS Sprint 3 future']);
    expect(all.items[1]).toEqual({
      id: '2',
      name: 'OPS Sprint 2',
      state: 'active',
      start_date: '2026-11-16T09:00:00.000Z',
      end_date: '2026-11-30T17:00:00.000Z',
      goal: 'Ship the login fix',
      board_id: '1',
    });
    mark = fake.requests.length;
    const open = await api.get(`/connectors/jira/boards/1/sprints${qs({ state: 'active,future' })}`);
    expect(open.body.items.map((s: { id: string }) => s.id)).toEqual(['2', '3']);
    expect(sent()[0]?.query.get('state')).toBe('active,future');
  });

  it('refuses a bad state or board id before calling; a kanban board is 400 and an unknown board 404 from Jira', async () => {
    expectError(await api.get(`/connectors/jira/boards/1/sprints${qs({ state: 'open' })}`), 400, 'VALIDATION');
    expectError(await api.get(`/connectors/jira/boards/1/sprints${qs({ state: 'active;closed' })}`), 400, 'VALIDATION');
    expectError(await api.get('/connectors/jira/boards/x1/sprints'), 400, 'VALIDATION');
    expect(sent()).toEqual([]);
    expectError(await api.get('/connectors/jira/boards/2/sprints'), 400, 'VALIDATION');
    expectError(await api.get('/connectors/jira/boards/99/sprints'), 404, 'NOT_FOUND');
  });

  it('jira_list_sprint_issues answers the same issue shape as search, the same three ways, and pages', async () => {
    const page = await expectSameEverywhere(svc.url, 'acme', 'jira_list_sprint_issues', { sprint_id: '2' });
    expect(keys(page)).toEqual(['OPS-1', 'OPS-2', 'OPS-3', 'OPS-4', 'OPS-5', 'WEB-1']);
    const search = await api.get(`/connectors/jira/search${qs({ jql: 'key = "OPS-2"', limit: 50 })}`);
    const fromSearch = search.body.items.find((i: { key: string }) => i.key === 'OPS-2');
    expect(page.items[1]).toEqual(fromSearch);
    expect(sent()[0]?.path).toBe('/rest/agile/1.0/sprint/2/issue');
    expect(sent()[0]?.query.get('fields')).toBe('summary,status,issuetype,assignee,updated');
    expect(sent()[0]?.query.has('jql')).toBe(false);
    const first = await api.get(`/connectors/jira/sprints/2/issues${qs({ limit: 4 })}`);
    const second = await api.get(`/connectors/jira/sprints/2/issues${qs({ limit: 4, cursor: first.body.next_cursor })}`);
    expect([...keys(first.body), ...keys(second.body)]).toEqual(keys(page));
    expect(second.body.next_cursor).toBeNull();
    expectError(await api.get('/connectors/jira/sprints/99/issues'), 404, 'NOT_FOUND');
  });

  it('jira_move_issues_to_sprint moves issues over REST, as a tool and over MCP; repeating it changes nothing', async () => {
    const sprint = () => fake.jiraWork.sprints.find((s) => s.id === 3)!;
    const rest = await callOneWay(svc.url, 'acme', 'rest', 'jira_move_issues_to_sprint', { sprint_id: '3', issues: ['OPS-7', 'OPS-8'] });
    expect(rest).toEqual({ ok: true, status: 200, value: { sprint_id: '3', issues: ['OPS-7', 'OPS-8'] } });
    expect(sent()).toEqual([expect.objectContaining({ method: 'POST', path: '/rest/agile/1.0/sprint/3/issue', body: { issues: ['OPS-7', 'OPS-8'] } })]);
    const tool = await callOneWay(svc.url, 'acme', 'tool', 'jira_move_issues_to_sprint', { sprint_id: '3', issues: ['OPS-1'] });
    expect(tool.value).toEqual({ sprint_id: '3', issues: ['OPS-1'] });
    expect(fake.jiraWork.sprints.find((s) => s.id === 2)!.issues).not.toContain('OPS-1');
    const mcp = await callOneWay(svc.url, 'acme', 'mcp', 'jira_move_issues_to_sprint', { sprint_id: '3', issues: ['OPS-7', 'OPS-8'] });
    expect(mcp.ok, JSON.stringify(mcp.value)).toBe(true);
    expect(sprint().issues).toEqual(['OPS-1', 'OPS-7', 'OPS-8']);
  });

  it('refuses more than 50 issues, a repeated or malformed one, before calling; a closed sprint is refused by Jira', async () => {
    const many = Array.from({ length: 51 }, (_, i) => `OPS-${i + 1}`);
    expectError(await api.post('/connectors/jira/sprints/3/issues', { issues: many }), 400, 'VALIDATION');
    expectError(await api.post('/connectors/jira/sprints/3/issues', { issues: [] }), 400, 'VALIDATION');
    expectError(await api.post('/connectors/jira/sprints/3/issues', { issues: ['OPS-1', 'ops-1'.toUpperCase()] }), 400, 'VALIDATION');
    expectError(await api.post('/connectors/jira/sprints/3/issues', { issues: ['OPS-1; DROP'] }), 400, 'VALIDATION');
    expect(sent()).toEqual([]);
    const closed = expectError(await api.post('/connectors/jira/sprints/1/issues', { issues: ['OPS-9'] }), 400, 'VALIDATION');
    expect(closed.message).toContain('open or active sprints');
    expect(sent()).toHaveLength(1);
  });

  it('names the Jira Software scopes when a connection was granted only the classic ones', async () => {
    const classic = client(svc.url, 'classic');
    const boards = expectError(await classic.get('/connectors/jira/boards'), 403, 'FORBIDDEN');
    expect(boards.message).toContain('read:board-scope:jira-software');
    const move = expectError(await classic.post('/connectors/jira/sprints/3/issues', { issues: ['OPS-2'] }), 403, 'FORBIDDEN');
    expect(move.message).toContain('write:sprint:jira-software');
  });
});

describe('Jira boards and sprints on Data Center (PAT) under JIRA_PROJECTS_FILTER', () => {
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
    expectTrafficConforms(fake.requests);
    await svc.close();
    await fake.close();
  });
  beforeEach(() => {
    mark = fake.requests.length;
  });
  const sent = () => apiRequests(fake, mark);

  it('lists only the boards located in the filter, and answers another project as NOT_FOUND without asking', async () => {
    const boards = await api.get('/connectors/jira/boards');
    expect(boards.status, boards.text).toBe(200);
    expect(boards.body.items.map((b: { name: string }) => b.name)).toEqual(['OPS board', 'OPS triage']);
    expect(sent().map((r) => r.path)).toEqual(['/rest/agile/1.0/board']);
    expect(sent()[0]?.headers.authorization).toMatch(/^Bearer /);
    mark = fake.requests.length;
    expectError(await api.get(`/connectors/jira/boards${qs({ project: 'WEB' })}`), 404, 'NOT_FOUND');
    expect(sent()).toEqual([]);
  });

  it("looks a board up before listing its sprints: another project's board is NOT_FOUND", async () => {
    const sprints = await api.get('/connectors/jira/boards/1/sprints');
    expect(sprints.status, sprints.text).toBe(200);
    expect(sent().map((r) => r.path)).toEqual(['/rest/agile/1.0/board/1', '/rest/agile/1.0/board/1/sprint']);
    mark = fake.requests.length;
    expectError(await api.get('/connectors/jira/boards/3/sprints'), 404, 'NOT_FOUND');
    expectError(await api.get('/connectors/jira/boards/5/sprints'), 404, 'NOT_FOUND');
    expect(sent().map((r) => r.path)).toEqual(['/rest/agile/1.0/board/3', '/rest/agile/1.0/board/5']);
  });

  it('leaves the sprint issues of other projects out, by JQL', async () => {
    const page = await api.get('/connectors/jira/sprints/2/issues');
    expect(page.status, page.text).toBe(200);
    expect(keys(page.body)).toEqual(['OPS-1', 'OPS-2', 'OPS-3', 'OPS-4', 'OPS-5']);
    expect(sent()[0]?.query.get('jql')).toBe('project in ("OPS")');
  });

  it('moves only issues within the filter', async () => {
    expectError(await api.post('/connectors/jira/sprints/3/issues', { issues: ['OPS-1', 'WEB-1'] }), 404, 'NOT_FOUND');
    expect(sent()).toEqual([]);
    const moved = await api.post('/connectors/jira/sprints/3/issues', { issues: ['OPS-1'] });
    expect(moved.status, moved.text).toBe(200);
    expect(sent().map((r) => `${r.method} ${r.path}`)).toEqual(['POST /rest/agile/1.0/sprint/3/issue']);
  });
});
