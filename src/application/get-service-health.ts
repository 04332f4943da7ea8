import { pipe } from 'fp-ts/lib/function.js';
import * as T from 'fp-ts/lib/Task.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { CONNECTOR_IDS, type ConnectorId } from '../domain/connector.js';
import type { Clock } from './ports/clock.js';
import type { StoreProbe } from './ports/connection-store.js';
import type { BudgetSnapshot } from '../domain/upstream-budget.js';

export interface ServiceHealth {
  readonly status: 'ok' | 'degraded';
  readonly service: string;
  readonly version: string;
  readonly uptime_seconds: number;
  readonly database: { readonly reachable: boolean; readonly dialect: string };
  readonly connectors: ReadonlyArray<{ readonly id: ConnectorId; readonly oauth_configured: boolean }>;
  readonly time: string;
  /** The upstream budget's state, when the service keeps one. */
  readonly upstream?: BudgetSnapshot;
}

export interface ServiceFacts {
  readonly name: string;
  readonly version: string;
  readonly startedAt: Date;
  readonly databaseDialect: string;
  /** True when the OAuth client id and redirect URI are configured. Never the values. */
  readonly oauthConfigured: boolean;
}

/** The detailed health object of `GET /`: it asks the database for real, and says nothing secret. */
export class GetServiceHealth {
  constructor(
    private readonly ports: {
      database: StoreProbe;
      clock: Clock;
      facts: ServiceFacts;
      upstream?: { snapshot(now: number): BudgetSnapshot };
    },
  ) {}

  execute(): T.Task<ServiceHealth> {
    const { database, clock, facts, upstream } = this.ports;
    return pipe(
      database.ping(),
      TE.match(
        () => false,
        () => true,
      ),
      T.map((reachable) => {
        const now = clock.now();
        return {
          status: reachable ? 'ok' : 'degraded',
          service: facts.name,
          version: facts.version,
          uptime_seconds: Math.round((now.getTime() - facts.startedAt.getTime()) / 1000),
          database: { reachable, dialect: facts.databaseDialect },
          connectors: CONNECTOR_IDS.map((id) => ({ id, oauth_configured: facts.oauthConfigured })),
          time: now.toISOString(),
          ...(upstream ? { upstream: upstream.snapshot(now.getTime()) } : {}),
        };
      }),
    );
  }
}
