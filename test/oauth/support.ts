/** Helpers shared by the OAuth / credential tests in this folder. */
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { expect } from 'vitest';
import { createAtlassianHttp } from '../../src/adapters/undici/http-transport.js';
import { UndiciAtlassianAuthorization } from '../../src/adapters/undici/undici-atlassian-authorization.js';
import type { AtlassianAuthorization, AtlassianTokenVerifier } from '../../src/application/ports/atlassian-authorization.js';
import type { SiteUrlGuard } from '../../src/application/ports/site-url-guard.js';
import type { TokenSet } from '../../src/domain/credentials.js';
import type { FakeAtlassian } from '../support/fake-atlassian.js';
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from '../support/fake-atlassian.js';

export const STATE_SECRET = 'test-state-secret-0123456789abcdef';

export const tenantHeaders = (tenant: string, extra: Record<string, string> = {}): Record<string, string> => ({
  'x-tenant-id': tenant,
  ...extra,
});

export const jsonHeaders = (tenant: string): Record<string, string> =>
  tenantHeaders(tenant, { 'content-type': 'application/json' });

/** A fresh directory under the OS temp dir; `cleanup` removes it. */
export function tempDir(prefix = 'oauth-test-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A guard that lets any URL through: for positive PAT cases against the fake on 127.0.0.1. */
export const permissiveGuard: SiteUrlGuard = {
  check: (raw) => TE.right(new URL(raw)),
};

/**
 * The real got adapter, wrapped to remember every token set Atlassian (the fake) handed out,
 * so a test can look for those exact strings in the database file and the logs.
 */
export function recordingAuthorization(
  fake: FakeAtlassian,
  opts: { clientSecret?: string } = {},
): { authorization: AtlassianAuthorization & AtlassianTokenVerifier; issued: TokenSet[] } {
  // The fake is on loopback: let the token check reach it (the real service refuses that).
  const http = createAtlassianHttp({ timeoutMs: 10_000 });
  const real = new UndiciAtlassianAuthorization({ trusted: http.trusted, pinned: http.trusted }, {
    authBaseUrl: fake.url,
    apiBaseUrl: fake.url,
    clientId: DEFAULT_CLIENT_ID,
    clientSecret: opts.clientSecret ?? DEFAULT_CLIENT_SECRET,
  });
  const issued: TokenSet[] = [];
  const record = (t: TokenSet): TokenSet => {
    issued.push(t);
    return t;
  };
  return {
    issued,
    authorization: {
      exchangeCode: (input) => pipe(real.exchangeCode(input), TE.map(record)),
      refresh: (rt) => pipe(real.refresh(rt), TE.map(record)),
      accessibleResources: (at) => real.accessibleResources(at),
      verify: (input) => real.verify(input),
    },
  };
}

/** Attributes of a Set-Cookie header, names lower-cased; `value` is the cookie value. */
export function parseSetCookie(header: string): { name: string; value: string; attrs: Map<string, string | true> } {
  const [pair = '', ...rest] = header.split(';').map((p) => p.trim());
  const eq = pair.indexOf('=');
  const attrs = new Map<string, string | true>();
  for (const part of rest) {
    const i = part.indexOf('=');
    if (i < 0) attrs.set(part.toLowerCase(), true);
    else attrs.set(part.slice(0, i).toLowerCase(), part.slice(i + 1));
  }
  return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attrs };
}

export function stateSetCookie(res: Response): string {
  const all = res.headers.getSetCookie().filter((c) => c.startsWith('jira_oauth_state='));
  expect(all, 'exactly one jira_oauth_state Set-Cookie').toHaveLength(1);
  return all[0]!;
}

/** Decodes `<b64url payload>.<b64url mac>` and checks the MAC with the test secret. */
export function openStateCookie(value: string, secret = STATE_SECRET): Record<string, unknown> {
  const [encoded = '', mac = ''] = decodeURIComponent(value).split('.');
  const expected = createHmac('sha256', secret).update(encoded, 'utf8').digest('base64url');
  expect(mac).toBe(expected);
  return JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export async function callback(
  serviceUrl: string,
  params: Record<string, string>,
  cookie?: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const url = new URL('/auth/jira/callback', serviceUrl);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return fetch(url, { headers: { ...(cookie ? { cookie } : {}), ...headers }, redirect: 'manual' });
}

export async function connectionOf(serviceUrl: string, tenant: string, connector: 'jira' | 'confluence') {
  const res = await fetch(`${serviceUrl}/connectors/${connector}/connection`, { headers: tenantHeaders(tenant) });
  expect(res.status).toBe(200);
  return (await res.json()) as {
    connector: string;
    connected: boolean;
    auth_type: string | null;
    status: string;
    site_url: string | null;
    cloud_id: string | null;
    sites: Array<{ cloud_id: string; name: string; url: string }>;
    scopes: string[];
    expires_at: string | null;
    refreshed_at: string | null;
    updated_at: string | null;
  };
}

export async function patchConnection(serviceUrl: string, tenant: string, body: unknown, connector = 'jira'): Promise<Response> {
  return fetch(`${serviceUrl}/connectors/${connector}/connection`, {
    method: 'PATCH',
    headers: jsonHeaders(tenant),
    body: JSON.stringify(body),
  });
}

/** Requests the fake received at /oauth/token, with their parsed JSON bodies. */
export const tokenRequests = (fake: FakeAtlassian) =>
  fake.requests.filter((r) => r.method === 'POST' && r.path === '/oauth/token');

export const refreshRequests = (fake: FakeAtlassian) =>
  tokenRequests(fake).filter((r) => (r.body as { grant_type?: string } | undefined)?.grant_type === 'refresh_token');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until `GET /connectors/jira/projects` is routed (another helper is building it):
 * answers false when it still is not after the given attempts.
 */
export async function waitForProjectsRoute(serviceUrl: string, attempts: number, waitMs: number): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    const res = await fetch(`${serviceUrl}/connectors/jira/projects`, { headers: tenantHeaders('route-probe') });
    const text = await res.text();
    if (!(res.status === 404 && text.includes('No route'))) return true;
    if (i < attempts - 1) await sleep(waitMs);
  }
  return false;
}
