/**
 * /metrics: off by default; with METRICS_PORT, served on a port of its own (never the API's)
 * in the Prometheus text format, and counting what the service does: requests by route
 * template, calls to Atlassian by path template, token refreshes, 429s by origin, database
 * queries, the upstream budget and the process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { client, expectError } from '../operations/support.js';

/** The value of one sample line, e.g. `name{a="b"} 3`. */
const sample = (text: string, name: string, labels: Record<string, string> = {}): number | undefined => {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^[^{ ]+(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const got = Object.fromEntries([...(m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[2]);
  }
  return undefined;
};

describe('metrics off (the default)', () => {
  it('serves no /metrics anywhere', async () => {
    const svc = await startTestService();
    try {
      expect(svc.service.metricsUrl()).toBeUndefined();
      const res = await fetch(`${svc.url}/metrics`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { code: string }).code).toBe('NOT_FOUND');
    } finally {
      await svc.close();
    }
  });
});

describe('metrics on METRICS_PORT', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let metricsUrl: string;
  const scrape = async (): Promise<string> => {
    const res = await fetch(`${metricsUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text();
  };

  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake, { METRICS_PORT: '0' }) });
    metricsUrl = svc.service.metricsUrl() ?? '';
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
  });
  afterAll(async () => {
    await svc?.close();
    await fake?.close();
  });

  it('is not on the API port, and the metrics port answers nothing else', async () => {
    expect((await fetch(`${svc.url}/metrics`)).status).toBe(404);
    expect(new URL(metricsUrl).port).not.toBe(new URL(svc.url).port);
    const other = await fetch(`${metricsUrl}/connectors/jira/projects`, { headers: { 'x-tenant-id': 'acme' } });
    expect(other.status).toBe(404);
    expect(((await other.json()) as { code: string }).code).toBe('NOT_FOUND');
  });

  it('counts requests by route template, method and status', async () => {
    const before =
      sample(await scrape(), 'integration_backend_http_request_duration_seconds_count', {
        route: '/healthz',
        method: 'GET',
        status: '200',
      }) ?? 0;
    for (let i = 0; i < 3; i++) expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
    const api = client(svc.url, 'acme');
    expect((await api.get('/connectors/jira/issues/ACME-1')).status).toBe(200);
    expect((await fetch(`${svc.url}/no/such/route`)).status).toBe(404);
    const text = await scrape();
    expect(
      sample(text, 'integration_backend_http_request_duration_seconds_count', {
        route: '/healthz',
        method: 'GET',
        status: '200',
      }),
    ).toBe(before + 3);
    // The template, never the issue key.
    expect(
      sample(text, 'integration_backend_http_request_duration_seconds_count', {
        route: '/connectors/jira/issues/{issue}',
        status: '200',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain('ACME-1');
    expect(
      sample(text, 'integration_backend_http_request_duration_seconds_count', { route: 'unmatched', status: '404' }),
    ).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain('/no/such/route');
  });

  it('times calls to Atlassian by path template and status, and counts their 429s', async () => {
    const api = client(svc.url, 'acme');
    expect((await api.get('/connectors/jira/issues/ACME-2')).status).toBe(200);
    fake.inject({
      kind: 'status',
      path: '/rest/api/3/issue',
      method: 'POST',
      status: 429,
      headers: { 'retry-after': '1', 'x-ratelimit-remaining': '0' },
    });
    expectError(await api.post('/connectors/jira/create', { project_key: 'ACME', summary: 'x' }), 429, 'RATE_LIMITED');
    // The site is in its penalty window now: the next call is held back by the service.
    expectError(await api.get('/connectors/jira/projects'), 429, 'RATE_LIMITED');
    const text = await scrape();
    expect(
      sample(text, 'integration_backend_atlassian_request_duration_seconds_count', {
        operation: 'GET /rest/api/3/issue/{key}',
        status: '200',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'integration_backend_atlassian_request_duration_seconds_count', {
        operation: 'POST /rest/api/3/issue',
        status: '429',
      }),
    ).toBe(1);
    expect(sample(text, 'integration_backend_rate_limited_total', { origin: 'atlassian' })).toBe(1);
    expect(sample(text, 'integration_backend_rate_limited_total', { origin: 'service' })).toBe(1);
    expect(sample(text, 'integration_backend_upstream_sites_in_penalty')).toBe(1);
    expect(sample(text, 'integration_backend_upstream_lowest_remaining')).toBe(0);
  });

  it('counts token refreshes by outcome, database queries, and the process', async () => {
    const res = await fetch(`${svc.url}/connectors/jira/connection`, {
      method: 'PATCH',
      headers: { 'x-tenant-id': 'acme', 'content-type': 'application/json' },
      body: JSON.stringify({ rotate: true }),
    });
    expect(res.status, await res.text()).toBeLessThan(300);
    const text = await scrape();
    expect(sample(text, 'integration_backend_token_refreshes_total', { outcome: 'rotated' })).toBe(1);
    expect(sample(text, 'integration_backend_db_query_duration_seconds_count')).toBeGreaterThan(0);
    expect(sample(text, 'integration_backend_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(text).toContain('# HELP integration_backend_refresh_lease_wait_seconds');
    // No tenant, token or cloud id is ever a label.
    expect(text).not.toMatch(/acme|Bearer|cloud-/);
  });

  it('counts failed and refused refreshes, and times the wait for another instance’s lease', async () => {
    const rotate = () =>
      fetch(`${svc.url}/connectors/jira/connection`, {
        method: 'PATCH',
        headers: { 'x-tenant-id': 'acme', 'content-type': 'application/json' },
        body: JSON.stringify({ rotate: true }),
      });
    const before = await scrape();
    const count = (text: string, name: string, labels: Record<string, string> = {}) => sample(text, name, labels) ?? 0;
    // Atlassian's token endpoint fails for a while: a transient failure.
    fake.inject({ kind: 'status', path: '/oauth/token', method: 'POST', status: 503, times: 5 });
    expect((await rotate()).status).toBeGreaterThanOrEqual(500);
    fake.clearFaults();
    // Another instance holds the grant's lease for 300 ms: this rotation waits it out, then refreshes.
    const store = svc.service.adapters.connections;
    const found = await store.find('acme' as never, 'jira')();
    if (found._tag === 'Left' || !found.right?.grantId) throw new Error('no connection row');
    const now = new Date();
    const held = await store.tryAcquireRefreshLease('acme' as never, found.right.grantId, 'another-instance', now, new Date(now.getTime() + 300))();
    expect(held).toEqual({ _tag: 'Right', right: true });
    const waited = await rotate();
    expect(waited.status, await waited.text()).toBeLessThan(300);
    // The grant is revoked at Atlassian: the refresh is refused, the tenant must reconnect.
    fake.revokeAll();
    expect((await rotate()).status).toBe(401);
    const after = await scrape();
    const name = 'integration_backend_token_refreshes_total';
    expect(count(after, name, { outcome: 'failed' }) - count(before, name, { outcome: 'failed' })).toBe(1);
    expect(count(after, name, { outcome: 'needs_reauth' }) - count(before, name, { outcome: 'needs_reauth' })).toBe(1);
    expect(count(after, name, { outcome: 'rotated' }) - count(before, name, { outcome: 'rotated' })).toBe(1);
    // The OAuth calls are timed with the rest of Atlassian's.
    const calls = 'integration_backend_atlassian_request_duration_seconds_count';
    expect(count(after, calls, { operation: 'POST /oauth/token', status: '503' })).toBeGreaterThanOrEqual(1);
    expect(count(after, calls, { operation: 'POST /oauth/token', status: '200' })).toBeGreaterThanOrEqual(2);
    expect(count(after, calls, { operation: 'GET /oauth/token/accessible-resources', status: '200' })).toBeGreaterThanOrEqual(1);
    const waits = 'integration_backend_refresh_lease_wait_seconds';
    expect(count(after, `${waits}_count`) - count(before, `${waits}_count`)).toBe(1);
    expect(count(after, `${waits}_sum`) - count(before, `${waits}_sum`)).toBeGreaterThanOrEqual(0.15);
  });
});
