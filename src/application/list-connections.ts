import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { toConnectionView, type ConnectionView } from '../domain/connection.js';
import type { AppError } from '../domain/errors.js';
import type { TenantId } from '../domain/tenant.js';
import type { ConnectionListing, ConnectionRepository } from './ports/connection-store.js';

/** A stored connection as an operator sees it: the public view plus its tenant. Never a token. */
export interface TenantConnectionView extends ConnectionView {
  readonly tenant_id: TenantId;
}

/**
 * Lists stored connections for operators (`integration-backend connections list`): one
 * tenant's, or every tenant's when no tenant is given. Only connections that exist are
 * listed; the REST API's not-connected views are not invented here.
 */
export class ListConnections {
  constructor(private readonly ports: { connections: Pick<ConnectionRepository, 'list'> & Pick<ConnectionListing, 'listAll'> }) {}

  execute(tenantId?: TenantId): TE.TaskEither<AppError, readonly TenantConnectionView[]> {
    const rows = tenantId === undefined ? this.ports.connections.listAll() : this.ports.connections.list(tenantId);
    return pipe(
      rows,
      TE.map((list) => list.map((row) => ({ tenant_id: row.tenantId, ...toConnectionView(row) }))),
    );
  }
}
