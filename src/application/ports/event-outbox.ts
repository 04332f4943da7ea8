import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { EventType, NewEvent, StoredEvent } from '../../domain/events.js';
import type { AppError } from '../../domain/errors.js';
import type { TenantId } from '../../domain/tenant.js';

/** What `GET /events` asks for: a tenant's events after a cursor (a sequence number), oldest first. */
export interface EventQuery {
  readonly tenantId: TenantId;
  /** Only events with a greater sequence; undefined from the start of what is retained. */
  readonly afterSequence?: number;
  readonly types?: readonly EventType[];
  readonly limit: number;
}

/**
 * The outbox: events recorded durably, then delivered by the dispatcher and read by
 * `GET /events`. Connection events are written by the connection store in the same
 * transaction as the change (its write methods take the events); everything else
 * (webhook deliveries, pollers) records through `record`.
 */
export interface EventOutbox {
  /** Records the events whose id is not stored yet, in order; answers the ones newly stored. */
  record(events: readonly NewEvent[]): TE.TaskEither<AppError, readonly StoredEvent[]>;
  list(query: EventQuery): TE.TaskEither<AppError, readonly StoredEvent[]>;
  /** Deletes events recorded before `before` (and their finished deliveries); answers how many. */
  prune(before: Date): TE.TaskEither<AppError, number>;
}
