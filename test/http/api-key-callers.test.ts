/**
 * AUTH_MODE=api_key over every driving adapter: REST routes, tools/invoke and MCP over HTTP
 * (with the SDK's client passing the bearer). Missing, malformed, unknown, expired and
 * revoked keys answer the same 401; scopes, tenants and operator keys answer 403 naming
 * what is wrong; the OAuth connect takes its tenant from the key; and the headers.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewApiKey } from '../../src/application/api-keys.js';
import { UNAUTHENTICATED_MESSAGE } from '../../src/domain/caller.js';
import { READ_TOOLS, TOOL_NAMES } from '../mcp/support.js';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { expectErrorResponse } from '../support/http.js';
import { oauthEnv, stateCookieOf } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';

type Svc = TestService;

async function issue(svc: Svc, input: NewApiKey): Promise<{ key: string; id: string }> {
  const r = await svc.service.useCases.apiKeys.create(input)();
  if (E.isLeft(r)) throw new Error(r.left.message);
  return { key: r.right.key, id: r.right.view.id };
}

const bearer = (key: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${key}`, ...extra });

async function expectUnauthenticated(res: Response): Promise<void> {
  const body = await expectErrorResponse(res, 401, 'UNAUTHORIZED');
  expect(body.message).toBe(UNAUTHENTICATED_MESSAGE);
  expect(res.headers.get('www-authenticate')).toMatch(/^Bearer resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource(\/mcp)?"$/);
  expect(res.headers.get('cache-control')).toBe('no-store');
}

const mcpClient = async (svc: Svc, key: string): Promise<McpClient> => {
  const c = new McpClient({ name: 'auth-test', version: '1.0.0' });
  await c.connect(new StreamableHTTPClientTransport(new URL('/mcp', svc.url), { requestInit: { headers: bearer(key) } }));
  return c;
};

const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

describe('AUTH_MODE=api_key', () => {
  let fake: FakeAtlassian;
  let svc: Svc;
  let reader: string;
  let writer: string;
  let admin: string;
  let adminId: string;
  let operator: string;
  let otherTenant: string;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake, { AUTH_MODE: 'api_key' }) });
    reader = (await issue(svc, { tenantId: 'acme' as never, scopes: ['read'], name: 'reader' })).key;
    writer = (await issue(svc, { tenantId: 'acme' as never, scopes: ['read', 'write'] })).key;
    const a = await issue(svc, { tenantId: 'acme' as never, scopes: ['read', 'write', 'admin'] });
    admin = a.key;
    adminId = a.id;
    operator = (await issue(svc, { operator: true, scopes: ['admin'], name: 'ops' })).key;
    otherTenant = (await issue(svc, { tenantId: 'globex' as never, scopes: ['read', 'write', 'admin'] })).key;
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  describe('refusals without a usable key', () => {
    it('answers 401 with the same body and a Bearer challenge for a missing, malformed, unknown, expired or revoked key, on REST, tools/invoke and MCP', async () => {
      const expired = await issue(svc, { tenantId: 'acme' as never, scopes: ['read'], expiresInSeconds: 1 });
      const revoked = await issue(svc, { tenantId: 'acme' as never, scopes: ['read'] });
      expect(E.isRight(await svc.service.useCases.apiKeys.revoke(revoked.id)())).toBe(true);
      await new Promise((r) => setTimeout(r, 1100));
      const unknown = `ibk_${'A'.repeat(43)}`;
      const authorizations: Array<Record<string, string>> = [
        {},
        { authorization: 'Basic dXNlcjpwYXNz' },
        { authorization: 'Bearer' },
        { authorization: `Bearer ${reader} extra` },
        { authorization: 'Bearer not-a-key' },
        bearer(unknown),
        bearer(expired.key),
        bearer(revoked.key),
      ];
      for (const headers of authorizations) {
        await expectUnauthenticated(await fetch(`${svc.url}/connectors`, { headers }));
        await expectUnauthenticated(
          await fetch(`${svc.url}/connectors/tools/invoke`, {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json' },
            body: JSON.stringify({ tool: 'jira_list_projects', arguments: {} }),
          }),
        );
        const mcp = await fetch(`${svc.url}/mcp`, { method: 'POST', headers: { ...headers, ...MCP_HEADERS }, body: INITIALIZE });
        await expectUnauthenticated(mcp);
        expect(mcp.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${svc.url}/.well-known/oauth-protected-resource/mcp"`);
      }
    });

    it('the MCP SDK client without a bearer cannot connect; with one it can', async () => {
      const c = new McpClient({ name: 'no-key', version: '1.0.0' });
      await expect(c.connect(new StreamableHTTPClientTransport(new URL('/mcp', svc.url)))).rejects.toThrow();
      const ok = await mcpClient(svc, reader);
      expect((await ok.listTools()).tools.length).toBeGreaterThan(0);
      await ok.close();
    });

    it('leaves the public routes open: health, readiness, the document, the docs and the OAuth callback', async () => {
      for (const p of ['/healthz', '/health', '/readyz', '/', '/openapi.json', '/docs', '/docs/init.js', '/.well-known/oauth-protected-resource']) {
        const res = await fetch(`${svc.url}${p}`);
        expect(res.status, p).toBe(200);
        await res.arrayBuffer();
      }
      // The callback is reached (and refuses the missing state itself), not stopped for a key.
      await expectErrorResponse(await fetch(`${svc.url}/auth/jira/callback?code=x`, { redirect: 'manual' }), 422, 'VALIDATION');
    });

    it('serves RFC 9728 metadata naming the resource and the scopes; documents the bearer scheme', async () => {
      const meta = (await (await fetch(`${svc.url}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<string, unknown>;
      expect(meta).toEqual({
        resource: `${svc.url}/mcp`,
        bearer_methods_supported: ['header'],
        scopes_supported: ['read', 'write', 'admin'],
        resource_name: 'integration-backend',
        resource_documentation: `${svc.url}/docs`,
      });
      const doc = (await (await fetch(`${svc.url}/openapi.json`)).json()) as { components: { securitySchemes: unknown }; paths: Record<string, Record<string, { security: unknown; responses: Record<string, unknown> }>> };
      expect(doc.components.securitySchemes).toEqual({ bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }) });
      expect(doc.paths['/connectors']!['get']!.security).toEqual([{ bearer: [] }]);
      expect(Object.keys(doc.paths['/connectors']!['get']!.responses)).toEqual(expect.arrayContaining(['401', '403']));
      expect(doc.paths['/healthz']!['get']!.security).toEqual([{}]);
    });
  });

  describe('tenants', () => {
    it('takes the tenant from the key: an X-Tenant-Id of another tenant is refused with 403, its own is accepted', async () => {
      const other = await fetch(`${svc.url}/connectors`, { headers: bearer(reader, { 'x-tenant-id': 'globex' }) });
      const body = await expectErrorResponse(other, 403, 'FORBIDDEN');
      expect(body.message).toMatch(/X-Tenant-Id names another tenant/);
      const same = await fetch(`${svc.url}/connectors`, { headers: bearer(reader, { 'x-tenant-id': 'acme' }) });
      expect(same.status).toBe(200);
      await same.arrayBuffer();
      const tool = await fetch(`${svc.url}/connectors/tools/invoke`, {
        method: 'POST',
        headers: bearer(reader, { 'x-tenant-id': 'globex', 'content-type': 'application/json' }),
        body: JSON.stringify({ tool: 'jira_list_projects', arguments: {} }),
      });
      await expectErrorResponse(tool, 403, 'FORBIDDEN');
      const mcp = await fetch(`${svc.url}/mcp`, { method: 'POST', headers: bearer(reader, { ...MCP_HEADERS, 'x-tenant-id': 'globex' }), body: INITIALIZE });
      await expectErrorResponse(mcp, 403, 'FORBIDDEN');
    });

    it('an operator key reaches the key routes only', async () => {
      const res = await fetch(`${svc.url}/connectors`, { headers: bearer(operator) });
      expect((await expectErrorResponse(res, 403, 'FORBIDDEN')).message).toMatch(/operator key/);
      const mcp = await fetch(`${svc.url}/mcp`, { method: 'POST', headers: bearer(operator, MCP_HEADERS), body: INITIALIZE });
      await expectErrorResponse(mcp, 403, 'FORBIDDEN');
    });
  });

  describe('scopes', () => {
    it('a read key: reads pass the key check, writes and admin routes answer 403 naming the missing scope (REST)', async () => {
      const read = await fetch(`${svc.url}/connectors/jira/projects`, { headers: bearer(reader) });
      await expectErrorResponse(read, 409, 'NOT_CONNECTED');
      const write = await fetch(`${svc.url}/connectors/jira/create`, {
        method: 'POST',
        headers: bearer(reader, { 'content-type': 'application/json' }),
        body: JSON.stringify({ project_key: 'OPS', summary: 'x' }),
      });
      expect((await expectErrorResponse(write, 403, 'FORBIDDEN')).message).toBe('POST /connectors/jira/create needs the write scope; this credential has read.');
      for (const [method, p] of [
        ['DELETE', '/connectors/jira/connection'],
        ['GET', '/auth/jira/login'],
        ['GET', '/auth/keys'],
      ] as const) {
        const res = await fetch(`${svc.url}${p}`, { method, headers: bearer(writer) });
        expect((await expectErrorResponse(res, 403, 'FORBIDDEN')).message).toMatch(/needs the admin scope/);
      }
    });

    it('a read key sees only the read tools in tools/list and MCP tools/list, and a write tool answers 403 naming write', async () => {
      const listed = (await (await fetch(`${svc.url}/connectors/tools`, { headers: bearer(reader) })).json()) as { tools: Array<{ name: string }> };
      expect(listed.tools.map((t) => t.name)).toEqual(READ_TOOLS);
      const all = (await (await fetch(`${svc.url}/connectors/tools`, { headers: bearer(writer) })).json()) as { tools: Array<{ name: string }> };
      expect(all.tools.map((t) => t.name)).toEqual(TOOL_NAMES);
      const invoke = await fetch(`${svc.url}/connectors/tools/invoke`, {
        method: 'POST',
        headers: bearer(reader, { 'content-type': 'application/json' }),
        body: JSON.stringify({ tool: 'jira_create_issue', arguments: { project_key: 'OPS', summary: 'x' } }),
      });
      expect((await expectErrorResponse(invoke, 403, 'FORBIDDEN')).message).toBe('The tool jira_create_issue needs the write scope; this credential has read.');
      const c = await mcpClient(svc, reader);
      try {
        expect((await c.listTools()).tools.map((t) => t.name)).toEqual(READ_TOOLS);
        const r = await c.callTool({ name: 'jira_create_issue', arguments: { project_key: 'OPS', summary: 'x' } });
        expect(r.isError).toBe(true);
        const body = JSON.parse((r.content as Array<{ text: string }>)[0]!.text) as { code: string; message: string };
        expect(body).toEqual({ status: 'error', code: 'FORBIDDEN', message: 'The tool jira_create_issue needs the write scope; this credential has read.' });
      } finally {
        await c.close();
      }
      const w = await mcpClient(svc, writer);
      try {
        expect((await w.listTools()).tools.map((t) => t.name)).toEqual(TOOL_NAMES);
      } finally {
        await w.close();
      }
    });
  });

  describe('API key routes', () => {
    it("an admin key issues, lists and revokes its own tenant's keys, never beyond its scopes or tenant", async () => {
      const created = await fetch(`${svc.url}/auth/keys`, {
        method: 'POST',
        headers: bearer(admin, { 'content-type': 'application/json' }),
        body: JSON.stringify({ scopes: ['read'], name: 'bot', expires_in_days: 30 }),
      });
      expect(created.status).toBe(201);
      const made = (await created.json()) as { key: string; id: string; tenant_id: string; scopes: string[]; expires_at: string };
      expect(made).toMatchObject({ tenant_id: 'acme', scopes: ['read'], name: 'bot', operator: false });
      expect(Date.parse(made.expires_at) - Date.now()).toBeGreaterThan(29 * 86_400_000);
      expect((await fetch(`${svc.url}/connectors`, { headers: bearer(made.key) })).status).toBe(200);

      const listed = (await (await fetch(`${svc.url}/auth/keys`, { headers: bearer(admin) })).json()) as { items: Array<Record<string, unknown>> };
      expect(listed.items.every((k) => k['tenant_id'] === 'acme')).toBe(true);
      expect(listed.items.map((k) => k['id'])).toContain(made.id);
      expect(JSON.stringify(listed)).not.toContain(made.key);
      expect(JSON.stringify(listed)).not.toContain('hash');

      const otherTenant = await fetch(`${svc.url}/auth/keys?tenant=globex`, { headers: bearer(admin) });
      await expectErrorResponse(otherTenant, 403, 'FORBIDDEN');
      const beyond = await fetch(`${svc.url}/auth/keys`, {
        method: 'POST',
        headers: bearer(made.key, { 'content-type': 'application/json' }),
        body: JSON.stringify({ scopes: ['write'] }),
      });
      await expectErrorResponse(beyond, 403, 'FORBIDDEN');

      const revoked = await fetch(`${svc.url}/auth/keys/${made.id}`, { method: 'DELETE', headers: bearer(admin) });
      expect(revoked.status).toBe(204);
      await expectUnauthenticated(await fetch(`${svc.url}/connectors`, { headers: bearer(made.key) }));
    });

    it("another tenant's admin key cannot revoke a key of acme: the same 204 as no key, and the key keeps working", async () => {
      const res = await fetch(`${svc.url}/auth/keys/${adminId}`, { method: 'DELETE', headers: bearer(otherTenant) });
      expect(res.status).toBe(204);
      expect((await fetch(`${svc.url}/connectors`, { headers: bearer(admin) })).status).toBe(200);
    });

    it("an operator key lists every tenant's keys and issues a key for a tenant it names", async () => {
      const all = (await (await fetch(`${svc.url}/auth/keys`, { headers: bearer(operator) })).json()) as { items: Array<{ tenant_id: string | null }> };
      expect(new Set(all.items.map((k) => k.tenant_id))).toEqual(new Set(['acme', 'globex', null]));
      const made = await fetch(`${svc.url}/auth/keys`, {
        method: 'POST',
        headers: bearer(operator, { 'content-type': 'application/json' }),
        body: JSON.stringify({ scopes: ['read'], tenant: 'initech' }),
      });
      expect(made.status).toBe(201);
      const { key } = (await made.json()) as { key: string };
      const conns = (await (await fetch(`${svc.url}/connectors`, { headers: bearer(key) })).json()) as { items: unknown[] };
      expect(conns.items.length).toBeGreaterThan(0);
      const noTenant = await fetch(`${svc.url}/auth/keys`, {
        method: 'POST',
        headers: bearer(operator, { 'content-type': 'application/json' }),
        body: JSON.stringify({ scopes: ['read'] }),
      });
      await expectErrorResponse(noTenant, 400, 'VALIDATION');
    });

    it('never writes a key or the bearer header to the log', () => {
      for (const key of [reader, writer, admin, operator, otherTenant]) expect(svc.logText()).not.toContain(key.slice(4));
    });
  });

  describe('OAuth connect under authentication', () => {
    it('login takes the tenant from the admin key; the callback stores the connection for that tenant', async () => {
      const started = await fetch(`${svc.url}/auth/jira/login`, { headers: bearer(admin) });
      expect(started.status).toBe(200);
      const { url } = (await started.json()) as { url: string };
      const state = new URL(url).searchParams.get('state') ?? '';
      const callback = new URL('/auth/jira/callback', svc.url);
      callback.searchParams.set('state', state);
      callback.searchParams.set('code', fake.issueAuthorizationCode({}));
      const done = await fetch(callback, { headers: { cookie: stateCookieOf(started) }, redirect: 'manual' });
      expect(done.status).toBe(302);
      const mine = (await (await fetch(`${svc.url}/connectors/jira/connection`, { headers: bearer(reader) })).json()) as { connected: boolean };
      expect(mine.connected).toBe(true);
      const theirs = (await (await fetch(`${svc.url}/connectors/jira/connection`, { headers: bearer(otherTenant) })).json()) as { connected: boolean };
      expect(theirs.connected).toBe(false);
      // ?redirect=true still redirects, for the key's tenant.
      const redirect = await fetch(`${svc.url}/auth/jira/login?redirect=true`, { headers: bearer(admin), redirect: 'manual' });
      expect(redirect.status).toBe(307);
      await redirect.arrayBuffer();
      await expectErrorResponse(await fetch(`${svc.url}/auth/jira/login`, { headers: bearer(admin, { 'x-tenant-id': 'globex' }) }), 403, 'FORBIDDEN');
    });
  });

  describe('headers', () => {
    it('nosniff everywhere, no-store on tenant data, DENY framing outside /docs, a self-only CSP on /docs, no HSTS unless asked', async () => {
      const data = await fetch(`${svc.url}/connectors`, { headers: bearer(reader) });
      await data.arrayBuffer();
      expect(data.headers.get('x-content-type-options')).toBe('nosniff');
      expect(data.headers.get('cache-control')).toBe('no-store');
      expect(data.headers.get('x-frame-options')).toBe('DENY');
      expect(data.headers.get('strict-transport-security')).toBeNull();
      const docs = await fetch(`${svc.url}/docs`);
      await docs.arrayBuffer();
      expect(docs.headers.get('x-frame-options')).toBeNull();
      expect(docs.headers.get('x-content-type-options')).toBe('nosniff');
      const csp = docs.headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/default-src 'none'/);
      expect(csp).toMatch(/script-src 'self';/);
      expect(csp).not.toMatch(/https?:|\*/);
    });
  });
});

describe('HSTS and the open-mode warning', () => {
  it('sends Strict-Transport-Security when HSTS=true', async () => {
    const svc = await startTestService({ env: { HSTS: 'true' } });
    try {
      const res = await fetch(`${svc.url}/healthz`);
      await res.arrayBuffer();
      expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    } finally {
      await svc.close();
    }
  });

  it('open mode warns when it listens beyond loopback, and not on loopback', async () => {
    const svc = await startTestService();
    try {
      const warning = /AUTH_MODE=open on a non-loopback address/;
      expect(svc.logText()).not.toMatch(warning);
      await svc.service.listen(0, '0.0.0.0');
      expect(svc.logText()).toMatch(warning);
    } finally {
      await svc.close();
    }
  });

  it('open mode keeps X-Tenant-Id: a write without any credential still works for the named tenant', async () => {
    const svc = await startTestService();
    try {
      const res = await fetch(`${svc.url}/connectors`, { headers: { 'x-tenant-id': 'acme' } });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      expect(res.headers.get('www-authenticate')).toBeNull();
    } finally {
      await svc.close();
    }
  });
});

describe('a revoked key stops working at once on another instance sharing the database', () => {
  it('revoked through instance one, refused by instance two on its next request', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auth-shared-'));
    const env = { AUTH_MODE: 'api_key', INTEGRATION_DB_URL: `sqlite:///${path.join(dir, 'shared.db')}`, INTEGRATION_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') };
    const one = await startTestService({ env });
    const two = await startTestService({ env });
    try {
      const admin = await issue(one, { tenantId: 'acme' as never, scopes: ['admin', 'read'] });
      const victim = await issue(one, { tenantId: 'acme' as never, scopes: ['read'] });
      const before = await fetch(`${two.url}/connectors`, { headers: bearer(victim.key) });
      expect(before.status).toBe(200);
      await before.arrayBuffer();
      expect((await fetch(`${one.url}/auth/keys/${victim.id}`, { method: 'DELETE', headers: bearer(admin.key) })).status).toBe(204);
      await expectUnauthenticated(await fetch(`${two.url}/connectors`, { headers: bearer(victim.key) }));
      const c = new McpClient({ name: 'revoked', version: '1.0.0' });
      await expect(c.connect(new StreamableHTTPClientTransport(new URL('/mcp', two.url), { requestInit: { headers: bearer(victim.key) } }))).rejects.toThrow();
    } finally {
      await one.close();
      await two.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
