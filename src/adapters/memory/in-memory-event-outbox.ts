import * as TE from 'fp-ts/lib/TaskEither.js';
import type { EventOutbox, EventQuery } from '../../application/ports/event-outbox.js';
import type { AppError } from '../../domain/errors.js';
import type { NewEvent, StoredEvent } from '../../domain/events.js';

interface Row {
  readonly event: StoredEvent;
  readonly recordedAt: number;
}

/** The outbox in one process (embedders without a database, tests): same rules as the SQL one. */
export class InMemoryEventOutbox implements EventOutbox {
  private rows: Row[] = [];
  private readonly top = new Map<string, number>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Synchronous, so a store in this process can record a change's events in the same step as the change. */
  append(events: readonly NewEvent[]): StoredEvent[] {
    const stored: StoredEvent[] = [];
    const at = this.now().getTime();
    for (const e of events) {
      if (this.rows.some((r) => r.event.tenantId === e.tenantId && r.event.id === e.id)) continue;
      const sequence = (this.top.get(e.tenantId) ?? 0) + 1;
      this.top.set(e.tenantId, sequence);
      const event: StoredEvent = { ...e, sequence };
      this.rows.push({ event, recordedAt: at });
      stored.push(event);
    }
    return stored;
  }

  record(events: readonly NewEvent[]): TE.TaskEither<AppError, readonly StoredEvent[]> {
    return TE.fromIO(() => this.append(events));
  }

  list(query: EventQuery): TE.TaskEither<AppError, readonly StoredEvent[]> {
    return TE.fromIO(() =>
      this.rows
        .map((r) => r.event)
        .filter(
          (e) =>
            e.tenantId === query.tenantId &&
            (query.afterSequence === undefined || e.sequence > query.afterSequence) &&
            (query.types === undefined || query.types.length === 0 || query.types.includes(e.type)),
        )
        .slice(0, Math.max(1, query.limit)),
    );
  }

  prune(before: Date): TE.TaskEither<AppError, number> {
    return TE.fromIO(() => {
      const kept = this.rows.filter((r) => r.recordedAt >= before.getTime());
      const removed = this.rows.length - kept.length;
      this.rows = kept;
      return removed;
    });
  }
}
