import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { AppError } from '../../domain/errors.js';
import type { TenantId } from '../../domain/tenant.js';

/** What the limiter says of one request of a tenant. */
export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

/**
 * The token buckets of RATE_LIMIT_PER_TENANT, one per tenant: in this process's memory, or in
 * the database (RATE_LIMIT_SHARED) so every instance draws from the same bucket. `take`
 * counts one request at `nowMs`; a store that cannot answer is a Left.
 */
export interface TenantRateLimiter {
  take(tenant: TenantId, nowMs: number): TE.TaskEither<AppError, RateDecision>;
}
