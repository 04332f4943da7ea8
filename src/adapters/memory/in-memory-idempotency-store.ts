import * as TE from 'fp-ts/lib/TaskEither.js';
import type { AppError } from '../../domain/errors.js';
import type { TenantId } from '../../domain/tenant.js';
import type { ClaimResult, IdempotencyRecord, IdempotencyStore } from '../../application/ports/idempotency-store.js';

/** Idempotency keys of one process (the embedded store, the tests). */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  private readonly records = new Map<string, IdempotencyRecord>();

  private static id(tenantId: TenantId, key: string): string {
    return JSON.stringify([tenantId, key]);
  }

  claim(record: Omit<IdempotencyRecord, 'response'>, now: Date): TE.TaskEither<AppError, ClaimResult> {
    return TE.fromIO(() => {
      for (const [id, r] of this.records) if (r.expiresAt.getTime() <= now.getTime()) this.records.delete(id);
      const id = InMemoryIdempotencyStore.id(record.tenantId, record.key);
      const existing = this.records.get(id);
      if (existing && !(existing.response === undefined && existing.lockedUntil.getTime() <= now.getTime())) {
        return { claimed: false, existing };
      }
      this.records.set(id, { ...record });
      return { claimed: true };
    });
  }

  complete(tenantId: TenantId, key: string, response: string): TE.TaskEither<AppError, void> {
    return TE.fromIO(() => {
      const id = InMemoryIdempotencyStore.id(tenantId, key);
      const existing = this.records.get(id);
      if (existing) this.records.set(id, { ...existing, response });
    });
  }

  release(tenantId: TenantId, key: string): TE.TaskEither<AppError, void> {
    return TE.fromIO(() => {
      const id = InMemoryIdempotencyStore.id(tenantId, key);
      if (this.records.get(id)?.response === undefined) this.records.delete(id);
    });
  }
}
