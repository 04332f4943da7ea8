import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { Connection } from '../../domain/connection.js';
import type { ConnectorId } from '../../domain/connector.js';
import type { AppError } from '../../domain/errors.js';
import type { TenantId } from '../../domain/tenant.js';

/** Refreshes an OAuth grant, at most once at a time per grant across processes. */
export interface GrantRefresh {
  /**
   * Refreshes the grant of `seen` unless someone already did since it was read (or, without
   * `force`, the token is fresh again); answers the connection as stored afterwards.
   */
  refresh(seen: Connection, force: boolean): TE.TaskEither<AppError, Connection>;
}

/** `PATCH {rotate: true}`: refresh a tenant's OAuth tokens now, whatever their expiry. */
export interface GrantRotation {
  rotate(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<AppError, Connection>;
}
