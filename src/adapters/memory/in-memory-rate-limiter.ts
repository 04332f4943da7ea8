import * as TE from 'fp-ts/lib/TaskEither.js';
import type { AppError } from '../../domain/errors.js';
import type { TenantId } from '../../domain/tenant.js';
import { take, type BucketSettings, type BucketState } from '../../domain/token-bucket.js';
import type { RateDecision, TenantRateLimiter } from '../../application/ports/tenant-rate-limiter.js';

/**
 * The token buckets in this process's memory: the limit holds per instance. Buckets that are
 * full again are dropped when the map grows, so it stays bounded by the tenants active in the
 * last burst/perMinute minutes.
 */
export class InMemoryTenantRateLimiter implements TenantRateLimiter {
  private readonly buckets = new Map<TenantId, BucketState>();
  private sweepAt = 1024;

  constructor(private readonly settings: BucketSettings) {}

  take(tenant: TenantId, nowMs: number): TE.TaskEither<AppError, RateDecision> {
    return TE.fromIO(() => {
      const verdict = take(this.buckets.get(tenant), nowMs, this.settings);
      this.buckets.set(tenant, verdict.state);
      if (this.buckets.size >= this.sweepAt) this.sweep(nowMs);
      return verdict.allowed ? { allowed: true } : { allowed: false, retryAfterSeconds: verdict.retryAfterSeconds };
    });
  }

  private sweep(nowMs: number): void {
    const fullAfterMs = (this.settings.burst * 60_000) / this.settings.perMinute;
    for (const [tenant, state] of this.buckets) if (nowMs - state.updatedMs >= fullAfterMs) this.buckets.delete(tenant);
    this.sweepAt = Math.max(1024, this.buckets.size * 2);
  }
}
