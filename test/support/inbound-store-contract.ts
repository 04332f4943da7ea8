/**
 * The InboundStore contract (issue 14): webhook registrations, poll checkpoints and the
 * deliveries seen, run against memory and SQLite (test/contract) and PostgreSQL
 * (test/postgres), with a second store over the same database where there is one.
 */
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InboundStore, WebhookRegistration } from '../../src/application/ports/inbound-sync.js';
import type { AppError } from '../../src/domain/errors.js';
import type { TenantId } from '../../src/domain/tenant.js';
import { underLease } from '../../src/application/inbound/lease.js';

async function ok<T>(te: TE.TaskEither<AppError, T>): Promise<T> {
  const r = await te();
  if (E.isLeft(r)) throw new Error(`expected Right, got ${r.left.code}: ${r.left.message}`);
  return r.right;
}

export interface InboundStoresUnderTest {
  readonly store: InboundStore;
  /** Another store over the same database (another instance), or the same one in memory. */
  readonly second: InboundStore;
  close(): Promise<void>;
}

const ACME = 'acme' as TenantId;
const GLOBEX = 'globex' as TenantId;
const T0 = new Date('2026-12-01T10:00:00.000Z');
const hook = (tenantId: TenantId, cloudId: string, webhookId: number, over: Partial<WebhookRegistration> = {}): WebhookRegistration => ({
  tenantId,
  cloudId,
  webhookId,
  expiresAt: new Date(T0.getTime() + 30 * 86_400_000),
  jql: 'project in ("OPS")',
  url: 'https://integration.example/webhooks/jira',
  ...over,
});

export function describeInboundStoreContract(name: string, open: () => Promise<InboundStoresUnderTest>): void {
  describe(`InboundStore contract: ${name}`, () => {
    let s: InboundStoresUnderTest;
    beforeEach(async () => {
      s = await open();
    });
    afterEach(async () => {
      await s.close();
    });

    it('keeps registrations per tenant and site, finds them by webhook id (large ids too), updates and deletes them', async () => {
      await ok(s.store.saveRegistrations([hook(ACME, 'site-a', 10001), hook(ACME, 'site-a', 10002), hook(GLOBEX, 'site-b', 10001), hook(GLOBEX, 'site-b', 2 ** 40)]));
      expect((await ok(s.second.registrations(ACME))).map((r) => r.webhookId)).toEqual([10001, 10002]);
      expect((await ok(s.second.registrationsByWebhookId(10001))).map((r) => `${r.tenantId}/${r.cloudId}`).sort()).toEqual(['acme/site-a', 'globex/site-b']);
      expect(await ok(s.second.registrationsByWebhookId(2 ** 40))).toEqual([hook(GLOBEX, 'site-b', 2 ** 40)]);
      const later = new Date(T0.getTime() + 60 * 86_400_000);
      await ok(s.second.saveRegistrations([hook(ACME, 'site-a', 10001, { expiresAt: later })]));
      expect((await ok(s.store.registrations(ACME))).find((r) => r.webhookId === 10001)?.expiresAt).toEqual(later);
      await ok(s.store.deleteRegistrations(ACME, 'site-a', [10001, 10002]));
      expect(await ok(s.second.registrations(ACME))).toEqual([]);
      expect(await ok(s.second.allRegistrations())).toHaveLength(2);
    });

    it('keeps one checkpoint per tenant and connector, with its state, replaced by the next', async () => {
      expect(await ok(s.store.checkpoint(ACME, 'jira'))).toBeUndefined();
      await ok(s.store.saveCheckpoint({ tenantId: ACME, connector: 'jira', checkpoint: T0, state: {} }));
      await ok(s.store.saveCheckpoint({ tenantId: ACME, connector: 'confluence', checkpoint: T0, state: { pages: [['1', 2]] } }));
      const later = new Date(T0.getTime() + 300_000);
      await ok(s.second.saveCheckpoint({ tenantId: ACME, connector: 'jira', checkpoint: later, state: { x: 1 } }));
      expect(await ok(s.store.checkpoint(ACME, 'jira'))).toEqual({ tenantId: ACME, connector: 'jira', checkpoint: later, state: { x: 1 } });
      expect(await ok(s.store.checkpoint(ACME, 'confluence'))).toMatchObject({ state: { pages: [['1', 2]] } });
      expect(await ok(s.store.checkpoint(GLOBEX, 'jira'))).toBeUndefined();
      await ok(s.store.deleteCheckpoints(ACME, 'jira'));
      expect(await ok(s.second.checkpoint(ACME, 'jira'))).toBeUndefined();
    });

    it('a lease (the pollers and the webhook reconcile on several instances) is held by one store at a time, and kept for the gap asked', async () => {
      let now = T0;
      const clock = { now: () => now };
      const runs: string[] = [];
      const work = (who: string) => async () => {
        runs.push(who);
        await new Promise((r) => setTimeout(r, 50));
        return who;
      };
      const both = await Promise.all([underLease({ store: s.store, clock }, 'poll:acme:jira', 60_000, work('one')), underLease({ store: s.second, clock }, 'poll:acme:jira', 60_000, work('two'))]);
      expect(runs).toHaveLength(1);
      expect(both.filter((x) => x !== undefined)).toEqual(runs);
      // Released after the work: the next one runs.
      expect(await underLease({ store: s.second, clock }, 'poll:acme:jira', 60_000, work('three'))).toBe('three');
      // Kept for 30 s from its start: not again until then.
      expect(await underLease({ store: s.store, clock }, 'poll:acme:jira', 60_000, work('four'), 30_000)).toBe('four');
      now = new Date(T0.getTime() + 29_000);
      expect(await underLease({ store: s.second, clock }, 'poll:acme:jira', 60_000, work('five'))).toBeUndefined();
      now = new Date(T0.getTime() + 30_000);
      expect(await underLease({ store: s.second, clock }, 'poll:acme:jira', 60_000, work('six'))).toBe('six');
    });

    it('remembers a delivery key once (across instances) until it expires; a forgotten or expired key is new again', async () => {
      const until = new Date(T0.getTime() + 60_000);
      expect(await ok(s.store.rememberDelivery('delivery:abc', until, T0))).toBe(true);
      expect(await ok(s.second.rememberDelivery('delivery:abc', until, T0))).toBe(false);
      expect(await ok(s.second.rememberDelivery('delivery:abc', new Date(until.getTime() + 60_000), until))).toBe(true);
      await ok(s.store.forgetDelivery('delivery:abc'));
      expect(await ok(s.store.rememberDelivery('delivery:abc', until, T0))).toBe(true);
      await ok(s.store.rememberDelivery('delivery:old', T0, new Date(T0.getTime() - 1)));
      expect(await ok(s.second.pruneDeliveries(T0))).toBeGreaterThanOrEqual(1);
      expect(await ok(s.store.rememberDelivery('delivery:old', until, T0))).toBe(true);
    });
  });
}
