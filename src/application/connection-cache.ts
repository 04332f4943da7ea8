import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { Connection } from '../domain/connection.js';
import type { ConnectorId } from '../domain/connector.js';
import type { AppError } from '../domain/errors.js';
import type { TenantId } from '../domain/tenant.js';
import type { ConnectionProbe, ConnectionRepository, ConnectionStamp } from './ports/connection-store.js';

const DEFAULT_SIZE = 1024;

const matches = (conn: Connection, stamp: ConnectionStamp): boolean =>
  conn.version === stamp.version &&
  conn.updatedAt.getTime() === stamp.updatedAtMs &&
  (conn.expiresAt?.getTime() ?? null) === stamp.expiresAtMs &&
  conn.status === stamp.status &&
  conn.credentials === stamp.credentials;

/**
 * The connection rows last read, each served again only while the stored row still has its
 * stamp (version, write time, expiry, status, sealed credentials): every read asks the store for the stamp,
 * one indexed five-column lookup, instead of the whole row. A refresh, a reconnect, a
 * re-encryption or `needs_reauth` by any process sharing the database changes the stamp, and a
 * deleted row has none, so a change is seen by the next read; nothing is served on time alone.
 * Because the same Connection object comes back, what is derived from it (the opened
 * credentials, the access context) is found again without work.
 */
export class ConnectionCache implements Pick<ConnectionRepository, 'find'> {
  private readonly rows = new Map<string, Connection>();

  constructor(
    private readonly ports: {
      store: Pick<ConnectionRepository, 'find'> & ConnectionProbe;
      size?: number;
    },
  ) {}

  /** One async step rather than a chain of combinators: it runs before every Atlassian call (docs/performance.md). */
  find(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<AppError, Connection | undefined> {
    return async () => {
      const key = `${tenantId}\u0000${connector}`;
      const stamp = await this.ports.store.stampOf(tenantId, connector)();
      if (E.isLeft(stamp)) return stamp;
      if (!stamp.right) {
        this.rows.delete(key);
        return E.right(undefined);
      }
      const known = this.rows.get(key);
      if (known && matches(known, stamp.right)) return E.right(known);
      const read = await this.ports.store.find(tenantId, connector)();
      if (E.isRight(read)) this.remember(key, read.right);
      return read;
    };
  }

  private remember(key: string, conn: Connection | undefined): void {
    this.rows.delete(key);
    if (!conn) return;
    if (this.rows.size >= (this.ports.size ?? DEFAULT_SIZE)) this.rows.delete(this.rows.keys().next().value as string);
    this.rows.set(key, conn);
  }
}

/** Whether a store offers the stamp probe the cache needs. */
export const hasProbe = <S extends object>(store: S): store is S & ConnectionProbe =>
  typeof (store as Partial<ConnectionProbe>).stampOf === 'function';
