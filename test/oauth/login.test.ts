/**
 * GET /auth/jira/login and the health helpers: the consent URL Atlassian needs, the signed
 * state cookie and its attributes, PKCE behind its flag, return_url checks, and what happens
 * when OAuth is not configured.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_JIRA_SCOPES } from '../../src/composition/config.js';
import { DEFAULT_CLIENT_ID, startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { expectErrorResponse } from '../support/http.js';
import { oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import {
  callback,
  openStateCookie,
  parseSetCookie,
  stateSetCookie,
  tenantHeaders,
  tokenRequests,
} from './support.js';

const REDIRECT_URI = 'https://integration.example/auth/jira/callback';

const loginUrl = (base: string, query: Record<string, string> = {}): string => {
  const u = new URL('/auth/jira/login', base);
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
  return u.toString();
};

const expectNoStore = (res: Response): void => {
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
};

describe('GET /auth/jira/login', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake, { BACKEND_CORS_ORIGINS: 'https://admin.example' }) });
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  it('answers 200 {url} with every parameter Atlassian requires, and no PKCE without the flag', async () => {
    const res = await fetch(loginUrl(svc.url), { headers: tenantHeaders('acme') });
    expect(res.status).toBe(200);
    expectNoStore(res);
    const body = (await res.json()) as { url: string };
    expect(Object.keys(body)).toEqual(['url']);
    const url = new URL(body.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${fake.url}/authorize`);
    const q = url.searchParams;
    expect(q.get('audience')).toBe('api.atlassian.com');
    expect(q.get('client_id')).toBe(DEFAULT_CLIENT_ID);
    expect(q.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(q.get('response_type')).toBe('code');
    expect(q.get('prompt')).toBe('consent');
    expect(q.get('state')).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(q.has('code_challenge')).toBe(false);
    expect(q.has('code_challenge_method')).toBe(false);
    // Default scopes: Jira read/write, offline_access (refresh tokens) and the Confluence scopes.
    const scopes = (q.get('scope') ?? '').split(' ');
    expect(scopes).toEqual(DEFAULT_JIRA_SCOPES);
    for (const s of ['read:jira-work', 'write:jira-work', 'read:jira-user', 'offline_access', 'read:space:confluence', 'read:page:confluence', 'write:page:confluence', 'search:confluence']) {
      expect(scopes).toContain(s);
    }
  });

  it('sets the state cookie HttpOnly, Secure, SameSite=None, Path=/auth/jira, Max-Age=600', async () => {
    const res = await fetch(loginUrl(svc.url), { headers: tenantHeaders('acme') });
    expect(res.status).toBe(200);
    const cookie = parseSetCookie(stateSetCookie(res));
    expect(cookie.name).toBe('jira_oauth_state');
    expect(cookie.attrs.get('httponly')).toBe(true);
    expect(cookie.attrs.get('secure')).toBe(true);
    expect(String(cookie.attrs.get('samesite')).toLowerCase()).toBe('none');
    expect(cookie.attrs.get('path')).toBe('/auth/jira');
    expect(cookie.attrs.get('max-age')).toBe('600');
    const expires = Date.parse(String(cookie.attrs.get('expires')));
    expect(Math.abs(expires - (Date.now() + 600_000))).toBeLessThan(5_000);
  });

  it('signs a payload holding tenant, nonce (the URL state), return_url and exp', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await fetch(loginUrl(svc.url, { return_url: 'https://app.example/settings?tab=jira' }), {
      headers: tenantHeaders('acme'),
    });
    expect(res.status).toBe(200);
    const { url } = (await res.json()) as { url: string };
    const payload = openStateCookie(parseSetCookie(stateSetCookie(res)).value);
    expect(payload['tenant']).toBe('acme');
    expect(payload['nonce']).toBe(new URL(url).searchParams.get('state'));
    expect(payload['return_url']).toBe('https://app.example/settings?tab=jira');
    expect(payload['redirect_uri']).toBe(REDIRECT_URI);
    expect(payload['code_verifier']).toBeNull();
    const exp = payload['exp'] as number;
    expect(exp).toBeGreaterThanOrEqual(before + 600);
    expect(exp).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 600);
  });

  it('each login gets its own nonce', async () => {
    const states = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const res = await fetch(loginUrl(svc.url), { headers: tenantHeaders('acme') });
      states.add(new URL(((await res.json()) as { url: string }).url).searchParams.get('state') ?? '');
    }
    expect(states.size).toBe(3);
  });

  it('?redirect=true answers 307 with Location at Atlassian, and the cookie', async () => {
    const res = await fetch(loginUrl(svc.url, { redirect: 'true' }), { headers: tenantHeaders('acme'), redirect: 'manual' });
    expect(res.status).toBe(307);
    expectNoStore(res);
    const location = new URL(res.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(`${fake.url}/authorize`);
    expect(location.searchParams.get('response_type')).toBe('code');
    expect(location.searchParams.get('client_id')).toBe(DEFAULT_CLIENT_ID);
    const payload = openStateCookie(parseSetCookie(stateSetCookie(res)).value);
    expect(payload['nonce']).toBe(location.searchParams.get('state'));
  });

  it.each([
    ['another host', 'https://evil.example/'],
    ['a scheme-relative URL', '//evil.example'],
    ['javascript:', 'javascript:alert(1)'],
    ['userinfo before another host', 'https://app.example@evil.example'],
    ['a look-alike subdomain', 'https://app.example.evil.example'],
    ['the frontend only in the query', 'https://evil.example/?x=https://app.example'],
    ['http when the frontend is https', 'http://app.example/settings'],
    ['backslashes', 'https:\\\\evil.example'],
    ['a backslash after the host', 'https://app.example\\@evil.example'],
    ['a relative path', '/settings'],
  ])('refuses return_url with %s: 400 VALIDATION, no cookie', async (_why, returnUrl) => {
    const res = await fetch(loginUrl(svc.url, { return_url: returnUrl }), { headers: tenantHeaders('acme') });
    expectNoStore(res);
    const body = await expectErrorResponse(res, 400, 'VALIDATION');
    expect(body.message).toContain('return_url');
    expect(body.message).not.toContain('evil');
    expect(res.headers.getSetCookie().some((c) => c.startsWith('jira_oauth_state='))).toBe(false);
  });

  it.each([
    ['a frontend path', 'https://app.example/settings/integrations?x=1#top'],
    ['the frontend origin', 'https://app.example'],
    ['an explicit CORS origin', 'https://admin.example/after-connect'],
  ])('accepts return_url on %s', async (_why, returnUrl) => {
    const res = await fetch(loginUrl(svc.url, { return_url: returnUrl }), { headers: tenantHeaders('acme') });
    expect(res.status).toBe(200);
    const payload = openStateCookie(parseSetCookie(stateSetCookie(res)).value);
    expect(payload['return_url']).toBe(new URL(returnUrl).toString());
  });

  it('GET /health/authorize-url answers {url} and sets the state cookie like login', async () => {
    const res = await fetch(`${svc.url}/health/authorize-url`, { headers: tenantHeaders('acme') });
    expect(res.status).toBe(200);
    expectNoStore(res);
    const body = (await res.json()) as { url: string };
    expect(Object.keys(body)).toEqual(['url']);
    const url = new URL(body.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${fake.url}/authorize`);
    expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
    const payload = openStateCookie(parseSetCookie(stateSetCookie(res)).value);
    expect(payload['nonce']).toBe(url.searchParams.get('state'));
    expect(payload['tenant']).toBe('acme');
  });

  it('GET /health/redirect-uri answers the configured URI', async () => {
    const res = await fetch(`${svc.url}/health/redirect-uri`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ redirect_uri: REDIRECT_URI, redirect_uris: [REDIRECT_URI], configured: true });
  });
});

describe('scopes, PKCE and the state secret', () => {
  let fake: FakeAtlassian;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('JIRA_OAUTH_SCOPES overrides the default scopes', async () => {
    const svc = await startTestService({ env: oauthEnv(fake, { JIRA_OAUTH_SCOPES: 'read:jira-work offline_access' }) });
    try {
      const res = await fetch(loginUrl(svc.url));
      const { url } = (await res.json()) as { url: string };
      expect(new URL(url).searchParams.get('scope')).toBe('read:jira-work offline_access');
    } finally {
      await svc.close();
    }
  });

  it('ENABLE_OAUTH_PKCE=true: S256 challenge in the URL, its verifier in the token request', async () => {
    const svc = await startTestService({ env: oauthEnv(fake, { ENABLE_OAUTH_PKCE: 'true' }) });
    try {
      const res = await fetch(loginUrl(svc.url), { headers: tenantHeaders('pkce') });
      expect(res.status).toBe(200);
      const url = new URL(((await res.json()) as { url: string }).url);
      const challenge = url.searchParams.get('code_challenge') ?? '';
      expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(url.searchParams.get('code_challenge_method')).toBe('S256');
      const setCookie = parseSetCookie(stateSetCookie(res));
      // The verifier travels only in the signed cookie, never in the URL.
      expect(url.toString()).not.toContain(String(openStateCookie(setCookie.value)['code_verifier']));

      const before = tokenRequests(fake).length;
      const cb = await callback(
        svc.url,
        { state: url.searchParams.get('state') ?? '', code: fake.issueAuthorizationCode() },
        `jira_oauth_state=${setCookie.value}`,
      );
      expect(cb.status).toBe(302);
      const sent = tokenRequests(fake).slice(before);
      expect(sent).toHaveLength(1);
      const body = sent[0]!.body as Record<string, string>;
      expect(body['grant_type']).toBe('authorization_code');
      const verifier = body['code_verifier'] ?? '';
      expect(verifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
      expect(createHash('sha256').update(verifier).digest('base64url')).toBe(challenge);
    } finally {
      await svc.close();
    }
  });

  it('without PKCE the token request carries no code_verifier', async () => {
    const svc = await startTestService({ env: oauthEnv(fake) });
    try {
      const res = await fetch(loginUrl(svc.url));
      const url = new URL(((await res.json()) as { url: string }).url);
      const before = tokenRequests(fake).length;
      const cb = await callback(
        svc.url,
        { state: url.searchParams.get('state') ?? '', code: fake.issueAuthorizationCode() },
        `jira_oauth_state=${parseSetCookie(stateSetCookie(res)).value}`,
      );
      expect(cb.status).toBe(302);
      const sent = tokenRequests(fake).slice(before);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.headers['content-type']).toMatch(/^application\/json/);
      expect(Object.keys(sent[0]!.body as object).sort()).toEqual(['client_id', 'client_secret', 'code', 'grant_type', 'redirect_uri']);
    } finally {
      await svc.close();
    }
  });

  it('warns at start when STATE_SIGNING_SECRET is not set, and not when it is', async () => {
    const warned = (lines: string[]) =>
      lines.filter((l) => {
        const j = JSON.parse(l) as { level: string; msg: string };
        return j.level === 'warn' && j.msg.includes('STATE_SIGNING_SECRET');
      });
    const without = await startTestService({ env: oauthEnv(fake, { STATE_SIGNING_SECRET: '' }) });
    const withSecret = await startTestService({ env: oauthEnv(fake) });
    try {
      expect(warned(without.logLines)).toHaveLength(1);
      expect(warned(withSecret.logLines)).toHaveLength(0);
      // Still works with the random per-process secret.
      const res = await fetch(loginUrl(without.url));
      expect(res.status).toBe(200);
    } finally {
      await without.close();
      await withSecret.close();
    }
  });
});

describe('OAuth not configured', () => {
  it.each([
    ['JIRA_OAUTH_CLIENT_ID', { JIRA_REDIRECT_URI: REDIRECT_URI }, ['JIRA_OAUTH_CLIENT_ID'], ['JIRA_REDIRECT_URI']],
    ['JIRA_REDIRECT_URI', { JIRA_OAUTH_CLIENT_ID: DEFAULT_CLIENT_ID }, ['JIRA_REDIRECT_URI'], ['JIRA_OAUTH_CLIENT_ID']],
    ['both', {}, ['JIRA_OAUTH_CLIENT_ID', 'JIRA_REDIRECT_URI'], []],
  ])('missing %s: login 400 VALIDATION naming it, /healthz still 200', async (_what, env, named, notNamed) => {
    const svc = await startTestService({ env: { APP_FRONTEND_URL: 'https://app.example', ...env } });
    try {
      const res = await fetch(loginUrl(svc.url));
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = await expectErrorResponse(res, 400, 'VALIDATION');
      for (const n of named) expect(body.message).toContain(n);
      for (const n of notNamed) expect(body.message).not.toContain(n);
      expect(res.headers.getSetCookie()).toEqual([]);
      const authorize = await fetch(`${svc.url}/health/authorize-url`);
      await expectErrorResponse(authorize, 400, 'VALIDATION');
      const health = await fetch(`${svc.url}/healthz`);
      expect(health.status).toBe(200);
      const redirect = await fetch(`${svc.url}/health/redirect-uri`);
      expect(redirect.status).toBe(200);
      expect(((await redirect.json()) as { configured: boolean }).configured).toBe(false);
    } finally {
      await svc.close();
    }
  });
});
