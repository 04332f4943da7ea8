/**
 * For tests under `npm run test:pg`: a fresh database per caller on the server the global
 * setup provides, dropped by `drop()` (or, through `useFreshDatabases`, after the file's tests).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, inject } from 'vitest';

export interface TestDatabase {
  /** A postgresql:// URL to the new, empty database. */
  readonly url: string;
  drop(): Promise<void>;
}

export async function freshDatabase(): Promise<TestDatabase> {
  const server = inject('postgresUrl');
  const name = `ib_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * For a test file: returns a `fresh()` that makes a new database each call, and registers an
 * `afterAll` that drops every database it made. Call it once, at the top level of the file.
 */
export function useFreshDatabases(): () => Promise<TestDatabase> {
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    for (const d of databases) await d.drop();
  });
  return async () => {
    const d = await freshDatabase();
    databases.push(d);
    return d;
  };
}
