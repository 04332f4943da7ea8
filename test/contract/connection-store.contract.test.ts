import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';
import { sql } from 'kysely';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { migrate, openDatabase, type OpenedDatabase } from '../../src/adapters/kysely/database.js';
import { KyselyConnectionStore } from '../../src/adapters/kysely/kysely-connection-store.js';
import { KyselyEventOutbox } from '../../src/adapters/kysely/kysely-event-outbox.js';
import { InMemoryConnectionStore } from '../../src/adapters/memory/in-memory-connection-store.js';
import { A, describeConnectionStoreContract, draft, ok, T0 } from '../support/connection-store-contract.js';

const tempDirs: string[] = [];
const tempDb = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'conn-store-'));
  tempDirs.push(dir);
  return path.join(dir, 'store.db');
};
afterAll(() => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

describeConnectionStoreContract('InMemoryConnectionStore', () => {
  const store = new InMemoryConnectionStore();
  return Promise.resolve({ store, events: store.outbox, close: () => Promise.resolve() });
});

describeConnectionStoreContract('KyselyConnectionStore on a SQLite file', async () => {
  const opened = await openDatabase({ dialect: 'sqlite', filename: tempDb() });
  return { store: new KyselyConnectionStore(opened.db), events: new KyselyEventOutbox(opened.db), close: () => opened.close() };
});

describe('a Kysely write and its events are one transaction', () => {
  it('keeps neither the row nor the events when recording the events fails', async () => {
    const opened = await openDatabase({ dialect: 'sqlite', filename: tempDb() });
    try {
      const store = new KyselyConnectionStore(opened.db);
      const failed = await store.save(draft(), T0, () => {
        throw new Error('the events could not be made');
      })();
      expect(E.isLeft(failed)).toBe(true);
      expect(await ok(store.find(A, 'jira'))).toBeUndefined();
      expect(await ok(new KyselyEventOutbox(opened.db).list({ tenantId: A, limit: 10 }))).toEqual([]);
    } finally {
      await opened.close();
    }
  });
});

describe('SQLite database', () => {
  const opened: OpenedDatabase[] = [];
  const open = async (filename: string) => {
    const db = await openDatabase({ dialect: 'sqlite', filename });
    opened.push(db);
    return db;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((d) => d.close()));
  });

  const tableNames = async (d: OpenedDatabase) =>
    (
      await sql<{ name: string }>`select name from sqlite_master where type = 'table' order by name`.execute(d.db)
    ).rows.map((r) => r.name);

  it('uses WAL journaling on a file database (persisted in the file)', async () => {
    const filename = tempDb();
    const d = await open(filename);
    const { rows } = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(d.db);
    expect(rows).toEqual([{ journal_mode: 'wal' }]);
    const raw = new SQLite(filename, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      raw.close();
    }
  });

  it('sets a busy timeout so concurrent writers wait instead of failing', async () => {
    const d = await open(tempDb());
    const { rows } = await sql<Record<string, number>>`pragma busy_timeout`.execute(d.db);
    const value = Object.values(rows[0] ?? {})[0];
    expect(value).toBeGreaterThanOrEqual(1000);
  });

  it('creates the schema in a new directory', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'conn-store-'));
    tempDirs.push(dir);
    const d = await open(path.join(dir, 'nested', 'deeper', 'x.db'));
    expect(await tableNames(d)).toContain('connections');
  });

  it('migrates idempotently: reopening and migrating again changes nothing and keeps data', async () => {
    const filename = tempDb();
    const first = await open(filename);
    const tables = await tableNames(first);
    expect(tables).toEqual(expect.arrayContaining(['connections', 'service_meta', 'kysely_migration']));
    const migrations = async (d: OpenedDatabase) =>
      (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(d.db)).rows.map(
        (r) => r.name,
      );
    const applied = await migrations(first);
    expect(applied.length).toBeGreaterThanOrEqual(1);
    const saved = await ok(new KyselyConnectionStore(first.db).save(draft(), T0));

    await migrate(first.db);
    expect(await tableNames(first)).toEqual(tables);

    const second = await open(filename);
    expect(await tableNames(second)).toEqual(tables);
    expect(await migrations(second)).toEqual(applied);
    expect(await ok(new KyselyConnectionStore(second.db).find(A, 'jira'))).toEqual(saved);
  });

  it('opens the same new file twice at once (two instances starting together)', async () => {
    const filename = tempDb();
    const [x, y] = await Promise.all([open(filename), open(filename)]);
    expect(await tableNames(x)).toEqual(await tableNames(y));
    const storeX = new KyselyConnectionStore(x.db);
    const storeY = new KyselyConnectionStore(y.db);
    await ok(storeX.save(draft(), T0));
    expect((await ok(storeY.find(A, 'jira')))?.credentials).toBe(draft().credentials);
  });

  it('reports a failed ping as INTERNAL_ERROR without throwing', async () => {
    const d = await openDatabase({ dialect: 'sqlite', filename: tempDb() });
    const store = new KyselyConnectionStore(d.db);
    await d.close();
    const r = await store.ping()();
    expect(E.isLeft(r)).toBe(true);
    if (E.isLeft(r)) expect(r.left.code).toBe('INTERNAL_ERROR');
  });
});
