/**
 * Traces with the OpenTelemetry API: the test registers an SDK with an in-memory exporter (as
 * a host would register its own with an OTLP exporter) and checks the spans' parentage: the
 * caller's traceparent -> the request's server span -> the use case's span -> each call to
 * Atlassian, whose traceparent reaches the fake. The request's log line carries the trace id.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { client, expectError } from '../operations/support.js';

const exporter = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const parentOf = (s: ReadableSpan): string | undefined => s.parentSpanContext?.spanId;

describe('traces', () => {
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
  beforeEach(() => exporter.reset());

  it("nests request -> use case -> Atlassian calls under the caller's traceparent, and passes it on to Atlassian", async () => {
    const mark = fake.requests.length;
    const res = await fetch(`${svc.url}/connectors/jira/issues/ACME-1`, {
      headers: { 'x-tenant-id': 'acme', traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`, 'x-request-id': 'trace-test-1' },
    });
    expect(res.status).toBe(200);
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.name === 'GET /connectors/jira/issues/{issue}');
    expect(server).toBeDefined();
    expect(server!.spanContext().traceId).toBe(TRACE_ID);
    expect(parentOf(server!)).toBe(PARENT_ID);
    expect(server!.attributes['http.route']).toBe('/connectors/jira/issues/{issue}');
    expect(server!.attributes['http.response.status_code']).toBe(200);

    const useCase = spans.find((s) => s.name === 'operation jira_get_issue');
    expect(useCase).toBeDefined();
    expect(parentOf(useCase!)).toBe(server!.spanContext().spanId);

    const calls = spans.filter((s) => s.name.startsWith('GET /rest/api/3/issue/{key}'));
    expect(calls.length).toBeGreaterThanOrEqual(1);
    for (const call of calls) {
      expect(call.spanContext().traceId).toBe(TRACE_ID);
      expect(parentOf(call)).toBe(useCase!.spanContext().spanId);
    }
    // Atlassian got each call's own span as its parent.
    const sent = fake.requests.slice(mark).filter((r) => r.path.includes('/rest/api/3/issue/ACME-1'));
    expect(sent.length).toBe(calls.length);
    const sentParents = sent.map((r) => String(r.headers['traceparent']));
    for (const call of calls) expect(sentParents).toContain(`00-${TRACE_ID}-${call.spanContext().spanId}-01`);

    const line = svc.logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l['req_id'] === 'trace-test-1');
    expect(line?.['trace_id']).toBe(TRACE_ID);
  });

  it('starts a trace of its own without a traceparent, and marks a failed Atlassian call', async () => {
    fake.inject({ kind: 'status', path: '/rest/api/3/project/search', status: 500, times: 4 });
    expectError(await client(svc.url, 'acme').get('/connectors/jira/projects'), 502, 'VENDOR_ERROR');
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.name === 'GET /connectors/jira/projects');
    expect(server).toBeDefined();
    expect(parentOf(server!)).toBeUndefined();
    const useCase = spans.find((s) => s.name === 'operation jira_list_projects');
    expect(useCase?.attributes['integration_backend.error_code']).toBe('VENDOR_ERROR');
    const call = spans.find((s) => s.name === 'GET /rest/api/3/project/search');
    expect(call?.status.code).toBe(2); // SpanStatusCode.ERROR
    expect(call?.spanContext().traceId).toBe(server!.spanContext().traceId);
  });

  it('traces the OAuth token call too: a rotation nests POST /oauth/token under its request, traceparent sent', async () => {
    const mark = fake.requests.length;
    const res = await fetch(`${svc.url}/connectors/jira/connection`, {
      method: 'PATCH',
      headers: { 'x-tenant-id': 'acme', 'content-type': 'application/json', traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` },
      body: JSON.stringify({ rotate: true }),
    });
    expect(res.status, await res.text()).toBeLessThan(300);
    const spans = exporter.getFinishedSpans();
    const token = spans.find((s) => s.name === 'POST /oauth/token');
    expect(token).toBeDefined();
    expect(token!.spanContext().traceId).toBe(TRACE_ID);
    expect(token!.attributes['http.response.status_code']).toBe(200);
    const sent = fake.requests.slice(mark).find((r) => r.path === '/oauth/token');
    expect(sent?.headers['traceparent']).toBe(`00-${TRACE_ID}-${token!.spanContext().spanId}-01`);
    // Never the tenant's secrets in a span.
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toMatch(/refresh_token|Bearer|secret/i);
  });

  it('traces an MCP tool call the same way', async () => {
    const res = await fetch(`${svc.url}/mcp`, {
      method: 'POST',
      headers: {
        'x-tenant-id': 'acme',
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'jira_list_projects', arguments: {} },
      }),
    });
    expect(res.status).toBe(200);
    await res.text();
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.name === 'POST /mcp');
    const useCase = spans.find((s) => s.name === 'operation jira_list_projects');
    expect(server?.spanContext().traceId).toBe(TRACE_ID);
    expect(useCase && parentOf(useCase)).toBe(server!.spanContext().spanId);
  });
});
