import { pipe } from 'fp-ts/lib/function.js';
import * as T from 'fp-ts/lib/Task.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type { StoreProbe } from './ports/connection-store.js';
import type { SchemaCheck } from './ports/schema-check.js';

export interface Readiness {
  readonly status: 'ready' | 'not_ready';
  readonly database: { readonly reachable: boolean };
  /** null: an embedded store without migrations of ours. */
  readonly migrations: { readonly current: boolean; readonly pending: readonly string[] } | null;
  readonly shutting_down: boolean;
}

/** Whether the process is shutting down (set once on SIGTERM; readiness answers 503 from then on). */
export interface Lifecycle {
  readonly draining: boolean;
}

/**
 * `GET /readyz`: ready when the database answers, its schema is current and the process is
 * not shutting down. Unlike `/healthz` (alive), a load balancer takes a not-ready instance
 * out of rotation without restarting it.
 */
export class GetReadiness {
  constructor(private readonly ports: { database: StoreProbe; schema?: SchemaCheck | undefined; lifecycle: Lifecycle }) {}

  execute(): T.Task<Readiness> {
    const { database, schema, lifecycle } = this.ports;
    const reachable = pipe(
      database.ping(),
      TE.match(
        () => false,
        () => true,
      ),
    );
    const migrations: T.Task<Readiness['migrations']> = schema
      ? pipe(
          schema.pendingMigrations(),
          TE.match(
            () => ({ current: false, pending: [] }),
            (pending) => ({ current: pending.length === 0, pending }),
          ),
        )
      : T.of(null);
    return async () => {
      const [db, mig] = await Promise.all([reachable(), migrations()]);
      const ready = db && (mig === null || mig.current) && !lifecycle.draining;
      return { status: ready ? 'ready' : 'not_ready', database: { reachable: db }, migrations: mig, shutting_down: lifecycle.draining };
    };
  }
}
