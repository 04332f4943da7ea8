import { randomUUID } from 'node:crypto';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type { Kysely, Selectable } from 'kysely';
import type { AuditEntry, AuditLog, AuditQuery } from '../../application/ports/audit-log.js';
import { AppError } from '../../domain/errors.js';
import type { TenantId } from '../../domain/tenant.js';
import type { AuditLogTable, Database } from './schema.js';

/** The most entries one `list` answers. */
const MAX_LIST = 10_000;

const toEntry = (row: Selectable<AuditLogTable>): AuditEntry => ({
  at: new Date(row.at),
  tenantId: row.tenant_id as TenantId,
  callerId: row.caller_id,
  operation: row.operation,
  target: row.target,
  outcome: row.outcome,
  requestId: row.request_id,
});

const unavailable = (err: unknown): AppError => AppError.internal('The audit log is unavailable.', { cause: err });

/** The audit trail in SQLite or PostgreSQL (table audit_log, migration 0005_audit): one insert per entry. */
export class KyselyAuditLog implements AuditLog {
  constructor(private readonly db: Kysely<Database>) {}

  append(e: AuditEntry): TE.TaskEither<AppError, void> {
    return TE.tryCatch(async () => {
      await this.db
        .insertInto('audit_log')
        .values({
          id: randomUUID(),
          at: e.at.toISOString(),
          tenant_id: e.tenantId,
          caller_id: e.callerId,
          operation: e.operation,
          target: e.target,
          outcome: e.outcome,
          request_id: e.requestId,
        })
        .execute();
    }, unavailable);
  }

  list(query: AuditQuery): TE.TaskEither<AppError, readonly AuditEntry[]> {
    return TE.tryCatch(async () => {
      let q = this.db.selectFrom('audit_log').selectAll();
      if (query.tenantId !== undefined) q = q.where('tenant_id', '=', query.tenantId);
      if (query.since !== undefined) q = q.where('at', '>=', query.since.toISOString());
      const rows = await q
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(Math.min(query.limit ?? MAX_LIST, MAX_LIST))
        .execute();
      return rows.map(toEntry);
    }, unavailable);
  }

  prune(before: Date): TE.TaskEither<AppError, number> {
    return TE.tryCatch(async () => {
      const r = await this.db.deleteFrom('audit_log').where('at', '<', before.toISOString()).executeTakeFirst();
      return Number(r.numDeletedRows);
    }, unavailable);
  }
}
