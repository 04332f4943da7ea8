/**
 * The composition root: the only module that knows tsyringe. It is a few small steps,
 * config -> adapters -> use cases -> drivers, each registering typed tokens
 * (`./tokens.ts`) in one child container, and two entry points that hosts, tests and
 * embedders call: `composeCore` (adapters and use cases: the command line's MCP server)
 * and `createService` (the same plus the HTTP app). Both hand back typed records, never
 * the container: nothing outside this file looks a token up.
 */
import 'reflect-metadata';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import type { Logger as Pino } from 'pino';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { bindOperations, OPERATIONS, type BoundOperation } from '../application/catalog/index.js';
import { ApiKeys } from '../application/api-keys.js';
import { AuditTrail, auditedOperations } from '../application/audit.js';
import type { AuditLog } from '../application/ports/audit-log.js';
import type { EventOutbox } from '../application/ports/event-outbox.js';
import { CompleteJiraAuthorization } from '../application/complete-jira-authorization.js';
import type { ApiKeySecrets } from '../application/ports/api-key-secrets.js';
import type { ApiKeyStore } from '../application/ports/api-key-store.js';
import type { CallerAuthenticator } from '../application/ports/caller-authenticator.js';
import { CredentialCache } from '../application/credential-cache.js';
import { DeleteConnection } from '../application/delete-connection.js';
import { EnsureEncryptionKey } from '../application/ensure-encryption-key.js';
import { GetConnection } from '../application/get-connection.js';
import { GetReadiness, type Lifecycle } from '../application/get-readiness.js';
import type { SchemaCheck } from '../application/ports/schema-check.js';
import { GetServiceHealth, type ServiceFacts } from '../application/get-service-health.js';
import { KyselySchemaCheck } from '../adapters/kysely/kysely-schema-check.js';
import { GrantRefresher } from '../application/grant-refresher.js';
import { ListConnectors } from '../application/list-connectors.js';
import type { OAuthSettings } from '../application/oauth-settings.js';
import type { AtlassianAuthorization, AtlassianTokenVerifier } from '../application/ports/atlassian-authorization.js';
import type { ConfluenceGateway, JiraGateway } from '../application/ports/atlassian-gateways.js';
import type { Cipher } from '../application/ports/cipher.js';
import type { Clock } from '../application/ports/clock.js';
import type { ConnectionChanges, ConnectionStore } from '../application/ports/connection-store.js';
import type { Logger } from '../application/ports/logger.js';
import { NO_METRICS, type ServiceMetrics } from '../application/ports/metrics.js';
import type { OAuthNonceStore } from '../application/ports/oauth-nonce-store.js';
import type { ServiceMetaStore } from '../application/ports/service-meta-store.js';
import type { SiteUrlGuard } from '../application/ports/site-url-guard.js';
import type { StateSigner } from '../application/ports/state-signer.js';
import { SaveAccessToken } from '../application/save-access-token.js';
import { StartJiraAuthorization } from '../application/start-jira-authorization.js';
import { StoredCredentialAccess } from '../application/stored-credential-access.js';
import { ConnectionCache, hasProbe } from '../application/connection-cache.js';
import { InvokeTool } from '../application/tools.js';
import type { AtlassianProxy } from '../application/ports/atlassian-proxy.js';
import { ProxyAtlassian } from '../application/proxy-atlassian.js';
import { UpdateConnection } from '../application/update-connection.js';
import { DEFAULT_DISPATCH, EventDispatcher, startDispatching, type DispatchSettings } from '../application/event-dispatcher.js';
import type { EventDeliveries, WebhookEndpoints, WebhookSender } from '../application/ports/event-deliveries.js';
import { ListEvents, WebhookSettings } from '../application/webhooks.js';
import { eventRoutes } from '../adapters/http/routes/event-routes.js';
import { KyselyEventDeliveries, KyselyWebhookEndpoints } from '../adapters/kysely/kysely-event-deliveries.js';
import { InMemoryWebhookEndpoints } from '../adapters/memory/in-memory-event-outbox.js';
import { InMemoryConnectionStore } from '../adapters/memory/in-memory-connection-store.js';
import { UndiciWebhookSender } from '../adapters/undici/undici-webhook-sender.js';
import { WebhookUrlGuard, type AddressLookup } from '../adapters/undici/webhook-address.js';
import type { JsonSchema } from '../domain/json-schema.js';
import { OAUTH_STATE_TTL_SECONDS } from '../domain/oauth-state.js';
import { siteKeyOf, UpstreamBudget } from '../domain/upstream-budget.js';
import { adfToMarkdown, isAdfDoc } from '../domain/markup/index.js';
import type { InboundStore } from '../application/ports/inbound-sync.js';
import { ChangePollers, DEFAULT_POLLER_SETTINGS } from '../application/inbound/change-pollers.js';
import { JiraWebhookRegistrations, WEBHOOK_LIFETIME_MS, WEBHOOK_REFRESH_BEFORE_MS } from '../application/inbound/jira-webhooks.js';
import { ReceiveJiraWebhook } from '../application/inbound/receive-jira-webhook.js';
import { KyselyInboundStore } from '../adapters/kysely/kysely-inbound-store.js';
import { InMemoryInboundStore } from '../adapters/memory/in-memory-inbound-store.js';
import { JoseWebhookVerifier } from '../adapters/jose/jose-webhook-verifier.js';
import { UndiciInboundGateway } from '../adapters/undici/undici-inbound-gateway.js';
import { inboundRoutes } from '../adapters/http/routes/inbound-routes.js';
import { AesGcmCipher } from '../adapters/crypto/aes-gcm-cipher.js';
import { Sha256ApiKeySecrets } from '../adapters/crypto/api-key-secrets.js';
import { JoseJwtAuthenticator } from '../adapters/jose/jose-jwt-authenticator.js';
import { keyRoutes, protectedResourceRoutes } from '../adapters/http/routes/caller-routes.js';
import { KyselyApiKeyStore } from '../adapters/kysely/kysely-api-key-store.js';
import { KyselyAuditLog } from '../adapters/kysely/kysely-audit-log.js';
import { KyselyEventOutbox } from '../adapters/kysely/kysely-event-outbox.js';
import { InMemoryEventOutbox } from '../adapters/memory/in-memory-event-outbox.js';
import { InMemoryAuditLog } from '../adapters/memory/in-memory-audit-log.js';
import { InMemoryApiKeyStore } from '../adapters/memory/in-memory-api-key-store.js';
import { resolveEncryptionKeys } from '../adapters/crypto/encryption-key.js';
import { HmacStateSigner } from '../adapters/crypto/hmac-state-signer.js';
import { answerClientError, createHttpApp } from '../adapters/http/app.js';
import { buildOpenApiDocument } from '../adapters/http/openapi.js';
import type { RouteSpec } from '../adapters/http/route-spec.js';
import { authRoutes } from '../adapters/http/routes/auth-routes.js';
import { connectorRoutes } from '../adapters/http/routes/connector-routes.js';
import { docsRoutes } from '../adapters/http/routes/docs-routes.js';
import { healthRoutes } from '../adapters/http/routes/health-routes.js';
import { mcpRoutes } from '../adapters/http/routes/mcp-routes.js';
import { operationRoutes, toolRoutes } from '../adapters/http/routes/operation-routes.js';
import { proxyRoutes } from '../adapters/http/routes/proxy-routes.js';
import { directSqliteReadsOf, openDatabase, type OpenedDatabase } from '../adapters/kysely/database.js';
import { PostgresConnectionChanges } from '../adapters/kysely/postgres-connection-changes.js';
import { SqliteConnectionChanges } from '../adapters/kysely/sqlite-connection-changes.js';
import { KyselyConnectionStore } from '../adapters/kysely/kysely-connection-store.js';
import { KyselyOAuthNonceStore } from '../adapters/kysely/kysely-oauth-nonce-store.js';
import { KyselyIdempotencyStore } from '../adapters/kysely/kysely-idempotency-store.js';
import { InMemoryIdempotencyStore } from '../adapters/memory/in-memory-idempotency-store.js';
import type { IdempotencyStore } from '../application/ports/idempotency-store.js';
import { IdempotentWrites } from '../application/idempotency.js';
import { KyselyServiceMetaStore } from '../adapters/kysely/kysely-service-meta-store.js';
import type * as McpHttp from '../adapters/mcp/mcp-http.js';
import { InMemoryOAuthNonceStore, InMemoryServiceMetaStore } from '../adapters/memory/in-memory-stores.js';
import { DnsSiteUrlGuard } from '../adapters/net/dns-site-url-guard.js';
import { asLoggerPort, createPinoLogger } from '../adapters/pino/pino-logger.js';
import type { PrometheusMetrics } from '../adapters/prometheus/prometheus-metrics.js';
import { systemClock } from '../adapters/system/system-clock.js';
import { AtlassianCaller } from '../adapters/undici/atlassian-call.js';
import { InMemoryTenantRateLimiter } from '../adapters/memory/in-memory-rate-limiter.js';
import { KyselyTenantRateLimiter } from '../adapters/kysely/kysely-rate-limiter.js';
import type { TenantRateLimiter } from '../application/ports/tenant-rate-limiter.js';
import { TenantConcurrency } from '../application/tenant-concurrency.js';
import { TenantRequestLimit } from '../application/tenant-request-limit.js';
import { createAtlassianHttp, type AtlassianHttp } from '../adapters/undici/http-transport.js';
import { UndiciAtlassianAuthorization } from '../adapters/undici/undici-atlassian-authorization.js';
import { UndiciAtlassianProxy } from '../adapters/undici/undici-atlassian-proxy.js';
import { UndiciConfluenceGateway } from '../adapters/undici/undici-confluence-gateway.js';
import { UndiciJiraGateway } from '../adapters/undici/undici-jira-gateway.js';
import type { Config } from './config.js';
import { readPackageVersion } from './package-info.js';
import { tracedOperations } from './tracing.js';
import { provide, resolve, resolveAll, token, type Resolver, type TokensOf } from './tokens.js';

/** Adapters a test or an embedder may supply instead of the configured ones. */
export interface Overrides {
  readonly log?: Pino;
  readonly clock?: Clock;
  /** With a custom ConnectionStore, the nonce and metadata stores default to in-memory ones. */
  readonly connections?: ConnectionStore;
  readonly nonces?: OAuthNonceStore;
  readonly meta?: ServiceMetaStore;
  /** With a custom ConnectionStore, API keys default to an in-memory store. */
  readonly apiKeys?: ApiKeyStore;
  /** With a custom ConnectionStore, idempotency keys default to an in-memory store. */
  readonly idempotency?: IdempotencyStore;
  /** With a custom ConnectionStore, the audit log defaults to an in-memory one. */
  readonly auditLog?: AuditLog;
  /** With a custom ConnectionStore, the event outbox defaults to an in-memory one. */
  readonly events?: EventOutbox;
  /** With a custom ConnectionStore, webhook registrations and poll checkpoints default to memory. */
  readonly inbound?: InboundStore;
  /**
   * false: no background webhook reconcile or poll loop; a test drives `service.inbound`
   * itself (with its clock). Default: the loops run as configured.
   */
  readonly inboundLoops?: boolean;
  /** How often the background prune of old audit entries runs (default hourly; tests shorten it). */
  readonly auditPruneIntervalMs?: number;
  /** Replaces the DNS lookup of webhook URLs, at set time and at delivery (tests). */
  readonly webhookLookup?: AddressLookup;
  /** Replaces the webhook client (tests). */
  readonly webhookSender?: WebhookSender;
  /**
   * The dispatcher's backoff and round settings (tests shorten them), its jitter source, how
   * long it idles between rounds without work (default 1 s), and `start: false` to drive it by hand.
   */
  readonly eventDispatch?: Partial<Omit<DispatchSettings, 'globalUrl' | 'globalSecret'>> & { readonly idleMs?: number; readonly random?: () => number; readonly start?: boolean };
  readonly cipher?: Cipher;
  readonly siteUrlGuard?: SiteUrlGuard;
  readonly authorization?: AtlassianAuthorization & AtlassianTokenVerifier;
  readonly jira?: JiraGateway;
  readonly confluence?: ConfluenceGateway;
  /** Replaces the waits between retries (tests). */
  readonly retrySleep?: (ms: number) => Promise<void>;
  /** Replaces the jitter source of retry delays, a number in [0, 1) (tests). */
  readonly retryJitter?: () => number;
  /**
   * Replaces the HTTP clients to Atlassian. Tests pass `{ trusted, pinned: trusted }` so token
   * connections (caller-supplied hosts) may reach a loopback fake; production never sets it.
   */
  readonly atlassianHttp?: AtlassianHttp;
}

/** The driven adapters, one per port. */
export interface Adapters {
  readonly pino: Pino;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly connections: ConnectionStore;
  readonly nonces: OAuthNonceStore;
  readonly meta: ServiceMetaStore;
  readonly apiKeyStore: ApiKeyStore;
  readonly idempotencyStore: IdempotencyStore;
  readonly apiKeySecrets: ApiKeySecrets;
  /** Where the audit trail is kept: the database's audit_log table, or memory for an embedded store. */
  readonly auditLog: AuditLog;
  /** The outbox of events to the product (issue 14): the database's events table, or memory for an embedded store. */
  readonly events: EventOutbox;
  /** The outbox's deliveries (undefined for an embedder's own outbox, which then only feeds GET /events). */
  readonly deliveries: EventDeliveries | undefined;
  /** Tenants' own webhook endpoints (PUT /connectors/webhook). */
  readonly webhookEndpoints: WebhookEndpoints;
  readonly webhookSender: WebhookSender & { close?: () => Promise<void> };
  /** Jira webhook registrations, poll checkpoints and the deliveries seen (0009_inbound_sync), or memory. */
  readonly inbound: InboundStore;
  readonly cipher: Cipher;
  readonly signer: StateSigner;
  readonly http: AtlassianHttp;
  readonly authorization: AtlassianAuthorization & AtlassianTokenVerifier;
  readonly siteUrlGuard: SiteUrlGuard;
  readonly jira: JiraGateway;
  readonly confluence: ConfluenceGateway;
  /** Prometheus metrics when METRICS_PORT is set; otherwise a recorder that keeps nothing. */
  readonly metrics: ServiceMetrics;
  /** What Atlassian's rate-limit headers said, per site and for the app (shared by every caller). */
  readonly budget: UpstreamBudget;
  /** The proxy's client: any checked request to the tenant's site. */
  readonly proxy: AtlassianProxy;
  /** RATE_LIMIT_PER_TENANT's buckets (in memory, or in PostgreSQL with RATE_LIMIT_SHARED); undefined: no limit. */
  readonly rateLimiter: TenantRateLimiter | undefined;
  /** UPSTREAM_CONCURRENCY_PER_TENANT: the slots and queues of each tenant's calls to Atlassian. */
  readonly concurrency: TenantConcurrency;
}

/** The use cases, built over the adapters. */
export interface UseCases {
  readonly credentials: CredentialCache;
  readonly refresher: GrantRefresher;
  /** Where the operations get a usable credential: the tenant's stored connection, refreshed when needed. */
  readonly access: StoredCredentialAccess;
  readonly startAuthorization: StartJiraAuthorization;
  readonly completeAuthorization: CompleteJiraAuthorization;
  readonly saveAccessToken: SaveAccessToken;
  readonly updateConnection: UpdateConnection;
  readonly listConnectors: ListConnectors;
  readonly getConnection: GetConnection;
  readonly deleteConnection: DeleteConnection;
  readonly getServiceHealth: GetServiceHealth;
  readonly getReadiness: GetReadiness;
  readonly ensureEncryptionKey: EnsureEncryptionKey;
  /** The operation catalog, bound to the gateways and the access provider. */
  readonly operations: readonly BoundOperation[];
  /** The catalog as agent tools (REST and MCP), with the read-only switch. */
  readonly tools: InvokeTool;
  /** `/connectors/{connector}/proxy/{path}`: PROXY_ENABLED, read-only, path rules, refresh. */
  readonly proxy: ProxyAtlassian;
  /** Issuing, listing, revoking and recognising API keys. */
  readonly apiKeys: ApiKeys;
  /** Writes sent with an Idempotency-Key (REST) or idempotency_key (tools) run once per tenant and key. */
  readonly idempotency: IdempotentWrites;
  /** Who a bearer credential is (AUTH_MODE api_key or jwt); undefined in open mode. */
  readonly callerAuthenticator: CallerAuthenticator | undefined;
  /** Every write and connection change, recorded; listed by `audit list`, pruned after AUDIT_RETENTION_DAYS. */
  readonly audit: AuditTrail;
  /** PUT, GET and DELETE /connectors/webhook. */
  readonly webhooks: WebhookSettings;
  /** GET /events. */
  readonly listEvents: ListEvents;
  /** Sends the outbox's events as signed webhooks (undefined without deliveries). */
  readonly dispatcher: EventDispatcher | undefined;
  /** Jira dynamic webhooks of OAuth connections; undefined without PUBLIC_BASE_URL (docs/events-inbound.md). */
  readonly jiraWebhooks: JiraWebhookRegistrations | undefined;
  /** `POST /webhooks/jira`: a delivery checked and recorded as events. */
  readonly receiveJiraWebhook: ReceiveJiraWebhook;
  /** The Jira and Confluence pollers (SYNC_INTERVAL_SECONDS). */
  readonly pollers: ChangePollers;
}

/** The HTTP driver: the route table, its OpenAPI document and the Koa app built from it. */
export interface Drivers {
  readonly routes: readonly RouteSpec[];
  readonly openApiDocument: () => JsonSchema;
  readonly app: Koa;
}

/** Reads of the store through the connection cache when the store can tell a row's stamp (the Kysely one can). */
const cachedConnections = (store: ConnectionStore, changes: ConnectionChanges | undefined): Pick<ConnectionStore, 'find'> =>
  hasProbe(store) ? new ConnectionCache({ store, ...(changes ? { changes } : {}) }) : store;

const CONFIG = token<Config>('Config');
const FACTS = token<ServiceFacts>('ServiceFacts');
/** The database's schema check (none for an embedded store). */
const SCHEMA = token<SchemaCheck | undefined>('SchemaCheck');
/** Set to draining on SIGTERM (Service.shutdown); readiness reads it. */
const LIFECYCLE = token<{ draining: boolean } & Lifecycle>('Lifecycle');
const OAUTH_SETTINGS = token<OAuthSettings>('OAuthSettings');
/** What tells the connection cache of changes to connection rows (INTEGRATION_DB_LISTEN): PostgreSQL's LISTEN, SQLite's data version; none with a store override. */
const CONNECTION_CHANGES = token<(ConnectionChanges & { writtenHere(): void }) | undefined>('ConnectionChanges');

const ADAPTERS: TokensOf<Adapters> = {
  pino: token('Pino'),
  logger: token('Logger'),
  clock: token('Clock'),
  connections: token('ConnectionStore'),
  nonces: token('OAuthNonceStore'),
  meta: token('ServiceMetaStore'),
  apiKeyStore: token('ApiKeyStore'),
  idempotencyStore: token('IdempotencyStore'),
  apiKeySecrets: token('ApiKeySecrets'),
  auditLog: token('AuditLog'),
  events: token('EventOutbox'),
  deliveries: token('EventDeliveries'),
  webhookEndpoints: token('WebhookEndpoints'),
  webhookSender: token('WebhookSender'),
  inbound: token('InboundStore'),
  cipher: token('Cipher'),
  signer: token('StateSigner'),
  http: token('AtlassianHttp'),
  authorization: token('AtlassianAuthorization'),
  siteUrlGuard: token('SiteUrlGuard'),
  jira: token('JiraGateway'),
  confluence: token('ConfluenceGateway'),
  metrics: token('ServiceMetrics'),
  budget: token('UpstreamBudget'),
  proxy: token('AtlassianProxy'),
  rateLimiter: token('TenantRateLimiter'),
  concurrency: token('TenantConcurrency'),
};

const USE_CASES: TokensOf<UseCases> = {
  credentials: token('CredentialCache'),
  refresher: token('GrantRefresher'),
  access: token('StoredCredentialAccess'),
  startAuthorization: token('StartJiraAuthorization'),
  completeAuthorization: token('CompleteJiraAuthorization'),
  saveAccessToken: token('SaveAccessToken'),
  updateConnection: token('UpdateConnection'),
  listConnectors: token('ListConnectors'),
  getConnection: token('GetConnection'),
  deleteConnection: token('DeleteConnection'),
  getServiceHealth: token('GetServiceHealth'),
  getReadiness: token('GetReadiness'),
  ensureEncryptionKey: token('EnsureEncryptionKey'),
  operations: token('Operations'),
  tools: token('InvokeTool'),
  proxy: token('ProxyAtlassian'),
  apiKeys: token('ApiKeys'),
  idempotency: token('IdempotentWrites'),
  callerAuthenticator: token('CallerAuthenticator'),
  audit: token('AuditTrail'),
  webhooks: token('WebhookSettings'),
  listEvents: token('ListEvents'),
  dispatcher: token('EventDispatcher'),
  jiraWebhooks: token('JiraWebhookRegistrations'),
  receiveJiraWebhook: token('ReceiveJiraWebhook'),
  pollers: token('ChangePollers'),
};

/** The inbound side's Atlassian calls (webhook API, Confluence page statuses). */
const INBOUND_GATEWAY = token<UndiciInboundGateway>('InboundGateway');

const DRIVERS: TokensOf<Drivers> = { routes: token('Routes'), openApiDocument: token('OpenApiDocument'), app: token('HttpApp') };

const DOCUMENT_INFO = (version: string) => ({
  title: 'integration-backend',
  version,
  description:
    'Multi-tenant Atlassian Jira and Confluence integration: OAuth 2.0 (3LO), connections, operations, agent tools. ' +
    'Every error has the body {status: "error", code, message, retry_after?, details?}. Requests Node refuses before routing ' +
    '(headers or URL too large: 431; not HTTP: 400) get the same body.',
});

const DOCUMENT_TAGS = [
  { name: 'health', description: 'Liveness and the detailed health of the service.' },
  { name: 'auth', description: 'Connecting a tenant to Atlassian with OAuth 2.0 (3LO); API keys; protected-resource metadata.' },
  { name: 'connectors', description: "The tenant's connections: read, rotate, switch site, save a token, disconnect." },
  { name: 'jira', description: 'Jira operations (also agent tools).' },
  { name: 'confluence', description: 'Confluence operations (also agent tools).' },
  { name: 'tools', description: 'The operations as agent tools, over REST and MCP.' },
  { name: 'events', description: "Events of the tenant's connections (and of Jira and Confluence): the pull feed and the webhook endpoint (docs/events.md)." },
  { name: 'proxy', description: "Any Jira or Confluence API path on the tenant's site, with its credentials: for trusted server-side callers (REST only)." },
  { name: 'docs', description: 'This document and Swagger UI.' },
];

/** Step 1: the adapters, from the configuration (or the overrides). */
function registerAdapters(
  c: DependencyContainer,
  config: Config,
  overrides: Overrides,
  database: OpenedDatabase | undefined,
  observed: { readonly metrics: ServiceMetrics; readonly budget: UpstreamBudget },
): void {
  provide(c, CONFIG, () => config);
  provide(c, ADAPTERS.metrics, () => observed.metrics);
  provide(c, ADAPTERS.budget, () => observed.budget);
  provide(c, ADAPTERS.concurrency, (r) => new TenantConcurrency(config.upstreamConcurrency, r.get(ADAPTERS.metrics)));
  provide(c, ADAPTERS.rateLimiter, () => {
    const limit = config.rateLimit;
    if (!limit) return undefined;
    const settings = { perMinute: limit.perMinute, burst: limit.burst };
    if (!limit.shared) return new InMemoryTenantRateLimiter(settings);
    // loadConfig refuses RATE_LIMIT_SHARED without PostgreSQL; an embedded store has no database to share.
    if (!database) throw new Error('RATE_LIMIT_SHARED=true needs the PostgreSQL database of INTEGRATION_DB_URL, not an embedded connection store.');
    return new KyselyTenantRateLimiter(database.db, settings);
  });
  provide(c, ADAPTERS.pino, () => overrides.log ?? createPinoLogger({ level: config.logLevel, pretty: config.logPretty ?? process.stdout.isTTY === true }));
  provide(c, ADAPTERS.logger, (r) => asLoggerPort(r.get(ADAPTERS.pino)));
  provide(c, ADAPTERS.clock, () => overrides.clock ?? systemClock);
  // This instance's own writes untrust the cached rows at once, before their notification comes back.
  provide(c, ADAPTERS.connections, (r) => overrides.connections ?? new KyselyConnectionStore(database!.db, { wrote: () => r.get(CONNECTION_CHANGES)?.writtenHere() }));
  provide(c, SCHEMA, () => (database ? new KyselySchemaCheck(database.db) : undefined));
  provide(c, ADAPTERS.nonces, () => overrides.nonces ?? (database ? new KyselyOAuthNonceStore(database.db) : new InMemoryOAuthNonceStore()));
  provide(c, ADAPTERS.meta, () => overrides.meta ?? (database ? new KyselyServiceMetaStore(database.db) : new InMemoryServiceMetaStore()));
  provide(c, ADAPTERS.auditLog, () => overrides.auditLog ?? (database ? new KyselyAuditLog(database.db) : new InMemoryAuditLog()));
  provide(c, ADAPTERS.events, (r) => {
    if (overrides.events) return overrides.events;
    const clock = r.get(ADAPTERS.clock);
    const now = (): Date => clock.now();
    if (database) return new KyselyEventOutbox(database.db, now);
    // An in-memory store records its writes' events in its own outbox: that is the service's.
    const store = r.get(ADAPTERS.connections);
    return store instanceof InMemoryConnectionStore ? store.outbox : new InMemoryEventOutbox(now);
  });
  provide(c, ADAPTERS.deliveries, (r) => {
    if (database && !overrides.events) return new KyselyEventDeliveries(database.db);
    const events = r.get(ADAPTERS.events);
    return events instanceof InMemoryEventOutbox ? events : undefined;
  });
  provide(c, ADAPTERS.webhookEndpoints, () => (database ? new KyselyWebhookEndpoints(database.db) : new InMemoryWebhookEndpoints()));
  provide(
    c,
    ADAPTERS.webhookSender,
    () =>
      overrides.webhookSender ??
      new UndiciWebhookSender({
        allowLoopback: config.events.allowHttpLoopback,
        timeoutMs: config.events.timeoutMs,
        ...(overrides.webhookLookup ? { lookup: overrides.webhookLookup } : {}),
      }),
  );
  provide(c, ADAPTERS.inbound, () => overrides.inbound ?? (database ? new KyselyInboundStore(database.db) : new InMemoryInboundStore()));
  provide(c, ADAPTERS.apiKeyStore, () => overrides.apiKeys ?? (database ? new KyselyApiKeyStore(database.db) : new InMemoryApiKeyStore()));
  provide(
    c,
    ADAPTERS.idempotencyStore,
    () => overrides.idempotency ?? (database ? new KyselyIdempotencyStore(database.db) : new InMemoryIdempotencyStore()),
  );
  provide(c, ADAPTERS.apiKeySecrets, () => new Sha256ApiKeySecrets());
  provide(c, ADAPTERS.cipher, (r) => {
    if (overrides.cipher) return overrides.cipher;
    const file = config.database.dialect === 'sqlite' ? config.database.filename : ':memory:';
    const keys = resolveEncryptionKeys({
      key: config.encryption.key,
      previousKey: config.encryption.previousKey,
      ...(file !== ':memory:' && !overrides.connections ? { keyFilePath: `${file}.key` } : {}),
    });
    if (keys.generatedKeyFile) {
      r.get(ADAPTERS.pino).warn(
        { file: keys.generatedKeyFile },
        'INTEGRATION_ENCRYPTION_KEY is not set: generated a key file (mode 0600) beside the database; back it up or set the variable',
      );
    }
    return new AesGcmCipher(keys.current, keys.previous);
  });
  provide(c, ADAPTERS.signer, (r) => {
    if (config.oauth.stateSigningSecret !== '') return new HmacStateSigner(config.oauth.stateSigningSecret);
    r.get(ADAPTERS.pino).warn({}, 'STATE_SIGNING_SECRET is not set: using a random per-process secret; sign-ins will not survive a restart or span instances');
    return new HmacStateSigner(randomBytes(32));
  });
  provide(c, ADAPTERS.http, () => overrides.atlassianHttp ?? createAtlassianHttp({ timeoutMs: config.atlassian.timeoutMs }));
  provide(
    c,
    ADAPTERS.authorization,
    (r) =>
      overrides.authorization ??
      new UndiciAtlassianAuthorization(
        r.get(ADAPTERS.http),
        {
          authBaseUrl: config.atlassian.authBaseUrl,
          apiBaseUrl: config.atlassian.apiBaseUrl,
          clientId: config.oauth.clientId,
          clientSecret: config.oauth.clientSecret,
        },
        r.get(ADAPTERS.metrics),
      ),
  );
  provide(c, ADAPTERS.siteUrlGuard, () => overrides.siteUrlGuard ?? new DnsSiteUrlGuard({ allowedHosts: config.atlassian.allowedHosts }));
  const callSettings = (r: Resolver) => ({
    retryBudgetMs: config.atlassian.retryBudgetMs,
    clock: r.get(ADAPTERS.clock),
    ...(overrides.retrySleep ? { sleep: overrides.retrySleep } : {}),
    ...(overrides.retryJitter ? { random: overrides.retryJitter } : {}),
    budget: r.get(ADAPTERS.budget),
    metrics: r.get(ADAPTERS.metrics),
    concurrency: r.get(ADAPTERS.concurrency),
  });
  const caller = (r: Resolver) => new AtlassianCaller(r.get(ADAPTERS.http), callSettings(r));
  provide(c, ADAPTERS.jira, (r) => overrides.jira ?? new UndiciJiraGateway(caller(r)));
  provide(c, ADAPTERS.confluence, (r) => overrides.confluence ?? new UndiciConfluenceGateway(caller(r)));
  provide(c, INBOUND_GATEWAY, (r) => new UndiciInboundGateway(caller(r)));
  provide(c, ADAPTERS.proxy, (r) => new UndiciAtlassianProxy(r.get(ADAPTERS.http), caller(r), { ...callSettings(r), maxResponseBytes: config.attachments.maxBytes }));
}

/** Step 2: the use cases, over the adapters. */
function registerUseCases(c: DependencyContainer, config: Config, overrides: Overrides): void {
  const a = ADAPTERS;
  provide(c, OAUTH_SETTINGS, () => ({
    clientId: config.oauth.clientId,
    redirectUri: config.oauth.redirectUri,
    scopes: config.oauth.scopes,
    authBaseUrl: config.atlassian.authBaseUrl,
    apiBaseUrl: config.atlassian.apiBaseUrl,
    pkce: config.oauth.pkce,
    frontendUrl: config.frontendUrl,
    allowedReturnOrigins: [config.frontendUrl, ...config.corsOrigins],
    preferredSiteUrl: config.atlassian.cloudBaseUrl,
    stateTtlSeconds: OAUTH_STATE_TTL_SECONDS,
  }));
  provide(c, FACTS, (r) => ({
    name: 'integration-backend',
    version: readPackageVersion(),
    startedAt: r.get(a.clock).now(),
    databaseDialect: overrides.connections ? 'custom' : config.database.dialect,
    oauthConfigured: config.oauth.clientId !== '' && config.oauth.redirectUri !== '',
  }));
  const u = USE_CASES;
  provide(
    c,
    u.audit,
    (r) => new AuditTrail({ log: r.get(a.auditLog), clock: r.get(a.clock), logger: r.get(a.logger), retentionDays: config.auditRetentionDays }),
  );
  provide(c, u.credentials, (r) => new CredentialCache({ cipher: r.get(a.cipher), logger: r.get(a.logger) }));
  provide(
    c,
    u.refresher,
    (r) =>
      new GrantRefresher({
        connections: r.get(a.connections),
        lease: r.get(a.connections),
        authorization: r.get(a.authorization),
        cipher: r.get(a.cipher),
        credentials: r.get(u.credentials),
        clock: r.get(a.clock),
        logger: r.get(a.logger),
        settings: { skewSeconds: config.tokenRefreshSkewSeconds, leaseMs: config.atlassian.timeoutMs + REFRESH_LEASE_MARGIN_MS },
        metrics: r.get(a.metrics),
        events: r.get(a.events),
      }),
  );
  provide(
    c,
    u.access,
    (r) =>
      new StoredCredentialAccess({
        connections: cachedConnections(r.get(a.connections), r.get(CONNECTION_CHANGES)),
        refresher: r.get(u.refresher),
        credentials: r.get(u.credentials),
        clock: r.get(a.clock),
        settings: { skewSeconds: config.tokenRefreshSkewSeconds, apiBaseUrl: config.atlassian.apiBaseUrl },
      }),
  );
  provide(c, u.startAuthorization, (r) => new StartJiraAuthorization({ settings: r.get(OAUTH_SETTINGS), signer: r.get(a.signer), clock: r.get(a.clock) }));
  provide(
    c,
    u.completeAuthorization,
    (r) =>
      new CompleteJiraAuthorization({
        settings: r.get(OAUTH_SETTINGS),
        signer: r.get(a.signer),
        nonces: r.get(a.nonces),
        authorization: r.get(a.authorization),
        cipher: r.get(a.cipher),
        connections: r.get(a.connections),
        clock: r.get(a.clock),
        audit: r.get(u.audit),
      }),
  );
  provide(
    c,
    u.saveAccessToken,
    (r) =>
      new SaveAccessToken({
        enabled: config.enableJiraPat,
        guard: r.get(a.siteUrlGuard),
        verifier: r.get(a.authorization),
        cipher: r.get(a.cipher),
        connections: r.get(a.connections),
        clock: r.get(a.clock),
      }),
  );
  provide(
    c,
    u.updateConnection,
    (r) =>
      new UpdateConnection({
        connections: r.get(a.connections),
        rotation: r.get(u.refresher),
        saveAccessToken: r.get(u.saveAccessToken),
        clock: r.get(a.clock),
      }),
  );
  provide(c, u.listConnectors, (r) => new ListConnectors({ connections: r.get(a.connections) }));
  provide(c, u.getConnection, (r) => new GetConnection({ connections: r.get(a.connections) }));
  provide(
    c,
    u.webhooks,
    (r) =>
      new WebhookSettings({
        endpoints: r.get(a.webhookEndpoints),
        guard: new WebhookUrlGuard({ allowLoopback: config.events.allowHttpLoopback, ...(overrides.webhookLookup ? { lookup: overrides.webhookLookup } : {}) }),
        cipher: r.get(a.cipher),
        clock: r.get(a.clock),
        globalUrl: config.events.webhookUrl,
      }),
  );
  provide(c, u.listEvents, (r) => new ListEvents({ events: r.get(a.events) }));
  provide(c, u.dispatcher, (r) => {
    const deliveries = r.get(a.deliveries);
    if (!deliveries) return undefined;
    const tuning = overrides.eventDispatch ?? {};
    return new EventDispatcher({
      deliveries,
      endpoints: r.get(a.webhookEndpoints),
      sender: r.get(a.webhookSender),
      cipher: r.get(a.cipher),
      clock: r.get(a.clock),
      logger: r.get(a.logger),
      settings: {
        ...DEFAULT_DISPATCH,
        timeoutMs: config.events.timeoutMs,
        ...Object.fromEntries(Object.entries(tuning).filter(([k]) => ['initialDelayMs', 'maxDelayMs', 'budgetMs', 'batch', 'timeoutMs'].includes(k))),
        globalUrl: config.events.webhookUrl,
        globalSecret: config.events.webhookSecret,
      },
      ...(tuning.random ? { random: tuning.random } : {}),
    });
  });
  provide(c, u.deleteConnection, (r) => {
    // Inbound (docs/events-inbound.md): the Jira webhooks are deleted at Atlassian while the token still exists, and the poll checkpoint is forgotten.
    const webhooks = r.get(u.jiraWebhooks);
    const pollers = r.get(u.pollers);
    return new DeleteConnection({
      connections: r.get(a.connections),
      clock: r.get(a.clock),
      beforeDelete: (tenantId, connector) =>
        pipe(
          webhooks ? webhooks.disconnecting(tenantId, connector) : TE.right<never, void>(undefined),
          TE.flatMap(() => pollers.forget(tenantId, connector)),
        ),
    });
  });
  provide(c, u.jiraWebhooks, (r) =>
    config.inbound.publicBaseUrl === ''
      ? undefined
      : new JiraWebhookRegistrations({
          connections: r.get(a.connections),
          access: r.get(u.access),
          api: r.get(INBOUND_GATEWAY),
          store: r.get(a.inbound),
          clock: r.get(a.clock),
          logger: r.get(a.logger),
          settings: {
            deliveryUrl: `${config.inbound.publicBaseUrl}/webhooks/jira`,
            projects: config.jiraProjectsFilter,
            refreshBeforeMs: WEBHOOK_REFRESH_BEFORE_MS,
            lifetimeMs: WEBHOOK_LIFETIME_MS,
          },
        }),
  );
  provide(
    c,
    u.receiveJiraWebhook,
    (r) =>
      new ReceiveJiraWebhook({
        verifier: new JoseWebhookVerifier(config.oauth.clientSecret, { now: () => r.get(a.clock).now(), clockToleranceSeconds: 0 }),
        store: r.get(a.inbound),
        outbox: r.get(a.events),
        connections: r.get(a.connections),
        clock: r.get(a.clock),
        logger: r.get(a.logger),
        markdown: (adf) => (isAdfDoc(adf) ? adfToMarkdown(adf).trimEnd() : typeof adf === 'string' ? adf : undefined),
      }),
  );
  provide(c, u.pollers, (r) => {
    const budget = r.get(a.budget);
    const clock = r.get(a.clock);
    return new ChangePollers({
      connections: r.get(a.connections),
      access: r.get(u.access),
      jira: r.get(a.jira),
      confluence: r.get(a.confluence),
      pages: r.get(INBOUND_GATEWAY),
      store: r.get(a.inbound),
      outbox: r.get(a.events),
      clock,
      logger: r.get(a.logger),
      held: (ctx) => {
        const { site, shared } = siteKeyOf(ctx.baseUrl);
        return budget.isHeld(site, shared, clock.now().getTime());
      },
      settings: {
        ...DEFAULT_POLLER_SETTINGS,
        projects: config.jiraProjectsFilter,
        spaces: config.confluenceSpacesFilter,
        minGapMs: (config.inbound.syncIntervalSeconds * 1000) / 2,
      },
    });
  });
  provide(c, LIFECYCLE, () => ({ draining: false }));
  provide(
    c,
    u.getReadiness,
    (r) =>
      new GetReadiness({
        database: r.get(a.connections),
        schema: r.get(SCHEMA),
        lifecycle: r.get(LIFECYCLE),
      }),
  );
  provide(
    c,
    u.getServiceHealth,
    (r) => new GetServiceHealth({ database: r.get(a.connections), clock: r.get(a.clock), facts: r.get(FACTS), upstream: r.get(a.budget) }),
  );
  provide(
    c,
    u.ensureEncryptionKey,
    (r) =>
      new EnsureEncryptionKey({
        cipher: r.get(a.cipher),
        meta: r.get(a.meta),
        connections: r.get(a.connections),
        clock: r.get(a.clock),
        logger: r.get(a.logger),
      }),
  );
  provide(c, u.operations, (r) =>
    auditedOperations(tracedOperations(bindOperations(OPERATIONS, {
      refresh: r.get(u.access),
      jira: r.get(a.jira),
      confluence: r.get(a.confluence),
      projects: { keys: config.jiraProjectsFilter },
      spaces: { keys: config.confluenceSpacesFilter },
      files: config.attachments,
      clock: r.get(a.clock),
    })), r.get(u.audit)),
  );
  provide(
    c,
    u.tools,
    (r) =>
      new InvokeTool({
        readOnly: config.toolsReadOnly,
        enabled: config.toolsEnabled,
        maxResultBytes: config.toolResultMaxBytes,
        operations: r.get(u.operations),
        idempotency: r.get(u.idempotency),
      }),
  );
  provide(
    c,
    u.idempotency,
    (r) =>
      new IdempotentWrites({
        store: r.get(a.idempotencyStore),
        clock: r.get(a.clock),
        ttlMs: config.idempotencyTtlHours * 3_600_000,
        lockMs: IDEMPOTENCY_LOCK_MS,
      }),
  );
  provide(
    c,
    u.proxy,
    (r) =>
      new ProxyAtlassian({
        refresh: r.get(u.access),
        proxy: r.get(a.proxy),
        settings: { enabled: config.proxyEnabled, readOnly: config.toolsReadOnly },
      }),
  );
  provide(c, u.apiKeys, (r) => new ApiKeys({ store: r.get(a.apiKeyStore), secrets: r.get(a.apiKeySecrets), clock: r.get(a.clock) }));
  provide(c, u.callerAuthenticator, (r) => {
    switch (config.auth.mode) {
      case 'open':
        return undefined;
      case 'api_key':
        return r.get(u.apiKeys);
      case 'jwt':
        return new JoseJwtAuthenticator({ ...config.auth.jwt, cooldownMs: config.auth.jwt.jwksCooldownSeconds * 1000 }, r.get(a.logger));
    }
  });
}

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback: where open mode is safe without a warning. */
const isLoopback = (address: string): boolean => /^127\./.test(address) || address === '::1' || /^::ffff:127\./i.test(address);

/** How often old audit entries are pruned (AUDIT_RETENTION_DAYS), unless an override says otherwise. */
const AUDIT_PRUNE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Prunes the audit entries older than AUDIT_RETENTION_DAYS now and then at every interval, on
 * an unref'd timer (it never keeps the process alive); answers the function that stops it.
 */
function startAuditPruning(audit: AuditTrail, logger: Logger, intervalMs: number): () => Promise<void> {
  return startPruning(() => audit.prune()(), 'audit entries', logger, intervalMs);
}

/** The same for the outbox: events (and their deliveries) older than EVENTS_RETENTION_DAYS. */
function startEventPruning(events: EventOutbox, clock: Clock, retentionDays: number, logger: Logger, intervalMs: number): () => Promise<void> {
  return startPruning(() => events.prune(new Date(clock.now().getTime() - retentionDays * 86_400_000))(), 'events', logger, intervalMs);
}

function startPruning(
  run: () => Promise<{ _tag: 'Left'; left: { message: string } } | { _tag: 'Right'; right: number }>,
  what: string,
  logger: Logger,
  intervalMs: number,
): () => Promise<void> {
  let running: Promise<void> | undefined;
  const prune = (): Promise<void> => (running ??= pruneOnce());
  const pruneOnce = async (): Promise<void> => {
    try {
      const pruned = await run();
      if (pruned._tag === 'Left') logger.warn({ err: pruned.left.message }, `${what} could not be pruned`);
      else if (pruned.right > 0) logger.info({ pruned: pruned.right }, `old ${what} pruned`);
    } finally {
      running = undefined;
    }
  };
  void prune();
  const timer = setInterval(() => void prune(), intervalMs);
  timer.unref();
  // Stopping waits for a prune under way, so the database is not closed beneath it.
  return async () => {
    clearInterval(timer);
    await running;
  };
}

/** How long the event dispatcher waits between rounds that found nothing to send. */
const DISPATCH_IDLE_MS = 1_000;
/**
 * How often the Jira webhook registrations are reconciled (a new OAuth connection gets its
 * webhooks within this long; a refresh is due days ahead). A round reads the store only,
 * and calls Atlassian for the tenants that need it.
 */
const WEBHOOK_RECONCILE_INTERVAL_MS = 60 * 1000;

/**
 * The inbound loops (docs/events-inbound.md): the Jira webhook reconcile (when PUBLIC_BASE_URL
 * is set) and the pollers every SYNC_INTERVAL_SECONDS, each round after a random ±10% of
 * the interval, on unref'd timers; answers the function that stops them (waiting for a round
 * under way).
 */
function startInboundLoops(config: Config, useCases: UseCases, logger: Logger): () => Promise<void> {
  const stops: Array<() => Promise<void>> = [];
  const loop = (name: string, intervalMs: number, work: (stopping: () => boolean) => Promise<unknown>, firstDelayMs: number): void => {
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> | undefined;
    let stopped = false;
    const stopping = (): boolean => stopped;
    const schedule = (delayMs: number): void => {
      if (stopped) return;
      timer = setTimeout(() => {
        running = work(stopping)
          .then(() => undefined)
          .catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, `${name} round failed`))
          .finally(() => {
            running = undefined;
            schedule(intervalMs * (0.9 + Math.random() * 0.2));
          });
      }, delayMs);
      timer.unref();
    };
    schedule(firstDelayMs);
    stops.push(async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    });
  };
  const webhooks = useCases.jiraWebhooks;
  if (webhooks) loop('jira webhook reconcile', WEBHOOK_RECONCILE_INTERVAL_MS, (stopping) => webhooks.reconcileAll(stopping), 1_000);
  else if (config.oauth.clientId !== '') logger.info({}, 'PUBLIC_BASE_URL is not set: Jira webhooks are off (Atlassian could not reach this service); the pollers still read changes');
  const intervalMs = config.inbound.syncIntervalSeconds * 1000;
  if (intervalMs > 0) loop('poll', intervalMs, (stopping) => useCases.pollers.pollAll(stopping), intervalMs * Math.random() * 0.2 + 1_000);
  // Delivery identifiers, replay keys and leases past their expiry.
  loop('inbound delivery prune', INBOUND_PRUNE_INTERVAL_MS, () => useCases.receiveJiraWebhook.prune(), 60_000);
  return async () => {
    await Promise.all(stops.map((s) => s()));
  };
}

/** How often the expired delivery keys of the inbound store are deleted. */
const INBOUND_PRUNE_INTERVAL_MS = 60 * 60 * 1000;

/** How long a connection may idle after its last answer while the service shuts down. */
const DRAINING_KEEP_ALIVE_MS = 250;

/**
 * How long the first request of an Idempotency-Key may run before a retry takes it as lost
 * (the process died mid-call) and runs: far beyond any call's timeout and retry budget.
 */
const IDEMPOTENCY_LOCK_MS = 5 * 60_000;

/** What a refresh lease outlives the token call's timeout by (the store's write, clock drift). */
const REFRESH_LEASE_MARGIN_MS = 3_000;

/** Step 3: the HTTP driver over the use cases. */
function registerDrivers(c: DependencyContainer, config: Config): void {
  const u = USE_CASES;
  provide(c, DRIVERS.routes, (r) => {
    const facts = r.get(FACTS);
    const tools = r.get(u.tools);
    // The MCP SDK is loaded on the first request, keeping it out of start-up.
    let mcpHttp: Promise<typeof McpHttp> | undefined;
    return [
      ...healthRoutes({ getServiceHealth: r.get(u.getServiceHealth), getReadiness: r.get(u.getReadiness) }),
      ...connectorRoutes({
        listConnectors: r.get(u.listConnectors),
        getConnection: r.get(u.getConnection),
        deleteConnection: r.get(u.deleteConnection),
        updateConnection: r.get(u.updateConnection),
        audit: r.get(u.audit),
      }),
      ...operationRoutes(r.get(u.operations), { uploadMaxBytes: config.attachments.maxBytes, idempotency: r.get(u.idempotency) }),
      ...toolRoutes(tools),
      ...proxyRoutes({
        proxy: r.get(u.proxy),
        limits: { jsonMaxBytes: config.bodyLimitBytes, multipartMaxBytes: config.attachments.maxBytes },
        audit: r.get(u.audit),
        idempotency: r.get(u.idempotency),
      }),
      ...mcpRoutes({
        serve: async (caller, req, res, body, requestId) => {
          const { serveMcpRequest } = await (mcpHttp ??= import('../adapters/mcp/mcp-http.js'));
          await serveMcpRequest({ tools, tenantId: caller.tenantId, caller, version: facts.version, ...(requestId !== undefined ? { requestId } : {}) }, req, res, body);
        },
        allowedOrigins: config.corsOrigins,
      }),
      ...authRoutes({
        start: r.get(u.startAuthorization),
        complete: r.get(u.completeAuthorization),
        redirectUris: () => ({
          redirect_uri: config.oauth.redirectUri || null,
          redirect_uris: config.oauth.redirectUri ? [config.oauth.redirectUri] : [],
          configured: config.oauth.clientId !== '' && config.oauth.redirectUri !== '',
        }),
      }),
      ...keyRoutes({ apiKeys: r.get(u.apiKeys), audit: r.get(u.audit) }),
      ...eventRoutes({ listEvents: r.get(u.listEvents), webhooks: r.get(u.webhooks), audit: r.get(u.audit) }),
      ...inboundRoutes({ receive: r.get(u.receiveJiraWebhook), maxBytes: config.bodyLimitBytes }),
      ...(config.auth.mode === 'open'
        ? []
        : protectedResourceRoutes({ resourceUrl: config.auth.resourceUrl, issuer: config.auth.mode === 'jwt' ? config.auth.jwt.issuer : undefined })),
      ...docsRoutes(() => r.get(DRIVERS.openApiDocument)()),
    ];
  });
  provide(c, DRIVERS.openApiDocument, (r) => {
    let document: JsonSchema | undefined;
    return () => (document ??= buildOpenApiDocument(r.get(DRIVERS.routes), DOCUMENT_INFO(r.get(FACTS).version), DOCUMENT_TAGS, config.auth.mode));
  });
  provide(c, DRIVERS.app, (r) => {
    const authenticator = r.get(u.callerAuthenticator);
    const rateLimiter = r.get(ADAPTERS.rateLimiter);
    const limiter =
      rateLimiter && config.rateLimit
        ? new TenantRequestLimit({
            limiter: rateLimiter,
            clock: r.get(ADAPTERS.clock),
            metrics: r.get(ADAPTERS.metrics),
            log: r.get(ADAPTERS.logger),
            perMinute: config.rateLimit.perMinute,
          })
        : undefined;
    return createHttpApp({
      routes: r.get(DRIVERS.routes),
      log: r.get(ADAPTERS.pino),
      corsOrigins: config.corsOrigins,
      bodyLimitBytes: config.bodyLimitBytes,
      ...(authenticator ? { auth: { authenticator, resourceUrl: config.auth.resourceUrl } } : {}),
      hsts: config.hsts,
      ...(limiter ? { limitTenant: (tenant) => limiter.admit(tenant) } : {}),
      ...(config.metrics ? { observe: (o) => r.get(ADAPTERS.metrics).httpRequest(o) } : {}),
    });
  });
}

/** The adapters and use cases, composed and checked; no HTTP server. */
export interface Core {
  readonly config: Config;
  readonly adapters: Adapters;
  readonly useCases: UseCases;
  /** Closes the Atlassian connection pool (unless it was an override) and the database. */
  close(): Promise<void>;
}

export interface Service extends Core, Drivers {
  /**
   * Listens on the configured host and port (port 0 picks a free one). The first call also
   * starts `/metrics` on METRICS_HOST:METRICS_PORT when metrics are on.
   */
  listen(port?: number, host?: string): Promise<{ server: Server; url: string }>;
  /** Where `/metrics` is served once listening (`http://127.0.0.1:9464`), or undefined. */
  metricsUrl(): string | undefined;
  /**
   * The graceful stop of SIGTERM: readiness answers 503 from now on, no new connection is
   * accepted, each connection closes shortly after its last answer, and requests in flight have
   * `graceMs` (SHUTDOWN_GRACE_SECONDS) to finish before what is left is cut; then `close`.
   */
  shutdown(graceMs?: number): Promise<void>;
}

async function compose(config: Config, overrides: Overrides, withDrivers: boolean): Promise<{ core: Core; c: DependencyContainer }> {
  if (config.database.dialect === 'postgres' && config.encryption.key === '' && !overrides.cipher && !overrides.connections) {
    // Beside SQLite a key file is generated; a shared database has no "beside", and instances
    // with keys of their own could not read each other's credentials.
    throw new Error(
      'INTEGRATION_DB_URL is PostgreSQL, so INTEGRATION_ENCRYPTION_KEY must be set (base64 of 32 bytes, the same on every instance); generate one with: openssl rand -base64 32',
    );
  }
  const budget = new UpstreamBudget();
  const clock = overrides.clock ?? systemClock;
  // prom-client is loaded only with METRICS_PORT: without it the service never parses it.
  const prometheus = config.metrics ? await import('../adapters/prometheus/prometheus-metrics.js') : undefined;
  const metrics: ServiceMetrics = prometheus ? new prometheus.PrometheusMetrics({ budget, now: () => clock.now().getTime() }) : NO_METRICS;
  // Told once if a pooler in front of PostgreSQL loses named statements; the logger exists only once the adapters do.
  let preparedStatementsOff = (reason: string): void => void reason;
  const database = overrides.connections
    ? undefined
    : await openDatabase(config.database, {
        ...(config.metrics ? { observeQuery: (seconds: number) => metrics.dbQuery(seconds) } : {}),
        preparedStatementsOff: (reason) => preparedStatementsOff(reason),
      });
  // Told when the LISTEN on connection rows starts or stops hearing; logged once the logger exists.
  let changesState = (live: boolean, reason: string): void => void [live, reason];
  // INTEGRATION_DB_LISTEN: PostgreSQL's LISTEN, or SQLite's data version read per request, spares the stamp read.
  const sqliteReads = database && config.database.dialect === 'sqlite' ? directSqliteReadsOf(database.db) : undefined;
  const changes =
    !database || config.database.listen === false
      ? undefined
      : config.database.dialect === 'postgres'
        ? new PostgresConnectionChanges({ url: config.database.url, db: database.db, onState: (live, reason) => changesState(live, reason) })
        : sqliteReads && new SqliteConnectionChanges(sqliteReads);
  const c = rootContainer.createChildContainer();
  provide(c, CONNECTION_CHANGES, () => changes);
  registerAdapters(c, config, overrides, database, { metrics, budget });
  registerUseCases(c, config, overrides);
  if (withDrivers) registerDrivers(c, config);
  const adapters = resolveAll(c, ADAPTERS);
  preparedStatementsOff = (reason) =>
    adapters.logger.warn(
      { reason },
      'PostgreSQL refused a named prepared statement (a pooler in transaction mode?): the connection stamp is read as a plain statement from now on; set INTEGRATION_DB_PREPARED_STATEMENTS=false to start that way',
    );
  changesState = (live, reason) =>
    live
      ? adapters.logger.info({}, 'Listening for changes to connection rows: the connection cache reads no stamp per request')
      : adapters.logger.warn(
          { reason },
          'Not hearing changes to connection rows: the connection cache reads each row\'s stamp per request until listening again (INTEGRATION_DB_LISTEN=false starts that way)',
        );
  const useCases = resolveAll(c, USE_CASES);
  // A key that cannot open the stored credentials stops the start, with a message saying why.
  const keyCheck = await useCases.ensureEncryptionKey.execute()();
  if (keyCheck._tag === 'Left') {
    await database?.close();
    throw new Error(keyCheck.left.message);
  }
  // Resolves once listening, or after a first failed attempt (it then tries again in the background).
  await changes?.start();
  let closing: Promise<void> | undefined;
  const core: Core = {
    config,
    adapters,
    useCases,
    // Idempotent: a second close (a signal during shutdown, a test's finally) waits for the first.
    close: () =>
      (closing ??= (async () => {
        if (!overrides.atlassianHttp) await adapters.http.close?.();
        await adapters.webhookSender.close?.();
        await changes?.close();
        await database?.close();
        await c.dispose();
      })()),
  };
  return { core, c };
}

/** The adapters and use cases without the HTTP driver (the MCP server over stdio uses this). */
export async function composeCore(config: Config, overrides: Overrides = {}): Promise<Core> {
  return (await compose(config, overrides, false)).core;
}

/** The whole service: adapters, use cases and the Koa app, built without listening. */
export async function createService(config: Config, overrides: Overrides = {}): Promise<Service> {
  const { core, c } = await compose(config, overrides, true);
  const prometheus = config.metrics ? await import('../adapters/prometheus/prometheus-metrics.js') : undefined;
  const drivers = resolveAll(c, DRIVERS);
  const lifecycle = resolve(c, LIFECYCLE);
  const stopPruning = startAuditPruning(core.useCases.audit, core.adapters.logger, overrides.auditPruneIntervalMs ?? AUDIT_PRUNE_INTERVAL_MS);
  const stopEventPruning = startEventPruning(
    core.adapters.events,
    core.adapters.clock,
    config.events.retentionDays,
    core.adapters.logger,
    overrides.auditPruneIntervalMs ?? AUDIT_PRUNE_INTERVAL_MS,
  );
  const dispatcher = core.useCases.dispatcher;
  const stopDispatching =
    dispatcher && overrides.eventDispatch?.start !== false
      ? startDispatching(dispatcher, core.adapters.logger, overrides.eventDispatch?.idleMs ?? DISPATCH_IDLE_MS)
      : async () => undefined;
  const stopInbound = overrides.inboundLoops === false ? async () => undefined : startInboundLoops(config, core.useCases, core.adapters.logger);
  const servers: Server[] = [];
  let metricsServer: Promise<{ server: Server; url: string }> | undefined;
  let metricsUrl: string | undefined;
  let closing: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  const startMetrics = async (): Promise<void> => {
    const { metrics } = core.adapters;
    if (!config.metrics || !prometheus || !(metrics instanceof prometheus.PrometheusMetrics)) return;
    const opened = await (metricsServer ??= prometheus.startMetricsServer(metrics as PrometheusMetrics, config.metrics.port, config.metrics.host));
    metricsUrl = opened.url;
  };
  /** Stops accepting; resolves when every connection has ended (or at once when none is open). */
  const stopAccepting = (s: Server): Promise<void> =>
    new Promise<void>((resolve) => {
      if (!s.listening) return resolve();
      // A connection still busy closes shortly after its last answer instead of idling for the
      // usual keep-alive time (a request already sent behind it is still served).
      s.keepAliveTimeout = DRAINING_KEEP_ALIVE_MS;
      // Node also closes the connections that are idle now.
      s.close(() => resolve());
    });
  const service: Service = {
    ...core,
    ...drivers,
    metricsUrl: () => metricsUrl,
    listen: async (port = config.port, host = config.host) => {
      await startMetrics();
      return new Promise((resolve, reject) => {
        const server = drivers.app.listen(port, host);
        server.on('clientError', answerClientError);
        servers.push(server);
        server.once('error', reject);
        server.once('listening', () => {
          const addr = server.address() as AddressInfo;
          if (config.auth.mode === 'open' && !isLoopback(addr.address)) {
            core.adapters.pino.warn(
              { address: addr.address, port: addr.port },
              'AUTH_MODE=open on a non-loopback address: anyone who reaches this port can act for any tenant with X-Tenant-Id; set AUTH_MODE=api_key or jwt unless only trusted callers can reach it',
            );
          }
          const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
          resolve({ server, url: `http://${shownHost === '0.0.0.0' ? '127.0.0.1' : shownHost}:${addr.port}` });
        });
      });
    },
    close: () =>
      (closing ??= (async () => {
        await stopDispatching();
        await stopPruning();
        await stopEventPruning();
        await stopInbound();
        const metricsOpen = metricsServer ? await metricsServer.catch(() => undefined) : undefined;
        await Promise.all(
          [...servers, ...(metricsOpen ? [metricsOpen.server] : [])].map(
            (s) =>
              new Promise<void>((resolve) => {
                s.close(() => resolve());
                s.closeAllConnections?.();
              }),
          ),
        );
        await core.close();
      })()),
    shutdown: (graceMs = config.shutdownGraceSeconds * 1000) =>
      (stopping ??= (async () => {
        lifecycle.draining = true;
        let timer: NodeJS.Timeout | undefined;
        const graceOver = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, graceMs);
        });
        await Promise.race([Promise.all(servers.map(stopAccepting)), graceOver]);
        clearTimeout(timer);
        await service.close();
      })()),
  };
  return service;
}
