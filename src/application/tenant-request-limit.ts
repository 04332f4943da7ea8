import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { AppError } from '../domain/errors.js';
import type { TenantId } from '../domain/tenant.js';
import type { Clock } from './ports/clock.js';
import type { Logger } from './ports/logger.js';
import { NO_METRICS, type ServiceMetrics } from './ports/metrics.js';
import type { TenantRateLimiter } from './ports/tenant-rate-limiter.js';

/**
 * RATE_LIMIT_PER_TENANT on our own API: every tenant-scoped request (REST, tools/invoke,
 * /mcp) takes a token of its tenant's bucket first; without one it is answered 429
 * RATE_LIMITED with the seconds until the next token. A limiter store that fails (the
 * database is down) lets the request through and logs it: the limit protects the service,
 * an outage of its counters should not stop it.
 */
export class TenantRequestLimit {
  constructor(
    private readonly ports: {
      readonly limiter: TenantRateLimiter;
      readonly clock: Clock;
      readonly metrics?: ServiceMetrics;
      readonly log?: Logger;
      readonly perMinute: number;
    },
  ) {}

  admit(tenant: TenantId): TE.TaskEither<AppError, void> {
    return async () => {
      const decision = await this.ports.limiter.take(tenant, this.ports.clock.now().getTime())();
      if (E.isLeft(decision)) {
        this.ports.log?.warn({ err: decision.left.message }, 'the tenant rate limiter could not count a request; it was let through');
        return E.right(undefined);
      }
      if (decision.right.allowed) return E.right(undefined);
      (this.ports.metrics ?? NO_METRICS).rateLimited('tenant');
      const wait = decision.right.retryAfterSeconds;
      return E.left(
        AppError.rateLimited(
          `This tenant sent more than the ${this.ports.perMinute} requests a minute this service allows (RATE_LIMIT_PER_TENANT); retry after ${wait} s.`,
          wait,
          { reason: 'tenant_rate_limit' },
        ),
      );
    };
  }
}
