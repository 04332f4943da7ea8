import * as TE from 'fp-ts/lib/TaskEither.js';
import type {
  AttemptOutcome,
  DueDelivery,
  Delivery,
  DeliveryQuery,
  EventDeliveries,
  Routable,
  WebhookEndpoint,
  WebhookEndpoints,
} from '../../application/ports/event-deliveries.js';
import type { EventOutbox, EventQuery } from '../../application/ports/event-outbox.js';
import type { AppError } from '../../domain/errors.js';
import type { NewEvent, StoredEvent } from '../../domain/events.js';
import type { TenantId } from '../../domain/tenant.js';

interface Row {
  readonly event: StoredEvent;
  readonly recordedAt: number;
  delivery: Delivery;
  lease?: { owner: string; until: number };
}

const routes = (routable: Routable, tenantId: TenantId): boolean =>
  'only' in routable ? routable.only.includes(tenantId) : !routable.except.includes(tenantId);

/** The outbox and its deliveries in one process (embedders without a database, tests): same rules as the SQL one. */
export class InMemoryEventOutbox implements EventOutbox, EventDeliveries {
  private rows: Row[] = [];
  private readonly top = new Map<string, number>();
  private readonly endpointLeases = new Map<string, { owner: string; until: number }>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Synchronous, so a store in this process can record a change's events in the same step as the change. */
  append(events: readonly NewEvent[]): StoredEvent[] {
    const stored: StoredEvent[] = [];
    const at = this.now().getTime();
    for (const e of events) {
      if (this.rows.some((r) => r.event.tenantId === e.tenantId && r.event.id === e.id)) continue;
      const sequence = (this.top.get(e.tenantId) ?? 0) + 1;
      this.top.set(e.tenantId, sequence);
      const event: StoredEvent = { ...e, sequence };
      const delivery: Delivery = {
        tenantId: e.tenantId,
        eventId: e.id,
        eventType: e.type,
        sequence,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: new Date(at),
        firstAttemptAt: null,
        lastAttemptAt: null,
        lastResult: null,
        endpointUrl: null,
        deliveredAt: null,
      };
      this.rows.push({ event, recordedAt: at, delivery });
      stored.push(event);
    }
    return stored;
  }

  record(events: readonly NewEvent[]): TE.TaskEither<AppError, readonly StoredEvent[]> {
    return TE.fromIO(() => this.append(events));
  }

  list(query: EventQuery): TE.TaskEither<AppError, readonly StoredEvent[]> {
    return TE.fromIO(() =>
      this.rows
        .map((r) => r.event)
        .filter(
          (e) =>
            e.tenantId === query.tenantId &&
            (query.afterSequence === undefined || e.sequence > query.afterSequence) &&
            (query.types === undefined || query.types.length === 0 || query.types.includes(e.type)),
        )
        .slice(0, Math.max(1, query.limit)),
    );
  }

  prune(before: Date): TE.TaskEither<AppError, number> {
    return TE.fromIO(() => {
      // A tenant's newest event is kept however old, as in the SQL outbox.
      const kept = this.rows.filter((r) => r.recordedAt >= before.getTime() || r.event.sequence === this.top.get(r.event.tenantId));
      const removed = this.rows.length - kept.length;
      this.rows = kept;
      return removed;
    });
  }

  dueHeads(input: { readonly now: Date; readonly limit: number; readonly routable: Routable }): TE.TaskEither<AppError, readonly DueDelivery[]> {
    return TE.fromIO(() => {
      const now = input.now.getTime();
      const heads = new Map<string, Row>();
      for (const r of this.rows) {
        if (r.delivery.status !== 'pending') continue;
        const head = heads.get(r.event.tenantId);
        if (!head || r.event.sequence < head.event.sequence) heads.set(r.event.tenantId, r);
      }
      const due = [...heads.values()]
        .filter((r) => r.delivery.nextAttemptAt.getTime() <= now && (!r.lease || r.lease.until < now) && routes(input.routable, r.event.tenantId))
        .sort((a, b) => a.delivery.nextAttemptAt.getTime() - b.delivery.nextAttemptAt.getTime())
        .slice(0, input.limit);
      return due.map((r) => ({ delivery: r.delivery, event: r.event }));
    });
  }

  claimEndpoint(key: string, owner: string, now: Date, until: Date): TE.TaskEither<AppError, boolean> {
    return TE.fromIO(() => {
      const held = this.endpointLeases.get(key);
      if (held && held.until > now.getTime()) return false;
      this.endpointLeases.set(key, { owner, until: until.getTime() });
      return true;
    });
  }

  releaseEndpoint(key: string, owner: string): TE.TaskEither<AppError, void> {
    return TE.fromIO(() => {
      if (this.endpointLeases.get(key)?.owner === owner) this.endpointLeases.delete(key);
    });
  }

  claim(tenantId: TenantId, eventId: string, owner: string, now: Date, until: Date): TE.TaskEither<AppError, boolean> {
    return TE.fromIO(() => {
      const r = this.rows.find((x) => x.event.tenantId === tenantId && x.event.id === eventId);
      if (!r || r.delivery.status !== 'pending' || (r.lease && r.lease.until >= now.getTime())) return false;
      r.lease = { owner, until: until.getTime() };
      return true;
    });
  }

  complete(tenantId: TenantId, eventId: string, owner: string, outcome: AttemptOutcome): TE.TaskEither<AppError, boolean> {
    return TE.fromIO(() => {
      const r = this.rows.find((x) => x.event.tenantId === tenantId && x.event.id === eventId);
      if (!r || r.lease?.owner !== owner) return false;
      delete r.lease;
      const d = r.delivery;
      r.delivery = {
        ...d,
        status: outcome.kind === 'retry' ? 'pending' : outcome.kind,
        attempts: d.attempts + 1,
        firstAttemptAt: d.firstAttemptAt ?? outcome.at,
        lastAttemptAt: outcome.at,
        lastResult: outcome.result,
        endpointUrl: outcome.url,
        deliveredAt: outcome.kind === 'delivered' ? outcome.at : d.deliveredAt,
        nextAttemptAt: outcome.kind === 'retry' ? outcome.nextAttemptAt : d.nextAttemptAt,
      };
      return true;
    });
  }

  listDeliveries(query: DeliveryQuery): TE.TaskEither<AppError, readonly Delivery[]> {
    return TE.fromIO(() =>
      this.rows
        .map((r) => r.delivery)
        .filter(
          (d) =>
            (query.tenantId === undefined || d.tenantId === query.tenantId) &&
            (query.failed !== true || d.status === 'dead' || (d.status === 'pending' && d.attempts > 0)),
        )
        .sort((a, b) => (a.tenantId === b.tenantId ? a.sequence - b.sequence : a.tenantId < b.tenantId ? -1 : 1))
        .slice(0, query.limit),
    );
  }

  redeliver(eventId: string, now: Date, tenantId?: TenantId): TE.TaskEither<AppError, boolean> {
    return TE.fromIO(() => {
      let found = false;
      for (const r of this.rows) {
        if (r.event.id !== eventId || (tenantId !== undefined && r.event.tenantId !== tenantId)) continue;
        found = true;
        if (r.delivery.status === 'pending') continue;
        delete r.lease;
        r.delivery = { ...r.delivery, status: 'pending', attempts: 0, nextAttemptAt: now, firstAttemptAt: null, deliveredAt: null };
      }
      return found;
    });
  }
}

/** Tenants' webhook endpoints in one process. */
export class InMemoryWebhookEndpoints implements WebhookEndpoints {
  private readonly rows = new Map<string, WebhookEndpoint>();
  private gone: string | undefined;

  get(tenantId: TenantId): TE.TaskEither<AppError, WebhookEndpoint | undefined> {
    return TE.fromIO(() => this.rows.get(tenantId));
  }

  listAll(): TE.TaskEither<AppError, readonly WebhookEndpoint[]> {
    return TE.fromIO(() => [...this.rows.values()].sort((a, b) => (a.tenantId < b.tenantId ? -1 : 1)));
  }

  put(endpoint: Omit<WebhookEndpoint, 'disabledAt' | 'disabledReason'>): TE.TaskEither<AppError, void> {
    return TE.fromIO(() => {
      this.rows.set(endpoint.tenantId, { ...endpoint, disabledAt: null, disabledReason: null });
    });
  }

  delete(tenantId: TenantId): TE.TaskEither<AppError, boolean> {
    return TE.fromIO(() => this.rows.delete(tenantId));
  }

  disable(tenantId: TenantId, url: string, at: Date, reason: string): TE.TaskEither<AppError, void> {
    return TE.fromIO(() => {
      const row = this.rows.get(tenantId);
      if (row && row.url === url && row.disabledAt === null) this.rows.set(tenantId, { ...row, disabledAt: at, disabledReason: reason });
    });
  }

  globalDisabled(): TE.TaskEither<AppError, string | undefined> {
    return TE.fromIO(() => this.gone);
  }

  disableGlobal(url: string): TE.TaskEither<AppError, void> {
    return TE.fromIO(() => {
      this.gone = url;
    });
  }
}
