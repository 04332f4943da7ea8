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
  /** The migrations this open applied (empty when the schema was already current). */
  readonly applied: readonly string[];
  close(): Promise<void>;
}

/** How long a writer waits for another process's write lock before SQLite gives up. */
const SQLITE_BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens the database, applies pragmas, and runs pending migrations. Safe to call from
 * several processes on one SQLite file (see `migrate`).
 */
export async function openDatabase(location: DatabaseLocation): Promise<OpenedDatabase> {
  const { filename } = location;
  const db = connectSqlite(filename);
  let applied: readonly string[];
  try {
    applied = await migrate(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return { db, location, applied, close: () => db.destroy() };
}

/** A Kysely instance on a SQLite file with the service's pragmas, not yet migrated. */
export function connectSqlite(filename: string): Kysely<Database> {
  if (filename !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(filename)), { recursive: true });
  const sqlite = new SQLite(filename, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  if (filename !== ':memory:') sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
}

/**
 * Opens an existing database read-only, for looking without touching: no file or
 * directory is created, no pragma or migration is written. Refuses a file that is not at
 * the current schema (another application's database, or one that needs `migrate`).
 */
export async function openDatabaseReadOnly(filename: string): Promise<OpenedDatabase> {
  let sqlite: SQLite.Database;
  try {
    sqlite = new SQLite(filename, { readonly: true, fileMustExist: true, timeout: SQLITE_BUSY_TIMEOUT_MS });
  } catch (err) {
    throw new Error(`Cannot open ${filename}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  const expected = Object.keys(await migrationProvider.getMigrations());
  const hasLedger = sqlite.prepare("select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'").get() !== undefined;
  const done = new Set(
    hasLedger ? (sqlite.prepare('select name from kysely_migration').all() as Array<{ name: string }>).map((r) => r.name) : [],
  );
  const pending = expected.filter((name) => !done.has(name));
  if (pending.length > 0) {
    await db.destroy();
    throw new Error(
      hasLedger
        ? `${filename} needs migrations ${pending.join(', ')}; run "integration-backend migrate" first.`
        : `${filename} is not an integration-backend database (it has no migration history); run "integration-backend migrate" to create one.`,
    );
  }
  return { db, location: { dialect: 'sqlite', filename }, applied: [], close: () => db.destroy() };
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

/**
 * Kysely takes no lock on SQLite, so two processes (or two connections in one process)
 * opening a new file together can both apply a migration; the loser fails on
 * kysely_migration's unique name. Migrations here are idempotent (IF NOT EXISTS), so the
 * loser runs again and finds them done.
 */
const MIGRATION_ATTEMPTS = 5;

/** Applies pending migrations; answers the names of those this call applied. */
export async function migrate(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const applied: string[] = [];
  for (let attempt = 1; ; attempt += 1) {
    const { error, results } = await migrator.migrateToLatest();
    applied.push(...(results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName));
    if (!error) return applied;
    const message = error instanceof Error ? error.message : String(error);
    const raced = /UNIQUE constraint failed: kysely_migration|database is locked/i.test(message);
    if (!raced || attempt >= MIGRATION_ATTEMPTS) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
      throw new Error(`Database migration ${failed} failed: ${message}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
  }
}
