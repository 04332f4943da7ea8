import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type { Connection } from '../domain/connection.js';
import { AppError } from '../domain/errors.js';
import type { Cipher } from './ports/cipher.js';
import type { Clock } from './ports/clock.js';
import type { ConnectionListing, ConnectionRepository } from './ports/connection-store.js';
import type { Logger } from './ports/logger.js';
import type { ServiceMetaStore } from './ports/service-meta-store.js';

export const KEY_FINGERPRINT = 'encryption_key_fingerprint';

/**
 * Runs at start. Refuses a key that cannot open the stored credentials (instead of
 * failing on first use), and completes a rotation: with the previous key configured,
 * every credential is re-encrypted under the current one.
 */
export class EnsureEncryptionKey {
  constructor(
    private readonly ports: {
      cipher: Cipher;
      meta: ServiceMetaStore;
      connections: Pick<ConnectionListing, 'listSealed'> & Pick<ConnectionRepository, 'update'>;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  execute(): TE.TaskEither<AppError, { reencrypted: number }> {
    const { cipher, meta, connections, clock, logger } = this.ports;
    return pipe(
      TE.Do,
      TE.bind('stored', () => meta.get(KEY_FINGERPRINT)),
      // The usual start (same key, no rotation under way) reads no credentials at all.
      TE.bind('sealed', ({ stored }) =>
        stored === cipher.keyFingerprint && cipher.previousKeyFingerprint === undefined
          ? TE.right([] as readonly Connection[])
          : connections.listSealed(),
      ),
      TE.flatMap(({ stored, sealed }) => {
        const known = stored === undefined || stored === cipher.keyFingerprint || stored === cipher.previousKeyFingerprint;
        if (!known && sealed.length > 0) {
          return TE.left(
            AppError.internal(
              `INTEGRATION_ENCRYPTION_KEY changed: the stored credentials were sealed with key ${stored}, the configured key is ${cipher.keyFingerprint}. ` +
                'Restore the old key, or start with the new key in INTEGRATION_ENCRYPTION_KEY and the old one in INTEGRATION_ENCRYPTION_KEY_PREVIOUS to re-encrypt.',
            ),
          );
        }
        const stale = sealed.filter((c) => c.credentials !== null && cipher.isSealedWithPreviousKey(c.credentials));
        return pipe(
          stale,
          TE.traverseSeqArray((conn) =>
            pipe(
              TE.fromEither(
                pipe(
                  cipher.decrypt(conn.credentials ?? ''),
                  E.mapLeft(() =>
                    AppError.internal(
                      `A stored credential (tenant ${conn.tenantId}, ${conn.connector}) cannot be opened with the current or previous key.`,
                    ),
                  ),
                ),
              ),
              TE.flatMap((plain) => connections.update({ ...conn, credentials: cipher.encrypt(plain) }, clock.now())),
            ),
          ),
          TE.flatMap(() => meta.set(KEY_FINGERPRINT, cipher.keyFingerprint, clock.now())),
          TE.tap(() =>
            TE.fromIO(() => {
              if (stale.length > 0) logger.warn({ count: stale.length }, 're-encrypted credentials under the current key; INTEGRATION_ENCRYPTION_KEY_PREVIOUS can be removed');
              else if (!known) logger.warn({}, 'adopted a new encryption key; no credentials were stored under the old one');
            }),
          ),
          TE.map(() => ({ reencrypted: stale.length })),
        );
      }),
    );
  }
}
