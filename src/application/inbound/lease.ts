import * as E from 'fp-ts/lib/Either.js';
import type { Clock } from '../ports/clock.js';
import type { InboundStore } from '../ports/inbound-sync.js';

/**
 * Runs `work` only where no other instance holds `key` (several instances on one PostgreSQL
 * each run the loops): the lease is a delivery key of the inbound store, remembered until
 * `holdMs` from now and forgotten after the work, unless `keepMs` says to hold it that long
 * from the start (no other instance repeats a poll round that soon). Undefined when leased elsewhere.
 */
export async function underLease<A>(
  deps: { store: Pick<InboundStore, 'rememberDelivery' | 'forgetDelivery'>; clock: Clock },
  key: string,
  holdMs: number,
  work: () => Promise<A>,
  keepMs = 0,
): Promise<A | undefined> {
  const start = deps.clock.now();
  const got = await deps.store.rememberDelivery(`lease:${key}`, new Date(start.getTime() + Math.max(holdMs, keepMs)), start)();
  if (E.isLeft(got)) throw new Error(got.left.message);
  if (!got.right) return undefined;
  try {
    return await work();
  } finally {
    if (keepMs < holdMs) {
      await deps.store.forgetDelivery(`lease:${key}`)();
      if (keepMs > 0) await deps.store.rememberDelivery(`lease:${key}`, new Date(start.getTime() + keepMs), deps.clock.now())();
    }
  }
}
