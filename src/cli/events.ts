/**
 * `integration-backend events list [--tenant T] [--failed] [--json]`: the outbox's deliveries
 * (oldest first per tenant), straight from the database of INTEGRATION_DB_URL; and
 * `events redeliver ID [--tenant T]`: a delivered or dead event back to pending, sent again
 * by the running service's dispatcher. Event bodies hold no token; they are not printed.
 */
import fs from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import type { Delivery } from '../application/ports/event-deliveries.js';
import type { TenantId } from '../domain/tenant.js';
import type { Config } from '../composition/config.js';

const LIST_LIMIT = 1000;

export const deliveryView = (d: Delivery) => ({
  event_id: d.eventId,
  tenant_id: d.tenantId,
  sequence: d.sequence,
  type: d.eventType,
  status: d.status,
  attempts: d.attempts,
  last_result: d.lastResult,
  last_attempt_at: d.lastAttemptAt?.toISOString() ?? null,
  next_attempt_at: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
  delivered_at: d.deliveredAt?.toISOString() ?? null,
  endpoint_url: d.endpointUrl,
});

const checkDatabase = (config: Config): void => {
  if (config.database.dialect === 'sqlite' && config.database.filename === ':memory:') {
    throw new Error('INTEGRATION_DB_URL names an in-memory database; there are no stored events.');
  }
  if (config.database.dialect === 'sqlite' && !fs.existsSync(config.database.filename)) {
    throw new Error(`There is no database at ${config.database.filename}; start the service or run "integration-backend migrate" first.`);
  }
};

const MIGRATE_HINT = 'Run "integration-backend migrate" if the database predates event deliveries.';

export async function listEvents(config: Config, query: { tenant?: TenantId; failed: boolean }, asJson: boolean): Promise<void> {
  checkDatabase(config);
  const [{ openDatabaseForReading }, { KyselyEventDeliveries }] = await Promise.all([
    import('../adapters/kysely/database.js'),
    import('../adapters/kysely/kysely-event-deliveries.js'),
  ]);
  const db = await openDatabaseForReading(config.database);
  try {
    const listed = await new KyselyEventDeliveries(db.db).listDeliveries({
      ...(query.tenant !== undefined ? { tenantId: query.tenant } : {}),
      failed: query.failed,
      limit: LIST_LIMIT,
    })();
    if (E.isLeft(listed)) throw new Error(`${listed.left.message} ${MIGRATE_HINT}`);
    const rows = listed.right.map(deliveryView);
    if (asJson) {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return;
    }
    if (rows.length === 0) {
      process.stdout.write(query.failed ? 'No failed event deliveries.\n' : 'No events.\n');
      return;
    }
    const table = [
      ['EVENT', 'TENANT', 'SEQ', 'TYPE', 'STATUS', 'ATTEMPTS', 'LAST', 'NEXT'],
      ...rows.map((r) => [r.event_id, r.tenant_id, String(r.sequence), r.type, r.status, String(r.attempts), r.last_result ?? '-', r.next_attempt_at ?? '-']),
    ];
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    process.stdout.write(table.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n');
  } finally {
    await db.close();
  }
}

/** Answers the exit code: 0 when the event is pending again, 1 when there is no such event. */
export async function redeliverEvent(config: Config, id: string, tenant: TenantId | undefined): Promise<number> {
  checkDatabase(config);
  const [{ openDatabase }, { KyselyEventDeliveries }] = await Promise.all([
    import('../adapters/kysely/database.js'),
    import('../adapters/kysely/kysely-event-deliveries.js'),
  ]);
  const db = await openDatabase(config.database);
  try {
    const done = await new KyselyEventDeliveries(db.db).redeliver(id, new Date(), tenant)();
    if (E.isLeft(done)) throw new Error(`${done.left.message} ${MIGRATE_HINT}`);
    if (!done.right) {
      process.stderr.write(`integration-backend: no event ${id}${tenant !== undefined ? ` for tenant ${tenant}` : ''}.\n`);
      return 1;
    }
    process.stdout.write(`Event ${id} is pending again; the service's dispatcher sends it (after the tenant's earlier pending events).\n`);
    return 0;
  } finally {
    await db.close();
  }
}
