/**
 * API keys: issuing them (CLI, REST), listing and revoking them, and recognising them on a
 * request (the CallerAuthenticator of AUTH_MODE=api_key). Only the hash is stored; the key
 * is shown once, by `create`.
 */
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { unauthenticated, type Caller, type Scope } from '../domain/caller.js';
import { AppError } from '../domain/errors.js';
import { TENANT_ID_PATTERN as TENANT_ID, type TenantId } from '../domain/tenant.js';
import type { ApiKeySecrets } from './ports/api-key-secrets.js';
import type { ApiKeyRecord, ApiKeyStore } from './ports/api-key-store.js';
import type { CallerAuthenticator } from './ports/caller-authenticator.js';
import type { Clock } from './ports/clock.js';

/** What a key looks like to whoever lists it: never the key, never its hash. */
export interface ApiKeyView {
  readonly id: string;
  readonly name: string;
  readonly tenant_id: string | null;
  readonly scopes: readonly Scope[];
  readonly operator: boolean;
  readonly created_at: string;
  readonly last_used_at: string | null;
  readonly expires_at: string | null;
  readonly revoked_at: string | null;
}

export interface NewApiKey {
  /** The tenant the key acts for; absent for an operator key. */
  readonly tenantId?: TenantId;
  readonly operator?: boolean;
  readonly name?: string;
  readonly scopes: readonly Scope[];
  /** Seconds until the key stops working; absent: never. */
  readonly expiresInSeconds?: number;
}

/** How often last_used_at is written per key, at most. */
export const LAST_USED_INTERVAL_MS = 60_000;

const NAME = /^[\p{L}\p{N} ._:@()/-]{1,100}$/u;

export const viewOf = (r: ApiKeyRecord): ApiKeyView => ({
  id: r.id,
  name: r.name,
  tenant_id: r.tenantId,
  scopes: r.scopes,
  operator: r.operator,
  created_at: r.createdAt.toISOString(),
  last_used_at: r.lastUsedAt?.toISOString() ?? null,
  expires_at: r.expiresAt?.toISOString() ?? null,
  revoked_at: r.revokedAt?.toISOString() ?? null,
});

/** `90d`, `12h`, `30m` as seconds; undefined when it is not one of those. */
export const parseDuration = (text: string): number | undefined => {
  const m = /^(\d{1,6})([dhm])$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  if (n <= 0) return undefined;
  return n * { d: 86_400, h: 3_600, m: 60 }[m[2] as 'd' | 'h' | 'm'];
};

export class ApiKeys implements CallerAuthenticator {
  /** When this instance last wrote last_used_at, per key id. */
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly ports: {
      store: ApiKeyStore;
      secrets: ApiKeySecrets;
      clock: Clock;
    },
  ) {}

  create(input: NewApiKey): TE.TaskEither<AppError, { key: string; view: ApiKeyView }> {
    const operator = input.operator === true;
    if (operator && input.tenantId !== undefined) return TE.left(AppError.validation('An operator key belongs to no tenant; leave out the tenant.'));
    if (!operator && input.tenantId === undefined) return TE.left(AppError.validation('A key needs a tenant (or must be an operator key).'));
    if (input.scopes.length === 0) return TE.left(AppError.validation('A key needs at least one scope: read, write or admin.'));
    const name = input.name ?? '';
    if (name !== '' && !NAME.test(name)) return TE.left(AppError.validation('name must be 1-100 letters, digits, spaces or . _ : @ ( ) / -.'));
    if (input.expiresInSeconds !== undefined && !(Number.isInteger(input.expiresInSeconds) && input.expiresInSeconds > 0)) {
      return TE.left(AppError.validation('The expiry must be a positive number of seconds.'));
    }
    const now = this.ports.clock.now();
    const { key, id } = this.ports.secrets.generate();
    const record: ApiKeyRecord = {
      id,
      tenantId: input.tenantId ?? null,
      name,
      scopes: [...new Set(input.scopes)],
      operator,
      hash: this.ports.secrets.hash(key),
      createdAt: now,
      lastUsedAt: null,
      expiresAt: input.expiresInSeconds === undefined ? null : new Date(now.getTime() + input.expiresInSeconds * 1000),
      revokedAt: null,
    };
    return pipe(
      this.ports.store.insert(record),
      TE.map(() => ({ key, view: viewOf(record) })),
    );
  }

  /** One tenant's keys, or (undefined) every key. */
  list(tenantId?: TenantId): TE.TaskEither<AppError, readonly ApiKeyView[]> {
    return pipe(this.ports.store.list(tenantId), TE.map((rows) => rows.map(viewOf)));
  }

  /**
   * Revokes a key. With a tenant, only that tenant's keys can be revoked: another tenant's key
   * answers NOT_FOUND, exactly as a key that does not exist.
   */
  revoke(id: string, tenantId?: TenantId): TE.TaskEither<AppError, ApiKeyView> {
    const notFound = AppError.notFound(`No API key ${id.slice(0, 64)}.`);
    return pipe(
      this.ports.store.find(id),
      TE.flatMap((r) => (r && (tenantId === undefined || r.tenantId === tenantId) ? TE.right(r) : TE.left(notFound))),
      TE.flatMap((r) => {
        const now = this.ports.clock.now();
        return pipe(
          this.ports.store.revoke(r.id, now),
          TE.map((changed) => viewOf(changed ? { ...r, revokedAt: now } : r)),
        );
      }),
    );
  }

  /**
   * A key issued by a caller over REST: a tenant's admin key issues keys of its own tenant
   * with scopes it has itself; an operator key issues tenant keys of any tenant; nobody issues
   * an operator key over REST (the command line does).
   */
  createFor(caller: Caller, input: Omit<NewApiKey, 'operator' | 'tenantId'> & { tenant?: string }): TE.TaskEither<AppError, { key: string; view: ApiKeyView }> {
    const tenant = this.tenantFor(caller, input.tenant);
    if (tenant._tag === 'Left') return TE.left(tenant.left);
    if (tenant.right === undefined) return TE.left(AppError.validation('An operator key must name the tenant of the key it issues (tenant).'));
    const beyond = caller.operator ? [] : input.scopes.filter((s) => !caller.scopes.includes(s));
    if (beyond.length > 0) return TE.left(AppError.forbidden(`A key may issue keys only with scopes it has; this one lacks ${beyond.join(', ')}.`));
    return this.create({ ...input, tenantId: tenant.right });
  }

  /** The keys a caller may see: its tenant's, or (operator) every key or one tenant's. */
  listFor(caller: Caller, tenant?: string): TE.TaskEither<AppError, readonly ApiKeyView[]> {
    const t = this.tenantFor(caller, tenant);
    return t._tag === 'Left' ? TE.left(t.left) : this.list(t.right);
  }

  /** Revokes a key of the caller's tenant (an operator: any key). */
  revokeFor(caller: Caller, id: string): TE.TaskEither<AppError, ApiKeyView> {
    return this.revoke(id, caller.operator ? undefined : caller.tenantId);
  }

  /** The tenant a key request is about: the caller's own, or (operator) the one named. */
  private tenantFor(caller: Caller, named: string | undefined): { _tag: 'Left'; left: AppError } | { _tag: 'Right'; right: TenantId | undefined } {
    if (named !== undefined && !TENANT_ID.test(named)) {
      return { _tag: 'Left', left: AppError.validation('tenant must be 1-128 characters of letters, digits, ".", "_", ":" or "-".') };
    }
    if (caller.operator) return { _tag: 'Right', right: named as TenantId | undefined };
    if (named !== undefined && named !== caller.tenantId) {
      return { _tag: 'Left', left: AppError.forbidden("A tenant's key manages the keys of its own tenant only.") };
    }
    return { _tag: 'Right', right: caller.tenantId };
  }

  authenticate(credential: string): TE.TaskEither<AppError, Caller> {
    const { secrets, store, clock } = this.ports;
    if (!secrets.looksLikeKey(credential)) return TE.left(unauthenticated());
    const hash = secrets.hash(credential);
    return pipe(
      store.findByHash(hash),
      TE.flatMap((r) => {
        const now = clock.now();
        if (!r || !secrets.same(r.hash, hash) || r.revokedAt !== null || (r.expiresAt !== null && r.expiresAt.getTime() <= now.getTime())) {
          return TE.left(unauthenticated());
        }
        const caller: Caller = {
          // An operator key acts for no tenant; the HTTP adapter lets it reach the key routes only.
          tenantId: (r.tenantId ?? '') as TenantId,
          id: `key:${r.id}`,
          kind: 'api_key',
          scopes: r.scopes,
          operator: r.operator,
        };
        return pipe(
          this.touch(r, now),
          TE.map(() => caller),
        );
      }),
    );
  }

  /** Writes last_used_at at most once a minute per key; a failed write never refuses the request. */
  private touch(r: ApiKeyRecord, now: Date): TE.TaskEither<never, void> {
    const last = Math.max(this.touched.get(r.id) ?? 0, r.lastUsedAt?.getTime() ?? 0);
    if (now.getTime() - last < LAST_USED_INTERVAL_MS) return TE.right(undefined);
    this.touched.set(r.id, now.getTime());
    if (this.touched.size > 10_000) this.touched.clear();
    return pipe(
      this.ports.store.touch(r.id, now, new Date(now.getTime() - LAST_USED_INTERVAL_MS)),
      TE.orElse(() => TE.right<never, void>(undefined)),
    );
  }
}
