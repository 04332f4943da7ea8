/**
 * `integration-backend audit list [--tenant T] [--since 7d] [--json]`: the audit trail of
 * writes and connection changes, newest first, straight from the database of
 * INTEGRATION_DB_URL (read-only). It holds no body, token or key, so it is shown as it is.
 */
import fs from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import type { AuditEntry } from '../application/ports/audit-log.js';
import type { TenantId } from '../domain/tenant.js';
import type { Config } from '../composition/config.js';

/** An entry as the command line prints it (`--json`): snake_case, times in ISO-8601. */
export const auditView = (e: AuditEntry) => ({
  at: e.at.toISOString(),
  tenant_id: e.tenantId,
  caller: e.callerId,
  operation: e.operation,
  target: e.target,
  outcome: e.outcome,
  request_id: e.requestId,
});

export async function listAudit(config: Config, query: { tenant?: TenantId; since?: Date }, asJson: boolean): Promise<void> {
  if (config.database.dialect === 'sqlite' && config.database.filename === ':memory:') {
    throw new Error('INTEGRATION_DB_URL names an in-memory database; there is no stored audit trail to list.');
  }
  if (config.database.dialect === 'sqlite' && !fs.existsSync(config.database.filename)) {
    throw new Error(`There is no database at ${config.database.filename}; start the service or run "integration-backend migrate" first.`);
  }
  const [{ openDatabaseForReading }, { KyselyAuditLog }] = await Promise.all([
    import('../adapters/kysely/database.js'),
    import('../adapters/kysely/kysely-audit-log.js'),
  ]);
  const db = await openDatabaseForReading(config.database);
  try {
    const listed = await new KyselyAuditLog(db.db).list({
      ...(query.tenant !== undefined ? { tenantId: query.tenant } : {}),
      ...(query.since !== undefined ? { since: query.since } : {}),
    })();
    if (E.isLeft(listed)) throw new Error(`${listed.left.message} Run "integration-backend migrate" if the database predates the audit log.`);
    const rows = listed.right.map(auditView);
    if (asJson) {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return;
    }
    if (rows.length === 0) {
      process.stdout.write(query.tenant === undefined ? 'No audit entries.\n' : `No audit entries for tenant ${query.tenant}.\n`);
      return;
    }
    const table = [
      ['AT', 'TENANT', 'CALLER', 'OPERATION', 'TARGET', 'OUTCOME', 'REQUEST'],
      ...rows.map((r) => [r.at, r.tenant_id, r.caller, r.operation, r.target ?? '-', r.outcome, r.request_id ?? '-']),
    ];
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    process.stdout.write(table.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n');
  } finally {
    await db.close();
  }
}
