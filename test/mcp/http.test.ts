/**
 * POST /mcp driven by the MCP SDK's own client over Streamable HTTP, against the real
 * service on loopback and the fake Atlassian: the tool list is the /connectors/tools list,
 * tool calls run the use cases, failures are isError results with the standard error body,
 * and the Origin rule keeps foreign web pages out.
 */
import fs from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { markdownToAdf } from '../../src/domain/markup/adf.js';
import { expectErrorResponse } from '../support/http.js';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { rawRequest } from '../support/http.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { apiRequests, client as restClient } from '../operations/support.js';
import { errorResult, expectSameTools, okResult, READ_TOOLS, TOOL_NAMES, WRITE_TOOLS, zebraIssue, type ToolDescription } from './support.js';

const APP_ORIGIN = 'https://app.example';
const PACKAGE_VERSION = (JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Opens SDK clients against one service and closes them after each test. */
function clients(getUrl: () => string) {
  const open: Client[] = [];
  return {
    async connect(headers: Record<string, string> = {}): Promise<Client> {
      const transport = new StreamableHTTPClientTransport(new URL('/mcp', getUrl()), { requestInit: { headers } });
      const c = new Client({ name: 'mcp-http-test', version: '1.0.0' });
      await c.connect(transport);
      open.push(c);
      return c;
    },
    async closeAll(): Promise<void> {
      await Promise.all(open.splice(0).map((c) => c.close()));
    },
  };
}

/** A raw JSON-RPC POST to /mcp, for what the SDK client would not show (status, headers, body). */
const rawMcp = (url: string, message: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
  fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(message),
    ...(signal ? { signal } : {}),
  });

const createCall = (summary: string) => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'jira_create_issue', arguments: { project_key: 'OPS', summary } },
});

describe('MCP over Streamable HTTP (POST /mcp)', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let mark = 0;
  const mcp = clients(() => svc.url);
  /** A minute passes between tests on the service's clock, past the penalty window a 429 leaves (the upstream budget). */
  let skew = 0;
  const clock = { now: () => new Date(Date.now() + skew) };

  beforeAll(async () => {
    fake = await startFakeAtlassian();
    fake.jira.issues.push(zebraIssue());
    svc = await startTestService({
      // A zero retry budget: a 429 is answered at once instead of waited out.
      env: oauthEnv(fake, { BACKEND_CORS_ORIGINS: APP_ORIGIN, ATLASSIAN_RETRY_BUDGET_MS: '0' }),
      overrides: { clock },
    });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
  });
  afterAll(async () => {
    await svc?.close();
    await fake?.close();
  });
  beforeEach(() => {
    fake.clearFaults();
    skew += 60_000;
    mark = fake.requests.length;
  });
  afterEach(() => mcp.closeAll());

  it('initializes as integration-backend with the package version and tool instructions', async () => {
    const c = await mcp.connect({ 'x-tenant-id': 'acme' });
    expect(c.getServerVersion()).toMatchObject({ name: 'integration-backend', version: PACKAGE_VERSION });
    expect(c.getServerCapabilities()?.tools).toBeDefined();
    expect(c.getInstructions()).toContain('RATE_LIMITED');
  });

  it('lists exactly the six tools, with the schemas of GET /connectors/tools and read-only annotations', async () => {
    const rest = await restClient(svc.url, 'acme').get('/connectors/tools');
    expect(rest.status, rest.text).toBe(200);
    const described = rest.body.tools as ToolDescription[];
    expect(described.map((d) => d.name)).toEqual(TOOL_NAMES);

    const c = await mcp.connect({ 'x-tenant-id': 'acme' });
    const { tools, nextCursor } = await c.listTools();
    expect(nextCursor).toBeUndefined();
    expect(tools.map((t) => t.name)).toEqual(TOOL_NAMES);
    expectSameTools(tools, described);
    for (const t of tools) expect(t.annotations?.readOnlyHint, t.name).toBe(READ_TOOLS.includes(t.name));
    expect(tools.filter((t) => t.annotations?.readOnlyHint === false).map((t) => t.name)).toEqual(WRITE_TOOLS);
    // Listing calls nobody upstream.
    expect(fake.requests.length).toBe(mark);
  });

  it('jira_search_issues finds the seeded issue in the fake, as the REST route does', async () => {
    const c = await mcp.connect({ 'x-tenant-id': 'acme' });
    const result = okResult<{ items: Array<Record<string, unknown>>; next_cursor: string | null }>(
      await c.callTool({ name: 'jira_search_issues', arguments: { q: 'zebra', limit: 5 } }),
    );
    expect(result.items).toEqual([
      {
        id: '29999',
        key: 'OPS-999',
        summary: 'Zebra crossing sensor drops packets',
        status: 'In Progress',
        issue_type: 'Bug',
        assignee: 'Priya Raman',
        updated: '2026-11-21T08:00:00.000+0000',
        url: 'https://acme.atlassian.net/browse/OPS-999',
      },
    ]);
    expect(result.next_cursor).toBeNull();
    // It really asked the fake Jira, with the free text quoted into JQL.
    const searches = apiRequests(fake, mark).filter((r) => r.path.endsWith('/rest/api/3/search/jql'));
    expect(searches).toHaveLength(1);
    expect(searches[0]!.path).toMatch(/^\/ex\/jira\/[^/]+\/rest\/api\/3\/search\/jql$/);
    expect(searches[0]!.query.get('jql') ?? JSON.stringify(searches[0]!.body)).toContain('zebra');

    const rest = await restClient(svc.url, 'acme').get('/connectors/jira/search?q=zebra&limit=5');
    expect(rest.body).toEqual(result);
  });

  it('confluence_search returns the fake pages for a query', async () => {
    const c = await mcp.connect({ 'x-tenant-id': 'acme' });
    const result = okResult<{ items: Array<{ title: string; space: string | null }> }>(
      await c.callTool({ name: 'confluence_search', arguments: { q: 'runbook', space: 'OPS', limit: 4 } }),
    );
    expect(result.items.length).toBeGreaterThan(0);
    for (const item of result.items) expect(item.title).toMatch(/^Incident runbook \d+$/);
    const rest = await restClient(svc.url, 'acme').get('/connectors/confluence/search?q=runbook&space=OPS&limit=4');
    expect(rest.body).toEqual(result);
  });

  it('jira_create_issue sends the fake the create request with the right body and answers the new key', async () => {
    const before = fake.jira.createdIssues.length;
    const c = await mcp.connect({ 'x-tenant-id': 'acme' });
    const created = okResult<{ id: string; key: string; url: string }>(
      await c.callTool({
        name: 'jira_create_issue',
        arguments: { project_key: 'OPS', summary: '  Quokka filed by an agent  ', description: 'Steps:\n\n- **open** the app', labels: ['agent'], priority: 'High' },
      }),
    );
    expect(created.key).toMatch(/^OPS-\d+$/);
    expect(created.url).toBe(`https://acme.atlassian.net/browse/${created.key}`);
    expect(fake.jira.createdIssues.slice(before)).toEqual([
      {
        fields: {
          project: { key: 'OPS' },
          summary: 'Quokka filed by an agent',
          issuetype: { name: 'Task' },
          description: markdownToAdf('Steps:\n\n- **open** the app'),
          labels: ['agent'],
          priority: { name: 'High' },
        },
      },
    ]);
    const posts = apiRequests(fake, mark).filter((r) => r.method === 'POST');
    expect(posts.map((r) => r.path)).toEqual([expect.stringMatching(/^\/ex\/jira\/[^/]+\/rest\/api\/3\/issue$/)]);
    // The issue is in Jira now: a search finds it.
    const found = okResult<{ items: Array<{ key: string }> }>(await c.callTool({ name: 'jira_search_issues', arguments: { q: 'quokka' } }));
    expect(found.items.map((i) => i.key)).toEqual([created.key]);
  });

  it('a tenant without a connection gets isError NOT_CONNECTED, and Atlassian is not called', async () => {
    const c = await mcp.connect({ 'x-tenant-id': 'nobody' });
    for (const [name, args] of [
      ['jira_search_issues', { q: 'zebra' }],
      ['confluence_list_spaces', {}],
      ['jira_create_issue', { project_key: 'OPS', summary: 'Should not exist' }],
    ] as const) {
      const body = errorResult(await c.callTool({ name, arguments: args }), 'NOT_CONNECTED');
      expect(body.message, name).toMatch(/jira|confluence/i);
    }
    expect(apiRequests(fake, mark)).toEqual([]);
  });

  it('tenants are isolated: B sees NOT_CONNECTED while A, on the same server, gets results', async () => {
    const a = await mcp.connect({ 'x-tenant-id': 'acme' });
    const b = await mcp.connect({ 'x-tenant-id': 'beta-co' });
    const [resA, resB] = await Promise.all([
      a.callTool({ name: 'jira_list_projects', arguments: {} }),
      b.callTool({ name: 'jira_list_projects', arguments: {} }),
    ]);
    expect(okResult<{ items: Array<{ key: string }> }>(resA).items.map((p) => p.key)).toEqual(['ACME', 'OPS', 'WEB']);
    errorResult(resB, 'NOT_CONNECTED');
    // Without X-Tenant-Id the request is the default tenant's, which has no connection either.
    const anonymous = await mcp.connect();
    errorResult(await anonymous.callTool({ name: 'jira_list_projects', arguments: {} }), 'NOT_CONNECTED');
    expect(apiRequests(fake, mark).filter((r) => r.path.endsWith('/project/search'))).toHaveLength(1);
  });

  it('a rate-limited upstream (429, Retry-After: 7) gives isError RATE_LIMITED with retry_after 7', async () => {
    fake.inject({ kind: 'status', path: '/rest/api/3/search/jql', status: 429, headers: { 'retry-after': '7' }, times: 5 });
    const c = await mcp.connect({ 'x-tenant-id': 'acme' });
    const body = errorResult(await c.callTool({ name: 'jira_search_issues', arguments: { q: 'zebra' } }), 'RATE_LIMITED');
    expect(body.retry_after).toBe(7);
    expect(body.message).toContain('7 s');
    // The budget is 0: one try, no waiting.
    expect(apiRequests(fake, mark).filter((r) => r.path.endsWith('/search/jql'))).toHaveLength(1);
  });

  it('invalid arguments give isError VALIDATION naming the field, and nothing is sent upstream', async () => {
    const c = await mcp.connect({ 'x-tenant-id': 'acme' });
    const wrongType = errorResult(await c.callTool({ name: 'jira_search_issues', arguments: { q: 'zebra', limit: 'ten' } }), 'VALIDATION');
    expect(wrongType.message).toMatch(/\blimit must be/);
    expect(wrongType.message).not.toContain('ten');
    const unknown = errorResult(await c.callTool({ name: 'confluence_search', arguments: { q: 'x', not_an_argument: 1 } }), 'VALIDATION');
    expect(unknown.message).toContain('unknown field not_an_argument');
    const missing = errorResult(await c.callTool({ name: 'jira_create_issue', arguments: { project_key: 'OPS' } }), 'VALIDATION');
    expect(missing.message).toMatch(/\bsummary is required/);
    expect(apiRequests(fake, mark)).toEqual([]);
  });

  it('an unknown tool is a JSON-RPC error -32602 naming the available tools, not a tool result', async () => {
    const c = await mcp.connect({ 'x-tenant-id': 'acme' });
    const err = await c.callTool({ name: 'jira_delete_everything', arguments: {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(McpError);
    expect((err as McpError).code).toBe(ErrorCode.InvalidParams);
    expect((err as McpError).message).toContain('jira_delete_everything');
    expect((err as McpError).message).toContain('jira_search_issues');
    expect(fake.requests.length).toBe(mark);
  });

  describe('pooled servers (one request at a time each, reused)', () => {
    const listProjects = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'jira_list_projects', arguments: {} } };
    const resultOf = (body: { result?: CallToolResult }) => body.result!;

    it('forty concurrent calls with the same JSON-RPC id from two tenants each get their own tenant’s answer', async () => {
      const tenants = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 'acme' : 'beta-co'));
      const answers = await Promise.all(
        tenants.map(async (tenant) => {
          const res = await rawMcp(svc.url, listProjects, { 'x-tenant-id': tenant });
          expect(res.status).toBe(200);
          return { tenant, body: (await res.json()) as { id: number; result?: CallToolResult } };
        }),
      );
      for (const { tenant, body } of answers) {
        expect(body.id).toBe(7);
        if (tenant === 'acme') expect(okResult<{ items: Array<{ key: string }> }>(resultOf(body)).items.map((p) => p.key)).toEqual(['ACME', 'OPS', 'WEB']);
        else errorResult(resultOf(body), 'NOT_CONNECTED');
      }
      // A tools/list right after, on a reused server, is the caller's own again.
      const list = (await (await rawMcp(svc.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'x-tenant-id': 'beta-co' })).json()) as {
        result: { tools: unknown[] };
      };
      expect(list.result.tools.length).toBe(TOOL_NAMES.length);
    });

    it('a tool result’s structuredContent and text content are the same JSON, even for a request id that looks like the splice mark', async () => {
      for (const id of [9, '\u0000structured-content\u0000']) {
        const res = await rawMcp(svc.url, { ...listProjects, id }, { 'x-tenant-id': 'acme' });
        const body = (await res.json()) as { id: unknown; result: CallToolResult };
        expect(body.id).toBe(id);
        const text = (body.result.content[0] as { text: string }).text;
        expect(JSON.parse(text)).toEqual(body.result.structuredContent);
        expect((body.result.structuredContent as { items: unknown[] }).items).toHaveLength(3);
      }
    });

    it('writes a tool result’s structuredContent from the text the tool made, without serializing the object again', async () => {
      // The SDK validates the result on its way out, which copies structuredContent's top
      // level: the splice must still find the text it was made from.
      const stringify = vi.spyOn(JSON, 'stringify');
      try {
        const res = await rawMcp(svc.url, { ...listProjects, id: 11 }, { 'x-tenant-id': 'acme' });
        const raw = await res.text();
        const body = JSON.parse(raw) as { result: CallToolResult };
        expect((body.result.structuredContent as { items: unknown[] }).items).toHaveLength(3);
        const text = (body.result.content[0] as { text: string }).text;
        // The text content and structuredContent are the very same characters in the response.
        expect(raw).toContain(`"structuredContent":${text}`);
        const whole = stringify.mock.calls.filter(([value]) => {
          const sc = (value as { result?: { structuredContent?: unknown } } | null)?.result?.structuredContent;
          return typeof sc === 'object' && sc !== null;
        });
        expect(whole).toEqual([]);
      } finally {
        stringify.mockRestore();
      }
    });

    it('a batch that cancels its own request still gets its answer (the cancellation has nothing to stop), and the server serves on', async () => {
      const res = await rawMcp(
        svc.url,
        [
          { jsonrpc: '2.0', id: 1, method: 'ping' },
          { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } },
        ],
        { 'x-tenant-id': 'acme' },
        AbortSignal.timeout(5_000),
      );
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual([{ jsonrpc: '2.0', id: 1, result: {} }]);
      const alone = await rawMcp(svc.url, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } }, { 'x-tenant-id': 'acme' }, AbortSignal.timeout(5_000));
      expect(alone.status).toBe(202);
      const next = await rawMcp(svc.url, listProjects, { 'x-tenant-id': 'acme' }, AbortSignal.timeout(5_000));
      expect(okResult<{ items: unknown[] }>(((await next.json()) as { result: CallToolResult }).result).items).toHaveLength(3);
    });

    it('a batch answers each request in order, and a notification alone is 202 with no body', async () => {
      const res = await rawMcp(
        svc.url,
        [
          { jsonrpc: '2.0', id: 'a', method: 'tools/list' },
          { jsonrpc: '2.0', method: 'notifications/initialized' },
          { jsonrpc: '2.0', id: 'b', method: 'ping' },
        ],
        { 'x-tenant-id': 'acme' },
      );
      expect(res.status).toBe(200);
      const body = (await res.json()) as Array<{ id: string; result: unknown }>;
      expect(body.map((m) => m.id)).toEqual(['a', 'b']);
      expect(body[1]!.result).toEqual({});
      const note = await rawMcp(svc.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { 'x-tenant-id': 'acme' });
      expect(note.status).toBe(202);
      expect(await note.text()).toBe('');
    });

    it('a result asked for again is the same bytes with the right Content-Length, and a changed result is answered afresh', async () => {
      const project = fake.jira.projects[0]!;
      const name = project.name;
      /** The raw answer, checked to be exactly the JSON of what it holds, its length counted in UTF-8 bytes. */
      const call = async (id: number): Promise<{ raw: string; body: { id: number; result: CallToolResult } }> => {
        const res = await rawMcp(svc.url, { ...listProjects, id }, { 'x-tenant-id': 'acme' });
        expect(res.status).toBe(200);
        const raw = await res.text();
        expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(raw, 'utf8'));
        const body = JSON.parse(raw) as { id: number; result: CallToolResult };
        expect(raw).toBe(JSON.stringify(body));
        expect(JSON.parse((body.result.content[0] as { text: string }).text)).toEqual(body.result.structuredContent);
        return { raw, body };
      };
      const names = (body: { result: CallToolResult }) => (body.result.structuredContent as { items: Array<{ name: string }> }).items.map((p) => p.name);
      try {
        // Characters outside ASCII, and ones JSON escapes in the text content: its bytes are not its characters.
        project.name = 'Ångström "ops" \\ 🚀\u2028 team';
        const first = await call(21);
        const again = await call(22);
        expect(names(first.body)).toContain(project.name);
        expect(again.raw).toBe(first.raw.replace('"id":21', '"id":22'));
        project.name = 'Ångström ops, renamed';
        const changed = await call(23);
        expect(names(changed.body)).toContain('Ångström ops, renamed');
        expect(changed.raw).not.toContain('🚀');
      } finally {
        project.name = name;
      }
    });

    it('a plain tools/call and one the SDK reads (with _meta) get the same answer, an unknown tool the same -32602', async () => {
      const withMeta = { ...listProjects, params: { ...listProjects.params, _meta: { progressToken: 'p-1' } } };
      const [plain, read] = await Promise.all(
        [listProjects, withMeta].map(async (m) => (await (await rawMcp(svc.url, m, { 'x-tenant-id': 'acme' })).json()) as { id: number; result: CallToolResult }),
      );
      expect(read).toEqual(plain);
      expect(okResult<{ items: unknown[] }>(plain!.result).items).toHaveLength(3);
      const unknown = { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'jira_nö_such_tool', arguments: {} } };
      const unknownWithMeta = { ...unknown, params: { ...unknown.params, _meta: { progressToken: 2 } } };
      const errors = await Promise.all(
        [unknown, unknownWithMeta].map(async (m) => {
          const res = await rawMcp(svc.url, m, { 'x-tenant-id': 'acme' });
          const raw = await res.text();
          expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(raw, 'utf8'));
          return JSON.parse(raw) as { error: { code: number; message: string } };
        }),
      );
      expect(errors[0]).toEqual(errors[1]);
      expect(errors[0]).toMatchObject({ jsonrpc: '2.0', id: 5, error: { code: ErrorCode.InvalidParams } });
      expect(errors[0]!.error.message).toContain('Unknown tool jira_nö_such_tool');
      // In a batch, a plain call keeps its place among the requests the SDK answers.
      const batch = (await (
        await rawMcp(svc.url, [{ jsonrpc: '2.0', id: 'p', method: 'ping' }, { ...listProjects, id: 'c' }, { jsonrpc: '2.0', id: 'l', method: 'tools/list' }], { 'x-tenant-id': 'acme' })
      ).json()) as Array<{ id: string; result: CallToolResult }>;
      expect(batch.map((m) => m.id)).toEqual(['p', 'c', 'l']);
      expect(batch[1]!.result).toEqual(plain!.result);
    });

    it('an unknown method is JSON-RPC error -32601; an unsupported MCP-Protocol-Version or a batch of 101 is 400 VALIDATION naming why', async () => {
      const unknown = (await (await rawMcp(svc.url, { jsonrpc: '2.0', id: 3, method: 'no/such' }, { 'x-tenant-id': 'acme' })).json()) as {
        id: number;
        error: { code: number };
      };
      expect(unknown).toMatchObject({ id: 3, error: { code: -32601 } });
      const res = await rawMcp(svc.url, { jsonrpc: '2.0', id: 4, method: 'tools/list' }, { 'x-tenant-id': 'acme', 'mcp-protocol-version': '1999-01-01' });
      const body = await expectErrorResponse(res, 400, 'VALIDATION');
      expect(body.message).toContain('1999-01-01');
      expect(body.message).toContain('2025-06-18');
      const batch = await rawMcp(svc.url, Array.from({ length: 101 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'ping' })), { 'x-tenant-id': 'acme' });
      expect((await expectErrorResponse(batch, 400, 'VALIDATION')).message).toContain('100');
      const twice = await rawMcp(svc.url, [1, 1].map((id) => ({ jsonrpc: '2.0', id, method: 'ping' })), { 'x-tenant-id': 'acme' });
      expect((await expectErrorResponse(twice, 400, 'VALIDATION')).message).toContain('distinct ids');
    });
  });

  it.each([
    ['an Accept without text/event-stream', createCall('Wrong accept'), { accept: 'application/json' }, 406, 'text/event-stream'],
    ['a body that is not JSON-RPC', { hello: 'world' }, {}, 400, 'JSON-RPC'],
    ['an empty batch', [], {}, 400, 'JSON-RPC'],
    ['a message of another JSON-RPC version', { jsonrpc: '1.0', id: 1, method: 'tools/list' }, {}, 400, 'JSON-RPC'],
  ] as const)('refuses %s with the standard error body (%#), running nothing', async (_what, message, headers, status, mention) => {
    const before = fake.jira.createdIssues.length;
    const res = await rawMcp(svc.url, message, { 'x-tenant-id': 'acme', ...headers });
    const body = await expectErrorResponse(res, status, 'VALIDATION');
    expect(body.message).toContain(mention);
    expect(fake.jira.createdIssues.length).toBe(before);
  });

  describe('Origin', () => {
    it('a foreign Origin gets 403 with the standard error body naming it, and the tool does not run', async () => {
      const before = fake.jira.createdIssues.length;
      const res = await rawMcp(svc.url, createCall('From a foreign page'), { 'x-tenant-id': 'acme', origin: 'https://evil.example' });
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toEqual({ status: 'error', code: 'FORBIDDEN', message: expect.stringContaining('https://evil.example') });
      expect(fake.jira.createdIssues.length).toBe(before);
      expect(apiRequests(fake, mark)).toEqual([]);

      // The SDK client sending that Origin cannot even initialize.
      await expect(mcp.connect({ 'x-tenant-id': 'acme', origin: 'https://evil.example' })).rejects.toThrow(/403|FORBIDDEN/);
    });

    it('the configured origin is served, with Access-Control-Allow-Origin (the same request a foreign origin could not make)', async () => {
      const before = fake.jira.createdIssues.length;
      const res = await rawMcp(svc.url, createCall('From the app'), { 'x-tenant-id': 'acme', origin: APP_ORIGIN });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
      const message = (await res.json()) as { jsonrpc: string; id: number; result: { isError?: boolean; structuredContent: { key: string } } };
      expect(message.jsonrpc).toBe('2.0');
      expect(message.id).toBe(1);
      expect(message.result.isError ?? false).toBe(false);
      expect(message.result.structuredContent.key).toMatch(/^OPS-\d+$/);
      expect(fake.jira.createdIssues.length).toBe(before + 1);

      const c = await mcp.connect({ 'x-tenant-id': 'acme', origin: APP_ORIGIN });
      expect((await c.listTools()).tools).toHaveLength(TOOL_NAMES.length);
    });

    it('a request without any Origin header is served', async () => {
      const res = await rawRequest(svc.url, {
        method: 'POST',
        path: '/mcp',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'x-tenant-id': 'acme' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }),
      });
      expect(res.status, res.text).toBe(200);
      const message = JSON.parse(res.text) as { id: number; result: { tools: Array<{ name: string }> } };
      expect(message.id).toBe(7);
      expect(message.result.tools.map((t) => t.name)).toEqual(TOOL_NAMES);
    });
  });

  it('requests whose params are not what MCP defines get -32602 naming the field; the rest of the batch is answered', async () => {
    const mark = fake.requests.length;
    const res = await rawMcp(svc.url, [
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'jira_list_projects', arguments: [] } },
      { jsonrpc: '2.0', id: 2, method: 'tools/list', params: { cursor: 5 } },
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { arguments: {} } },
      { jsonrpc: '2.0', id: 4, method: 'ping' },
    ], { 'x-tenant-id': 'acme' });
    expect(res.status).toBe(200);
    const answers = (await res.json()) as Array<{ id: number; result?: unknown; error?: { code: number; message: string } }>;
    expect(answers.map((a) => a.id)).toEqual([1, 2, 3, 4]);
    expect(answers[0]!.error).toEqual({ code: -32602, message: expect.stringMatching(/^Invalid tools\/call request: params\.arguments: .*record/) });
    expect(answers[1]!.error).toEqual({ code: -32602, message: expect.stringMatching(/^Invalid tools\/list request: params\.cursor: /) });
    expect(answers[2]!.error).toEqual({ code: -32602, message: expect.stringMatching(/^Invalid tools\/call request: params\.name: /) });
    expect(answers[3]).toEqual({ jsonrpc: '2.0', id: 4, result: {} });
    // Nothing reached Atlassian.
    expect(fake.requests.length).toBe(mark);
  });

  it.each(['GET', 'DELETE'])('%s /mcp answers 405 with the standard error body (no SSE stream, no sessions)', async (method) => {
    const res = await fetch(`${svc.url}/mcp`, { method, headers: { accept: 'text/event-stream', 'x-tenant-id': 'acme' } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ status: 'error', code: 'VALIDATION', message: expect.stringContaining('POST') });
  });
});

describe('MCP over Streamable HTTP with TOOLS_READ_ONLY=true and no CORS origins', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  const mcp = clients(() => svc.url);

  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake, { TOOLS_READ_ONLY: 'true' }) });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
  });
  afterAll(async () => {
    await svc?.close();
    await fake?.close();
  });
  afterEach(() => mcp.closeAll());

  it('lists only the four read tools, all read-only', async () => {
    const c = await mcp.connect({ 'x-tenant-id': 'acme' });
    const { tools } = await c.listTools();
    expect(tools.map((t) => t.name)).toEqual(READ_TOOLS);
    expect(tools.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
    const rest = await restClient(svc.url, 'acme').get('/connectors/tools');
    expectSameTools(tools, rest.body.tools as ToolDescription[]);
  });

  it.each([
    ['jira_create_issue', { project_key: 'OPS', summary: 'Read-only says no' }],
    ['confluence_create_page', { space_key: 'ENG', title: 'Read-only says no', body: 'x' }],
  ])('refuses %s with isError FORBIDDEN naming TOOLS_READ_ONLY, and the fake sees no create', async (name, args) => {
    const mark = fake.requests.length;
    const c = await mcp.connect({ 'x-tenant-id': 'acme' });
    const body = errorResult(await c.callTool({ name, arguments: args }), 'FORBIDDEN');
    expect(body.message).toContain('TOOLS_READ_ONLY');
    expect(fake.jira.createdIssues).toEqual([]);
    expect(fake.confluence.createdPages).toEqual([]);
    expect(fake.requests.length).toBe(mark);
  });

  it('still runs the read tools', async () => {
    const c = await mcp.connect({ 'x-tenant-id': 'acme' });
    const result = okResult<{ items: unknown[] }>(await c.callTool({ name: 'confluence_list_spaces', arguments: {} }));
    expect(result.items).toHaveLength(3);
  });

  it('with no origins configured, a request carrying any Origin is refused with 403', async () => {
    const res = await rawMcp(svc.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'x-tenant-id': 'acme', origin: 'http://localhost:3000' });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ status: 'error', code: 'FORBIDDEN', message: expect.stringContaining('http://localhost:3000') });
  });
});
