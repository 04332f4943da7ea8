/**
 * The ConnectionStore contract and the database's own behaviour on a real PostgreSQL
 * server: the same KyselyConnectionStore and migrations as SQLite, another dialect.
 */
import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { directPostgresReadsOf, migrate, openDatabase, openDatabaseForReading, type OpenedDatabase } from '../../src/adapters/kysely/database.js';
import { KyselyConnectionStore } from '../../src/adapters/kysely/kysely-connection-store.js';
import { KyselyEventOutbox } from '../../src/adapters/kysely/kysely-event-outbox.js';
import { KyselyOAuthNonceStore } from '../../src/adapters/kysely/kysely-oauth-nonce-store.js';
import { redactDatabaseUrl } from '../../src/composition/config.js';
import { A, describeConnectionStoreContract, draft, ok, T0 } from '../support/connection-store-contract.js';
import { useFreshDatabases } from '../support/postgres.js';

const fresh = useFreshDatabases();

const location = (url: string) => ({ dialect: 'postgres' as const, url, display: redactDatabaseUrl(url) });

describeConnectionStoreContract('KyselyConnectionStore on PostgreSQL', async () => {
  const database = await fresh();
  const opened = await openDatabase(location(database.url));
  return { store: new KyselyConnectionStore(opened.db), events: new KyselyEventOutbox(opened.db), close: () => opened.close() };
});

// The same contract with the stamp read through Kysely instead of a named prepared statement.
describeConnectionStoreContract('KyselyConnectionStore on PostgreSQL, INTEGRATION_DB_PREPARED_STATEMENTS=false', async () => {
  const database = await fresh();
  const opened = await openDatabase({ ...location(database.url), preparedStatements: false });
  return { store: new KyselyConnectionStore(opened.db), events: new KyselyEventOutbox(opened.db), close: () => opened.close() };
});

describe('PostgreSQL database', () => {
  const opened: OpenedDatabase[] = [];
  const open = async (url: string) => {
    const db = await openDatabase(location(url));
    opened.push(db);
    return db;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((d) => d.close()));
  });

  const tableNames = async (d: OpenedDatabase) =>
    (
      await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public' order by table_name`.execute(
        d.db,
      )
    ).rows.map((r) => r.name);

  it('creates the schema and applies every migration once, keeping data when opened again', async () => {
    const { url } = await fresh();
    const first = await open(url);
    expect(first.applied).toEqual(['0001_connections', '0002_oauth_nonces', '0003_api_keys', '0004_idempotency', '0005_audit', '0006_rate_limits', '0007_events', '0008_event_deliveries', '0009_inbound_sync', '0010_endpoint_leases', '0011_connection_changes']);
    expect(await tableNames(first)).toEqual(expect.arrayContaining(['connections', 'service_meta', 'oauth_nonces', 'kysely_migration']));
    const saved = await ok(new KyselyConnectionStore(first.db).save(draft(), T0));
    expect(await migrate(first.db)).toEqual([]);
    const second = await open(url);
    expect(second.applied).toEqual([]);
    expect(await ok(new KyselyConnectionStore(second.db).find(A, 'jira'))).toEqual(saved);
  });

  it('five instances opening one new database at once all start, with the schema applied once', async () => {
    const { url } = await fresh();
    const all = await Promise.all([1, 2, 3, 4, 5].map(() => open(url)));
    expect(all.flatMap((d) => d.applied).sort()).toEqual(['0001_connections', '0002_oauth_nonces', '0003_api_keys', '0004_idempotency', '0005_audit', '0006_rate_limits', '0007_events', '0008_event_deliveries', '0009_inbound_sync', '0010_endpoint_leases', '0011_connection_changes']);
    const { rows } = await sql<{ n: string }>`select count(*) as n from kysely_migration`.execute(all[0]!.db);
    expect(Number(rows[0]!.n)).toBe(11);
  });

  it('a nonce is consumed once, even by two stores racing on it', async () => {
    const { url } = await fresh();
    const [x, y] = await Promise.all([open(url), open(url)]);
    const expires = new Date(Date.now() + 60_000);
    const results = await Promise.all([
      ok(new KyselyOAuthNonceStore(x.db).consume('n-1', expires, new Date())),
      ok(new KyselyOAuthNonceStore(y.db).consume('n-1', expires, new Date())),
    ]);
    expect(results.sort()).toEqual([false, true]);
  });

  it('reading refuses a database without the schema, and one behind on migrations, without changing it', async () => {
    const { url } = await fresh();
    const publicTables = async (): Promise<string[]> => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<{ name: string }>(
          "select table_name as name from information_schema.tables where table_schema = 'public' order by table_name",
        );
        return rows.map((r) => r.name);
      } finally {
        await client.end();
      }
    };
    await expect(openDatabaseForReading(location(url))).rejects.toThrow(/is not an integration-backend database/);
    expect(await publicTables()).toEqual([]);
    const d = await open(url);
    await sql`drop table oauth_nonces`.execute(d.db);
    await sql`delete from kysely_migration where name = '0002_oauth_nonces'`.execute(d.db);
    await expect(openDatabaseForReading(location(url))).rejects.toThrow(/needs migrations 0002_oauth_nonces/);
    expect(await publicTables()).not.toContain('oauth_nonces');
  });

  it('reads the connection stamp as one named prepared statement per connection, unless told not to', async () => {
    const { url } = await fresh();
    const d = await open(url);
    const store = new KyselyConnectionStore(d.db);
    const saved = await ok(store.save(draft(), T0));
    const stamp = await ok(store.stampOf(A, 'jira'));
    expect(stamp).toMatchObject({ version: saved.version, status: saved.status, credentials: saved.credentials });
    expect(await ok(store.stampOf(A, 'jira'))).toEqual(stamp);
    expect(await ok(store.stampOf('nobody' as typeof A, 'jira'))).toBeUndefined();
    // pg-pool hands out the connection released last, so with nothing else running this
    // query sees the session the stamp reads just ran on.
    const prepared = async (db: OpenedDatabase) =>
      (await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(db.db)).rows;
    expect(await prepared(d)).toEqual([{ name: 'ib_connection_stamp', statement: expect.stringContaining('from "connections"') }]);

    const plain = await openDatabase({ ...location(url), preparedStatements: false });
    opened.push(plain);
    expect(directPostgresReadsOf(plain.db)).toBeUndefined();
    const plainStore = new KyselyConnectionStore(plain.db);
    expect(await ok(plainStore.stampOf(A, 'jira'))).toEqual(stamp);
    expect(await prepared(plain)).toEqual([]);
  });

  it('a named statement the server lost (as behind a pooler in transaction mode) is read again as a plain one, and they stay off', async () => {
    const { url } = await fresh();
    const told: string[] = [];
    const d = await openDatabase(location(url), { preparedStatementsOff: (reason) => told.push(reason) });
    opened.push(d);
    const store = new KyselyConnectionStore(d.db);
    const saved = await ok(store.save(draft(), T0));
    const stamp = await ok(store.stampOf(A, 'jira'));
    // Dropped behind node-postgres's back on the connection that holds it (the one released last),
    // as PgBouncer would hand the next read a server connection that never saw it.
    await sql`deallocate ib_connection_stamp`.execute(d.db);
    expect(await ok(store.stampOf(A, 'jira'))).toEqual(stamp);
    expect(told).toEqual([expect.stringContaining('ib_connection_stamp')]);
    expect(await ok(store.stampOf(A, 'jira'))).toEqual({ ...stamp, version: saved.version });
    expect(told).toHaveLength(1);
    expect((await sql<{ name: string }>`select name from pg_prepared_statements`.execute(d.db)).rows).toEqual([]);
  });

  it('a failing stamp read is a storage error, not a crash', async () => {
    const { url } = await fresh();
    const d = await open(url);
    const store = new KyselyConnectionStore(d.db);
    await sql`drop table connections cascade`.execute(d.db);
    const outcome = await store.stampOf(A, 'jira')();
    expect(outcome).toMatchObject({ _tag: 'Left', left: { code: 'INTERNAL_ERROR' } });
  });

  it('an unreachable server or a wrong password stops the open with a message that names the server, never the password', async () => {
    const { url } = await fresh();
    const wrong = new URL(url);
    wrong.port = '1';
    wrong.password = 'hunter2-secret';
    const err = await openDatabase(location(wrong.toString())).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/^Cannot reach PostgreSQL at postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:1\//);
    expect(err?.message).not.toContain('hunter2');
  });
});
