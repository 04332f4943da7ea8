import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { Connection } from '../../domain/connection.js';
import type { ConnectorId } from '../../domain/connector.js';
import type { AppError } from '../../domain/errors.js';
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
 * Persistence of connections, keyed by (tenant, connector). Every read and write
 * names the tenant: there is no way to reach another tenant's row.
 */
export interface ConnectionStore {
  find(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<AppError, Connection | undefined>;
  list(tenantId: TenantId): TE.TaskEither<AppError, readonly Connection[]>;
  /** Inserts or replaces the connection (a reconnect replaces); returns the stored row. */
  save(draft: ConnectionDraft, now: Date): TE.TaskEither<AppError, Connection>;
  /**
   * Writes `next` only when the stored row still has `next.version`; answers
   * `undefined` when another writer got there first.
   */
  update(next: Connection, now: Date): TE.TaskEither<AppError, Connection | undefined>;
  /** Answers whether a row was removed. */
  delete(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<AppError, boolean>;
  /** A real round trip to the database, for health checks. */
  ping(): TE.TaskEither<AppError, void>;
}
