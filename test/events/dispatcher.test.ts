/**
 * The dispatcher's schedule with its real defaults (5 s doubling, capped at an hour, 24 h
 * budget) over the in-memory outbox and a sender that always fails, under a test clock; and
 * one endpoint shared by several tenants (WEBHOOK_URL) getting one request at a time.
 */
import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DISPATCH, EventDispatcher } from '../../src/application/event-dispatcher.js';
import type { WebhookRequest } from '../../src/application/ports/event-deliveries.js';
import { InMemoryEventOutbox, InMemoryWebhookEndpoints } from '../../src/adapters/memory/in-memory-event-outbox.js';
import type { NewEvent } from '../../src/domain/events.js';
import type { TenantId } from '../../src/domain/tenant.js';
import { startTestService, type TestService } from '../support/service.js';
import { eventually, startWebhookReceiver, TEST_WEBHOOK_SECRET, type WebhookReceiver } from '../support/webhook-receiver.js';

const event = (tenant: string): NewEvent => ({
  id: randomUUID(),
  type: 'connection.needs_reauth',
  tenantId: tenant as TenantId,
  connector: 'jira',
  occurredAt: new Date(),
  data: {},
});

describe('the default schedule', () => {
  it('retries at 5 s, 10 s, 20 s ... capped at an hour, and gives up 24 h after the first attempt', async () => {
    let now = Date.parse('2026-12-02T00:00:00Z');
    const outbox = new InMemoryEventOutbox(() => new Date(now));
    const sent: WebhookRequest[] = [];
    const dispatcher = new EventDispatcher({
      deliveries: outbox,
      endpoints: new InMemoryWebhookEndpoints(),
      sender: { send: (r) => (sent.push(r), Promise.resolve({ kind: 'answered', status: 503 })) },
      cipher: { decrypt: (s) => E.right(s) },
      clock: { now: () => new Date(now) },
      logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
      settings: { ...DEFAULT_DISPATCH, globalUrl: 'https://hooks.example.test/x', globalSecret: TEST_WEBHOOK_SECRET, timeoutMs: 1000 },
      random: () => 0.999999,
    });
    outbox.append([event('t')]);
    const start = now;
    const gaps: number[] = [];
    for (let i = 0; i < 100; i++) {
      await dispatcher.runOnce();
      const [d] = await outbox.listDeliveries({ limit: 10 })().then((r) => (E.isRight(r) ? r.right : []));
      if (d!.status === 'dead') break;
      gaps.push(d!.nextAttemptAt.getTime() - now);
      now = d!.nextAttemptAt.getTime();
    }
    const [d] = await outbox.listDeliveries({ limit: 10 })().then((r) => (E.isRight(r) ? r.right : []));
    expect(d!.status).toBe('dead');
    expect(gaps.slice(0, 5).map((g) => Math.round(g / 1000))).toEqual([5, 10, 20, 40, 80]);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(DEFAULT_DISPATCH.maxDelayMs);
    expect(now - start).toBe(24 * 3_600_000);
    expect(sent.length).toBe(d!.attempts);
    // Jitter: the delay is in [half, whole] of the doubling one.
    expect(dispatcher.delayFor(1)).toBeGreaterThanOrEqual(2_500);
  });
});

describe('one endpoint for every tenant (WEBHOOK_URL)', () => {
  let svc: TestService;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await startWebhookReceiver(TEST_WEBHOOK_SECRET);
    receiver.mode = { kind: 'slow', ms: 30 };
    svc = await startTestService({
      env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: TEST_WEBHOOK_SECRET, WEBHOOK_ALLOW_HTTP_LOOPBACK: 'true' },
      overrides: { eventDispatch: { idleMs: 10 } },
    });
  });
  afterAll(async () => {
    await svc.close();
    await receiver.close();
  });

  it('sends one request at a time to it, every tenant in its own order', async () => {
    const byTenant = new Map<string, string[]>();
    for (const t of ['a', 'b', 'c']) {
      const events = [event(t), event(t), event(t)];
      byTenant.set(t, events.map((e) => e.id));
      await svc.service.adapters.events.record(events)();
    }
    await eventually(() => receiver.accepted.length === 9);
    expect(receiver.maxInFlight).toBe(1);
    for (const [t, ids] of byTenant) expect(receiver.accepted.filter((e) => e.tenant === t).map((e) => e.id)).toEqual(ids);
  });
});
