import * as TE from 'fp-ts/lib/TaskEither.js';
import type { Kysely } from 'kysely';
import type { SchemaCheck } from '../../application/ports/schema-check.js';
import { AppError } from '../../domain/errors.js';
import { pendingMigrations } from './database.js';
import type { Database } from './schema.js';

/** The schema check of readiness, over the migration history Kysely keeps. */
export class KyselySchemaCheck implements SchemaCheck {
  constructor(private readonly db: Kysely<Database>) {}

  pendingMigrations(): TE.TaskEither<AppError, readonly string[]> {
    return TE.tryCatch(
      async () => (await pendingMigrations(this.db)) ?? ['(no migration history)'],
      (err) => AppError.internal('could not read the migration history', { cause: err }),
    );
  }
}
