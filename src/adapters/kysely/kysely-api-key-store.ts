import * as TE from 'fp-ts/lib/TaskEither.js';
import type { Kysely, Selectable } from 'kysely';
import type { ApiKeyRecord, ApiKeyStore } from '../../application/ports/api-key-store.js';
import { isScope } from '../../domain/caller.js';
import { AppError } from '../../domain/errors.js';
import type { TenantId } from '../../domain/tenant.js';
import type { ApiKeysTable, Database } from './schema.js';

const date = (s: string | null): Date | null => (s === null ? null : new Date(s));

const toRecord = (row: Selectable<ApiKeysTable>): ApiKeyRecord => ({
  id: row.id,
  tenantId: row.tenant_id as TenantId | null,
  name: row.name,
  scopes: (JSON.parse(row.scopes) as string[]).filter(isScope),
  operator: Number(row.operator) === 1,
  hash: row.key_hash,
  createdAt: new Date(row.created_at),
  lastUsedAt: date(row.last_used_at),
  expiresAt: date(row.expires_at),
  revokedAt: date(row.revoked_at),
});

const unavailable = (err: unknown): AppError => AppError.internal('The API key store is unavailable.', { cause: err });

/** API keys in SQLite or PostgreSQL, looked up by the unique index on key_hash. */
export class KyselyApiKeyStore implements ApiKeyStore {
  constructor(private readonly db: Kysely<Database>) {}

  insert(r: ApiKeyRecord): TE.TaskEither<AppError, void> {
    return TE.tryCatch(async () => {
      await this.db
        .insertInto('api_keys')
        .values({
          id: r.id,
          tenant_id: r.tenantId,
          name: r.name,
          scopes: JSON.stringify(r.scopes),
          operator: r.operator ? 1 : 0,
          key_hash: r.hash,
          created_at: r.createdAt.toISOString(),
          last_used_at: r.lastUsedAt?.toISOString() ?? null,
          expires_at: r.expiresAt?.toISOString() ?? null,
          revoked_at: r.revokedAt?.toISOString() ?? null,
        })
        .execute();
    }, unavailable);
  }

  findByHash(hash: string): TE.TaskEither<AppError, ApiKeyRecord | undefined> {
    return TE.tryCatch(async () => {
      const row = await this.db.selectFrom('api_keys').selectAll().where('key_hash', '=', hash).executeTakeFirst();
      return row && toRecord(row);
    }, unavailable);
  }

  find(id: string): TE.TaskEither<AppError, ApiKeyRecord | undefined> {
    return TE.tryCatch(async () => {
      const row = await this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toRecord(row);
    }, unavailable);
  }

  list(tenantId?: TenantId): TE.TaskEither<AppError, readonly ApiKeyRecord[]> {
    return TE.tryCatch(async () => {
      let q = this.db.selectFrom('api_keys').selectAll();
      if (tenantId !== undefined) q = q.where('tenant_id', '=', tenantId);
      const rows = await q.orderBy('created_at').orderBy('id').execute();
      return rows.map(toRecord);
    }, unavailable);
  }

  revoke(id: string, now: Date): TE.TaskEither<AppError, boolean> {
    return TE.tryCatch(async () => {
      const r = await this.db.updateTable('api_keys').set({ revoked_at: now.toISOString() }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    }, unavailable);
  }

  touch(id: string, now: Date, notBefore: Date): TE.TaskEither<AppError, void> {
    return TE.tryCatch(async () => {
      await this.db
        .updateTable('api_keys')
        .set({ last_used_at: now.toISOString() })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', notBefore.toISOString())]))
        .execute();
    }, unavailable);
  }
}
