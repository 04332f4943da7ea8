/**
 * Without an OpenTelemetry SDK (the default: the service bundles none), every span is the
 * API's no-op and the request is served without any tracing set up around it
 * (docs/performance.md). This file registers nothing, unlike tracing.test.ts: a caller's
 * traceparent changes nothing, the log line carries no trace id, and no traceparent of ours
 * reaches Atlassian.
 */
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';

describe('without an OpenTelemetry SDK', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake) });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
  });
  afterAll(async () => {
    await svc?.close();
    await fake?.close();
  });

  it('answers as ever, with no trace id in the log line and no traceparent sent to Atlassian', async () => {
    // Nothing registered a tracer provider: spans are the API's no-ops.
    expect(trace.getTracer('probe').startSpan('probe').isRecording()).toBe(false);
    const mark = fake.requests.length;
    const res = await fetch(`${svc.url}/connectors/jira/issues/ACME-1`, {
      headers: { 'x-tenant-id': 'acme', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'x-request-id': 'untraced-1' },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { key?: string }).key).toBe('ACME-1');
    const sent = fake.requests.slice(mark).filter((r) => r.path.includes('/rest/api/3/issue/ACME-1'));
    expect(sent.length).toBeGreaterThanOrEqual(1);
    for (const r of sent) expect(r.headers['traceparent']).toBeUndefined();
    const line = svc.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['req_id'] === 'untraced-1');
    expect(line).toBeDefined();
    expect(line?.['status']).toBe(200);
    expect(line?.['route']).toBe('/connectors/jira/issues/:issue');
    expect('trace_id' in (line ?? {})).toBe(false);
  });
});
