import type * as E from 'fp-ts/lib/Either.js';
import type { AppError } from '../../domain/errors.js';

/** Tamper-evident envelopes for values that travel through the browser (the OAuth state cookie). */
export interface StateSigner {
  /** Returns `<base64url payload>.<base64url HMAC-SHA256>`. */
  sign(payload: string): string;
  /** Returns the payload when the signature is valid; a VALIDATION error with reason `invalid_oauth_state` otherwise. */
  verify(token: string): E.Either<AppError, string>;
}
