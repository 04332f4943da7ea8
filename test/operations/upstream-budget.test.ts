/**
 * The upstream budget end to end: the fake Atlassian sends the rate-limit headers Atlassian
 * documents (Retry-After, RateLimit-Reason, X-RateLimit-NearLimit, X-RateLimit-Remaining), and
 * the service holds calls back or spaces them out itself. The service's waits are recorded
 * through `retrySleep` and spent on its clock instead of slept. Two tenants on two sites show
 * that one site's penalty or near-limit state never slows the other tenant, while the app's
 * global quota slows both.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { apiRequests, client, expectError, type Client } from './support.js';

const ISSUE = '/rest/api/3/issue';
const MYSELF = '/rest/api/3/myself';

let slept = 0;
const delays: number[] = [];
const retrySleep = async (ms: number): Promise<void> => {
  delays.push(ms);
  slept += ms;
};
const clock = { now: () => new Date(Date.now() + slept) };

describe('the upstream budget', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let api: Client;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake), overrides: { retrySleep, clock } });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
    api = client(svc.url, 'acme');
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });
  beforeEach(() => {
    fake.clearFaults();
    // Past any penalty window or near-limit hold an earlier test left.
    slept += 2 * 60 * 60_000;
    delays.length = 0;
  });

  const health = async () => (await (await fetch(`${svc.url}/`)).json()) as { upstream: Record<string, unknown> };

  /**
   * Acme's /myself answered as usual but with these rate-limit headers (on `path`, any site's
   * /myself by default), then called: how Atlassian says a site or the app is near its limit.
   */
  const myselfAnswersWith = async (headers: Record<string, string>, opts: { path?: string; times?: number } = {}): Promise<void> => {
    expect((await api.get('/connectors/jira/myself')).status).toBe(200);
    const normal = fake.requests.filter((r) => r.path.endsWith(MYSELF)).at(-1)?.response?.body;
    fake.inject({ kind: 'status', path: opts.path ?? MYSELF, status: 200, body: normal, ...(opts.times !== undefined ? { times: opts.times } : {}), headers });
    expect((await api.get('/connectors/jira/myself')).status).toBe(200);
  };

  it("after Atlassian's 429, calls to the site are answered 429 by the service, without calling, until the window ends", async () => {
    fake.inject({
      kind: 'status',
      path: ISSUE,
      method: 'POST',
      status: 429,
      headers: { 'retry-after': '30', 'ratelimit-reason': 'jira-quota-tenant-based' },
    });
    const created = await api.post('/connectors/jira/create', { project_key: 'ACME', summary: 'x' });
    expect(expectError(created, 429, 'RATE_LIMITED').retry_after).toBe(30);

    const mark = fake.requests.length;
    const held = await api.get('/connectors/jira/projects');
    const body = expectError(held, 429, 'RATE_LIMITED');
    expect(body.retry_after).toBeGreaterThan(0);
    expect(body.retry_after).toBeLessThanOrEqual(30);
    expect(held.headers.get('retry-after')).toBe(String(body.retry_after));
    expect(body.message).toMatch(/rate limit .*this site.* not requested/);
    expect(apiRequests(fake, mark)).toHaveLength(0);
    // Confluence's limits are its own.
    expect((await api.get('/connectors/confluence/spaces')).status).toBe(200);
    expect((await health()).upstream).toMatchObject({ sites_in_penalty: 1 });

    slept += 31_000;
    expect((await api.get('/connectors/jira/projects')).status).toBe(200);
    expect((await health()).upstream).toMatchObject({ sites_in_penalty: 0 });
  });

  it('a 429 without Retry-After holds the site until its X-RateLimit-Reset', async () => {
    const reset = new Date(clock.now().getTime() + 45_000).toISOString();
    fake.inject({ kind: 'status', path: ISSUE, method: 'POST', status: 429, headers: { 'x-ratelimit-reset': reset, 'ratelimit-reason': 'jira-quota-tenant-based' } });
    expectError(await api.post('/connectors/jira/create', { project_key: 'ACME', summary: 'x' }), 429, 'RATE_LIMITED');
    const mark = fake.requests.length;
    const held = expectError(await api.get('/connectors/jira/projects'), 429, 'RATE_LIMITED');
    // The reset, 45 s away, not the default window (60 s).
    expect(held.retry_after).toBeGreaterThan(40);
    expect(held.retry_after).toBeLessThanOrEqual(45);
    expect(apiRequests(fake, mark)).toHaveLength(0);
    slept += 46_000;
    expect((await api.get('/connectors/jira/projects')).status).toBe(200);
  });

  it('X-RateLimit-NearLimit: false clears the near-limit state at once', async () => {
    expect((await api.get('/connectors/jira/myself')).status).toBe(200);
    const normal = fake.requests.filter((r) => r.path.endsWith(MYSELF)).at(-1)?.response?.body;
    fake.inject({ kind: 'status', path: MYSELF, status: 200, body: normal, times: 1, headers: { 'x-ratelimit-nearlimit': 'true', 'ratelimit-reason': 'jira-quota-tenant-based' } });
    expect((await api.get('/connectors/jira/myself')).status).toBe(200);
    expect((await health()).upstream).toMatchObject({ sites_near_limit: 1 });
    fake.inject({ kind: 'status', path: MYSELF, status: 200, body: normal, times: 1, headers: { 'x-ratelimit-nearlimit': 'false' } });
    expect((await api.get('/connectors/jira/myself')).status).toBe(200);
    expect((await health()).upstream).toMatchObject({ sites_near_limit: 0 });
    delays.length = 0;
    for (let i = 0; i < 3; i++) expect((await api.get('/connectors/jira/projects')).status).toBe(200);
    expect(delays).toEqual([]);
  });

  it("a 429 on the app's global quota holds back the other product too", async () => {
    fake.inject({
      kind: 'status',
      path: ISSUE,
      method: 'POST',
      status: 429,
      headers: { 'retry-after': '20', 'ratelimit-reason': 'jira-quota-global-based' },
    });
    expectError(await api.post('/connectors/jira/create', { project_key: 'ACME', summary: 'x' }), 429, 'RATE_LIMITED');
    const mark = fake.requests.length;
    const held = expectError(await api.get('/connectors/confluence/spaces'), 429, 'RATE_LIMITED');
    expect(held.message).toMatch(/OAuth app/);
    expect(apiRequests(fake, mark)).toHaveLength(0);
    expect((await health()).upstream).toMatchObject({ app: { near_limit: false, penalty_until: expect.any(String) } });
  });

  describe('two tenants on two sites', () => {
    const ACME_SITE = '11111111-1111-4111-8111-111111111111';
    const BETA_SITE = '22222222-2222-4222-8222-222222222222';
    let beta: Client;
    beforeAll(async () => {
      // Tenant beta connects the same OAuth app, then makes the beta site its active one.
      expect((await connect(svc.url, fake, { tenant: 'beta' })).status).toBe(302);
      beta = client(svc.url, 'beta');
      expect((await beta.patch('/connectors/jira/connection', { cloud_id: BETA_SITE })).status).toBe(200);
    });
    const sentTo = (site: string, mark: number) => apiRequests(fake, mark).filter((r) => r.path.startsWith(`/ex/jira/${site}/`));

    it("a site in a penalty window holds back its own tenant's calls only: the other tenant's site is called at once", async () => {
      fake.inject({ kind: 'status', path: `/ex/jira/${ACME_SITE}${ISSUE}`, method: 'POST', status: 429, headers: { 'retry-after': '30', 'ratelimit-reason': 'jira-quota-tenant-based' } });
      expectError(await api.post('/connectors/jira/create', { project_key: 'ACME', summary: 'x' }), 429, 'RATE_LIMITED');
      const mark = fake.requests.length;
      expectError(await api.get('/connectors/jira/projects'), 429, 'RATE_LIMITED');
      for (let i = 0; i < 3; i++) expect((await beta.get('/connectors/jira/projects')).status).toBe(200);
      expect(sentTo(ACME_SITE, mark)).toHaveLength(0);
      expect(sentTo(BETA_SITE, mark)).toHaveLength(3);
      expect(delays).toEqual([]);
      expect((await health()).upstream).toMatchObject({ sites_in_penalty: 1 });
    });

    it("a site near its limit spaces out its own tenant's calls only: the other tenant's calls wait for nothing", async () => {
      await myselfAnswersWith(
        { 'x-ratelimit-nearlimit': 'true', 'x-ratelimit-remaining': '3', 'ratelimit-reason': 'jira-quota-tenant-based' },
        { path: `/ex/jira/${ACME_SITE}${MYSELF}` },
      );
      expect((await health()).upstream).toMatchObject({ sites_near_limit: 1, lowest_remaining: 3 });
      delays.length = 0;
      const mark = fake.requests.length;
      for (let i = 0; i < 3; i++) expect((await beta.get('/connectors/jira/projects')).status).toBe(200);
      expect(sentTo(BETA_SITE, mark)).toHaveLength(3);
      expect(delays).toEqual([]);
      // The near site itself is slowed: each call after the first waits for its slot.
      for (let i = 0; i < 3; i++) expect((await api.get('/connectors/jira/projects')).status).toBe(200);
      expect(delays).toHaveLength(2);
    });

    it("the app's global quota near its limit (seen on one site) spaces out the other tenant's calls too", async () => {
      await myselfAnswersWith({ 'x-ratelimit-nearlimit': 'true', 'ratelimit-reason': 'jira-quota-global-based' }, { path: `/ex/jira/${ACME_SITE}${MYSELF}`, times: 1 });
      expect((await health()).upstream).toMatchObject({ app: { near_limit: true } });
      delays.length = 0;
      for (let i = 0; i < 3; i++) expect((await beta.get('/connectors/jira/projects')).status).toBe(200);
      expect(delays.length).toBeGreaterThanOrEqual(2);
    });
  });

  it('near the limit, calls to the site are spaced out instead of sent at once', async () => {
    await myselfAnswersWith({ 'x-ratelimit-nearlimit': 'true', 'x-ratelimit-remaining': '2', 'ratelimit-reason': 'jira-quota-tenant-based' });
    expect((await health()).upstream).toMatchObject({ sites_near_limit: 1, lowest_remaining: 2 });
    delays.length = 0;
    for (let i = 0; i < 3; i++) expect((await api.get('/connectors/jira/projects')).status).toBe(200);
    // The first goes at once; each next one waits for its slot (real time moves a little between them).
    expect(delays).toHaveLength(2);
    for (const d of delays) {
      expect(d).toBeGreaterThan(150);
      expect(d).toBeLessThanOrEqual(250);
    }
  });
});
