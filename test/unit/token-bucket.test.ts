import { describe, expect, it } from 'vitest';
import { refilled, secondsUntilToken, take, type BucketState } from '../../src/domain/token-bucket.js';

const S = { perMinute: 60, burst: 5 };

describe('the token bucket', () => {
  it('starts full, lets the burst through, then refuses with the seconds until the next token', () => {
    let state: BucketState | undefined;
    for (let i = 0; i < 5; i += 1) {
      const v = take(state, 1_000, S);
      expect(v.allowed).toBe(true);
      state = v.state;
    }
    const refused = take(state, 1_000, S);
    expect(refused).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
    expect(take(state, 1_500, { perMinute: 6, burst: 5 })).toMatchObject({ allowed: false, retryAfterSeconds: 10 });
  });

  it('refills at the rate, never past the burst, and not at all when the clock goes back', () => {
    const empty: BucketState = { tokens: 0, updatedMs: 10_000 };
    expect(refilled(empty, 12_500, S).tokens).toBeCloseTo(2.5);
    expect(refilled(empty, 10_000 + 3_600_000, S).tokens).toBe(5);
    expect(refilled(empty, 5_000, S)).toEqual({ tokens: 0, updatedMs: 10_000 });
    expect(take(empty, 11_000, S)).toMatchObject({ allowed: true, state: { updatedMs: 11_000 } });
    expect((take(empty, 11_000, S).state.tokens)).toBeCloseTo(0);
  });

  it('rounds the wait up to whole seconds, at least one', () => {
    expect(secondsUntilToken(0.99, S)).toBe(1);
    expect(secondsUntilToken(0, { perMinute: 7, burst: 1 })).toBe(9);
    expect(secondsUntilToken(0.5, { perMinute: 1, burst: 1 })).toBe(30);
  });
});
