import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type { ConnectorId } from '../domain/connector.js';
import type { AppError } from '../domain/errors.js';
import type { TenantId } from '../domain/tenant.js';
import type { ConnectionRepository } from './ports/connection-store.js';

/** Forgets the tenant's connection and its credentials. Idempotent: a missing connection is not an error. */
export class DeleteConnection {
  constructor(
    private readonly ports: {
      connections: ConnectionRepository;
      /** Runs first, while the connection and its token still exist (the Jira webhooks are deleted at Atlassian); never fails. */
      beforeDelete?: (tenantId: TenantId, connector: ConnectorId) => TE.TaskEither<never, void>;
    },
  ) {}

  execute(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<AppError, { deleted: boolean }> {
    return pipe(
      this.ports.beforeDelete ? this.ports.beforeDelete(tenantId, connector) : TE.right(undefined),
      TE.flatMap(() => this.ports.connections.delete(tenantId, connector)),
      TE.map((deleted) => ({ deleted })),
    );
  }
}
