/**
 * RATE_LIMIT_PER_TENANT on a real service on loopback: each tenant has a token bucket of
 * RATE_LIMIT_BURST tokens refilled at the per-minute rate; REST routes, tools/invoke and /mcp
 * all take from it; the health, document and docs routes never do. Time is the test's clock.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { client, expectError, type ApiResponse } from '../operations/support.js';
import { configFrom, loadConfig } from '../../src/composition/config.js';

let offset = 0;
const clock = { now: () => new Date(Date.UTC(2026, 0, 1) + offset) };

const mcpInitialize = async (url: string, tenant: string): Promise<Response> =>
  fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { 'x-tenant-id': tenant, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'rate-test', version: '1' } },
    }),
  });

const asApi = async (res: Response): Promise<ApiResponse> => {
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, text, body };
};

describe('RATE_LIMIT_PER_TENANT', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let metricsUrl: string;
  // 6 a minute: one token every 10 s; 3 at once.
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({
      env: oauthEnv(fake, { RATE_LIMIT_PER_TENANT: '6', RATE_LIMIT_BURST: '3', METRICS_PORT: '0' }),
      overrides: { clock },
    });
    metricsUrl = svc.service.metricsUrl() ?? '';
  });
  afterAll(async () => {
    await svc?.close();
    await fake?.close();
  });
  beforeEach(() => {
    // Every bucket full again.
    offset += 10 * 60_000;
  });

  it('lets a burst through, then answers 429 RATE_LIMITED with Retry-After and retry_after; another tenant is unaffected', async () => {
    const a = client(svc.url, 'tenant-a');
    for (let i = 0; i < 3; i += 1) expect((await a.get('/connectors')).status).toBe(200);
    const refused = await a.get('/connectors');
    const body = expectError(refused, 429, 'RATE_LIMITED');
    expect(body.retry_after).toBe(10);
    expect(refused.headers.get('retry-after')).toBe('10');
    expect(body.message).toMatch(/RATE_LIMIT_PER_TENANT/);
    // Tenant B has a bucket of its own.
    const b = client(svc.url, 'tenant-b');
    for (let i = 0; i < 3; i += 1) expect((await b.get('/connectors')).status).toBe(200);
    expect((await b.get('/connectors')).status).toBe(429);
    // Open mode without X-Tenant-Id is the default tenant, a bucket of its own too.
    expect((await fetch(`${svc.url}/connectors`)).status).toBe(200);
  });

  it('refills at the per-minute rate on the clock, never above the burst', async () => {
    const a = client(svc.url, 'refill-a');
    for (let i = 0; i < 3; i += 1) expect((await a.get('/connectors')).status).toBe(200);
    expect(expectError(await a.get('/connectors'), 429, 'RATE_LIMITED').retry_after).toBe(10);
    offset += 4_000;
    expect(expectError(await a.get('/connectors'), 429, 'RATE_LIMITED').retry_after).toBe(6);
    offset += 6_000;
    expect((await a.get('/connectors')).status).toBe(200);
    expect(expectError(await a.get('/connectors'), 429, 'RATE_LIMITED').retry_after).toBe(10);
    offset += 20_000;
    expect((await a.get('/connectors')).status).toBe(200);
    expect((await a.get('/connectors')).status).toBe(200);
    expect((await a.get('/connectors')).status).toBe(429);
    // An hour idle fills the bucket to the burst only.
    offset += 60 * 60_000;
    for (let i = 0; i < 3; i += 1) expect((await a.get('/connectors')).status).toBe(200);
    expect((await a.get('/connectors')).status).toBe(429);
  });

  it('counts REST, tools/invoke and /mcp in one bucket, and answers each of them 429', async () => {
    const a = client(svc.url, 'mixed-a');
    expect((await a.get('/connectors')).status).toBe(200);
    const invoked = await a.post('/connectors/tools/invoke', { tool: 'jira_list_projects', arguments: {} });
    expect(invoked.status).not.toBe(429);
    expect((await mcpInitialize(svc.url, 'mixed-a')).status).toBe(200);
    // The bucket is empty now, whichever way the next request comes.
    expect(expectError(await a.get('/connectors'), 429, 'RATE_LIMITED').retry_after).toBe(10);
    expect(expectError(await a.post('/connectors/tools/invoke', { tool: 'jira_list_projects', arguments: {} }), 429, 'RATE_LIMITED').retry_after).toBe(10);
    const mcp = await asApi(await mcpInitialize(svc.url, 'mixed-a'));
    expect(expectError(mcp, 429, 'RATE_LIMITED').retry_after).toBe(10);
    expect(mcp.headers.get('retry-after')).toBe('10');
    expect(expectError(await a.get('/connectors/jira/projects'), 429, 'RATE_LIMITED').code).toBe('RATE_LIMITED');
  });

  it('never limits the health, readiness, status, document and docs routes', async () => {
    const a = client(svc.url, 'health-a');
    for (let i = 0; i < 3; i += 1) expect((await a.get('/connectors')).status).toBe(200);
    expect((await a.get('/connectors')).status).toBe(429);
    for (let i = 0; i < 10; i += 1) {
      for (const path of ['/healthz', '/health', '/readyz', '/', '/openapi.json', '/docs']) {
        const res = await a.get(path);
        expect(res.status, `${path}: ${res.text.slice(0, 200)}`).toBe(200);
      }
    }
    expect((await a.get('/connectors')).status).toBe(429);
  });

  it('counts its refusals as rate_limited_total{origin="tenant"}', async () => {
    const count = async () => {
      const text = await (await fetch(`${metricsUrl}/metrics`)).text();
      return Number(/integration_backend_rate_limited_total\{origin="tenant"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    const before = await count();
    const a = client(svc.url, 'metrics-a');
    for (let i = 0; i < 3; i += 1) expect((await a.get('/connectors')).status).toBe(200);
    expect((await a.get('/connectors')).status).toBe(429);
    expect((await a.get('/connectors')).status).toBe(429);
    expect(await count()).toBe(before + 2);
  });
});

describe('the rate limit settings', () => {
  it('are off by default', () => {
    expect(configFrom({}).rateLimit).toBeNull();
    expect(configFrom({}).upstreamConcurrency).toEqual({ perTenant: 8, queue: 64, maxWaitMs: 10_000 });
  });

  it('take the burst from the per-minute limit unless RATE_LIMIT_BURST is set', () => {
    expect(configFrom({ RATE_LIMIT_PER_TENANT: '120' }).rateLimit).toEqual({ perMinute: 120, burst: 120, shared: false });
    expect(configFrom({ RATE_LIMIT_PER_TENANT: '120', RATE_LIMIT_BURST: '10' }).rateLimit).toEqual({ perMinute: 120, burst: 10, shared: false });
  });

  it('refuse bad values and RATE_LIMIT_SHARED without PostgreSQL, naming the variable', () => {
    const problem = (env: Record<string, string>) => {
      const loaded = loadConfig(env);
      return loaded._tag === 'Left' ? loaded.left : 'accepted';
    };
    expect(problem({ RATE_LIMIT_PER_TENANT: 'lots' })).toMatch(/RATE_LIMIT_PER_TENANT/);
    expect(problem({ RATE_LIMIT_PER_TENANT: '0' })).toMatch(/RATE_LIMIT_PER_TENANT/);
    expect(problem({ RATE_LIMIT_PER_TENANT: '10', RATE_LIMIT_BURST: '-1' })).toMatch(/RATE_LIMIT_BURST/);
    expect(problem({ UPSTREAM_CONCURRENCY_PER_TENANT: 'x' })).toMatch(/UPSTREAM_CONCURRENCY_PER_TENANT/);
    expect(problem({ RATE_LIMIT_PER_TENANT: '10', RATE_LIMIT_SHARED: 'true', INTEGRATION_DB_URL: 'sqlite:///tmp/x.db' })).toMatch(
      /RATE_LIMIT_SHARED=true needs a PostgreSQL INTEGRATION_DB_URL/,
    );
    expect(problem({ RATE_LIMIT_SHARED: 'true', INTEGRATION_DB_URL: 'postgresql://u@127.0.0.1/db' })).toMatch(/RATE_LIMIT_SHARED=true needs RATE_LIMIT_PER_TENANT/);
  });
});
