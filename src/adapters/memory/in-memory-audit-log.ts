import * as TE from 'fp-ts/lib/TaskEither.js';
import type { AuditEntry, AuditLog, AuditQuery } from '../../application/ports/audit-log.js';
import type { AppError } from '../../domain/errors.js';

/** The audit trail in one process (embedders with their own connection store, tests). */
export class InMemoryAuditLog implements AuditLog {
  private rows: AuditEntry[] = [];

  append(entry: AuditEntry): TE.TaskEither<AppError, void> {
    return TE.fromIO(() => {
      this.rows.push(entry);
    });
  }

  list(query: AuditQuery): TE.TaskEither<AppError, readonly AuditEntry[]> {
    return TE.fromIO(() => {
      const found = this.rows
        .map((entry, i) => ({ entry, i }))
        .filter(({ entry }) => (query.tenantId === undefined || entry.tenantId === query.tenantId) && (query.since === undefined || entry.at >= query.since))
        .sort((a, b) => b.entry.at.getTime() - a.entry.at.getTime() || b.i - a.i)
        .map(({ entry }) => entry);
      return query.limit === undefined ? found : found.slice(0, query.limit);
    });
  }

  prune(before: Date): TE.TaskEither<AppError, number> {
    return TE.fromIO(() => {
      const kept = this.rows.filter((e) => e.at >= before);
      const removed = this.rows.length - kept.length;
      this.rows = kept;
      return removed;
    });
  }
}
