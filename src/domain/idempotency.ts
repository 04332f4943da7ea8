/**
 * Idempotency keys (IETF httpapi draft "The Idempotency-Key HTTP Header Field"): what a
 * key may be, and the fingerprint of the request it was first used for. Pure; the store
 * and the use case are in src/application.
 */
import { createHash } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import { AppError } from './errors.js';

export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;

/** Printable ASCII (space to tilde), 1 to 255 characters. */
const PRINTABLE = /^[\x20-\x7e]+$/;

/**
 * Checks a key as a caller sent it (the header's value or the tool argument). The draft
 * makes the header a Structured Field string, so a value in double quotes is unquoted; a
 * bare token is taken as it is. Empty, longer than 255 characters or not printable ASCII:
 * VALIDATION naming `where`, never the value.
 */
export const parseIdempotencyKey = (raw: unknown, where: string): E.Either<AppError, string> => {
  if (typeof raw !== 'string') return E.left(AppError.validation(`${where} must be a string.`));
  const quoted = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"');
  const key = quoted ? raw.slice(1, -1) : raw;
  if (key.trim().length === 0) return E.left(AppError.validation(`${where} must not be empty.`));
  if (key.length > IDEMPOTENCY_KEY_MAX_LENGTH) return E.left(AppError.validation(`${where} must be at most ${IDEMPOTENCY_KEY_MAX_LENGTH} characters.`));
  if (!PRINTABLE.test(key) || (quoted && /["\\]/.test(key))) {
    return E.left(AppError.validation(`${where} must be printable ASCII characters only.`));
  }
  return E.right(key);
};

/** JSON with sorted keys; bytes (an upload's content) as their SHA-256, so any payload has one text. */
const canonical = (value: unknown): unknown => {
  if (value instanceof Uint8Array) return { $bytes_sha256: createHash('sha256').update(value).digest('hex') };
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
};

/**
 * What makes two requests "the same" for a key: the operation and its decoded input (path
 * parameters, query or body), whatever the field order. SHA-256, hex.
 */
export const requestFingerprint = (operation: string, input: unknown): string =>
  createHash('sha256').update(JSON.stringify([operation, canonical(input)])).digest('hex');
