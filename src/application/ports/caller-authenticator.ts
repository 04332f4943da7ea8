import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { Caller } from '../../domain/caller.js';
import type { AppError } from '../../domain/errors.js';

/**
 * Turns the bearer credential of a request into its caller: an API key (ApiKeys) or a JWT
 * (src/adapters/jose). Every refusal is the same UNAUTHORIZED error (domain/caller.ts
 * `unauthenticated`), whatever the reason, so a probe learns nothing.
 */
export interface CallerAuthenticator {
  authenticate(credential: string): TE.TaskEither<AppError, Caller>;
}
