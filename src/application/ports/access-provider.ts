import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { ConnectorId } from '../../domain/connector.js';
import type { AccessContext } from '../../domain/credentials.js';
import type { AppError } from '../../domain/errors.js';
import type { TenantId } from '../../domain/tenant.js';

/**
 * Where the operations get a usable Atlassian credential for a tenant. The service's
 * implementation is `RefreshCredentials` (stored, encrypted, refreshed under a lease); an
 * embedder that already holds a token can answer with it directly.
 */
export interface AccessProvider {
  /** A context whose credential is fresh enough to use now. */
  access(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<AppError, AccessContext>;
  /**
   * Called once after Atlassian answered 401 to `stale`: a new context to retry with, or
   * TOKEN_EXPIRED when there is nothing better.
   */
  afterUnauthorized(tenantId: TenantId, connector: ConnectorId, stale: AccessContext): TE.TaskEither<AppError, AccessContext>;
}
