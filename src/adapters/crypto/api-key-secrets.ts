import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeySecrets } from '../../application/ports/api-key-secrets.js';

export const API_KEY_PREFIX = 'ibk_';
/** 32 random bytes: 256 bits, 43 characters of base64url. */
const KEY_PATTERN = /^ibk_[A-Za-z0-9_-]{43}$/;

/**
 * API keys: `ibk_` then 32 random bytes in base64url, stored as their SHA-256. A key has 256
 * bits of randomness, so a fast unsalted hash is right: nobody can guess a preimage, and a
 * slow password hash (bcrypt, scrypt) would only cost every request. The hash is also what
 * the database looks the key up by (docs/security.md).
 */
export class Sha256ApiKeySecrets implements ApiKeySecrets {
  generate(): { key: string; id: string } {
    return { key: `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`, id: `key_${randomBytes(9).toString('base64url')}` };
  }

  looksLikeKey(text: string): boolean {
    return KEY_PATTERN.test(text);
  }

  hash(key: string): string {
    return createHash('sha256').update(key, 'utf8').digest('hex');
  }

  same(a: string, b: string): boolean {
    const x = Buffer.from(a, 'utf8');
    const y = Buffer.from(b, 'utf8');
    return x.length === y.length && timingSafeEqual(x, y);
  }
}
