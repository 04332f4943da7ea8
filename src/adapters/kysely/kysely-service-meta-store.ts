import * as TE from 'fp-ts/lib/TaskEither.js';
import type { Kysely } from 'kysely';
import { AppError } from '../../domain/errors.js';
import type { ServiceMetaStore } from '../../application/ports/service-meta-store.js';
import type { Database } from './schema.js';

const storageError = (err: unknown): AppError => AppError.internal('The service metadata store is unavailable.', { cause: err });

export class KyselyServiceMetaStore implements ServiceMetaStore {
  constructor(private readonly db: Kysely<Database>) {}

  get(key: string): TE.TaskEither<AppError, string | undefined> {
    return TE.tryCatch(async () => {
      const row = await this.db.selectFrom('service_meta').select('value').where('key', '=', key).executeTakeFirst();
      return row?.value;
    }, storageError);
  }

  set(key: string, value: string, now: Date): TE.TaskEither<AppError, void> {
    return TE.tryCatch(async () => {
      await this.db
        .insertInto('service_meta')
        .values({ key, value, updated_at: now.toISOString() })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now.toISOString() }))
        .execute();
    }, storageError);
  }
}
