import { createHash, randomUUID } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import { eventBody } from '../domain/events.js';
import type { TenantId } from '../domain/tenant.js';
import type { Cipher } from './ports/cipher.js';
import type { Clock } from './ports/clock.js';
import type { AttemptOutcome, DueDelivery, EventDeliveries, Routable, WebhookEndpoints, WebhookSender } from './ports/event-deliveries.js';
import type { Logger } from './ports/logger.js';

export interface DispatchSettings {
  /** WEBHOOK_URL and WEBHOOK_SECRET: where a tenant without an endpoint of its own is sent to; '' for none. */
  readonly globalUrl: string;
  readonly globalSecret: string;
  /** How long one attempt may take (WEBHOOK_TIMEOUT_MS); the lease outlives it by a margin. */
  readonly timeoutMs: number;
  /** The first retry's delay; each next one doubles, up to `maxDelayMs`, with jitter. */
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** How long after its first attempt a delivery is retried before it is dead (24 h). */
  readonly budgetMs: number;
  /** How many heads one round looks at. */
  readonly batch: number;
}

export const DEFAULT_DISPATCH: Omit<DispatchSettings, 'globalUrl' | 'globalSecret' | 'timeoutMs'> = {
  initialDelayMs: 5_000,
  maxDelayMs: 60 * 60_000,
  budgetMs: 24 * 60 * 60_000,
  batch: 32,
};

/** What the lease outlives an attempt's timeout by (the outcome's write, clock drift between instances). */
const LEASE_MARGIN_MS = 5_000;

interface Target {
  readonly url: string;
  readonly secret: string;
  /** The tenant's own endpoint, or WEBHOOK_URL. */
  readonly own: boolean;
}

const is2xx = (status: number): boolean => status >= 200 && status < 300;

/**
 * Delivers the outbox's events as signed webhooks, at least once and in order per tenant:
 * each round takes every tenant's head (its pending event of lowest sequence) that is due,
 * groups them by endpoint URL and sends each group one at a time, each attempt under a lease
 * of its endpoint (one request in flight per endpoint across every instance) and of its row
 * (never one event twice at once). A 2xx
 * delivers; 410 Gone disables the endpoint (its events wait, pending, for a new URL);
 * anything else (3xx, 4xx, 5xx, timeout, no connection, a refused address) is retried with
 * exponential backoff and jitter until `budgetMs` after the first attempt, then dead.
 */
export class EventDispatcher {
  readonly owner = `dispatcher:${randomUUID()}`;
  private stopping = false;

  constructor(
    private readonly ports: {
      deliveries: EventDeliveries;
      endpoints: WebhookEndpoints;
      sender: WebhookSender;
      cipher: Pick<Cipher, 'decrypt'>;
      clock: Clock;
      logger: Logger;
      settings: DispatchSettings;
      /** The jitter source, a number in [0, 1) (tests pin it). */
      random?: () => number;
    },
  ) {}

  /** The delay before retry number `attempts` (1 for the first retry): doubling, capped, in [half, whole]. */
  delayFor(attempts: number): number {
    const { initialDelayMs, maxDelayMs } = this.ports.settings;
    const whole = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(attempts - 1, 40));
    return Math.round(whole / 2 + (whole / 2) * (this.ports.random ?? Math.random)());
  }

  /** No new attempt starts after this (the one in flight finishes): shutdown waits one timeout at most. */
  stop(): void {
    this.stopping = true;
  }

  /** One round: sends what is due; answers how many attempts were made. */
  async runOnce(): Promise<number> {
    const { deliveries, clock, settings, logger } = this.ports;
    const routing = await this.routing();
    if (!routing) return 0;
    const due = await deliveries.dueHeads({ now: clock.now(), limit: settings.batch, routable: routing.routable })();
    if (E.isLeft(due)) {
      logger.warn({ err: due.left.message }, 'event deliveries could not be read');
      return 0;
    }
    const groups = new Map<string, Array<{ due: DueDelivery; target: Target }>>();
    for (const d of due.right) {
      const target = routing.targetOf(d.delivery.tenantId);
      if (!target) continue;
      const group = groups.get(target.url) ?? [];
      group.push({ due: d, target });
      groups.set(target.url, group);
    }
    const counts = await Promise.all(
      [...groups.values()].map(async (group) => {
        let attempted = 0;
        for (const { due: d, target } of group) {
          if (this.stopping) break;
          if (await this.attempt(d, target)) attempted += 1;
        }
        return attempted;
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Which tenants can be sent to, and where; undefined when the endpoints cannot be read. */
  private async routing(): Promise<{ routable: Routable; targetOf: (tenant: TenantId) => Target | undefined } | undefined> {
    const { endpoints, cipher, settings, logger } = this.ports;
    const [listed, gone] = await Promise.all([endpoints.listAll()(), settings.globalUrl === '' ? Promise.resolve(E.right(undefined)) : endpoints.globalDisabled()()]);
    if (E.isLeft(listed) || E.isLeft(gone)) {
      logger.warn({}, 'webhook endpoints could not be read');
      return undefined;
    }
    const own = new Map<string, Target>();
    const disabled: TenantId[] = [];
    for (const e of listed.right) {
      if (e.disabledAt !== null) {
        disabled.push(e.tenantId);
        continue;
      }
      const secret = cipher.decrypt(e.sealedSecret);
      if (E.isLeft(secret)) {
        logger.warn({ tenant: e.tenantId }, 'the webhook secret of a tenant cannot be opened with the current key; its events wait');
        disabled.push(e.tenantId);
        continue;
      }
      own.set(e.tenantId, { url: e.url, secret: secret.right, own: true });
    }
    const global: Target | undefined =
      settings.globalUrl !== '' && gone.right !== settings.globalUrl ? { url: settings.globalUrl, secret: settings.globalSecret, own: false } : undefined;
    const routable: Routable = global ? { except: disabled } : { only: [...own.keys()] as TenantId[] };
    return { routable, targetOf: (tenant) => own.get(tenant) ?? (disabled.includes(tenant) ? undefined : global) };
  }

  /**
   * Leases the endpoint and the delivery, sends, records; false when another dispatcher (on
   * this or another instance) is sending to that endpoint now, or had the delivery.
   */
  private async attempt(d: DueDelivery, target: Target): Promise<boolean> {
    const { deliveries } = this.ports;
    const start = this.ports.clock.now();
    const endpoint = createHash('sha256').update(target.url).digest('hex');
    const until = new Date(start.getTime() + this.ports.settings.timeoutMs + LEASE_MARGIN_MS);
    const free = await deliveries.claimEndpoint(endpoint, this.owner, start, until)();
    if (E.isLeft(free) || !free.right) return false;
    try {
      return await this.attemptLeased(d, target, start, until);
    } finally {
      await deliveries.releaseEndpoint(endpoint, this.owner)();
    }
  }

  private async attemptLeased(d: DueDelivery, target: Target, start: Date, until: Date): Promise<boolean> {
    const { deliveries, endpoints, sender, clock, logger, settings } = this.ports;
    const { tenantId, eventId } = d.delivery;
    const claimed = await deliveries.claim(tenantId, eventId, this.owner, start, until)();
    if (E.isLeft(claimed) || !claimed.right) return false;
    const answer = await sender.send({ url: target.url, secret: target.secret, id: eventId, timestamp: start, body: JSON.stringify(eventBody(d.event)) });
    const at = clock.now();
    const result = answer.kind === 'answered' ? String(answer.status) : answer.reason;
    let outcome: AttemptOutcome;
    if (answer.kind === 'answered' && is2xx(answer.status)) {
      outcome = { kind: 'delivered', at, result, url: target.url };
    } else if (answer.kind === 'answered' && answer.status === 410) {
      // Gone: the product says this endpoint is no more. Its events stay pending for a new one.
      const disabled = target.own
        ? await endpoints.disable(tenantId, target.url, at, '410 Gone')()
        : await endpoints.disableGlobal(target.url, at, '410 Gone')();
      if (E.isLeft(disabled)) logger.warn({ err: disabled.left.message }, 'a gone webhook endpoint could not be disabled');
      logger.warn({ tenant: tenantId, endpoint: target.own ? 'tenant' : 'WEBHOOK_URL' }, 'the webhook endpoint answered 410 Gone: disabled; set a new URL to resume');
      outcome = { kind: 'retry', at, nextAttemptAt: at, result, url: target.url };
    } else {
      const first = d.delivery.firstAttemptAt ?? start;
      const deadline = first.getTime() + settings.budgetMs;
      const attempts = d.delivery.attempts + 1;
      if (at.getTime() >= deadline) {
        outcome = { kind: 'dead', at, result, url: target.url };
        logger.warn({ tenant: tenantId, event: eventId, attempts, result }, 'event delivery gave up after its retry budget: dead');
      } else {
        const next = Math.min(deadline, at.getTime() + this.delayFor(attempts));
        outcome = { kind: 'retry', at, nextAttemptAt: new Date(next), result, url: target.url };
      }
    }
    const written = await deliveries.complete(tenantId, eventId, this.owner, outcome)();
    if (E.isLeft(written)) logger.warn({ err: written.left.message, tenant: tenantId, event: eventId }, 'an event delivery outcome could not be written; it will be sent again');
    return true;
  }
}

/**
 * Runs the dispatcher in the background: a round now, the next at once while there was work,
 * else after `idleMs`; the timer never keeps the process alive. Answers the function that
 * stops it (waiting for the round under way, so the database is not closed beneath it).
 */
export function startDispatching(dispatcher: EventDispatcher, logger: Logger, idleMs: number): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const round = async (): Promise<void> => {
    let worked = 0;
    try {
      worked = await dispatcher.runOnce();
    } catch (err) {
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'an event dispatch round failed');
    }
    running = undefined;
    if (stopped) return;
    timer = setTimeout(() => {
      running = round();
    }, worked > 0 ? 0 : idleMs);
    timer.unref();
  };
  running = round();
  return async () => {
    stopped = true;
    dispatcher.stop();
    clearTimeout(timer);
    await running;
  };
}
