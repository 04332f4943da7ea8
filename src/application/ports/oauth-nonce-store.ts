import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { AppError } from '../../domain/errors.js';

/**
 * Remembers OAuth state nonces that have been used, so a callback URL cannot be
 * replayed. Shared through the database, so it holds across instances.
 */
export interface OAuthNonceStore {
  /** True the first time a nonce is consumed, false every time after. */
  consume(nonce: string, expiresAt: Date, now: Date): TE.TaskEither<AppError, boolean>;
}
