import * as TE from 'fp-ts/lib/TaskEither.js';
import type { Kysely, Selectable } from 'kysely';
import type {
  AttemptOutcome,
  DueDelivery,
  Delivery,
  DeliveryQuery,
  DeliveryStatus,
  EventDeliveries,
  Routable,
  WebhookEndpoint,
  WebhookEndpoints,
} from '../../application/ports/event-deliveries.js';
import type { ConnectorId } from '../../domain/connector.js';
import { AppError } from '../../domain/errors.js';
import type { EventType } from '../../domain/events.js';
import type { TenantId } from '../../domain/tenant.js';
import type { Database, EventDeliveriesTable, WebhookEndpointsTable } from './schema.js';

const unavailable = (err: unknown): AppError => AppError.internal('The event delivery store is unavailable.', { cause: err });
const date = (s: string | null): Date | null => (s ? new Date(s) : null);
/** The row of webhook_endpoints that remembers a gone WEBHOOK_URL (no tenant id is empty). */
const GLOBAL = '';

const toDelivery = (row: Selectable<EventDeliveriesTable> & { type: string }): Delivery => ({
  tenantId: row.tenant_id as TenantId,
  eventId: row.event_id,
  eventType: row.type as EventType,
  sequence: Number(row.sequence),
  status: row.status as DeliveryStatus,
  attempts: Number(row.attempts),
  nextAttemptAt: new Date(row.next_attempt_at),
  firstAttemptAt: date(row.first_attempt_at),
  lastAttemptAt: date(row.last_attempt_at),
  lastResult: row.last_result,
  endpointUrl: row.endpoint_url,
  deliveredAt: date(row.delivered_at),
});

/** Deliveries in SQLite or PostgreSQL (table event_deliveries, migration 0008_event_deliveries). */
export class KyselyEventDeliveries implements EventDeliveries {
  constructor(private readonly db: Kysely<Database>) {}

  dueHeads(input: { readonly now: Date; readonly limit: number; readonly routable: Routable }): TE.TaskEither<AppError, readonly DueDelivery[]> {
    return TE.tryCatch(async () => {
      const now = input.now.toISOString();
      if ('only' in input.routable && input.routable.only.length === 0) return [];
      let q = this.db
        .selectFrom('event_deliveries as d')
        .innerJoin('events as e', (j) => j.onRef('e.tenant_id', '=', 'd.tenant_id').onRef('e.id', '=', 'd.event_id'))
        .selectAll('d')
        .select(['e.type', 'e.connector', 'e.occurred_at', 'e.data'])
        .where('d.status', '=', 'pending')
        .where('d.next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('d.lease_until', 'is', null), eb('d.lease_until', '<', now)]))
        // The tenant's head: no pending delivery of a lower sequence, leased or not due.
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('event_deliveries as h')
                .select('h.event_id')
                .whereRef('h.tenant_id', '=', 'd.tenant_id')
                .where('h.status', '=', 'pending')
                .whereRef('h.sequence', '<', 'd.sequence'),
            ),
          ),
        );
      if ('only' in input.routable) q = q.where('d.tenant_id', 'in', [...input.routable.only]);
      else if (input.routable.except.length > 0) q = q.where('d.tenant_id', 'not in', [...input.routable.except]);
      const rows = await q.orderBy('d.next_attempt_at').limit(input.limit).execute();
      return rows.map((row) => ({
          delivery: toDelivery(row),
          event: {
            id: row.event_id,
            type: row.type as EventType,
            tenantId: row.tenant_id as TenantId,
            connector: row.connector as ConnectorId,
            occurredAt: new Date(row.occurred_at),
            data: JSON.parse(row.data) as Record<string, unknown>,
            sequence: Number(row.sequence),
          },
      }));
    }, unavailable);
  }

  claim(tenantId: TenantId, eventId: string, owner: string, now: Date, until: Date): TE.TaskEither<AppError, boolean> {
    return TE.tryCatch(async () => {
      const at = now.toISOString();
      const r = await this.db
        .updateTable('event_deliveries')
        .set({ lease_owner: owner, lease_until: until.toISOString() })
        .where('tenant_id', '=', tenantId)
        .where('event_id', '=', eventId)
        .where('status', '=', 'pending')
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', at)]))
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    }, unavailable);
  }

  claimEndpoint(key: string, owner: string, now: Date, until: Date): TE.TaskEither<AppError, boolean> {
    return TE.tryCatch(async () => {
      // One statement: a new row, or the old row taken over when its lease ran out.
      const row = await this.db
        .insertInto('webhook_endpoint_leases')
        .values({ endpoint_key: key, lease_owner: owner, lease_until: until.toISOString() })
        .onConflict((oc) =>
          oc
            .column('endpoint_key')
            .doUpdateSet({ lease_owner: owner, lease_until: until.toISOString() })
            .where('webhook_endpoint_leases.lease_until', '<=', now.toISOString()),
        )
        .returning('endpoint_key')
        .executeTakeFirst();
      return row !== undefined;
    }, unavailable);
  }

  releaseEndpoint(key: string, owner: string): TE.TaskEither<AppError, void> {
    return TE.tryCatch(async () => {
      await this.db.deleteFrom('webhook_endpoint_leases').where('endpoint_key', '=', key).where('lease_owner', '=', owner).execute();
    }, unavailable);
  }

  complete(tenantId: TenantId, eventId: string, owner: string, outcome: AttemptOutcome): TE.TaskEither<AppError, boolean> {
    return TE.tryCatch(async () => {
      const at = outcome.at.toISOString();
      const r = await this.db
        .updateTable('event_deliveries')
        .set((eb) => ({
          status: outcome.kind === 'retry' ? 'pending' : outcome.kind,
          attempts: eb('attempts', '+', 1),
          first_attempt_at: eb.fn.coalesce('first_attempt_at', eb.val(at)),
          last_attempt_at: at,
          last_result: outcome.result.slice(0, 256),
          endpoint_url: outcome.url,
          ...(outcome.kind === 'delivered' ? { delivered_at: at } : {}),
          ...(outcome.kind === 'retry' ? { next_attempt_at: outcome.nextAttemptAt.toISOString() } : {}),
          lease_owner: null,
          lease_until: null,
        }))
        .where('tenant_id', '=', tenantId)
        .where('event_id', '=', eventId)
        .where('lease_owner', '=', owner)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    }, unavailable);
  }

  listDeliveries(query: DeliveryQuery): TE.TaskEither<AppError, readonly Delivery[]> {
    return TE.tryCatch(async () => {
      let q = this.db
        .selectFrom('event_deliveries as d')
        .innerJoin('events as e', (j) => j.onRef('e.tenant_id', '=', 'd.tenant_id').onRef('e.id', '=', 'd.event_id'))
        .selectAll('d')
        .select('e.type');
      if (query.tenantId !== undefined) q = q.where('d.tenant_id', '=', query.tenantId);
      if (query.failed === true) q = q.where((eb) => eb.or([eb('d.status', '=', 'dead'), eb.and([eb('d.status', '=', 'pending'), eb('d.attempts', '>', 0)])]));
      const rows = await q.orderBy('d.tenant_id').orderBy('d.sequence').limit(query.limit).execute();
      return rows.map(toDelivery);
    }, unavailable);
  }

  redeliver(eventId: string, now: Date, tenantId?: TenantId): TE.TaskEither<AppError, boolean> {
    return TE.tryCatch(async () => {
      let u = this.db
        .updateTable('event_deliveries')
        .set({ status: 'pending', attempts: 0, next_attempt_at: now.toISOString(), first_attempt_at: null, delivered_at: null, lease_owner: null, lease_until: null })
        .where('event_id', '=', eventId)
        .where('status', 'in', ['delivered', 'dead']);
      if (tenantId !== undefined) u = u.where('tenant_id', '=', tenantId);
      const r = await u.executeTakeFirst();
      if (Number(r.numUpdatedRows) > 0) return true;
      let s = this.db.selectFrom('event_deliveries').select('event_id').where('event_id', '=', eventId).where('status', '=', 'pending');
      if (tenantId !== undefined) s = s.where('tenant_id', '=', tenantId);
      return (await s.executeTakeFirst()) !== undefined;
    }, unavailable);
  }
}

const toEndpoint = (row: Selectable<WebhookEndpointsTable>): WebhookEndpoint => ({
  tenantId: row.tenant_id as TenantId,
  url: row.url,
  sealedSecret: row.secret ?? '',
  createdAt: new Date(row.created_at),
  disabledAt: date(row.disabled_at),
  disabledReason: row.disabled_reason,
});

/** Tenants' webhook endpoints in SQLite or PostgreSQL (table webhook_endpoints). */
export class KyselyWebhookEndpoints implements WebhookEndpoints {
  constructor(private readonly db: Kysely<Database>) {}

  get(tenantId: TenantId): TE.TaskEither<AppError, WebhookEndpoint | undefined> {
    return TE.tryCatch(async () => {
      const row = await this.db.selectFrom('webhook_endpoints').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
      return row && row.tenant_id !== GLOBAL ? toEndpoint(row) : undefined;
    }, unavailable);
  }

  listAll(): TE.TaskEither<AppError, readonly WebhookEndpoint[]> {
    return TE.tryCatch(async () => {
      const rows = await this.db.selectFrom('webhook_endpoints').selectAll().where('tenant_id', '!=', GLOBAL).orderBy('tenant_id').execute();
      return rows.map(toEndpoint);
    }, unavailable);
  }

  put(endpoint: Omit<WebhookEndpoint, 'disabledAt' | 'disabledReason'>): TE.TaskEither<AppError, void> {
    return TE.tryCatch(async () => {
      const values = { url: endpoint.url, secret: endpoint.sealedSecret, created_at: endpoint.createdAt.toISOString(), disabled_at: null, disabled_reason: null };
      await this.db
        .insertInto('webhook_endpoints')
        .values({ tenant_id: endpoint.tenantId, ...values })
        .onConflict((oc) => oc.column('tenant_id').doUpdateSet(values))
        .execute();
    }, unavailable);
  }

  delete(tenantId: TenantId): TE.TaskEither<AppError, boolean> {
    return TE.tryCatch(async () => {
      const r = await this.db.deleteFrom('webhook_endpoints').where('tenant_id', '=', tenantId).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    }, unavailable);
  }

  disable(tenantId: TenantId, url: string, at: Date, reason: string): TE.TaskEither<AppError, void> {
    return TE.tryCatch(async () => {
      await this.db
        .updateTable('webhook_endpoints')
        .set({ disabled_at: at.toISOString(), disabled_reason: reason.slice(0, 256) })
        .where('tenant_id', '=', tenantId)
        .where('url', '=', url)
        .where('disabled_at', 'is', null)
        .execute();
    }, unavailable);
  }

  globalDisabled(): TE.TaskEither<AppError, string | undefined> {
    return TE.tryCatch(async () => {
      const row = await this.db.selectFrom('webhook_endpoints').select('url').where('tenant_id', '=', GLOBAL).executeTakeFirst();
      return row?.url;
    }, unavailable);
  }

  disableGlobal(url: string, at: Date, reason: string): TE.TaskEither<AppError, void> {
    return TE.tryCatch(async () => {
      const values = { url, secret: null, created_at: at.toISOString(), disabled_at: at.toISOString(), disabled_reason: reason.slice(0, 256) };
      await this.db
        .insertInto('webhook_endpoints')
        .values({ tenant_id: GLOBAL, ...values })
        .onConflict((oc) => oc.column('tenant_id').doUpdateSet(values))
        .execute();
    }, unavailable);
  }
}
