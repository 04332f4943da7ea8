/**
 * Changes to connection rows heard by LISTEN (migration 0011's trigger,
 * src/adapters/kysely/postgres-connection-changes.ts) on a real PostgreSQL server: what another
 * pool writes is told, so the connection cache serves a verified row with no statement per read
 * and still sees a write, a hand edit or a delete from elsewhere; when the listening connection
 * is cut, it goes back to reading stamps at once and listens again.
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../../src/adapters/kysely/database.js';
import { KyselyConnectionStore } from '../../src/adapters/kysely/kysely-connection-store.js';
import { PostgresConnectionChanges } from '../../src/adapters/kysely/postgres-connection-changes.js';
import { ConnectionCache } from '../../src/application/connection-cache.js';
import { redactDatabaseUrl } from '../../src/composition/config.js';
import { A, draft, ok, T0 } from '../support/connection-store-contract.js';
import { useFreshDatabases } from '../support/postgres.js';

const fresh = useFreshDatabases();
const location = (url: string) => ({ dialect: 'postgres' as const, url, display: redactDatabaseUrl(url) });

/** Polls until `check` holds (a notification takes a round trip), at most 5 s. */
async function eventually(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const deadline = performance.now() + 5_000;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('connection changes heard by LISTEN on PostgreSQL', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setUp(options: { probeEveryMs?: number; retryMs?: number } = {}) {
    const { url } = await fresh();
    const opened: OpenedDatabase = await openDatabase(location(url));
    // Another instance: a pool of its own on the same database.
    const other: OpenedDatabase = await openDatabase(location(url));
    cleanups.push(() => opened.close(), () => other.close());
    const states: { live: boolean; reason: string }[] = [];
    const changes = new PostgresConnectionChanges({ url, db: opened.db, retryMs: 50, retryMaxMs: 200, probeTimeoutMs: 1_000, ...options, onState: (live, reason) => states.push({ live, reason }) });
    cleanups.push(() => changes.close());
    const store = new KyselyConnectionStore(opened.db);
    let stamps = 0;
    const cache = new ConnectionCache({
      store: { find: (t, c) => store.find(t, c), stampOf: (t, c) => (stamps++, store.stampOf(t, c)) },
      changes,
    });
    return { url, opened, other, changes, cache, states, stamps: () => stamps, otherStore: new KyselyConnectionStore(other.db) };
  }

  it('is live once its probe comes back, and a verified row is served with no statement per read', async () => {
    const s = await setUp();
    await ok(s.otherStore.save(draft(), T0));
    await s.changes.start();
    expect(s.changes.live).toBe(true);
    expect(s.states).toEqual([{ live: true, reason: 'listening' }]);
    const first = await ok(s.cache.find(A, 'jira'));
    for (let i = 0; i < 20; i += 1) expect(await ok(s.cache.find(A, 'jira'))).toBe(first);
    expect(s.stamps()).toBe(1);
  });

  it('a token saved by another instance, a hand edit and a delete are each seen once told', async () => {
    const s = await setUp();
    const saved = await ok(s.otherStore.save(draft(), T0));
    await s.changes.start();
    expect((await ok(s.cache.find(A, 'jira')))?.credentials).toBe(saved.credentials);

    // Another instance refreshes: a new sealed token through its own store.
    const refreshed = await ok(s.otherStore.update({ ...saved, credentials: 'v1.sealed.refreshed' }, new Date(T0.getTime() + 1_000)));
    expect(refreshed?.credentials).toBe('v1.sealed.refreshed');
    await eventually(async () => (await ok(s.cache.find(A, 'jira')))?.credentials === 'v1.sealed.refreshed', 'the refreshed token');

    // An operator marks it by hand.
    await sql`update connections set status = 'needs_reauth'`.execute(s.other.db);
    await eventually(async () => (await ok(s.cache.find(A, 'jira')))?.status === 'needs_reauth', 'needs_reauth');

    // Deleted elsewhere, and then a truncate after a new save.
    await ok(s.otherStore.delete(A, 'jira'));
    await eventually(async () => (await ok(s.cache.find(A, 'jira'))) === undefined, 'the delete');
    await ok(s.otherStore.save(draft(), T0));
    await eventually(async () => (await ok(s.cache.find(A, 'jira'))) !== undefined, 'the new row');
    await sql`truncate connections`.execute(s.other.db);
    await eventually(async () => (await ok(s.cache.find(A, 'jira'))) === undefined, 'the truncate');
    expect(s.changes.live).toBe(true);
  });

  it("this instance's own write is seen by its next read at once, before its notification comes back", async () => {
    const s = await setUp();
    const own = new KyselyConnectionStore(s.opened.db, { wrote: () => s.changes.writtenHere() });
    const saved = await ok(own.save(draft(), T0));
    await s.changes.start();
    expect((await ok(s.cache.find(A, 'jira')))?.credentials).toBe(saved.credentials);
    // No waiting anywhere: the update's own notice untrusts the row before the call returns.
    await ok(own.update({ ...saved, credentials: 'v1.sealed.mine' }, new Date(T0.getTime() + 1_000)));
    expect((await ok(s.cache.find(A, 'jira')))?.credentials).toBe('v1.sealed.mine');
    await ok(own.delete(A, 'jira'));
    expect(await ok(s.cache.find(A, 'jira'))).toBeUndefined();
  });

  it('the listening connection cut: not live at once, every read verified by its stamp, then listening again', async () => {
    // Half a second before listening again: long enough to read while deaf.
    const s = await setUp({ retryMs: 500 });
    await ok(s.otherStore.save(draft(), T0));
    await s.changes.start();
    await ok(s.cache.find(A, 'jira'));
    const cut = await sql<{ n: number }>`
      select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
      where datname = current_database() and query = 'LISTEN integration_backend_connections'`.execute(s.other.db);
    expect(cut.rows[0]?.n).toBe(1);
    await eventually(() => !s.changes.live, 'the loss');
    // Written while nobody listens: no notification will ever tell it, the stamp does.
    await sql`update connections set status = 'needs_reauth'`.execute(s.other.db);
    const stamps = s.stamps();
    expect((await ok(s.cache.find(A, 'jira')))?.status).toBe('needs_reauth');
    expect((await ok(s.cache.find(A, 'jira')))?.status).toBe('needs_reauth');
    expect(s.stamps()).toBe(stamps + 2);
    expect(s.changes.live).toBe(false);
    await eventually(() => s.changes.live, 'listening again');
    expect(s.states.map((x) => x.live)).toEqual([true, false, true]);
    expect(s.states[1]?.reason).toMatch(/listening connection/);
    await sql`update connections set status = 'active'`.execute(s.other.db);
    await eventually(async () => (await ok(s.cache.find(A, 'jira')))?.status === 'active', 'a change told after listening again');
  });

  it('without its trigger (dropped, or disabled) writes go untold: the feed is not live, says why, and goes deaf when it goes', async () => {
    const s = await setUp({ probeEveryMs: 100 });
    await sql`alter table connections disable trigger connections_changed`.execute(s.other.db);
    await ok(s.otherStore.save(draft(), T0));
    await s.changes.start();
    expect(s.changes.live).toBe(false);
    expect(s.states[0]).toEqual({ live: false, reason: expect.stringContaining('connections_changed') });
    await sql`alter table connections enable trigger connections_changed`.execute(s.other.db);
    await eventually(() => s.changes.live, 'live once the trigger is back');
    await ok(s.cache.find(A, 'jira'));
    await sql`drop trigger connections_changed on connections`.execute(s.other.db);
    await eventually(() => !s.changes.live, 'deaf once the trigger is gone');
    await sql`update connections set status = 'needs_reauth'`.execute(s.other.db);
    expect((await ok(s.cache.find(A, 'jira')))?.status).toBe('needs_reauth');
  });

  it('a listener that cannot connect is never live, says why, and the cache reads stamps', async () => {
    const s = await setUp();
    const url = new URL(s.url);
    url.pathname = '/no_such_database_here';
    const deaf = new PostgresConnectionChanges({ url: url.toString(), db: s.opened.db, retryMs: 10_000, onState: (live, reason) => s.states.push({ live, reason }) });
    cleanups.push(() => deaf.close());
    await deaf.start();
    expect(deaf.live).toBe(false);
    expect(s.states.at(-1)).toEqual({ live: false, reason: expect.stringContaining('no_such_database_here') });
    await ok(s.otherStore.save(draft(), T0));
    const cache = new ConnectionCache({ store: new KyselyConnectionStore(s.opened.db), changes: deaf });
    await ok(cache.find(A, 'jira'));
    await sql`update connections set status = 'needs_reauth'`.execute(s.other.db);
    expect((await ok(cache.find(A, 'jira')))?.status).toBe('needs_reauth');
  });
});
