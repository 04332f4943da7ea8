import { randomBytes } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { AppError } from '../domain/errors.js';
import { eventBody, isEventType, type EventBody, type EventType } from '../domain/events.js';
import type { TenantId } from '../domain/tenant.js';
import type { Cipher } from './ports/cipher.js';
import type { Clock } from './ports/clock.js';
import type { WebhookEndpoints } from './ports/event-deliveries.js';
import type { EventOutbox } from './ports/event-outbox.js';
import type { SiteUrlGuard } from './ports/site-url-guard.js';

/** A Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes. */
export const generateWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

export interface WebhookView {
  /** Where this tenant's events are sent: its own endpoint, WEBHOOK_URL, or nowhere. */
  readonly source: 'tenant' | 'global' | 'none';
  readonly url: string | null;
  readonly created_at: string | null;
  /** Set when the endpoint answered 410 Gone: nothing is sent until a new URL is set. */
  readonly disabled_at: string | null;
  readonly disabled_reason: string | null;
}

/** `PUT`, `GET` and `DELETE /connectors/webhook`: a tenant's own endpoint. */
export class WebhookSettings {
  constructor(
    private readonly ports: {
      endpoints: WebhookEndpoints;
      /** The SSRF rules of the URL (https, public addresses only; loopback with WEBHOOK_ALLOW_HTTP_LOOPBACK). */
      guard: SiteUrlGuard;
      cipher: Pick<Cipher, 'encrypt'>;
      clock: Clock;
      /** WEBHOOK_URL, '' for none: what a tenant without an endpoint gets. */
      globalUrl: string;
    },
  ) {}

  /** Sets (or replaces) the endpoint with a new secret, answered this once. */
  put(tenantId: TenantId, rawUrl: string): TE.TaskEither<AppError, WebhookView & { secret: string }> {
    const { endpoints, guard, cipher, clock } = this.ports;
    return pipe(
      guard.check(rawUrl),
      TE.flatMap((url) => {
        const secret = generateWebhookSecret();
        const createdAt = clock.now();
        return pipe(
          endpoints.put({ tenantId, url: url.toString(), sealedSecret: cipher.encrypt(secret), createdAt }),
          TE.map(() => ({
            source: 'tenant' as const,
            url: url.toString(),
            created_at: createdAt.toISOString(),
            disabled_at: null,
            disabled_reason: null,
            secret,
          })),
        );
      }),
    );
  }

  get(tenantId: TenantId): TE.TaskEither<AppError, WebhookView> {
    return pipe(
      this.ports.endpoints.get(tenantId),
      TE.map((e): WebhookView => {
        if (e) {
          return {
            source: 'tenant',
            url: e.url,
            created_at: e.createdAt.toISOString(),
            disabled_at: e.disabledAt?.toISOString() ?? null,
            disabled_reason: e.disabledReason,
          };
        }
        return { source: this.ports.globalUrl === '' ? 'none' : 'global', url: null, created_at: null, disabled_at: null, disabled_reason: null };
      }),
    );
  }

  delete(tenantId: TenantId): TE.TaskEither<AppError, { deleted: boolean }> {
    return pipe(
      this.ports.endpoints.delete(tenantId),
      TE.map((deleted) => ({ deleted })),
    );
  }
}

export interface EventPage {
  readonly items: readonly EventBody[];
  /** Pass as `cursor` to read what follows; the same cursor again when nothing new has come. */
  readonly next_cursor: string;
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/** `GET /events`: the tenant's events after a cursor, oldest first. */
export class ListEvents {
  constructor(private readonly ports: { events: Pick<EventOutbox, 'list'> }) {}

  execute(tenantId: TenantId, query: { cursor?: string | undefined; types?: string | undefined; limit?: string | undefined }): TE.TaskEither<AppError, EventPage> {
    const parsed = this.parse(query);
    if (E.isLeft(parsed)) return TE.left(parsed.left);
    const { after, types, limit } = parsed.right;
    return pipe(
      this.ports.events.list({ tenantId, ...(after !== undefined ? { afterSequence: after } : {}), ...(types.length > 0 ? { types } : {}), limit }),
      TE.map((events) => ({
        items: events.map(eventBody),
        next_cursor: String(events.length > 0 ? events[events.length - 1]!.sequence : (after ?? 0)),
      })),
    );
  }

  private parse(query: { cursor?: string | undefined; types?: string | undefined; limit?: string | undefined }): E.Either<AppError, { after: number | undefined; types: EventType[]; limit: number }> {
    let after: number | undefined;
    if (query.cursor !== undefined) {
      if (!/^\d{1,15}$/.test(query.cursor)) return E.left(AppError.validation('cursor must be a next_cursor this service answered.', { details: { cursor: 'not a next_cursor' } }));
      after = Number(query.cursor);
    }
    const types: EventType[] = [];
    for (const name of (query.types ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')) {
      if (!isEventType(name)) return E.left(AppError.validation(`types names an unknown event type: ${name.slice(0, 64)}.`, { details: { types: 'unknown event type' } }));
      types.push(name);
    }
    let limit = DEFAULT_LIMIT;
    if (query.limit !== undefined) {
      if (!/^\d{1,4}$/.test(query.limit) || Number(query.limit) < 1 || Number(query.limit) > MAX_LIMIT) {
        return E.left(AppError.validation(`limit must be a number from 1 to ${MAX_LIMIT}.`, { details: { limit: 'not from 1 to 1000' } }));
      }
      limit = Number(query.limit);
    }
    return E.right({ after, types, limit });
  }
}
