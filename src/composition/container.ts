/**
 * The composition root: the only module that knows tsyringe. It registers one
 * implementation per port token and builds the HTTP app. Tests and embedders call
 * `createService` with their own adapters in `overrides`.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
import { createHttpApp } from '../adapters/http/app.js';
import { buildOpenApiDocument } from '../adapters/http/openapi.js';
import type { RouteSpec } from '../adapters/http/route-spec.js';
import { connectorRoutes } from '../adapters/http/routes/connector-routes.js';
import { docsRoutes } from '../adapters/http/routes/docs-routes.js';
import { healthRoutes } from '../adapters/http/routes/health-routes.js';
import { openDatabase, type OpenedDatabase } from '../adapters/kysely/database.js';
import { KyselyConnectionStore } from '../adapters/kysely/kysely-connection-store.js';
import { asLoggerPort, createPinoLogger } from '../adapters/pino/pino-logger.js';
import { systemClock } from '../adapters/system/system-clock.js';
import type { Config } from './config.js';

export const TOKENS = {
  Config: Symbol('Config'),
  Pino: Symbol('Pino'),
  Logger: Symbol('Logger'),
  Clock: Symbol('Clock'),
  ConnectionStore: Symbol('ConnectionStore'),
  ServiceFacts: Symbol('ServiceFacts'),
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
  readonly connections?: ConnectionStore;
}

export interface Service {
  readonly app: Koa;
  readonly container: DependencyContainer;
  readonly config: Config;
  /** Listens on the configured host and port (port 0 picks a free one). */
  listen(port?: number, host?: string): Promise<{ server: Server; url: string }>;
  close(): Promise<void>;
}

const readPackageVersion = (): string => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i += 1) {
    const candidate = path.join(dir, 'package.json');
    if (fs.existsSync(candidate)) {
      const pkg = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'integration-backend') return pkg.version ?? '0.0.0';
    }
    dir = path.dirname(dir);
  }
  return '0.0.0';
};

const singleton = <T>(c: DependencyContainer, token: symbol, make: (c: DependencyContainer) => T): void => {
  c.register<T>(token, { useFactory: instanceCachingFactory<T>(make) });
};

export async function createService(config: Config, overrides: Overrides = {}): Promise<Service> {
  const c = rootContainer.createChildContainer();
  const log = overrides.log ?? createPinoLogger({ level: config.logLevel, pretty: config.logPretty || process.stdout.isTTY === true });
  let database: OpenedDatabase | undefined;
  if (!overrides.connections) database = await openDatabase(config.database);

  c.register(TOKENS.Config, { useValue: config });
  c.register(TOKENS.Pino, { useValue: log });
  singleton<Logger>(c, TOKENS.Logger, () => asLoggerPort(log));
  c.register(TOKENS.Clock, { useValue: overrides.clock ?? systemClock });
  singleton<ConnectionStore>(c, TOKENS.ConnectionStore, () =>
    overrides.connections ?? new KyselyConnectionStore(database!.db),
  );
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
  // Resolve the facts now so uptime counts from start, not from the first health check.
  c.resolve(TOKENS.ServiceFacts);

  singleton<RouteSpec[]>(c, TOKENS.Routes, (r) => {
    const routes: RouteSpec[] = [];
    let document: ReturnType<typeof buildOpenApiDocument> | undefined;
    const facts = r.resolve<ServiceFacts>(TOKENS.ServiceFacts);
    routes.push(
      ...healthRoutes({ getServiceHealth: r.resolve(TOKENS.GetServiceHealth) }),
      ...connectorRoutes({
        listConnectors: r.resolve(TOKENS.ListConnectors),
        getConnection: r.resolve(TOKENS.GetConnection),
        deleteConnection: r.resolve(TOKENS.DeleteConnection),
      }),
      ...docsRoutes(() =>
        (document ??= buildOpenApiDocument(routes, {
          title: 'integration-backend',
          version: facts.version,
          description: 'Multi-tenant Atlassian Jira and Confluence integration: OAuth 2.0 (3LO), connections, operations, agent tools.',
        })),
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
  return {
    app,
    container: c,
    config,
    listen: (port = config.port, host = config.host) =>
      new Promise((resolve, reject) => {
        const server = app.listen(port, host);
        servers.push(server);
        server.once('error', reject);
        server.once('listening', () => {
          const addr = server.address() as AddressInfo;
          const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
          resolve({ server, url: `http://${shownHost === '0.0.0.0' ? '127.0.0.1' : shownHost}:${addr.port}` });
        });
      }),
    close: async () => {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections?.();
            }),
        ),
      );
      await database?.close();
      c.dispose?.();
    },
  };
}
