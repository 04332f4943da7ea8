import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { AppError } from '../../domain/errors.js';

/** Whether the database's schema is the one this build expects (readiness). */
export interface SchemaCheck {
  /** The migrations this build has and the database lacks (empty when current). */
  pendingMigrations(): TE.TaskEither<AppError, readonly string[]>;
}
