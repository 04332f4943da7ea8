import type * as E from 'fp-ts/lib/Either.js';
import type { AppError } from '../../domain/errors.js';

/**
 * Authenticated encryption of credentials at rest. Ciphertexts are self-describing
 * strings (they name the key that sealed them), so a cipher that knows a previous
 * key can still open them while an operator rotates keys.
 */
export interface Cipher {
  /** Fingerprint of the current key: safe to store and log, reveals nothing of the key. */
  readonly keyFingerprint: string;
  /** Fingerprint of the previous key, when one was configured for rotation. */
  readonly previousKeyFingerprint: string | undefined;
  encrypt(plaintext: string): string;
  /**
   * Fails closed on tampering, truncation or an unknown key: an INTERNAL_ERROR
   * whose message says the stored credentials could not be decrypted (never why in detail).
   */
  decrypt(ciphertext: string): E.Either<AppError, string>;
  /** True when the ciphertext was sealed by a key other than the current one. */
  isSealedWithPreviousKey(ciphertext: string): boolean;
}
