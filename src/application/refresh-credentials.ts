import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type { Connection } from '../domain/connection.js';
import type { ConnectorId } from '../domain/connector.js';
import { basicAuthorization, Credentials, type AccessContext, type TokenSet } from '../domain/credentials.js';
import { AppError } from '../domain/errors.js';
import type { TenantId } from '../domain/tenant.js';
import type { AccessProvider } from './ports/access-provider.js';
import type { AtlassianAuthorization } from './ports/atlassian-authorization.js';
import type { Cipher } from './ports/cipher.js';
import type { Clock } from './ports/clock.js';
import type { ConnectionStore } from './ports/connection-store.js';
import type { Logger } from './ports/logger.js';

export interface RefreshSettings {
  /** Refresh a token that expires within this many seconds. */
  readonly skewSeconds: number;
  /** `https://api.atlassian.com`: OAuth calls go through `/ex/{product}/{cloudId}`. */
  readonly apiBaseUrl: string;
  /** How long a refresh lease holds before another process may take over a stuck refresh. */
  readonly leaseMs?: number;
  /** How long a caller waits for someone else's refresh before giving up. */
  readonly waitMs?: number;
  readonly pollMs?: number;
}

const reconnect = (connector: ConnectorId): AppError =>
  AppError.tokenExpired(
    `The Atlassian authorization for ${connector} is no longer valid; reconnect through /auth/jira/login.`,
  );

const OPENED_CACHE_SIZE = 1024;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Keeps a connection's access token usable. Refreshes ahead of expiry, and after a
 * 401, at most once per grant at a time: in this process through a shared in-flight
 * promise, across processes through a lease in the connection rows. The rotated pair
 * is stored before the new access token is handed out, because Atlassian disables the
 * old refresh token as soon as it issues a new one.
 */
export class RefreshCredentials implements AccessProvider {
  private readonly inFlight = new Map<string, Promise<E.Either<AppError, Connection>>>();
  private readonly owner = randomUUID();
  private readonly opened = new Map<string, Credentials>();

  constructor(
    private readonly ports: {
      connections: ConnectionStore;
      authorization: AtlassianAuthorization;
      cipher: Cipher;
      clock: Clock;
      logger: Logger;
      settings: RefreshSettings;
    },
  ) {}

  /** An access context with a token that will not expire within the skew. */
  access(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<AppError, AccessContext> {
    return pipe(
      this.load(tenantId, connector),
      TE.flatMap((conn) => (this.isFresh(conn) ? TE.right(conn) : this.refreshOnce(conn, false))),
      TE.flatMap((conn) => TE.fromEither(this.contextOf(conn))),
    );
  }

  /**
   * Atlassian answered 401 to a call made with `stale`: refresh unless someone already
   * did since, then hand out the newer token. Token connections have nothing to refresh.
   */
  afterUnauthorized(tenantId: TenantId, connector: ConnectorId, stale: AccessContext): TE.TaskEither<AppError, AccessContext> {
    return pipe(
      this.load(tenantId, connector),
      TE.flatMap((conn) => {
        if (conn.authType !== 'oauth') {
          return TE.left(AppError.tokenExpired(`Atlassian rejected the saved ${conn.authType === 'pat' ? 'personal access token' : 'API token'}; save a new one.`));
        }
        return conn.version !== stale.version ? TE.right(conn) : this.refreshOnce(conn, true);
      }),
      TE.flatMap((conn) => TE.fromEither(this.contextOf(conn))),
    );
  }

  /** `PATCH {rotate: true}`: refresh now, whatever the expiry. */
  rotate(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<AppError, Connection> {
    return pipe(
      this.load(tenantId, connector),
      TE.flatMap((conn) =>
        conn.authType === 'oauth'
          ? this.refreshOnce(conn, true)
          : TE.left(AppError.validation('rotate applies to OAuth connections; a token connection is rotated by saving a new token.')),
      ),
    );
  }

  private load(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<AppError, Connection> {
    return pipe(
      this.ports.connections.find(tenantId, connector),
      TE.flatMap((conn) => {
        if (!conn) return TE.left(AppError.notConnected(`The tenant has no ${connector} connection; connect it first.`));
        if (conn.status === 'needs_reauth') return TE.left(reconnect(connector));
        return TE.right(conn);
      }),
    );
  }

  private isFresh(conn: Connection): boolean {
    if (conn.authType !== 'oauth' || conn.expiresAt === null) return true;
    return conn.expiresAt.getTime() - this.ports.clock.now().getTime() > this.ports.settings.skewSeconds * 1000;
  }

  private refreshOnce(seen: Connection, force: boolean): TE.TaskEither<AppError, Connection> {
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
    const { connections, clock, settings } = this.ports;
    const leaseMs = settings.leaseMs ?? 30_000;
    const waitMs = settings.waitMs ?? leaseMs + 5_000;
    const pollMs = settings.pollMs ?? 50;
    return async () => {
      const deadline = clock.now().getTime() + waitMs;
      for (;;) {
        const now = clock.now();
        const acquired = await connections.tryAcquireRefreshLease(seen.tenantId, grantId, this.owner, now, new Date(now.getTime() + leaseMs))();
        if (E.isLeft(acquired)) return acquired;
        const current = await this.load(seen.tenantId, seen.connector)();
        if (E.isLeft(current)) {
          if (acquired.right) await connections.releaseRefreshLease(seen.tenantId, grantId, this.owner)();
          return current;
        }
        const done = this.refreshedSince(seen, current.right) || (!force && this.isFresh(current.right));
        if (acquired.right) {
          if (done) {
            await connections.releaseRefreshLease(seen.tenantId, grantId, this.owner)();
            return current;
          }
          return this.refreshHoldingLease(current.right, grantId)();
        }
        if (done) return current;
        if (clock.now().getTime() > deadline) {
          return E.left(AppError.vendor('Timed out waiting for another instance to refresh the Atlassian token; try again.'));
        }
        await sleep(pollMs);
      }
    };
  }

  private refreshHoldingLease(conn: Connection, grantId: string): TE.TaskEither<AppError, Connection> {
    const { connections, authorization, cipher, clock, logger } = this.ports;
    const release = () => connections.releaseRefreshLease(conn.tenantId, grantId, this.owner);
    return pipe(
      TE.fromEither(this.open(conn)),
      TE.flatMap((creds) =>
        creds.kind === 'oauth' && creds.refresh_token
          ? TE.right(creds.refresh_token)
          : TE.left(reconnect(conn.connector)),
      ),
      // Nothing was asked of Atlassian: give the lease back and report.
      TE.orElse((error) => pipe(release(), TE.flatMap(() => TE.left<AppError, string>(error)))),
      TE.flatMap((refreshToken) =>
        pipe(
          authorization.refresh(refreshToken),
          TE.orElse((error): TE.TaskEither<AppError, TokenSet> =>
            pipe(
              error.code === 'TOKEN_EXPIRED'
                ? pipe(
                    connections.markNeedsReauth(conn.tenantId, grantId, clock.now()),
                    TE.tap(() =>
                      TE.fromIO(() =>
                        logger.warn({ tenant: conn.tenantId, connector: conn.connector }, 'Atlassian refused the refresh token; connection needs re-authorization'),
                      ),
                    ),
                    TE.map(() => reconnect(conn.connector)),
                  )
                : pipe(release(), TE.map(() => error)),
              TE.flatMap((e) => TE.left<AppError, TokenSet>(e)),
            ),
          ),
        ),
      ),
      TE.flatMap((tokens) => {
        const now = clock.now();
        const sealed = cipher.encrypt(
          JSON.stringify({ kind: 'oauth', access_token: tokens.accessToken, refresh_token: tokens.refreshToken } satisfies Credentials),
        );
        return pipe(
          connections.completeRefresh(conn.tenantId, grantId, this.owner, {
            credentials: sealed,
            expiresAt: new Date(now.getTime() + tokens.expiresInSeconds * 1000),
            refreshedAt: now,
            ...(tokens.scopes.length > 0 ? { scopes: tokens.scopes } : {}),
          }),
          TE.flatMap((stored) =>
            stored
              ? this.load(conn.tenantId, conn.connector)
              : TE.left(AppError.vendor('The token refresh lost its lease to another instance; try again.')),
          ),
          TE.tap(() => TE.fromIO(() => logger.info({ tenant: conn.tenantId, connector: conn.connector }, 'refreshed Atlassian credentials'))),
        );
      }),
    );
  }

  private open(conn: Connection): E.Either<AppError, Credentials> {
    if (conn.credentials === null) return E.left(reconnect(conn.connector));
    // Every call reads the row; opening the same sealed value again is wasted work, so the
    // last few openings are remembered by ciphertext. A changed row is a different key.
    const known = this.opened.get(conn.credentials);
    if (known) return E.right(known);
    const sealed = conn.credentials;
    return pipe(
      this.ports.cipher.decrypt(conn.credentials),
      // Fails closed, and tells the caller the one thing that helps: reconnect.
      E.mapLeft((error) => {
        this.ports.logger.error({ tenant: conn.tenantId, connector: conn.connector, err: error.message }, 'stored credentials could not be decrypted');
        return AppError.tokenExpired(
          `The stored ${conn.connector} credentials could not be decrypted (the encryption key changed or the data was altered); reconnect through /auth/jira/login.`,
        );
      }),
      E.flatMap((text) =>
        pipe(
          E.tryCatch(() => JSON.parse(text) as unknown, () => reconnect(conn.connector)),
          E.flatMap((json) => pipe(Credentials.decode(json), E.mapLeft(() => reconnect(conn.connector)))),
        ),
      ),
      E.tap((creds) => {
        if (this.opened.size >= OPENED_CACHE_SIZE) this.opened.delete(this.opened.keys().next().value as string);
        this.opened.set(sealed, creds);
        return E.right(undefined);
      }),
    );
  }

  private contextOf(conn: Connection): E.Either<AppError, AccessContext> {
    return pipe(
      this.open(conn),
      E.map((creds): AccessContext => {
        const siteUrl = conn.siteUrl ?? '';
        switch (creds.kind) {
          case 'oauth':
            return {
              baseUrl: `${this.ports.settings.apiBaseUrl}/ex/${conn.connector}/${conn.cloudId ?? ''}`,
              siteUrl,
              authorization: `Bearer ${creds.access_token}`,
              authType: 'oauth',
              flavour: 'cloud',
              version: conn.version,
              callerSuppliedHost: false,
            };
          case 'api_token':
            return {
              baseUrl: siteUrl,
              siteUrl,
              authorization: basicAuthorization(creds.email, creds.token),
              authType: 'api_token',
              flavour: 'cloud',
              version: conn.version,
              callerSuppliedHost: true,
            };
          case 'pat':
            return {
              baseUrl: siteUrl,
              siteUrl,
              authorization: `Bearer ${creds.token}`,
              authType: 'pat',
              flavour: 'data_center',
              version: conn.version,
              callerSuppliedHost: true,
            };
        }
      }),
    );
  }
}
