import * as E from 'fp-ts/lib/Either.js';
import type { Clock } from '../ports/clock.js';
import type { InboundStore } from '../ports/inbound-sync.js';

/**
 * Runs `work` only where no other instance holds `key` (several instances on one PostgreSQL
 * each run the loops): the lease is a delivery key of the inbound store, remembered until
 * `holdMs` from now and forgotten after the work. With `keepMs`, a second key taken at the
 * start and left to expire `keepMs` from then keeps any instance from repeating the round that
 * soon; both are taken by one conditional insert each, so there is no moment between a round
 * and its gap where another instance could slip in. Undefined when leased elsewhere.
 */
export async function underLease<A>(
  deps: { store: Pick<InboundStore, 'rememberDelivery' | 'forgetDelivery'>; clock: Clock },
  key: string,
  holdMs: number,
  work: () => Promise<A>,
  keepMs = 0,
): Promise<A | undefined> {
  const start = deps.clock.now();
  const got = await deps.store.rememberDelivery(`lease:${key}`, new Date(start.getTime() + holdMs), start)();
  if (E.isLeft(got)) throw new Error(got.left.message);
  if (!got.right) return undefined;
  try {
    // Taken even without `keepMs` (then expiring at once): it fails while an earlier round's gap is live.
    const gap = await deps.store.rememberDelivery(`gap:${key}`, new Date(start.getTime() + keepMs), start)();
    if (E.isLeft(gap)) throw new Error(gap.left.message);
    if (!gap.right) return undefined;
    return await work();
  } finally {
    await deps.store.forgetDelivery(`lease:${key}`)();
  }
}
