import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type { ConnectorId } from '../domain/connector.js';
import type { AppError } from '../domain/errors.js';
import type { TenantId } from '../domain/tenant.js';
import type { Clock } from './ports/clock.js';
import type { ConnectionRepository } from './ports/connection-store.js';
import { connectionEvent } from './connection-events.js';

/**
 * Forgets the tenant's connection and its credentials, recording connection.deleted (the
 * connection as it was) with the delete. Idempotent: a missing connection is not an error.
 */
export class DeleteConnection {
  constructor(
    private readonly ports: {
      connections: ConnectionRepository;
      clock?: Clock;
      /** Runs first, while the connection and its token still exist (the Jira webhooks are deleted at Atlassian); never fails. */
      beforeDelete?: (tenantId: TenantId, connector: ConnectorId) => TE.TaskEither<never, void>;
    },
  ) {}

  execute(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<AppError, { deleted: boolean }> {
    const now = this.ports.clock?.now() ?? new Date();
    return pipe(
      this.ports.beforeDelete ? this.ports.beforeDelete(tenantId, connector) : TE.right(undefined),
      TE.flatMap(() => this.ports.connections.delete(tenantId, connector, (row) => [connectionEvent('connection.deleted', row, now)])),
      TE.map((deleted) => ({ deleted })),
    );
  }
}
