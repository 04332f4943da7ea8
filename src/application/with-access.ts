import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
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
  // One async step rather than a chain of combinators: it wraps every Atlassian call (docs/performance.md).
  async () => {
    const ctx = await refresh.access(tenantId, connector)();
    if (E.isLeft(ctx)) return ctx;
    const first = await call(ctx.right)();
    if (E.isRight(first) || first.left.reason !== 'upstream_unauthorized') return first;
    const fresh = await refresh.afterUnauthorized(tenantId, connector, ctx.right)();
    const again = E.isLeft(fresh) ? fresh : await call(fresh.right)();
    return E.isLeft(again) && again.left.reason === 'upstream_unauthorized'
      ? E.left(
          AppError.tokenExpired(
            `Atlassian still refuses the ${connector} credentials after a refresh (${again.left.message}); reconnect through /auth/jira/login.`,
          ),
        )
      : again;
  };
