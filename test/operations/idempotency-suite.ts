/**
 * Writes with an Idempotency-Key (REST) or idempotency_key (tools/invoke, MCP) against the
 * fake Atlassian, on whichever database the caller starts the service with: one created
 * issue for 50 concurrent identical requests; a replay answers the first status and body
 * without calling Atlassian; another payload is a 422; a request still running makes a
 * retry a 409; keys are per tenant; a key is forgotten after IDEMPOTENCY_TTL_HOURS; a
 * 5xx releases the key; a malformed key is a 400.
 */
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { apiRequests, type ApiResponse } from './support.js';

const read = async (res: Response): Promise<ApiResponse> => {
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, text, body };
};

export function describeIdempotentWrites(name: string, database: () => Promise<Record<string, string>>): void {
  describe(`Idempotency-Key on writes (${name})`, () => {
    let fake: FakeAtlassian;
    let svc: TestService;
    let shift = 0;
    let n = 0;
    const freshKey = () => `key-${Date.now()}-${++n}`;

    beforeAll(async () => {
      fake = await startFakeAtlassian();
      svc = await startTestService({
        env: { ...oauthEnv(fake), ...(await database()), IDEMPOTENCY_TTL_HOURS: '2' },
        overrides: { clock: { now: () => new Date(Date.now() + shift) } },
      });
      expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
      expect((await connect(svc.url, fake, { tenant: 'beta' })).status).toBe(302);
    }, 60_000);
    afterAll(async () => {
      await svc?.close();
      await fake?.close();
    });

    const create = async (key: string | undefined, body: unknown, tenant = 'acme'): Promise<ApiResponse> =>
      read(
        await fetch(`${svc.url}/connectors/jira/create`, {
          method: 'POST',
          headers: { 'x-tenant-id': tenant, 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }) },
          body: JSON.stringify(body),
        }),
      );
    const invoke = async (args: Record<string, unknown>, tenant = 'acme'): Promise<ApiResponse> =>
      read(
        await fetch(`${svc.url}/connectors/tools/invoke`, {
          method: 'POST',
          headers: { 'x-tenant-id': tenant, 'content-type': 'application/json' },
          body: JSON.stringify({ tool: 'jira_create_issue', arguments: args }),
        }),
      );

    it('50 concurrent identical requests with one key create ONE issue; the others replay it or are told it is running (409)', async () => {
      const before = fake.jira.createdIssues.length;
      const key = freshKey();
      const body = { project_key: 'OPS', summary: 'Fifty at once' };
      const answers = await Promise.all(Array.from({ length: 50 }, () => create(key, body)));
      expect(fake.jira.createdIssues.length - before).toBe(1);
      const created = answers.filter((a) => a.status === 201);
      expect(created.length).toBeGreaterThanOrEqual(1);
      for (const a of answers) expect([201, 409], a.text).toContain(a.status);
      for (const a of answers.filter((x) => x.status === 409)) expect(a.body).toMatchObject({ status: 'error', code: 'CONFLICT' });
      expect(new Set(created.map((a) => a.text)).size).toBe(1);
      // Once it has answered, a retry replays it.
      const retry = await create(key, body);
      expect(retry.status).toBe(201);
      expect(retry.text).toBe(created[0]!.text);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(fake.jira.createdIssues.length - before).toBe(1);
    });

    it('a replay answers the same status and body without calling Atlassian; the first answer is not marked replayed', async () => {
      const key = freshKey();
      const body = { project_key: 'OPS', summary: 'Once only', description: 'A *body*' };
      const first = await create(key, body);
      expect(first.status, first.text).toBe(201);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      const mark = fake.requests.length;
      const second = await create(key, { description: 'A *body*', summary: 'Once only', project_key: 'OPS' });
      expect(second.status).toBe(201);
      expect(second.body).toEqual(first.body);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      expect(apiRequests(fake, mark)).toEqual([]);
    });

    it('the same key with another payload is a 422 VALIDATION, and nothing is sent to Atlassian', async () => {
      const key = freshKey();
      expect((await create(key, { project_key: 'OPS', summary: 'First' })).status).toBe(201);
      const mark = fake.requests.length;
      const other = await create(key, { project_key: 'OPS', summary: 'Second' });
      expect(other.status, other.text).toBe(422);
      expect(other.body).toMatchObject({ status: 'error', code: 'VALIDATION' });
      expect(other.body.message).toContain('Idempotency-Key');
      expect(apiRequests(fake, mark)).toEqual([]);
    });

    it('a retry while the first request is still running is a 409 CONFLICT; the first then completes and replays', async () => {
      const before = fake.jira.createdIssues.length;
      const key = freshKey();
      const body = { project_key: 'OPS', summary: 'Slow one' };
      fake.inject({ kind: 'delay', path: '/rest/api/3/issue', method: 'POST', ms: 1500 });
      const first = create(key, body);
      await new Promise((r) => setTimeout(r, 700));
      const during = await create(key, body);
      expect(during.status, during.text).toBe(409);
      expect(during.body).toMatchObject({ status: 'error', code: 'CONFLICT' });
      expect(during.body.message).toContain('still running');
      const done = await first;
      expect(done.status, done.text).toBe(201);
      const after = await create(key, body);
      expect(after.body).toEqual(done.body);
      expect(fake.jira.createdIssues.length - before).toBe(1);
    });

    it('keys are per tenant: tenant beta with the same key creates its own issue', async () => {
      const before = fake.jira.createdIssues.length;
      const key = freshKey();
      const body = { project_key: 'OPS', summary: 'Per tenant' };
      const a = await create(key, body, 'acme');
      const b = await create(key, body, 'beta');
      expect([a.status, b.status]).toEqual([201, 201]);
      expect(b.headers.get('idempotent-replayed')).toBeNull();
      expect(b.body.key).not.toBe(a.body.key);
      expect(fake.jira.createdIssues.length - before).toBe(2);
      // And a different payload under beta's key does not collide with acme's.
      expect((await create(key, { project_key: 'OPS', summary: 'Other' }, 'beta')).status).toBe(422);
    });

    it('a key is forgotten after IDEMPOTENCY_TTL_HOURS: the same request then runs again', async () => {
      const before = fake.jira.createdIssues.length;
      const key = freshKey();
      const body = { project_key: 'OPS', summary: 'Expires' };
      expect((await create(key, body)).status).toBe(201);
      shift = 2 * 3_600_000 - 60_000;
      expect((await create(key, body)).headers.get('idempotent-replayed')).toBe('true');
      shift = 2 * 3_600_000 + 1000;
      try {
        const again = await create(key, body);
        expect(again.status).toBe(201);
        expect(again.headers.get('idempotent-replayed')).toBeNull();
        expect(fake.jira.createdIssues.length - before).toBe(2);
      } finally {
        shift = 0;
      }
    });

    it('an Atlassian 5xx is not stored: the key is released and a retry runs; a 4xx from Atlassian is stored and replayed', async () => {
      const key = freshKey();
      const body = { project_key: 'OPS', summary: 'After a failure' };
      fake.inject({ kind: 'status', path: '/rest/api/3/issue', method: 'POST', status: 503, times: 1 });
      const failed = await create(key, body);
      expect(failed.status, failed.text).toBe(502);
      const before = fake.jira.createdIssues.length;
      const retried = await create(key, body);
      expect(retried.status, retried.text).toBe(201);
      expect(retried.headers.get('idempotent-replayed')).toBeNull();
      expect(fake.jira.createdIssues.length - before).toBe(1);

      const refusedKey = freshKey();
      const bad = { project_key: 'OPS', summary: 'Bug without severity', issue_type: 'Bug' };
      const refused = await create(refusedKey, bad);
      expect(refused.status, refused.text).toBe(400);
      const mark = fake.requests.length;
      const replayed = await create(refusedKey, bad);
      expect(replayed.status).toBe(400);
      expect(replayed.body).toEqual(refused.body);
      expect(replayed.headers.get('idempotent-replayed')).toBe('true');
      expect(apiRequests(fake, mark)).toEqual([]);
    });

    it('a malformed key is a 400 naming the header: empty, longer than 255 characters, not printable ASCII', async () => {
      const before = fake.jira.createdIssues.length;
      for (const key of ['', '   ', 'k'.repeat(256), 'tab\there']) {
        const res = await create(key, { project_key: 'OPS', summary: 'Bad key' });
        expect(res.status, `${JSON.stringify(key)}: ${res.text}`).toBe(400);
        expect(res.body).toMatchObject({ status: 'error', code: 'VALIDATION' });
        expect(res.body.message).toContain('Idempotency-Key');
      }
      expect((await create('k'.repeat(255), { project_key: 'OPS', summary: 'Longest key' })).status).toBe(201);
      expect((await create('"quoted-key"', { project_key: 'OPS', summary: 'Quoted key' })).status).toBe(201);
      expect(fake.jira.createdIssues.length - before).toBe(2);
    });

    it('tools/invoke and MCP take idempotency_key: one issue for the key, replayed by either, 422 for other arguments, 400 for a bad key', async () => {
      const before = fake.jira.createdIssues.length;
      const key = freshKey();
      const args = { project_key: 'OPS', summary: 'By a tool', idempotency_key: key };
      const first = await invoke(args);
      expect(first.status, first.text).toBe(200);
      const second = await invoke(args);
      expect(second.body).toEqual(first.body);
      const mcp = new McpClient({ name: 'idempotency', version: '1.0.0' });
      await mcp.connect(new StreamableHTTPClientTransport(new URL('/mcp', svc.url), { requestInit: { headers: { 'x-tenant-id': 'acme' } } }));
      try {
        const { tools } = await mcp.listTools();
        const create = tools.find((t) => t.name === 'jira_create_issue')!;
        expect(Object.keys(create.inputSchema.properties ?? {})).toContain('idempotency_key');
        expect(Object.keys(tools.find((t) => t.name === 'jira_search_issues')!.inputSchema.properties ?? {})).not.toContain('idempotency_key');
        const viaMcp = await mcp.callTool({ name: 'jira_create_issue', arguments: args });
        expect(viaMcp.isError).not.toBe(true);
        expect(viaMcp.structuredContent).toEqual(first.body.result);
        expect(fake.jira.createdIssues.length - before).toBe(1);
        const other = await mcp.callTool({ name: 'jira_create_issue', arguments: { ...args, summary: 'Other' } });
        expect(other.isError).toBe(true);
        const text = (other.content as Array<{ text: string }>)[0]!.text;
        expect(JSON.parse(text)).toMatchObject({ status: 'error', code: 'VALIDATION' });
        const bad = await mcp.callTool({ name: 'jira_create_issue', arguments: { ...args, idempotency_key: 'bell\u0007' } });
        expect(bad.isError).toBe(true);
        expect(JSON.parse((bad.content as Array<{ text: string }>)[0]!.text)).toMatchObject({ code: 'VALIDATION' });
      } finally {
        await mcp.close();
      }
      const reused = await invoke({ ...args, summary: 'Other again' });
      expect(reused.status, reused.text).toBe(422);
      const long = await invoke({ ...args, idempotency_key: 'k'.repeat(256) });
      expect(long.status).toBe(400);
      expect(long.body.message).toContain('idempotency_key');
      // A read tool has no such argument: its codec refuses it.
      const read = await fetch(`${svc.url}/connectors/tools/invoke`, {
        method: 'POST',
        headers: { 'x-tenant-id': 'acme', 'content-type': 'application/json' },
        body: JSON.stringify({ tool: 'jira_search_issues', arguments: { q: 'x', idempotency_key: key } }),
      });
      expect(read.status).toBe(400);
      expect(fake.jira.createdIssues.length - before).toBe(1);
    });
  });
}
