import type * as E from 'fp-ts/lib/Either.js';
import type { Connection } from '../../domain/connection.js';
import type { Credentials } from '../../domain/credentials.js';
import type { AppError } from '../../domain/errors.js';

/** Opens a connection's sealed credentials (the service's implementation remembers recent openings). */
export interface CredentialOpener {
  /** TOKEN_EXPIRED ("reconnect") when they are missing or cannot be opened. */
  open(conn: Connection): E.Either<AppError, Credentials>;
}
