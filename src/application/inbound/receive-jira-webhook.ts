/**
 * `POST /webhooks/jira` (issue 14, docs/events-inbound.md): a Jira webhook delivery becomes
 * an event in the outbox. The bearer JWT is checked before anything else is read; a token
 * seen before is a replay (401); a delivery identifier seen before is Atlassian retrying
 * (acknowledged, nothing new recorded); the tenant comes from the webhook ids it matched.
 */
import { createHash } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { AppError } from '../../domain/errors.js';
import { eventOfJiraDelivery, type WebhookTarget } from '../../domain/inbound.js';
import type { NewEvent } from '../../domain/events.js';
import type { Clock } from '../ports/clock.js';
import type { ConnectionRepository } from '../ports/connection-store.js';
import type { EventOutbox } from '../ports/event-outbox.js';
import type { InboundStore, WebhookRegistration, WebhookTokenVerifier } from '../ports/inbound-sync.js';
import type { Logger } from '../ports/logger.js';

/** How long past a token's `exp` it is still remembered, for clocks of instances that disagree. */
const REPLAY_MARGIN_MS = 5 * 60_000;

/** How long a delivery identifier is remembered: Atlassian retries for well under a day. */
export const DELIVERY_MEMORY_MS = 3 * 24 * 3_600_000;

export interface VerifiedDelivery {
  readonly tokenKey: string;
}

export type DeliveryOutcome =
  | { readonly outcome: 'recorded'; readonly events: number }
  | { readonly outcome: 'duplicate' }
  | { readonly outcome: 'unknown_site' }
  | { readonly outcome: 'ignored' };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export class ReceiveJiraWebhook {
  constructor(
    private readonly ports: {
      verifier: WebhookTokenVerifier;
      store: InboundStore;
      outbox: EventOutbox;
      connections: Pick<ConnectionRepository, 'find'>;
      clock: Clock;
      logger: Logger;
      /** ADF to Markdown for comment bodies. */
      markdown?: (adf: unknown) => string | undefined;
    },
  ) {}

  /**
   * Step 1, before the body is read: the Authorization header's JWT, and that this signed
   * delivery was not presented before. A replay is the same token again with its `jti`, or,
   * without one, with the same delivery identifier (Atlassian signs each attempt afresh).
   */
  authenticate(authorization: string | undefined, identifier: string | undefined): TE.TaskEither<AppError, VerifiedDelivery> {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m?.[1]) return TE.left(AppError.unauthorized('A Jira webhook delivery carries Authorization: Bearer <JWT>.'));
    const token = m[1];
    return pipe(
      this.ports.verifier.verify(token),
      TE.flatMap(({ expiresAt, claims }) => {
        const jti = typeof claims['jti'] === 'string' && claims['jti'] !== '' ? claims['jti'] : undefined;
        const seen = jti !== undefined ? `jti:${jti}` : `${token}\u0000${identifier ?? ''}`;
        const tokenKey = `jwt:${createHash('sha256').update(seen).digest('base64url')}`;
        return pipe(
          // Remembered past `exp` by a margin: an instance whose clock runs behind still takes the token then.
          this.ports.store.rememberDelivery(tokenKey, new Date(expiresAt.getTime() + REPLAY_MARGIN_MS), this.ports.clock.now()),
          TE.flatMap((fresh) => (fresh ? TE.right({ tokenKey }) : TE.left(AppError.unauthorized('This webhook delivery was presented before (a replay).')))),
        );
      }),
    );
  }

  /** Deletes the delivery identifiers, replay keys and leases that expired; answers how many. */
  async prune(): Promise<number> {
    const done = await this.ports.store.pruneDeliveries(this.ports.clock.now())();
    if (E.isLeft(done)) throw new Error(done.left.message);
    return done.right;
  }

  /** Step 2: the parsed payload of a delivery whose token passed. */
  receive(payload: unknown, identifier: string | undefined, verified?: VerifiedDelivery): TE.TaskEither<AppError, DeliveryOutcome> {
    if (!isObject(payload)) return TE.left(AppError.validation('A Jira webhook delivery is a JSON object.'));
    const now = this.ports.clock.now();
    const deliveryKey = identifier ? `delivery:${identifier.slice(0, 180)}` : undefined;
    return pipe(
      deliveryKey ? this.ports.store.rememberDelivery(deliveryKey, new Date(now.getTime() + DELIVERY_MEMORY_MS), now) : TE.right(true),
      TE.flatMap((fresh): TE.TaskEither<AppError, DeliveryOutcome> => {
        if (!fresh) return TE.right({ outcome: 'duplicate' });
        return pipe(
          this.record(payload, now),
          // Not recorded: Atlassian's retry of this delivery must be taken neither for a duplicate nor for a replay.
          TE.orElse((err) =>
            pipe(
              deliveryKey ? this.ports.store.forgetDelivery(deliveryKey) : TE.right(undefined),
              TE.flatMap(() => (verified ? this.ports.store.forgetDelivery(verified.tokenKey) : TE.right(undefined))),
              TE.flatMap(() => TE.left(err)),
            ),
          ),
        );
      }),
    );
  }

  private record(payload: Json, now: Date): TE.TaskEither<AppError, DeliveryOutcome> {
    return pipe(
      this.targetsOf(payload),
      TE.flatMap((targets): TE.TaskEither<AppError, DeliveryOutcome> => {
        if (targets.length === 0) {
          this.ports.logger.info({ event: String(payload['webhookEvent'] ?? '') }, 'jira webhook delivery for no registered site: acknowledged, nothing recorded');
          return TE.right({ outcome: 'unknown_site' });
        }
        let events: NewEvent[];
        try {
          events = targets.flatMap((t) => {
            const e = eventOfJiraDelivery(payload, t, now, this.ports.markdown);
            return e ? [e] : [];
          });
        } catch {
          // Values no event can hold (a date out of range, ...): refused as the caller's, and
          // forgotten by `receive`, so a corrected retry is processed.
          return TE.left(AppError.validation('The Jira webhook delivery holds a value that cannot be read (a date out of range?).'));
        }
        if (events.length === 0) return TE.right({ outcome: 'ignored' });
        return TE.map((stored: readonly NewEvent[]) => ({ outcome: 'recorded' as const, events: stored.length }))(this.ports.outbox.record(events));
      }),
    );
  }

  /**
   * The tenants a delivery is for: the registrations of the webhook ids it matched (ids are
   * unique per site, so when two sites share one, the site named in the payload's `self`
   * links decides), whose tenant still has its Jira connection on that site.
   */
  private targetsOf(payload: Json): TE.TaskEither<AppError, WebhookTarget[]> {
    const ids = Array.isArray(payload['matchedWebhookIds']) ? payload['matchedWebhookIds'].filter((x): x is number => typeof x === 'number' && Number.isInteger(x)) : [];
    return TE.tryCatch(
      async () => {
        const found: WebhookRegistration[] = [];
        for (const id of [...new Set(ids)].slice(0, 20)) {
          const rows = await this.ports.store.registrationsByWebhookId(id)();
          if (E.isLeft(rows)) throw rows.left;
          found.push(...rows.right);
        }
        const sites = new Set(found.map((r) => r.cloudId));
        const text = sites.size > 1 ? JSON.stringify([payload['issue'], payload['comment']]) : '';
        const onSite = sites.size > 1 ? found.filter((r) => text.includes(r.cloudId)) : found;
        const targets: WebhookTarget[] = [];
        for (const r of onSite) {
          if (targets.some((t) => t.tenantId === r.tenantId && t.site === r.cloudId)) continue;
          const conn = await this.ports.connections.find(r.tenantId, 'jira')();
          if (E.isRight(conn) && conn.right?.cloudId === r.cloudId) targets.push({ tenantId: r.tenantId, site: r.cloudId });
        }
        return targets;
      },
      (err) => (isAppError(err) ? err : AppError.internal('The webhook registrations could not be read.', { cause: err })),
    );
  }
}

const isAppError = (e: unknown): e is AppError => isObject(e) && typeof e['code'] === 'string' && typeof e['message'] === 'string';
