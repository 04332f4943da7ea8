/** Changing one Jira issue against the fake Atlassian: what reached Jira, and what the caller got, over REST, tools/invoke and MCP. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian, type FakeIssue } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { expectTrafficConforms } from '../support/spec-traffic.js';
import { apiRequests, client, expectError, expectSameEverywhere, loopbackHttp, runAllWays, seedTokenConnection, type Client } from './support.js';

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

/** An ADF description with a heading, bold text, a list and a link: what Jira Cloud stores. */
const ADF_DESCRIPTION = {
  type: 'doc',
  version: 1,
  content: [
    { type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'Steps' }] },
    { type: 'paragraph', content: [{ type: 'text', text: 'Log in and ' }, { type: 'text', text: 'wait', marks: [{ type: 'strong' }] }, { type: 'text', text: '.' }] },
    {
      type: 'bulletList',
      content: [
        { type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'see ' }, { type: 'text', text: 'the runbook', marks: [{ type: 'link', attrs: { href: 'https://example.com/runbook' } }] }] }] },
      ],
    },
  ],
};
const adfText = (text: string) => ({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });

describe('jira_get_issue, the comment operations and search fields (OAuth)', () => {
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
    issue = fake.jira.issues.find((i) => i.key === 'OPS-2')!;
    Object.assign(issue, {
      description: ADF_DESCRIPTION,
      labels: ['auth', 'login'],
      priority: 'High',
      reporter: 'Noah Lindqvist',
      components: ['Backend'],
      dueDate: '2026-12-24',
      parentKey: 'OPS-1',
      customFields: { customfield_10010: { value: 'Team Red' } },
      comments: Array.from({ length: 7 }, (_, i) => ({
        id: String(10_100 + i),
        author: i % 2 === 0 ? 'Mia Krystof' : 'Priya Raman',
        body: adfText(`Comment number ${i + 1}`),
        created: `2026-11-2${i}T09:00:00.000+0000`,
        updated: `2026-11-2${i}T09:00:00.000+0000`,
        visibility: i === 6 ? { type: 'role', value: 'Developers' } : null,
      })),
      attachments: [{ id: '30001', filename: 'trace.log', mimeType: 'text/plain', created: '2026-11-21T10:00:00.000+0000', author: 'Mia Krystof', content: Buffer.from('boom\n') }],
    });
    fake.jira.issues.push({ ...fake.jira.issues.find((i) => i.key === 'OPS-5')!, id: '29001', key: 'OPS-901', issueType: 'Sub-task', parentKey: 'OPS-2', summary: 'A subtask' });
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

  it('answers every field, the description and the five latest comments in Markdown, the same three ways', async () => {
    const got = await expectSameEverywhere(svc.url, 'acme', 'jira_get_issue', { issue: 'OPS-2' });
    expect(got).toMatchObject({
      id: issue.id,
      key: 'OPS-2',
      url: `${fake.sites[0]!.url}/browse/OPS-2`,
      summary: issue.summary,
      status: issue.status,
      status_category: expect.any(String),
      issue_type: issue.issueType,
      priority: 'High',
      reporter: 'Noah Lindqvist',
      reporter_account_id: expect.any(String),
      labels: ['auth', 'login'],
      components: ['Backend'],
      due_date: '2026-12-24',
      parent: { key: 'OPS-1', summary: expect.any(String), status: expect.any(String) },
      subtasks: [{ key: 'OPS-901', summary: 'A subtask', status: expect.any(String) }],
      // The fake's seeded link: OPS-2 blocks OPS-1.
      links: [{ id: '10300', type: 'Blocks', relation: 'blocks', issue: { key: 'OPS-1', summary: expect.any(String), status: expect.any(String) } }],
      attachments: [{ id: '30001', filename: 'trace.log', size: 5, media_type: 'text/plain', created: '2026-11-21T10:00:00.000+0000', author: 'Mia Krystof' }],
    });
    expect(got.description).toBe('## Steps\n\nLog in and **wait**.\n\n- see [the runbook](https://example.com/runbook)\n');
    expect(got.comments.total).toBe(7);
    expect(got.comments.items.map((c: { body: string }) => c.body)).toEqual([7, 6, 5, 4, 3].map((n) => `Comment number ${n}\n`));
    expect(got.comments.items[0]).toMatchObject({ id: '10106', author: 'Mia Krystof', visibility: { type: 'role', value: 'Developers' } });
    expect(got.custom_fields).toBeUndefined();
    const comments = sent().filter((r) => r.path.endsWith('/comment'));
    expect(comments[0]?.query.get('orderBy')).toBe('-created');
    expect(comments[0]?.query.get('maxResults')).toBe('5');
  });

  it('answers only the fields asked for, custom fields by id, and asks Jira for those alone', async () => {
    const res = await api.get('/connectors/jira/issues/OPS-2?fields=summary,labels,customfield_10010&comments=2');
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({
      id: issue.id,
      key: 'OPS-2',
      url: `${fake.sites[0]!.url}/browse/OPS-2`,
      summary: issue.summary,
      labels: ['auth', 'login'],
      custom_fields: { customfield_10010: { value: 'Team Red' } },
    });
    expect(sent().map((r) => r.query.get('fields'))).toEqual(['summary,labels,customfield_10010,project']);
  });

  it('answers the raw ADF with format=adf, refuses format=wiki on Cloud and unknown field names', async () => {
    const raw = await api.get('/connectors/jira/issues/OPS-2?fields=description&format=adf');
    expect(raw.body.description).toEqual(ADF_DESCRIPTION);
    expect(expectError(await api.get('/connectors/jira/issues/OPS-2?format=wiki'), 400, 'VALIDATION').message).toContain('format=wiki');
    expect(expectError(await api.get('/connectors/jira/issues/OPS-2?fields=summary,colour'), 400, 'VALIDATION').message).toContain('colour');
    expectError(await api.get('/connectors/jira/issues/OPS-99999'), 404, 'NOT_FOUND');
  });

  it('lists comments oldest or newest first, paged, and adds, edits and deletes one', async () => {
    const oldest = await api.get('/connectors/jira/issues/OPS-2/comments?order=oldest&limit=3');
    expect(oldest.body.items.map((c: { id: string }) => c.id)).toEqual(['10100', '10101', '10102']);
    const next = await api.get(`/connectors/jira/issues/OPS-2/comments?order=oldest&limit=3&cursor=${oldest.body.next_cursor}`);
    expect(next.body.items.map((c: { id: string }) => c.id)).toEqual(['10103', '10104', '10105']);
    const all = await expectSameEverywhere(svc.url, 'acme', 'jira_list_comments', { issue: 'OPS-2', limit: 50 });
    expect(all.items).toHaveLength(7);
    expect(all.next_cursor).toBeNull();

    const added = await api.post('/connectors/jira/issues/OPS-2/comments', { body: 'Fixed in **1.4.2**', visibility: { type: 'group', value: 'jira-developers' } });
    expect(added.status, added.text).toBe(201);
    expect(added.body).toMatchObject({ author: 'Mia Krystof', body: 'Fixed in **1.4.2**\n', visibility: { type: 'group', value: 'jira-developers' } });
    const post = sent().find((r) => r.method === 'POST')!;
    expect(post.body).toMatchObject({ body: { type: 'doc', version: 1 }, visibility: { type: 'group', value: 'jira-developers' } });

    const edited = await api.put(`/connectors/jira/issues/OPS-2/comments/${added.body.id}`, { body: 'Fixed in *1.4.3*' });
    expect(edited.status, edited.text).toBe(200);
    expect(edited.body.body).toBe('Fixed in *1.4.3*\n');
    expect(edited.body.visibility).toEqual({ type: 'group', value: 'jira-developers' });

    const deleted = await api.delete(`/connectors/jira/issues/OPS-2/comments/${added.body.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect(issue.comments?.some((c) => c.id === added.body.id)).toBe(false);
    expectError(await api.delete(`/connectors/jira/issues/OPS-2/comments/${added.body.id}`), 404, 'NOT_FOUND');
  });

  it('writes comments as a tool and over MCP too; deleting answers what was deleted', async () => {
    const { rest, tool, mcp } = await runAllWays(svc.url, 'acme', 'jira_add_comment', { issue: 'OPS-2', body: 'From everywhere' });
    for (const c of [rest.body, tool.body.result, mcp.value] as Array<{ body: string }>) expect(c.body).toBe('From everywhere\n');
    const ids = [rest.body.id, tool.body.result.id, (mcp.value as { id: string }).id];
    expect(new Set(ids).size).toBe(3);
    const removed = await api.post('/connectors/tools/invoke', { tool: 'jira_delete_comment', arguments: { issue: 'OPS-2', comment: ids[0] } });
    expect(removed.body.result).toEqual({ deleted: true, comment: ids[0] });
  });

  it('refuses a comment without a body, with both bodies, or with a bad comment id, sending nothing', async () => {
    expectError(await api.post('/connectors/jira/issues/OPS-2/comments', {}), 400, 'VALIDATION');
    expectError(await api.post('/connectors/jira/issues/OPS-2/comments', { body: 'a', body_adf: adfText('b') }), 400, 'VALIDATION');
    expectError(await api.post('/connectors/jira/issues/OPS-2/comments', { body: 'x', visibility: { type: 'everyone', value: 'x' } }), 400, 'VALIDATION');
    expectError(await api.put('/connectors/jira/issues/OPS-2/comments/abc', { body: 'x' }), 400, 'VALIDATION');
    expect(sent()).toEqual([]);
  });

  it('search answers the fields asked for, with the description in Markdown', async () => {
    const res = await api.get(`/connectors/jira/search?jql=${encodeURIComponent('key = OPS-2')}&fields=summary,description,labels`);
    expect(res.status, res.text).toBe(200);
    const item = res.body.items.find((i: { key: string }) => i.key === 'OPS-2');
    expect(item).toEqual({
      id: issue.id,
      key: 'OPS-2',
      url: `${fake.sites[0]!.url}/browse/OPS-2`,
      summary: issue.summary,
      description: '## Steps\n\nLog in and **wait**.\n\n- see [the runbook](https://example.com/runbook)\n',
      labels: ['auth', 'login'],
    });
    expect(sent()[0]?.query.get('fields')).toBe('summary,description,labels');
    expectError(await api.get('/connectors/jira/search?q=x&fields=comments'), 400, 'VALIDATION');
  });
});

describe('jira_get_issue on Data Center and under JIRA_PROJECTS_FILTER', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: { ENABLE_JIRA_PAT: 'true', JIRA_PROJECTS_FILTER: 'OPS' }, overrides: { atlassianHttp: loopbackHttp() } });
    await seedTokenConnection(svc, fake, { tenant: 'dc', connector: 'jira', kind: 'pat' });
    const ops = fake.jira.issues.find((i) => i.key === 'OPS-2')!;
    ops.description = 'h2. Steps\n\nLog in and *wait*.\n\n* see [the runbook|https://example.com/runbook]';
    ops.comments = [{ id: '10500', author: 'Mia Krystof', body: 'Seen on _staging_', created: '2026-11-22T09:00:00.000+0000', updated: '2026-11-22T09:00:00.000+0000' }];
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  it('reads wiki markup back to Markdown, and answers the raw wiki with format=wiki', async () => {
    const dc = client(svc.url, 'dc');
    const res = await dc.get('/connectors/jira/issues/OPS-2?fields=description,comments');
    expect(res.status, res.text).toBe(200);
    expect(res.body.description).toBe('## Steps\n\nLog in and **wait**.\n\n- see [the runbook](https://example.com/runbook)\n');
    expect(res.body.comments.items[0].body).toBe('Seen on *staging*\n');
    expect((await dc.get('/connectors/jira/issues/OPS-2?fields=description&format=wiki')).body.description).toContain('h2. Steps');
    expectError(await dc.get('/connectors/jira/issues/OPS-2?format=adf'), 400, 'VALIDATION');
  });

  it('answers an issue of another project as NOT_FOUND, by key without asking Jira, by id from its answer', async () => {
    const dc = client(svc.url, 'dc');
    const mark = fake.requests.length;
    expectError(await dc.get('/connectors/jira/issues/WEB-1'), 404, 'NOT_FOUND');
    const web = fake.jira.issues.find((i) => i.projectKey === 'WEB')!;
    const byId = expectError(await dc.get(`/connectors/jira/issues/${web.id}`), 404, 'NOT_FOUND');
    expect(byId.message).not.toContain('WEB');
    // One call for the id (to learn its project); none for the key, and no comments read.
    expect(apiRequests(fake, mark).map((r) => r.path)).toEqual([`/rest/api/2/issue/${web.id}`]);
  });
});
