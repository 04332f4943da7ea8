import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { Scope } from '../../domain/caller.js';
import type { AppError } from '../../domain/errors.js';
import type { TenantId } from '../../domain/tenant.js';

/** An API key as stored: its hash, never the key. */
export interface ApiKeyRecord {
  readonly id: string;
  /** The tenant it acts for; null for an operator key. */
  readonly tenantId: TenantId | null;
  readonly name: string;
  readonly scopes: readonly Scope[];
  readonly operator: boolean;
  /** The hex hash of the key (ApiKeySecrets.hash). */
  readonly hash: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
}

/**
 * API keys in the database, shared by every instance: a revocation is seen by the next
 * request anywhere, because nothing is cached.
 */
export interface ApiKeyStore {
  insert(record: ApiKeyRecord): TE.TaskEither<AppError, void>;
  /** The key whose hash this is (revoked and expired ones included: the caller decides). */
  findByHash(hash: string): TE.TaskEither<AppError, ApiKeyRecord | undefined>;
  find(id: string): TE.TaskEither<AppError, ApiKeyRecord | undefined>;
  /** One tenant's keys, or every key (operator keys included) without a tenant; oldest first. */
  list(tenantId?: TenantId): TE.TaskEither<AppError, readonly ApiKeyRecord[]>;
  /** Marks the key revoked; answers whether a key that was not already revoked was. */
  revoke(id: string, now: Date): TE.TaskEither<AppError, boolean>;
  /** Sets last_used_at to `now` unless it is already at or after `notBefore` (one write a minute per key, across instances). */
  touch(id: string, now: Date, notBefore: Date): TE.TaskEither<AppError, void>;
}
