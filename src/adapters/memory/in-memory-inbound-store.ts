import * as TE from 'fp-ts/lib/TaskEither.js';
import type { InboundStore, SyncCheckpoint, WebhookRegistration } from '../../application/ports/inbound-sync.js';
import type { ConnectorId } from '../../domain/connector.js';
import type { AppError } from '../../domain/errors.js';
import type { TenantId } from '../../domain/tenant.js';

/** The inbound sync store in one process (embedders without a database, tests): same rules as the SQL one. */
export class InMemoryInboundStore implements InboundStore {
  private hooks: WebhookRegistration[] = [];
  private readonly checkpoints = new Map<string, SyncCheckpoint>();
  private readonly deliveries = new Map<string, number>();

  registrations(tenantId: TenantId): TE.TaskEither<AppError, readonly WebhookRegistration[]> {
    return TE.right(this.hooks.filter((h) => h.tenantId === tenantId));
  }

  allRegistrations(): TE.TaskEither<AppError, readonly WebhookRegistration[]> {
    return TE.right([...this.hooks]);
  }

  registrationsByWebhookId(webhookId: number): TE.TaskEither<AppError, readonly WebhookRegistration[]> {
    return TE.right(this.hooks.filter((h) => h.webhookId === webhookId));
  }

  saveRegistrations(rows: readonly WebhookRegistration[]): TE.TaskEither<AppError, void> {
    for (const r of rows) {
      this.hooks = [...this.hooks.filter((h) => !(h.tenantId === r.tenantId && h.cloudId === r.cloudId && h.webhookId === r.webhookId)), r];
    }
    return TE.right(undefined);
  }

  deleteRegistrations(tenantId: TenantId, cloudId: string, webhookIds: readonly number[]): TE.TaskEither<AppError, void> {
    this.hooks = this.hooks.filter((h) => !(h.tenantId === tenantId && h.cloudId === cloudId && webhookIds.includes(h.webhookId)));
    return TE.right(undefined);
  }

  checkpoint(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<AppError, SyncCheckpoint | undefined> {
    return TE.right(this.checkpoints.get(`${tenantId}\u0000${connector}`));
  }

  saveCheckpoint(c: SyncCheckpoint): TE.TaskEither<AppError, void> {
    this.checkpoints.set(`${c.tenantId}\u0000${c.connector}`, c);
    return TE.right(undefined);
  }

  deleteCheckpoints(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<AppError, void> {
    this.checkpoints.delete(`${tenantId}\u0000${connector}`);
    return TE.right(undefined);
  }

  rememberDelivery(key: string, expiresAt: Date, now: Date): TE.TaskEither<AppError, boolean> {
    const until = this.deliveries.get(key);
    if (until !== undefined && until > now.getTime()) return TE.right(false);
    this.deliveries.set(key, expiresAt.getTime());
    return TE.right(true);
  }

  forgetDelivery(key: string): TE.TaskEither<AppError, void> {
    this.deliveries.delete(key);
    return TE.right(undefined);
  }

  pruneDeliveries(now: Date): TE.TaskEither<AppError, number> {
    let n = 0;
    for (const [k, until] of this.deliveries) {
      if (until <= now.getTime()) {
        this.deliveries.delete(k);
        n += 1;
      }
    }
    return TE.right(n);
  }
}
