/**
 * The composition root: the only module that knows tsyringe. It registers one
 * implementation per port token and builds the HTTP app. Tests and embedders call
 * `createService` with their own adapters in `overrides`.
 */
import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import type { Logger as Pino } from 'pino';
import { container as rootContainer, instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import { DeleteConnection } from '../application/delete-connection.js';
import { GetConnection } from '../application/get-connection.js';
import { GetServiceHealth, type ServiceFacts } from '../application/get-service-health.js';
import { ListConnectors } from '../application/list-connectors.js';
import type { Clock } from '../application/ports/clock.js';
import type { ConnectionStore } from '../application/ports/connection-store.js';
import type { Logger } from '../application/ports/logger.js';
import { answerClientError, createHttpApp } from '../adapters/http/app.js';
import { buildOpenApiDocument } from '../adapters/http/openapi.js';
import type { RouteSpec } from '../adapters/http/route-spec.js';
import type * as McpHttp from '../adapters/mcp/mcp-http.js';
import { connectorRoutes } from '../adapters/http/routes/connector-routes.js';
import { docsRoutes } from '../adapters/http/routes/docs-routes.js';
import { healthRoutes } from '../adapters/http/routes/health-routes.js';
import { mcpRoutes } from '../adapters/http/routes/mcp-routes.js';
import { randomBytes } from 'node:crypto';
import { CompleteJiraAuthorization } from '../application/complete-jira-authorization.js';
import { EnsureEncryptionKey } from '../application/ensure-encryption-key.js';
import type { OAuthSettings } from '../application/oauth-settings.js';
import type { AtlassianAuthorization, AtlassianTokenVerifier } from '../application/ports/atlassian-authorization.js';
import type { Cipher } from '../application/ports/cipher.js';
import type { OAuthNonceStore } from '../application/ports/oauth-nonce-store.js';
import type { ServiceMetaStore } from '../application/ports/service-meta-store.js';
import type { SiteUrlGuard } from '../application/ports/site-url-guard.js';
import type { StateSigner } from '../application/ports/state-signer.js';
import { RefreshCredentials } from '../application/refresh-credentials.js';
import { SaveAccessToken } from '../application/save-access-token.js';
import { StartJiraAuthorization } from '../application/start-jira-authorization.js';
import { UpdateConnection } from '../application/update-connection.js';
import { OAUTH_STATE_TTL_SECONDS } from '../domain/oauth-state.js';
import { AesGcmCipher } from '../adapters/crypto/aes-gcm-cipher.js';
import { resolveEncryptionKeys } from '../adapters/crypto/encryption-key.js';
import { HmacStateSigner } from '../adapters/crypto/hmac-state-signer.js';
import { createAtlassianHttp, type AtlassianHttp } from '../adapters/undici/http-transport.js';
import { UndiciAtlassianAuthorization } from '../adapters/undici/undici-atlassian-authorization.js';
import { authRoutes } from '../adapters/http/routes/auth-routes.js';
import { operationRoutes, toolRoutes } from '../adapters/http/routes/operation-routes.js';
import { AtlassianCaller } from '../adapters/undici/atlassian-call.js';
import { UndiciConfluenceGateway } from '../adapters/undici/undici-confluence-gateway.js';
import { UndiciJiraGateway } from '../adapters/undici/undici-jira-gateway.js';
import { bindOperations, OPERATIONS } from '../application/catalog/index.js';
import type { ConfluenceGateway, JiraGateway } from '../application/ports/atlassian-gateways.js';
import { InvokeTool } from '../application/tools.js';
import { KyselyOAuthNonceStore } from '../adapters/kysely/kysely-oauth-nonce-store.js';
import { KyselyServiceMetaStore } from '../adapters/kysely/kysely-service-meta-store.js';
import { InMemoryOAuthNonceStore, InMemoryServiceMetaStore } from '../adapters/memory/in-memory-stores.js';
import { DnsSiteUrlGuard } from '../adapters/net/dns-site-url-guard.js';
import { openDatabase, type OpenedDatabase } from '../adapters/kysely/database.js';
import { KyselyConnectionStore } from '../adapters/kysely/kysely-connection-store.js';
import { asLoggerPort, createPinoLogger } from '../adapters/pino/pino-logger.js';
import { systemClock } from '../adapters/system/system-clock.js';
import type { Config } from './config.js';
import { readPackageVersion } from './package-info.js';

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
  { name: 'auth', description: 'Connecting a tenant to Atlassian with OAuth 2.0 (3LO).' },
  { name: 'connectors', description: "The tenant's connections: read, rotate, switch site, save a token, disconnect." },
  { name: 'jira', description: 'Jira operations (also agent tools).' },
  { name: 'confluence', description: 'Confluence operations (also agent tools).' },
  { name: 'tools', description: 'The operations as agent tools, over REST and MCP.' },
  { name: 'docs', description: 'This document and Swagger UI.' },
];

export const TOKENS = {
  Config: Symbol('Config'),
  Pino: Symbol('Pino'),
  Logger: Symbol('Logger'),
  Clock: Symbol('Clock'),
  ConnectionStore: Symbol('ConnectionStore'),
  ServiceFacts: Symbol('ServiceFacts'),
  OAuthNonceStore: Symbol('OAuthNonceStore'),
  ServiceMetaStore: Symbol('ServiceMetaStore'),
  Cipher: Symbol('Cipher'),
  StateSigner: Symbol('StateSigner'),
  AtlassianHttp: Symbol('AtlassianHttp'),
  AtlassianAuthorization: Symbol('AtlassianAuthorization'),
  AtlassianTokenVerifier: Symbol('AtlassianTokenVerifier'),
  SiteUrlGuard: Symbol('SiteUrlGuard'),
  OAuthSettings: Symbol('OAuthSettings'),
  RefreshCredentials: Symbol('RefreshCredentials'),
  StartJiraAuthorization: Symbol('StartJiraAuthorization'),
  CompleteJiraAuthorization: Symbol('CompleteJiraAuthorization'),
  SaveAccessToken: Symbol('SaveAccessToken'),
  UpdateConnection: Symbol('UpdateConnection'),
  JiraGateway: Symbol('JiraGateway'),
  ConfluenceGateway: Symbol('ConfluenceGateway'),
  Operations: Symbol('Operations'),
  InvokeTool: Symbol('InvokeTool'),
  ListConnectors: Symbol('ListConnectors'),
  GetConnection: Symbol('GetConnection'),
  DeleteConnection: Symbol('DeleteConnection'),
  GetServiceHealth: Symbol('GetServiceHealth'),
  Routes: Symbol('Routes'),
} as const;

/** Adapters a test or an embedder may supply instead of the configured ones. */
export interface Overrides {
  readonly log?: Pino;
  readonly clock?: Clock;
  /** With a custom ConnectionStore, the nonce and metadata stores default to in-memory ones. */
  readonly connections?: ConnectionStore;
  readonly nonces?: OAuthNonceStore;
  readonly meta?: ServiceMetaStore;
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

export interface Service {
  readonly app: Koa;
  readonly container: DependencyContainer;
  readonly config: Config;
  /** Listens on the configured host and port (port 0 picks a free one). */
  listen(port?: number, host?: string): Promise<{ server: Server; url: string }>;
  close(): Promise<void>;
}

const singleton = <T>(c: DependencyContainer, token: symbol, make: (c: DependencyContainer) => T): void => {
  c.register<T>(token, { useFactory: instanceCachingFactory<T>(make) });
};

export async function createService(config: Config, overrides: Overrides = {}): Promise<Service> {
  const c = rootContainer.createChildContainer();
  const log = overrides.log ?? createPinoLogger({ level: config.logLevel, pretty: config.logPretty ?? process.stdout.isTTY === true });
  if (config.database.dialect === 'postgres' && config.encryption.key === '' && !overrides.cipher && !overrides.connections) {
    // Beside SQLite a key file is generated; a shared database has no "beside", and instances
    // with keys of their own could not read each other's credentials.
    throw new Error(
      'INTEGRATION_DB_URL is PostgreSQL, so INTEGRATION_ENCRYPTION_KEY must be set (base64 of 32 bytes, the same on every instance); generate one with: openssl rand -base64 32',
    );
  }
  let database: OpenedDatabase | undefined;
  if (!overrides.connections) database = await openDatabase(config.database);

  c.register(TOKENS.Config, { useValue: config });
  c.register(TOKENS.Pino, { useValue: log });
  singleton<Logger>(c, TOKENS.Logger, () => asLoggerPort(log));
  c.register(TOKENS.Clock, { useValue: overrides.clock ?? systemClock });
  singleton<ConnectionStore>(c, TOKENS.ConnectionStore, () =>
    overrides.connections ?? new KyselyConnectionStore(database!.db),
  );
  singleton<OAuthNonceStore>(c, TOKENS.OAuthNonceStore, () =>
    overrides.nonces ?? (database ? new KyselyOAuthNonceStore(database.db) : new InMemoryOAuthNonceStore()),
  );
  singleton<ServiceMetaStore>(c, TOKENS.ServiceMetaStore, () =>
    overrides.meta ?? (database ? new KyselyServiceMetaStore(database.db) : new InMemoryServiceMetaStore()),
  );
  singleton<Cipher>(c, TOKENS.Cipher, () => {
    if (overrides.cipher) return overrides.cipher;
    const file = config.database.dialect === 'sqlite' ? config.database.filename : ':memory:';
    const keys = resolveEncryptionKeys({
      key: config.encryption.key,
      previousKey: config.encryption.previousKey,
      ...(file !== ':memory:' && !overrides.connections ? { keyFilePath: `${file}.key` } : {}),
    });
    if (keys.generatedKeyFile) {
      log.warn({ file: keys.generatedKeyFile }, 'INTEGRATION_ENCRYPTION_KEY is not set: generated a key file (mode 0600) beside the database; back it up or set the variable');
    }
    return new AesGcmCipher(keys.current, keys.previous);
  });
  singleton<StateSigner>(c, TOKENS.StateSigner, () => {
    if (config.oauth.stateSigningSecret !== '') return new HmacStateSigner(config.oauth.stateSigningSecret);
    log.warn({}, 'STATE_SIGNING_SECRET is not set: using a random per-process secret; sign-ins will not survive a restart or span instances');
    return new HmacStateSigner(randomBytes(32));
  });
  singleton<AtlassianHttp>(c, TOKENS.AtlassianHttp, () => overrides.atlassianHttp ?? createAtlassianHttp({ timeoutMs: config.atlassian.timeoutMs }));
  singleton<UndiciAtlassianAuthorization | (AtlassianAuthorization & AtlassianTokenVerifier)>(c, TOKENS.AtlassianAuthorization, (r) =>
    overrides.authorization ??
    new UndiciAtlassianAuthorization(r.resolve(TOKENS.AtlassianHttp), {
      authBaseUrl: config.atlassian.authBaseUrl,
      apiBaseUrl: config.atlassian.apiBaseUrl,
      clientId: config.oauth.clientId,
      clientSecret: config.oauth.clientSecret,
    }),
  );
  c.register(TOKENS.AtlassianTokenVerifier, { useToken: TOKENS.AtlassianAuthorization });
  singleton<SiteUrlGuard>(c, TOKENS.SiteUrlGuard, () =>
    overrides.siteUrlGuard ?? new DnsSiteUrlGuard({ allowedHosts: config.atlassian.allowedHosts }),
  );
  singleton<OAuthSettings>(c, TOKENS.OAuthSettings, () => ({
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
  singleton<ServiceFacts>(c, TOKENS.ServiceFacts, (r) => ({
    name: 'integration-backend',
    version: readPackageVersion(),
    startedAt: r.resolve<Clock>(TOKENS.Clock).now(),
    databaseDialect: overrides.connections ? 'custom' : config.database.dialect,
    oauthConfigured: config.oauth.clientId !== '' && config.oauth.redirectUri !== '',
  }));

  const connections = (r: DependencyContainer) => ({ connections: r.resolve<ConnectionStore>(TOKENS.ConnectionStore) });
  singleton(c, TOKENS.ListConnectors, (r) => new ListConnectors(connections(r)));
  singleton(c, TOKENS.GetConnection, (r) => new GetConnection(connections(r)));
  singleton(c, TOKENS.DeleteConnection, (r) => new DeleteConnection(connections(r)));
  singleton(
    c,
    TOKENS.GetServiceHealth,
    (r) =>
      new GetServiceHealth({
        ...connections(r),
        clock: r.resolve<Clock>(TOKENS.Clock),
        facts: r.resolve<ServiceFacts>(TOKENS.ServiceFacts),
      }),
  );
  const clockOf = (r: DependencyContainer) => r.resolve<Clock>(TOKENS.Clock);
  singleton(
    c,
    TOKENS.RefreshCredentials,
    (r) =>
      new RefreshCredentials({
        ...connections(r),
        authorization: r.resolve(TOKENS.AtlassianAuthorization),
        cipher: r.resolve(TOKENS.Cipher),
        clock: clockOf(r),
        logger: r.resolve(TOKENS.Logger),
        settings: { skewSeconds: config.tokenRefreshSkewSeconds, apiBaseUrl: config.atlassian.apiBaseUrl },
      }),
  );
  singleton(
    c,
    TOKENS.StartJiraAuthorization,
    (r) => new StartJiraAuthorization({ settings: r.resolve(TOKENS.OAuthSettings), signer: r.resolve(TOKENS.StateSigner), clock: clockOf(r) }),
  );
  singleton(
    c,
    TOKENS.CompleteJiraAuthorization,
    (r) =>
      new CompleteJiraAuthorization({
        ...connections(r),
        settings: r.resolve(TOKENS.OAuthSettings),
        signer: r.resolve(TOKENS.StateSigner),
        nonces: r.resolve(TOKENS.OAuthNonceStore),
        authorization: r.resolve(TOKENS.AtlassianAuthorization),
        cipher: r.resolve(TOKENS.Cipher),
        clock: clockOf(r),
      }),
  );
  singleton(
    c,
    TOKENS.SaveAccessToken,
    (r) =>
      new SaveAccessToken({
        ...connections(r),
        enabled: config.enableJiraPat,
        guard: r.resolve(TOKENS.SiteUrlGuard),
        verifier: r.resolve(TOKENS.AtlassianTokenVerifier),
        cipher: r.resolve(TOKENS.Cipher),
        clock: clockOf(r),
      }),
  );
  singleton(
    c,
    TOKENS.UpdateConnection,
    (r) =>
      new UpdateConnection({
        ...connections(r),
        refresh: r.resolve(TOKENS.RefreshCredentials),
        saveAccessToken: r.resolve(TOKENS.SaveAccessToken),
        clock: clockOf(r),
      }),
  );

  const caller = (r: DependencyContainer) =>
    new AtlassianCaller(r.resolve(TOKENS.AtlassianHttp), {
      retryBudgetMs: config.atlassian.retryBudgetMs,
      clock: clockOf(r),
      ...(overrides.retrySleep ? { sleep: overrides.retrySleep } : {}),
      ...(overrides.retryJitter ? { random: overrides.retryJitter } : {}),
    });
  singleton<JiraGateway>(c, TOKENS.JiraGateway, (r) => overrides.jira ?? new UndiciJiraGateway(caller(r)));
  singleton<ConfluenceGateway>(c, TOKENS.ConfluenceGateway, (r) => overrides.confluence ?? new UndiciConfluenceGateway(caller(r)));

  singleton(c, TOKENS.Operations, (r) =>
    bindOperations(OPERATIONS, {
      refresh: r.resolve<RefreshCredentials>(TOKENS.RefreshCredentials),
      jira: r.resolve<JiraGateway>(TOKENS.JiraGateway),
      confluence: r.resolve<ConfluenceGateway>(TOKENS.ConfluenceGateway),
    }),
  );
  singleton(c, TOKENS.InvokeTool, (r) => new InvokeTool({ readOnly: config.toolsReadOnly, operations: r.resolve(TOKENS.Operations) }));

  // A key that cannot open the stored credentials stops the start, with a message saying why.
  const keyCheck = await new EnsureEncryptionKey({
    cipher: c.resolve(TOKENS.Cipher),
    meta: c.resolve(TOKENS.ServiceMetaStore),
    connections: c.resolve(TOKENS.ConnectionStore),
    clock: c.resolve(TOKENS.Clock),
    logger: c.resolve(TOKENS.Logger),
  }).execute()();
  if (keyCheck._tag === 'Left') {
    await database?.close();
    throw new Error(keyCheck.left.message);
  }
  // The random state secret (if any) is chosen, and warned about, at start rather than on first login.
  c.resolve(TOKENS.StateSigner);

  // Resolve the facts now so uptime counts from start, not from the first health check.
  c.resolve(TOKENS.ServiceFacts);

  singleton<RouteSpec[]>(c, TOKENS.Routes, (r) => {
    const routes: RouteSpec[] = [];
    let document: ReturnType<typeof buildOpenApiDocument> | undefined;
    let mcpHttp: Promise<typeof McpHttp> | undefined;
    const facts = r.resolve<ServiceFacts>(TOKENS.ServiceFacts);
    routes.push(
      ...healthRoutes({ getServiceHealth: r.resolve(TOKENS.GetServiceHealth) }),
      ...connectorRoutes({
        listConnectors: r.resolve(TOKENS.ListConnectors),
        getConnection: r.resolve(TOKENS.GetConnection),
        deleteConnection: r.resolve(TOKENS.DeleteConnection),
        updateConnection: r.resolve(TOKENS.UpdateConnection),
      }),
      ...operationRoutes(r.resolve(TOKENS.Operations)),
      ...toolRoutes(r.resolve(TOKENS.InvokeTool)),
      ...mcpRoutes({
        // The MCP SDK is loaded on the first request, keeping it out of start-up.
        serve: async (tenantId, req, res, body) => {
          const { serveMcpRequest } = await (mcpHttp ??= import('../adapters/mcp/mcp-http.js'));
          await serveMcpRequest({ tools: r.resolve(TOKENS.InvokeTool), tenantId, version: facts.version }, req, res, body);
        },
        allowedOrigins: config.corsOrigins,
      }),
      ...authRoutes({
        start: r.resolve(TOKENS.StartJiraAuthorization),
        complete: r.resolve(TOKENS.CompleteJiraAuthorization),
        redirectUris: () => ({
          redirect_uri: config.oauth.redirectUri || null,
          redirect_uris: config.oauth.redirectUri ? [config.oauth.redirectUri] : [],
          configured: config.oauth.clientId !== '' && config.oauth.redirectUri !== '',
        }),
      }),
      ...docsRoutes(() =>
        (document ??= buildOpenApiDocument(routes, DOCUMENT_INFO(facts.version), DOCUMENT_TAGS)),
      ),
    );
    return routes;
  });

  const app = createHttpApp({
    routes: c.resolve<RouteSpec[]>(TOKENS.Routes),
    log,
    corsOrigins: config.corsOrigins,
    bodyLimitBytes: config.bodyLimitBytes,
  });

  const servers: Server[] = [];
  let closing: Promise<void> | undefined;
  return {
    app,
    container: c,
    config,
    listen: (port = config.port, host = config.host) =>
      new Promise((resolve, reject) => {
        const server = app.listen(port, host);
        server.on('clientError', answerClientError);
        servers.push(server);
        server.once('error', reject);
        server.once('listening', () => {
          const addr = server.address() as AddressInfo;
          const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
          resolve({ server, url: `http://${shownHost === '0.0.0.0' ? '127.0.0.1' : shownHost}:${addr.port}` });
        });
      }),
    // Idempotent: a second close (a signal during shutdown, a test's finally) waits for the first.
    close: () =>
      (closing ??= (async () => {
        await Promise.all(
          servers.map(
            (s) =>
              new Promise<void>((resolve) => {
                s.close(() => resolve());
                s.closeAllConnections?.();
              }),
          ),
        );
        if (!overrides.atlassianHttp) await c.resolve<AtlassianHttp>(TOKENS.AtlassianHttp).close?.();
        await database?.close();
        await c.dispose();
      })()),
  };
}
