import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type { CompiledQuery, Kysely, Selectable } from 'kysely';
import type { AuthType, Connection, ConnectionStatus, Site } from '../../domain/connection.js';
import type { ConnectorId } from '../../domain/connector.js';
import { AppError } from '../../domain/errors.js';
import type { TenantId } from '../../domain/tenant.js';
import {
  eventsFor,
  type ConnectionDraft,
  type ConnectionProbe,
  type ConnectionStamp,
  type ConnectionStore,
  type EventsOf,
  type RefreshedCredentials,
} from '../../application/ports/connection-store.js';
import { directPostgresReadsOf, directSqliteReadsOf, type DirectPostgresReads, type DirectSqliteReads } from './database.js';
import { appendEvents, inEventTransaction } from './kysely-event-outbox.js';
import { pingQuery } from './migrations.js';
import type { ConnectionsTable, Database } from './schema.js';

const storageError = (err: unknown): AppError =>
  AppError.internal('The connection store is unavailable.', { cause: err });

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
const date = (s: string | null): Date | null => (s ? new Date(s) : null);

const parseJsonArray = <A>(text: string): A[] => {
  const value: unknown = JSON.parse(text);
  return Array.isArray(value) ? (value as A[]) : [];
};

export const rowToConnection = (row: Selectable<ConnectionsTable>): Connection => ({
  tenantId: row.tenant_id as TenantId,
  connector: row.connector as ConnectorId,
  authType: row.auth_type as AuthType,
  status: row.status as ConnectionStatus,
  siteUrl: row.site_url,
  cloudId: row.cloud_id,
  sites: parseJsonArray<Site>(row.sites),
  scopes: parseJsonArray<string>(row.scopes),
  grantId: row.grant_id,
  expiresAt: date(row.expires_at),
  refreshedAt: date(row.refreshed_at),
  createdAt: new Date(row.created_at),
  updatedAt: new Date(row.updated_at),
  version: Number(row.version),
  credentials: row.credentials,
});

const draftColumns = (c: ConnectionDraft) => ({
  auth_type: c.authType,
  status: c.status,
  site_url: c.siteUrl,
  cloud_id: c.cloudId,
  sites: JSON.stringify(c.sites),
  scopes: JSON.stringify(c.scopes),
  grant_id: c.grantId,
  expires_at: iso(c.expiresAt),
  refreshed_at: iso(c.refreshedAt),
  credentials: c.credentials,
});

type StampRow = Pick<Selectable<ConnectionsTable>, 'version' | 'updated_at' | 'expires_at' | 'status' | 'credentials'>;

const stampOfRow = (row: StampRow): ConnectionStamp => ({
  version: Number(row.version),
  updatedAtMs: new Date(row.updated_at).getTime(),
  expiresAtMs: row.expires_at ? new Date(row.expires_at).getTime() : null,
  status: row.status,
  credentials: row.credentials,
});

/** ConnectionStore on Kysely. Written against the SQL both SQLite and PostgreSQL speak. */
export class KyselyConnectionStore implements ConnectionStore, ConnectionProbe {
  /** Every Atlassian call reads its connection: that query is compiled once, with placeholders. */
  private readonly findQuery: CompiledQuery<Selectable<ConnectionsTable>>;
  /** And the stamp of its row, which the connection cache checks: compiled once too. */
  private readonly stampQuery: CompiledQuery<StampRow>;

  /** On SQLite: the stamp read straight from the handle (see `stampOf`). */
  private readonly direct: DirectSqliteReads | undefined;
  /** On PostgreSQL: the stamp read as a named prepared statement (see `stampOf`). */
  private readonly prepared: DirectPostgresReads | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: {
      /** Told after each write that can change a row's stamp (the change feed's own writes, see PostgresConnectionChanges.writtenHere). */
      readonly wrote?: () => void;
    } = {},
  ) {
    this.direct = directSqliteReadsOf(db);
    this.prepared = directPostgresReadsOf(db);
    this.findQuery = db
      .selectFrom('connections')
      .selectAll()
      .where('tenant_id', '=', '')
      .where('connector', '=', '')
      .compile();
    this.stampQuery = db
      .selectFrom('connections')
      .select(['version', 'updated_at', 'expires_at', 'status', 'credentials'])
      .where('tenant_id', '=', '')
      .where('connector', '=', '')
      .compile();
  }

  /**
   * The row's stamp. On SQLite it is read on the handle itself, without Kysely's driver: a
   * read that may run inside a transaction of Kysely's and see a write not yet committed.
   * That cannot mislead the connection cache, which serves its row only while the stamp is
   * the same and otherwise re-reads the row through Kysely (which waits for the transaction).
   * A missing row is asked again through Kysely, so a delete that is rolled back never reads
   * as "not connected".
   */
  stampOf(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<AppError, ConnectionStamp | undefined> {
    const { direct } = this;
    if (direct) {
      return () => {
        let row: StampRow | undefined;
        try {
          row = direct.first(this.stampQuery.sql, [tenantId, connector]) as StampRow | undefined;
        } catch (err) {
          return Promise.resolve(E.left(storageError(err)));
        }
        return row ? Promise.resolve(E.right(stampOfRow(row))) : this.stampThroughKysely(tenantId, connector)();
      };
    }
    // On PostgreSQL the pool's read sees committed rows only, as Kysely's would: its answer stands.
    const { prepared } = this;
    if (prepared) {
      return async () => {
        try {
          const row = (await prepared.first('ib_connection_stamp', this.stampQuery.sql, [tenantId, connector])) as StampRow | undefined;
          return E.right(row ? stampOfRow(row) : undefined);
        } catch (err) {
          return E.left(storageError(err));
        }
      };
    }
    return this.stampThroughKysely(tenantId, connector);
  }

  private stampThroughKysely(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<AppError, ConnectionStamp | undefined> {
    return TE.tryCatch(async () => {
      const query: typeof this.stampQuery = { ...this.stampQuery, parameters: [tenantId, connector] };
      const { rows } = await this.db.executeQuery(query);
      const row = rows[0];
      return row ? stampOfRow(row) : undefined;
    }, storageError);
  }

  find(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<AppError, Connection | undefined> {
    return TE.tryCatch(async () => {
      const query: CompiledQuery<Selectable<ConnectionsTable>> = { ...this.findQuery, parameters: [tenantId, connector] };
      const { rows } = await this.db.executeQuery(query);
      const row = rows[0];
      return row ? rowToConnection(row) : undefined;
    }, storageError);
  }

  list(tenantId: TenantId): TE.TaskEither<AppError, readonly Connection[]> {
    return TE.tryCatch(async () => {
      const rows = await this.db
        .selectFrom('connections')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('connector')
        .execute();
      return rows.map(rowToConnection);
    }, storageError);
  }

  /** Runs a write alone, or with its events in one transaction (inEventTransaction) when it has any. */
  private write<T>(events: unknown, work: (db: Kysely<Database>) => Promise<T>): TE.TaskEither<AppError, T> {
    return this.noticed(() => (events === undefined ? work(this.db) : inEventTransaction(this.db, work)));
  }

  /**
   * Runs a write that may change a row's stamp, then tells `options.wrote` whatever the outcome
   * (a failure after a statement committed may still have changed it): this instance's own
   * writes are known here at once, before any notification of them comes back.
   */
  private noticed<T>(work: () => Promise<T>): TE.TaskEither<AppError, T> {
    return TE.tryCatch(async () => {
      try {
        return await work();
      } finally {
        this.options.wrote?.();
      }
    }, storageError);
  }

  save(draft: ConnectionDraft, now: Date, events?: EventsOf<Connection>): TE.TaskEither<AppError, Connection> {
    return this.write(events, async (db) => {
      const at = now.toISOString();
      await db
        .insertInto('connections')
        .values({
          tenant_id: draft.tenantId,
          connector: draft.connector,
          ...draftColumns(draft),
          created_at: at,
          updated_at: at,
          version: 1,
        })
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'connector']).doUpdateSet((eb) => ({
            ...draftColumns(draft),
            updated_at: at,
            version: eb('connections.version', '+', 1),
            refresh_lease_owner: null,
            refresh_lease_until: null,
          })),
        )
        .execute();
      const row = await this.findIn(db, draft.tenantId, draft.connector);
      if (!row) throw new Error('row vanished after save');
      await appendEvents(db, eventsFor(events, row), now);
      return row;
    });
  }

  private async findIn(db: Kysely<Database>, tenantId: TenantId, connector: ConnectorId): Promise<Connection | undefined> {
    const row = await db.selectFrom('connections').selectAll().where('tenant_id', '=', tenantId).where('connector', '=', connector).executeTakeFirst();
    return row ? rowToConnection(row) : undefined;
  }

  update(next: Connection, now: Date, events?: EventsOf<Connection>): TE.TaskEither<AppError, Connection | undefined> {
    return this.write(events, async (db) => {
      const result = await db
        .updateTable('connections')
        .set({ ...draftColumns(next), updated_at: now.toISOString(), version: next.version + 1 })
        .where('tenant_id', '=', next.tenantId)
        .where('connector', '=', next.connector)
        .where('version', '=', next.version)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return undefined;
      const row = await this.findIn(db, next.tenantId, next.connector);
      if (row) await appendEvents(db, eventsFor(events, row), now);
      return row;
    });
  }

  delete(tenantId: TenantId, connector: ConnectorId, events?: EventsOf<Connection>): TE.TaskEither<AppError, boolean> {
    return this.write(events, async (db) => {
      const before = events === undefined ? undefined : await this.findIn(db, tenantId, connector);
      const result = await db.deleteFrom('connections').where('tenant_id', '=', tenantId).where('connector', '=', connector).executeTakeFirst();
      const deleted = Number(result.numDeletedRows) > 0;
      if (deleted && before) {
        // The delete names no time of its own: the events' (the caller's clock) is the write's.
        const recorded = eventsFor(events, before);
        await appendEvents(db, recorded, recorded[0]?.occurredAt ?? new Date());
      }
      return deleted;
    });
  }

  ping(): TE.TaskEither<AppError, void> {
    return TE.tryCatch(async () => {
      await pingQuery.execute(this.db);
    }, storageError);
  }

  tryAcquireRefreshLease(tenantId: TenantId, grantId: string, owner: string, now: Date, until: Date): TE.TaskEither<AppError, boolean> {
    // One statement: the database serialises competing writers, so exactly one sees a free lease.
    return TE.tryCatch(async () => {
      const result = await this.db
        .updateTable('connections')
        .set({ refresh_lease_owner: owner, refresh_lease_until: until.toISOString() })
        .where('tenant_id', '=', tenantId)
        .where('grant_id', '=', grantId)
        .where('status', '=', 'active')
        .where((eb) => eb.or([eb('refresh_lease_until', 'is', null), eb('refresh_lease_until', '<', now.toISOString())]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    }, storageError);
  }

  completeRefresh(tenantId: TenantId, grantId: string, owner: string, refreshed: RefreshedCredentials): TE.TaskEither<AppError, boolean> {
    return this.noticed(async () => {
      const at = refreshed.refreshedAt.toISOString();
      const result = await this.db
        .updateTable('connections')
        .set((eb) => ({
          credentials: refreshed.credentials,
          expires_at: iso(refreshed.expiresAt),
          refreshed_at: at,
          updated_at: at,
          ...(refreshed.scopes ? { scopes: JSON.stringify(refreshed.scopes) } : {}),
          version: eb('version', '+', 1),
          refresh_lease_owner: null,
          refresh_lease_until: null,
        }))
        .where('tenant_id', '=', tenantId)
        .where('grant_id', '=', grantId)
        .where('refresh_lease_owner', '=', owner)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    });
  }

  releaseRefreshLease(tenantId: TenantId, grantId: string, owner: string): TE.TaskEither<AppError, void> {
    return TE.tryCatch(async () => {
      await this.db
        .updateTable('connections')
        .set({ refresh_lease_owner: null, refresh_lease_until: null })
        .where('tenant_id', '=', tenantId)
        .where('grant_id', '=', grantId)
        .where('refresh_lease_owner', '=', owner)
        .execute();
    }, storageError);
  }

  markNeedsReauth(tenantId: TenantId, grantId: string, now: Date, events?: EventsOf<readonly Connection[]>): TE.TaskEither<AppError, void> {
    return this.write(events, async (db) => {
      const active =
        events === undefined
          ? []
          : await db.selectFrom('connections').select('connector').where('tenant_id', '=', tenantId).where('grant_id', '=', grantId).where('status', '=', 'active').execute();
      await db
        .updateTable('connections')
        .set((eb) => ({
          status: 'needs_reauth',
          updated_at: now.toISOString(),
          version: eb('version', '+', 1),
          refresh_lease_owner: null,
          refresh_lease_until: null,
        }))
        .where('tenant_id', '=', tenantId)
        .where('grant_id', '=', grantId)
        .execute();
      if (active.length === 0) return;
      const marked: Connection[] = [];
      for (const { connector } of active) {
        const row = await this.findIn(db, tenantId, connector as ConnectorId);
        if (row) marked.push(row);
      }
      await appendEvents(db, eventsFor(events, marked), now);
    });
  }

  listAll(): TE.TaskEither<AppError, readonly Connection[]> {
    return TE.tryCatch(async () => {
      const rows = await this.db.selectFrom('connections').selectAll().orderBy('tenant_id').orderBy('connector').execute();
      return rows.map(rowToConnection);
    }, storageError);
  }

  listSealed(): TE.TaskEither<AppError, readonly Connection[]> {
    return TE.tryCatch(async () => {
      const rows = await this.db.selectFrom('connections').selectAll().where('credentials', 'is not', null).execute();
      return rows.map(rowToConnection);
    }, storageError);
  }
}
