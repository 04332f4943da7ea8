/** Shared helpers for the operation tests: a tenant-scoped client, token connections seeded in the store. */
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { expect } from 'vitest';
import { OPERATIONS, takesBody } from '../../src/application/catalog/index.js';
import { createAtlassianHttp, type AtlassianHttp } from '../../src/adapters/undici/http-transport.js';
import type { ConnectorId } from '../../src/domain/connector.js';
import type { TenantId } from '../../src/domain/tenant.js';
import type { FakeAtlassian, RecordedRequest } from '../support/fake-atlassian.js';
import type { TestService } from '../support/service.js';

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

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

/** A caller of one running service, as one tenant. */
export const client = (serviceUrl: string, tenant: string) => {
  const send = async (method: string, path: string, body?: unknown): Promise<ApiResponse> =>
    read(
      await fetch(`${serviceUrl}${path}`, {
        method,
        headers: { 'x-tenant-id': tenant, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
  return {
    get: (path: string) => send('GET', path),
    post: (path: string, body: unknown) => send('POST', path, body),
    put: (path: string, body: unknown) => send('PUT', path, body),
    patch: (path: string, body: unknown) => send('PATCH', path, body),
    delete: (path: string) => send('DELETE', path),
    send,
  };
};
export type Client = ReturnType<typeof client>;

/**
 * Runs one catalog operation the three ways a caller can: its REST route (path parameters
 * filled in from the input, the rest as query string or JSON body), `POST /connectors/tools/invoke`,
 * and MCP `tools/call` with the SDK's own client (which checks the result against the tool's
 * outputSchema). Answers the three outcomes for the test to compare.
 */
export async function runAllWays(
  serviceUrl: string,
  tenant: string,
  name: string,
  input: Record<string, unknown>,
): Promise<{ rest: ApiResponse; tool: ApiResponse; mcp: { isError: boolean; value: unknown } }> {
  const op = OPERATIONS.find((o) => o.name === name);
  if (!op) throw new Error(`no operation ${name}`);
  const api = client(serviceUrl, tenant);
  const rest = { ...input };
  const path = op.http.path.replace(/\{([^}]+)\}/g, (_m, param: string) => {
    const value = rest[param];
    delete rest[param];
    return encodeURIComponent(String(value));
  });
  const restAnswer = takesBody(op.http.method)
    ? await api.send(op.http.method.toUpperCase(), path, rest)
    : await api.send(op.http.method.toUpperCase(), `${path}${qs(rest as Record<string, string | number | undefined>)}`);
  const tool = await api.post('/connectors/tools/invoke', { tool: name, arguments: input });
  const mcp = new McpClient({ name: 'all-ways', version: '1.0.0' });
  await mcp.connect(new StreamableHTTPClientTransport(new URL('/mcp', serviceUrl), { requestInit: { headers: { 'x-tenant-id': tenant } } }));
  try {
    await mcp.listTools();
    const result = await mcp.callTool({ name, arguments: input });
    const text = (result.content as Array<{ type: string; text?: string }>)[0]?.text ?? 'null';
    return { rest: restAnswer, tool, mcp: { isError: result.isError === true, value: JSON.parse(text) as unknown } };
  } finally {
    await mcp.close();
  }
}

/** Runs an operation all three ways and expects the same successful result from each; answers it. */
export async function expectSameEverywhere(serviceUrl: string, tenant: string, name: string, input: Record<string, unknown>): Promise<ApiResponse['body']> {
  const { rest, tool, mcp } = await runAllWays(serviceUrl, tenant, name, input);
  expect(rest.status, rest.text).toBeLessThan(300);
  expect(tool.status, tool.text).toBe(200);
  expect(mcp.isError, JSON.stringify(mcp.value)).toBe(false);
  if (rest.status !== 204) {
    expect(tool.body.result).toEqual(rest.body);
    expect(mcp.value).toEqual(rest.body);
  }
  return rest.body;
}

/** `?a=b&...` from a record, undefined values left out. */
export const qs = (params: Record<string, string | number | undefined>): string => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) p.set(k, String(v));
  const s = p.toString();
  return s === '' ? '' : `?${s}`;
};

/** Asserts the standard error body and returns it. */
export const expectError = (res: ApiResponse, status: number, code: string) => {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  expect(res.body.status).toBe('error');
  expect(res.body.code).toBe(code);
  expect(typeof res.body.message).toBe('string');
  return res.body as { status: 'error'; code: string; message: string; retry_after?: number; details?: Record<string, string> };
};

/** The fake's requests to Jira/Confluence APIs (not OAuth), from index `from` on. */
export const apiRequests = (fake: FakeAtlassian, from = 0): RecordedRequest[] =>
  fake.requests.slice(from).filter((r) => /^\/(ex\/(jira|confluence)\/[^/]+\/)?(rest|wiki)\//.test(r.path));

/** An HTTP override whose pinned client is the trusted one, so token connections may reach the loopback fake. */
export const loopbackHttp = (timeoutMs = 10_000): AtlassianHttp => {
  const http = createAtlassianHttp({ timeoutMs });
  return { trusted: http.trusted, pinned: http.trusted };
};

export const API_TOKEN_EMAIL = 'mia.krystof@example.com';
export const API_TOKEN = 'cloud-api-token-0123456789';
export const PAT = 'dc-personal-access-token-0123456789';

/** Saves an API-token or PAT connection straight into the store, as SaveAccessToken would after its checks. */
export async function seedTokenConnection(
  svc: TestService,
  fake: FakeAtlassian,
  opts: { tenant: string; connector: ConnectorId; kind: 'api_token' | 'pat'; siteUrl?: string },
): Promise<void> {
  const store = svc.service.adapters.connections;
  const cipher = svc.service.adapters.cipher;
  if (opts.kind === 'api_token') fake.apiTokens.set(API_TOKEN_EMAIL, API_TOKEN);
  else fake.pats.add(PAT);
  const secret = opts.kind === 'api_token' ? { kind: 'api_token', email: API_TOKEN_EMAIL, token: API_TOKEN } : { kind: 'pat', token: PAT };
  const saved = await store.save(
    {
      tenantId: opts.tenant as TenantId,
      connector: opts.connector,
      authType: opts.kind,
      status: 'active',
      siteUrl: opts.siteUrl ?? fake.url,
      cloudId: null,
      sites: [],
      scopes: [],
      grantId: null,
      expiresAt: null,
      refreshedAt: null,
      credentials: cipher.encrypt(JSON.stringify(secret)),
    },
    new Date(),
  )();
  if (saved._tag === 'Left') throw new Error(saved.left.message);
}

export type Way = 'rest' | 'tool' | 'mcp';

/**
 * Runs one catalog operation one way: its REST route, `tools/invoke`, or MCP `tools/call`
 * (the SDK's client, which checks a result against the outputSchema). For writes, which a
 * test calls once each way with different inputs. `value` is the result (REST: the body,
 * undefined for a 204), or the standard error body.
 */
export async function callOneWay(
  serviceUrl: string,
  tenant: string,
  way: Way,
  name: string,
  input: Record<string, unknown>,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ ok: boolean; status: number; value: any }> {
  const op = OPERATIONS.find((o) => o.name === name);
  if (!op) throw new Error(`no operation ${name}`);
  const api = client(serviceUrl, tenant);
  if (way === 'rest') {
    const rest = { ...input };
    const path = op.http.path.replace(/\{([^}]+)\}/g, (_m, param: string) => {
      const value = rest[param];
      delete rest[param];
      return encodeURIComponent(String(value));
    });
    const res = takesBody(op.http.method)
      ? await api.send(op.http.method.toUpperCase(), path, rest)
      : await api.send(op.http.method.toUpperCase(), `${path}${qs(rest as Record<string, string | number | undefined>)}`);
    return { ok: res.status < 300, status: res.status, value: res.body };
  }
  if (way === 'tool') {
    const res = await api.post('/connectors/tools/invoke', { tool: name, arguments: input });
    return { ok: res.status === 200, status: res.status, value: res.status === 200 ? res.body.result : res.body };
  }
  const mcp = new McpClient({ name: 'one-way', version: '1.0.0' });
  await mcp.connect(new StreamableHTTPClientTransport(new URL('/mcp', serviceUrl), { requestInit: { headers: { 'x-tenant-id': tenant } } }));
  try {
    await mcp.listTools();
    const result = await mcp.callTool({ name, arguments: input });
    const text = (result.content as Array<{ type: string; text?: string }>)[0]?.text ?? 'null';
    return { ok: result.isError !== true, status: result.isError === true ? 0 : 200, value: JSON.parse(text) as unknown };
  } finally {
    await mcp.close();
  }
}
