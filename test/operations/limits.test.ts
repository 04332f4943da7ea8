/**
 * What an operator limits: JIRA_PROJECTS_FILTER (every Jira operation sees only those
 * projects: searches get the filter in their JQL, other projects are answered as absent)
 * and TOOLS_ENABLED (the tools offered over REST and MCP), against the fake Atlassian.
 */
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configFrom, loadConfig } from '../../src/composition/config.js';
import { makeIssues, startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { apiRequests, client, expectError, qs, type Client } from './support.js';

describe('JIRA_PROJECTS_FILTER=OPS,web', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let api: Client;
  let mark = 0;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake, { JIRA_PROJECTS_FILTER: 'OPS,web' }) });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
    api = client(svc.url, 'acme');
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });
  beforeEach(() => {
    mark = fake.requests.length;
  });
  const sent = () => apiRequests(fake, mark);

  it('adds the projects to free-text searches and to the caller JQL, keeping its ORDER BY', async () => {
    const free = await api.get(`/connectors/jira/search${qs({ q: 'login' })}`);
    expect(free.status, free.text).toBe(200);
    const other = await api.get(`/connectors/jira/search${qs({ jql: 'project = ACME ORDER BY key ASC' })}`);
    expect(other.status, other.text).toBe(200);
    const own = await api.get(`/connectors/jira/search${qs({ jql: 'text ~ "e" ORDER BY key ASC', limit: 100 })}`);
    expect(own.status, own.text).toBe(200);
    expect(sent().map((r) => r.query.get('jql'))).toEqual([
      'project in ("OPS", "WEB") AND (text ~ "login") ORDER BY updated DESC',
      'project in ("OPS", "WEB") AND (project = ACME) ORDER BY key ASC',
      'project in ("OPS", "WEB") AND (text ~ "e") ORDER BY key ASC',
    ]);
    // Whatever the caller asked, only the filtered projects' issues come back.
    expect(other.body.items).toEqual([]);
    expect(own.body.items.length).toBeGreaterThan(0);
    for (const issue of [...free.body.items, ...own.body.items]) expect(issue.key).toMatch(/^(OPS|WEB)-/);
  });

  it('refuses JQL that could escape the filter (unbalanced parentheses), sending nothing', async () => {
    expectError(await api.get(`/connectors/jira/search${qs({ jql: 'x = 1) OR (project = ACME' })}`), 400, 'VALIDATION');
    expect(sent()).toEqual([]);
  });

  it('lists only the filtered projects', async () => {
    const res = await api.get('/connectors/jira/projects');
    expect(res.status, res.text).toBe(200);
    expect(res.body.items.map((p: { key: string }) => p.key).sort()).toEqual(['OPS', 'WEB']);
    expect(sent()[0]?.query.getAll('keys')).toEqual(['OPS', 'WEB']);
  });

  it('answers a create in another project as if the project did not exist, sending nothing', async () => {
    const before = fake.jira.createdIssues.length;
    const body = expectError(await api.post('/connectors/jira/create', { project_key: 'ACME', summary: 'Not here' }), 404, 'NOT_FOUND');
    expect(body.message).not.toContain('JIRA_PROJECTS_FILTER');
    expect(sent()).toEqual([]);
    expect(fake.jira.createdIssues).toHaveLength(before);
    expect((await api.post('/connectors/jira/create', { project_key: 'OPS', summary: 'Here' })).status).toBe(201);
  });
});

describe('TOOLS_ENABLED', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let api: Client;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake, { TOOLS_ENABLED: 'jira_read,confluence_create_page' }) });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
    api = client(svc.url, 'acme');
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  it('offers the tools of the named groups and the named tools, and no other', async () => {
    const res = await api.get('/connectors/tools');
    expect(res.body.tools.map((t: { name: string }) => t.name)).toEqual([
      'jira_list_projects',
      'jira_search_issues',
      'jira_get_issue',
      'jira_list_comments',
      'jira_list_transitions',
      'jira_current_user',
      'jira_search_users',
      'jira_assignable_users',
      'jira_list_issue_types',
      'jira_list_create_fields',
      'jira_list_link_types',
      'jira_list_remote_links',
      'jira_list_boards',
      'jira_list_sprints',
      'jira_list_sprint_issues',
      'jira_get_attachment',
      'jira_list_worklogs',
      'confluence_create_page',
    ]);
  });

  it('refuses a tool it does not offer with FORBIDDEN naming TOOLS_ENABLED, while its REST route still works', async () => {
    const before = fake.jira.createdIssues.length;
    const body = expectError(
      await api.post('/connectors/tools/invoke', { tool: 'jira_create_issue', arguments: { project_key: 'OPS', summary: 'x' } }),
      403,
      'FORBIDDEN',
    );
    expect(body.message).toContain('TOOLS_ENABLED');
    expect(fake.jira.createdIssues).toHaveLength(before);
    expect((await api.post('/connectors/tools/invoke', { tool: 'jira_search_issues', arguments: { q: 'login' } })).status).toBe(200);
    expect((await api.post('/connectors/jira/create', { project_key: 'OPS', summary: 'over REST' })).status).toBe(201);
  });

  it('stops the start on a name that is neither a tool nor a group, naming it', () => {
    const bad = loadConfig({ TOOLS_ENABLED: 'jira_read,jira_teleport' });
    expect(bad._tag === 'Left' && bad.left).toMatch(/TOOLS_ENABLED names no tool or group jira_teleport/);
    expect(configFrom({ TOOLS_ENABLED: 'confluence_read, jira_write' }).toolsEnabled).toEqual(['confluence_read', 'jira_write']);
    expect(loadConfig({ JIRA_PROJECTS_FILTER: 'OPS,"x" OR 1' })._tag).toBe('Left');
  });
});

describe('TOOL_RESULT_MAX_BYTES=2048', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let api: Client;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    fake.jira.issues.push(...makeIssues(100, 'OPS', 40000).map((i) => ({ ...i, key: `OPS-${Number(i.key.split('-')[1]) + 500}` })));
    svc = await startTestService({ env: oauthEnv(fake, { TOOL_RESULT_MAX_BYTES: '2048' }) });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
    api = client(svc.url, 'acme');
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  it('cuts a long tool result to the bound and says so, over tools/invoke and MCP; the REST route answers in full', async () => {
    const args = { jql: 'project = OPS ORDER BY key ASC', limit: 100 };
    const rest = await api.get(`/connectors/jira/search${qs(args)}`);
    expect(rest.status, rest.text).toBe(200);
    expect(Buffer.byteLength(rest.text)).toBeGreaterThan(2048);
    expect(rest.body.truncated).toBeUndefined();

    const tool = await api.post('/connectors/tools/invoke', { tool: 'jira_search_issues', arguments: args });
    expect(tool.status, tool.text).toBe(200);
    expect(Buffer.byteLength(JSON.stringify(tool.body.result))).toBeLessThanOrEqual(2048);
    expect(tool.body.result.truncated).toBe(true);
    expect(tool.body.result.truncated_hint).toContain('TOOL_RESULT_MAX_BYTES');
    expect(tool.body.result.items).toEqual(rest.body.items.slice(0, tool.body.result.items.length));

    // The SDK client checks structuredContent against the tool's outputSchema.
    const mcp = new McpClient({ name: 'bound-test', version: '1.0.0' });
    await mcp.connect(new StreamableHTTPClientTransport(new URL('/mcp', svc.url), { requestInit: { headers: { 'x-tenant-id': 'acme' } } }));
    try {
      await mcp.listTools();
      const result = await mcp.callTool({ name: 'jira_search_issues', arguments: args });
      expect(result.isError ?? false).toBe(false);
      expect(result.structuredContent).toEqual(tool.body.result);
    } finally {
      await mcp.close();
    }
  });
});
