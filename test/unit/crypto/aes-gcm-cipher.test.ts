import { randomBytes } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { AesGcmCipher, fingerprintKey } from '../../../src/adapters/crypto/aes-gcm-cipher.js';

const keyA = Buffer.alloc(32, 1);
const keyB = Buffer.alloc(32, 2);
const SECRET = 'atlassian-api-token-ATATT3xFfGF0 ünïcødé';

/** Flips one bit of the decoded bytes of part `index` of a `v1.fp.iv.tag.ct` string. */
const tamper = (sealed: string, index: number, byte = 0): string => {
  const parts = sealed.split('.');
  const buf = Buffer.from(parts[index] ?? '', 'base64url');
  buf[byte] = (buf[byte] ?? 0) ^ 0x01;
  parts[index] = buf.toString('base64url');
  return parts.join('.');
};

const expectDecryptFailure = (result: E.Either<{ code: string; message: string }, string>): void => {
  expect(E.isLeft(result)).toBe(true);
  if (E.isLeft(result)) {
    expect(result.left.code).toBe('INTERNAL_ERROR');
    expect(result.left.message).toMatch(/could not be decrypted/);
  }
};

describe('AesGcmCipher', () => {
  it('round-trips plaintext, including empty and unicode strings', () => {
    const c = new AesGcmCipher(keyA);
    for (const p of [SECRET, '', 'x'.repeat(10_000)]) {
      expect(c.decrypt(c.encrypt(p))).toEqual(E.right(p));
    }
  });

  it('uses the documented format with a fingerprint that is not the key', () => {
    const c = new AesGcmCipher(keyA);
    const sealed = c.encrypt(SECRET);
    const parts = sealed.split('.');
    expect(parts).toHaveLength(5);
    expect(parts[0]).toBe('v1');
    expect(parts[1]).toBe(c.keyFingerprint);
    expect(c.keyFingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(c.keyFingerprint).toBe(fingerprintKey(keyA));
    expect(fingerprintKey(keyA)).not.toBe(fingerprintKey(keyB));
    expect(keyA.toString('hex')).not.toContain(c.keyFingerprint);
    expect(Buffer.from(parts[2] ?? '', 'base64url')).toHaveLength(12);
    expect(Buffer.from(parts[3] ?? '', 'base64url')).toHaveLength(16);
  });

  it('produces a different ciphertext for each encryption (random IV)', () => {
    const c = new AesGcmCipher(keyA);
    const a = c.encrypt(SECRET);
    const b = c.encrypt(SECRET);
    expect(a).not.toBe(b);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
  });

  it('does not leak the plaintext into the ciphertext', () => {
    const c = new AesGcmCipher(keyA);
    const sealed = c.encrypt(SECRET);
    expect(sealed).not.toContain('ATATT3xFfGF0');
    expect(sealed).not.toContain(Buffer.from(SECRET).toString('base64url').slice(0, 12));
  });

  it.each([
    ['ciphertext', 4],
    ['auth tag', 3],
    ['IV', 2],
  ])('fails closed when the %s is tampered with', (_name, index) => {
    const c = new AesGcmCipher(keyA);
    const sealed = c.encrypt(SECRET);
    expect(E.isRight(c.decrypt(sealed))).toBe(true);
    expectDecryptFailure(c.decrypt(tamper(sealed, index)));
  });

  it('fails closed on truncated or malformed strings without throwing', () => {
    const c = new AesGcmCipher(keyA);
    const sealed = c.encrypt(SECRET);
    const parts = sealed.split('.');
    const bad = [
      '',
      'garbage',
      sealed.slice(0, -4),
      parts.slice(0, 4).join('.'),
      `${sealed}.extra`,
      sealed.replace(/^v1\./, 'v2.'),
      [parts[0], parts[1], parts[2], Buffer.from(parts[3] ?? '', 'base64url').subarray(0, 12).toString('base64url'), parts[4]].join('.'),
      [parts[0], parts[1], `${parts[2]}!`, parts[3], parts[4]].join('.'),
    ];
    for (const s of bad) expectDecryptFailure(c.decrypt(s));
  });

  it('refuses a ciphertext from another key, and a header swapped to another fingerprint', () => {
    const a = new AesGcmCipher(keyA);
    const b = new AesGcmCipher(keyB);
    expectDecryptFailure(b.decrypt(a.encrypt(SECRET)));
    // Even a cipher that knows both keys refuses when the fingerprint was rewritten (header is AAD).
    const both = new AesGcmCipher(keyA, keyB);
    const swapped = a.encrypt(SECRET).replace(fingerprintKey(keyA), fingerprintKey(keyB));
    expectDecryptFailure(both.decrypt(swapped));
  });

  it('supports key rotation with a previous key', () => {
    const oldCipher = new AesGcmCipher(keyA);
    const oldSealed = oldCipher.encrypt(SECRET);
    const rotated = new AesGcmCipher(keyB, keyA);
    expect(rotated.keyFingerprint).toBe(fingerprintKey(keyB));
    expect(rotated.previousKeyFingerprint).toBe(fingerprintKey(keyA));
    expect(oldCipher.previousKeyFingerprint).toBeUndefined();

    expect(rotated.decrypt(oldSealed)).toEqual(E.right(SECRET));
    expect(rotated.isSealedWithPreviousKey(oldSealed)).toBe(true);

    const newSealed = rotated.encrypt(SECRET);
    expect(newSealed.split('.')[1]).toBe(fingerprintKey(keyB));
    expect(rotated.isSealedWithPreviousKey(newSealed)).toBe(false);
    expect(rotated.decrypt(newSealed)).toEqual(E.right(SECRET));
    // The old cipher cannot read what the rotated one sealed.
    expectDecryptFailure(oldCipher.decrypt(newSealed));
    expect(rotated.isSealedWithPreviousKey('not a ciphertext')).toBe(false);
  });

  it('throws at construction on a key that is not 32 bytes', () => {
    expect(() => new AesGcmCipher(randomBytes(16))).toThrow(/32 bytes/);
    expect(() => new AesGcmCipher(randomBytes(33))).toThrow(/32 bytes/);
    expect(() => new AesGcmCipher(keyA, randomBytes(31))).toThrow(/previous.*32 bytes/);
    expect(() => new AesGcmCipher(keyA, keyB)).not.toThrow();
  });
});
