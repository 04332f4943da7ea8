import type { ConnectionChangeListener, ConnectionChanges } from '../../application/ports/connection-store.js';
import type { DirectSqliteReads } from './database.js';

/**
 * Changes to a SQLite file's connection rows, as SQLite tells them: `PRAGMA data_version`
 * answers another number on this connection after any other connection (a second instance,
 * the command line, a hand edit in `sqlite3`) has committed to the file, and a write of this
 * instance's own is told by `writtenHere` (`KyselyConnectionStore`'s `wrote`). It cannot say
 * which row changed, so every change is told as `lost`, and the connection cache checks each
 * row's stamp once more.
 *
 * `live` asks SQLite every time it is read (one pragma on the database handle, no table read:
 * a few microseconds where the stamp read it spares is an indexed row): `false` once, with
 * `lost` told, when the number moved since the last time, `true` otherwise. So a row the cache
 * vouches for is served only while no one else has committed since it was last verified, and a
 * change made elsewhere is seen by the next request, as with the stamp read. Like the stamp read
 * this runs on the handle past Kysely's connection mutex: inside a transaction of Kysely's it
 * answers that transaction's view, and a commit made meanwhile is seen at the next read after
 * the transaction ends.
 */
export class SqliteConnectionChanges implements ConnectionChanges {
  private readonly listeners: ConnectionChangeListener[] = [];
  private seen: number | undefined;
  private closed = false;

  constructor(private readonly reads: Pick<DirectSqliteReads, 'first'>) {
    this.seen = this.dataVersion();
  }

  get live(): boolean {
    const now = this.dataVersion();
    if (now !== undefined && now === this.seen) return true;
    this.seen = now;
    for (const l of this.listeners) l.lost();
    return false;
  }

  watch(listener: ConnectionChangeListener): void {
    this.listeners.push(listener);
  }

  /** This instance has just written a connection row (SQLite's number does not move for a connection's own commits). */
  writtenHere(): void {
    for (const l of this.listeners) l.lost();
  }

  /** Nothing to start: the number is read on demand. */
  start(): Promise<void> {
    return Promise.resolve();
  }

  /** Never vouches for a row again (the database is about to close). */
  close(): Promise<void> {
    this.closed = true;
    this.seen = undefined;
    for (const l of this.listeners) l.lost();
    return Promise.resolve();
  }

  /** The file's data version on this connection; undefined when it cannot be read (a closed database), which vouches for nothing. */
  private dataVersion(): number | undefined {
    if (this.closed) return undefined;
    try {
      const row = this.reads.first('PRAGMA data_version', []) as { data_version?: unknown } | undefined;
      return typeof row?.data_version === 'number' ? row.data_version : undefined;
    } catch {
      return undefined;
    }
  }
}
