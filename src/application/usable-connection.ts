import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type { Connection } from '../domain/connection.js';
import type { ConnectorId } from '../domain/connector.js';
import { AppError } from '../domain/errors.js';
import type { TenantId } from '../domain/tenant.js';
import type { ConnectionRepository } from './ports/connection-store.js';

/** What a caller is told when the grant is gone at Atlassian. */
export const reconnect = (connector: ConnectorId): AppError =>
  AppError.tokenExpired(`The Atlassian authorization for ${connector} is no longer valid; reconnect through /auth/jira/login.`);

/** The tenant's connection when it can be used: NOT_CONNECTED without one, TOKEN_EXPIRED when it needs re-authorization. */
export const loadUsableConnection = (
  connections: Pick<ConnectionRepository, 'find'>,
  tenantId: TenantId,
  connector: ConnectorId,
): TE.TaskEither<AppError, Connection> =>
  pipe(
    connections.find(tenantId, connector),
    TE.flatMap((conn) => {
      if (!conn) return TE.left(AppError.notConnected(`The tenant has no ${connector} connection; connect it first.`));
      if (conn.status === 'needs_reauth') return TE.left(reconnect(connector));
      return TE.right(conn);
    }),
  );
