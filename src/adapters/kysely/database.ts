import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type SqliteDatabase } from 'kysely';
import { migrationProvider } from './migrations.js';
import type { Database } from './schema.js';

export type DatabaseLocation =
  | { readonly dialect: 'sqlite'; readonly filename: string /* ':memory:' or a path */ };

export interface OpenedDatabase {
  readonly db: Kysely<Database>;
  readonly location: DatabaseLocation;
  close(): Promise<void>;
}

/**
 * Two opens of one file in this process would interleave their migrations (SQLite runs
 * them outside a transaction) and the second fails on kysely_migration's unique name;
 * they run in turn instead.
 */
const migrating = new Map<string, Promise<void>>();
const migrateInTurn = (key: string, db: Kysely<Database>): Promise<void> => {
  const run = (migrating.get(key) ?? Promise.resolve()).catch(() => undefined).then(() => migrate(db));
  migrating.set(key, run);
  return run.finally(() => {
    if (migrating.get(key) === run) migrating.delete(key);
  });
};

/** How long a writer waits for another process's write lock before SQLite gives up. */
const SQLITE_BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens the database, applies pragmas, and runs pending migrations. Safe to call from
 * several processes on one SQLite file: migrations are idempotent and serialised by
 * SQLite's write lock.
 */
export async function openDatabase(location: DatabaseLocation): Promise<OpenedDatabase> {
  const { filename } = location;
  if (filename !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(filename)), { recursive: true });
  const sqlite = new SQLite(filename, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  if (filename !== ':memory:') sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  try {
    await (filename === ':memory:' ? migrate(db) : migrateInTurn(path.resolve(filename), db));
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return { db, location, close: () => db.destroy() };
}

/**
 * Kysely's SQLite driver prepares every statement anew; the service runs the same few
 * statements on every request, so prepared statements are kept by their SQL text. The
 * cache is bounded and statements are only ever used synchronously, so sharing is safe.
 */
const STATEMENT_CACHE_SIZE = 200;

function withStatementCache(sqlite: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, ReturnType<SQLite.Database['prepare']>>();
  return {
    close: () => sqlite.close(),
    prepare: (sql: string) => {
      let statement = cache.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}

export async function migrate(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Database migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
