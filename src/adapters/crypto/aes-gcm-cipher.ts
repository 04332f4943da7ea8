import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import type { Cipher } from '../../application/ports/cipher.js';
import { AppError } from '../../domain/errors.js';

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FINGERPRINT_PREFIX = Buffer.from('integration-backend key fingerprint v1\0', 'utf8');
const FINGERPRINT_RE = /^[0-9a-f]{16}$/;
const B64URL_RE = /^[A-Za-z0-9_-]*$/;

const DECRYPT_FAILED = AppError.internal(
  'Stored credentials could not be decrypted; the encryption key may have changed. Reconnect the connector or restore the key.',
);

/**
 * First 16 hex chars of SHA-256 over a domain-separation prefix plus the key.
 * Safe to store and log: it identifies a key without revealing anything about it.
 */
export const fingerprintKey = (key: Buffer): string =>
  createHash('sha256').update(FINGERPRINT_PREFIX).update(key).digest('hex').slice(0, 16);

/** Strict, canonical base64url decoding; undefined on anything else. */
const decodeB64url = (s: string): Buffer | undefined => {
  if (!B64URL_RE.test(s)) return undefined;
  const buf = Buffer.from(s, 'base64url');
  return buf.toString('base64url') === s ? buf : undefined;
};

interface Sealed {
  readonly fingerprint: string;
  readonly header: string;
  readonly iv: Buffer;
  readonly tag: Buffer;
  readonly body: Buffer;
}

const parse = (ciphertext: string): Sealed | undefined => {
  if (typeof ciphertext !== 'string') return undefined;
  const parts = ciphertext.split('.');
  if (parts.length !== 5) return undefined;
  const [version, fingerprint, ivPart, tagPart, bodyPart] = parts as [string, string, string, string, string];
  if (version !== VERSION || !FINGERPRINT_RE.test(fingerprint)) return undefined;
  const iv = decodeB64url(ivPart);
  const tag = decodeB64url(tagPart);
  const body = decodeB64url(bodyPart);
  if (iv?.length !== IV_BYTES || tag?.length !== TAG_BYTES || body === undefined) return undefined;
  return { fingerprint, header: `${version}.${fingerprint}`, iv, tag, body };
};

const assertKey = (key: Buffer | undefined, name: string): void => {
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
    throw new Error(`AesGcmCipher: the ${name} encryption key must be exactly ${KEY_BYTES} bytes`);
  }
};

/**
 * AES-256-GCM with a random 96-bit IV per encryption and a 128-bit tag.
 * Format: `v1.<keyFingerprint>.<iv b64url>.<tag b64url>.<ciphertext b64url>`.
 * The `v1.<keyFingerprint>` header is bound as additional authenticated data,
 * so it cannot be swapped without failing the tag check.
 */
export class AesGcmCipher implements Cipher {
  readonly keyFingerprint: string;
  readonly previousKeyFingerprint: string | undefined;
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly currentKey: Buffer;

  constructor(currentKey: Buffer, previousKey?: Buffer) {
    assertKey(currentKey, 'current');
    if (previousKey !== undefined) assertKey(previousKey, 'previous');
    this.currentKey = Buffer.from(currentKey);
    this.keyFingerprint = fingerprintKey(this.currentKey);
    const keys = new Map<string, Buffer>([[this.keyFingerprint, this.currentKey]]);
    const prevFp = previousKey === undefined ? undefined : fingerprintKey(previousKey);
    // A "previous" key identical to the current one adds nothing; ignore it.
    if (previousKey !== undefined && prevFp !== undefined && prevFp !== this.keyFingerprint) {
      keys.set(prevFp, Buffer.from(previousKey));
      this.previousKeyFingerprint = prevFp;
    } else {
      this.previousKeyFingerprint = undefined;
    }
    this.keys = keys;
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const header = `${VERSION}.${this.keyFingerprint}`;
    const cipher = createCipheriv('aes-256-gcm', this.currentKey, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(header, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [header, iv.toString('base64url'), tag.toString('base64url'), body.toString('base64url')].join('.');
  }

  decrypt(ciphertext: string): E.Either<AppError, string> {
    const sealed = parse(ciphertext);
    if (sealed === undefined) return E.left(DECRYPT_FAILED);
    const key = this.keys.get(sealed.fingerprint);
    if (key === undefined) return E.left(DECRYPT_FAILED);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(sealed.header, 'utf8'));
      decipher.setAuthTag(sealed.tag);
      const plain = Buffer.concat([decipher.update(sealed.body), decipher.final()]);
      return E.right(plain.toString('utf8'));
    } catch {
      return E.left(DECRYPT_FAILED);
    }
  }

  /** True when the (well-formed) ciphertext names a key other than the current one. */
  isSealedWithPreviousKey(ciphertext: string): boolean {
    const sealed = parse(ciphertext);
    return sealed !== undefined && sealed.fingerprint !== this.keyFingerprint;
  }
}
