/**
 * Creating an issue with assignee, parent, components, due date and custom fields; the
 * required fields of the create screen checked first from create metadata (cached per
 * tenant, project and issue type for five minutes); REST, tools/invoke and MCP, Cloud and
 * Data Center, JIRA_PROJECTS_FILTER.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CREATE_META_TTL_MS } from '../../src/application/jira/create-requirements.js';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { expectTrafficConforms } from '../support/spec-traffic.js';
import { apiRequests, callOneWay, client, expectError, loopbackHttp, seedTokenConnection, type Client } from './support.js';

const inner = (path: string): string => path.replace(/^\/ex\/jira\/[^/]+/, '');
const SEVERITY = { customfield_10030: { id: '10101' } };

describe('jira_create_issue with more fields, checked against create metadata (OAuth)', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let api: Client;
  let mark = 0;
  let shift = 0;
  let noah = '';
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake), overrides: { clock: { now: () => new Date(Date.now() + shift) } } });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
    expect((await connect(svc.url, fake, { tenant: 'beta' })).status).toBe(302);
    api = client(svc.url, 'acme');
    const users = await api.get('/connectors/jira/users?query=noah');
    noah = users.body.items[0].account_id as string;
    expect(noah).toMatch(/^557058:/);
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
  const metadataReads = () => sent().filter((r) => r.path.includes('/issue/createmeta/'));
  const posts = () => sent().filter((r) => r.method === 'POST');
  const call = (way: 'rest' | 'tool' | 'mcp', input: Record<string, unknown>, tenant = 'acme') => callOneWay(svc.url, tenant, way, 'jira_create_issue', input);

  it('refuses a Bug without its required Severity with 400 VALIDATION naming it and its allowed values, the three ways, creating nothing', async () => {
    const before = fake.jira.createdIssues.length;
    for (const way of ['rest', 'tool', 'mcp'] as const) {
      const res = await call(way, { project_key: 'OPS', summary: 'No severity', issue_type: 'Bug' });
      expect(res.ok, JSON.stringify(res.value)).toBe(false);
      expect(res.value).toMatchObject({ status: 'error', code: 'VALIDATION', details: { 'fields.customfield_10030': 'Severity is required.' } });
      expect(res.value.message).toContain('Severity (fields.customfield_10030; allowed: Sev 1, Sev 2, Sev 3)');
      expect(res.value.message).toContain('jira_list_create_fields (issue_type_id 10002)');
    }
    expect(fake.jira.createdIssues.length).toBe(before);
    expect(posts()).toEqual([]);
    // The metadata was read once (issue types, then the Bug's fields) and then came from the cache.
    expect(metadataReads().map((r) => `${r.path}?${r.query}`)).toEqual([
      '/rest/api/3/issue/createmeta/OPS/issuetypes?startAt=0&maxResults=200',
      '/rest/api/3/issue/createmeta/OPS/issuetypes/10002?startAt=0&maxResults=200',
    ]);
  });

  it('creates with assignee, parent, components, due date and custom fields over REST (from the cache: no metadata read)', async () => {
    const res = await api.post('/connectors/jira/create', {
      project_key: 'OPS',
      summary: 'With everything',
      issue_type: 'Bug',
      assignee: noah,
      parent: 'OPS-1',
      components: ['Backend', 'API'],
      due_date: '2026-12-24',
      fields: { ...SEVERITY, customfield_10010: 'free text' },
    });
    expect(res.status, res.text).toBe(201);
    expect(metadataReads()).toEqual([]);
    expect(posts()).toEqual([
      {
        method: 'POST',
        path: '/rest/api/3/issue',
        query: '',
        body: {
          fields: {
            project: { key: 'OPS' },
            summary: 'With everything',
            issuetype: { name: 'Bug' },
            assignee: { accountId: noah },
            parent: { key: 'OPS-1' },
            components: [{ name: 'Backend' }, { name: 'API' }],
            duedate: '2026-12-24',
            customfield_10030: { id: '10101' },
            customfield_10010: 'free text',
          },
        },
      },
    ]);
    const got = await api.get(`/connectors/jira/issues/${res.body.key as string}?fields=assignee,parent,components,due_date,customfield_10030`);
    expect(got.status, got.text).toBe(200);
    expect(got.body).toMatchObject({ assignee: 'Noah Lindqvist', components: ['Backend', 'API'], due_date: '2026-12-24', parent: { key: 'OPS-1' } });
    expect(got.body.custom_fields).toEqual({ customfield_10030: { id: '10101' } });
  });

  it('as a tool and over MCP too; a Subtask needs its parent, and with one it is the parent\'s subtask', async () => {
    const tool = await call('tool', { project_key: 'OPS', summary: 'Tool story', issue_type: 'Story', due_date: '2027-01-31', components: ['UI'] });
    expect(tool.ok, JSON.stringify(tool.value)).toBe(true);
    expect(fake.jira.issues.find((i) => i.key === tool.value.key)).toMatchObject({ dueDate: '2027-01-31', components: ['UI'] });
    const orphan = await call('mcp', { project_key: 'OPS', summary: 'Orphan', issue_type: 'Subtask' });
    expect(orphan).toMatchObject({ ok: false, value: { code: 'VALIDATION', details: { parent: 'Parent is required.' } } });
    expect(orphan.value.message).toContain('Parent (parent)');
    const child = await call('mcp', { project_key: 'OPS', summary: 'Child', issue_type: 'subtask', parent: 'OPS-3' });
    expect(child.ok, JSON.stringify(child.value)).toBe(true);
    expect(fake.jiraWork.subtasks['OPS-3']).toContain(child.value.key);
  });

  it('an issue type the project does not offer is refused naming the ones it does; bad field values are refused before any call', async () => {
    const body = expectError(await api.post('/connectors/jira/create', { project_key: 'OPS', summary: 'x', issue_type: 'Incident' }), 400, 'VALIDATION');
    expect(body.message).toContain('OPS offers no issue type "Incident"; it offers Task, Bug, Story, Epic, Subtask');
    expect(posts()).toEqual([]);
    mark = fake.requests.length;
    for (const [bad, named] of [
      [{ due_date: 'tomorrow' }, 'due_date'],
      [{ due_date: '2026-13-01' }, 'due_date'],
      [{ assignee: 'a b' }, 'assignee'],
      [{ parent: 'OPS 1' }, 'parent'],
      [{ parent: '../x' }, 'parent'],
      [{ components: 'Backend' }, 'components'],
      [{ components: [''] }, 'components'],
      [{ fields: { summary: 'sneaky' } }, 'fields'],
      [{ fields: [] }, 'fields'],
    ] as const) {
      const res = expectError(await api.post('/connectors/jira/create', { project_key: 'OPS', summary: 'x', ...bad }), 400, 'VALIDATION');
      expect(res.message).toContain(named);
    }
    expect(sent()).toEqual([]);
  });

  it("answers Jira's own 400 for a user it cannot assign as VALIDATION with the field's details", async () => {
    const body = expectError(await api.post('/connectors/jira/create', { project_key: 'OPS', summary: 'x', assignee: '557058:nobody' }), 400, 'VALIDATION');
    expect(body.details).toEqual({ assignee: "User '557058:nobody' cannot be assigned issues." });
    expect(posts()).toHaveLength(1);
  });

  it('keeps the metadata for five minutes by the clock, per tenant, project and issue type', async () => {
    // A fresh project and type for this test: WEB, Story.
    const create = (tenant = 'acme') => client(svc.url, tenant).post('/connectors/jira/create', { project_key: 'WEB', summary: 'Cached', issue_type: 'Story' });
    expect((await create()).status).toBe(201);
    expect(metadataReads().map((r) => r.path)).toEqual(['/rest/api/3/issue/createmeta/WEB/issuetypes', '/rest/api/3/issue/createmeta/WEB/issuetypes/10003']);
    mark = fake.requests.length;
    shift += CREATE_META_TTL_MS - 30_000;
    expect((await create()).status).toBe(201);
    expect(metadataReads()).toEqual([]);
    // Another tenant has its own.
    expect((await create('beta')).status).toBe(201);
    expect(metadataReads()).toHaveLength(2);
    mark = fake.requests.length;
    // Another type of the same project: the types are cached, its fields are read.
    expect((await api.post('/connectors/jira/create', { project_key: 'WEB', summary: 'Task', issue_type: 'Task' })).status).toBe(201);
    expect(metadataReads().map((r) => r.path)).toEqual(['/rest/api/3/issue/createmeta/WEB/issuetypes/10001']);
    mark = fake.requests.length;
    shift += 60_000;
    expect((await create()).status).toBe(201);
    expect(metadataReads().map((r) => r.path)).toEqual(['/rest/api/3/issue/createmeta/WEB/issuetypes', '/rest/api/3/issue/createmeta/WEB/issuetypes/10003']);
  });

  it('a failure to read the metadata other than "none" fails the create, and nothing is created', async () => {
    fake.inject({ kind: 'status', path: '/rest/api/3/issue/createmeta/ACME/issuetypes', status: 403, body: { errorMessages: ['No permission.'], errors: {} } });
    const before = fake.jira.createdIssues.length;
    expectError(await api.post('/connectors/jira/create', { project_key: 'ACME', summary: 'x' }), 403, 'FORBIDDEN');
    expect(fake.jira.createdIssues.length).toBe(before);
    expect(posts()).toEqual([]);
  });
});

describe('jira_create_issue on Data Center (PAT) under JIRA_PROJECTS_FILTER', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let api: Client;
  let mark = 0;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: { ENABLE_JIRA_PAT: 'true', JIRA_PROJECTS_FILTER: 'OPS' }, overrides: { atlassianHttp: loopbackHttp() } });
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
  const sent = () => apiRequests(fake, mark).map((r) => ({ method: r.method, path: r.path, query: r.query.toString(), body: r.body }));

  it('reads the metadata from /rest/api/2, assigns by the user name of the key, and creates', async () => {
    const users = await api.get('/connectors/jira/users?query=priya');
    const key = users.body.items[0].account_id as string;
    expect(key).toMatch(/^JIRAUSER/);
    mark = fake.requests.length;
    const res = await api.post('/connectors/jira/create', { project_key: 'OPS', summary: 'DC bug', issue_type: 'Bug', assignee: key, fields: SEVERITY, due_date: '2026-12-31' });
    expect(res.status, res.text).toBe(201);
    expect(sent().map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /rest/api/2/issue/createmeta/OPS/issuetypes',
      'GET /rest/api/2/issue/createmeta/OPS/issuetypes/10002',
      'GET /rest/api/2/user',
      'POST /rest/api/2/issue',
    ]);
    expect(sent()[3]?.body).toMatchObject({ fields: { assignee: { name: 'priya.raman' }, duedate: '2026-12-31', customfield_10030: { id: '10101' } } });
    expect(fake.jira.issues.at(-1)).toMatchObject({ assignee: 'Priya Raman' });
    const missing = expectError(await api.post('/connectors/jira/create', { project_key: 'OPS', summary: 'DC bug', issue_type: 'Bug' }), 400, 'VALIDATION');
    expect(missing.message).toContain('Severity');
  });

  it('a project or a parent outside the filter is NOT_FOUND, and nothing is sent', async () => {
    expectError(await api.post('/connectors/jira/create', { project_key: 'WEB', summary: 'x' }), 404, 'NOT_FOUND');
    expectError(await api.post('/connectors/jira/create', { project_key: 'OPS', summary: 'x', issue_type: 'Subtask', parent: 'WEB-2' }), 404, 'NOT_FOUND');
    expect(sent()).toEqual([]);
    // A parent given by id is looked up first.
    const web3 = fake.jira.issues.find((i) => i.key === 'WEB-3')!;
    const before = fake.jira.createdIssues.length;
    expectError(await api.post('/connectors/jira/create', { project_key: 'OPS', summary: 'x', issue_type: 'Subtask', parent: web3.id }), 404, 'NOT_FOUND');
    expect(sent().map((r) => `${r.method} ${r.path}`)).toEqual([`GET /rest/api/2/issue/${web3.id}`]);
    expect(fake.jira.createdIssues.length).toBe(before);
  });
});
