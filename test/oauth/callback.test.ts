/**
 * GET /auth/jira/callback: every way the state can be wrong (422), a declined consent,
 * a successful connect (redirect, cookie cleared, headers, token request), the tenant taken
 * from the state, and which sites and connectors a grant produces.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { expectErrorResponse } from '../support/http.js';
import { login, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import {
  callback,
  connectionOf,
  parseSetCookie,
  patchConnection,
  stateSetCookie,
  tenantHeaders,
  tokenRequests,
} from './support.js';

const REDIRECT_URI = 'https://integration.example/auth/jira/callback';
const JIRA_ONLY = ['read:jira-work', 'write:jira-work', 'read:jira-user', 'offline_access'];

const expectNoStore = (res: Response): void => {
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
};

/** Replaces one character of the cookie value by another base64url character. */
const flipChar = (cookie: string, at: number): string => {
  const [name, value = ''] = cookie.split('=');
  const i = at < 0 ? value.length + at : at;
  const c = value[i] === 'A' ? 'B' : 'A';
  return `${name}=${value.slice(0, i)}${c}${value.slice(i + 1)}`;
};

async function expectBadState(res: Response, fragment: string): Promise<void> {
  expectNoStore(res);
  const body = await expectErrorResponse(res, 422, 'VALIDATION');
  expect(body.message).toContain('Invalid OAuth state');
  expect(body.message).toContain(fragment);
}

async function listConnectors(serviceUrl: string, tenant: string) {
  const res = await fetch(`${serviceUrl}/connectors`, { headers: tenantHeaders(tenant) });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { items: Array<{ connector: string; connected: boolean }> };
  return Object.fromEntries(body.items.map((i) => [i.connector, i.connected]));
}

describe('GET /auth/jira/callback', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let nowMs = Date.now();
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake), overrides: { clock: { now: () => new Date(nowMs) } } });
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  it('missing state parameter -> 422', async () => {
    const started = await login(svc.url, { tenant: 'cb-1' });
    await expectBadState(await callback(svc.url, { code: fake.issueAuthorizationCode() }, started.cookie), 'state parameter is missing');
  });

  it('missing cookie -> 422', async () => {
    const started = await login(svc.url, { tenant: 'cb-1' });
    await expectBadState(await callback(svc.url, { state: started.state, code: fake.issueAuthorizationCode() }), 'cookie is missing');
  });

  it('unsigned cookie (payload without the MAC) -> 422', async () => {
    const started = await login(svc.url, { tenant: 'cb-1' });
    const unsigned = started.cookie.split('.')[0]!;
    await expectBadState(
      await callback(svc.url, { state: started.state, code: fake.issueAuthorizationCode() }, unsigned),
      'not signed by this service',
    );
  });

  it.each([
    ['in the payload', 10],
    ['in the signature', -5],
  ])('tampered cookie (a character flipped %s) -> 422', async (_where, at) => {
    const started = await login(svc.url, { tenant: 'cb-1' });
    const before = fake.tokenGrants.authorizationCode;
    await expectBadState(
      await callback(svc.url, { state: started.state, code: fake.issueAuthorizationCode() }, flipChar(started.cookie, at)),
      'not signed by this service',
    );
    expect(fake.tokenGrants.authorizationCode).toBe(before);
  });

  it('a cookie signed with another secret -> 422', async () => {
    const other = await startTestService({ env: oauthEnv(fake, { STATE_SIGNING_SECRET: 'another-secret-entirely-0123456789' }) });
    try {
      const started = await login(other.url, { tenant: 'cb-1' });
      await expectBadState(
        await callback(svc.url, { state: started.state, code: fake.issueAuthorizationCode() }, started.cookie),
        'not signed by this service',
      );
    } finally {
      await other.close();
    }
  });

  it('expired (more than 10 minutes after login) -> 422; just under 10 minutes still works', async () => {
    const start = Date.now();
    nowMs = start;
    const late = await login(svc.url, { tenant: 'cb-expired' });
    const inTime = await login(svc.url, { tenant: 'cb-in-time' });
    try {
      nowMs = start + 601_000;
      await expectBadState(
        await callback(svc.url, { state: late.state, code: fake.issueAuthorizationCode() }, late.cookie),
        'expired',
      );
      expect((await listConnectors(svc.url, 'cb-expired'))['jira']).toBe(false);
      nowMs = start + 595_000;
      const ok = await callback(svc.url, { state: inTime.state, code: fake.issueAuthorizationCode() }, inTime.cookie);
      expect(ok.status).toBe(302);
    } finally {
      nowMs = Date.now();
    }
  });

  it('state parameter not matching the cookie -> 422', async () => {
    const a = await login(svc.url, { tenant: 'cb-1' });
    const b = await login(svc.url, { tenant: 'cb-1' });
    await expectBadState(
      await callback(svc.url, { state: b.state, code: fake.issueAuthorizationCode() }, a.cookie),
      'does not match the cookie',
    );
  });

  it('the same state and cookie used a second time -> 422, no second code exchange', async () => {
    const started = await login(svc.url, { tenant: 'cb-replay' });
    const first = await callback(svc.url, { state: started.state, code: fake.issueAuthorizationCode() }, started.cookie);
    expect(first.status).toBe(302);
    const grants = fake.tokenGrants.authorizationCode;
    await expectBadState(
      await callback(svc.url, { state: started.state, code: fake.issueAuthorizationCode() }, started.cookie),
      'already completed',
    );
    expect(fake.tokenGrants.authorizationCode).toBe(grants);
  });

  it('missing code -> 400 VALIDATION naming the code parameter', async () => {
    const started = await login(svc.url, { tenant: 'cb-nocode' });
    const res = await callback(svc.url, { state: started.state }, started.cookie);
    expectNoStore(res);
    const body = await expectErrorResponse(res, 400, 'VALIDATION');
    expect(body.message).toContain('code');
    expect((await listConnectors(svc.url, 'cb-nocode'))['jira']).toBe(false);
  });

  it('error=access_denied -> 302 to the frontend with connected=jira&error=access_denied, nothing stored', async () => {
    const started = await login(svc.url, { tenant: 'cb-denied' });
    const grants = fake.tokenGrants.authorizationCode;
    const tokenCalls = tokenRequests(fake).length;
    const res = await callback(svc.url, { state: started.state, error: 'access_denied', error_description: 'User denied' }, started.cookie);
    expect(res.status).toBe(302);
    expectNoStore(res);
    expect(res.headers.get('location')).toBe('https://app.example/login?connected=jira&error=access_denied');
    expect(await listConnectors(svc.url, 'cb-denied')).toEqual({ jira: false, confluence: false });
    expect(fake.tokenGrants.authorizationCode).toBe(grants);
    expect(tokenRequests(fake).length).toBe(tokenCalls);
  });

  it('success: 302 to APP_FRONTEND_URL/login?connected=jira, cookie cleared, no-store, a JSON token request with the login redirect_uri', async () => {
    const started = await login(svc.url, { tenant: 'cb-ok' });
    expect(started.authorizeUrl.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
    const before = tokenRequests(fake).length;
    // The fake refuses the code unless the exchange repeats this redirect_uri.
    const code = fake.issueAuthorizationCode({ redirectUri: REDIRECT_URI });
    const res = await callback(svc.url, { state: started.state, code }, started.cookie);
    expect(res.status).toBe(302);
    expectNoStore(res);
    expect(res.headers.get('location')).toBe('https://app.example/login?connected=jira');
    const cleared = parseSetCookie(stateSetCookie(res));
    expect(cleared.value).toBe('');
    expect(cleared.attrs.get('max-age')).toBe('0');
    expect(cleared.attrs.get('path')).toBe('/auth/jira');
    expect(Date.parse(String(cleared.attrs.get('expires')))).toBeLessThan(Date.now());

    const sent = tokenRequests(fake).slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.headers['content-type']).toMatch(/^application\/json/);
    const body = sent[0]!.body as Record<string, string>;
    expect(body['grant_type']).toBe('authorization_code');
    expect(body['code']).toBe(code);
    expect(body['redirect_uri']).toBe(started.authorizeUrl.searchParams.get('redirect_uri'));
    expect(await listConnectors(svc.url, 'cb-ok')).toEqual({ jira: true, confluence: true });
  });

  it('return_url is carried through to the final redirect (and with an error)', async () => {
    const returnUrl = 'https://app.example/settings/integrations?tab=jira';
    const ok = await login(svc.url, { tenant: 'cb-return', returnUrl });
    const res = await callback(svc.url, { state: ok.state, code: fake.issueAuthorizationCode() }, ok.cookie);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(returnUrl);

    const denied = await login(svc.url, { tenant: 'cb-return', returnUrl });
    const res2 = await callback(svc.url, { state: denied.state, error: 'access_denied' }, denied.cookie);
    expect(res2.status).toBe(302);
    expect(res2.headers.get('location')).toBe(`${returnUrl}&connected=jira&error=access_denied`);
  });

  it('the tenant comes from the state, not from the callback request headers', async () => {
    const started = await login(svc.url, { tenant: 'tenant-a' });
    const res = await callback(
      svc.url,
      { state: started.state, code: fake.issueAuthorizationCode() },
      started.cookie,
      { 'x-tenant-id': 'tenant-other' },
    );
    expect(res.status).toBe(302);
    expect(await listConnectors(svc.url, 'tenant-a')).toEqual({ jira: true, confluence: true });
    expect(await listConnectors(svc.url, 'tenant-other')).toEqual({ jira: false, confluence: false });
  });
});

describe('sites and connectors a grant produces', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake) });
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  const connectTenant = async (serviceUrl: string, tenant: string, scopes?: string[]) => {
    const started = await login(serviceUrl, { tenant });
    const code = fake.issueAuthorizationCode(scopes ? { scopes } : {});
    const res = await callback(serviceUrl, { state: started.state, code }, started.cookie);
    expect(res.status).toBe(302);
  };

  it('stores both sites; the first is active for Jira and Confluence', async () => {
    await connectTenant(svc.url, 'sites-1');
    const [acme, beta] = fake.sites;
    for (const connector of ['jira', 'confluence'] as const) {
      const conn = await connectionOf(svc.url, 'sites-1', connector);
      expect(conn.connected).toBe(true);
      expect(conn.auth_type).toBe('oauth');
      expect(conn.status).toBe('active');
      expect(conn.sites).toEqual([
        { cloud_id: acme!.id, name: acme!.name, url: acme!.url },
        { cloud_id: beta!.id, name: beta!.name, url: beta!.url },
      ]);
      expect(conn.cloud_id).toBe(acme!.id);
      expect(conn.site_url).toBe(acme!.url);
    }
  });

  it('ATLASSIAN_CLOUD_BASE_URL picks the matching site as active', async () => {
    const other = await startTestService({ env: oauthEnv(fake, { ATLASSIAN_CLOUD_BASE_URL: 'https://BETA.atlassian.net/' }) });
    try {
      await connectTenant(other.url, 'sites-pref');
      const beta = fake.sites[1]!;
      for (const connector of ['jira', 'confluence'] as const) {
        const conn = await connectionOf(other.url, 'sites-pref', connector);
        expect(conn.cloud_id).toBe(beta.id);
        expect(conn.site_url).toBe(beta.url);
        expect(conn.sites).toHaveLength(2);
      }
    } finally {
      await other.close();
    }
  });

  it('PATCH {cloud_id} switches the active site; an unknown cloud_id is 400 and changes nothing', async () => {
    await connectTenant(svc.url, 'sites-switch');
    const beta = fake.sites[1]!;
    const res = await patchConnection(svc.url, 'sites-switch', { cloud_id: beta.id });
    expect(res.status).toBe(200);
    const view = (await res.json()) as { cloud_id: string; site_url: string };
    expect(view.cloud_id).toBe(beta.id);
    expect(view.site_url).toBe(beta.url);
    expect((await connectionOf(svc.url, 'sites-switch', 'jira')).cloud_id).toBe(beta.id);

    const bad = await patchConnection(svc.url, 'sites-switch', { cloud_id: '99999999-9999-4999-8999-999999999999' });
    const body = await expectErrorResponse(bad, 400, 'VALIDATION');
    expect(body.message).toContain('cloud_id');
    const after = await connectionOf(svc.url, 'sites-switch', 'jira');
    expect(after.cloud_id).toBe(beta.id);
    expect(after.site_url).toBe(beta.url);
  });

  it('a grant with only Jira scopes creates no Confluence connection', async () => {
    await connectTenant(svc.url, 'sites-jira-only', JIRA_ONLY);
    const jira = await connectionOf(svc.url, 'sites-jira-only', 'jira');
    expect(jira.connected).toBe(true);
    expect([...jira.scopes].sort()).toEqual([...JIRA_ONLY].sort());
    const confluence = await connectionOf(svc.url, 'sites-jira-only', 'confluence');
    expect(confluence.connected).toBe(false);
    expect(confluence.status).toBe('not_connected');
  });

  it('a grant with Confluence scopes creates the Confluence connection', async () => {
    await connectTenant(svc.url, 'sites-both');
    const confluence = await connectionOf(svc.url, 'sites-both', 'confluence');
    expect(confluence.connected).toBe(true);
    expect(confluence.scopes).toContain('read:page:confluence');
  });
});
