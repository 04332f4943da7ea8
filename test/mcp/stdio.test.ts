/**
 * `integration-backend mcp --tenant <id>` (dist/bundle/cli.mjs, built by the global setup)
 * as an MCP client runs it: a child process with a minimal environment, on a SQLite file
 * seeded with a real OAuth connection (made through the service against the fake
 * Atlassian), speaking MCP on stdin/stdout with its logs on stderr.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { markdownToAdf } from '../../src/domain/markup/adf.js';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService } from '../support/service.js';
import { apiRequests } from '../operations/support.js';
import { errorResult, expectSameTools, okResult, READ_TOOLS, TOOL_NAMES, zebraIssue, type ToolDescription } from './support.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'dist/bundle/cli.mjs');

/** Splits a stream into lines as they arrive (the last, unterminated piece is kept until more comes). */
function collectLines(stream: EventEmitter, into: string[]): void {
  let rest = '';
  stream.on('data', (chunk: Buffer | string) => {
    rest += chunk.toString();
    const parts = rest.split('\n');
    rest = parts.pop() ?? '';
    into.push(...parts.filter((l) => l !== ''));
  });
  stream.on('end', () => {
    if (rest !== '') into.push(rest);
    rest = '';
  });
}

/**
 * A client transport over a child process this test spawns itself, so that it sees every
 * byte the server writes to stdout (the SDK's StdioClientTransport hides them) and the
 * process's exit code.
 */
class ObservedStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T) => void;
  readonly stdoutLines: string[] = [];
  readonly stderrLines: string[] = [];
  readonly sent: JSONRPCMessage[] = [];
  private child: ChildProcess | undefined;
  private exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;

  constructor(private readonly params: { args: string[]; env: Record<string, string>; cwd: string }) {}

  start(): Promise<void> {
    const child = spawn(process.execPath, [CLI, ...this.params.args], { env: this.params.env, cwd: this.params.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    collectLines(child.stderr!, this.stderrLines);
    let rest = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      rest += chunk.toString('utf8');
      const lines = rest.split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        this.stdoutLines.push(line);
        try {
          this.onmessage?.(JSONRPCMessageSchema.parse(JSON.parse(line)));
        } catch (err) {
          this.onerror?.(err as Error);
        }
      }
    });
    child.stdout!.on('end', () => {
      if (rest !== '') this.stdoutLines.push(rest);
    });
    child.once('close', () => this.onclose?.());
    return new Promise((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', reject);
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    this.sent.push(message);
    return new Promise((resolve, reject) => this.child!.stdin!.write(`${JSON.stringify(message)}\n`, (err) => (err ? reject(err) : resolve())));
  }

  /** Ends the child's stdin, as an MCP client does to end the session; `exited()` tells how it ended. */
  async close(): Promise<void> {
    this.child?.stdin?.end();
  }

  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.exit!;
  }

  kill(): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** Runs the CLI to completion with stdin closed. */
function runCli(args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`integration-backend ${args.join(' ')} did not exit within 15 s: ${stderr}`));
    }, 15_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const parseJsonLine = (line: string): Record<string, unknown> => JSON.parse(line) as Record<string, unknown>;

describe('MCP over stdio (integration-backend mcp --tenant <id>)', () => {
  let fake: FakeAtlassian;
  let dir: string;
  let env: (extra?: Record<string, string>) => Record<string, string>;
  let inProcessTools: ToolDescription[];
  const open: Array<{ client: Client; stderr: string[] }> = [];
  let mark = 0;

  /** Starts the server for a tenant through the SDK's StdioClientTransport and connects a client. */
  async function stdioClient(tenant: string, extra: Record<string, string> = {}): Promise<{ client: Client; stderr: string[]; transport: StdioClientTransport }> {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'mcp', '--tenant', tenant],
      env: env(extra),
      cwd: dir,
      stderr: 'pipe',
    });
    const stderr: string[] = [];
    collectLines(transport.stderr!, stderr);
    const client = new Client({ name: 'mcp-stdio-test', version: '1.0.0' });
    await client.connect(transport);
    open.push({ client, stderr });
    return { client, stderr, transport };
  }

  beforeAll(async () => {
    fake = await startFakeAtlassian();
    fake.jira.issues.push(zebraIssue());
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-stdio-'));
    const file = path.join(dir, 'integration.db');
    const key = randomBytes(32).toString('base64');
    // Connect tenant acme through the real OAuth flow, into the file the CLI will open.
    const seed = await startTestService({ env: oauthEnv(fake, { INTEGRATION_DB_URL: `sqlite:///${file}`, INTEGRATION_ENCRYPTION_KEY: key }) });
    try {
      expect((await connect(seed.url, fake, { tenant: 'acme' })).status).toBe(302);
      inProcessTools = [...seed.service.useCases.tools.list()] as ToolDescription[];
    } finally {
      await seed.close();
    }
    expect(fs.existsSync(file)).toBe(true);
    // What a user would put in an MCP client's config: the database, the key, and (here) where Atlassian is.
    env = (extra = {}) => ({
      PATH: process.env['PATH'] ?? '',
      INTEGRATION_DB_URL: `sqlite:///${file}`,
      INTEGRATION_ENCRYPTION_KEY: key,
      ATLASSIAN_API_BASE_URL: fake.url,
      ATLASSIAN_AUTH_BASE_URL: fake.url,
      ATLASSIAN_RETRY_BUDGET_MS: '0',
      LOG_LEVEL: 'info',
      ...extra,
    });
  }, 60_000);
  afterAll(async () => {
    await fake?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    fake.clearFaults();
    mark = fake.requests.length;
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map(({ client }) => client.close()));
  });

  it('lists the six tools with the same names, descriptions and schemas as InvokeTool in-process', async () => {
    const { client, stderr } = await stdioClient('acme');
    expect(client.getServerVersion()?.name).toBe('integration-backend');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(TOOL_NAMES);
    expectSameTools(tools, inProcessTools);
    // Its logs went to stderr, as JSON lines.
    expect(stderr.map(parseJsonLine).some((l) => l['msg'] === 'mcp server ready on stdio' && l['tenant'] === 'acme')).toBe(true);
  });

  it('runs a read tool against the fake with the stored OAuth connection', async () => {
    const { client } = await stdioClient('acme');
    const result = okResult<{ items: Array<Record<string, unknown>>; next_cursor: string | null }>(
      await client.callTool({ name: 'jira_search_issues', arguments: { q: 'zebra' } }),
    );
    expect(result.items.map((i) => [i['key'], i['summary'], i['url']])).toEqual([
      ['OPS-999', 'Zebra crossing sensor drops packets', 'https://acme.atlassian.net/browse/OPS-999'],
    ]);
    const searches = apiRequests(fake, mark).filter((r) => r.path.endsWith('/rest/api/3/search/jql'));
    expect(searches).toHaveLength(1);
    expect(searches[0]!.path).toMatch(/^\/ex\/jira\/11111111-1111-4111-8111-111111111111\//);
    expect(searches[0]!.headers.authorization).toMatch(/^Bearer \S+$/);

    const spaces = okResult<{ items: Array<{ key: string }> }>(await client.callTool({ name: 'confluence_list_spaces', arguments: {} }));
    expect(spaces.items.map((s) => s.key)).toEqual(['ENG', 'OPS', '~5570581a2b3c4d5e6f']);
  });

  it('runs a write tool: the fake receives the create request', async () => {
    const before = fake.jira.createdIssues.length;
    const { client } = await stdioClient('acme');
    const created = okResult<{ key: string; url: string }>(
      await client.callTool({ name: 'jira_create_issue', arguments: { project_key: 'WEB', summary: 'From stdio', description: 'Hello *there*', issue_type: 'Story' } }),
    );
    expect(created.key).toMatch(/^WEB-\d+$/);
    expect(created.url).toBe(`https://acme.atlassian.net/browse/${created.key}`);
    expect(fake.jira.createdIssues.slice(before)).toEqual([
      { fields: { project: { key: 'WEB' }, summary: 'From stdio', issuetype: { name: 'Story' }, description: markdownToAdf('Hello *there*') } },
    ]);
  });

  it('a tenant without a connection (another server, --tenant nobody) gets isError NOT_CONNECTED', async () => {
    const { client } = await stdioClient('nobody');
    errorResult(await client.callTool({ name: 'jira_search_issues', arguments: { q: 'zebra' } }), 'NOT_CONNECTED');
    errorResult(await client.callTool({ name: 'confluence_create_page', arguments: { space_key: 'ENG', title: 'No', body: 'x' } }), 'NOT_CONNECTED');
    expect(apiRequests(fake, mark)).toEqual([]);
  });

  it('a rate-limited upstream gives isError RATE_LIMITED with retry_after from Retry-After', async () => {
    fake.inject({ kind: 'status', path: '/wiki/rest/api/search', status: 429, headers: { 'retry-after': '7' }, times: 5 });
    const { client } = await stdioClient('acme');
    const body = errorResult(await client.callTool({ name: 'confluence_search', arguments: { q: 'runbook' } }), 'RATE_LIMITED');
    expect(body.retry_after).toBe(7);
    expect(apiRequests(fake, mark).filter((r) => r.path.endsWith('/wiki/rest/api/search'))).toHaveLength(1);
  });

  it('invalid arguments give isError VALIDATION naming the field', async () => {
    const { client } = await stdioClient('acme');
    const body = errorResult(await client.callTool({ name: 'jira_list_projects', arguments: { limit: 'ten' } }), 'VALIDATION');
    expect(body.message).toMatch(/\blimit must be/);
    expect(apiRequests(fake, mark)).toEqual([]);
  });

  it('a request whose params are not what MCP defines gets -32602 Invalid params naming the field, not an internal error', async () => {
    const { client } = await stdioClient('acme');
    // The SDK client sends what it is given; the server's protocol layer would have answered -32603.
    const call = client.callTool({ name: 'jira_list_projects', arguments: ['ten'] as unknown as Record<string, unknown> });
    await expect(call).rejects.toMatchObject({ code: -32602, message: expect.stringMatching(/Invalid tools\/call request: params\.arguments: .*record/) });
    expect(apiRequests(fake, mark)).toEqual([]);
    // The server goes on answering.
    expect((await client.listTools()).tools.length).toBeGreaterThan(40);
  });

  it('with TOOLS_READ_ONLY=true it lists the four read tools and refuses jira_create_issue with FORBIDDEN', async () => {
    const before = fake.jira.createdIssues.length;
    const { client } = await stdioClient('acme', { TOOLS_READ_ONLY: 'true' });
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(READ_TOOLS);
    expectSameTools(tools, inProcessTools.filter((d) => d.read_only));
    const body = errorResult(await client.callTool({ name: 'jira_create_issue', arguments: { project_key: 'OPS', summary: 'Nope' } }), 'FORBIDDEN');
    expect(body.message).toContain('TOOLS_READ_ONLY');
    expect(fake.jira.createdIssues.length).toBe(before);
    expect(apiRequests(fake, mark)).toEqual([]);
  });

  it('writes only JSON-RPC messages to stdout, JSON log lines to stderr, and exits 0 when stdin closes', async () => {
    fake.inject({ kind: 'status', path: '/rest/api/3/project/search', status: 429, headers: { 'retry-after': '3' } });
    const transport = new ObservedStdioTransport({ args: ['mcp', '--tenant', 'acme'], env: env({ LOG_LEVEL: 'debug' }), cwd: dir });
    const client = new Client({ name: 'mcp-stdio-observer', version: '1.0.0' });
    const transportErrors: Error[] = [];
    client.onerror = (err) => transportErrors.push(err);
    try {
      await client.connect(transport);
      await client.listTools();
      okResult(await client.callTool({ name: 'jira_search_issues', arguments: { q: 'zebra' } }));
      errorResult(await client.callTool({ name: 'jira_list_projects', arguments: {} }), 'RATE_LIMITED');
      errorResult(await client.callTool({ name: 'jira_search_issues', arguments: { limit: 0 } }), 'VALIDATION');
      await expect(client.callTool({ name: 'no_such_tool', arguments: {} })).rejects.toThrow(/no_such_tool/);
      await client.close();
      const { code, signal } = await transport.exited();
      expect(signal).toBeNull();
      expect(code).toBe(0);
    } finally {
      transport.kill();
    }
    expect(transportErrors).toEqual([]);

    // stdout: one JSON-RPC 2.0 response per request the client sent, and nothing else.
    const requests = transport.sent.filter((m) => 'id' in m && 'method' in m);
    expect(transport.stdoutLines).toHaveLength(requests.length);
    const ids = transport.stdoutLines.map((line) => {
      const message = JSON.parse(line) as Record<string, unknown>;
      expect(message['jsonrpc']).toBe('2.0');
      expect(JSONRPCMessageSchema.safeParse(message).success, line).toBe(true);
      expect('result' in message || 'error' in message, line).toBe(true);
      return message['id'];
    });
    expect(ids).toEqual(requests.map((r) => (r as { id: unknown }).id));

    // stderr: pino JSON lines only, from start to the orderly stop.
    expect(transport.stderrLines.length).toBeGreaterThan(0);
    const logs = transport.stderrLines.map(parseJsonLine);
    for (const l of logs) {
      expect(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).toContain(l['level']);
      expect(l['service']).toBe('integration-backend');
      expect(typeof l['time']).toBe('string');
      expect(typeof l['msg']).toBe('string');
    }
    const messages = logs.map((l) => l['msg']);
    expect(messages).toContain('mcp server ready on stdio');
    // It signs no OAuth state, so it does not warn about STATE_SIGNING_SECRET as the HTTP service does.
    expect(messages.filter((m) => String(m).includes('STATE_SIGNING_SECRET'))).toEqual([]);
    expect(logs.find((l) => l['msg'] === 'mcp server stopping')?.['why']).toBe('stdin closed');
  });

  it('answers a request still running when the client closes stdin, then exits 0', async () => {
    fake.inject({ kind: 'delay', path: '/rest/api/3/project/search', ms: 700 });
    const child = spawn(process.execPath, [CLI, 'mcp', '--tenant', 'acme'], { env: env(), cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // One request, then end of input at once: the answer must still come out.
    child.stdin.end(`${JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'jira_list_projects', arguments: {} } })}\n`);
    expect(await exited).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const answer = JSON.parse(lines[0]!) as { id: number; result: { isError?: boolean; structuredContent: { items: unknown[] } } };
    expect(answer.id).toBe(7);
    expect(answer.result.isError).toBeUndefined();
    expect(answer.result.structuredContent.items.length).toBeGreaterThan(0);
  });

  it('`mcp` without --tenant exits 2 with the usage on stderr and nothing on stdout', async () => {
    const res = await runCli(['mcp'], env(), dir);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('--tenant <id> is required.');
    expect(res.stderr).toContain('Usage: integration-backend <command> [options]');
    expect(res.stderr).toContain('mcp --tenant <id>');
  });

  it('`mcp --tenant` with an invalid tenant id exits 2 naming the rule', async () => {
    const res = await runCli(['mcp', '--tenant', 'not a tenant!'], env(), dir);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('--tenant must be 1-128 characters');
  });

  it('another encryption key than the one the credentials were sealed with exits 1 before serving', async () => {
    const res = await runCli(['mcp', '--tenant', 'acme'], env({ INTEGRATION_ENCRYPTION_KEY: randomBytes(32).toString('base64') }), dir);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('INTEGRATION_ENCRYPTION_KEY changed');
    // and the right key still works afterwards: nothing was re-sealed or marked
    const { client } = await stdioClient('acme');
    okResult(await client.callTool({ name: 'jira_list_projects', arguments: { limit: 1 } }));
  });

  it('a bad configuration exits 1 with the message on stderr and nothing on stdout', async () => {
    const res = await runCli(['mcp', '--tenant', 'acme'], env({ INTEGRATION_DB_URL: 'mysql://db/app' }), dir);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('INTEGRATION_DB_URL uses the unsupported scheme "mysql"');
  });
});
