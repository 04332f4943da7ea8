/** Changing one Jira issue against the fake Atlassian: what reached Jira, and what the caller got, over REST, tools/invoke and MCP. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian, type FakeIssue } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { expectTrafficConforms } from '../support/spec-traffic.js';
import { apiRequests, client, expectError, loopbackHttp, runAllWays, seedTokenConnection, type Client } from './support.js';

const inner = (path: string) => path.replace(/^\/ex\/jira\/[^/]+/, '');

describe('jira_update_issue (OAuth)', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let api: Client;
  let mark = 0;
  let issue: FakeIssue;
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
    issue = fake.jira.issues.find((i) => i.key === 'OPS-3')!;
    Object.assign(issue, { labels: ['old', 'keep'], priority: 'Medium', components: [], dueDate: null, customFields: { customfield_10010: 'before' }, notEditable: [] });
  });
  const sent = () => apiRequests(fake, mark);

  it('reads the edit screen, then sends one PUT that sets the fields and the label verbs', async () => {
    const res = await api.patch('/connectors/jira/issues/OPS-3', {
      summary: '  Renamed  ',
      labels: { add: ['auth'], remove: ['old'] },
      priority: 'High',
      components: ['Backend'],
      due_date: '2026-12-24',
      fields: { customfield_10010: 'after' },
      description: 'Steps:\n\n1. **log in**\n2. wait',
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({
      key: 'OPS-3',
      url: `${fake.sites[0]!.url}/browse/OPS-3`,
      updated_fields: ['summary', 'description', 'labels', 'priority', 'components', 'duedate', 'customfield_10010'],
    });
    expect(sent().map((r) => `${r.method} ${inner(r.path)}`)).toEqual(['GET /rest/api/3/issue/OPS-3/editmeta', 'PUT /rest/api/3/issue/OPS-3']);
    const put = sent()[1]!.body as { fields: Record<string, unknown>; update: Record<string, unknown> };
    expect(put.fields).toMatchObject({
      summary: 'Renamed',
      priority: { name: 'High' },
      components: [{ name: 'Backend' }],
      duedate: '2026-12-24',
      customfield_10010: 'after',
      description: { type: 'doc', version: 1 },
    });
    expect(JSON.stringify(put.fields['description'])).toContain('"strong"');
    expect(put.update).toEqual({ labels: [{ add: 'auth' }, { remove: 'old' }] });
    expect(issue).toMatchObject({ summary: 'Renamed', labels: ['keep', 'auth'], priority: 'High', dueDate: '2026-12-24', components: ['Backend'] });
    expect(issue.customFields).toEqual({ customfield_10010: 'after' });
  });

  it('clears with null: unassign, no due date, no priority', async () => {
    issue.assignee = 'Mia Krystof';
    issue.dueDate = '2026-01-01';
    const res = await api.patch('/connectors/jira/issues/OPS-3', { assignee: null, due_date: null, priority: null });
    expect(res.status, res.text).toBe(200);
    expect((sent()[1]!.body as { fields: unknown }).fields).toEqual({ assignee: null, duedate: null, priority: null });
    expect(issue).toMatchObject({ assignee: null, dueDate: null, priority: null });
  });

  it('refuses a field the edit screen does not offer, naming it, and changes nothing', async () => {
    issue.notEditable = ['duedate', 'customfield_10010'];
    const body = expectError(await api.patch('/connectors/jira/issues/OPS-3', { summary: 'x', due_date: '2026-12-24', fields: { customfield_10010: 'v' } }), 400, 'VALIDATION');
    expect(body.message).toContain('duedate, customfield_10010');
    expect(sent().map((r) => r.method)).toEqual(['GET']);
    expect(issue.summary).not.toBe('x');
  });

  it('refuses nothing to change, conflicting label verbs, a bad key or custom field id, before calling Jira', async () => {
    expectError(await api.patch('/connectors/jira/issues/OPS-3', {}), 400, 'VALIDATION');
    expectError(await api.patch('/connectors/jira/issues/OPS-3', { labels: { set: ['a'], add: ['b'] } }), 400, 'VALIDATION');
    expectError(await api.patch('/connectors/jira/issues/OPS-3', { labels: { add: ['two words'] } }), 400, 'VALIDATION');
    expectError(await api.patch('/connectors/jira/issues/ops%203', { summary: 'x' }), 400, 'VALIDATION');
    expectError(await api.patch('/connectors/jira/issues/OPS-3', { fields: { summary: 'not a custom field' } }), 400, 'VALIDATION');
    expectError(await api.patch('/connectors/jira/issues/OPS-3', { due_date: '24.12.2026' }), 400, 'VALIDATION');
    expect(sent()).toEqual([]);
  });

  it("passes Jira's per-field refusal on as 400 with details, and a missing issue as 404", async () => {
    const refused = expectError(await api.patch('/connectors/jira/issues/OPS-3', { priority: 'Urgent' }), 400, 'VALIDATION');
    expect(refused.details).toEqual({ priority: 'The priority selected is invalid.' });
    expectError(await api.patch('/connectors/jira/issues/OPS-99999', { summary: 'x' }), 404, 'NOT_FOUND');
  });

  it('works the same as a tool and over MCP, and answers the key for an issue given by id', async () => {
    const { rest, tool, mcp } = await runAllWays(svc.url, 'acme', 'jira_update_issue', { issue: issue.id, labels: { set: ['one'] } });
    for (const answer of [rest.body, tool.body.result, mcp.value]) expect(answer).toEqual({ key: 'OPS-3', url: `${fake.sites[0]!.url}/browse/OPS-3`, updated_fields: ['labels'] });
    expect(mcp.isError).toBe(false);
    expect(sent().filter((r) => r.method === 'PUT')).toHaveLength(3);
    expect(issue.labels).toEqual(['one']);
  });
});

describe('jira_update_issue on Data Center (PAT)', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: { ENABLE_JIRA_PAT: 'true' }, overrides: { atlassianHttp: loopbackHttp() } });
    await seedTokenConnection(svc, fake, { tenant: 'dc', connector: 'jira', kind: 'pat' });
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  it('sends wiki markup and assigns by user name on /rest/api/2', async () => {
    const mark = fake.requests.length;
    const res = await client(svc.url, 'dc').patch('/connectors/jira/issues/OPS-4', { description: 'Some **bold**', assignee: 'noah.lindqvist' });
    expect(res.status, res.text).toBe(200);
    const put = apiRequests(fake, mark).find((r) => r.method === 'PUT')!;
    expect(put.path).toBe('/rest/api/2/issue/OPS-4');
    expect(put.body).toEqual({ fields: { description: 'Some *bold*', assignee: { name: 'noah.lindqvist' } } });
    expect(fake.jira.issues.find((i) => i.key === 'OPS-4')?.assignee).toBe('Noah Lindqvist');
  });
});
