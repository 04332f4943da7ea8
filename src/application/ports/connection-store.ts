import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { Connection } from '../../domain/connection.js';
import type { ConnectorId } from '../../domain/connector.js';
import type { AppError } from '../../domain/errors.js';
import type { NewEvent } from '../../domain/events.js';
import type { TenantId } from '../../domain/tenant.js';

/** A connection as written: the store assigns version and timestamps. */
export type ConnectionDraft = Omit<Connection, 'version' | 'createdAt' | 'updatedAt'>;

/** The tokens a refresh produced, already sealed, and when they expire. */
export interface RefreshedCredentials {
  readonly credentials: string;
  readonly expiresAt: Date | null;
  readonly refreshedAt: Date;
  readonly scopes?: readonly string[];
}

/**
 * The events a write records in the same transaction as the change (issue 14), or a
 * function of the rows it changed (a grant's rows marked, a row deleted): recorded only
 * when the write changed something. A store without an outbox ignores them.
 */
export type EventsOf<R> = readonly NewEvent[] | ((changed: R) => readonly NewEvent[]);

/**
 * Tenant-facing persistence of connections, keyed by (tenant, connector). Every read and
 * write names the tenant: there is no way to reach another tenant's row.
 */
export interface ConnectionRepository {
  find(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<AppError, Connection | undefined>;
  list(tenantId: TenantId): TE.TaskEither<AppError, readonly Connection[]>;
  /** Inserts or replaces the connection (a reconnect replaces); returns the stored row. */
  save(draft: ConnectionDraft, now: Date, events?: EventsOf<Connection>): TE.TaskEither<AppError, Connection>;
  /**
   * Writes `next` only when the stored row still has `next.version`; answers
   * `undefined` when another writer got there first.
   */
  update(next: Connection, now: Date, events?: EventsOf<Connection>): TE.TaskEither<AppError, Connection | undefined>;
  /** Answers whether a row was removed. */
  delete(tenantId: TenantId, connector: ConnectorId, events?: EventsOf<Connection>): TE.TaskEither<AppError, boolean>;
}

/**
 * Refresh coordination. A grant's rows (Jira and Confluence from one consent) move
 * together; the lease lives in the rows, so it holds across processes sharing them.
 */
export interface RefreshLease {
  /** Takes the refresh lease of a grant when nobody holds a live one; answers whether we got it. */
  tryAcquireRefreshLease(
    tenantId: TenantId,
    grantId: string,
    owner: string,
    now: Date,
    until: Date,
  ): TE.TaskEither<AppError, boolean>;
  /** Stores the rotated credentials on every row of the grant and frees the lease; false when the lease was lost. */
  completeRefresh(
    tenantId: TenantId,
    grantId: string,
    owner: string,
    refreshed: RefreshedCredentials,
  ): TE.TaskEither<AppError, boolean>;
  releaseRefreshLease(tenantId: TenantId, grantId: string, owner: string): TE.TaskEither<AppError, void>;
  /**
   * Marks every row of the grant `needs_reauth` (the grant is gone at Atlassian); `events`
   * gets the rows that were active before (none when another writer marked them first).
   */
  markNeedsReauth(tenantId: TenantId, grantId: string, now: Date, events?: EventsOf<readonly Connection[]>): TE.TaskEither<AppError, void>;
}

/** Connections across tenants: for operators (the CLI) and start-up, never for API callers. */
export interface ConnectionListing {
  /** Every connection of every tenant, by tenant then connector. */
  listAll(): TE.TaskEither<AppError, readonly Connection[]>;
  /** Every row that holds credentials, across tenants: for re-encryption under a new key. */
  listSealed(): TE.TaskEither<AppError, readonly Connection[]>;
}

/**
 * What every write of a row changes: its version, when it was written, and the sealed
 * credentials (a fresh IV on every sealing, so a row deleted and saved again differs too);
 * with the status and expiry, which decide whether the row can be used as it is, so that
 * even an operator's hand edit of those is seen.
 */
export interface ConnectionStamp {
  readonly version: number;
  /** `updatedAt` in milliseconds since the epoch. */
  readonly updatedAtMs: number;
  /** `expiresAt` in milliseconds since the epoch, null without one. */
  readonly expiresAtMs: number | null;
  readonly status: string;
  readonly credentials: string | null;
}

/** A cheap read of a row's stamp (one indexed lookup, five columns), to tell whether a copy read earlier is still the row. */
export interface ConnectionProbe {
  stampOf(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<AppError, ConnectionStamp | undefined>;
}

/**
 * Committed changes to stored connection rows, told as they happen (PostgreSQL's
 * LISTEN/NOTIFY) or found when asked (SQLite's data version, read each time `live` is), so a
 * cache can serve a row it has verified without asking the store for its stamp again. What the
 * cache may trust rests on `lost`: it is called whenever changes may have gone untold (the feed
 * stopped listening, this instance wrote a row whose notification has not come back yet,
 * another connection committed to the SQLite file), and `live` is false until the feed hears
 * its own probe. Reading `live` may tell `lost` before it answers.
 */
export interface ConnectionChanges {
  /** Whether every committed change has been told by now (a feed that checks on demand tells what it finds first). */
  readonly live: boolean;
  /** `changed` for a row written (saved, updated, deleted) by anyone; `lost` when changes may have been missed. */
  watch(listener: ConnectionChangeListener): void;
}

export interface ConnectionChangeListener {
  changed(tenantId: string, connector: string): void;
  lost(): void;
}

/** Whether the database answers. */
export interface StoreProbe {
  /** A real round trip to the database, for health checks. */
  ping(): TE.TaskEither<AppError, void>;
}

/** Everything a storage adapter implements; each use case depends only on the roles it needs. */
export interface ConnectionStore extends ConnectionRepository, RefreshLease, ConnectionListing, StoreProbe {}

/** The events of a write, given what it changed. */
export const eventsFor = <R>(events: EventsOf<R> | undefined, changed: R): readonly NewEvent[] =>
  events === undefined ? [] : typeof events === 'function' ? events(changed) : events;
