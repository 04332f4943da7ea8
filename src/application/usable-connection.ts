import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
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
  async () => {
    const found = await connections.find(tenantId, connector)();
    if (E.isLeft(found)) return found;
    const conn = found.right;
    if (!conn) return E.left(AppError.notConnected(`The tenant has no ${connector} connection; connect it first.`));
    if (conn.status === 'needs_reauth') return E.left(reconnect(connector));
    return E.right(conn);
  };
