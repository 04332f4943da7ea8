/** Shared helpers for the operation tests: a tenant-scoped client, token connections seeded in the store. */
import { expect } from 'vitest';
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
export const client = (serviceUrl: string, tenant: string) => ({
  get: async (path: string): Promise<ApiResponse> => read(await fetch(`${serviceUrl}${path}`, { headers: { 'x-tenant-id': tenant } })),
  post: async (path: string, body: unknown): Promise<ApiResponse> =>
    read(
      await fetch(`${serviceUrl}${path}`, {
        method: 'POST',
        headers: { 'x-tenant-id': tenant, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    ),
});
export type Client = ReturnType<typeof client>;

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
