import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { accessContextOf } from '../domain/access-context.js';
import { tokenIsFresh, type Connection } from '../domain/connection.js';
import type { ConnectorId } from '../domain/connector.js';
import type { AccessContext, Credentials } from '../domain/credentials.js';
import { AppError } from '../domain/errors.js';
import type { TenantId } from '../domain/tenant.js';
import type { AccessProvider } from './ports/access-provider.js';
import type { Clock } from './ports/clock.js';
import type { ConnectionRepository } from './ports/connection-store.js';
import type { CredentialOpener } from './ports/credential-opener.js';
import type { GrantRefresh } from './ports/grant-refresh.js';
import { loadUsableConnection } from './usable-connection.js';

/**
 * A token with less than this left counts as expired: the call waits for the new one rather
 * than set out with a token that may lapse on its way (Atlassian would answer 401).
 */
const EXPIRED_WITHIN_SECONDS = 5;

export interface AccessSettings {
  /** Refresh a token that expires within this many seconds. */
  readonly skewSeconds: number;
  /** `https://api.atlassian.com`: OAuth calls go through `/ex/{product}/{cloudId}`. */
  readonly apiBaseUrl: string;
}

/**
 * The service's AccessProvider: the tenant's stored connection, opened, with an OAuth token
 * refreshed first when it expires within the skew (or after Atlassian answered 401).
 */
export class StoredCredentialAccess implements AccessProvider {
  constructor(
    private readonly ports: {
      connections: Pick<ConnectionRepository, 'find'>;
      refresher: GrantRefresh;
      credentials: CredentialOpener;
      clock: Clock;
      settings: AccessSettings;
    },
  ) {}

  /**
   * One async step rather than a chain of combinators: it runs before every Atlassian call
   * (docs/performance.md). A token within the skew that has not expired yet is used as it is
   * while its refresh runs beside the call (one per grant: the refresher shares it), so no
   * caller with a working token waits for a token call or fails with it; only a caller whose
   * token has expired waits for the new one.
   */
  access(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<AppError, AccessContext> {
    return async () => {
      const loaded = await loadUsableConnection(this.ports.connections, tenantId, connector)();
      if (E.isLeft(loaded)) return loaded;
      const now = this.ports.clock.now();
      if (tokenIsFresh(loaded.right, now, this.ports.settings.skewSeconds)) return this.contextOf(loaded.right);
      const refreshing = this.ports.refresher.refresh(loaded.right, false)();
      if (tokenIsFresh(loaded.right, now, EXPIRED_WITHIN_SECONDS)) {
        // Its outcome is the refresher's to log, count and record; this call goes on with the token it has.
        refreshing.catch(() => undefined);
        return this.contextOf(loaded.right);
      }
      const conn = await refreshing;
      return E.isLeft(conn) ? conn : this.contextOf(conn.right);
    };
  }

  /**
   * Atlassian answered 401 to a call made with `stale`: refresh unless someone already did
   * since, then hand out the newer token. Token connections have nothing to refresh.
   */
  afterUnauthorized(tenantId: TenantId, connector: ConnectorId, stale: AccessContext): TE.TaskEither<AppError, AccessContext> {
    return pipe(
      loadUsableConnection(this.ports.connections, tenantId, connector),
      TE.flatMap((conn) => {
        if (conn.authType !== 'oauth') {
          return TE.left(AppError.tokenExpired(`Atlassian rejected the saved ${conn.authType === 'pat' ? 'personal access token' : 'API token'}; save a new one.`));
        }
        return conn.version !== stale.version ? TE.right(conn) : this.ports.refresher.refresh(conn, true);
      }),
      TE.flatMap((conn) => TE.fromEither(this.contextOf(conn))),
    );
  }

  private contextOf(conn: Connection): E.Either<AppError, AccessContext> {
    return E.map((creds: Credentials) => accessContextOf(conn, creds, this.ports.settings.apiBaseUrl))(this.ports.credentials.open(conn));
  }
}
