/**
 * Token lifecycle against the fake Atlassian: refresh ahead of expiry (stored before use),
 * single-flight under concurrency, rotation that never trips the reuse detector,
 * invalid_grant -> TOKEN_EXPIRED without a loop, and refresh-once-retry-once after a 401.
 */
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessContext } from '../../src/domain/credentials.js';
import type { TenantId } from '../../src/domain/tenant.js';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { expectErrorResponse } from '../support/http.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import {
  connectionOf,
  patchConnection,
  recordingAuthorization,
  refreshRequests,
  sleep,
  tenantHeaders,
  waitForProjectsRoute,
} from './support.js';

const tenant = (t: string) => t as TenantId;
const refresherOf = (svc: TestService) => svc.service.useCases.access;

const myself = (ctx: AccessContext) =>
  fetch(`${ctx.baseUrl}/rest/api/3/myself`, { headers: { authorization: ctx.authorization, accept: 'application/json' } });

const accessOrThrow = async (svc: TestService, t: string, connector: 'jira' | 'confluence' = 'jira'): Promise<AccessContext> => {
  const r = await refresherOf(svc).access(tenant(t), connector)();
  if (E.isLeft(r)) throw new Error(`access failed: ${r.left.code} ${r.left.message}`);
  return r.right;
};

/** Polls until `cond` holds (or fails the test after 5 s). */
const until = async (cond: () => boolean | Promise<boolean>): Promise<void> => {
  for (const started = performance.now(); !(await cond()); await sleep(10)) {
    if (performance.now() - started > 5000) throw new Error('condition not met within 5 s');
  }
};

describe('refresh ahead of expiry (access tokens live 60 s, skew 300 s)', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let rec: ReturnType<typeof recordingAuthorization>;
  beforeAll(async () => {
    fake = await startFakeAtlassian({ accessTokenTtlSeconds: 60 });
    rec = recordingAuthorization(fake);
    svc = await startTestService({
      env: oauthEnv(fake, { TOKEN_REFRESH_SKEW_SECONDS: '300' }),
      overrides: { authorization: rec.authorization },
    });
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  it('hands a token within the skew out as it is while its refresh runs beside the call, then the rotated pair, stored first', async () => {
    expect((await connect(svc.url, fake, { tenant: 'skew' })).status).toBe(302);
    const before = await connectionOf(svc.url, 'skew', 'jira');
    const issuedBefore = rec.issued.length;
    const refreshes = fake.tokenGrants.refresh;
    await sleep(5); // so the refresh time differs from the connect time

    // 60 s left of a 300 s skew: still good, so it is used, and the refresh starts beside it.
    const first = await accessOrThrow(svc, 'skew');
    expect((await myself(first)).status).toBe(200);
    await until(() => fake.tokenGrants.refresh === refreshes + 1 && rec.issued.length === issuedBefore + 1);
    await until(async () => (await connectionOf(svc.url, 'skew', 'jira')).refreshed_at !== before.refreshed_at);
    expect(fake.tokenGrants.refresh).toBe(refreshes + 1);
    const rotated = rec.issued[issuedBefore]!;

    // The row holds the new pair (sealed) and the new times.
    const store = svc.service.adapters.connections;
    const cipher = svc.service.adapters.cipher;
    const row = await store.find(tenant('skew'), 'jira')();
    if (E.isLeft(row) || !row.right) throw new Error('no row');
    const opened = cipher.decrypt(row.right.credentials ?? '');
    expect(opened).toEqual(
      E.right(JSON.stringify({ kind: 'oauth', access_token: rotated.accessToken, refresh_token: rotated.refreshToken })),
    );
    const after = await connectionOf(svc.url, 'skew', 'jira');
    expect(Date.parse(after.refreshed_at!)).toBeGreaterThan(Date.parse(before.refreshed_at!));
    expect(Date.parse(after.expires_at!)).toBeGreaterThan(Date.parse(before.expires_at!));
    // Both connections of the grant moved together.
    expect((await connectionOf(svc.url, 'skew', 'confluence')).refreshed_at).toBe(after.refreshed_at);

    // The next caller gets the rotated token, and it works at Atlassian. (60 s left of it is
    // again within the skew: another refresh starts beside that call; let it finish.)
    const ctx = await accessOrThrow(svc, 'skew');
    expect(ctx.authorization).toBe(`Bearer ${rotated.accessToken}`);
    expect(ctx.authorization).not.toBe(first.authorization);
    expect(ctx.baseUrl).toBe(`${fake.url}/ex/jira/${fake.sites[0]!.id}`);
    expect((await myself(ctx)).status).toBe(200);
    await until(() => fake.tokenGrants.refresh === refreshes + 2);
    await until(async () => (await connectionOf(svc.url, 'skew', 'jira')).refreshed_at !== after.refreshed_at);
  });

  it('200 concurrent access() calls in one process make exactly one refresh', async () => {
    expect((await connect(svc.url, fake, { tenant: 'flight' })).status).toBe(302);
    const refreshes = fake.tokenGrants.refresh;
    const results = await Promise.all(Array.from({ length: 200 }, () => refresherOf(svc).access(tenant('flight'), 'jira')()));
    await until(() => fake.tokenGrants.refresh - refreshes >= 1);
    await sleep(100);
    expect(fake.tokenGrants.refresh - refreshes).toBe(1);
    expect(results.every(E.isRight)).toBe(true);
    const tokens = new Set(results.map((r) => (E.isRight(r) ? r.right.authorization : '')));
    expect(tokens.size).toBe(1);
    expect(fake.tokenGrants.rejectedRefresh).toBe(0);
  });

  it('a token outside the skew is handed out without a refresh', async () => {
    const relaxed = await startTestService({ env: oauthEnv(fake, { TOKEN_REFRESH_SKEW_SECONDS: '10' }) });
    try {
      expect((await connect(relaxed.url, fake, { tenant: 'fresh' })).status).toBe(302);
      const refreshes = fake.tokenGrants.refresh;
      const ctx = await accessOrThrow(relaxed, 'fresh');
      expect(fake.tokenGrants.refresh).toBe(refreshes);
      expect((await myself(ctx)).status).toBe(200);
    } finally {
      await relaxed.close();
    }
  });
});

describe('rotation never trips the reuse detector (grace 50 ms)', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  beforeAll(async () => {
    fake = await startFakeAtlassian({ refreshGraceMs: 50, accessTokenTtlSeconds: 60 });
    svc = await startTestService({ env: oauthEnv(fake) });
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  it('several sequential refreshes, then the connection still works and no grant is revoked', async () => {
    expect((await connect(svc.url, fake, { tenant: 'grace' })).status).toBe(302);
    const refreshes = fake.tokenGrants.refresh;
    for (let i = 0; i < 3; i++) {
      expect((await patchConnection(svc.url, 'grace', { rotate: true })).status).toBe(200);
      await sleep(80);
      // The skew (300 s) makes every 60 s token "expiring", so access() refreshes as well.
      const ctx = await accessOrThrow(svc, 'grace');
      await sleep(80);
      expect((await myself(ctx)).status).toBe(200);
    }
    expect(fake.tokenGrants.refresh - refreshes).toBe(6);
    expect(fake.tokenGrants.rejectedRefresh).toBe(0);
    expect(fake.isGrantRevoked()).toBe(false);
    // Every refresh presented a different refresh token: none was reused.
    const presented = refreshRequests(fake).map((r) => (r.body as { refresh_token: string }).refresh_token);
    expect(new Set(presented).size).toBe(presented.length);

    // Control: the fake does revoke on reuse after the grace period, so the checks above bite.
    const stale = presented[0]!;
    const reuse = await fetch(`${fake.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'refresh_token', client_id: 'fake-client-id', client_secret: 'fake-client-secret', refresh_token: stale }),
    });
    expect(reuse.status).toBe(403);
    expect(fake.isGrantRevoked()).toBe(true);
  });
});

describe('invalid_grant', () => {
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

  it('-> 401 TOKEN_EXPIRED telling to reconnect, status needs_reauth, exactly one refresh attempt', async () => {
    expect((await connect(svc.url, fake, { tenant: 'gone' })).status).toBe(302);
    fake.revokeAll();
    const attempts = refreshRequests(fake).length;
    const rejected = fake.tokenGrants.rejectedRefresh;

    const res = await patchConnection(svc.url, 'gone', { rotate: true });
    const body = await expectErrorResponse(res, 401, 'TOKEN_EXPIRED');
    expect(body.message).toMatch(/reconnect/i);
    expect(body.message).toContain('/auth/jira/login');
    expect(refreshRequests(fake).length - attempts).toBe(1);
    expect(fake.tokenGrants.rejectedRefresh - rejected).toBe(1);

    expect((await connectionOf(svc.url, 'gone', 'jira')).status).toBe('needs_reauth');
    expect((await connectionOf(svc.url, 'gone', 'confluence')).status).toBe('needs_reauth');

    // No loop and no further attempts: the connection now answers TOKEN_EXPIRED by itself.
    await expectErrorResponse(await patchConnection(svc.url, 'gone', { rotate: true }), 401, 'TOKEN_EXPIRED');
    const access = await refresherOf(svc).access(tenant('gone'), 'jira')();
    expect(E.isLeft(access) && access.left.code).toBe('TOKEN_EXPIRED');
    await sleep(50);
    expect(refreshRequests(fake).length - attempts).toBe(1);

    // Reconnecting heals it.
    expect((await connect(svc.url, fake, { tenant: 'gone' })).status).toBe(302);
    expect((await connectionOf(svc.url, 'gone', 'jira')).status).toBe('active');
  });
});

describe('a 401 from Atlassian on an API call (GET /connectors/jira/projects)', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let routed = false;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake) });
    // The route came with the operations work; OAUTH_TEST_ROUTE_ATTEMPTS lets a run wait for it.
    routed = await waitForProjectsRoute(svc.url, Number(process.env['OAUTH_TEST_ROUTE_ATTEMPTS'] ?? 1), 120_000);
    expect((await connect(svc.url, fake, { tenant: 'api401' })).status).toBe(302);
  }, 600_000);
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  const projects = () => fetch(`${svc.url}/connectors/jira/projects`, { headers: tenantHeaders('api401') });

  it('one 401 forces one refresh and one retry -> 200', async () => {
    expect(routed, 'GET /connectors/jira/projects is routed').toBe(true);
    const refreshes = fake.tokenGrants.refresh;
    fake.inject({ kind: 'status', path: '/rest/api/3/project/search', status: 401, body: { code: 401, message: 'Unauthorized' } });
    const res = await projects();
    expect(res.status).toBe(200);
    expect(fake.tokenGrants.refresh - refreshes).toBe(1);
    const calls = fake.requests.filter((r) => r.path.endsWith('/rest/api/3/project/search'));
    const [first, second] = calls.slice(-2);
    expect(first!.headers.authorization).not.toBe(second!.headers.authorization);
  });

  it('two 401s -> 401 TOKEN_EXPIRED after exactly one refresh', async () => {
    expect(routed, 'GET /connectors/jira/projects is routed').toBe(true);
    const refreshes = fake.tokenGrants.refresh;
    fake.inject({ kind: 'status', path: '/rest/api/3/project/search', status: 401, body: { code: 401, message: 'Unauthorized' }, times: 2 });
    const res = await projects();
    const body = await expectErrorResponse(res, 401, 'TOKEN_EXPIRED');
    expect(body.message).toMatch(/reconnect/i);
    expect(fake.tokenGrants.refresh - refreshes).toBe(1);
    fake.clearFaults();
    expect((await projects()).status).toBe(200);
  });
});
