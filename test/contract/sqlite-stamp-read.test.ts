/**
 * On SQLite the connection stamp, which every Atlassian call checks, is read on the database
 * handle itself, past Kysely's connection mutex (src/adapters/kysely/database.ts,
 * `DirectSqliteReads`). Such a read can run while a transaction of Kysely's holds the
 * connection and see its writes before they are committed. These tests hold a transaction
 * open at that moment and show that no caller is ever answered from an uncommitted write.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../../src/adapters/kysely/database.js';
import { KyselyConnectionStore } from '../../src/adapters/kysely/kysely-connection-store.js';
import { ConnectionCache } from '../../src/application/connection-cache.js';
import { A, draft, ok, T0 } from '../support/connection-store-contract.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function opened(observeQuery?: (seconds: number) => void): Promise<OpenedDatabase> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stamp-read-'));
  dirs.push(dir);
  return openDatabase({ dialect: 'sqlite', filename: path.join(dir, 'store.db') }, observeQuery ? { observeQuery } : {});
}

/** Runs `write` in a Kysely transaction that stays open until the returned `release` is called, then rolls back. */
function heldTransaction(db: OpenedDatabase['db'], write: (trx: OpenedDatabase['db']) => Promise<unknown>) {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let wrote!: () => void;
  const written = new Promise<void>((r) => (wrote = r));
  const done = db
    .transaction()
    .execute(async (trx) => {
      await write(trx as unknown as OpenedDatabase['db']);
      wrote();
      await gate;
      throw new Error('rolled back on purpose');
    })
    .catch((err: unknown) => err);
  return { written, release, done };
}

describe('the connection stamp read on the SQLite handle', () => {
  it('never answers "not connected" for a row whose delete is not committed (and then rolled back)', async () => {
    const db = await opened();
    const store = new KyselyConnectionStore(db.db);
    const saved = await ok(store.save(draft(), T0));
    const held = heldTransaction(db.db, (trx) => trx.deleteFrom('connections').where('tenant_id', '=', A).execute());
    await held.written;
    const asked = store.stampOf(A, 'jira')();
    held.release();
    expect(await held.done).toBeInstanceOf(Error);
    const stamp = await asked;
    expect(E.isRight(stamp) && stamp.right).toMatchObject({ version: saved.version, status: 'active' });
    await db.close();
  });

  it('serves the committed row, never a rolled-back update, through the connection cache', async () => {
    const db = await opened();
    const store = new KyselyConnectionStore(db.db);
    const cache = new ConnectionCache({ store });
    const saved = await ok(store.save(draft(), T0));
    expect(await ok(cache.find(A, 'jira'))).toMatchObject({ version: saved.version });
    const held = heldTransaction(db.db, (trx) =>
      trx.updateTable('connections').set({ version: saved.version + 1, status: 'needs_reauth' }).where('tenant_id', '=', A).execute(),
    );
    await held.written;
    const found = cache.find(A, 'jira')();
    held.release();
    await held.done;
    const conn = await found;
    expect(E.isRight(conn) && conn.right).toMatchObject({ version: saved.version, status: 'active' });
    await db.close();
  });

  it('sees a committed change at once, and times each read for the database metrics', async () => {
    const seconds: number[] = [];
    const db = await opened((s) => seconds.push(s));
    const store = new KyselyConnectionStore(db.db);
    const saved = await ok(store.save(draft(), T0));
    const before = seconds.length;
    expect(await ok(store.stampOf(A, 'jira'))).toMatchObject({ version: saved.version });
    expect(seconds.length).toBe(before + 1);
    await db.db.updateTable('connections').set({ status: 'needs_reauth' }).where('tenant_id', '=', A).execute();
    expect(await ok(store.stampOf(A, 'jira'))).toMatchObject({ status: 'needs_reauth' });
    await db.close();
    // A closed database is a storage error, as it is through Kysely.
    const after = await store.stampOf(A, 'jira')();
    expect(E.isLeft(after) && after.left.code).toBe('INTERNAL_ERROR');
  });
});
