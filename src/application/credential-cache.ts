import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import type { Connection } from '../domain/connection.js';
import { Credentials } from '../domain/credentials.js';
import { AppError } from '../domain/errors.js';
import type { Cipher } from './ports/cipher.js';
import type { CredentialOpener } from './ports/credential-opener.js';
import type { Logger } from './ports/logger.js';
import { reconnect } from './usable-connection.js';

const DEFAULT_SIZE = 1024;

/**
 * Opens sealed credentials, remembering the last openings by ciphertext: every call reads
 * the row, and opening the same sealed value again is wasted work. A changed row is a
 * different key, so nothing is ever stale. Fails closed: what cannot be opened asks the
 * caller to reconnect, and the reason is logged, never returned.
 */
export class CredentialCache implements CredentialOpener {
  private readonly opened = new Map<string, Credentials>();

  constructor(private readonly ports: { cipher: Cipher; logger: Logger; size?: number }) {}

  open(conn: Connection): E.Either<AppError, Credentials> {
    const sealed = conn.credentials;
    if (sealed === null) return E.left(reconnect(conn.connector));
    const known = this.opened.get(sealed);
    if (known) return E.right(known);
    return pipe(
      this.ports.cipher.decrypt(sealed),
      E.mapLeft((error) => {
        this.ports.logger.error({ tenant: conn.tenantId, connector: conn.connector, err: error.message }, 'stored credentials could not be decrypted');
        return AppError.tokenExpired(
          `The stored ${conn.connector} credentials could not be decrypted (the encryption key changed or the data was altered); reconnect through /auth/jira/login.`,
        );
      }),
      E.flatMap((text) =>
        pipe(
          E.tryCatch(() => JSON.parse(text) as unknown, () => reconnect(conn.connector)),
          E.flatMap((json) => pipe(Credentials.decode(json), E.mapLeft(() => reconnect(conn.connector)))),
        ),
      ),
      E.map((creds) => {
        if (this.opened.size >= (this.ports.size ?? DEFAULT_SIZE)) this.opened.delete(this.opened.keys().next().value as string);
        this.opened.set(sealed, creds);
        return creds;
      }),
    );
  }
}
