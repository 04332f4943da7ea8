/**
 * Atlassian's advice for rate limits and transient failures: honour Retry-After,
 * otherwise start near 5 s and double, cap at 30 s, jitter 0.7-1.3x, at most 4 tries,
 * and only for idempotent requests. We add a total budget so a caller never waits
 * longer than the operator allows.
 */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);
export const MAX_ATTEMPTS = 4;
const BASE_DELAY_MS = 5_000;
const MAX_DELAY_MS = 30_000;

/** Delay before attempt `attempt + 1` (attempt counts from 1). */
export const retryDelayMs = (attempt: number, retryAfterSeconds: number | undefined, random: () => number): number => {
  if (retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) && retryAfterSeconds >= 0) {
    return Math.min(retryAfterSeconds * 1000, MAX_DELAY_MS * 4);
  }
  const exponential = Math.min(BASE_DELAY_MS * 2 ** (attempt - 1), MAX_DELAY_MS);
  return Math.round(exponential * (0.7 + 0.6 * random()));
};

/** Retry-After is seconds or an HTTP date; anything else is ignored. */
export const parseRetryAfter = (value: string | undefined, now: Date): number | undefined => {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now.getTime()) / 1000));
};
