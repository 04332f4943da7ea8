import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { tokenIsFresh, type Connection } from '../domain/connection.js';
import type { ConnectorId } from '../domain/connector.js';
import type { Credentials, TokenSet } from '../domain/credentials.js';
import { AppError } from '../domain/errors.js';
import type { TenantId } from '../domain/tenant.js';
import type { AtlassianAuthorization } from './ports/atlassian-authorization.js';
import type { Cipher } from './ports/cipher.js';
import type { Clock } from './ports/clock.js';
import type { ConnectionRepository, RefreshLease } from './ports/connection-store.js';
import type { CredentialOpener } from './ports/credential-opener.js';
import type { GrantRefresh, GrantRotation } from './ports/grant-refresh.js';
import type { Logger } from './ports/logger.js';
import { NO_METRICS, type ServiceMetrics } from './ports/metrics.js';
import { loadUsableConnection, reconnect } from './usable-connection.js';
import { connectionEvent, refreshFailedId } from './connection-events.js';
import type { EventOutbox } from './ports/event-outbox.js';

export interface RefreshSettings {
  /** A token that expires within this many seconds is refreshed (and one fresher is left alone). */
  readonly skewSeconds: number;
  /**
   * How long a refresh lease holds before another process may take over a stuck refresh: no
   * longer than the token call may take (its timeout) plus a small margin, so a process that
   * died mid-refresh holds up the callers with expired tokens for no longer than that.
   */
  readonly leaseMs?: number;
  /** How long a caller waits for someone else's refresh before giving up. */
  readonly waitMs?: number;
  readonly pollMs?: number;
}

/** The lease without `leaseMs`: the default token-call timeout (10 s, ATLASSIAN_TIMEOUT_MS) plus the composition root's 3 s margin. */
const DEFAULT_LEASE_MS = 13_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Refreshes an OAuth grant at most once at a time: in this process through a shared
 * in-flight promise, across processes through a lease in the connection rows. The rotated
 * pair is stored before the new access token is handed out, because Atlassian disables the
 * old refresh token as soon as it issues a new one. A refused refresh token marks the
 * grant `needs_reauth` instead of being retried.
 */
export class GrantRefresher implements GrantRefresh, GrantRotation {
  private readonly inFlight = new Map<string, Promise<E.Either<AppError, Connection>>>();
  private readonly owner = randomUUID();

  constructor(
    private readonly ports: {
      connections: Pick<ConnectionRepository, 'find'>;
      lease: RefreshLease;
      authorization: Pick<AtlassianAuthorization, 'refresh'>;
      cipher: Pick<Cipher, 'encrypt'>;
      credentials: CredentialOpener;
      clock: Clock;
      logger: Logger;
      settings: RefreshSettings;
      metrics?: ServiceMetrics;
      /** Where connection.refresh_failed is recorded (no row is written on a transient failure). */
      events?: Pick<EventOutbox, 'record'>;
    },
  ) {}

  private get metrics(): ServiceMetrics {
    return this.ports.metrics ?? NO_METRICS;
  }

  rotate(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<AppError, Connection> {
    return pipe(
      loadUsableConnection(this.ports.connections, tenantId, connector),
      TE.flatMap((conn) =>
        conn.authType === 'oauth'
          ? this.refresh(conn, true)
          : TE.left(AppError.validation('rotate applies to OAuth connections; a token connection is rotated by saving a new token.')),
      ),
    );
  }

  refresh(seen: Connection, force: boolean): TE.TaskEither<AppError, Connection> {
    const grantId = seen.grantId;
    if (grantId === null) return TE.left(reconnect(seen.connector));
    const key = `${seen.tenantId}\u0000${grantId}`;
    return () => {
      let running = this.inFlight.get(key);
      if (!running) {
        running = this.coordinate(seen, grantId, force)().finally(() => this.inFlight.delete(key));
        this.inFlight.set(key, running);
      }
      return running;
    };
  }

  /** Someone refreshed after we read `seen` when the row's version moved on. */
  private refreshedSince(seen: Connection, now: Connection): boolean {
    return now.version !== seen.version && (now.refreshedAt?.getTime() ?? 0) > (seen.refreshedAt?.getTime() ?? 0);
  }

  private coordinate(seen: Connection, grantId: string, force: boolean): TE.TaskEither<AppError, Connection> {
    const { connections, lease, clock, settings } = this.ports;
    const leaseMs = settings.leaseMs ?? DEFAULT_LEASE_MS;
    const waitMs = settings.waitMs ?? leaseMs + 5_000;
    const pollMs = settings.pollMs ?? 50;
    return async () => {
      const deadline = clock.now().getTime() + waitMs;
      let waitedSince: number | undefined;
      const waited = <R>(result: R): R => {
        if (waitedSince !== undefined) this.metrics.leaseWait((clock.now().getTime() - waitedSince) / 1000);
        return result;
      };
      for (;;) {
        const now = clock.now();
        const acquired = await lease.tryAcquireRefreshLease(seen.tenantId, grantId, this.owner, now, new Date(now.getTime() + leaseMs))();
        if (E.isLeft(acquired)) return waited(acquired);
        const current = await loadUsableConnection(connections, seen.tenantId, seen.connector)();
        if (E.isLeft(current)) {
          if (acquired.right) await lease.releaseRefreshLease(seen.tenantId, grantId, this.owner)();
          return waited(current);
        }
        const done = this.refreshedSince(seen, current.right) || (!force && tokenIsFresh(current.right, clock.now(), settings.skewSeconds));
        if (acquired.right) {
          if (done) {
            await lease.releaseRefreshLease(seen.tenantId, grantId, this.owner)();
            return waited(current);
          }
          return waited(await this.refreshHoldingLease(current.right, grantId)());
        }
        if (done) return waited(current);
        // Someone else is refreshing: a token that has not expired is good until they finish.
        if (!force && tokenIsFresh(current.right, clock.now(), 0)) return waited(current);
        if (clock.now().getTime() > deadline) {
          return waited(E.left(AppError.vendor('Timed out waiting for another instance to refresh the Atlassian token; try again.')));
        }
        waitedSince ??= clock.now().getTime();
        await sleep(pollMs);
      }
    };
  }

  private refreshHoldingLease(conn: Connection, grantId: string): TE.TaskEither<AppError, Connection> {
    const { connections, lease, authorization, cipher, credentials, clock, logger } = this.ports;
    const release = () => lease.releaseRefreshLease(conn.tenantId, grantId, this.owner);
    return pipe(
      TE.fromEither(credentials.open(conn)),
      TE.flatMap((creds) => (creds.kind === 'oauth' && creds.refresh_token ? TE.right(creds.refresh_token) : TE.left(reconnect(conn.connector)))),
      // Nothing was asked of Atlassian: give the lease back and report.
      TE.orElse((error) => pipe(release(), TE.flatMap(() => TE.left<AppError, string>(error)))),
      TE.flatMap((refreshToken) =>
        pipe(
          authorization.refresh(refreshToken),
          TE.orElse((error): TE.TaskEither<AppError, TokenSet> => {
            const refused = error.code === 'TOKEN_EXPIRED';
            this.metrics.tokenRefresh(refused ? 'needs_reauth' : 'failed');
            return pipe(
              refused
                ? pipe(
                    lease.markNeedsReauth(conn.tenantId, grantId, clock.now(), (marked) =>
                      marked.map((row) => connectionEvent('connection.needs_reauth', row, row.updatedAt)),
                    ),
                    TE.tap(() =>
                      TE.fromIO(() =>
                        logger.warn({ tenant: conn.tenantId, connector: conn.connector }, 'Atlassian refused the refresh token; connection needs re-authorization'),
                      ),
                    ),
                    TE.map(() => reconnect(conn.connector)),
                  )
                : pipe(
                    release(),
                    TE.tap(() =>
                      TE.fromIO(() =>
                        // A refresh ahead of expiry fails no request (they keep the token they have): this line is where it shows.
                        logger.warn({ tenant: conn.tenantId, connector: conn.connector, code: error.code, err: error.message }, 'refreshing the Atlassian token failed; the next call due for one tries again'),
                      ),
                    ),
                    TE.flatMap(() => this.recordRefreshFailed(conn, error)),
                    TE.map(() => error),
                  ),
              TE.flatMap((e) => TE.left<AppError, TokenSet>(e)),
            );
          }),
        ),
      ),
      TE.flatMap((tokens) => {
        const now = clock.now();
        const sealed = cipher.encrypt(
          JSON.stringify({ kind: 'oauth', access_token: tokens.accessToken, refresh_token: tokens.refreshToken } satisfies Credentials),
        );
        return pipe(
          lease.completeRefresh(conn.tenantId, grantId, this.owner, {
            credentials: sealed,
            expiresAt: new Date(now.getTime() + tokens.expiresInSeconds * 1000),
            refreshedAt: now,
            ...(tokens.scopes.length > 0 ? { scopes: tokens.scopes } : {}),
          }),
          TE.flatMap((stored) =>
            stored
              ? loadUsableConnection(connections, conn.tenantId, conn.connector)
              : TE.left(AppError.vendor('The token refresh lost its lease to another instance; try again.')),
          ),
          TE.tap(() =>
            TE.fromIO(() => {
              this.metrics.tokenRefresh('rotated');
              logger.info({ tenant: conn.tenantId, connector: conn.connector }, 'refreshed Atlassian credentials');
            }),
          ),
        );
      }),
    );
  }

  /** connection.refresh_failed, at most once per connection and window; a failure to record it is logged, never the caller's. */
  private recordRefreshFailed(conn: Connection, error: AppError): TE.TaskEither<AppError, void> {
    const { events, clock, logger } = this.ports;
    if (!events) return TE.right(undefined);
    const now = clock.now();
    const event = connectionEvent('connection.refresh_failed', conn, now, refreshFailedId(conn, now));
    return async () => {
      const recorded = await events.record([{ ...event, data: { ...event.data, error: { code: error.code, message: error.message } } }])();
      if (E.isLeft(recorded)) logger.warn({ err: recorded.left.message, tenant: conn.tenantId }, 'connection.refresh_failed could not be recorded');
      return E.right(undefined);
    };
  }
}
