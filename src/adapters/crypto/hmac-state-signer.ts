import { createHmac, timingSafeEqual } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import type { StateSigner } from '../../application/ports/state-signer.js';
import { AppError } from '../../domain/errors.js';

const B64URL_RE = /^[A-Za-z0-9_-]+$/;
const MAC_BYTES = 32;

const INVALID_STATE = AppError.validation('The OAuth state is missing a valid signature; start the sign-in again.', {
  reason: 'invalid_oauth_state',
});

/** Strict, canonical, non-empty base64url decoding; undefined on anything else. */
const decodeB64url = (s: string): Buffer | undefined => {
  if (!B64URL_RE.test(s)) return undefined;
  const buf = Buffer.from(s, 'base64url');
  return buf.toString('base64url') === s ? buf : undefined;
};

/** `<base64url(payload)>.<base64url(HMAC-SHA256(secret, base64url(payload)))>`. */
export class HmacStateSigner implements StateSigner {
  private readonly secret: Buffer;

  constructor(secret: string | Buffer) {
    const buf = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
    if (buf.length === 0) throw new Error('HmacStateSigner: the signing secret must not be empty');
    this.secret = buf;
  }

  private mac(encodedPayload: string): Buffer {
    return createHmac('sha256', this.secret).update(encodedPayload, 'utf8').digest();
  }

  sign(payload: string): string {
    const encoded = Buffer.from(payload, 'utf8').toString('base64url');
    return `${encoded}.${this.mac(encoded).toString('base64url')}`;
  }

  verify(token: string): E.Either<AppError, string> {
    if (typeof token !== 'string') return E.left(INVALID_STATE);
    const parts = token.split('.');
    if (parts.length !== 2) return E.left(INVALID_STATE);
    const [encoded, sigPart] = parts as [string, string];
    const payload = decodeB64url(encoded);
    const given = decodeB64url(sigPart);
    if (payload === undefined || given === undefined || given.length !== MAC_BYTES) return E.left(INVALID_STATE);
    const expected = this.mac(encoded);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return E.left(INVALID_STATE);
    return E.right(payload.toString('utf8'));
  }
}
