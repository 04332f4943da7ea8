import * as TE from 'fp-ts/lib/TaskEither.js';
import type { ApiKeyRecord, ApiKeyStore } from '../../application/ports/api-key-store.js';
import { AppError } from '../../domain/errors.js';
import type { TenantId } from '../../domain/tenant.js';

/** API keys in one process (embedders with a custom connection store, tests). */
export class InMemoryApiKeyStore implements ApiKeyStore {
  private readonly rows = new Map<string, ApiKeyRecord>();

  insert(r: ApiKeyRecord): TE.TaskEither<AppError, void> {
    if (this.rows.has(r.id) || [...this.rows.values()].some((x) => x.hash === r.hash)) {
      return TE.left(AppError.internal('An API key with this id or hash exists.'));
    }
    return TE.fromIO(() => {
      this.rows.set(r.id, r);
    });
  }

  findByHash(hash: string): TE.TaskEither<AppError, ApiKeyRecord | undefined> {
    return TE.right([...this.rows.values()].find((r) => r.hash === hash));
  }

  find(id: string): TE.TaskEither<AppError, ApiKeyRecord | undefined> {
    return TE.right(this.rows.get(id));
  }

  list(tenantId?: TenantId): TE.TaskEither<AppError, readonly ApiKeyRecord[]> {
    return TE.right(
      [...this.rows.values()]
        .filter((r) => tenantId === undefined || r.tenantId === tenantId)
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id)),
    );
  }

  revoke(id: string, now: Date): TE.TaskEither<AppError, boolean> {
    return TE.fromIO(() => {
      const r = this.rows.get(id);
      if (!r || r.revokedAt !== null) return false;
      this.rows.set(id, { ...r, revokedAt: now });
      return true;
    });
  }

  touch(id: string, now: Date, notBefore: Date): TE.TaskEither<AppError, void> {
    return TE.fromIO(() => {
      const r = this.rows.get(id);
      if (r && (r.lastUsedAt === null || r.lastUsedAt.getTime() < notBefore.getTime())) this.rows.set(id, { ...r, lastUsedAt: now });
    });
  }
}
