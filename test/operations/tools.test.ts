/** The agent tools: their schemas are the REST codecs', and invoking one runs the REST use case. */
import Ajv2020Module from 'ajv/dist/2020.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { apiRequests, client, expectError, qs, type Client } from './support.js';

// ajv is CommonJS with `module.exports.default`; under NodeNext the default import is the module object.
const Ajv2020 = Ajv2020Module.default;

type Schema = { type?: string; properties?: Record<string, Record<string, unknown>>; required?: string[] } & Record<string, unknown>;
interface Tool {
  name: string;
  title: string;
  description: string;
  input_schema: Schema;
  output_schema: Schema;
  read_only: boolean;
}

const TOOL_NAMES = [
  'jira_list_projects',
  'jira_search_issues',
  'jira_create_issue',
  'jira_get_issue',
  'jira_update_issue',
  'jira_list_comments',
  'jira_add_comment',
  'jira_edit_comment',
  'jira_delete_comment',
  'jira_assign_issue',
  'jira_list_transitions',
  'jira_transition_issue',
  'jira_delete_issue',
  'jira_current_user',
  'jira_search_users',
  'jira_assignable_users',
  'jira_list_issue_types',
  'jira_list_create_fields',
  'jira_list_link_types',
  'jira_link_issues',
  'jira_delete_issue_link',
  'jira_list_remote_links',
  'jira_add_remote_link',
  'jira_list_boards',
  'jira_list_sprints',
  'jira_list_sprint_issues',
  'jira_move_issues_to_sprint',
  'jira_get_attachment',
  'jira_add_attachment',
  'jira_delete_attachment',
  'jira_list_worklogs',
  'jira_add_worklog',
  'confluence_list_spaces',
  'confluence_search',
  'confluence_create_page',
  'confluence_get_page',
  'confluence_find_page',
  'confluence_update_page',
  'confluence_append_to_page',
  'confluence_list_children',
  'confluence_list_descendants',
  'confluence_list_ancestors',
  'confluence_move_page',
  'confluence_delete_page',
  'confluence_list_comments',
  'confluence_add_comment',
  'confluence_reply_to_comment',
  'confluence_list_labels',
  'confluence_add_labels',
  'confluence_remove_label',
  'confluence_list_attachments',
  'confluence_get_attachment',
  'confluence_add_attachment',
  'confluence_get_space',
];
const WRITE_TOOLS = [
  'jira_create_issue',
  'jira_update_issue',
  'jira_add_comment',
  'jira_edit_comment',
  'jira_delete_comment',
  'jira_assign_issue',
  'jira_transition_issue',
  'jira_delete_issue',
  'jira_link_issues',
  'jira_delete_issue_link',
  'jira_add_remote_link',
  'jira_move_issues_to_sprint',
  'jira_add_attachment',
  'jira_delete_attachment',
  'jira_add_worklog',
  'confluence_create_page',
  'confluence_update_page',
  'confluence_append_to_page',
  'confluence_move_page',
  'confluence_delete_page',
  'confluence_add_comment',
  'confluence_reply_to_comment',
  'confluence_add_labels',
  'confluence_remove_label',
  'confluence_add_attachment',
];

/** The REST route each tool mirrors. */
const REST: Record<string, { method: 'get' | 'post' | 'put' | 'patch' | 'delete'; path: string }> = {
  jira_list_projects: { method: 'get', path: '/connectors/jira/projects' },
  jira_search_issues: { method: 'get', path: '/connectors/jira/search' },
  jira_create_issue: { method: 'post', path: '/connectors/jira/create' },
  jira_get_issue: { method: 'get', path: '/connectors/jira/issues/{issue}' },
  jira_update_issue: { method: 'patch', path: '/connectors/jira/issues/{issue}' },
  jira_list_comments: { method: 'get', path: '/connectors/jira/issues/{issue}/comments' },
  jira_add_comment: { method: 'post', path: '/connectors/jira/issues/{issue}/comments' },
  jira_edit_comment: { method: 'put', path: '/connectors/jira/issues/{issue}/comments/{comment}' },
  jira_delete_comment: { method: 'delete', path: '/connectors/jira/issues/{issue}/comments/{comment}' },
  jira_current_user: { method: 'get', path: '/connectors/jira/myself' },
  jira_search_users: { method: 'get', path: '/connectors/jira/users' },
  jira_assignable_users: { method: 'get', path: '/connectors/jira/users/assignable' },
  confluence_list_spaces: { method: 'get', path: '/connectors/confluence/spaces' },
  confluence_search: { method: 'get', path: '/connectors/confluence/search' },
  confluence_create_page: { method: 'post', path: '/connectors/confluence/create' },
  jira_assign_issue: { method: 'put', path: '/connectors/jira/issues/{issue}/assignee' },
  jira_list_transitions: { method: 'get', path: '/connectors/jira/issues/{issue}/transitions' },
  jira_transition_issue: { method: 'post', path: '/connectors/jira/issues/{issue}/transitions' },
  jira_delete_issue: { method: 'delete', path: '/connectors/jira/issues/{issue}' },
  jira_list_issue_types: { method: 'get', path: '/connectors/jira/projects/{project}/issue-types' },
  jira_list_create_fields: { method: 'get', path: '/connectors/jira/projects/{project}/issue-types/{issue_type_id}/fields' },
  jira_list_link_types: { method: 'get', path: '/connectors/jira/link-types' },
  jira_link_issues: { method: 'post', path: '/connectors/jira/issue-links' },
  jira_delete_issue_link: { method: 'delete', path: '/connectors/jira/issue-links/{link_id}' },
  jira_list_remote_links: { method: 'get', path: '/connectors/jira/issues/{issue}/remote-links' },
  jira_add_remote_link: { method: 'post', path: '/connectors/jira/issues/{issue}/remote-links' },
  jira_list_boards: { method: 'get', path: '/connectors/jira/boards' },
  jira_list_sprints: { method: 'get', path: '/connectors/jira/boards/{board_id}/sprints' },
  jira_list_sprint_issues: { method: 'get', path: '/connectors/jira/sprints/{sprint_id}/issues' },
  jira_move_issues_to_sprint: { method: 'post', path: '/connectors/jira/sprints/{sprint_id}/issues' },
  jira_get_attachment: { method: 'get', path: '/connectors/jira/issues/{issue}/attachments/{attachment}' },
  jira_add_attachment: { method: 'post', path: '/connectors/jira/issues/{issue}/attachments' },
  jira_delete_attachment: { method: 'delete', path: '/connectors/jira/issues/{issue}/attachments/{attachment}' },
  jira_list_worklogs: { method: 'get', path: '/connectors/jira/issues/{issue}/worklogs' },
  jira_add_worklog: { method: 'post', path: '/connectors/jira/issues/{issue}/worklogs' },
  confluence_get_page: { method: 'get', path: '/connectors/confluence/pages/{page}' },
  confluence_find_page: { method: 'get', path: '/connectors/confluence/pages' },
  confluence_update_page: { method: 'patch', path: '/connectors/confluence/pages/{page}' },
  confluence_append_to_page: { method: 'post', path: '/connectors/confluence/pages/{page}/append' },
  confluence_list_children: { method: 'get', path: '/connectors/confluence/pages/{page}/children' },
  confluence_list_descendants: { method: 'get', path: '/connectors/confluence/pages/{page}/descendants' },
  confluence_list_ancestors: { method: 'get', path: '/connectors/confluence/pages/{page}/ancestors' },
  confluence_move_page: { method: 'post', path: '/connectors/confluence/pages/{page}/move' },
  confluence_delete_page: { method: 'delete', path: '/connectors/confluence/pages/{page}' },
  confluence_list_comments: { method: 'get', path: '/connectors/confluence/pages/{page}/comments' },
  confluence_add_comment: { method: 'post', path: '/connectors/confluence/pages/{page}/comments' },
  confluence_reply_to_comment: { method: 'post', path: '/connectors/confluence/comments/{comment}/replies' },
  confluence_list_labels: { method: 'get', path: '/connectors/confluence/pages/{page}/labels' },
  confluence_add_labels: { method: 'post', path: '/connectors/confluence/pages/{page}/labels' },
  confluence_remove_label: { method: 'delete', path: '/connectors/confluence/pages/{page}/labels/{label}' },
  confluence_list_attachments: { method: 'get', path: '/connectors/confluence/pages/{page}/attachments' },
  confluence_get_attachment: { method: 'get', path: '/connectors/confluence/pages/{page}/attachments/{attachment}' },
  confluence_add_attachment: { method: 'post', path: '/connectors/confluence/pages/{page}/attachments' },
  confluence_get_space: { method: 'get', path: '/connectors/confluence/spaces/{space_key}' },
};

/** Arguments each schema must accept (and the tool run), and arguments it must reject (and the tool refuse), with the field named. */
const EXAMPLES: Record<string, { good: Record<string, unknown>; bad: Array<[Record<string, unknown>, string]> }> = {
  jira_list_projects: { good: { query: 'ops', limit: 10 }, bad: [[{ limit: 0 }, 'limit'], [{ query: 7 }, 'query']] },
  jira_search_issues: {
    good: { q: 'cache', project: 'OPS', limit: 100 },
    bad: [[{ q: 'cache', limit: 101 }, 'limit'], [{ q: 'cache', limit: 2.5 }, 'limit'], [{ q: '' }, 'q']],
  },
  jira_create_issue: {
    good: { project_key: 'OPS', summary: 'From a tool', labels: ['agent'], description: '**hi**' },
    bad: [[{ summary: 'no project' }, 'project_key'], [{ project_key: 'OPS' }, 'summary'], [{ project_key: '1-bad', summary: 'x' }, 'project_key']],
  },
  jira_get_issue: { good: { issue: 'OPS-5', fields: 'summary,description', comments: 0 }, bad: [[{}, 'issue'], [{ issue: 'OPS-5', comments: 51 }, 'comments']] },
  jira_list_comments: { good: { issue: 'OPS-5', order: 'oldest' }, bad: [[{ issue: 'OPS-5', order: 'random' }, 'order']] },
  jira_add_comment: { good: { issue: 'OPS-5', body: 'From a **tool**' }, bad: [[{ body: 'x' }, 'issue'], [{ issue: 'OPS-5', body: 5 }, 'body']] },
  jira_edit_comment: { good: { issue: 'OPS-5', comment: '99', body: 'Edited by a tool' }, bad: [[{ issue: 'OPS-5', comment: 'abc', body: 'x' }, 'comment']] },
  jira_delete_comment: { good: { issue: 'OPS-5', comment: '98' }, bad: [[{ issue: 'OPS-5' }, 'comment']] },
  jira_update_issue: {
    good: { issue: 'OPS-5', summary: 'Changed by a tool', labels: { add: ['agent'] } },
    bad: [[{ summary: 'no issue' }, 'issue'], [{ issue: 'OPS-5', due_date: 'tomorrow' }, 'due_date'], [{ issue: 'OPS-5', priority: 3 }, 'priority']],
  },
  jira_current_user: { good: {}, bad: [] },
  jira_search_users: { good: { query: 'mia', limit: 5 }, bad: [[{}, 'query'], [{ query: '' }, 'query'], [{ query: 'a', limit: 0 }, 'limit']] },
  jira_assignable_users: { good: { project: 'OPS', query: 'n' }, bad: [[{ issue: 'ops 1' }, 'issue'], [{ project: '1X' }, 'project']] },
  confluence_list_spaces: { good: { limit: 25 }, bad: [[{ limit: 'many' }, 'limit']] },
  confluence_search: { good: { cql: 'type = page', limit: 3 }, bad: [[{ q: 'x', limit: 1000 }, 'limit'], [{ cql: '' }, 'cql']] },
  confluence_create_page: {
    good: { space_key: 'ENG', title: 'Made by a tool', body: '<p>x</p>', body_format: 'storage' },
    bad: [[{ space_key: 'ENG', title: 'T', body: 'b', body_format: 'html' }, 'body_format'], [{ space_key: 'ENG', body: 'b' }, 'title']],
  },
  jira_assign_issue: { good: { issue: 'OPS-2', query: 'priya' }, bad: [[{ query: 'mia' }, 'issue'], [{ issue: 'OPS-2', account_id: 'a b' }, 'account_id']] },
  jira_list_transitions: { good: { issue: 'OPS-1' }, bad: [[{}, 'issue'], [{ issue: 'OPS-1/x' }, 'issue']] },
  jira_transition_issue: { good: { issue: 'OPS-1', transition: 'Stop progress' }, bad: [[{ issue: 'OPS-1' }, 'transition'], [{ issue: 'OPS-1', transition: '11', fields: [] }, 'fields']] },
  jira_delete_issue: { good: { issue: 'WEB-38', delete_subtasks: false }, bad: [[{ issue: 'WEB-38' }, 'delete_subtasks'], [{ issue: 'WEB-38', delete_subtasks: 'yes' }, 'delete_subtasks']] },
  jira_list_issue_types: { good: { project: 'OPS', limit: 2 }, bad: [[{}, 'project'], [{ project: 'OPS', limit: 0 }, 'limit']] },
  jira_list_create_fields: { good: { project: 'OPS', issue_type_id: '10001' }, bad: [[{ project: 'OPS' }, 'issue_type_id'], [{ project: 'OPS', issue_type_id: 'Bug' }, 'issue_type_id']] },
  jira_list_link_types: { good: {}, bad: [] },
  jira_link_issues: { good: { type: 'Relates', inward_issue: 'OPS-1', outward_issue: 'OPS-2' }, bad: [[{ type: 'Relates', inward_issue: 'OPS-1' }, 'outward_issue'], [{ inward_issue: 'OPS-1', outward_issue: 'OPS-2' }, 'type']] },
  jira_delete_issue_link: { good: { link_id: '10300' }, bad: [[{}, 'link_id'], [{ link_id: '-1' }, 'link_id']] },
  jira_list_remote_links: { good: { issue: 'OPS-2' }, bad: [[{ issue: 2 }, 'issue']] },
  jira_add_remote_link: { good: { issue: 'OPS-2', url: 'https://example.com/a', title: 'A' }, bad: [[{ issue: 'OPS-2', url: 'file:///etc/passwd', title: 'A' }, 'url'], [{ issue: 'OPS-2', url: 'https://example.com/a' }, 'title']] },
  jira_list_boards: { good: { project: 'OPS', limit: 10 }, bad: [[{ project: 'O P S' }, 'project']] },
  jira_list_sprints: { good: { board_id: '1', state: 'active' }, bad: [[{}, 'board_id'], [{ board_id: '1', state: 'done' }, 'state']] },
  jira_list_sprint_issues: { good: { sprint_id: '2', limit: 3 }, bad: [[{}, 'sprint_id'], [{ sprint_id: 'two' }, 'sprint_id']] },
  jira_move_issues_to_sprint: { good: { sprint_id: '3', issues: ['OPS-9'] }, bad: [[{ sprint_id: '3' }, 'issues'], [{ sprint_id: '3', issues: 'OPS-9' }, 'issues']] },
  jira_get_attachment: { good: { issue: 'OPS-5', attachment: '30100' }, bad: [[{ issue: 'OPS-5' }, 'attachment'], [{ issue: 'OPS-5', attachment: '../1' }, 'attachment']] },
  jira_add_attachment: {
    good: { issue: 'OPS-5', filename: 'tool.txt', content_base64: 'aGk=' },
    bad: [[{ issue: 'OPS-5', filename: 'a.txt', content_base64: '%%%' }, 'content_base64'], [{ issue: 'OPS-5', filename: 'a/b.txt', content_base64: 'aGk=' }, 'filename']],
  },
  jira_delete_attachment: { good: { issue: 'OPS-5', attachment: '30101' }, bad: [[{ attachment: '30101' }, 'issue']] },
  jira_list_worklogs: { good: { issue: 'OPS-2', limit: 2 }, bad: [[{}, 'issue'], [{ issue: 'OPS-2', format: 'html' }, 'format']] },
  jira_add_worklog: {
    good: { issue: 'OPS-5', time_spent: '1h 30m', started: '2026-12-01T10:00:00Z', comment: 'From a **tool**' },
    bad: [[{ issue: 'OPS-5' }, 'time_spent'], [{ issue: 'OPS-5', time_spent: '90 minutes' }, 'time_spent'], [{ issue: 'OPS-5', time_spent: '1h', started: '2026-12-01' }, 'started']],
  },
  confluence_get_page: { good: { page: '1000001', format: 'storage' }, bad: [[{}, 'page'], [{ page: '../1' }, 'page'], [{ page: '1000001', format: 'html' }, 'format']] },
  confluence_find_page: { good: { space_key: 'ENG', title: 'Onboarding guide 1' }, bad: [[{ space_key: 'ENG' }, 'title'], [{ space_key: 'E N', title: 'x' }, 'space_key']] },
  confluence_update_page: {
    good: { page: '1000002', title: 'Renamed by a tool', version_message: 'tool' },
    bad: [[{ title: 'x' }, 'page'], [{ page: '1000002', version: 0 }, 'version'], [{ page: '1000002', body: 'x', body_format: 'html' }, 'body_format']],
  },
  confluence_append_to_page: { good: { page: '1000003', markdown: '- added by a tool' }, bad: [[{ page: '1000003' }, 'markdown'], [{ page: 'x', markdown: 'y' }, 'page']] },
  confluence_list_children: { good: { page: '1000001', limit: 5 }, bad: [[{}, 'page'], [{ page: '1000001', limit: 0 }, 'limit']] },
  confluence_list_descendants: { good: { page: '1000001', depth: 2 }, bad: [[{ page: '1000001', depth: 11 }, 'depth']] },
  confluence_list_ancestors: { good: { page: '1000007' }, bad: [[{ page: '1000007/..' }, 'page']] },
  confluence_move_page: { good: { page: '1000010', parent_id: '1000001' }, bad: [[{ page: '1000010' }, 'parent_id']] },
  confluence_delete_page: { good: { page: '1000028' }, bad: [[{}, 'page']] },
  confluence_list_comments: { good: { page: '1000001' }, bad: [[{ page: 1000001 }, 'page']] },
  confluence_add_comment: { good: { page: '1000001', body: 'From a **tool**' }, bad: [[{ page: '1000001' }, 'body'], [{ page: '1000001', body: 5 }, 'body']] },
  confluence_reply_to_comment: { good: { comment: '8001', body: 'A reply' }, bad: [[{ body: 'x' }, 'comment'], [{ comment: 'c1', body: 'x' }, 'comment']] },
  confluence_list_labels: { good: { page: '1000001' }, bad: [[{}, 'page']] },
  confluence_add_labels: { good: { page: '1000001', labels: ['agent'] }, bad: [[{ page: '1000001', labels: 'agent' }, 'labels'], [{ page: '1000001' }, 'labels']] },
  confluence_remove_label: { good: { page: '1000001', label: 'onboarding' }, bad: [[{ page: '1000001' }, 'label'], [{ page: '1000001', label: 'a/b' }, 'label']] },
  confluence_list_attachments: { good: { page: '1000001' }, bad: [[{ page: '' }, 'page']] },
  confluence_get_attachment: { good: { page: '1000001', attachment: 'att8101' }, bad: [[{ page: '1000001', attachment: '8101' }, 'attachment']] },
  confluence_add_attachment: {
    good: { page: '1000001', filename: 'tool.txt', content_base64: 'aGk=' },
    bad: [[{ page: '1000001', filename: 'a.txt', content_base64: '%%%' }, 'content_base64'], [{ page: '1000001', filename: 'a/b.txt', content_base64: 'aGk=' }, 'filename']],
  },
  confluence_get_space: { good: { space_key: 'ENG' }, bad: [[{}, 'space_key'], [{ space_key: 'E/G' }, 'space_key']] },
};

describe('agent tools', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let api: Client;
  let tools: Tool[];
  let mark = 0;

  beforeAll(async () => {
    fake = await startFakeAtlassian();
    // Comments the edit and delete examples act on.
    const at = '2026-11-22T09:00:00.000+0000';
    fake.jira.issues.find((i) => i.key === 'OPS-5')!.comments = ['99', '98'].map((id) => ({ id, author: 'Mia Krystof', body: { type: 'doc', version: 1, content: [] }, created: at, updated: at }));
    // Attachments the read and delete examples act on.
    fake.jira.issues.find((i) => i.key === 'OPS-5')!.attachments = ['30100', '30101'].map((id) => ({ id, filename: `${id}.txt`, mimeType: 'text/plain', created: at, author: 'Mia Krystof', content: Buffer.from(id) }));
    // A comment the reply example answers, and a file the read example reads (page 1000001).
    const home = fake.confluenceContent.detail('1000001')!;
    home.comments.push({ id: '8001', pageId: '1000001', parentCommentId: null, authorId: 'x', createdAt: '2026-11-22T09:00:00.000Z', body: '<p>First</p>' });
    home.attachments.push({ id: 'att8101', title: 'notes.txt', mediaType: 'text/plain', createdAt: '2026-11-22T09:00:00.000Z', comment: '', content: Buffer.from('notes') });
    svc = await startTestService({ env: oauthEnv(fake) });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
    api = client(svc.url, 'acme');
    const res = await api.get('/connectors/tools');
    expect(res.status, res.text).toBe(200);
    tools = res.body.tools as Tool[];
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });
  beforeEach(() => {
    fake.clearFaults();
    mark = fake.requests.length;
  });
  const tool = (name: string): Tool => {
    const found = tools.find((t) => t.name === name);
    if (!found) throw new Error(`no tool ${name}`);
    return found;
  };
  const invoke = (name: string, args?: unknown, tenant = 'acme') =>
    client(svc.url, tenant).post('/connectors/tools/invoke', args === undefined ? { tool: name } : { tool: name, arguments: args });

  it('lists the six tools with a description, an object input_schema and read_only', () => {
    expect(tools.map((t) => t.name)).toEqual(TOOL_NAMES);
    for (const t of tools) {
      expect(Object.keys(t).sort()).toEqual(['description', 'destructive', 'idempotent', 'input_schema', 'name', 'output_schema', 'read_only', 'title']);
      expect(t.output_schema.type).toBe('object');
      expect(t.description.length).toBeGreaterThan(20);
      expect(t.input_schema.type).toBe('object');
      expect(t.read_only).toBe(!WRITE_TOOLS.includes(t.name));
    }
  });

  it('jira_search_issues takes q, jql, project, fields, format, cursor and limit (an integer 1..100)', () => {
    const s = tool('jira_search_issues').input_schema;
    expect(Object.keys(s.properties ?? {}).sort()).toEqual(['cursor', 'fields', 'format', 'jql', 'limit', 'project', 'q']);
    expect(s.properties?.['limit']).toMatchObject({ type: 'integer', minimum: 1, maximum: 100 });
    expect(s.properties?.['q']).toMatchObject({ type: 'string', minLength: 1 });
    expect(s.required ?? []).toEqual([]);
  });

  it('jira_create_issue requires project_key and summary', () => {
    const s = tool('jira_create_issue').input_schema;
    expect([...(s.required ?? [])].sort()).toEqual(['project_key', 'summary']);
    expect(Object.keys(s.properties ?? {}).sort()).toEqual([
      'assignee',
      'components',
      'description',
      'description_adf',
      'due_date',
      'fields',
      'idempotency_key',
      'issue_type',
      'labels',
      'parent',
      'priority',
      'project_key',
      'summary',
    ]);
    expect(tool('confluence_create_page').input_schema.required?.slice().sort()).toEqual(['body', 'title']);
  });

  it("every input_schema matches its REST route's parameters or body in the service's OpenAPI document", async () => {
    const doc = (await api.get('/openapi.json')).body as {
      paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string; schema: unknown }>; requestBody?: { content: Record<string, { schema: unknown }> } }>>;
    };
    for (const listed of tools) {
      const { method, path } = REST[listed.name]!;
      const op = doc.paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      // A write tool's idempotency_key is the REST route's Idempotency-Key header; the rest are the same.
      const { idempotency_key: key, ...properties } = listed.input_schema.properties ?? {};
      expect(key !== undefined, listed.name).toBe(!listed.read_only);
      expect((op?.parameters ?? []).some((p) => p.in === 'header' && p.name === 'Idempotency-Key'), listed.name).toBe(!listed.read_only);
      const t = { ...listed, input_schema: { ...listed.input_schema, properties } };
      // Path parameters are the path's, the rest of the arguments the body's (or the query's).
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      for (const p of (op?.parameters ?? []).filter((x) => x.in === 'path')) {
        const { description: _d, ...schema } = t.input_schema.properties?.[p.name] ?? {};
        expect(p.schema, `${t.name}.${p.name}`).toEqual(schema);
      }
      const multipart = op?.requestBody?.content['multipart/form-data']?.schema as { properties?: Record<string, unknown> } | undefined;
      if (multipart) {
        // An upload: the file travels as a multipart part over REST, as base64 in a tool's arguments.
        expect(multipart.properties?.['file'], t.name).toMatchObject({ type: 'string', format: 'binary' });
        expect(t.input_schema.properties?.['content_base64'], t.name).toMatchObject({ type: 'string', contentEncoding: 'base64' });
      } else if (method === 'post' || method === 'put' || method === 'patch') {
        const { [inPath[0] ?? '']: _p0, [inPath[1] ?? '']: _p1, ...bodyProperties } = t.input_schema.properties ?? {};
        const required = (t.input_schema.required ?? []).filter((r) => !inPath.includes(r));
        const { required: _r, ...rest } = t.input_schema;
        expect(op?.requestBody?.content['application/json']?.schema, t.name).toEqual(
          inPath.length === 0 ? t.input_schema : { ...rest, properties: bodyProperties, ...(required.length > 0 ? { required } : {}) },
        );
      } else {
        const query = (op?.parameters ?? []).filter((p) => p.in === 'query' || p.in === 'path');
        expect(query.map((p) => p.name).sort(), t.name).toEqual(Object.keys(t.input_schema.properties ?? {}).sort());
        for (const p of query) {
          const { description: _d, ...schema } = t.input_schema.properties?.[p.name] ?? {};
          expect(p.schema, `${t.name}.${p.name}`).toEqual(schema);
        }
      }
    }
  });

  it('every input_schema compiles with ajv (2020-12), accepts a good example and rejects bad ones', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    for (const t of tools) {
      const validate = ajv.compile(t.input_schema);
      const { good, bad } = EXAMPLES[t.name]!;
      expect(validate(good), `${t.name} good: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(validate({}) || (t.input_schema.required ?? []).length > 0, `${t.name} {}`).toBe(true);
      for (const [args, field] of bad) {
        expect(validate(args), `${t.name} bad ${JSON.stringify(args)}`).toBe(false);
        expect(JSON.stringify(validate.errors)).toContain(field);
      }
    }
  });

  it.each(TOOL_NAMES)('%s runs its good example and refuses the bad ones with 400 naming the field', async (name) => {
    const { good, bad } = EXAMPLES[name]!;
    const ok = await invoke(name, good);
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.status).toBe('ok');
    expect(ok.body.tool).toBe(name);
    mark = fake.requests.length;
    for (const [args, field] of bad) {
      const body = expectError(await invoke(name, args), 400, 'VALIDATION');
      expect(body.message).toMatch(new RegExp(`\\b${field} (is required|must be)`));
    }
    // An argument the schema does not list is refused (the schema says additionalProperties: false).
    const extra = expectError(await invoke(name, { ...good, not_an_argument: 1 }), 400, 'VALIDATION');
    expect(extra.message).toContain('unknown field not_an_argument');
    expect(apiRequests(fake, mark)).toEqual([]);
  });

  it.each([
    ['jira_list_projects', { query: 'o', limit: 2 }, '/connectors/jira/projects'],
    ['jira_search_issues', { jql: 'project = "OPS" ORDER BY key ASC', limit: 7 }, '/connectors/jira/search'],
    ['confluence_list_spaces', { limit: 2 }, '/connectors/confluence/spaces'],
    ['confluence_search', { q: 'runbook', space: 'OPS', limit: 4 }, '/connectors/confluence/search'],
  ])('%s gives the same result as its REST route', async (name, args, path) => {
    const rest = await api.get(`${path}${qs(args)}`);
    expect(rest.status, rest.text).toBe(200);
    const viaTool = await invoke(name, args);
    expect(viaTool.status, viaTool.text).toBe(200);
    expect(viaTool.body).toEqual({ status: 'ok', tool: name, result: rest.body });
    expect((rest.body.items as unknown[]).length).toBeGreaterThan(0);
    // and the tool's cursor is the REST cursor: page 2 via REST with the tool's next_cursor
    const cursor = viaTool.body.result.next_cursor as string | null;
    if (cursor !== null) {
      const page2 = await api.get(`${path}${qs({ ...args, cursor })}`);
      const page2Tool = await invoke(name, { ...args, cursor });
      expect(page2Tool.body.result).toEqual(page2.body);
    }
  });

  it.each([
    ['jira_create_issue', '/connectors/jira/create', { project_key: 'WEB', summary: 'Same path', description: '# H\n\n- a', labels: ['x'], priority: 'Low' }],
    ['confluence_create_page', '/connectors/confluence/create', { space_key: 'OPS', title: 'Same path', body: 'Some *text*' }],
  ])('%s sends Atlassian exactly what its REST route sends', async (name, path, args) => {
    const rest = await api.post(path, args);
    expect(rest.status, rest.text).toBe(201);
    const restSent = apiRequests(fake, mark).map((r) => ({ method: r.method, path: r.path, query: r.query.toString(), body: r.body }));
    fake.confluence.pages = fake.confluence.pages.filter((p) => p.title !== 'Same path'); // allow the same title again
    mark = fake.requests.length;
    const viaTool = await invoke(name, args);
    expect(viaTool.status, viaTool.text).toBe(200);
    expect(viaTool.body.status).toBe('ok');
    expect(Object.keys(viaTool.body.result as object).sort()).toEqual(Object.keys(rest.body as object).sort());
    const toolSent = apiRequests(fake, mark).map((r) => ({ method: r.method, path: r.path, query: r.query.toString(), body: r.body }));
    // The REST create read the create metadata the tool's create then found cached.
    const writes = (reqs: typeof restSent) => reqs.filter((r) => r.method !== 'GET');
    expect(writes(toolSent)).toEqual(writes(restSent));
    expect(restSent.some((r) => r.method === 'POST')).toBe(true);
  });

  it('an unknown tool is 404 and calls nobody', async () => {
    expectError(await invoke('jira_delete_everything', {}), 404, 'NOT_FOUND');
    expect(fake.requests.length).toBe(mark);
  });

  it('arguments default to {} and a body without tool is 400', async () => {
    const listed = await invoke('jira_list_projects');
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.result.items).toHaveLength(3);
    expectError(await api.post('/connectors/tools/invoke', { arguments: {} }), 400, 'VALIDATION');
  });

  it('is tenant scoped: another tenant without a connection gets 409 NOT_CONNECTED', async () => {
    for (const name of TOOL_NAMES) {
      const res = await invoke(name, EXAMPLES[name]!.good, 'stranger');
      expectError(res, 409, 'NOT_CONNECTED');
    }
    expect(fake.requests.length).toBe(mark);
  });
});

describe('agent tools with TOOLS_READ_ONLY=true', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let api: Client;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake, { TOOLS_READ_ONLY: 'true' }) });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
    api = client(svc.url, 'acme');
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  it('hides the write tools', async () => {
    const res = await api.get('/connectors/tools');
    expect(res.status).toBe(200);
    const names = (res.body.tools as Tool[]).map((t) => t.name);
    expect(names).toEqual(TOOL_NAMES.filter((n) => !WRITE_TOOLS.includes(n)));
    expect((res.body.tools as Tool[]).every((t) => t.read_only)).toBe(true);
  });

  it.each([
    ['jira_create_issue', EXAMPLES['jira_create_issue']!.good],
    ['confluence_create_page', EXAMPLES['confluence_create_page']!.good],
  ])('refuses %s with 403 FORBIDDEN and sends nothing', async (name, args) => {
    const mark = fake.requests.length;
    const body = expectError(await api.post('/connectors/tools/invoke', { tool: name, arguments: args }), 403, 'FORBIDDEN');
    expect(body.message).toContain('TOOLS_READ_ONLY');
    expect(fake.requests.length).toBe(mark);
    expect(fake.jira.createdIssues).toEqual([]);
    expect(fake.confluence.createdPages).toEqual([]);
  });

  it('still runs the read tools', async () => {
    const res = await api.post('/connectors/tools/invoke', { tool: 'jira_search_issues', arguments: { q: 'cache', limit: 1 } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.result.items).toHaveLength(1);
  });
});
