/**
 * The parts of idempotent writes without a service: what a key may be, when two requests are
 * the same, and IdempotentWrites over the in-memory store with a test clock (stored, replayed,
 * released, reused, in flight, expired, a store that fails).
 */
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { describe, expect, it } from 'vitest';
import { InMemoryIdempotencyStore } from '../../src/adapters/memory/in-memory-idempotency-store.js';
import { IdempotentWrites, isStoredFailure } from '../../src/application/idempotency.js';
import type { IdempotencyStore } from '../../src/application/ports/idempotency-store.js';
import { AppError } from '../../src/domain/errors.js';
import { parseIdempotencyKey, requestFingerprint } from '../../src/domain/idempotency.js';
import type { TenantId } from '../../src/domain/tenant.js';

const A = 'acme' as TenantId;
const B = 'beta' as TenantId;
const HOUR = 3_600_000;

describe('parseIdempotencyKey', () => {
  it('takes 1 to 255 printable ASCII characters, bare or as a quoted string', () => {
    expect(parseIdempotencyKey('8e03978e-40d5-43e8-bc93-6894a57f9324', 'k')).toEqual(E.right('8e03978e-40d5-43e8-bc93-6894a57f9324'));
    expect(parseIdempotencyKey('"abc def"', 'k')).toEqual(E.right('abc def'));
    expect(parseIdempotencyKey('x'.repeat(255), 'k')).toEqual(E.right('x'.repeat(255)));
  });

  it.each([
    ['empty', ''],
    ['blank', '  '],
    ['empty quotes', '""'],
    ['256 characters', 'x'.repeat(256)],
    ['a control character', 'a\u0001b'],
    ['a tab', 'a\tb'],
    ['non-ASCII', 'clé'],
    ['a quote inside a quoted string', '"a"b"'],
    ['not a string', 42],
  ])('refuses %s with VALIDATION naming where, never the value', (_what, raw) => {
    const r = parseIdempotencyKey(raw, 'The Idempotency-Key header');
    expect(E.isLeft(r)).toBe(true);
    if (E.isLeft(r)) {
      expect(r.left.code).toBe('VALIDATION');
      expect(r.left.message).toMatch(/^The Idempotency-Key header /);
      if (typeof raw === 'string' && raw.trim() !== '') expect(r.left.message).not.toContain(raw);
    }
  });
});

describe('requestFingerprint', () => {
  it('is the same whatever the field order, and differs by operation, value or file bytes', () => {
    const f = requestFingerprint('jira_create_issue', { a: 1, b: { c: [1, 2], d: 'x' } });
    expect(requestFingerprint('jira_create_issue', { b: { d: 'x', c: [1, 2] }, a: 1 })).toBe(f);
    expect(requestFingerprint('jira_update_issue', { a: 1, b: { c: [1, 2], d: 'x' } })).not.toBe(f);
    expect(requestFingerprint('jira_create_issue', { a: 1, b: { c: [2, 1], d: 'x' } })).not.toBe(f);
    const file = (bytes: number[]) => requestFingerprint('jira_add_attachment', { key: 'OPS-1', file: { filename: 'a.txt', content: new Uint8Array(bytes) } });
    expect(file([1, 2, 3])).toBe(file([1, 2, 3]));
    expect(file([1, 2, 3])).not.toBe(file([1, 2, 4]));
    expect(f).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('isStoredFailure', () => {
  it('stores refusals a retry would meet again, releases transient failures', () => {
    expect(isStoredFailure(AppError.validation('bad'))).toBe(true);
    expect(isStoredFailure(AppError.notFound('gone'))).toBe(true);
    expect(isStoredFailure(AppError.forbidden('no'))).toBe(true);
    expect(isStoredFailure(AppError.conflict('version'))).toBe(true);
    expect(isStoredFailure(AppError.forbidden('scope', { reason: 'missing_scope' }))).toBe(false);
    expect(isStoredFailure(AppError.vendor('5xx'))).toBe(false);
    expect(isStoredFailure(AppError.vendor('slow', { reason: 'upstream_timeout' }))).toBe(false);
    expect(isStoredFailure(AppError.rateLimited('wait', 5))).toBe(false);
    expect(isStoredFailure(AppError.notConnected('connect'))).toBe(false);
    expect(isStoredFailure(AppError.tokenExpired('reconnect'))).toBe(false);
    expect(isStoredFailure(AppError.internal('db'))).toBe(false);
  });
});

describe('IdempotentWrites', () => {
  const setup = (store: IdempotencyStore = new InMemoryIdempotencyStore()) => {
    let now = new Date('2026-03-01T10:00:00Z').getTime();
    const writes = new IdempotentWrites({ store, clock: { now: () => new Date(now) }, ttlMs: 24 * HOUR, lockMs: 5 * 60_000 });
    let runs = 0;
    const work =
      <A>(answer: E.Either<AppError, A>) =>
      () => {
        runs += 1;
        return TE.fromEither(answer);
      };
    return { writes, work, runs: () => runs, advance: (ms: number) => (now += ms) };
  };
  const run = async <A>(task: TE.TaskEither<AppError, A>) => task();

  it('runs once and replays the stored success; another fingerprint is a 422 reason; another tenant runs its own', async () => {
    const { writes, work, runs } = setup();
    expect(await run(writes.run(A, 'k', 'f1', work(E.right({ key: 'OPS-1' }))))).toEqual(E.right({ outcome: E.right({ key: 'OPS-1' }), replayed: false }));
    expect(await run(writes.run(A, 'k', 'f1', work(E.right({ key: 'OPS-2' }))))).toEqual(E.right({ outcome: E.right({ key: 'OPS-1' }), replayed: true }));
    const reused = await run(writes.run(A, 'k', 'f2', work(E.right({}))));
    expect(reused).toMatchObject(E.left({ code: 'VALIDATION', reason: 'idempotency_key_reused' }));
    expect((await run(writes.run(B, 'k', 'f2', work(E.right({ key: 'OPS-3' }))))).valueOf()).toEqual(E.right({ outcome: E.right({ key: 'OPS-3' }), replayed: false }));
    expect(runs()).toBe(2);
  });

  it('replays a stored refusal (without its cause); releases a transient failure so the retry runs', async () => {
    const { writes, work, runs } = setup();
    await run(writes.run(A, 'refused', 'f', work(E.left(AppError.validation('Severity is required.', { details: { severity: 'required' }, cause: new Error('x') })))));
    expect(await run(writes.run(A, 'refused', 'f', work(E.right({}))))).toEqual(
      E.right({ outcome: E.left({ code: 'VALIDATION', message: 'Severity is required.', details: { severity: 'required' } }), replayed: true }),
    );
    await run(writes.run(A, 'flaky', 'f', work(E.left(AppError.vendor('Jira failed.')))));
    expect(await run(writes.run(A, 'flaky', 'f', work(E.right({ ok: 1 }))))).toEqual(E.right({ outcome: E.right({ ok: 1 }), replayed: false }));
    expect(runs()).toBe(3);
  });

  it('answers 409 in flight while the first runs, and forgets the key after the TTL', async () => {
    const { writes, work, advance, runs } = setup();
    let release: (v: E.Either<AppError, unknown>) => void = () => undefined;
    const first = writes.run(A, 'k', 'f', () => () => new Promise<E.Either<AppError, unknown>>((r) => (release = r)))();
    await new Promise((r) => setTimeout(r, 0));
    expect(await run(writes.run(A, 'k', 'f', work(E.right({}))))).toMatchObject(E.left({ code: 'CONFLICT', reason: 'idempotency_in_flight' }));
    release(E.right({ first: true }));
    expect(await first).toEqual(E.right({ outcome: E.right({ first: true }), replayed: false }));
    advance(24 * HOUR - 1);
    expect(await run(writes.run(A, 'k', 'f', work(E.right({}))))).toMatchObject(E.right({ replayed: true }));
    advance(1);
    expect(await run(writes.run(A, 'k', 'f', work(E.right({ again: true }))))).toEqual(E.right({ outcome: E.right({ again: true }), replayed: false }));
    expect(runs()).toBe(1);
  });

  it('a store that fails to claim is a 500 and nothing runs; one that fails to store still answers the outcome', async () => {
    const broken: IdempotencyStore = {
      claim: () => TE.left(AppError.internal('The idempotency store is unavailable.')),
      complete: () => TE.left(AppError.internal('down')),
      release: () => TE.left(AppError.internal('down')),
    };
    const { writes, work, runs } = setup(broken);
    expect(await run(writes.run(A, 'k', 'f', work(E.right({}))))).toMatchObject(E.left({ code: 'INTERNAL_ERROR' }));
    expect(runs()).toBe(0);
    const half: IdempotencyStore = { ...broken, claim: () => TE.right({ claimed: true }) };
    const s = setup(half);
    expect(await run(s.writes.run(A, 'k', 'f', s.work(E.right({ done: 1 }))))).toEqual(E.right({ outcome: E.right({ done: 1 }), replayed: false }));
  });
});
