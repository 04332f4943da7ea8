/**
 * The connection cache with a change feed (src/application/connection-cache.ts): a row it
 * verified while the feed was live is served without a stamp read, until a change is told for
 * it or the feed loses track. The store is the real Kysely one on a SQLite file, counted; the
 * feed is driven by hand, as PostgreSQL's LISTEN would drive it (test/postgres has the real one).
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../../src/adapters/kysely/database.js';
import { KyselyConnectionStore } from '../../src/adapters/kysely/kysely-connection-store.js';
import { ConnectionCache } from '../../src/application/connection-cache.js';
import type { ConnectionChangeListener, ConnectionChanges } from '../../src/application/ports/connection-store.js';
import { A, countedReads, draft, ok, T0 } from '../support/connection-store-contract.js';
import { tempDir } from '../oauth/support.js';

/** A feed told by the test. */
class HandFeed implements ConnectionChanges {
  live = true;
  private readonly listeners: ConnectionChangeListener[] = [];
  watch(listener: ConnectionChangeListener): void {
    this.listeners.push(listener);
  }
  changed(tenant: string, connector: string): void {
    for (const l of this.listeners) l.changed(tenant, connector);
  }
  lose(): void {
    this.live = false;
    for (const l of this.listeners) l.lost();
  }
}

describe('ConnectionCache with a change feed', () => {
  let opened: OpenedDatabase;
  let tmp: ReturnType<typeof tempDir>;
  let store: KyselyConnectionStore;
  let counted: ReturnType<typeof countedReads>;
  let feed: HandFeed;
  let cache: ConnectionCache;

  beforeEach(async () => {
    tmp = tempDir('cache-changes-');
    opened = await openDatabase({ dialect: 'sqlite', filename: `${tmp.dir}/c.db` });
    store = new KyselyConnectionStore(opened.db);
    feed = new HandFeed();
    counted = countedReads(store);
    cache = new ConnectionCache({ store: counted.store, changes: feed });
    await ok(store.save(draft(), T0));
  });
  afterEach(async () => {
    await opened.close();
    tmp.cleanup();
  });

  /** Another writer's hand edit, straight in the database (what another instance or an operator does). */
  const editBehindTheCache = (status: string) => sql`update connections set status = ${status}, version = version + 1`.execute(opened.db);

  it('serves a row it verified while live with no read at all, however often it is asked', async () => {
    const first = await ok(cache.find(A, 'jira'));
    expect(counted.reads).toEqual({ stamps: 1, rows: 1 });
    for (let i = 0; i < 5; i += 1) expect(await ok(cache.find(A, 'jira'))).toBe(first);
    expect(counted.reads).toEqual({ stamps: 1, rows: 1 });
  });

  it('a change told for the row: the next read asks the stamp and reads the new row', async () => {
    await ok(cache.find(A, 'jira'));
    await editBehindTheCache('needs_reauth');
    // Untold, the trusted copy is what it serves (the window a notification takes to arrive).
    expect((await ok(cache.find(A, 'jira')))?.status).toBe('active');
    feed.changed(A, 'jira');
    expect((await ok(cache.find(A, 'jira')))?.status).toBe('needs_reauth');
    expect(counted.reads).toEqual({ stamps: 2, rows: 2 });
    // Verified again: trusted again.
    await ok(cache.find(A, 'jira'));
    expect(counted.reads).toEqual({ stamps: 2, rows: 2 });
  });

  it('a change told for another row leaves this one trusted; a row told changed but not changed is verified by its stamp alone', async () => {
    await ok(cache.find(A, 'jira'));
    feed.changed('tenant-b', 'jira');
    feed.changed(A, 'confluence');
    await ok(cache.find(A, 'jira'));
    expect(counted.reads).toEqual({ stamps: 1, rows: 1 });
    feed.changed(A, 'jira');
    await ok(cache.find(A, 'jira'));
    expect(counted.reads).toEqual({ stamps: 2, rows: 1 });
  });

  it('a deleted row told: the next read answers none', async () => {
    await ok(cache.find(A, 'jira'));
    await ok(store.delete(A, 'jira'));
    feed.changed(A, 'jira');
    expect(await ok(cache.find(A, 'jira'))).toBeUndefined();
  });

  it('a change told while a read is under way: what that read found is not trusted', async () => {
    await ok(cache.find(A, 'jira'));
    feed.changed(A, 'jira');
    // The stamp read sees the row as it was; the change is told before it answers.
    counted.duringStamp = () => feed.changed(A, 'jira');
    await ok(cache.find(A, 'jira'));
    counted.duringStamp = undefined;
    expect(counted.reads.stamps).toBe(2);
    await editBehindTheCache('needs_reauth');
    expect((await ok(cache.find(A, 'jira')))?.status).toBe('needs_reauth');
    expect(counted.reads.stamps).toBe(3);
  });

  it('the feed losing track: every row is verified again, by its stamp on every read until it is live again', async () => {
    await ok(cache.find(A, 'jira'));
    feed.lose();
    await editBehindTheCache('needs_reauth');
    expect((await ok(cache.find(A, 'jira')))?.status).toBe('needs_reauth');
    await ok(cache.find(A, 'jira'));
    await ok(cache.find(A, 'jira'));
    expect(counted.reads.stamps).toBe(4);
    // Read while not live: not trusted even once the feed is live again, until verified live.
    feed.live = true;
    await ok(cache.find(A, 'jira'));
    expect(counted.reads.stamps).toBe(5);
    await ok(cache.find(A, 'jira'));
    expect(counted.reads.stamps).toBe(5);
  });

  it('a loss while a read is under way: what that read found is not trusted', async () => {
    feed.changed(A, 'jira');
    counted.duringStamp = () => {
      feed.lose();
      feed.live = true;
    };
    await ok(cache.find(A, 'jira'));
    counted.duringStamp = undefined;
    await ok(cache.find(A, 'jira'));
    expect(counted.reads.stamps).toBe(2);
  });

  it('without a feed, or with one that is not live, every read asks the stamp', async () => {
    const plain = new ConnectionCache({ store });
    const stamps = { n: 0 };
    const counting = new ConnectionCache({
      store: { find: (t, c) => store.find(t, c), stampOf: (t, c) => (stamps.n++, store.stampOf(t, c)) },
    });
    for (let i = 0; i < 3; i += 1) await ok(counting.find(A, 'jira'));
    expect(stamps.n).toBe(3);
    expect((await ok(plain.find(A, 'jira')))?.status).toBe('active');
    feed.live = false;
    for (let i = 0; i < 3; i += 1) await ok(cache.find(A, 'jira'));
    expect(counted.reads.stamps).toBe(3);
  });
});

describe('KyselyConnectionStore telling its own writes (options.wrote)', () => {
  it('is told after every write that can change a stamp, failed or not, and never after a read or a lease', async () => {
    const tmp = tempDir('store-wrote-');
    const opened = await openDatabase({ dialect: 'sqlite', filename: `${tmp.dir}/w.db` });
    try {
      let told = 0;
      const store = new KyselyConnectionStore(opened.db, { wrote: () => (told += 1) });
      const saved = await ok(store.save(draft(), T0));
      expect(told).toBe(1);
      await ok(store.find(A, 'jira'));
      await ok(store.stampOf(A, 'jira'));
      await ok(store.list(A));
      const later = new Date(T0.getTime() + 60_000);
      expect(await ok(store.tryAcquireRefreshLease(A, 'grant-1', 'me', later, new Date(later.getTime() + 5_000)))).toBe(true);
      await ok(store.releaseRefreshLease(A, 'grant-1', 'me'));
      expect(told).toBe(1);
      await ok(store.tryAcquireRefreshLease(A, 'grant-1', 'me', later, new Date(later.getTime() + 5_000)));
      await ok(store.completeRefresh(A, 'grant-1', 'me', { credentials: 'v1.sealed.new', expiresAt: null, refreshedAt: later }));
      expect(told).toBe(2);
      const current = await ok(store.find(A, 'jira'));
      await ok(store.update(current!, later));
      expect(told).toBe(3);
      await ok(store.markNeedsReauth(A, 'grant-1', later));
      expect(told).toBe(4);
      // A stale version changes nothing but is still told (the cache only reads a stamp more).
      expect(await ok(store.update(saved, later))).toBeUndefined();
      expect(told).toBe(5);
      await ok(store.delete(A, 'jira'));
      expect(told).toBe(6);
      await opened.close();
      const failed = await store.save(draft(), T0)();
      expect(failed._tag).toBe('Left');
      expect(told).toBe(7);
    } finally {
      await opened.close().catch(() => undefined);
      tmp.cleanup();
    }
  });
});
