/**
 * Retries follow Atlassian's advice: idempotent calls only, Retry-After honoured, otherwise
 * 5 s doubling with 0.7-1.3x jitter, at most 4 tries, within a total budget. Waits are recorded
 * through `retrySleep` instead of slept, and spent on the service's clock so the budget sees
 * them; the jitter source (`retryJitter`) is pinned where a test needs exact values. No
 * global is patched.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { apiRequests, client, expectError, type Client } from './support.js';

const PROJECTS = '/rest/api/3/project/search';
const SEARCH = '/rest/api/3/search/jql';
const ISSUE = '/rest/api/3/issue';
const SPACES = '/wiki/api/v2/spaces';
const PAGES = '/wiki/api/v2/pages';

const realRandom = Math.random;
let random: () => number = realRandom;
/** Virtual time that the recorded sleeps "spend", so the budget sees the waits. */
let slept = 0;
const delays: number[] = [];
const retrySleep = async (ms: number): Promise<void> => {
  delays.push(ms);
  slept += ms;
};

/** The service's clock: real time plus the virtual time the recorded sleeps spent. */
const clock = { now: () => new Date(Date.now() + slept) };
const retryJitter = (): number => random();

const start = async (budgetMs: number) => {
  const fake = await startFakeAtlassian();
  const svc = await startTestService({ env: oauthEnv(fake, { ATLASSIAN_RETRY_BUDGET_MS: String(budgetMs) }), overrides: { retrySleep, retryJitter, clock } });
  expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
  return { fake, svc, api: client(svc.url, 'acme') };
};

describe('retries of idempotent calls (budget large enough for 4 tries)', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let api: Client;
  let mark = 0;
  beforeAll(async () => {
    ({ fake, svc, api } = await start(300_000));
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });
  beforeEach(() => {
    fake.clearFaults();
    // A test's 429 leaves the site in a penalty window (the upstream budget): let it pass.
    slept += 10 * 60_000;
    delays.length = 0;
    random = realRandom;
    mark = fake.requests.length;
  });
  afterEach(() => {
    random = realRandom;
  });
  const sent = (suffix: string) => apiRequests(fake, mark).filter((r) => r.path.endsWith(suffix));

  it('429 with Retry-After: 1 twice, then success -> 200 after 3 requests, waiting 1000 ms each time', async () => {
    fake.inject({ kind: 'status', path: PROJECTS, status: 429, headers: { 'retry-after': '1' }, times: 2 });
    const res = await api.get('/connectors/jira/projects');
    expect(res.status, res.text).toBe(200);
    expect(res.body.items).toHaveLength(3);
    expect(sent(PROJECTS)).toHaveLength(3);
    expect(delays).toEqual([1000, 1000]);
  });

  it('503 with Retry-After: 2 waits 2000 ms', async () => {
    fake.inject({ kind: 'status', path: SPACES, status: 503, headers: { 'retry-after': '2' } });
    expect((await api.get('/connectors/confluence/spaces')).status).toBe(200);
    expect(delays).toEqual([2000]);
    expect(sent(SPACES)).toHaveLength(2);
  });

  it('503 without Retry-After: waits grow exponentially from 5 s within 0.7-1.3x jitter', async () => {
    fake.inject({ kind: 'status', path: SEARCH, status: 503, times: 2 });
    expect((await api.get('/connectors/jira/search?q=cache')).status).toBe(200);
    expect(delays).toHaveLength(2);
    const [first, second] = delays as [number, number];
    expect(first).toBeGreaterThanOrEqual(3500);
    expect(first).toBeLessThanOrEqual(6500);
    expect(second).toBeGreaterThanOrEqual(7000);
    expect(second).toBeLessThanOrEqual(13000);
  });

  it.each([
    [0, [3500, 7000, 14000]],
    [0.5, [5000, 10000, 20000]],
    [0.999999, [6500, 13000, 26000]],
  ])('jitter %d gives waits %j (the ends of 0.7-1.3x of 5 s, 10 s, 20 s)', async (r, expected) => {
    random = () => r;
    fake.inject({ kind: 'status', path: SEARCH, status: 503, times: 3 });
    expect((await api.get('/connectors/jira/search?q=cache')).status).toBe(200);
    expect(delays).toEqual(expected);
  });

  it('at most 4 tries: 5 queued 503s -> 4 requests, then 502 VENDOR_ERROR', async () => {
    fake.inject({ kind: 'status', path: PROJECTS, status: 503, times: 5 });
    expectError(await api.get('/connectors/jira/projects'), 502, 'VENDOR_ERROR');
    expect(sent(PROJECTS)).toHaveLength(4);
    expect(delays).toHaveLength(3);
  });

  it('4 faults -> 4 requests then the error: 429 keeps its code and retry_after', async () => {
    fake.inject({ kind: 'status', path: PROJECTS, status: 429, headers: { 'retry-after': '3' }, times: 4 });
    const res = await api.get('/connectors/jira/projects');
    const body = expectError(res, 429, 'RATE_LIMITED');
    expect(body.retry_after).toBe(3);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(sent(PROJECTS)).toHaveLength(4);
    expect(delays).toEqual([3000, 3000, 3000]);
  });

  it('3 faults then success -> 200 on the 4th try', async () => {
    fake.inject({ kind: 'status', path: SPACES, status: 502, times: 3 });
    expect((await api.get('/connectors/confluence/spaces')).status).toBe(200);
    expect(sent(SPACES)).toHaveLength(4);
  });

  it('a reset GET is retried and succeeds', async () => {
    fake.inject({ kind: 'reset', path: SEARCH, times: 1 });
    expect((await api.get('/connectors/jira/search?q=cache')).status).toBe(200);
    expect(sent(SEARCH)).toHaveLength(2);
    expect(delays).toHaveLength(1);
  });

  it.each([
    ['429', { kind: 'status', status: 429, headers: { 'retry-after': '1' } }, 429],
    ['503', { kind: 'status', status: 503 }, 502],
    ['reset', { kind: 'reset' }, 502],
  ] as const)('a POST is never retried on %s', async (_name, fault, status) => {
    fake.inject({ ...fault, path: ISSUE, method: 'POST', times: 4 } as Parameters<FakeAtlassian['inject']>[0]);
    expect((await api.post('/connectors/jira/create', { project_key: 'OPS', summary: 'once' })).status).toBe(status);
    fake.inject({ ...fault, path: PAGES, method: 'POST', times: 4 } as Parameters<FakeAtlassian['inject']>[0]);
    expect((await api.post('/connectors/confluence/create', { space_id: '98305', title: `once ${_name}`, body: 'x' })).status).toBe(status);
    expect(sent(ISSUE)).toHaveLength(1);
    expect(sent(PAGES)).toHaveLength(1);
    expect(delays).toEqual([]);
  });
});

describe.each([
  // jitter pinned to 1.0x: waits would be 5000, 10000, 20000 ms
  [6000, 2, [5000]],
  [14000, 2, [5000]],
  [16000, 3, [5000, 10000]],
])('total retry budget ATLASSIAN_RETRY_BUDGET_MS=%i', (budget, requests, waits) => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let api: Client;
  beforeAll(async () => {
    ({ fake, svc, api } = await start(budget));
  });
  afterAll(async () => {
    random = realRandom;
    await svc.close();
    await fake.close();
  });

  it(`stops before exceeding it: ${requests} requests, waits ${JSON.stringify(waits)}`, async () => {
    random = () => 0.5;
    delays.length = 0;
    const mark = fake.requests.length;
    fake.inject({ kind: 'status', path: PROJECTS, status: 503, times: 4 });
    expectError(await api.get('/connectors/jira/projects'), 502, 'VENDOR_ERROR');
    expect(apiRequests(fake, mark)).toHaveLength(requests);
    expect(delays).toEqual(waits);
    expect(delays.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(budget);
  });
});
