import * as TE from 'fp-ts/lib/TaskEither.js';
import { PostgresAdapter, SqliteAdapter, sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { EventOutbox, EventQuery } from '../../application/ports/event-outbox.js';
import type { ConnectorId } from '../../domain/connector.js';
import { AppError } from '../../domain/errors.js';
import type { EventType, NewEvent, StoredEvent } from '../../domain/events.js';
import type { TenantId } from '../../domain/tenant.js';
import type { Database, EventsTable } from './schema.js';

/** The most events one `list` answers. */
const MAX_LIST = 1000;
/** How often a write that lost the race for a tenant's next sequence number is tried again. */
const SEQUENCE_ATTEMPTS = 8;

const unavailable = (err: unknown): AppError => AppError.internal('The event store is unavailable.', { cause: err });

const toEvent = (row: Selectable<EventsTable>): StoredEvent => ({
  id: row.id,
  type: row.type as EventType,
  tenantId: row.tenant_id as TenantId,
  connector: row.connector as ConnectorId,
  occurredAt: new Date(row.occurred_at),
  data: JSON.parse(row.data) as Record<string, unknown>,
  sequence: Number(row.sequence),
});

const isSequenceRace = (err: unknown): boolean =>
  err instanceof Error && /events_tenant_sequence_idx|UNIQUE constraint failed: events\.tenant_id, events\.sequence|duplicate key value/i.test(err.message);

/**
 * Records events inside a transaction the caller holds (the connection store writes a
 * connection change and its events together). Events whose (tenant, id) is stored are
 * skipped; the others get their tenant's next sequence numbers. On PostgreSQL a
 * concurrent writer for the same tenant hits the unique (tenant_id, sequence) index:
 * the caller's transaction fails and is tried again (see `inEventTransaction`).
 */
export async function appendEvents(trx: Transaction<Database> | Kysely<Database>, events: readonly NewEvent[], now: Date): Promise<StoredEvent[]> {
  const stored: StoredEvent[] = [];
  const next = new Map<string, number>();
  if (events.length > 0 && trx.getExecutor().adapter instanceof PostgresAdapter) {
    // One writer per tenant at a time (until commit), taken in one order: the sequence race
    // below is then rare instead of a retry storm under many concurrent writers.
    for (const tenant of [...new Set(events.map((e) => e.tenantId))].sort()) {
      await sql`select pg_advisory_xact_lock(hashtextextended(${`events:${tenant}`}, 0))`.execute(trx);
    }
  }
  for (const e of events) {
    const seen = await trx.selectFrom('events').select('id').where('tenant_id', '=', e.tenantId).where('id', '=', e.id).executeTakeFirst();
    if (seen !== undefined || stored.some((s) => s.tenantId === e.tenantId && s.id === e.id)) continue;
    let sequence = next.get(e.tenantId);
    if (sequence === undefined) {
      const top = await trx
        .selectFrom('events')
        .select((eb) => eb.fn.max('sequence').as('top'))
        .where('tenant_id', '=', e.tenantId)
        .executeTakeFirst();
      sequence = Number(top?.top ?? 0) + 1;
    }
    next.set(e.tenantId, sequence + 1);
    await trx
      .insertInto('events')
      .values({
        tenant_id: e.tenantId,
        id: e.id,
        sequence,
        type: e.type,
        connector: e.connector,
        occurred_at: e.occurredAt.toISOString(),
        recorded_at: now.toISOString(),
        data: JSON.stringify(e.data),
      })
      .execute();
    // Its delivery, in the same transaction: pending and due now (0008_event_deliveries).
    await trx
      .insertInto('event_deliveries')
      .values({
        tenant_id: e.tenantId,
        event_id: e.id,
        sequence,
        status: 'pending',
        attempts: 0,
        next_attempt_at: now.toISOString(),
        created_at: now.toISOString(),
      })
      .execute();
    stored.push({ ...e, sequence });
  }
  return stored;
}

/**
 * Runs `work` in a transaction on one connection, again when it lost a tenant's next
 * sequence number to a concurrent writer. On SQLite the transaction is `BEGIN IMMEDIATE`:
 * it takes the write lock at the start (waiting up to the busy timeout for another
 * process), so it never fails half-way on a lock upgrade.
 */
export async function inEventTransaction<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.connection().execute(async (conn) => {
        await (sqlite ? sql`begin immediate` : sql`begin`).execute(conn);
        try {
          const result = await work(conn);
          await sql`commit`.execute(conn);
          return result;
        } catch (err) {
          await sql`rollback`.execute(conn).catch(() => undefined);
          throw err;
        }
      });
    } catch (err) {
      if (attempt >= SEQUENCE_ATTEMPTS || !isSequenceRace(err)) throw err;
    }
  }
}

/** The outbox in SQLite or PostgreSQL (table events, migration 0007_events). */
export class KyselyEventOutbox implements EventOutbox {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  record(events: readonly NewEvent[]): TE.TaskEither<AppError, readonly StoredEvent[]> {
    if (events.length === 0) return TE.right([]);
    return TE.tryCatch(() => inEventTransaction(this.db, (trx) => appendEvents(trx, events, this.now())), unavailable);
  }

  list(query: EventQuery): TE.TaskEither<AppError, readonly StoredEvent[]> {
    return TE.tryCatch(async () => {
      let q = this.db.selectFrom('events').selectAll().where('tenant_id', '=', query.tenantId);
      if (query.afterSequence !== undefined) q = q.where('sequence', '>', query.afterSequence);
      if (query.types !== undefined && query.types.length > 0) q = q.where('type', 'in', [...query.types]);
      const rows = await q
        .orderBy('sequence', 'asc')
        .limit(Math.max(1, Math.min(query.limit, MAX_LIST)))
        .execute();
      return rows.map(toEvent);
    }, unavailable);
  }

  prune(before: Date): TE.TaskEither<AppError, number> {
    return TE.tryCatch(async () => {
      // A tenant's newest event is kept however old: its sequence is where the numbering goes on
      // (the next event takes the highest plus one), so a cursor is never met by a number again.
      await this.db
        .deleteFrom('event_deliveries')
        .where('created_at', '<', before.toISOString())
        .where((eb) =>
          eb(
            'sequence',
            '<',
            eb.selectFrom('events as newest').select((e) => e.fn.max('newest.sequence').as('top')).whereRef('newest.tenant_id', '=', 'event_deliveries.tenant_id'),
          ),
        )
        .execute();
      const r = await this.db
        .deleteFrom('events')
        .where('recorded_at', '<', before.toISOString())
        .where((eb) =>
          eb('sequence', '<', eb.selectFrom('events as newest').select((e) => e.fn.max('newest.sequence').as('top')).whereRef('newest.tenant_id', '=', 'events.tenant_id')),
        )
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    }, unavailable);
  }
}
