import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { notConnectedView, toConnectionView, type ConnectionView } from '../domain/connection.js';
import { CONNECTOR_IDS } from '../domain/connector.js';
import type { AppError } from '../domain/errors.js';
import type { TenantId } from '../domain/tenant.js';
import type { ConnectionRepository } from './ports/connection-store.js';

/** Every connector the service offers, with the caller's tenant's state of each. */
export class ListConnectors {
  constructor(private readonly ports: { connections: ConnectionRepository }) {}

  execute(tenantId: TenantId): TE.TaskEither<AppError, readonly ConnectionView[]> {
    return pipe(
      this.ports.connections.list(tenantId),
      TE.map((rows) =>
        CONNECTOR_IDS.map((id) => {
          const row = rows.find((r) => r.connector === id);
          return row ? toConnectionView(row) : notConnectedView(id);
        }),
      ),
    );
  }
}
