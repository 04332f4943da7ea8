/**
 * The IdempotencyStore contract, run on every implementation (in memory, SQLite, PostgreSQL):
 * one claim per tenant and key wins, even among many at once and across two handles on one
 * database; a completed key keeps its outcome; a released, expired or lost one may be claimed again.
 */
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { IdempotencyRecord, IdempotencyStore } from '../../src/application/ports/idempotency-store.js';
import type { TenantId } from '../../src/domain/tenant.js';

export interface IdempotencyStoreUnderTest {
  readonly store: IdempotencyStore;
  /** A second handle on the same data (another instance's pool), or the same store. */
  readonly second: IdempotencyStore;
  close(): Promise<void>;
}

export const T0 = new Date('2026-03-01T10:00:00.000Z');
const A = 'tenant-a' as TenantId;
const B = 'tenant-b' as TenantId;
const HOUR = 3_600_000;

const ok = async <X>(task: TE.TaskEither<unknown, X>): Promise<X> => {
  const r = await task();
  if (E.isLeft(r)) throw new Error(`expected Right, got ${JSON.stringify(r.left)}`);
  return r.right;
};

const record = (over: Partial<IdempotencyRecord> = {}): Omit<IdempotencyRecord, 'response'> => ({
  tenantId: A,
  key: 'key-1',
  fingerprint: 'f'.repeat(64),
  createdAt: T0,
  expiresAt: new Date(T0.getTime() + 24 * HOUR),
  lockedUntil: new Date(T0.getTime() + 5 * 60_000),
  ...over,
});

export function describeIdempotencyStoreContract(name: string, make: () => Promise<IdempotencyStoreUnderTest>): void {
  describe(`IdempotencyStore contract: ${name}`, () => {
    let current: IdempotencyStoreUnderTest | undefined;
    const open = async () => (current = await make());
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });

    it('the first claim wins; the next answers the pending record, then its stored response once complete', async () => {
      const { store, second } = await open();
      expect(await ok(store.claim(record(), T0))).toEqual({ claimed: true });
      const pending = await ok(second.claim(record({ fingerprint: 'other' }), T0));
      expect(pending.claimed).toBe(false);
      if (pending.claimed) return;
      expect(pending.existing).toMatchObject({ tenantId: A, key: 'key-1', fingerprint: 'f'.repeat(64) });
      expect(pending.existing.response).toBeUndefined();
      expect(pending.existing.expiresAt.toISOString()).toBe('2026-03-02T10:00:00.000Z');
      await ok(store.complete(A, 'key-1', '{"ok":true,"value":{"key":"OPS-1"}}'));
      const done = await ok(second.claim(record(), new Date(T0.getTime() + HOUR)));
      expect(done).toMatchObject({ claimed: false, existing: { response: '{"ok":true,"value":{"key":"OPS-1"}}' } });
    });

    it('keys are per tenant: tenant B claims the key tenant A holds', async () => {
      const { store } = await open();
      expect(await ok(store.claim(record(), T0))).toEqual({ claimed: true });
      expect(await ok(store.claim(record({ tenantId: B }), T0))).toEqual({ claimed: true });
      expect((await ok(store.claim(record({ tenantId: B }), T0))).claimed).toBe(false);
    });

    it('a released key may be claimed again; release leaves a completed key alone', async () => {
      const { store, second } = await open();
      await ok(store.claim(record(), T0));
      await ok(store.release(A, 'key-1'));
      expect(await ok(second.claim(record(), T0))).toEqual({ claimed: true });
      await ok(second.complete(A, 'key-1', '{"ok":true}'));
      await ok(store.release(A, 'key-1'));
      expect(await ok(store.claim(record(), T0))).toMatchObject({ claimed: false, existing: { response: '{"ok":true}' } });
    });

    it('an expired key is forgotten: claimable again at its expiry, not a millisecond before', async () => {
      const { store } = await open();
      await ok(store.claim(record(), T0));
      await ok(store.complete(A, 'key-1', '{"ok":true}'));
      const expiry = T0.getTime() + 24 * HOUR;
      expect((await ok(store.claim(record(), new Date(expiry - 1)))).claimed).toBe(false);
      expect(await ok(store.claim(record({ createdAt: new Date(expiry) }), new Date(expiry)))).toEqual({ claimed: true });
    });

    it('a pending key whose lock ran out (its process died) may be claimed again; a completed one is kept', async () => {
      const { store, second } = await open();
      await ok(store.claim(record(), T0));
      const lock = T0.getTime() + 5 * 60_000;
      expect((await ok(second.claim(record(), new Date(lock - 1)))).claimed).toBe(false);
      expect(await ok(second.claim(record(), new Date(lock)))).toEqual({ claimed: true });
      await ok(store.claim(record({ key: 'key-2' }), T0));
      await ok(store.complete(A, 'key-2', '{"ok":true}'));
      expect((await ok(second.claim(record({ key: 'key-2' }), new Date(lock + 1)))).claimed).toBe(false);
    });

    it('of 50 concurrent claims of one key over two handles, exactly one wins', async () => {
      const { store, second } = await open();
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => ok((i % 2 === 0 ? store : second).claim(record({ key: 'race' }), T0))));
      expect(results.filter((r) => r.claimed)).toHaveLength(1);
    });
  });
}
