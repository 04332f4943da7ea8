import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { notConnectedView, toConnectionView, type ConnectionView } from '../domain/connection.js';
import type { ConnectorId } from '../domain/connector.js';
import type { AppError } from '../domain/errors.js';
import type { TenantId } from '../domain/tenant.js';
import type { ConnectionRepository } from './ports/connection-store.js';

/** The caller's tenant's connection to one connector (a not-connected view when there is none). */
export class GetConnection {
  constructor(private readonly ports: { connections: ConnectionRepository }) {}

  execute(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<AppError, ConnectionView> {
    return pipe(
      this.ports.connections.find(tenantId, connector),
      TE.map((row) => (row ? toConnectionView(row) : notConnectedView(connector))),
    );
  }
}
