import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/** The channel PostgreSQL tells connection row changes on (migration 0011): `["tenant", "connector"]`, or `*` for a truncate. */
export const CONNECTION_CHANGES_CHANNEL = 'integration_backend_connections';

/**
 * Whether the migration runs on PostgreSQL: `version()` is a function PostgreSQL has and SQLite
 * has not. (A failed statement would abort a PostgreSQL transaction; in SQLite it only fails.)
 */
const isPostgres = async (db: Kysely<unknown>): Promise<boolean> => {
  try {
    const { rows } = await sql<{ v: unknown }>`select version() as v`.execute(db);
    return typeof rows[0]?.v === 'string' && rows[0].v.startsWith('PostgreSQL');
  } catch {
    return false;
  }
};

/**
 * Migrations live in code (not files found at run time) so they work the same from
 * `src` under tsx and from `dist`. Never edit a shipped migration: add a new one.
 */
const migrations: Record<string, Migration> = {
  '0001_connections': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('connections')
        .ifNotExists()
        .addColumn('tenant_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('connector', 'varchar(32)', (c) => c.notNull())
        .addColumn('auth_type', 'varchar(16)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('site_url', 'text')
        .addColumn('cloud_id', 'varchar(64)')
        .addColumn('sites', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('scopes', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('grant_id', 'varchar(64)')
        .addColumn('expires_at', 'varchar(32)')
        .addColumn('refreshed_at', 'varchar(32)')
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('credentials', 'text')
        .addColumn('refresh_lease_owner', 'varchar(64)')
        .addColumn('refresh_lease_until', 'varchar(32)')
        .addPrimaryKeyConstraint('connections_pk', ['tenant_id', 'connector'])
        .execute();
      await db.schema
        .createIndex('connections_grant_idx')
        .ifNotExists()
        .on('connections')
        .columns(['tenant_id', 'grant_id'])
        .execute();
      await db.schema
        .createTable('service_meta')
        .ifNotExists()
        .addColumn('key', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('service_meta').ifExists().execute();
      await db.schema.dropTable('connections').ifExists().execute();
    },
  },
  '0002_oauth_nonces': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('oauth_nonces')
        .ifNotExists()
        .addColumn('nonce', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('oauth_nonces').ifExists().execute();
    },
  },
  '0003_api_keys': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('api_keys')
        .ifNotExists()
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        // Null for an operator key.
        .addColumn('tenant_id', 'varchar(128)')
        .addColumn('name', 'varchar(128)', (c) => c.notNull().defaultTo(''))
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('operator', 'integer', (c) => c.notNull().defaultTo(0))
        // SHA-256 of the key, hex: the key itself is never stored.
        .addColumn('key_hash', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('last_used_at', 'varchar(32)')
        .addColumn('expires_at', 'varchar(32)')
        .addColumn('revoked_at', 'varchar(32)')
        .execute();
      await db.schema.createIndex('api_keys_tenant_idx').ifNotExists().on('api_keys').columns(['tenant_id', 'created_at']).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('api_keys').ifExists().execute();
    },
  },
  '0004_idempotency': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('idempotency_keys')
        .ifNotExists()
        .addColumn('tenant_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('key', 'varchar(255)', (c) => c.notNull())
        .addColumn('fingerprint', 'varchar(64)', (c) => c.notNull())
        // Null while the first request runs.
        .addColumn('response', 'text')
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('locked_until', 'varchar(32)', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['tenant_id', 'key'])
        .execute();
      await db.schema.createIndex('idempotency_keys_expires_idx').ifNotExists().on('idempotency_keys').columns(['expires_at']).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('idempotency_keys').ifExists().execute();
    },
  },
  '0005_audit': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('audit_log')
        .ifNotExists()
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('at', 'varchar(32)', (c) => c.notNull())
        .addColumn('tenant_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('caller_id', 'varchar(200)', (c) => c.notNull())
        .addColumn('operation', 'varchar(128)', (c) => c.notNull())
        .addColumn('target', 'varchar(200)')
        .addColumn('outcome', 'varchar(64)', (c) => c.notNull())
        .addColumn('request_id', 'varchar(128)')
        .execute();
      await db.schema.createIndex('audit_log_at_idx').ifNotExists().on('audit_log').columns(['at']).execute();
      await db.schema.createIndex('audit_log_tenant_at_idx').ifNotExists().on('audit_log').columns(['tenant_id', 'at']).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('audit_log').ifExists().execute();
    },
  },
  '0006_rate_limits': {
    async up(db: Kysely<unknown>): Promise<void> {
      // RATE_LIMIT_SHARED: the token bucket of each tenant, shared by every instance.
      await db.schema
        .createTable('rate_limits')
        .ifNotExists()
        .addColumn('tenant_id', 'varchar(128)', (c) => c.primaryKey())
        .addColumn('tokens', 'double precision', (c) => c.notNull())
        .addColumn('updated_ms', 'bigint', (c) => c.notNull())
        .addColumn('allowed', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('rate_limits').ifExists().execute();
    },
  },
  '0007_events': {
    async up(db: Kysely<unknown>): Promise<void> {
      // The outbox (issue 14). `sequence` numbers a tenant's events: the writer takes the
      // tenant's highest plus one inside its transaction, and the unique index makes a
      // concurrent writer on PostgreSQL wait and retry, so a tenant's events commit in
      // sequence order and a reader after sequence N never skips one committed later.
      await db.schema
        .createTable('events')
        .ifNotExists()
        .addColumn('tenant_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('id', 'varchar(128)', (c) => c.notNull())
        .addColumn('sequence', 'bigint', (c) => c.notNull())
        .addColumn('type', 'varchar(64)', (c) => c.notNull())
        .addColumn('connector', 'varchar(32)', (c) => c.notNull())
        .addColumn('occurred_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('recorded_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('events_pk', ['tenant_id', 'id'])
        .execute();
      await db.schema.createIndex('events_tenant_sequence_idx').ifNotExists().unique().on('events').columns(['tenant_id', 'sequence']).execute();
      await db.schema.createIndex('events_recorded_idx').ifNotExists().on('events').columns(['recorded_at']).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('events').ifExists().execute();
    },
  },
  '0008_event_deliveries': {
    async up(db: Kysely<unknown>): Promise<void> {
      // Outbound delivery (issue 14): one row per event, written with the event. Only a
      // tenant's pending row of lowest sequence (its head) is ever sent, under a lease, so a
      // tenant's events reach the endpoint in order and no two instances send one at once.
      await db.schema
        .createTable('event_deliveries')
        .ifNotExists()
        .addColumn('tenant_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('event_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('sequence', 'bigint', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('first_attempt_at', 'varchar(32)')
        .addColumn('last_attempt_at', 'varchar(32)')
        .addColumn('last_result', 'varchar(256)')
        .addColumn('endpoint_url', 'text')
        .addColumn('delivered_at', 'varchar(32)')
        .addColumn('lease_owner', 'varchar(64)')
        .addColumn('lease_until', 'varchar(32)')
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addPrimaryKeyConstraint('event_deliveries_pk', ['tenant_id', 'event_id'])
        .execute();
      await db.schema
        .createIndex('event_deliveries_head_idx')
        .ifNotExists()
        .on('event_deliveries')
        .columns(['status', 'tenant_id', 'sequence'])
        .execute();
      await db.schema.createIndex('event_deliveries_created_idx').ifNotExists().on('event_deliveries').columns(['created_at']).execute();
      // A tenant's own endpoint (PUT /connectors/webhook), its secret sealed by the Cipher; the
      // row of tenant '' only remembers that WEBHOOK_URL answered 410 Gone (url says which URL).
      await db.schema
        .createTable('webhook_endpoints')
        .ifNotExists()
        .addColumn('tenant_id', 'varchar(128)', (c) => c.primaryKey())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('secret', 'text')
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('disabled_at', 'varchar(32)')
        .addColumn('disabled_reason', 'varchar(256)')
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('webhook_endpoints').ifExists().execute();
      await db.schema.dropTable('event_deliveries').ifExists().execute();
    },
  },
  '0009_inbound_sync': {
    async up(db: Kysely<unknown>): Promise<void> {
      // Inbound changes (issue 14): the Jira dynamic webhooks registered per tenant and site,
      // the pollers' checkpoints, and the webhook deliveries seen (retries and replays).
      await db.schema
        .createTable('jira_webhooks')
        .ifNotExists()
        .addColumn('tenant_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('cloud_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('webhook_id', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('jql', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('jira_webhooks_pk', ['tenant_id', 'cloud_id', 'webhook_id'])
        .execute();
      await db.schema.createIndex('jira_webhooks_webhook_idx').ifNotExists().on('jira_webhooks').columns(['webhook_id']).execute();
      await db.schema
        .createTable('sync_checkpoints')
        .ifNotExists()
        .addColumn('tenant_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('connector', 'varchar(32)', (c) => c.notNull())
        .addColumn('checkpoint', 'varchar(32)', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('sync_checkpoints_pk', ['tenant_id', 'connector'])
        .execute();
      await db.schema
        .createTable('inbound_deliveries')
        .ifNotExists()
        .addColumn('key', 'varchar(200)', (c) => c.primaryKey())
        .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('inbound_deliveries_expires_idx').ifNotExists().on('inbound_deliveries').columns(['expires_at']).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('inbound_deliveries').ifExists().execute();
      await db.schema.dropTable('sync_checkpoints').ifExists().execute();
      await db.schema.dropTable('jira_webhooks').ifExists().execute();
    },
  },
  '0010_endpoint_leases': {
    async up(db: Kysely<unknown>): Promise<void> {
      // One dispatcher at a time sends to an endpoint, across instances (issue 14): a lease per
      // endpoint URL (its SHA-256), taken for each attempt and freed after it.
      await db.schema
        .createTable('webhook_endpoint_leases')
        .ifNotExists()
        .addColumn('endpoint_key', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('lease_owner', 'varchar(128)', (c) => c.notNull())
        .addColumn('lease_until', 'varchar(32)', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('webhook_endpoint_leases').ifExists().execute();
    },
  },
  '0011_connection_changes': {
    async up(db: Kysely<unknown>): Promise<void> {
      // PostgreSQL only: every committed write of a connection row (ours, another instance's, an
      // operator's by hand) is told on a channel, so the connection cache need not read a stamp
      // per request (postgres-connection-changes.ts). SQLite has no such channel; nothing to do.
      if (!(await isPostgres(db))) return;
      await sql`
        create or replace function integration_backend_connection_changed() returns trigger
        language plpgsql as $$
        begin
          if tg_op = 'TRUNCATE' then
            perform pg_notify(${sql.lit(CONNECTION_CHANGES_CHANNEL)}, '*');
            return null;
          end if;
          if tg_op <> 'INSERT' then
            perform pg_notify(${sql.lit(CONNECTION_CHANGES_CHANNEL)}, json_build_array(old.tenant_id, old.connector)::text);
          end if;
          if tg_op <> 'DELETE' then
            perform pg_notify(${sql.lit(CONNECTION_CHANGES_CHANNEL)}, json_build_array(new.tenant_id, new.connector)::text);
          end if;
          return null;
        end
        $$`.execute(db);
      await sql`drop trigger if exists connections_changed on connections`.execute(db);
      await sql`create trigger connections_changed after insert or update or delete on connections for each row execute function integration_backend_connection_changed()`.execute(db);
      await sql`drop trigger if exists connections_truncated on connections`.execute(db);
      await sql`create trigger connections_truncated after truncate on connections for each statement execute function integration_backend_connection_changed()`.execute(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      if (!(await isPostgres(db))) return;
      await sql`drop trigger if exists connections_truncated on connections`.execute(db);
      await sql`drop trigger if exists connections_changed on connections`.execute(db);
      await sql`drop function if exists integration_backend_connection_changed()`.execute(db);
    },
  },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};

/** Used by health checks: one real statement against the database. */
export const pingQuery = sql<{ one: number }>`select 1 as one`;
