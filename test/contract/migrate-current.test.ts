// Every start runs `migrate`. On a database that already has exactly this build's migrations it
// reads the list once and leaves Kysely's migrator out; any other state still goes to the
// migrator: pending migrations are applied, and one this build does not have is refused.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectSqlite, migrate } from '../../src/adapters/kysely/database.js';

let dir: string;
let file: string;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ib-migrate-'));
  file = path.join(dir, 'service.db');
  const first = connectSqlite(file);
  try {
    expect((await migrate(first)).length).toBeGreaterThan(5);
  } finally {
    await first.destroy();
  }
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** `migrate` on the file, with the number of queries it ran. */
async function migrateCounting(): Promise<{ applied: string[]; queries: number }> {
  let queries = 0;
  const db = connectSqlite(file, { observeQuery: () => (queries += 1) });
  try {
    const applied = await migrate(db);
    return { applied, queries };
  } finally {
    await db.destroy();
  }
}

async function onFile(work: (db: ReturnType<typeof connectSqlite>) => Promise<unknown>): Promise<void> {
  const db = connectSqlite(file);
  try {
    await work(db);
  } finally {
    await db.destroy();
  }
}

describe('migrate on a database that has been migrated before', () => {
  it('answers nothing applied after one read when every migration of this build is there', async () => {
    expect(await migrateCounting()).toEqual({ applied: [], queries: 1 });
  });

  it('applies a migration the database lacks', async () => {
    await onFile(async (db) => {
      await sql`drop table webhook_endpoint_leases`.execute(db);
      await sql`delete from kysely_migration where name in ('0010_endpoint_leases', '0011_connection_changes')`.execute(db);
    });
    const { applied, queries } = await migrateCounting();
    expect(applied).toEqual(['0010_endpoint_leases', '0011_connection_changes']);
    expect(queries).toBeGreaterThan(1);
    await onFile(async (db) => {
      const { rows } = await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name = 'webhook_endpoint_leases'`.execute(db);
      expect(rows).toHaveLength(1);
    });
  });

  it('still refuses a database that a build with more migrations has migrated', async () => {
    await onFile((db) => sql`insert into kysely_migration (name, timestamp) values ('9999_from_a_later_build', '2027-01-01T00:00:00.000Z')`.execute(db));
    await expect(migrateCounting()).rejects.toThrow(/9999_from_a_later_build/);
  });
});
