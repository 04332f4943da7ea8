/**
 * A key of tenant A never reaches tenant B: every operation of the catalog (iterated, not a
 * chosen few), every way a caller can run it (REST, tools/invoke, MCP tools/call), with and
 * without an X-Tenant-Id naming B, plus the connection and key routes. A and B are
 * connected to two different fake Atlassians; B's fake must see no request at all, and B's
 * connections and keys must be untouched at the end.
 */
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS, takesBody } from '../../src/application/catalog/index.js';
import type { TenantId } from '../../src/domain/tenant.js';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { startTestService, type TestService } from '../support/service.js';
import { apiRequests, loopbackHttp, seedTokenConnection } from '../operations/support.js';

const A = 'tenant-a';
const B = 'tenant-b';

describe('cross-tenant sweep over the whole catalog (AUTH_MODE=api_key)', () => {
  let fakeA: FakeAtlassian;
  let fakeB: FakeAtlassian;
  let svc: TestService;
  let keyA: string;
  let keyB: string;
  let keyBId: string;
  const bearer = (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${keyA}`, ...extra });

  beforeAll(async () => {
    fakeA = await startFakeAtlassian();
    fakeB = await startFakeAtlassian();
    svc = await startTestService({ env: { AUTH_MODE: 'api_key' }, overrides: { atlassianHttp: loopbackHttp() } });
    for (const connector of ['jira', 'confluence'] as const) {
      await seedTokenConnection(svc, fakeA, { tenant: A, connector, kind: 'api_token' });
      await seedTokenConnection(svc, fakeB, { tenant: B, connector, kind: 'api_token' });
    }
    const keys = svc.service.useCases.apiKeys;
    const a = await keys.create({ tenantId: A as TenantId, scopes: ['read', 'write', 'admin'] })();
    const b = await keys.create({ tenantId: B as TenantId, scopes: ['read'] })();
    if (E.isLeft(a) || E.isLeft(b)) throw new Error('could not issue keys');
    keyA = a.right.key;
    keyB = b.right.key;
    keyBId = b.right.view.id;
  });
  afterAll(async () => {
    await svc.close();
    await fakeA.close();
    await fakeB.close();
  });

  /** The REST request of an operation from its catalog example: path parameters in the path, the rest as query, JSON or a form. */
  const restRequest = (op: (typeof OPERATIONS)[number], headers: Record<string, string>): [string, RequestInit] => {
    const rest: Record<string, unknown> = { ...op.example!.input };
    const path = op.http.path.replace(/\{([^}]+)\}/g, (_m, p: string) => {
      const v = rest[p];
      delete rest[p];
      return encodeURIComponent(String(v));
    });
    const method = op.http.method.toUpperCase();
    if (op.file?.direction === 'upload') {
      const form = new FormData();
      for (const [k, v] of Object.entries(rest)) if (k !== 'content_base64' && k !== 'filename' && k !== 'media_type') form.set(k, String(v));
      form.set('file', new Blob(['hello'], { type: 'text/plain' }), 'hello.txt');
      return [`${svc.url}${path}`, { method, headers, body: form }];
    }
    if (takesBody(op.http.method)) {
      return [`${svc.url}${path}`, { method, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(rest) }];
    }
    const q = new URLSearchParams(Object.entries(rest).map(([k, v]): [string, string] => [k, Array.isArray(v) ? v.join(',') : String(v)])).toString();
    return [`${svc.url}${path}${q ? `?${q}` : ''}`, { method, headers }];
  };

  it('covers every operation of the catalog', () => {
    expect(OPERATIONS.length).toBeGreaterThanOrEqual(33);
    expect(OPERATIONS.filter((o) => !o.example).map((o) => o.name)).toEqual([]);
  });

  it("with X-Tenant-Id naming B, every operation is refused with 403 before anything runs, REST, tools/invoke and MCP alike", async () => {
    const markA = fakeA.requests.length;
    for (const op of OPERATIONS) {
      const [url, init] = restRequest(op, bearer({ 'x-tenant-id': B }));
      const rest = await fetch(url, init);
      expect(rest.status, `${op.name} over REST`).toBe(403);
      expect(((await rest.json()) as { code: string }).code).toBe('FORBIDDEN');
      const tool = await fetch(`${svc.url}/connectors/tools/invoke`, {
        method: 'POST',
        headers: bearer({ 'x-tenant-id': B, 'content-type': 'application/json' }),
        body: JSON.stringify({ tool: op.name, arguments: op.example!.input }),
      });
      expect(tool.status, `${op.name} over tools/invoke`).toBe(403);
      await tool.arrayBuffer();
    }
    const mcp = new McpClient({ name: 'sweep', version: '1.0.0' });
    await expect(
      mcp.connect(new StreamableHTTPClientTransport(new URL('/mcp', svc.url), { requestInit: { headers: bearer({ 'x-tenant-id': B }) } })),
    ).rejects.toThrow();
    expect(apiRequests(fakeA, markA)).toEqual([]);
    expect(apiRequests(fakeB)).toEqual([]);
  });

  it("without X-Tenant-Id, every operation runs for A against A's site only, all three ways, and never answers 5xx from our side", async () => {
    const mcp = new McpClient({ name: 'sweep', version: '1.0.0' });
    await mcp.connect(new StreamableHTTPClientTransport(new URL('/mcp', svc.url), { requestInit: { headers: bearer() } }));
    const reachedA = new Set<string>();
    try {
      for (const op of OPERATIONS) {
        for (const way of ['rest', 'tool', 'mcp'] as const) {
          const mark = fakeA.requests.length;
          let status: number;
          if (way === 'rest') {
            const [url, init] = restRequest(op, bearer());
            const res = await fetch(url, init);
            status = res.status;
            await res.arrayBuffer();
          } else if (way === 'tool') {
            const res = await fetch(`${svc.url}/connectors/tools/invoke`, {
              method: 'POST',
              headers: bearer({ 'content-type': 'application/json' }),
              body: JSON.stringify({ tool: op.name, arguments: op.example!.input }),
            });
            status = res.status;
            await res.arrayBuffer();
          } else {
            const r = await mcp.callTool({ name: op.name, arguments: op.example!.input });
            status = r.isError ? 400 : 200;
          }
          // Never refused as a caller (401) and never failing on our side (5xx); what A's site answers (404, 409...) is fine.
          expect(status, `${op.name} over ${way}`).not.toBe(401);
          expect(status, `${op.name} over ${way}`).toBeLessThan(500);
          if (apiRequests(fakeA, mark).length > 0) reachedA.add(`${op.name}/${way}`);
          expect(apiRequests(fakeB), `${op.name} over ${way} reached tenant B's site`).toEqual([]);
        }
      }
    } finally {
      await mcp.close();
    }
    // Every operation reached A's site at least one way: the sweep exercised the tenant's connection, not only the codecs.
    expect(OPERATIONS.filter((op) => !['rest', 'tool', 'mcp'].some((w) => reachedA.has(`${op.name}/${w}`))).map((o) => o.name)).toEqual([]);
  });

  it("the connection and key routes of A's admin key never touch B's connections or keys", async () => {
    for (const connector of ['jira', 'confluence']) {
      const patched = await fetch(`${svc.url}/connectors/${connector}/connection`, {
        method: 'PATCH',
        headers: bearer({ 'x-tenant-id': B, 'content-type': 'application/json' }),
        body: JSON.stringify({ rotate: true }),
      });
      expect(patched.status).toBe(403);
      await patched.arrayBuffer();
      const deleted = await fetch(`${svc.url}/connectors/${connector}/connection`, { method: 'DELETE', headers: bearer({ 'x-tenant-id': B }) });
      expect(deleted.status).toBe(403);
      await deleted.arrayBuffer();
      expect((await fetch(`${svc.url}/connectors/${connector}/connection`, { method: 'DELETE', headers: bearer() })).status).toBe(204);
    }
    const listed = (await (await fetch(`${svc.url}/auth/keys`, { headers: bearer() })).json()) as { items: Array<{ tenant_id: string }> };
    expect(listed.items.map((k) => k.tenant_id)).toEqual([A]);
    expect((await fetch(`${svc.url}/auth/keys/${keyBId}`, { method: 'DELETE', headers: bearer() })).status).toBe(204);
    const mine = (await (await fetch(`${svc.url}/connectors`, { headers: bearer() })).json()) as { items: Array<{ connected: boolean }> };
    expect(mine.items.every((c) => !c.connected)).toBe(true);
    // B's key still works and B is still connected to both products.
    const theirs = (await (await fetch(`${svc.url}/connectors`, { headers: { authorization: `Bearer ${keyB}` } })).json()) as { items: Array<{ connected: boolean }> };
    expect(theirs.items.map((c) => c.connected)).toEqual([true, true]);
    expect(apiRequests(fakeB)).toEqual([]);
  });

  it("A's key reads only A's events and sets only A's webhook", async () => {
    const asB = await fetch(`${svc.url}/events`, { headers: bearer({ 'x-tenant-id': B }) });
    expect(asB.status).toBe(403);
    await asB.arrayBuffer();
    const putB = await fetch(`${svc.url}/connectors/webhook`, {
      method: 'PUT',
      headers: bearer({ 'x-tenant-id': B, 'content-type': 'application/json' }),
      body: JSON.stringify({ url: 'https://93.184.216.34/hooks' }),
    });
    expect(putB.status).toBe(403);
    await putB.arrayBuffer();
    const putA = await fetch(`${svc.url}/connectors/webhook`, {
      method: 'PUT',
      headers: bearer({ 'content-type': 'application/json' }),
      body: JSON.stringify({ url: 'https://93.184.216.34/hooks' }),
    });
    expect(putA.status).toBe(200);
    await putA.arrayBuffer();
    const mine = (await (await fetch(`${svc.url}/events`, { headers: bearer() })).json()) as { items: Array<{ tenant: string; type: string }> };
    expect(mine.items.length).toBeGreaterThan(0);
    expect(mine.items.every((e) => e.tenant === A)).toBe(true);
    const theirs = (await (await fetch(`${svc.url}/events`, { headers: { authorization: `Bearer ${keyB}` } })).json()) as { items: Array<{ tenant: string }> };
    expect(theirs.items.every((e) => e.tenant === B)).toBe(true);
    const hook = await svc.service.useCases.webhooks.get(B as TenantId)();
    expect(E.isRight(hook) && hook.right.source).toBe('none');
  });
});
