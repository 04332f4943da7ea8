/**
 * `integration-backend/sqlite`: the stores on SQLite through Kysely and better-sqlite3.
 * `openDatabase` opens (or creates) the file and applies pending migrations.
 */
export {
  openDatabase,
  openDatabaseForReading,
  connectSqlite,
  connectPostgres,
  describeLocation,
  migrate,
  type DatabaseLocation,
  type OpenedDatabase,
} from '../adapters/kysely/database.js';
export { KyselyConnectionStore } from '../adapters/kysely/kysely-connection-store.js';
export { KyselyOAuthNonceStore } from '../adapters/kysely/kysely-oauth-nonce-store.js';
export { KyselyIdempotencyStore } from '../adapters/kysely/kysely-idempotency-store.js';
export { KyselyServiceMetaStore } from '../adapters/kysely/kysely-service-meta-store.js';
export type { Database } from '../adapters/kysely/schema.js';
