/** Create metadata against the fake Atlassian: a project's issue types and one type's fields, REST, tools/invoke and MCP, Cloud and Data Center. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { missingRequiredFields, type FieldMeta } from '../../src/domain/jira-create-meta.js';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { expectTrafficConforms } from '../support/spec-traffic.js';
import { apiRequests, client, expectError, expectSameEverywhere, loopbackHttp, qs, seedTokenConnection, type Client } from './support.js';

const inner = (path: string): string => path.replace(/^\/ex\/jira\/[^/]+/, '');

describe('Jira create metadata (OAuth)', () => {
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
  const sent = () => apiRequests(fake, mark).map((r) => `${r.method} ${inner(r.path)}?${r.query.toString()}`);

  it('jira_list_issue_types answers the issue types of a project, the same three ways, and pages', async () => {
    const types = await expectSameEverywhere(svc.url, 'acme', 'jira_list_issue_types', { project: 'OPS' });
    expect(types.items).toEqual([
      { id: '10001', name: 'Task', subtask: false, hierarchy_level: 0 },
      { id: '10002', name: 'Bug', subtask: false, hierarchy_level: 0 },
      { id: '10003', name: 'Story', subtask: false, hierarchy_level: 0 },
      { id: '10004', name: 'Epic', subtask: false, hierarchy_level: 1 },
      { id: '10005', name: 'Subtask', subtask: true, hierarchy_level: -1 },
    ]);
    expect(types.next_cursor).toBeNull();
    expect(sent()).toEqual(Array(3).fill('GET /rest/api/3/issue/createmeta/OPS/issuetypes?startAt=0&maxResults=25'));
    const first = await api.get(`/connectors/jira/projects/OPS/issue-types${qs({ limit: 3 })}`);
    expect(first.body.items).toHaveLength(3);
    const second = await api.get(`/connectors/jira/projects/OPS/issue-types${qs({ limit: 3, cursor: first.body.next_cursor })}`);
    expect(second.body.items.map((t: { name: string }) => t.name)).toEqual(['Epic', 'Subtask']);
    expect(second.body.next_cursor).toBeNull();
  });

  it('jira_list_create_fields answers the fields of one type, required ones marked, with allowed values', async () => {
    const fields = await expectSameEverywhere(svc.url, 'acme', 'jira_list_create_fields', { project: 'OPS', issue_type_id: '10002' });
    const byId = new Map<string, FieldMeta>(fields.items.map((f: FieldMeta) => [f.field_id, f]));
    expect(byId.get('customfield_10030')).toEqual({
      field_id: 'customfield_10030',
      name: 'Severity',
      required: true,
      has_default_value: false,
      schema: { type: 'option', items: null, system: null, custom: 'com.atlassian.jira.plugin.system.customfieldtypes:select' },
      operations: ['set'],
      allowed_values: [
        { id: '10100', name: 'Sev 1' },
        { id: '10101', name: 'Sev 2' },
        { id: '10102', name: 'Sev 3' },
      ],
    });
    expect(byId.get('priority')).toMatchObject({ required: false, has_default_value: true, allowed_values: expect.arrayContaining([{ id: '3', name: 'Medium' }]) });
    expect(byId.get('labels')?.schema).toEqual({ type: 'array', items: 'string', system: 'labels', custom: null });
    expect(byId.get('description')?.allowed_values).toBeNull();
    expect(sent()[0]).toBe('GET /rest/api/3/issue/createmeta/OPS/issuetypes/10002?startAt=0&maxResults=25');
    // What a create check would conclude from them.
    expect(missingRequiredFields(fields.items, { project: { key: 'OPS' }, issuetype: { id: '10002' }, summary: 'Crash' })).toEqual([
      { field_id: 'customfield_10030', name: 'Severity' },
    ]);
  });

  it("answers Jira's 400 for an unknown project or issue type as VALIDATION, and refuses bad input before calling", async () => {
    expectError(await api.get('/connectors/jira/projects/NOPE/issue-types'), 400, 'VALIDATION');
    expectError(await api.get('/connectors/jira/projects/OPS/issue-types/99/fields'), 400, 'VALIDATION');
    mark = fake.requests.length;
    expectError(await api.get('/connectors/jira/projects/1OPS/issue-types'), 400, 'VALIDATION');
    expectError(await api.get('/connectors/jira/projects/OPS/issue-types/bug/fields'), 400, 'VALIDATION');
    expectError(await api.get(`/connectors/jira/projects/OPS/issue-types${qs({ limit: 500 })}`), 400, 'VALIDATION');
    expect(sent()).toEqual([]);
  });
});

describe('Jira create metadata on Data Center (PAT) and under JIRA_PROJECTS_FILTER', () => {
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

  it("reads Data Center 9's paged `values` from /rest/api/2", async () => {
    const mark = fake.requests.length;
    const types = await api.get(`/connectors/jira/projects/OPS/issue-types${qs({ limit: 2 })}`);
    expect(types.status, types.text).toBe(200);
    expect(types.body.items.map((t: { name: string }) => t.name)).toEqual(['Task', 'Bug']);
    expect(types.body.next_cursor).not.toBeNull();
    const fields = await api.get('/connectors/jira/projects/OPS/issue-types/10005/fields');
    expect(fields.body.items.find((f: FieldMeta) => f.field_id === 'parent')).toMatchObject({ required: true });
    expect(apiRequests(fake, mark).map((r) => r.path)).toEqual(['/rest/api/2/issue/createmeta/OPS/issuetypes', '/rest/api/2/issue/createmeta/OPS/issuetypes/10005']);
  });

  it('answers a project outside the filter as NOT_FOUND without asking', async () => {
    const mark = fake.requests.length;
    expectError(await api.get('/connectors/jira/projects/WEB/issue-types'), 404, 'NOT_FOUND');
    expectError(await api.get('/connectors/jira/projects/WEB/issue-types/10001/fields'), 404, 'NOT_FOUND');
    expect(apiRequests(fake, mark)).toEqual([]);
  });
});
