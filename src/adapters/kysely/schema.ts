import type { Generated } from 'kysely';

/** Row shapes as the database holds them. Times are ISO-8601 UTC strings, lists JSON text. */
export interface ConnectionsTable {
  tenant_id: string;
  connector: string;
  auth_type: string;
  status: string;
  site_url: string | null;
  cloud_id: string | null;
  sites: string;
  scopes: string;
  grant_id: string | null;
  expires_at: string | null;
  refreshed_at: string | null;
  created_at: string;
  updated_at: string;
  version: number;
  credentials: string | null;
  refresh_lease_owner: string | null;
  refresh_lease_until: string | null;
}

export interface ServiceMetaTable {
  key: string;
  value: string;
  updated_at: string;
}

export interface OAuthNoncesTable {
  nonce: string;
  expires_at: string;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string | null;
  name: string;
  /** JSON array of scope names. */
  scopes: string;
  /** 0 or 1. */
  operator: number;
  key_hash: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

export interface IdempotencyKeysTable {
  tenant_id: string;
  key: string;
  /** SHA-256 (hex) of the operation and its input. */
  fingerprint: string;
  /** The stored outcome, JSON; null while the first request runs. */
  response: string | null;
  created_at: string;
  expires_at: string;
  locked_until: string;
}

/** One audited write or connection change; never a body, a token or a key. */
export interface AuditLogTable {
  id: string;
  at: string;
  tenant_id: string;
  caller_id: string;
  operation: string;
  target: string | null;
  outcome: string;
  request_id: string | null;
}

/** RATE_LIMIT_SHARED: one token bucket per tenant, read and written by one statement. */
export interface RateLimitsTable {
  tenant_id: string;
  tokens: number;
  /** Epoch ms of the last refill (bigint). */
  updated_ms: number | string;
  /** 1 when the last request took a token, 0 when it was refused. */
  allowed: number;
}

/** The outbox (0007_events): a tenant's events, numbered by `sequence`, de-duplicated by id. */
export interface EventsTable {
  tenant_id: string;
  id: string;
  /** bigint: a number from SQLite, a string from PostgreSQL. */
  sequence: number | string;
  type: string;
  connector: string;
  occurred_at: string;
  recorded_at: string;
  /** JSON. */
  data: string;
}

/** One event's delivery to the tenant's webhook endpoint (0008_event_deliveries). */
export interface EventDeliveriesTable {
  tenant_id: string;
  event_id: string;
  sequence: number | string;
  /** pending, delivered or dead. */
  status: string;
  attempts: number;
  next_attempt_at: string;
  first_attempt_at: string | null;
  last_attempt_at: string | null;
  /** `200`, `500`, `timeout`, `refused_address`...: what the last attempt met. */
  last_result: string | null;
  endpoint_url: string | null;
  delivered_at: string | null;
  lease_owner: string | null;
  lease_until: string | null;
  created_at: string;
}

/** A tenant's webhook endpoint (0008_event_deliveries); tenant '' marks WEBHOOK_URL gone. */
export interface WebhookEndpointsTable {
  tenant_id: string;
  url: string;
  /** The Standard Webhooks secret, sealed by the Cipher; null on the '' row. */
  secret: string | null;
  created_at: string;
  disabled_at: string | null;
  disabled_reason: string | null;
}

/** Jira dynamic webhooks registered per tenant and site (0009_inbound_sync). */
export interface JiraWebhooksTable {
  tenant_id: string;
  cloud_id: string;
  /** bigint: a number from SQLite, a string from PostgreSQL. */
  webhook_id: number | string;
  expires_at: string;
  jql: string;
  url: string;
}

/** Where each poller got to (0009_inbound_sync). */
export interface SyncCheckpointsTable {
  tenant_id: string;
  connector: string;
  checkpoint: string;
  /** JSON. */
  state: string;
}

/** Webhook delivery identifiers and token hashes seen, until they expire (0009_inbound_sync). */
export interface InboundDeliveriesTable {
  key: string;
  expires_at: string;
}

/** One dispatcher at a time per endpoint, across instances (0010_endpoint_leases). */
export interface WebhookEndpointLeasesTable {
  /** SHA-256 of the endpoint URL, hex. */
  endpoint_key: string;
  lease_owner: string;
  lease_until: string;
}

export interface Database {
  connections: ConnectionsTable;
  service_meta: ServiceMetaTable;
  oauth_nonces: OAuthNoncesTable;
  api_keys: ApiKeysTable;
  idempotency_keys: IdempotencyKeysTable;
  audit_log: AuditLogTable;
  rate_limits: RateLimitsTable;
  events: EventsTable;
  event_deliveries: EventDeliveriesTable;
  webhook_endpoints: WebhookEndpointsTable;
  jira_webhooks: JiraWebhooksTable;
  sync_checkpoints: SyncCheckpointsTable;
  inbound_deliveries: InboundDeliveriesTable;
  webhook_endpoint_leases: WebhookEndpointLeasesTable;
}

export type { Generated };
