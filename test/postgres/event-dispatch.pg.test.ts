/**
 * Two dispatchers (two instances: two pools) on one PostgreSQL database: the row lease means
 * no event is ever being sent by both at once, the endpoint lease that the endpoint they share
 * (WEBHOOK_URL, six tenants) gets one request at a time, and every event is delivered, in
 * order per tenant, to a receiver that verifies with `standardwebhooks`.
 */
import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../../src/adapters/kysely/database.js';
import { KyselyEventDeliveries, KyselyWebhookEndpoints } from '../../src/adapters/kysely/kysely-event-deliveries.js';
import { KyselyEventOutbox } from '../../src/adapters/kysely/kysely-event-outbox.js';
import { UndiciWebhookSender } from '../../src/adapters/undici/undici-webhook-sender.js';
import { DEFAULT_DISPATCH, EventDispatcher } from '../../src/application/event-dispatcher.js';
import { redactDatabaseUrl } from '../../src/composition/config.js';
import type { NewEvent } from '../../src/domain/events.js';
import type { TenantId } from '../../src/domain/tenant.js';
import { useFreshDatabases } from '../support/postgres.js';
import { startWebhookReceiver, TEST_WEBHOOK_SECRET, type WebhookReceiver } from '../support/webhook-receiver.js';

const fresh = useFreshDatabases();
const location = (url: string) => ({ dialect: 'postgres' as const, url, display: redactDatabaseUrl(url) });
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe('two dispatchers on one PostgreSQL database', () => {
  let one: OpenedDatabase;
  let two: OpenedDatabase;
  let receiver: WebhookReceiver;
  const senders: UndiciWebhookSender[] = [];
  beforeAll(async () => {
    const { url } = await fresh();
    one = await openDatabase(location(url));
    two = await openDatabase(location(url));
    receiver = await startWebhookReceiver(TEST_WEBHOOK_SECRET);
    receiver.mode = { kind: 'slow', ms: 15 };
  });
  afterAll(async () => {
    await Promise.all(senders.map((s) => s.close()));
    await receiver.close();
    await one.close();
    await two.close();
  });

  const dispatcherOn = (db: OpenedDatabase): EventDispatcher => {
    const sender = new UndiciWebhookSender({ allowLoopback: true, timeoutMs: 2_000 });
    senders.push(sender);
    return new EventDispatcher({
      deliveries: new KyselyEventDeliveries(db.db),
      endpoints: new KyselyWebhookEndpoints(db.db),
      sender,
      cipher: { decrypt: (s) => E.right(s) },
      clock: { now: () => new Date() },
      logger: quiet,
      settings: { ...DEFAULT_DISPATCH, batch: 8, globalUrl: receiver.url, globalSecret: TEST_WEBHOOK_SECRET, timeoutMs: 2_000 },
    });
  };

  it('never sends one event from both at once nor two requests to the shared endpoint, and delivers each exactly once here, in order per tenant', async () => {
    const outbox = new KyselyEventOutbox(one.db);
    const byTenant = new Map<string, string[]>();
    for (let t = 0; t < 6; t++) {
      const events: NewEvent[] = Array.from({ length: 5 }, () => ({
        id: randomUUID(),
        type: 'connection.site_changed',
        tenantId: `pg-${t}` as TenantId,
        connector: 'jira',
        occurredAt: new Date(),
        data: { n: t },
      }));
      byTenant.set(`pg-${t}`, events.map((e) => e.id));
      expect(E.isRight(await outbox.record(events)())).toBe(true);
    }
    const a = dispatcherOn(one);
    const b = dispatcherOn(two);
    const sent = new Map<EventDispatcher, number>();
    const loop = async (d: EventDispatcher) => {
      for (let i = 0; i < 200 && receiver.accepted.length < 30; i++) sent.set(d, (sent.get(d) ?? 0) + (await d.runOnce()));
    };
    await Promise.all([loop(a), loop(b), loop(a), loop(b)]);
    expect(receiver.accepted).toHaveLength(30);
    expect(new Set(receiver.accepted.map((e) => e.id)).size).toBe(30);
    // No two requests for one event overlap in time.
    const byId = new Map<string, Array<{ startedAt: number; endedAt: number }>>();
    for (const h of receiver.hits) byId.set(h.id!, [...(byId.get(h.id!) ?? []), h]);
    for (const hits of byId.values()) {
      const sorted = [...hits].sort((x, y) => x.startedAt - y.startedAt);
      for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.startedAt).toBeGreaterThanOrEqual(sorted[i - 1]!.endedAt);
    }
    for (const [t, ids] of byTenant) expect(receiver.accepted.filter((e) => e.tenant === t).map((e) => e.id)).toEqual(ids);
    // One endpoint, one request at a time, across both instances (and both rounds of each).
    expect(receiver.maxInFlight).toBe(1);
    // Both instances took part, and every row is delivered.
    expect(sent.get(a)).toBeGreaterThan(0);
    expect(sent.get(b)).toBeGreaterThan(0);
    const rows = await one.db.selectFrom('event_deliveries').select(['status']).execute();
    expect(rows.map((o) => o.status)).toEqual(Array(30).fill('delivered'));
  });
});
