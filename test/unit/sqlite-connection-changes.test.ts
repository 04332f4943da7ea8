/**
 * The connection cache on SQLite with its change feed (src/adapters/kysely/sqlite-connection-changes.ts):
 * SQLite's data version tells this connection when another one has committed to the file, so a
 * row the cache verified is served without a stamp read until someone else writes. The store
 * is the real Kysely one on a SQLite file, counted; "someone else" is a second connection to
 * the same file, as another instance or the command line would be (a second process on one file:
 * test/oauth/connection-cache.test.ts).
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { directSqliteReadsOf, openDatabase, type OpenedDatabase } from '../../src/adapters/kysely/database.js';
import { KyselyConnectionStore } from '../../src/adapters/kysely/kysely-connection-store.js';
import { SqliteConnectionChanges } from '../../src/adapters/kysely/sqlite-connection-changes.js';
import { ConnectionCache } from '../../src/application/connection-cache.js';
import { A, countedReads, draft, ok, T0 } from '../support/connection-store-contract.js';
import { tempDir } from '../oauth/support.js';

describe('ConnectionCache on SQLite, told by the data version', () => {
  let tmp: ReturnType<typeof tempDir>;
  let opened: OpenedDatabase;
  /** A second connection to the same file: another instance's, or the command line's. */
  let other: OpenedDatabase;
  let store: KyselyConnectionStore;
  let feed: SqliteConnectionChanges;
  let cache: ConnectionCache;
  let counted: ReturnType<typeof countedReads>;

  beforeEach(async () => {
    tmp = tempDir('sqlite-changes-');
    const filename = `${tmp.dir}/c.db`;
    opened = await openDatabase({ dialect: 'sqlite', filename });
    other = await openDatabase({ dialect: 'sqlite', filename });
    feed = new SqliteConnectionChanges(directSqliteReadsOf(opened.db)!);
    store = new KyselyConnectionStore(opened.db, { wrote: () => feed.writtenHere() });
    counted = countedReads(store);
    cache = new ConnectionCache({ store: counted.store, changes: feed });
    await ok(store.save(draft(), T0));
  });
  afterEach(async () => {
    await feed.close();
    await other.close();
    await opened.close();
    tmp.cleanup();
  });

  let nonces = 0;
  /** A commit on the other connection that leaves connection rows alone. */
  const commitElsewhere = () =>
    sql`insert into oauth_nonces (nonce, expires_at) values (${`n-${(nonces += 1)}`}, '2030-01-01T00:00:00.000Z')`.execute(
      other.db,
    );
  /** A hand edit on the other connection, committed before it returns. */
  const editElsewhere = (status: string) =>
    sql`update connections set status = ${status}, version = version + 1`.execute(other.db);

  it('serves a row it verified with no read at all while nobody else commits', async () => {
    const first = await ok(cache.find(A, 'jira'));
    expect(counted.reads).toEqual({ stamps: 1, rows: 1 });
    for (let i = 0; i < 20; i += 1) expect(await ok(cache.find(A, 'jira'))).toBe(first);
    expect(counted.reads).toEqual({ stamps: 1, rows: 1 });
  });

  it("another connection's commit to the row is seen by the next read", async () => {
    await ok(cache.find(A, 'jira'));
    await editElsewhere('needs_reauth');
    const after = await ok(cache.find(A, 'jira'));
    expect(after?.status).toBe('needs_reauth');
    expect(counted.reads).toEqual({ stamps: 2, rows: 2 });
    // Verified again: trusted from here on.
    await ok(cache.find(A, 'jira'));
    expect(counted.reads).toEqual({ stamps: 2, rows: 2 });
  });

  it("another connection's delete is seen by the next read", async () => {
    await ok(cache.find(A, 'jira'));
    await sql`delete from connections`.execute(other.db);
    expect(await ok(cache.find(A, 'jira'))).toBeUndefined();
  });

  it('a commit elsewhere that leaves the row as it was costs one stamp read, not a row read', async () => {
    const first = await ok(cache.find(A, 'jira'));
    await commitElsewhere();
    await commitElsewhere();
    expect(await ok(cache.find(A, 'jira'))).toBe(first);
    expect(await ok(cache.find(A, 'jira'))).toBe(first);
    expect(counted.reads).toEqual({ stamps: 2, rows: 1 });
  });

  it('a commit elsewhere while a read is under way is seen by the read after it', async () => {
    await ok(cache.find(A, 'jira'));
    // Something else is committed, so the next read checks the stamp; the row changes just after that check.
    await commitElsewhere();
    counted.duringStamp = () => {
      counted.duringStamp = undefined;
      return editElsewhere('needs_reauth');
    };
    expect((await ok(cache.find(A, 'jira')))?.status).toBe('active');
    expect((await ok(cache.find(A, 'jira')))?.status).toBe('needs_reauth');
    expect(counted.reads).toEqual({ stamps: 3, rows: 2 });
  });

  it("this instance's own writes (told by the store's `wrote`) are seen by the next read", async () => {
    const first = await ok(cache.find(A, 'jira'));
    const later = new Date(T0.getTime() + 60_000);
    await ok(store.update({ ...first!, status: 'needs_reauth' }, later));
    expect((await ok(cache.find(A, 'jira')))?.status).toBe('needs_reauth');
    await ok(store.delete(A, 'jira'));
    expect(await ok(cache.find(A, 'jira'))).toBeUndefined();
  });

  it('closed, it vouches for nothing: every read asks the stamp', async () => {
    await ok(cache.find(A, 'jira'));
    await feed.close();
    expect(feed.live).toBe(false);
    await ok(cache.find(A, 'jira'));
    await ok(cache.find(A, 'jira'));
    expect(counted.reads.stamps).toBe(3);
  });

  it('a database that is closed under it answers not live rather than throwing', async () => {
    const tmp2 = tempDir('sqlite-changes-closed-');
    const db = await openDatabase({ dialect: 'sqlite', filename: `${tmp2.dir}/d.db` });
    const lonely = new SqliteConnectionChanges(directSqliteReadsOf(db.db)!);
    expect(lonely.live).toBe(true);
    await db.close();
    expect(lonely.live).toBe(false);
    expect(lonely.live).toBe(false);
    tmp2.cleanup();
  });
});
