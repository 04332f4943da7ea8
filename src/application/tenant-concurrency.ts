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
  /** true: the slot of a finished call was handed over; false: the wait ran out. */
  readonly settle: (acquired: boolean) => void;
  /** When the wait runs out (performance.now(), a monotonic clock: a step of the wall clock changes nothing). */
  readonly deadline: number;
}

interface Lane {
  active: number;
  /** First come, first served; every waiter waits as long, so deadlines come in order. */
  readonly waiting: Waiter[];
  /** One timer for the lane, set for the first waiter's deadline. */
  timer: ReturnType<typeof setTimeout> | undefined;
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
    return () => {
      const lane = this.lane(tenant);
      // A free slot is taken at once, without a promise or a timer of its own.
      if (lane.active < this.settings.perTenant) {
        lane.active += 1;
        return this.holding(tenant, task);
      }
      return this.wait(tenant, lane).then((acquired) =>
        acquired ? this.holding(tenant, task) : E.left(this.refusal(what)),
      );
    };
  }

  private refusal(what: string): AppError {
    this.metrics.rateLimited('tenant');
    const wait = Math.max(1, Math.ceil(this.settings.maxWaitMs / 1000));
    return AppError.rateLimited(
      `This tenant already has ${this.settings.perTenant} calls to Atlassian in flight and its queue is full or the wait ran out (UPSTREAM_CONCURRENCY_PER_TENANT), so ${what} was not requested; retry after ${wait} s.`,
      wait,
      { reason: 'upstream_concurrency' },
    );
  }

  /** Runs `task` in a slot already taken, and gives the slot back however it ends. */
  private holding<A>(tenant: TenantId, task: TE.TaskEither<AppError, A>): Promise<E.Either<AppError, A>> {
    let running: Promise<E.Either<AppError, A>>;
    try {
      running = task();
    } catch (err) {
      // A task that throws before it returns its promise fails like one that rejects.
      this.release(tenant);
      return Promise.reject(err);
    }
    return running.then(
      (result) => {
        this.release(tenant);
        return result;
      },
      (err: unknown) => {
        this.release(tenant);
        throw err;
      },
    );
  }

  private lane(tenant: TenantId): Lane {
    let lane = this.lanes.get(tenant);
    if (!lane) {
      lane = { active: 0, waiting: [], timer: undefined };
      this.lanes.set(tenant, lane);
    }
    return lane;
  }

  /** True once a slot is handed over; false when the queue is full or the wait ran out. */
  private wait(tenant: TenantId, lane: Lane): Promise<boolean> {
    if (lane.waiting.length >= this.settings.queue || this.settings.maxWaitMs <= 0) return Promise.resolve(false);
    return new Promise<boolean>((settle) => {
      lane.waiting.push({ settle, deadline: performance.now() + this.settings.maxWaitMs });
      this.arm(tenant, lane);
    });
  }

  /** Sets the lane's timer for its first waiter's deadline, unless it is set. */
  private arm(tenant: TenantId, lane: Lane): void {
    const first = lane.waiting[0];
    if (lane.timer !== undefined || first === undefined) return;
    lane.timer = setTimeout(() => this.expire(tenant, lane), Math.max(0, first.deadline - performance.now()));
  }

  /** Refuses every waiter whose wait ran out, then waits for the next one's deadline. */
  private expire(tenant: TenantId, lane: Lane): void {
    lane.timer = undefined;
    const now = performance.now();
    while (lane.waiting.length > 0 && lane.waiting[0]!.deadline <= now) lane.waiting.shift()!.settle(false);
    this.arm(tenant, lane);
    this.dropIfIdle(tenant, lane);
  }

  private release(tenant: TenantId): void {
    const lane = this.lanes.get(tenant);
    if (!lane) return;
    const next = lane.waiting.shift();
    if (next) {
      // The slot is handed over: `active` stays as it is.
      next.settle(true);
      return;
    }
    lane.active -= 1;
    this.dropIfIdle(tenant, lane);
  }

  private dropIfIdle(tenant: TenantId, lane: Lane): void {
    if (lane.active > 0 || lane.waiting.length > 0) return;
    if (lane.timer !== undefined) clearTimeout(lane.timer);
    lane.timer = undefined;
    this.lanes.delete(tenant);
  }
}
