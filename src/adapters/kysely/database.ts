import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type KyselyConfig, type LogEvent, type SqliteDatabase } from 'kysely';
import { migrationProvider, pingQuery } from './migrations.js';
import type { Database } from './schema.js';

export type DatabaseLocation =
  | { readonly dialect: 'sqlite'; readonly filename: string /* ':memory:' or a path */ }
  | {
      readonly dialect: 'postgres';
      /** A libpq connection URL. */
      readonly url: string;
      /** The URL without its password, for messages. */
      readonly display: string;
      /** Connections in the pool (default 10). */
      readonly poolSize?: number;
      /**
       * Whether the hottest reads run as named prepared statements (default true): the server
       * parses and plans them once per connection instead of on every request. Off for a
       * pooler that cannot keep them (PgBouncer before 1.21 in transaction mode).
       */
      readonly preparedStatements?: boolean;
    };

/** How the database is named in messages: the file, or the URL without its password. */
export const describeLocation = (location: DatabaseLocation): string =>
  location.dialect === 'sqlite' ? location.filename : location.display;

export interface OpenedDatabase {
  readonly db: Kysely<Database>;
  readonly location: DatabaseLocation;
  /** The migrations this open applied (empty when the schema was already current). */
  readonly applied: readonly string[];
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** Told the duration of every query, in seconds (the metrics). */
  readonly observeQuery?: (seconds: number) => void;
  /** Told, once, that the server (or a pooler in front of it) refused a named prepared statement, so they are off from now on. */
  readonly preparedStatementsOff?: (reason: string) => void;
}

/**
 * What PostgreSQL answers when a named statement meets a connection that does not have it,
 * or has it already: a pooler in transaction mode (PgBouncer without prepared-statement
 * support) hands each transaction a server connection of its own.
 */
const LOST_PREPARED_STATEMENT = new Set(['26000', '42P05']);

/** Kysely's query log, turned into durations for `observeQuery`. */
const queryLog = (options: DatabaseOptions): KyselyConfig['log'] => {
  const observe = options.observeQuery;
  if (!observe) return undefined;
  return (event: LogEvent) => observe(event.queryDurationMillis / 1000);
};

/** How long a writer waits for another process's write lock before SQLite gives up. */
const SQLITE_BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens the database, applies pragmas, and runs pending migrations. Safe to call from
 * several processes on one SQLite file (see `migrate`).
 */
export async function openDatabase(location: DatabaseLocation, options: DatabaseOptions = {}): Promise<OpenedDatabase> {
  const db = location.dialect === 'sqlite' ? connectSqlite(location.filename, options) : await connectPostgres(location, options);
  let applied: readonly string[];
  try {
    applied = await migrate(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return { db, location, applied, close: () => db.destroy() };
}

/**
 * A Kysely instance on a PostgreSQL pool, not yet migrated. The first connection is made
 * here, so a wrong host or password stops the start with a message naming the server
 * (never the password) rather than failing on the first request.
 */
export async function connectPostgres(
  location: Extract<DatabaseLocation, { dialect: 'postgres' }>,
  options: DatabaseOptions = {},
): Promise<Kysely<Database>> {
  // Loaded only for PostgreSQL: a SQLite service never parses the driver (start-up, memory).
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: location.url, max: location.poolSize ?? 10, connectionTimeoutMillis: 10_000 });
  // An idle client losing its server (a restart, a failover) is reported on the pool; without a
  // listener Node would crash. The next query gets a fresh connection.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: queryLog(options) });
  try {
    await pingQuery.execute(db);
  } catch (err) {
    await db.destroy();
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`Cannot reach PostgreSQL at ${location.display}: ${reason}`, { cause: err });
  }
  if (location.preparedStatements !== false) {
    const observe = options.observeQuery;
    let named = true;
    directPostgresReads.set(db, {
      first: async (name, text, parameters) => {
        const started = observe ? performance.now() : 0;
        const values = [...parameters];
        let rows: unknown[];
        try {
          ({ rows } = await pool.query(named ? { name, text, values } : { text, values }));
        } catch (err) {
          const code = (err as { code?: unknown }).code;
          if (!named || typeof code !== 'string' || !LOST_PREPARED_STATEMENT.has(code)) throw err;
          // Something between us and the server does not keep them: plain statements from now on.
          named = false;
          options.preparedStatementsOff?.(err instanceof Error ? err.message : String(err));
          ({ rows } = await pool.query({ text, values }));
        }
        observe?.((performance.now() - started) / 1000);
        return rows[0];
      },
    });
  }
  return db;
}

/**
 * One-row reads on a PostgreSQL pool as named prepared statements, outside Kysely's driver:
 * each connection has the server parse and plan the statement once, and later reads send
 * only its name and parameters. On the connection stamp, the read every Atlassian call makes,
 * that halves the server's CPU per read (about 150 us to 75 us here, docs/performance.md).
 * A read takes any free connection of the pool, so it sees committed rows only, as a Kysely
 * query outside a transaction does. Each read is timed for `observeQuery` like Kysely's.
 * Behind a pooler that loses named statements (PostgreSQL answers 26000 or 42P05) the read
 * is sent again as a plain statement, and every later one is plain too
 * (`preparedStatementsOff` is told once).
 */
export interface DirectPostgresReads {
  /** The first row the statement answers, undefined for none. `name` is the statement's, one per SQL text. */
  first(name: string, sql: string, parameters: readonly unknown[]): Promise<unknown>;
}

const directPostgresReads = new WeakMap<Kysely<Database>, DirectPostgresReads>();

/** The direct reads of a database `connectPostgres` opened with prepared statements on; undefined for any other. */
export const directPostgresReadsOf = (db: Kysely<Database>): DirectPostgresReads | undefined => directPostgresReads.get(db);

/**
 * One-row reads on a SQLite database's own handle, synchronously, without Kysely's driver
 * around them (its connection mutex and a handful of promises a query: 0.05 ms of CPU per
 * request on the connection stamp, the statement every Atlassian call runs; see
 * docs/performance.md). They bypass the mutex, so a read can run while a transaction of
 * Kysely's holds the connection and see its writes before they are committed: use them only
 * where such a read cannot mislead (the stamp, whose caller re-reads through Kysely whenever
 * it differs). Each read is timed for `observeQuery` like Kysely's queries.
 */
export interface DirectSqliteReads {
  /** The first row the statement answers, undefined for none. */
  first(sql: string, parameters: readonly unknown[]): unknown;
}

const directReads = new WeakMap<Kysely<Database>, DirectSqliteReads>();

/** The direct reads of a database `connectSqlite` opened; undefined for any other (PostgreSQL, read-only opens). */
export const directSqliteReadsOf = (db: Kysely<Database>): DirectSqliteReads | undefined => directReads.get(db);

/**
 * In the bundle (scripts/bundle.mjs injects it), better-sqlite3's JavaScript as bundled: held
 * with the rest and compiled in its code cache, instead of Node's loader reading and
 * compiling its files at start. Elsewhere (the compiled library, the tests) not defined.
 */
declare const __bundledSqlite: (() => typeof SQLite) | undefined;

/**
 * better-sqlite3 and its addon, loaded with the first SQLite database opened: a PostgreSQL
 * service never loads them. better-sqlite3 would find the addon with the `bindings`
 * package, which works out the caller's file from a stack trace, walks up to the package
 * root and tries `require` on build directories until one loads (two failures first): about
 * 3 ms of the first open, and no use in the bundle, whose stack names the bundle. It is told
 * where the addon is (`nativeBinding`): where npm builds it, `build/Release`, or a
 * `build/Debug` of one's own; found in neither, `bindings` still searches.
 */
let sqliteModule: { readonly Database: typeof SQLite; readonly addon: string | undefined } | undefined;
const loadSqlite = (): NonNullable<typeof sqliteModule> => {
  const require = createRequire(import.meta.url);
  const Database = typeof __bundledSqlite === 'function' ? __bundledSqlite() : (require('better-sqlite3') as typeof SQLite);
  const root = path.dirname(require.resolve('better-sqlite3/package.json'));
  const addon = ['Release', 'Debug'].map((kind) => path.join(root, 'build', kind, 'better_sqlite3.node')).find((file) => fs.existsSync(file));
  return { Database, addon };
};

const openSqlite = (filename: string, options: SQLite.Options): SQLite.Database => {
  const { Database, addon } = (sqliteModule ??= loadSqlite());
  return new Database(filename, addon ? { ...options, nativeBinding: addon } : options);
};

/** A Kysely instance on a SQLite file with the service's pragmas, not yet migrated. */
export function connectSqlite(filename: string, options: DatabaseOptions = {}): Kysely<Database> {
  if (filename !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(filename)), { recursive: true });
  const sqlite = openSqlite(filename, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  if (filename !== ':memory:') sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const database = withStatementCache(sqlite);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }), log: queryLog(options) });
  const observe = options.observeQuery;
  directReads.set(db, {
    first: (text, parameters) => {
      const started = observe ? performance.now() : 0;
      // `get` steps to the first row only; `all` would build an array and step on to the end.
      const row: unknown = database.prepare(text).get(parameters);
      observe?.((performance.now() - started) / 1000);
      return row;
    },
  });
  return db;
}

/**
 * Opens an existing database for looking without touching: no file or directory is
 * created, no pragma or migration is written (SQLite is opened read-only). Refuses a
 * database that is not at the current schema (another application's, or one that needs
 * `migrate`).
 */
export async function openDatabaseForReading(location: DatabaseLocation): Promise<OpenedDatabase> {
  let db: Kysely<Database>;
  if (location.dialect === 'sqlite') {
    let sqlite: SQLite.Database;
    try {
      sqlite = openSqlite(location.filename, { readonly: true, fileMustExist: true, timeout: SQLITE_BUSY_TIMEOUT_MS });
    } catch (err) {
      throw new Error(`Cannot open ${location.filename}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  } else {
    db = await connectPostgres(location);
  }
  const name = describeLocation(location);
  const pending = await pendingMigrations(db);
  if (pending === undefined || pending.length > 0) {
    await db.destroy();
    throw new Error(
      pending === undefined
        ? `${name} is not an integration-backend database (it has no migration history); run "integration-backend migrate" to create one.`
        : `${name} needs migrations ${pending.join(', ')}; run "integration-backend migrate" first.`,
    );
  }
  return { db, location, applied: [], close: () => db.destroy() };
}

/**
 * The migrations this build has that the database has not applied; undefined when it has no
 * migration history at all (not one of ours). Readiness asks this: an instance whose schema
 * is behind (or that another build migrated past) says so.
 */
export async function pendingMigrations(db: Kysely<Database>): Promise<string[] | undefined> {
  const state = await migrationState(db);
  return state && state.expected.filter((n) => !state.done.has(n));
}

/** This build's migrations and those the database has applied; undefined without a migration history. */
async function migrationState(db: Kysely<Database>): Promise<{ readonly expected: readonly string[]; readonly done: ReadonlySet<string> } | undefined> {
  const expected = Object.keys(await migrationProvider.getMigrations());
  try {
    const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
    return { expected, done: new Set(rows.map((r) => r.name)) };
  } catch {
    return undefined;
  }
}

/**
 * Kysely's SQLite driver prepares every statement anew; the service runs the same few
 * statements on every request, so prepared statements are kept by their SQL text. The
 * cache is bounded and statements are only ever used synchronously, so sharing is safe.
 */
const STATEMENT_CACHE_SIZE = 200;

/** Kysely's SQLite database, handing out better-sqlite3's own statements (the direct reads use `get`). */
interface CachedStatements extends SqliteDatabase {
  prepare(sql: string): ReturnType<SQLite.Database['prepare']>;
}

function withStatementCache(sqlite: SQLite.Database): CachedStatements {
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
  // Every start comes here, and almost always the database has exactly this build's
  // migrations: one read says so, where Kysely's migrator would create its bookkeeping tables
  // if absent, take its lock in a transaction and compare the lists, to do nothing (about
  // 9 ms of a 280 ms start, docs/performance.md). Any other state (none applied, some
  // pending, one this build lacks) is the migrator's, which applies or refuses as before.
  const state = await migrationState(db);
  if (state && state.done.size === state.expected.length && state.expected.every((n) => state.done.has(n))) return [];
  const migrator = new Migrator({ db, provider: migrationProvider });
  const applied: string[] = [];
  for (let attempt = 1; ; attempt += 1) {
    const { error, results } = await migrator.migrateToLatest();
    applied.push(...(results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName));
    if (!error) return applied;
    const message = error instanceof Error ? error.message : String(error);
    // SQLite: two writers inserting the same migration row. PostgreSQL: Kysely serialises the
    // migrations under an advisory lock, but two CREATE TABLE IF NOT EXISTS of its own
    // bookkeeping tables can still collide in the catalog.
    const raced = /UNIQUE constraint failed: kysely_migration|database is locked|duplicate key value violates unique constraint|already exists/i.test(
      message,
    );
    if (!raced || attempt >= MIGRATION_ATTEMPTS) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
      throw new Error(`Database migration ${failed} failed: ${message}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
  }
}
