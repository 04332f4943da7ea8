/**
 * A token bucket: `burst` tokens at most, refilled at `perMinute` tokens a minute; a request
 * takes one token or is refused with the seconds until one is back. Pure: the caller gives
 * the time in milliseconds, so a test drives it with a clock, and the database statement of
 * the shared limiter computes the same thing (`refill` is its reference).
 */
export interface BucketSettings {
  /** Tokens added per minute (RATE_LIMIT_PER_TENANT). */
  readonly perMinute: number;
  /** The most tokens a bucket holds (RATE_LIMIT_BURST): how many requests may come at once. */
  readonly burst: number;
}

export interface BucketState {
  readonly tokens: number;
  /** Epoch ms of the last refill. */
  readonly updatedMs: number;
}

export type BucketVerdict =
  | { readonly allowed: true; readonly state: BucketState }
  | { readonly allowed: false; readonly state: BucketState; readonly retryAfterSeconds: number };

/** The tokens a bucket holds at `nowMs` (a clock that went back refills nothing). */
export const refilled = (state: BucketState | undefined, nowMs: number, s: BucketSettings): BucketState => {
  if (!state) return { tokens: s.burst, updatedMs: nowMs };
  const elapsed = Math.max(0, nowMs - state.updatedMs);
  return { tokens: Math.min(s.burst, state.tokens + (elapsed * s.perMinute) / 60_000), updatedMs: Math.max(state.updatedMs, nowMs) };
};

/** Seconds (at least 1, whole) until a bucket holding `tokens` has one again. */
export const secondsUntilToken = (tokens: number, s: BucketSettings): number =>
  Math.max(1, Math.ceil(((1 - tokens) * 60) / s.perMinute));

/** One request: take a token from the refilled bucket, or refuse it with the wait. */
export const take = (state: BucketState | undefined, nowMs: number, s: BucketSettings): BucketVerdict => {
  const full = refilled(state, nowMs, s);
  if (full.tokens >= 1) return { allowed: true, state: { tokens: full.tokens - 1, updatedMs: full.updatedMs } };
  return { allowed: false, state: full, retryAfterSeconds: secondsUntilToken(full.tokens, s) };
};
