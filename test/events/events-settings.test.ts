/**
 * The rest of the outbound surface: who may set the webhook (admin) and read events (read)
 * once callers are authenticated, the retention of GET /events (EVENTS_RETENTION_DAYS,
 * pruned in the background) and the WEBHOOK_* variables' checks.
 */
import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/composition/config.js';
import type { Scope } from '../../src/domain/caller.js';
import type { TenantId } from '../../src/domain/tenant.js';
import { tenantHeaders } from '../oauth/support.js';
import { startTestService, type TestService } from '../support/service.js';
import { TEST_WEBHOOK_SECRET } from '../support/webhook-receiver.js';

describe('scopes (AUTH_MODE=api_key)', () => {
  let svc: TestService;
  const keys: Record<string, string> = {};
  beforeAll(async () => {
    svc = await startTestService({ env: { AUTH_MODE: 'api_key', WEBHOOK_ALLOW_HTTP_LOOPBACK: 'true' }, overrides: { eventDispatch: { start: false } } });
    for (const [name, scopes] of [
      ['read', ['read']],
      ['admin', ['admin']],
    ] as const) {
      const r = await svc.service.useCases.apiKeys.create({ tenantId: 'acme' as TenantId, scopes: [...scopes] as Scope[] })();
      if (E.isLeft(r)) throw new Error(r.left.message);
      keys[name] = r.right.key;
    }
  });
  afterAll(() => svc.close());

  const call = (key: string, method: string, path: string, body?: unknown) =>
    fetch(`${svc.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  it('GET /events needs read; PUT, GET and DELETE /connectors/webhook need admin', async () => {
    expect((await call(keys['read']!, 'GET', '/events')).status).toBe(200);
    expect((await call(keys['admin']!, 'GET', '/events')).status).toBe(403);
    expect((await call(keys['read']!, 'PUT', '/connectors/webhook', { url: 'http://127.0.0.1:9/hooks' })).status).toBe(403);
    expect((await call(keys['read']!, 'GET', '/connectors/webhook')).status).toBe(403);
    const put = await call(keys['admin']!, 'PUT', '/connectors/webhook', { url: 'http://127.0.0.1:9/hooks' });
    expect(put.status).toBe(200);
    expect(((await put.json()) as { secret: string }).secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect((await call(keys['admin']!, 'DELETE', '/connectors/webhook')).status).toBe(204);
    expect((await fetch(`${svc.url}/events`)).status).toBe(401);
  });
});

describe('EVENTS_RETENTION_DAYS', () => {
  let svc: TestService;
  let now = Date.parse('2026-12-02T00:00:00Z');
  beforeAll(async () => {
    svc = await startTestService({
      env: { EVENTS_RETENTION_DAYS: '2' },
      overrides: { clock: { now: () => new Date(now) }, auditPruneIntervalMs: 20, eventDispatch: { start: false } },
    });
  });
  afterAll(() => svc.close());

  it('prunes events older than the retention in the background; newer ones stay', async () => {
    const record = async (id: string) =>
      svc.service.adapters.events.record([{ id, type: 'connection.deleted', tenantId: 'ret' as TenantId, connector: 'jira', occurredAt: new Date(now), data: {} }])();
    const old = randomUUID();
    await record(old);
    now += 36 * 3_600_000;
    const young = randomUUID();
    await record(young);
    now += 13 * 3_600_000; // the first is 49 h old, the second 13 h
    const ids = async () => ((await (await fetch(`${svc.url}/events`, { headers: tenantHeaders('ret') })).json()) as { items: Array<{ id: string }> }).items.map((e) => e.id);
    for (let i = 0; i < 100 && (await ids()).length > 1; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await ids()).toEqual([young]);
  });
});

describe('the WEBHOOK_* variables', () => {
  it('needs WEBHOOK_SECRET with WEBHOOK_URL, in the whsec_ format, and https unless loopback is allowed', () => {
    const problems = (env: Record<string, string>) => {
      const r = loadConfig(env);
      return E.isLeft(r) ? r.left : '';
    };
    expect(problems({ WEBHOOK_URL: 'https://hooks.example.com/x' })).toContain('WEBHOOK_URL needs WEBHOOK_SECRET');
    expect(problems({ WEBHOOK_URL: 'https://hooks.example.com/x', WEBHOOK_SECRET: 'plain-secret' })).toContain('WEBHOOK_SECRET must be whsec_');
    expect(problems({ WEBHOOK_URL: 'https://hooks.example.com/x', WEBHOOK_SECRET: 'whsec_c2hvcnQ=' })).toContain('WEBHOOK_SECRET must be whsec_');
    expect(problems({ WEBHOOK_URL: 'http://127.0.0.1/x', WEBHOOK_SECRET: TEST_WEBHOOK_SECRET })).toContain('WEBHOOK_URL must be an absolute https URL');
    expect(problems({ WEBHOOK_URL: 'http://127.0.0.1/x', WEBHOOK_SECRET: TEST_WEBHOOK_SECRET, WEBHOOK_ALLOW_HTTP_LOOPBACK: 'true' })).toBe('');
    expect(problems({ EVENTS_RETENTION_DAYS: '0' })).toContain('EVENTS_RETENTION_DAYS');
    const ok = loadConfig({ WEBHOOK_URL: 'https://hooks.example.com/x', WEBHOOK_SECRET: TEST_WEBHOOK_SECRET });
    expect(E.isRight(ok) && ok.right.events).toEqual({
      webhookUrl: 'https://hooks.example.com/x',
      webhookSecret: TEST_WEBHOOK_SECRET,
      allowHttpLoopback: false,
      timeoutMs: 10_000,
      retentionDays: 7,
    });
  });
});
