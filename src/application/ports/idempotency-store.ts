import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { AppError } from '../../domain/errors.js';
import type { TenantId } from '../../domain/tenant.js';

/** One key of one tenant: the request it was first used for, and its answer once there is one. */
export interface IdempotencyRecord {
  readonly tenantId: TenantId;
  readonly key: string;
  /** requestFingerprint of the first request. */
  readonly fingerprint: string;
  /** The stored outcome (JSON text), absent while the first request is still running. */
  readonly response?: string;
  readonly createdAt: Date;
  /** After this the key is forgotten and may be used again. */
  readonly expiresAt: Date;
  /** A request still running past this is taken as lost (its process died): the key may be claimed again. */
  readonly lockedUntil: Date;
}

export type ClaimResult = { readonly claimed: true } | { readonly claimed: false; readonly existing: IdempotencyRecord };

/**
 * Idempotency keys per tenant, shared through the database so a retry on another instance
 * or after a restart sees the first request. The claim is atomic: of concurrent claims of
 * one key, exactly one answers `claimed: true`.
 */
export interface IdempotencyStore {
  /**
   * Claims the key for a request (insert if absent). A record that expired, or a running one
   * whose lock ran out, is dropped first. Otherwise the record that holds the key is answered.
   */
  claim(record: Omit<IdempotencyRecord, 'response'>, now: Date): TE.TaskEither<AppError, ClaimResult>;
  /** Stores the outcome of the claimed request. */
  complete(tenantId: TenantId, key: string, response: string): TE.TaskEither<AppError, void>;
  /** Forgets a claimed key whose request failed in a way a retry may fix (5xx, timeouts). */
  release(tenantId: TenantId, key: string): TE.TaskEither<AppError, void>;
}
