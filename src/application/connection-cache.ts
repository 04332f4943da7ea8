import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { Connection } from '../domain/connection.js';
import type { ConnectorId } from '../domain/connector.js';
import type { AppError } from '../domain/errors.js';
import type { TenantId } from '../domain/tenant.js';
import type { ConnectionChanges, ConnectionProbe, ConnectionRepository, ConnectionStamp } from './ports/connection-store.js';

const DEFAULT_SIZE = 1024;

const matches = (conn: Connection, stamp: ConnectionStamp): boolean =>
  conn.version === stamp.version &&
  conn.updatedAt.getTime() === stamp.updatedAtMs &&
  (conn.expiresAt?.getTime() ?? null) === stamp.expiresAtMs &&
  conn.status === stamp.status &&
  conn.credentials === stamp.credentials;

/** A row as last read, and whether the change feed vouches for it (see `ConnectionCache`). */
interface Cached {
  readonly conn: Connection;
  trusted: boolean;
}

/**
 * The connection rows last read, each served again only while the stored row still has its
 * stamp (version, write time, expiry, status, sealed credentials): every read asks the store for the stamp,
 * one indexed five-column lookup, instead of the whole row. A refresh, a reconnect, a
 * re-encryption or `needs_reauth` by any process sharing the database changes the stamp, and a
 * deleted row has none, so a change is seen by the next read; nothing is served on time alone.
 * Because the same Connection object comes back, what is derived from it (the opened
 * credentials, the access context) is found again without work.
 *
 * With a live change feed (`changes`: PostgreSQL's LISTEN/NOTIFY, SQLite's data version) a row is served without the
 * stamp read once it is *trusted*: read or verified while the feed was live, with no change of
 * any row told between the start of that read and its end. A change told for the row, or the
 * feed losing track (`lost`), takes the trust away, and the next read asks for the stamp again.
 * A write by another instance is then seen once its notification arrives, about a round trip
 * after its commit, where the stamp read sees it at once (docs/performance.md).
 */
export class ConnectionCache implements Pick<ConnectionRepository, 'find'> {
  private readonly rows = new Map<string, Cached>();
  /** Counts every change and loss told: a read that saw it move cannot be trusted. */
  private told = 0;

  constructor(
    private readonly ports: {
      store: Pick<ConnectionRepository, 'find'> & ConnectionProbe;
      changes?: ConnectionChanges;
      size?: number;
    },
  ) {
    ports.changes?.watch({
      changed: (tenantId, connector) => {
        this.told += 1;
        const cached = this.rows.get(`${tenantId}\u0000${connector}`);
        if (cached) cached.trusted = false;
      },
      lost: () => {
        this.told += 1;
        for (const cached of this.rows.values()) cached.trusted = false;
      },
    });
  }

  /** One async step rather than a chain of combinators: it runs before every Atlassian call (docs/performance.md). */
  find(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<AppError, Connection | undefined> {
    return async () => {
      const key = `${tenantId}\u0000${connector}`;
      const known = this.rows.get(key);
      const changes = this.ports.changes;
      if (known?.trusted && changes?.live) return E.right(known.conn);
      // Trusted afterwards only if the feed is live now and tells nothing until the read is done.
      const told = changes?.live ? this.told : -1;
      const stamp = await this.ports.store.stampOf(tenantId, connector)();
      if (E.isLeft(stamp)) return stamp;
      if (!stamp.right) {
        this.rows.delete(key);
        return E.right(undefined);
      }
      if (known && matches(known.conn, stamp.right)) {
        // Only the entry still in the map: one replaced meanwhile is another read's to vouch for.
        if (this.rows.get(key) === known) known.trusted = told === this.told;
        return E.right(known.conn);
      }
      const read = await this.ports.store.find(tenantId, connector)();
      if (E.isRight(read)) this.remember(key, read.right, told === this.told);
      return read;
    };
  }

  private remember(key: string, conn: Connection | undefined, trusted: boolean): void {
    this.rows.delete(key);
    if (!conn) return;
    if (this.rows.size >= (this.ports.size ?? DEFAULT_SIZE)) this.rows.delete(this.rows.keys().next().value as string);
    this.rows.set(key, { conn, trusted });
  }
}

/** Whether a store offers the stamp probe the cache needs. */
export const hasProbe = <S extends object>(store: S): store is S & ConnectionProbe =>
  typeof (store as Partial<ConnectionProbe>).stampOf === 'function';
