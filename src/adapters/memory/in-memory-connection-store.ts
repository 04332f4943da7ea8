import * as TE from 'fp-ts/lib/TaskEither.js';
import type { Connection } from '../../domain/connection.js';
import type { ConnectorId } from '../../domain/connector.js';
import type { AppError } from '../../domain/errors.js';
import type { TenantId } from '../../domain/tenant.js';
import type { ConnectionDraft, ConnectionStore } from '../../application/ports/connection-store.js';

const keyOf = (tenantId: string, connector: string): string => JSON.stringify([tenantId, connector]);

/** A ConnectionStore in process memory: for unit tests and for embedders that keep nothing. */
export class InMemoryConnectionStore implements ConnectionStore {
  private readonly rows = new Map<string, Connection>();

  find(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<AppError, Connection | undefined> {
    return TE.right(this.rows.get(keyOf(tenantId, connector)));
  }

  list(tenantId: TenantId): TE.TaskEither<AppError, readonly Connection[]> {
    return TE.right([...this.rows.values()].filter((r) => r.tenantId === tenantId));
  }

  save(draft: ConnectionDraft, now: Date): TE.TaskEither<AppError, Connection> {
    return TE.fromIO(() => {
      const key = keyOf(draft.tenantId, draft.connector);
      const existing = this.rows.get(key);
      const row: Connection = {
        ...draft,
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
        version: (existing?.version ?? 0) + 1,
      };
      this.rows.set(key, row);
      return row;
    });
  }

  update(next: Connection, now: Date): TE.TaskEither<AppError, Connection | undefined> {
    return TE.fromIO(() => {
      const key = keyOf(next.tenantId, next.connector);
      const existing = this.rows.get(key);
      if (!existing || existing.version !== next.version) return undefined;
      const row: Connection = { ...next, updatedAt: now, version: next.version + 1 };
      this.rows.set(key, row);
      return row;
    });
  }

  delete(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<AppError, boolean> {
    return TE.fromIO(() => this.rows.delete(keyOf(tenantId, connector)));
  }

  ping(): TE.TaskEither<AppError, void> {
    return TE.right(undefined);
  }
}
