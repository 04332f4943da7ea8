import * as TE from 'fp-ts/lib/TaskEither.js';
import type { Kysely } from 'kysely';
import { AppError } from '../../domain/errors.js';
import type { OAuthNonceStore } from '../../application/ports/oauth-nonce-store.js';
import type { Database } from './schema.js';

/** Used nonces as rows: the primary key makes "first use wins" atomic across instances. */
export class KyselyOAuthNonceStore implements OAuthNonceStore {
  constructor(private readonly db: Kysely<Database>) {}

  consume(nonce: string, expiresAt: Date, now: Date): TE.TaskEither<AppError, boolean> {
    return TE.tryCatch(
      async () => {
        await this.db.deleteFrom('oauth_nonces').where('expires_at', '<', now.toISOString()).execute();
        const result = await this.db
          .insertInto('oauth_nonces')
          .values({ nonce, expires_at: expiresAt.toISOString() })
          .onConflict((oc) => oc.column('nonce').doNothing())
          .executeTakeFirst();
        return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
      },
      (err) => AppError.internal('The OAuth state store is unavailable.', { cause: err }),
    );
  }
}
