/**
 * Jira dynamic webhooks for OAuth connections (issue 14, docs/events-inbound.md): registered
 * when a tenant has an active Jira OAuth connection and PUBLIC_BASE_URL says where Atlassian
 * can reach us, refreshed before their 30-day expiry, registered again when the site or the
 * project filter changed, and deleted at Atlassian when the tenant disconnects.
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type { Connection } from '../../domain/connection.js';
import type { ConnectorId } from '../../domain/connector.js';
import type { AppError } from '../../domain/errors.js';
import { JIRA_WEBHOOK_EVENTS, webhookJql } from '../../domain/inbound.js';
import type { TenantId } from '../../domain/tenant.js';
import type { AccessProvider } from '../ports/access-provider.js';
import type { Clock } from '../ports/clock.js';
import type { ConnectionListing, ConnectionRepository } from '../ports/connection-store.js';
import type { InboundStore, JiraWebhookApi, WebhookRegistration } from '../ports/inbound-sync.js';
import type { Logger } from '../ports/logger.js';
import { underLease } from './lease.js';

export interface JiraWebhookSettings {
  /** Where Atlassian sends deliveries: `${PUBLIC_BASE_URL}/webhooks/jira`. */
  readonly deliveryUrl: string;
  /** JIRA_PROJECTS_FILTER. */
  readonly projects: readonly string[];
  /** Refresh when a webhook expires within this long. */
  readonly refreshBeforeMs: number;
  /** How long Jira keeps a new or refreshed webhook (30 days). */
  readonly lifetimeMs: number;
}

export const WEBHOOK_LIFETIME_MS = 30 * 24 * 3_600_000;
/** A third of the lifetime: a refresh that fails is tried again at every reconcile for ten days. */
export const WEBHOOK_REFRESH_BEFORE_MS = 10 * 24 * 3_600_000;

const run = async <A>(task: TE.TaskEither<AppError, A>): Promise<A> => {
  const r = await task();
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
};

/** How long one instance holds a tenant's reconcile (longer than its few calls to Atlassian). */
const LEASE_MS = 2 * 60_000;

/** After a tenant's reconcile failed: the first retry waits this long, doubling up to the cap. */
const RETRY_FIRST_MS = 60_000;
const RETRY_CAP_MS = 6 * 3_600_000;

export class JiraWebhookRegistrations {
  /** Tenants whose last reconcile failed (a missing scope, Atlassian down): not before `nextAt`. */
  private readonly failures = new Map<TenantId, { count: number; nextAt: number }>();

  constructor(
    private readonly ports: {
      connections: ConnectionListing & Pick<ConnectionRepository, 'find'>;
      access: Pick<AccessProvider, 'access'>;
      api: JiraWebhookApi;
      store: InboundStore;
      clock: Clock;
      logger: Logger;
      settings: JiraWebhookSettings;
    },
  ) {}

  private get jql(): string {
    return webhookJql(this.ports.settings.projects);
  }

  /** Every tenant: registers, refreshes, re-registers or forgets as needed; one tenant's failure does not stop the others. */
  /** With `stopping`, the tenants not reached when it turns true wait for the next round (shutdown). */
  async reconcileAll(stopping: () => boolean = () => false): Promise<{ registered: number; refreshed: number; removed: number }> {
    const totals = { registered: 0, refreshed: 0, removed: 0 };
    const connections = (await run(this.ports.connections.listAll())).filter(isWebhookConnection);
    const registrations = await run(this.ports.store.allRegistrations());
    const tenants = new Set<TenantId>([...connections.map((c) => c.tenantId), ...registrations.map((r) => r.tenantId)]);
    const now = this.ports.clock.now().getTime();
    for (const tenantId of tenants) {
      if (stopping()) break;
      const failed = this.failures.get(tenantId);
      if (failed && failed.nextAt > now) continue;
      try {
        const conn = connections.find((c) => c.tenantId === tenantId);
        // One instance at a time per tenant, reading the registrations again under the lease
        // (another instance may have just registered).
        const done = (await underLease(this.ports, `webhooks:${tenantId}`, LEASE_MS, async () =>
          this.reconcile(tenantId, conn, registrations.some((r) => r.tenantId === tenantId) || conn ? await run(this.ports.store.registrations(tenantId)) : []),
        )) ?? { registered: 0, refreshed: 0, removed: 0 };
        this.failures.delete(tenantId);
        totals.registered += done.registered;
        totals.refreshed += done.refreshed;
        totals.removed += done.removed;
      } catch (err) {
        const count = (failed?.count ?? 0) + 1;
        this.failures.set(tenantId, { count, nextAt: now + Math.min(RETRY_CAP_MS, RETRY_FIRST_MS * 2 ** (count - 1)) });
        this.ports.logger.warn({ tenant: tenantId, err: err instanceof Error ? err.message : String(err) }, 'jira webhooks could not be reconciled for a tenant');
      }
    }
    return totals;
  }

  /** One tenant now (after its OAuth connection was made). */
  async reconcileTenant(tenantId: TenantId): Promise<void> {
    const found = await run(this.ports.connections.find(tenantId, 'jira'));
    const conn = found && isWebhookConnection(found) ? found : undefined;
    await underLease(this.ports, `webhooks:${tenantId}`, LEASE_MS, async () => this.reconcile(tenantId, conn, await run(this.ports.store.registrations(tenantId))));
  }

  private async reconcile(
    tenantId: TenantId,
    conn: Connection | undefined,
    mine: readonly WebhookRegistration[],
  ): Promise<{ registered: number; refreshed: number; removed: number }> {
    const { settings, store, api, access, clock, logger } = this.ports;
    const done = { registered: 0, refreshed: 0, removed: 0 };
    const current = mine.filter((r) => conn !== undefined && r.cloudId === conn.cloudId && r.jql === this.jql && r.url === settings.deliveryUrl);
    const stale = mine.filter((r) => !current.includes(r));
    if (stale.length > 0) {
      // Only the connection's own site can be reached with its token; webhooks of another site expire there on their own.
      const reachable = stale.filter((r) => conn !== undefined && r.cloudId === conn.cloudId).map((r) => r.webhookId);
      if (reachable.length > 0) {
        const ctx = await run(access.access(tenantId, 'jira'));
        const deleted = await api.deleteWebhooks(ctx, reachable)();
        if (E.isLeft(deleted)) logger.warn({ tenant: tenantId, err: deleted.left.message }, 'stale jira webhooks could not be deleted at Atlassian');
      }
      for (const cloudId of new Set(stale.map((r) => r.cloudId))) {
        await run(store.deleteRegistrations(tenantId, cloudId, stale.filter((r) => r.cloudId === cloudId).map((r) => r.webhookId)));
      }
      done.removed += stale.length;
    }
    if (!conn?.cloudId) return done;
    const now = clock.now();
    if (current.length === 0) {
      const ctx = await run(access.access(tenantId, 'jira'));
      const result = await run(api.registerWebhooks(ctx, { url: settings.deliveryUrl, webhooks: [{ events: JIRA_WEBHOOK_EVENTS, jqlFilter: this.jql }] }));
      if (result.errors.length > 0) logger.warn({ tenant: tenantId, errors: result.errors.slice(0, 5) }, 'jira refused a webhook registration');
      // Refused (Jira answers 200 with errors): failed, so the next attempt backs off.
      if (result.ids.length === 0) throw new Error(`Jira registered no webhook${result.errors[0] ? `: ${result.errors[0]}` : ''}`);
      const expiresAt = new Date(now.getTime() + settings.lifetimeMs);
      const cloudId = conn.cloudId;
      await run(store.saveRegistrations(result.ids.map((webhookId) => ({ tenantId, cloudId, webhookId, expiresAt, jql: this.jql, url: settings.deliveryUrl }))));
      if (result.ids.length > 0) logger.info({ tenant: tenantId, webhooks: result.ids.length }, 'jira webhooks registered');
      done.registered += result.ids.length;
      return done;
    }
    const soonest = Math.min(...current.map((r) => r.expiresAt.getTime()));
    if (soonest - now.getTime() <= settings.refreshBeforeMs) {
      const ctx = await run(access.access(tenantId, 'jira'));
      const expiresAt = await run(api.refreshWebhooks(ctx, current.map((r) => r.webhookId)));
      await run(store.saveRegistrations(current.map((r) => ({ ...r, expiresAt }))));
      logger.info({ tenant: tenantId, webhooks: current.length, expires_at: expiresAt.toISOString() }, 'jira webhooks refreshed');
      done.refreshed += current.length;
    }
    return done;
  }

  /**
   * Before a connection and its token are gone: deletes the tenant's Jira webhooks at
   * Atlassian (best effort: a failure is logged, and they expire there within 30 days) and
   * forgets them. Never fails the disconnect.
   */
  disconnecting(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<never, void> {
    if (connector !== 'jira') return TE.right(undefined);
    return pipe(
      TE.tryCatch(async (): Promise<void> => {
        const mine = await run(this.ports.store.registrations(tenantId));
        if (mine.length === 0) return;
        const conn = await run(this.ports.connections.find(tenantId, 'jira'));
        const reachable = mine.filter((r) => conn !== undefined && r.cloudId === conn.cloudId).map((r) => r.webhookId);
        if (reachable.length > 0) {
          const ctx = await this.ports.access.access(tenantId, 'jira')();
          const deleted = E.isRight(ctx) ? await this.ports.api.deleteWebhooks(ctx.right, reachable)() : ctx;
          if (E.isLeft(deleted)) this.ports.logger.warn({ tenant: tenantId, err: deleted.left.message }, 'jira webhooks could not be deleted at Atlassian on disconnect; they expire there within 30 days');
          else this.ports.logger.info({ tenant: tenantId, webhooks: reachable.length }, 'jira webhooks deleted on disconnect');
        }
        for (const cloudId of new Set(mine.map((r) => r.cloudId))) {
          await run(this.ports.store.deleteRegistrations(tenantId, cloudId, mine.filter((r) => r.cloudId === cloudId).map((r) => r.webhookId)));
        }
      }, (err) => err),
      TE.orElse((err): TE.TaskEither<never, void> => {
        this.ports.logger.warn({ tenant: tenantId, err: err instanceof Error ? err.message : String(err) }, 'jira webhooks could not be cleaned up on disconnect');
        return TE.right(undefined);
      }),
    );
  }
}

/** Dynamic webhooks exist for OAuth apps only, on an active connection to one site. */
const isWebhookConnection = (c: Connection): boolean => c.connector === 'jira' && c.authType === 'oauth' && c.status === 'active' && c.cloudId !== null;
