import * as TE from 'fp-ts/lib/TaskEither.js';
import type { Connection } from '../../domain/connection.js';
import type { ConnectorId } from '../../domain/connector.js';
import type { AppError } from '../../domain/errors.js';
import type { TenantId } from '../../domain/tenant.js';
import {
  eventsFor,
  type ConnectionDraft,
  type ConnectionStore,
  type EventsOf,
  type RefreshedCredentials,
} from '../../application/ports/connection-store.js';
import { InMemoryEventOutbox } from './in-memory-event-outbox.js';

const keyOf = (tenantId: string, connector: string): string => JSON.stringify([tenantId, connector]);

/** A ConnectionStore in process memory: for unit tests and for embedders that keep nothing. */
export class InMemoryConnectionStore implements ConnectionStore {
  private readonly rows = new Map<string, Connection>();
  private readonly leases = new Map<string, { owner: string; until: number }>();
  /** Where the events of its writes are recorded, in the same step as the write (the service's outbox when composed). */
  readonly outbox: InMemoryEventOutbox;

  constructor(opts: { readonly outbox?: InMemoryEventOutbox } = {}) {
    this.outbox = opts.outbox ?? new InMemoryEventOutbox();
  }

  find(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<AppError, Connection | undefined> {
    return TE.right(this.rows.get(keyOf(tenantId, connector)));
  }

  list(tenantId: TenantId): TE.TaskEither<AppError, readonly Connection[]> {
    return TE.right([...this.rows.values()].filter((r) => r.tenantId === tenantId));
  }

  save(draft: ConnectionDraft, now: Date, events?: EventsOf<Connection>): TE.TaskEither<AppError, Connection> {
    return TE.fromIO(() => {
      const key = keyOf(draft.tenantId, draft.connector);
      const existing = this.rows.get(key);
      const row: Connection = {
        ...draft,
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
        version: (existing?.version ?? 0) + 1,
      };
      // The events are made before anything is written: a failure leaves neither.
      const recorded = eventsFor(events, row);
      this.rows.set(key, row);
      this.outbox.append(recorded);
      return row;
    });
  }

  update(next: Connection, now: Date, events?: EventsOf<Connection>): TE.TaskEither<AppError, Connection | undefined> {
    return TE.fromIO(() => {
      const key = keyOf(next.tenantId, next.connector);
      const existing = this.rows.get(key);
      if (!existing || existing.version !== next.version) return undefined;
      const row: Connection = { ...next, updatedAt: now, version: next.version + 1 };
      const recorded = eventsFor(events, row);
      this.rows.set(key, row);
      this.outbox.append(recorded);
      return row;
    });
  }

  delete(tenantId: TenantId, connector: ConnectorId, events?: EventsOf<Connection>): TE.TaskEither<AppError, boolean> {
    return TE.fromIO(() => {
      const key = keyOf(tenantId, connector);
      const row = this.rows.get(key);
      if (!row) return false;
      const recorded = eventsFor(events, row);
      this.rows.delete(key);
      this.outbox.append(recorded);
      return true;
    });
  }

  ping(): TE.TaskEither<AppError, void> {
    return TE.right(undefined);
  }

  tryAcquireRefreshLease(tenantId: TenantId, grantId: string, owner: string, now: Date, until: Date): TE.TaskEither<AppError, boolean> {
    return TE.fromIO(() => {
      const key = keyOf(tenantId, grantId);
      const held = this.leases.get(key);
      if (held && held.until > now.getTime()) return false;
      if (!this.grantRows(tenantId, grantId).some((r) => r.status === 'active')) return false;
      this.leases.set(key, { owner, until: until.getTime() });
      return true;
    });
  }

  completeRefresh(tenantId: TenantId, grantId: string, owner: string, refreshed: RefreshedCredentials): TE.TaskEither<AppError, boolean> {
    return TE.fromIO(() => {
      const key = keyOf(tenantId, grantId);
      if (this.leases.get(key)?.owner !== owner) return false;
      this.leases.delete(key);
      for (const row of this.grantRows(tenantId, grantId)) {
        this.rows.set(keyOf(row.tenantId, row.connector), {
          ...row,
          credentials: refreshed.credentials,
          expiresAt: refreshed.expiresAt,
          refreshedAt: refreshed.refreshedAt,
          scopes: refreshed.scopes ?? row.scopes,
          updatedAt: refreshed.refreshedAt,
          version: row.version + 1,
        });
      }
      return true;
    });
  }

  releaseRefreshLease(tenantId: TenantId, grantId: string, owner: string): TE.TaskEither<AppError, void> {
    return TE.fromIO(() => {
      const key = keyOf(tenantId, grantId);
      if (this.leases.get(key)?.owner === owner) this.leases.delete(key);
    });
  }

  markNeedsReauth(tenantId: TenantId, grantId: string, now: Date, events?: EventsOf<readonly Connection[]>): TE.TaskEither<AppError, void> {
    return TE.fromIO(() => {
      const next = this.grantRows(tenantId, grantId).map((row) => ({ before: row, after: { ...row, status: 'needs_reauth' as const, updatedAt: now, version: row.version + 1 } }));
      const recorded = eventsFor(
        events,
        next.filter((n) => n.before.status === 'active').map((n) => n.after),
      );
      for (const { after } of next) this.rows.set(keyOf(after.tenantId, after.connector), after);
      this.outbox.append(recorded);
    });
  }

  listAll(): TE.TaskEither<AppError, readonly Connection[]> {
    const order = (a: Connection, b: Connection): number =>
      a.tenantId === b.tenantId ? a.connector.localeCompare(b.connector) : a.tenantId < b.tenantId ? -1 : 1;
    return TE.right([...this.rows.values()].sort(order));
  }

  listSealed(): TE.TaskEither<AppError, readonly Connection[]> {
    return TE.right([...this.rows.values()].filter((r) => r.credentials !== null));
  }

  private grantRows(tenantId: TenantId, grantId: string): Connection[] {
    return [...this.rows.values()].filter((r) => r.tenantId === tenantId && r.grantId === grantId);
  }
}
