import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { AppError } from '../domain/errors.js';
import type { TenantId } from '../domain/tenant.js';
import { NO_METRICS, type ServiceMetrics } from './ports/metrics.js';

export interface ConcurrencySettings {
  /** Calls of one tenant in flight at once (UPSTREAM_CONCURRENCY_PER_TENANT); 0: no cap. */
  readonly perTenant: number;
  /** Calls of one tenant waiting for a slot (UPSTREAM_QUEUE_PER_TENANT); past it: 429 at once. */
  readonly queue: number;
  /** The longest a call waits for a slot (UPSTREAM_QUEUE_WAIT_MS); then 429. */
  readonly maxWaitMs: number;
}

interface Waiter {
  readonly wake: () => void;
}

interface Lane {
  active: number;
  readonly waiting: Waiter[];
}

/**
 * UPSTREAM_CONCURRENCY_PER_TENANT: a counting semaphore per tenant around the calls to
 * Atlassian, so one tenant cannot hold the whole connection pool or spend the OAuth app's
 * quota alone. A call over the cap waits in its tenant's bounded queue (first come, first
 * served) for at most `maxWaitMs`; a full queue or a wait that runs out answers 429
 * RATE_LIMITED without calling. Other tenants' calls never wait for it. Lanes are dropped
 * when idle, so the map holds only tenants with calls in flight.
 */
export class TenantConcurrency {
  private readonly lanes = new Map<TenantId, Lane>();
  private readonly metrics: ServiceMetrics;

  constructor(
    private readonly settings: ConcurrencySettings,
    metrics?: ServiceMetrics,
  ) {
    this.metrics = metrics ?? NO_METRICS;
  }

  /** Calls of the tenant in flight now (for tests and the health page). */
  inFlight(tenant: TenantId): number {
    return this.lanes.get(tenant)?.active ?? 0;
  }

  /** Runs `task` in one of the tenant's slots; without a tenant (or with no cap) at once. */
  run<A>(tenant: TenantId | undefined, what: string, task: TE.TaskEither<AppError, A>): TE.TaskEither<AppError, A> {
    if (tenant === undefined || this.settings.perTenant <= 0) return task;
    return async () => {
      const acquired = await this.acquire(tenant);
      if (!acquired) {
        this.metrics.rateLimited('tenant');
        const wait = Math.max(1, Math.ceil(this.settings.maxWaitMs / 1000));
        return E.left(
          AppError.rateLimited(
            `This tenant already has ${this.settings.perTenant} calls to Atlassian in flight and its queue is full or the wait ran out (UPSTREAM_CONCURRENCY_PER_TENANT), so ${what} was not requested; retry after ${wait} s.`,
            wait,
            { reason: 'upstream_concurrency' },
          ),
        );
      }
      try {
        return await task();
      } finally {
        this.release(tenant);
      }
    };
  }

  private lane(tenant: TenantId): Lane {
    let lane = this.lanes.get(tenant);
    if (!lane) {
      lane = { active: 0, waiting: [] };
      this.lanes.set(tenant, lane);
    }
    return lane;
  }

  /** True once a slot is held; false when the queue is full or the wait ran out. */
  private acquire(tenant: TenantId): Promise<boolean> {
    const lane = this.lane(tenant);
    if (lane.active < this.settings.perTenant) {
      lane.active += 1;
      return Promise.resolve(true);
    }
    if (lane.waiting.length >= this.settings.queue || this.settings.maxWaitMs <= 0) {
      this.dropIfIdle(tenant, lane);
      return Promise.resolve(false);
    }
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        // The releasing call hands its slot over: `active` stays as it is.
        wake: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        const at = lane.waiting.indexOf(waiter);
        if (at >= 0) lane.waiting.splice(at, 1);
        resolve(false);
      }, this.settings.maxWaitMs);
      lane.waiting.push(waiter);
    });
  }

  private release(tenant: TenantId): void {
    const lane = this.lanes.get(tenant);
    if (!lane) return;
    const next = lane.waiting.shift();
    if (next) {
      next.wake();
      return;
    }
    lane.active -= 1;
    this.dropIfIdle(tenant, lane);
  }

  private dropIfIdle(tenant: TenantId, lane: Lane): void {
    if (lane.active === 0 && lane.waiting.length === 0) this.lanes.delete(tenant);
  }
}
