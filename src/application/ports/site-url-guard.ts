import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { AppError } from '../../domain/errors.js';

/**
 * Decides whether a caller-supplied base URL may receive a tenant's token.
 * Only https, only permitted hosts, and never an address that resolves to
 * loopback, private, link-local or otherwise non-public space.
 */
export interface SiteUrlGuard {
  /** Resolves to the normalised origin (`https://host[:port]`) plus path prefix without trailing slash. */
  check(rawUrl: string): TE.TaskEither<AppError, URL>;
}
