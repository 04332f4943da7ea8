/** Issue links and remote links against the fake Atlassian: REST, tools/invoke and MCP, Cloud and Data Center. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { expectTrafficConforms } from '../support/spec-traffic.js';
import { apiRequests, callOneWay, client, expectError, expectSameEverywhere, loopbackHttp, seedTokenConnection, type Client } from './support.js';

const inner = (path: string): string => path.replace(/^\/ex\/jira\/[^/]+/, '');

describe('Jira links (OAuth)', () => {
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
  const sent = () => apiRequests(fake, mark).map((r) => ({ method: r.method, path: inner(r.path), query: r.query.toString(), body: r.body }));
  const call = (way: 'rest' | 'tool' | 'mcp', name: string, input: Record<string, unknown>) => callOneWay(svc.url, 'acme', way, name, input);

  it('jira_list_link_types answers the link types, the same three ways', async () => {
    const types = await expectSameEverywhere(svc.url, 'acme', 'jira_list_link_types', {});
    expect(types.items[0]).toEqual({ id: '10000', name: 'Blocks', inward: 'is blocked by', outward: 'blocks' });
    expect(types.items.map((t: { name: string }) => t.name)).toEqual(['Blocks', 'Cloners', 'Duplicate', 'Relates']);
    expect(sent().map((r) => r.path)).toEqual(Array(3).fill('/rest/api/3/issueLinkType'));
  });

  it('jira_link_issues links over REST (201, with a Markdown comment), as a tool, and over MCP (a numeric id as id)', async () => {
    const rest = await call('rest', 'jira_link_issues', { type: 'Blocks', inward_issue: 'OPS-4', outward_issue: 'OPS-3', comment: 'See _this_' });
    expect(rest).toEqual({ ok: true, status: 201, value: { type: 'Blocks', inward_issue: 'OPS-4', outward_issue: 'OPS-3' } });
    const body = sent()[0]?.body as { comment: { body: { type: string } } };
    expect(sent()[0]).toMatchObject({ method: 'POST', path: '/rest/api/3/issueLink' });
    expect(body).toMatchObject({ type: { name: 'Blocks' }, inwardIssue: { key: 'OPS-4' }, outwardIssue: { key: 'OPS-3' } });
    expect(body.comment.body).toMatchObject({ type: 'doc', version: 1 });
    expect(fake.jiraWork.links.at(-1)).toMatchObject({ type: 'Blocks', inward: 'OPS-4', outward: 'OPS-3' });
    expect(fake.jiraWork.comments.at(-1)?.issue).toBe('OPS-3');

    const tool = await call('tool', 'jira_link_issues', { type: 'Relates', inward_issue: 'OPS-5', outward_issue: 'WEB-5' });
    expect(tool.value).toEqual({ type: 'Relates', inward_issue: 'OPS-5', outward_issue: 'WEB-5' });

    const web6 = fake.jira.issues.find((i) => i.key === 'WEB-6')!;
    mark = fake.requests.length;
    const mcp = await call('mcp', 'jira_link_issues', { type: 'Duplicate', inward_issue: web6.id, outward_issue: 'OPS-6' });
    expect(mcp.ok, JSON.stringify(mcp.value)).toBe(true);
    expect(sent()[0]?.body).toEqual({ type: { name: 'Duplicate' }, inwardIssue: { id: web6.id }, outwardIssue: { key: 'OPS-6' } });
  });

  it("answers Jira's 404 for an unknown link type or issue as NOT_FOUND; refuses bad input before calling", async () => {
    expectError(await api.post('/connectors/jira/issue-links', { type: 'Eats', inward_issue: 'OPS-1', outward_issue: 'OPS-2' }), 404, 'NOT_FOUND');
    expectError(await api.post('/connectors/jira/issue-links', { type: 'Blocks', inward_issue: 'OPS-1', outward_issue: 'OPS-999' }), 404, 'NOT_FOUND');
    mark = fake.requests.length;
    expectError(await api.post('/connectors/jira/issue-links', { type: 'Blocks', inward_issue: 'OPS-1' }), 400, 'VALIDATION');
    expectError(await api.post('/connectors/jira/issue-links', { type: '', inward_issue: 'OPS-1', outward_issue: 'OPS-2' }), 400, 'VALIDATION');
    expectError(await api.post('/connectors/jira/issue-links', { type: 'Blocks', inward_issue: 'OPS 1', outward_issue: 'OPS-2' }), 400, 'VALIDATION');
    expect(sent()).toEqual([]);
  });

  it('jira_delete_issue_link deletes by id (204 over REST, {deleted} as a tool); an unknown id is NOT_FOUND', async () => {
    fake.jiraWork.links.push({ id: '10400', type: 'Relates', inward: 'ACME-1', outward: 'ACME-2' }, { id: '10401', type: 'Relates', inward: 'ACME-3', outward: 'ACME-4' });
    const rest = await call('rest', 'jira_delete_issue_link', { link_id: '10400' });
    expect(rest).toEqual({ ok: true, status: 204, value: undefined });
    expect(sent()).toEqual([{ method: 'DELETE', path: '/rest/api/3/issueLink/10400', query: '', body: undefined }]);
    const tool = await call('tool', 'jira_delete_issue_link', { link_id: '10401' });
    expect(tool.value).toEqual({ deleted: '10401' });
    expect(fake.jiraWork.links.some((l) => l.id === '10400' || l.id === '10401')).toBe(false);
    const mcp = await call('mcp', 'jira_delete_issue_link', { link_id: '10401' });
    expect(mcp.ok).toBe(false);
    expect(mcp.value).toMatchObject({ status: 'error', code: 'NOT_FOUND' });
    mark = fake.requests.length;
    expectError(await api.delete('/connectors/jira/issue-links/abc'), 400, 'VALIDATION');
    expectError(await api.delete('/connectors/jira/issue-links/0'), 400, 'VALIDATION');
    expect(sent()).toEqual([]);
  });

  it('jira_list_remote_links answers the web links, the same three ways', async () => {
    const links = await expectSameEverywhere(svc.url, 'acme', 'jira_list_remote_links', { issue: 'OPS-2' });
    expect(links.items).toEqual([
      { id: '10000', url: 'https://status.example.com/incidents/42', title: 'Incident 42', summary: null, relationship: 'mentioned in', global_id: null },
    ]);
    expect((await expectSameEverywhere(svc.url, 'acme', 'jira_list_remote_links', { issue: 'OPS-1' })).items).toEqual([]);
    expectError(await api.get('/connectors/jira/issues/OPS-999/remote-links'), 404, 'NOT_FOUND');
  });

  it('jira_add_remote_link adds an http(s) link over REST (201), as a tool and over MCP; other schemes are refused first', async () => {
    const rest = await call('rest', 'jira_add_remote_link', { issue: 'OPS-9', url: 'https://docs.example.com/runbook', title: 'Runbook' });
    expect(rest.status).toBe(201);
    expect(rest.value).toEqual({ id: '10001', issue: 'OPS-9', url: 'https://docs.example.com/runbook', title: 'Runbook' });
    expect(sent()[0]).toMatchObject({ method: 'POST', path: '/rest/api/3/issue/OPS-9/remotelink', body: { object: { url: 'https://docs.example.com/runbook', title: 'Runbook' } } });
    const tool = await call('tool', 'jira_add_remote_link', { issue: 'OPS-9', url: 'http://intranet.example/x', title: 'Intranet', summary: 'Old wiki' });
    expect(tool.value).toMatchObject({ id: '10002', title: 'Intranet' });
    expect(fake.jiraWork.remoteLinks.at(-1)).toMatchObject({ issue: 'OPS-9', summary: 'Old wiki' });
    const mcp = await call('mcp', 'jira_add_remote_link', { issue: 'OPS-10', url: 'https://x.example/', title: 'X' });
    expect(mcp).toMatchObject({ ok: true, value: { issue: 'OPS-10' } });
    mark = fake.requests.length;
    for (const url of ['javascript:alert(1)', 'ftp://files.example/x', '/relative', 'not a url']) {
      expectError(await api.post('/connectors/jira/issues/OPS-9/remote-links', { url, title: 'Bad' }), 400, 'VALIDATION');
    }
    expectError(await api.post('/connectors/jira/issues/OPS-9/remote-links', { url: 'https://x.example/' }), 400, 'VALIDATION');
    expect(sent()).toEqual([]);
  });
});

describe('Jira links on Data Center (PAT) and under JIRA_PROJECTS_FILTER', () => {
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

  it('uses /rest/api/2 with the comment in wiki markup', async () => {
    expect((await api.get('/connectors/jira/link-types')).body.items).toHaveLength(4);
    const linked = await api.post('/connectors/jira/issue-links', { type: 'Relates', inward_issue: 'OPS-1', outward_issue: 'OPS-2', comment: 'x **y**' });
    expect(linked.status, linked.text).toBe(201);
    expect(sent().map((r) => `${r.method} ${r.path}`)).toEqual(['GET /rest/api/2/issueLinkType', 'POST /rest/api/2/issueLink']);
    expect(sent()[1]?.body).toMatchObject({ comment: { body: 'x *y*' } });
    expect((await api.get('/connectors/jira/issues/OPS-2/remote-links')).body.items).toHaveLength(1);
    expect((await api.post('/connectors/jira/issues/OPS-2/remote-links', { url: 'https://a.example/', title: 'A' })).status).toBe(201);
    expect(sent().slice(-2).map((r) => r.path)).toEqual(['/rest/api/2/issue/OPS-2/remotelink', '/rest/api/2/issue/OPS-2/remotelink']);
  });

  it('refuses links to or from another project, and remote links on one, sending nothing', async () => {
    expectError(await api.post('/connectors/jira/issue-links', { type: 'Relates', inward_issue: 'OPS-1', outward_issue: 'WEB-2' }), 404, 'NOT_FOUND');
    expectError(await api.post('/connectors/jira/issue-links', { type: 'Relates', inward_issue: 'ACME-1', outward_issue: 'OPS-2' }), 404, 'NOT_FOUND');
    expectError(await api.get('/connectors/jira/issues/WEB-1/remote-links'), 404, 'NOT_FOUND');
    expectError(await api.post('/connectors/jira/issues/WEB-1/remote-links', { url: 'https://a.example/', title: 'A' }), 404, 'NOT_FOUND');
    expect(sent()).toEqual([]);
  });

  it('looks a link up before deleting it: one with an end in another project is NOT_FOUND and stays', async () => {
    fake.jiraWork.links.push({ id: '10500', type: 'Relates', inward: 'OPS-3', outward: 'WEB-3' }, { id: '10501', type: 'Relates', inward: 'OPS-3', outward: 'OPS-4' });
    expectError(await api.delete('/connectors/jira/issue-links/10500'), 404, 'NOT_FOUND');
    expect(sent().map((r) => `${r.method} ${r.path}`)).toEqual(['GET /rest/api/2/issueLink/10500']);
    expect(fake.jiraWork.links.some((l) => l.id === '10500')).toBe(true);
    mark = fake.requests.length;
    expect((await api.delete('/connectors/jira/issue-links/10501')).status).toBe(204);
    expect(sent().map((r) => `${r.method} ${r.path}`)).toEqual(['GET /rest/api/2/issueLink/10501', 'DELETE /rest/api/2/issueLink/10501']);
    expectError(await api.delete('/connectors/jira/issue-links/10501'), 404, 'NOT_FOUND');
  });
});
