import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type { ConnectorId } from '../domain/connector.js';
import type { AccessContext } from '../domain/credentials.js';
import { AppError } from '../domain/errors.js';
import type { TenantId } from '../domain/tenant.js';
import type { AccessProvider } from './ports/access-provider.js';

/**
 * Runs one Atlassian call with a fresh token. On a 401 it refreshes once (unless someone
 * already did) and retries once; a second 401 means the grant is unusable.
 */
export const withAccess =
  (refresh: AccessProvider, tenantId: TenantId, connector: ConnectorId) =>
  <A>(call: (ctx: AccessContext) => TE.TaskEither<AppError, A>): TE.TaskEither<AppError, A> =>
    pipe(
      refresh.access(tenantId, connector),
      TE.flatMap((ctx) =>
        pipe(
          call(ctx),
          TE.orElse((error) =>
            error.reason === 'upstream_unauthorized'
              ? pipe(
                  refresh.afterUnauthorized(tenantId, connector, ctx),
                  TE.flatMap(call),
                  TE.mapLeft((again) =>
                    again.reason === 'upstream_unauthorized'
                      ? AppError.tokenExpired(
                          `Atlassian still refuses the ${connector} credentials after a refresh (${again.message}); reconnect through /auth/jira/login.`,
                        )
                      : again,
                  ),
                )
              : TE.left(error),
          ),
        ),
      ),
    );
