import * as TE from 'fp-ts/lib/TaskEither.js';
import type { Kysely, Selectable } from 'kysely';
import type { InboundStore, SyncCheckpoint, WebhookRegistration } from '../../application/ports/inbound-sync.js';
import type { ConnectorId } from '../../domain/connector.js';
import { AppError } from '../../domain/errors.js';
import type { TenantId } from '../../domain/tenant.js';
import type { Database, JiraWebhooksTable } from './schema.js';

const unavailable = (err: unknown): AppError => AppError.internal('The inbound sync store is unavailable.', { cause: err });

const toRegistration = (row: Selectable<JiraWebhooksTable>): WebhookRegistration => ({
  tenantId: row.tenant_id as TenantId,
  cloudId: row.cloud_id,
  webhookId: Number(row.webhook_id),
  expiresAt: new Date(row.expires_at),
  jql: row.jql,
  url: row.url,
});

const isDuplicate = (err: unknown): boolean =>
  err instanceof Error && /UNIQUE constraint failed|duplicate key value|inbound_deliveries_pkey/i.test(err.message);

/** Webhook registrations, checkpoints and deliveries seen, in SQLite or PostgreSQL (migration 0009_inbound_sync). */
export class KyselyInboundStore implements InboundStore {
  constructor(private readonly db: Kysely<Database>) {}

  registrations(tenantId: TenantId): TE.TaskEither<AppError, readonly WebhookRegistration[]> {
    return TE.tryCatch(async () => (await this.db.selectFrom('jira_webhooks').selectAll().where('tenant_id', '=', tenantId).orderBy('webhook_id').execute()).map(toRegistration), unavailable);
  }

  allRegistrations(): TE.TaskEither<AppError, readonly WebhookRegistration[]> {
    return TE.tryCatch(async () => (await this.db.selectFrom('jira_webhooks').selectAll().orderBy('tenant_id').orderBy('webhook_id').execute()).map(toRegistration), unavailable);
  }

  registrationsByWebhookId(webhookId: number): TE.TaskEither<AppError, readonly WebhookRegistration[]> {
    return TE.tryCatch(async () => (await this.db.selectFrom('jira_webhooks').selectAll().where('webhook_id', '=', webhookId).execute()).map(toRegistration), unavailable);
  }

  saveRegistrations(rows: readonly WebhookRegistration[]): TE.TaskEither<AppError, void> {
    return TE.tryCatch(async () => {
      if (rows.length === 0) return;
      await this.db.transaction().execute(async (trx) => {
        for (const r of rows) {
          const values = { expires_at: r.expiresAt.toISOString(), jql: r.jql, url: r.url };
          await trx
            .insertInto('jira_webhooks')
            .values({ tenant_id: r.tenantId, cloud_id: r.cloudId, webhook_id: r.webhookId, ...values })
            .onConflict((oc) => oc.columns(['tenant_id', 'cloud_id', 'webhook_id']).doUpdateSet(values))
            .execute();
        }
      });
    }, unavailable);
  }

  deleteRegistrations(tenantId: TenantId, cloudId: string, webhookIds: readonly number[]): TE.TaskEither<AppError, void> {
    return TE.tryCatch(async () => {
      if (webhookIds.length === 0) return;
      await this.db.deleteFrom('jira_webhooks').where('tenant_id', '=', tenantId).where('cloud_id', '=', cloudId).where('webhook_id', 'in', [...webhookIds]).execute();
    }, unavailable);
  }

  checkpoint(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<AppError, SyncCheckpoint | undefined> {
    return TE.tryCatch(async () => {
      const row = await this.db.selectFrom('sync_checkpoints').selectAll().where('tenant_id', '=', tenantId).where('connector', '=', connector).executeTakeFirst();
      return row ? { tenantId, connector, checkpoint: new Date(row.checkpoint), state: JSON.parse(row.state) as Record<string, unknown> } : undefined;
    }, unavailable);
  }

  saveCheckpoint(c: SyncCheckpoint): TE.TaskEither<AppError, void> {
    return TE.tryCatch(async () => {
      const values = { checkpoint: c.checkpoint.toISOString(), state: JSON.stringify(c.state) };
      await this.db
        .insertInto('sync_checkpoints')
        .values({ tenant_id: c.tenantId, connector: c.connector, ...values })
        .onConflict((oc) => oc.columns(['tenant_id', 'connector']).doUpdateSet(values))
        .execute();
    }, unavailable);
  }

  deleteCheckpoints(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<AppError, void> {
    return TE.tryCatch(async () => {
      await this.db.deleteFrom('sync_checkpoints').where('tenant_id', '=', tenantId).where('connector', '=', connector).execute();
    }, unavailable);
  }

  rememberDelivery(key: string, expiresAt: Date, now: Date): TE.TaskEither<AppError, boolean> {
    return TE.tryCatch(async () => {
      // An expired key of the same name is forgotten first, so it counts as new again.
      await this.db.deleteFrom('inbound_deliveries').where('key', '=', key).where('expires_at', '<=', now.toISOString()).execute();
      try {
        await this.db.insertInto('inbound_deliveries').values({ key, expires_at: expiresAt.toISOString() }).execute();
        return true;
      } catch (err) {
        if (isDuplicate(err)) return false;
        throw err;
      }
    }, unavailable);
  }

  forgetDelivery(key: string): TE.TaskEither<AppError, void> {
    return TE.tryCatch(async () => {
      await this.db.deleteFrom('inbound_deliveries').where('key', '=', key).execute();
    }, unavailable);
  }

  pruneDeliveries(now: Date): TE.TaskEither<AppError, number> {
    return TE.tryCatch(async () => {
      const result = await this.db.deleteFrom('inbound_deliveries').where('expires_at', '<=', now.toISOString()).executeTakeFirst();
      return Number(result.numDeletedRows);
    }, unavailable);
  }
}
