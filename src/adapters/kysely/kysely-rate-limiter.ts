import * as TE from 'fp-ts/lib/TaskEither.js';
import { sql, type Kysely } from 'kysely';
import { AppError } from '../../domain/errors.js';
import type { TenantId } from '../../domain/tenant.js';
import { secondsUntilToken, type BucketSettings } from '../../domain/token-bucket.js';
import type { RateDecision, TenantRateLimiter } from '../../application/ports/tenant-rate-limiter.js';
import type { Database } from './schema.js';

/**
 * RATE_LIMIT_SHARED on PostgreSQL: the tenant's bucket is a row of `rate_limits`, refilled,
 * taken from and read back by ONE statement (`INSERT ... ON CONFLICT DO UPDATE ... RETURNING`),
 * so concurrent requests on any number of instances serialise on the row lock and the limit
 * holds across them. The arithmetic is `take` of src/domain/token-bucket.ts: tokens refill at
 * perMinute/60000 a millisecond up to `burst`; a request takes one when at least one is there.
 * Every expression of the SET list reads the row as it was before the statement.
 */
export class KyselyTenantRateLimiter implements TenantRateLimiter {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly settings: BucketSettings,
  ) {}

  take(tenant: TenantId, nowMs: number): TE.TaskEither<AppError, RateDecision> {
    const { burst, perMinute } = this.settings;
    const now = Math.round(nowMs);
    const perMs = perMinute / 60_000;
    const full = sql<number>`least(${burst}::double precision, rate_limits.tokens + greatest(0, ${now}::bigint - rate_limits.updated_ms) * ${perMs}::double precision)`;
    return TE.tryCatch(
      async () => {
        const { rows } = await sql<{ tokens: number; allowed: number }>`
          insert into rate_limits (tenant_id, tokens, updated_ms, allowed)
          values (${tenant}, ${burst - 1}::double precision, ${now}::bigint, 1)
          on conflict (tenant_id) do update set
            tokens = case when ${full} >= 1 then ${full} - 1 else ${full} end,
            allowed = case when ${full} >= 1 then 1 else 0 end,
            updated_ms = greatest(rate_limits.updated_ms, ${now}::bigint)
          returning tokens, allowed`.execute(this.db);
        const row = rows[0];
        if (!row) throw new Error('the rate limit statement returned no row');
        return Number(row.allowed) === 1
          ? ({ allowed: true } as const)
          : ({ allowed: false, retryAfterSeconds: secondsUntilToken(Number(row.tokens), this.settings) } as const);
      },
      (err) => AppError.internal('The shared rate limit store is unavailable.', { cause: err }),
    );
  }
}
