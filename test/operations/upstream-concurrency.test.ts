/**
 * UPSTREAM_CONCURRENCY_PER_TENANT end to end: the fake Atlassian holds every answer back, so
 * calls pile up; no more than the cap of one tenant's calls reach it at once, the rest wait in
 * the tenant's bounded queue (or are answered 429 past it), and another tenant's calls go
 * through meanwhile.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { apiRequests, client, expectError, type ApiResponse } from './support.js';
import type { TenantId } from '../../src/domain/tenant.js';

const PROJECTS = '/rest/api/3/project/search';

/** The Authorization header each tenant's calls carry, learnt from one call of each. */
async function tokensOf(svc: TestService, fake: FakeAtlassian, tenants: readonly string[]): Promise<Map<string, string>> {
  const tokens = new Map<string, string>();
  for (const tenant of tenants) {
    const mark = fake.requests.length;
    expect((await client(svc.url, tenant).get('/connectors/jira/projects')).status).toBe(200);
    const auth = apiRequests(fake, mark)[0]?.headers.authorization;
    expect(auth).toBeDefined();
    tokens.set(tenant, String(auth));
  }
  expect(new Set(tokens.values()).size).toBe(tenants.length);
  return tokens;
}

/** The fake's requests of one tenant (by its token) that arrived from `mark` on. */
const arrived = (fake: FakeAtlassian, token: string, mark: number) => apiRequests(fake, mark).filter((r) => r.headers.authorization === token).length;

const waitFor = async (what: () => boolean, ms = 5_000): Promise<void> => {
  const until = Date.now() + ms;
  while (!what()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('UPSTREAM_CONCURRENCY_PER_TENANT', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let tokens: Map<string, string>;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({
      env: oauthEnv(fake, { UPSTREAM_CONCURRENCY_PER_TENANT: '3', UPSTREAM_QUEUE_PER_TENANT: '4', UPSTREAM_QUEUE_WAIT_MS: '20000' }),
    });
    for (const tenant of ['busy', 'quiet']) expect((await connect(svc.url, fake, { tenant })).status).toBe(302);
    tokens = await tokensOf(svc, fake, ['busy', 'quiet']);
  });
  afterAll(async () => {
    await svc?.close();
    await fake?.close();
  });
  afterEach(() => fake.clearFaults());

  it("lets at most the cap of one tenant's calls reach Atlassian at once, queues the rest, and another tenant's call goes through meanwhile", async () => {
    fake.inject({ kind: 'delay', path: PROJECTS, ms: 600, times: 100 });
    const busy = client(svc.url, 'busy');
    const mark = fake.requests.length;
    const pending = Array.from({ length: 7 }, () => busy.get('/connectors/jira/projects'));
    await waitFor(() => arrived(fake, tokens.get('busy')!, mark) >= 3);
    // The other four wait in the queue: none of them reached the fake.
    await new Promise((r) => setTimeout(r, 200));
    expect(arrived(fake, tokens.get('busy')!, mark)).toBe(3);
    expect(svc.service.adapters.concurrency.inFlight('busy' as TenantId)).toBe(3);
    // The quiet tenant is not behind the busy one's queue.
    const started = performance.now();
    const quiet = await client(svc.url, 'quiet').get('/connectors/jira/projects');
    expect(quiet.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(1_200);
    const answers = await Promise.all(pending);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200, 200]);
    expect(arrived(fake, tokens.get('busy')!, mark)).toBe(7);
    // Never more than three of the busy tenant's requests were in the fake at once.
    const busyTimes = apiRequests(fake, mark)
      .filter((r) => r.headers.authorization === tokens.get('busy'))
      .map((r) => r.at)
      .sort((a, b) => a - b);
    for (let i = 3; i < busyTimes.length; i += 1) expect(busyTimes[i]! - busyTimes[i - 3]!).toBeGreaterThanOrEqual(550);
    expect(svc.service.adapters.concurrency.inFlight('busy' as TenantId)).toBe(0);
  });

  it('answers 429 RATE_LIMITED, without calling, once the queue is full', async () => {
    fake.inject({ kind: 'delay', path: PROJECTS, ms: 500, times: 100 });
    const busy = client(svc.url, 'busy');
    const mark = fake.requests.length;
    const answers: ApiResponse[] = await Promise.all(Array.from({ length: 10 }, () => busy.get('/connectors/jira/projects')));
    const statuses = answers.map((a) => a.status).sort();
    // 3 in flight + 4 queued succeed; the other 3 are refused at once.
    expect(statuses.filter((s) => s === 200)).toHaveLength(7);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(3);
    for (const r of refused) {
      const body = expectError(r, 429, 'RATE_LIMITED');
      expect(body.message).toMatch(/UPSTREAM_CONCURRENCY_PER_TENANT/);
      expect(body.retry_after).toBeGreaterThan(0);
      expect(r.headers.get('retry-after')).toBe(String(body.retry_after));
    }
    expect(arrived(fake, tokens.get('busy')!, mark)).toBe(7);
  });

  it('counts tools/invoke and proxy calls in the same slots as REST calls', async () => {
    fake.inject({ kind: 'delay', path: PROJECTS, ms: 500, times: 100 });
    const busy = client(svc.url, 'busy');
    const mark = fake.requests.length;
    const answers = await Promise.all([
      ...Array.from({ length: 4 }, () => busy.get('/connectors/jira/projects')),
      ...Array.from({ length: 3 }, () => busy.post('/connectors/tools/invoke', { tool: 'jira_list_projects', arguments: {} })),
      ...Array.from({ length: 3 }, () => busy.get(`/connectors/jira/proxy${PROJECTS}`)),
    ]);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(7);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(3);
    expect(arrived(fake, tokens.get('busy')!, mark)).toBe(7);
  });
});

describe('UPSTREAM_CONCURRENCY_PER_TENANT over MCP', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let tokens: Map<string, string>;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({
      env: oauthEnv(fake, { UPSTREAM_CONCURRENCY_PER_TENANT: '3', UPSTREAM_QUEUE_PER_TENANT: '4', UPSTREAM_QUEUE_WAIT_MS: '20000' }),
    });
    expect((await connect(svc.url, fake, { tenant: 'busy' })).status).toBe(302);
    tokens = await tokensOf(svc, fake, ['busy']);
  });
  afterAll(async () => {
    await svc?.close();
    await fake?.close();
  });

  /** One MCP tools/call on POST /mcp: whether it succeeded, or the error code of its isError result. */
  const mcpCall = async (id: number): Promise<'ok' | string> => {
    const res = await fetch(`${svc.url}/mcp`, {
      method: 'POST',
      headers: { 'x-tenant-id': 'busy', 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'jira_list_projects', arguments: {} } }),
    });
    expect(res.status).toBe(200);
    const message = (await res.json()) as { result: { isError?: boolean; content: Array<{ text: string }> } };
    if (!message.result.isError) return 'ok';
    return (JSON.parse(message.result.content[0]!.text) as { code: string }).code;
  };

  it('MCP tools/call takes the same slots: past the cap and the queue it is an isError RATE_LIMITED, without calling', async () => {
    fake.inject({ kind: 'delay', path: PROJECTS, ms: 500, times: 100 });
    const busy = client(svc.url, 'busy');
    const mark = fake.requests.length;
    const [rest, mcp] = await Promise.all([
      Promise.all(Array.from({ length: 4 }, () => busy.get('/connectors/jira/projects'))),
      Promise.all(Array.from({ length: 6 }, (_, i) => mcpCall(i + 1))),
    ]);
    const ok = rest.filter((a) => a.status === 200).length + mcp.filter((m) => m === 'ok').length;
    const refused = rest.filter((a) => a.status === 429).length + mcp.filter((m) => m === 'RATE_LIMITED').length;
    expect({ ok, refused }).toEqual({ ok: 7, refused: 3 });
    expect(mcp.every((m) => m === 'ok' || m === 'RATE_LIMITED')).toBe(true);
    expect(arrived(fake, tokens.get('busy')!, mark)).toBe(7);
  });
});

describe('UPSTREAM_QUEUE_WAIT_MS', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({
      env: oauthEnv(fake, { UPSTREAM_CONCURRENCY_PER_TENANT: '1', UPSTREAM_QUEUE_PER_TENANT: '10', UPSTREAM_QUEUE_WAIT_MS: '300' }),
    });
    expect((await connect(svc.url, fake, { tenant: 'slow' })).status).toBe(302);
  });
  afterAll(async () => {
    await svc?.close();
    await fake?.close();
  });

  it('answers a call that waited longer than the wait 429 without calling', async () => {
    fake.inject({ kind: 'delay', path: PROJECTS, ms: 1_000, times: 100 });
    const slow = client(svc.url, 'slow');
    const mark = fake.requests.length;
    const [first, second] = await Promise.all([slow.get('/connectors/jira/projects'), slow.get('/connectors/jira/projects')]);
    expect([first!.status, second!.status].sort()).toEqual([200, 429]);
    const refused = first!.status === 429 ? first! : second!;
    expect(expectError(refused, 429, 'RATE_LIMITED').message).toMatch(/queue is full or the wait ran out/);
    expect(apiRequests(fake, mark)).toHaveLength(1);
  });
});
