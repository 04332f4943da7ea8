/**
 * Drives login, callback, refresh, PAT saves and a few failures with every log line captured
 * (debug level), then looks for each secret the flow handled in the logs and response bodies.
 */
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantId } from '../../src/domain/tenant.js';
import { DEFAULT_CLIENT_SECRET, startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { oauthEnv } from '../support/oauth.js';
import { loopbackHttp } from '../operations/support.js';
import { startTestService, type TestService } from '../support/service.js';
import { STATE_SECRET, callback, jsonHeaders, parseSetCookie, permissiveGuard, recordingAuthorization, stateSetCookie, tenantHeaders } from './support.js';

describe('secrets never reach a log line or a response body', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let rec: ReturnType<typeof recordingAuthorization>;
  beforeAll(async () => {
    fake = await startFakeAtlassian({ accessTokenTtlSeconds: 60 });
    rec = recordingAuthorization(fake);
    svc = await startTestService({
      env: oauthEnv(fake, { ENABLE_JIRA_PAT: 'true', LOG_LEVEL: 'debug' }),
      overrides: { authorization: rec.authorization, siteUrlGuard: permissiveGuard, atlassianHttp: loopbackHttp() },
    });
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  it('login, callback, refresh, PAT save and failures', async () => {
    const bodies: string[] = [];
    const secrets = new Map<string, string>([['client secret', DEFAULT_CLIENT_SECRET], ['state signing secret', STATE_SECRET]]);
    const call = async (input: string, init: RequestInit = {}): Promise<Response> => {
      const res = await fetch(input, { redirect: 'manual', ...init });
      bodies.push(`${res.status} ${await res.clone().text()}`);
      return res;
    };

    // Login and callback.
    const loginRes = await call(`${svc.url}/auth/jira/login`, { headers: tenantHeaders('leak') });
    expect(loginRes.status).toBe(200);
    const cookieValue = parseSetCookie(stateSetCookie(loginRes)).value;
    const state = new URL(((await loginRes.json()) as { url: string }).url).searchParams.get('state') ?? '';
    secrets.set('state cookie', cookieValue);
    const code = fake.issueAuthorizationCode();
    secrets.set('authorization code', code);
    const cb = await callback(svc.url, { state, code }, `jira_oauth_state=${cookieValue}`);
    bodies.push(`${cb.status} ${await cb.text()} ${cb.headers.get('location') ?? ''}`);
    expect(cb.status).toBe(302);
    // A replay, and a callback with a forged cookie: error paths log too.
    const replay = await callback(svc.url, { state, code }, `jira_oauth_state=${cookieValue}`);
    bodies.push(`${replay.status} ${await replay.text()}`);
    expect(replay.status).toBe(422);

    // Refresh: a forced rotate, then an ahead-of-expiry refresh through the use case.
    expect((await call(`${svc.url}/connectors/jira/connection`, { method: 'PATCH', headers: jsonHeaders('leak'), body: JSON.stringify({ rotate: true }) })).status).toBe(200);
    const refresher = svc.service.useCases.access;
    const ctx = await refresher.access('leak' as TenantId, 'jira')();
    expect(E.isRight(ctx)).toBe(true);
    expect((await call(`${svc.url}/connectors/jira/connection`, { headers: tenantHeaders('leak') })).status).toBe(200);
    expect((await call(`${svc.url}/connectors`, { headers: tenantHeaders('leak') })).status).toBe(200);

    // PAT and API token saves, good and rejected, and a malformed email next to a token.
    const pat = 'dc-pat-secret-value-0123456789';
    const apiToken = 'ATATT-cloud-api-token-secret-0123456789';
    const wrongPat = 'rejected-pat-secret-0123456789';
    fake.pats.add(pat);
    fake.apiTokens.set('mia@example.com', apiToken);
    secrets.set('pat', pat).set('api token', apiToken).set('rejected pat', wrongPat);
    const patch = (tenant: string, body: unknown) =>
      call(`${svc.url}/connectors/jira/connection`, { method: 'PATCH', headers: jsonHeaders(tenant), body: JSON.stringify(body) });
    expect((await patch('leak-pat', { pat, base_url: fake.url })).status).toBe(200);
    expect((await patch('leak-api', { pat: apiToken, base_url: fake.url, email: 'mia@example.com' })).status).toBe(200);
    expect((await patch('leak-bad', { pat: wrongPat, base_url: fake.url })).status).toBe(400);
    expect((await patch('leak-bad', { pat: wrongPat, base_url: fake.url, email: 'not an email' })).status).toBe(400);
    expect((await patch('leak-bad', { pat: wrongPat, base_url: fake.url, unknown_field: wrongPat })).status).toBe(400);

    // A refused refresh (invalid_grant) logs a warning; a reset token endpoint is a vendor error.
    fake.inject({ kind: 'reset', path: '/oauth/token' });
    expect((await patch('leak', { rotate: true })).status).toBe(502);
    fake.revokeAll();
    expect((await patch('leak', { rotate: true })).status).toBe(401);

    for (const t of rec.issued) {
      secrets.set(`access token ${t.accessToken.slice(0, 12)}`, t.accessToken);
      if (t.refreshToken) secrets.set(`refresh token ${t.refreshToken.slice(0, 12)}`, t.refreshToken);
    }
    expect(rec.issued.length).toBeGreaterThanOrEqual(3);

    const logText = svc.logText();
    // The flow was logged (so the absence below means something).
    expect(svc.logLines.filter((l) => l.includes('"msg":"request"')).length).toBeGreaterThanOrEqual(10);
    expect(logText).toContain('refreshed Atlassian credentials');
    expect(logText).toContain('needs re-authorization');
    for (const [what, value] of secrets) {
      expect(logText.includes(value), `${what} in the logs`).toBe(false);
      // The signed cookie's payload part (it names the verifier and return_url) stays out too.
      expect(bodies.some((b) => b.includes(value)), `${what} in a response body`).toBe(false);
    }
    expect(logText.includes(cookieValue.split('.')[0]!), 'the state cookie payload in the logs').toBe(false);
    expect(logText.includes(state), 'the state nonce in the logs').toBe(false);
  });
});
