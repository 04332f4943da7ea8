import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { AppError } from '../../domain/errors.js';
import type { EventType, StoredEvent } from '../../domain/events.js';
import type { TenantId } from '../../domain/tenant.js';

/** pending: to be sent (again); delivered: a 2xx came back; dead: the retry budget ran out. */
export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

/** One event's delivery: written with the event (same transaction), then moved on by the dispatcher. */
export interface Delivery {
  readonly tenantId: TenantId;
  readonly eventId: string;
  readonly eventType: EventType;
  readonly sequence: number;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: Date;
  readonly firstAttemptAt: Date | null;
  readonly lastAttemptAt: Date | null;
  /** What the last attempt met: an HTTP status (`500`) or `timeout`, `network`, `refused_address`, `no_endpoint`. */
  readonly lastResult: string | null;
  readonly endpointUrl: string | null;
  readonly deliveredAt: Date | null;
}

export type Routable = { readonly only: readonly TenantId[] } | { readonly except: readonly TenantId[] };

/** A delivery that is due, with its event. */
export interface DueDelivery {
  readonly delivery: Delivery;
  readonly event: StoredEvent;
}

/** How one attempt ended, as the dispatcher writes it back (the lease is freed in the same write). */
export type AttemptOutcome =
  | { readonly kind: 'delivered'; readonly at: Date; readonly result: string; readonly url: string }
  | { readonly kind: 'retry'; readonly at: Date; readonly nextAttemptAt: Date; readonly result: string; readonly url: string | null }
  | { readonly kind: 'dead'; readonly at: Date; readonly result: string; readonly url: string | null };

export interface DeliveryQuery {
  readonly tenantId?: TenantId;
  /** Only dead deliveries and pending ones that failed at least once. */
  readonly failed?: boolean;
  readonly limit: number;
}

/**
 * The delivery side of the outbox. Only a tenant's head (its pending delivery of lowest
 * sequence) can be claimed, so event N+1 is never sent before N is delivered or dead; the
 * claim is a lease in the row, so dispatchers on several instances never send one at once.
 */
export interface EventDeliveries {
  /**
   * Up to `limit` heads that are due (`next_attempt_at <= now`) and not leased, one per
   * tenant, of the tenants `routable` says have an endpoint. Nothing is leased yet.
   */
  dueHeads(input: { readonly now: Date; readonly limit: number; readonly routable: Routable }): TE.TaskEither<AppError, readonly DueDelivery[]>;
  /**
   * Leases one due head until `until`: one statement, so of competing dispatchers exactly
   * one gets it; false when it is leased, or no longer pending.
   */
  claim(tenantId: TenantId, eventId: string, owner: string, now: Date, until: Date): TE.TaskEither<AppError, boolean>;
  /**
   * Leases an endpoint (`key`, a hash of its URL) for one attempt: of the dispatchers on every
   * instance, one at a time sends to an endpoint (per-endpoint concurrency 1, which matters for
   * WEBHOOK_URL, shared by every tenant). False while a lease is live, whoever holds it.
   */
  claimEndpoint(key: string, owner: string, now: Date, until: Date): TE.TaskEither<AppError, boolean>;
  /** Frees an endpoint lease this owner holds. */
  releaseEndpoint(key: string, owner: string): TE.TaskEither<AppError, void>;
  /** Writes an attempt's outcome and frees the lease; false when the lease was lost (nothing written). */
  complete(tenantId: TenantId, eventId: string, owner: string, outcome: AttemptOutcome): TE.TaskEither<AppError, boolean>;
  listDeliveries(query: DeliveryQuery): TE.TaskEither<AppError, readonly Delivery[]>;
  /** Puts a delivered or dead event back to pending, due now; false when there is no such event. */
  redeliver(eventId: string, now: Date, tenantId?: TenantId): TE.TaskEither<AppError, boolean>;
}

/** A tenant's own webhook endpoint. */
export interface WebhookEndpoint {
  readonly tenantId: TenantId;
  readonly url: string;
  /** Sealed by the Cipher. */
  readonly sealedSecret: string;
  readonly createdAt: Date;
  readonly disabledAt: Date | null;
  readonly disabledReason: string | null;
}

/** Where each tenant's events go: its own endpoint (PUT /connectors/webhook); the global one is configuration. */
export interface WebhookEndpoints {
  get(tenantId: TenantId): TE.TaskEither<AppError, WebhookEndpoint | undefined>;
  /** Every tenant endpoint, enabled or not. */
  listAll(): TE.TaskEither<AppError, readonly WebhookEndpoint[]>;
  /** Inserts or replaces (and so re-enables) the tenant's endpoint. */
  put(endpoint: Omit<WebhookEndpoint, 'disabledAt' | 'disabledReason'>): TE.TaskEither<AppError, void>;
  delete(tenantId: TenantId): TE.TaskEither<AppError, boolean>;
  /** Disables the tenant's endpoint when it still has this URL (it answered 410 Gone). */
  disable(tenantId: TenantId, url: string, at: Date, reason: string): TE.TaskEither<AppError, void>;
  /** The global WEBHOOK_URL that answered 410 Gone, if any: it stays off until WEBHOOK_URL names another URL. */
  globalDisabled(): TE.TaskEither<AppError, string | undefined>;
  disableGlobal(url: string, at: Date, reason: string): TE.TaskEither<AppError, void>;
}

/** A signed POST of one event to one endpoint. */
export interface WebhookRequest {
  readonly url: string;
  /** The Standard Webhooks secret, `whsec_<base64>`. */
  readonly secret: string;
  readonly id: string;
  readonly timestamp: Date;
  /** The JSON body, exactly as signed. */
  readonly body: string;
}

/** What the receiver answered, or why nothing was answered. */
export type WebhookAnswer =
  | { readonly kind: 'answered'; readonly status: number }
  | { readonly kind: 'failed'; readonly reason: 'timeout' | 'network' | 'refused_address' | 'invalid_url' };

export interface WebhookSender {
  send(request: WebhookRequest): Promise<WebhookAnswer>;
}
