import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { HmacStateSigner } from '../../../src/adapters/crypto/hmac-state-signer.js';
import type { AppError } from '../../../src/domain/errors.js';

const signer = new HmacStateSigner('state-secret-0123456789abcdef');
const payload = JSON.stringify({ tenant: 't-1', nonce: 'n0nce', verifier: 'ünïcødé' });

const expectInvalid = (r: E.Either<AppError, string>): void => {
  expect(E.isLeft(r)).toBe(true);
  if (E.isLeft(r)) {
    expect(r.left.code).toBe('VALIDATION');
    expect(r.left.reason).toBe('invalid_oauth_state');
  }
};

describe('HmacStateSigner', () => {
  it('round-trips a payload in the documented format', () => {
    const token = signer.sign(payload);
    const [p, sig, ...rest] = token.split('.');
    expect(rest).toHaveLength(0);
    expect(Buffer.from(p ?? '', 'base64url').toString('utf8')).toBe(payload);
    expect(Buffer.from(sig ?? '', 'base64url')).toHaveLength(32);
    expect(signer.verify(token)).toEqual(E.right(payload));
    expect(new HmacStateSigner(Buffer.from('state-secret-0123456789abcdef')).verify(token)).toEqual(E.right(payload));
  });

  it('rejects a tampered payload', () => {
    const [, sig] = signer.sign(payload).split('.');
    const forged = Buffer.from(payload.replace('t-1', 't-2')).toString('base64url');
    expectInvalid(signer.verify(`${forged}.${sig}`));
  });

  it('rejects a tampered signature', () => {
    const [p, sig] = signer.sign(payload).split('.');
    const bytes = Buffer.from(sig ?? '', 'base64url');
    bytes[0] = (bytes[0] ?? 0) ^ 0x01;
    expectInvalid(signer.verify(`${p}.${bytes.toString('base64url')}`));
    expectInvalid(signer.verify(`${p}.${bytes.subarray(0, 16).toString('base64url')}`));
    expectInvalid(signer.verify(`${p}.${sig}A`));
  });

  it('rejects a token signed with another secret', () => {
    expectInvalid(new HmacStateSigner('another-secret').verify(signer.sign(payload)));
  });

  it.each(['', 'abc', 'a.b.c', '.', 'abc.', '.abc', `${'x'.repeat(10)}.${'!'.repeat(43)}`])(
    'rejects the malformed token %j without throwing',
    (token) => {
      expectInvalid(signer.verify(token));
    },
  );

  it('rejects a valid token with an extra segment', () => {
    expectInvalid(signer.verify(`${signer.sign(payload)}.extra`));
  });

  it('refuses an empty secret at construction', () => {
    expect(() => new HmacStateSigner('')).toThrow();
  });
});
