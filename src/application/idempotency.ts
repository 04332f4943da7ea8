/**
 * Writes that are safe to retry (IETF httpapi draft "The Idempotency-Key HTTP Header
 * Field"): the first request with a key runs and its outcome is stored per tenant and key;
 * a retry with the same key and the same request answers that outcome again without
 * running; the same key for another request is a 422; a retry while the first still runs
 * is a 409. REST routes, tools/invoke and MCP all come through `run`.
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as T from 'fp-ts/lib/Task.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { AppError, ERROR_CODES, type ErrorCode } from '../domain/errors.js';
import type { TenantId } from '../domain/tenant.js';
import type { Clock } from './ports/clock.js';
import type { IdempotencyStore } from './ports/idempotency-store.js';

export interface IdempotentOutcome<A> {
  /** What the operation answered, the first time or now replayed. */
  readonly outcome: E.Either<AppError, A>;
  /** True when the outcome is the stored one of an earlier request. */
  readonly replayed: boolean;
}

/**
 * The failures that are stored and replayed: the request itself was refused (by us or by
 * Atlassian, a 4xx), and sending it again would be refused again. Everything else (5xx,
 * timeouts, rate limits, a connection to make or renew, a missing OAuth scope) releases
 * the key so a retry runs.
 */
export const isStoredFailure = (error: AppError): boolean =>
  (error.code === 'VALIDATION' || error.code === 'FORBIDDEN' || error.code === 'NOT_FOUND' || error.code === 'CONFLICT') &&
  error.reason !== 'missing_scope';

interface Stored {
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: { code: ErrorCode; message: string; reason?: AppError['reason']; details?: AppError['details'] };
}

const encode = (outcome: E.Either<AppError, unknown>): string =>
  JSON.stringify(
    E.isRight(outcome)
      ? { ok: true, value: outcome.right }
      : {
          ok: false,
          error: {
            code: outcome.left.code,
            message: outcome.left.message,
            ...(outcome.left.reason ? { reason: outcome.left.reason } : {}),
            ...(outcome.left.details ? { details: outcome.left.details } : {}),
          },
        },
  );

const decode = (text: string): E.Either<AppError, unknown> | undefined => {
  try {
    const stored = JSON.parse(text) as Stored;
    if (stored.ok) return E.right(stored.value);
    const error = stored.error;
    if (!error || !(ERROR_CODES as readonly string[]).includes(error.code) || typeof error.message !== 'string') return undefined;
    return E.left({ code: error.code, message: error.message, ...(error.reason ? { reason: error.reason } : {}), ...(error.details ? { details: error.details } : {}) });
  } catch {
    return undefined;
  }
};

export interface IdempotencyPorts {
  readonly store: IdempotencyStore;
  readonly clock: Clock;
  /** IDEMPOTENCY_TTL_HOURS: how long a key and its outcome are kept. */
  readonly ttlMs: number;
  /** How long a first request may run before a retry takes it as lost (its process died) and runs. */
  readonly lockMs: number;
}

export class IdempotentWrites {
  constructor(private readonly ports: IdempotencyPorts) {}

  /**
   * Runs `work` once per tenant and key. `fingerprint` (requestFingerprint) names the
   * request; the Left is only for the key itself (reused: 422, in flight: 409) or a store
   * that failed (500); the operation's own failure is in `outcome`.
   */
  run<A>(
    tenantId: TenantId,
    key: string,
    fingerprint: string,
    work: () => TE.TaskEither<AppError, A>,
    /** Whether a success is stored (default: always); the proxy does not store Atlassian's 5xx, 401, 408, 429 or a large body. */
    keepSuccess: (value: A) => boolean = () => true,
  ): TE.TaskEither<AppError, IdempotentOutcome<A>> {
    const { store, clock, ttlMs, lockMs } = this.ports;
    const now = clock.now();
    return pipe(
      store.claim(
        { tenantId, key, fingerprint, createdAt: now, expiresAt: new Date(now.getTime() + ttlMs), lockedUntil: new Date(now.getTime() + lockMs) },
        now,
      ),
      TE.flatMap((claim): TE.TaskEither<AppError, IdempotentOutcome<A>> => {
        if (!claim.claimed) {
          const { existing } = claim;
          if (existing.fingerprint !== fingerprint) {
            return TE.left(
              AppError.validation('This Idempotency-Key was already used for a different request (another operation or payload); use a new key.', {
                reason: 'idempotency_key_reused',
              }),
            );
          }
          const stored = existing.response === undefined ? undefined : decode(existing.response);
          if (!stored) {
            return TE.left(
              AppError.conflict('A request with this Idempotency-Key is still running; retry once it has answered.', { reason: 'idempotency_in_flight' }),
            );
          }
          return TE.right({ outcome: stored as E.Either<AppError, A>, replayed: true });
        }
        return pipe(
          work(),
          T.flatMap((outcome) => {
            const keep = E.isRight(outcome) ? keepSuccess(outcome.right) : isStoredFailure(outcome.left);
            const settle = keep ? store.complete(tenantId, key, encode(outcome)) : store.release(tenantId, key);
            // The write has happened (or not) whatever the store says now: the caller gets its outcome.
            return pipe(
              settle,
              T.map(() => E.right<AppError, IdempotentOutcome<A>>({ outcome, replayed: false })),
            );
          }),
        );
      }),
    );
  }
}
