import * as TE from 'fp-ts/lib/TaskEither.js';
import type { Kysely } from 'kysely';
import { AppError } from '../../domain/errors.js';
import type { TenantId } from '../../domain/tenant.js';
import type { ClaimResult, IdempotencyRecord, IdempotencyStore } from '../../application/ports/idempotency-store.js';
import type { Database } from './schema.js';

const unavailable = (err: unknown): AppError => AppError.internal('The idempotency store is unavailable.', { cause: err });

/**
 * Idempotency keys as rows (primary key tenant_id, key): the claim is an insert that does
 * nothing on conflict, so the database decides which of concurrent requests runs.
 */
export class KyselyIdempotencyStore implements IdempotencyStore {
  constructor(private readonly db: Kysely<Database>) {}

  claim(record: Omit<IdempotencyRecord, 'response'>, now: Date): TE.TaskEither<AppError, ClaimResult> {
    return TE.tryCatch(async () => {
      const at = now.toISOString();
      // Expired keys of every tenant, and this key if its first request was lost (lock ran out).
      await this.db.deleteFrom('idempotency_keys').where('expires_at', '<=', at).execute();
      await this.db
        .deleteFrom('idempotency_keys')
        .where('tenant_id', '=', record.tenantId)
        .where('key', '=', record.key)
        .where('response', 'is', null)
        .where('locked_until', '<=', at)
        .execute();
      const inserted = await this.db
        .insertInto('idempotency_keys')
        .values({
          tenant_id: record.tenantId,
          key: record.key,
          fingerprint: record.fingerprint,
          response: null,
          created_at: record.createdAt.toISOString(),
          expires_at: record.expiresAt.toISOString(),
          locked_until: record.lockedUntil.toISOString(),
        })
        .onConflict((oc) => oc.columns(['tenant_id', 'key']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) return { claimed: true as const };
      const row = await this.db
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('tenant_id', '=', record.tenantId)
        .where('key', '=', record.key)
        .executeTakeFirst();
      if (!row) {
        // Released between our insert and read: the other request failed; this one may run.
        return { claimed: false as const, existing: { ...record } };
      }
      return {
        claimed: false as const,
        existing: {
          tenantId: row.tenant_id as TenantId,
          key: row.key,
          fingerprint: row.fingerprint,
          ...(row.response !== null ? { response: row.response } : {}),
          createdAt: new Date(row.created_at),
          expiresAt: new Date(row.expires_at),
          lockedUntil: new Date(row.locked_until),
        },
      };
    }, unavailable);
  }

  complete(tenantId: TenantId, key: string, response: string): TE.TaskEither<AppError, void> {
    return TE.tryCatch(async () => {
      await this.db.updateTable('idempotency_keys').set({ response }).where('tenant_id', '=', tenantId).where('key', '=', key).execute();
    }, unavailable);
  }

  release(tenantId: TenantId, key: string): TE.TaskEither<AppError, void> {
    return TE.tryCatch(async () => {
      await this.db.deleteFrom('idempotency_keys').where('tenant_id', '=', tenantId).where('key', '=', key).where('response', 'is', null).execute();
    }, unavailable);
  }
}
