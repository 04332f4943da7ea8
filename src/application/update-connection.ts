import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { toConnectionView, type ConnectionView } from '../domain/connection.js';
import type { ConnectorId } from '../domain/connector.js';
import { AppError } from '../domain/errors.js';
import type { TenantId } from '../domain/tenant.js';
import type { Clock } from './ports/clock.js';
import type { ConnectionRepository } from './ports/connection-store.js';
import type { GrantRotation } from './ports/grant-refresh.js';
import type { SaveAccessTokenInput } from './save-access-token.js';
import { connectionEvent } from './connection-events.js';

export interface ConnectionChange {
  readonly rotate?: boolean | undefined;
  readonly cloud_id?: string | undefined;
  readonly pat?: string | undefined;
  readonly base_url?: string | undefined;
  readonly email?: string | undefined;
}

/** `PATCH /connectors/{id}/connection`: save a token, switch the active site, or rotate now. */
export class UpdateConnection {
  constructor(
    private readonly ports: {
      connections: ConnectionRepository;
      rotation: GrantRotation;
      saveAccessToken: { execute(input: SaveAccessTokenInput): TE.TaskEither<AppError, ConnectionView> };
      clock: Clock;
    },
  ) {}

  execute(tenantId: TenantId, connector: ConnectorId, change: ConnectionChange): TE.TaskEither<AppError, ConnectionView> {
    if (change.pat !== undefined) {
      if (change.base_url === undefined) return TE.left(AppError.validation('base_url is required with pat.'));
      return this.ports.saveAccessToken.execute({ tenantId, connector, token: change.pat, baseUrl: change.base_url, email: change.email });
    }
    if (change.base_url !== undefined || change.email !== undefined) {
      return TE.left(AppError.validation('base_url and email are saved together with pat; to choose an OAuth site send cloud_id.'));
    }
    if (change.cloud_id !== undefined) return this.switchSite(tenantId, connector, change.cloud_id);
    if (change.rotate === true) {
      return pipe(this.ports.rotation.rotate(tenantId, connector), TE.map(toConnectionView));
    }
    return TE.left(AppError.validation('Nothing to change: send rotate, cloud_id, or pat with base_url.'));
  }

  private switchSite(tenantId: TenantId, connector: ConnectorId, cloudId: string): TE.TaskEither<AppError, ConnectionView> {
    const { connections, clock } = this.ports;
    return pipe(
      connections.find(tenantId, connector),
      TE.flatMap((conn) => {
        if (!conn) return TE.left(AppError.notConnected(`The tenant has no ${connector} connection; connect it first.`));
        const site = conn.sites.find((s) => s.cloudId === cloudId);
        if (!site) {
          return TE.left(AppError.validation(`cloud_id is not one of this connection's sites; known: ${conn.sites.map((s) => s.cloudId).join(', ') || 'none'}.`));
        }
        const now = clock.now();
        const changed = conn.cloudId !== site.cloudId || conn.siteUrl !== site.url;
        return pipe(
          connections.update({ ...conn, cloudId: site.cloudId, siteUrl: site.url }, now, changed ? (row) => [connectionEvent('connection.site_changed', row, now)] : undefined),
          TE.flatMap((updated) =>
            updated ? TE.right(updated) : TE.left(AppError.validation('The connection changed while switching sites; try again.')),
          ),
        );
      }),
      TE.map(toConnectionView),
    );
  }
}
