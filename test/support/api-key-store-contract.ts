/**
 * The ApiKeyStore contract: one suite every adapter of the port must pass, run against the
 * in-memory store and SQLite (test/contract) and PostgreSQL (test/postgres). It drives the
 * store through the ApiKeys use case as the service does, with two stores over one database
 * where the adapter shares one (`second`), as two instances would.
 */
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sha256ApiKeySecrets } from '../../src/adapters/crypto/api-key-secrets.js';
import { ApiKeys } from '../../src/application/api-keys.js';
import type { ApiKeyStore } from '../../src/application/ports/api-key-store.js';
import type { AppError } from '../../src/domain/errors.js';
import type { TenantId } from '../../src/domain/tenant.js';

const A = 'tenant-a' as TenantId;
const B = 'tenant-b' as TenantId;

async function ok<T>(te: TE.TaskEither<AppError, T>): Promise<T> {
  const r = await te();
  if (E.isLeft(r)) throw new Error(`expected Right, got ${r.left.code}: ${r.left.message}`);
  return r.right;
}
async function fails<T>(te: TE.TaskEither<AppError, T>): Promise<AppError> {
  const r = await te();
  if (E.isRight(r)) throw new Error('expected Left, got Right');
  return r.left;
}

export interface KeyStoresUnderTest {
  readonly store: ApiKeyStore;
  /** Another store over the same database (another instance), or the same one for in-memory. */
  readonly second: ApiKeyStore;
  close(): Promise<void>;
}

export function describeApiKeyStoreContract(name: string, factory: () => Promise<KeyStoresUnderTest>): void {
  describe(`ApiKeyStore contract: ${name}`, () => {
    let sut: KeyStoresUnderTest;
    let now = new Date('2026-01-01T00:00:00.000Z');
    const clock = { now: () => now };
    const secrets = new Sha256ApiKeySecrets();
    const keys = (store: ApiKeyStore) => new ApiKeys({ store, secrets, clock });

    beforeEach(async () => {
      now = new Date('2026-01-01T00:00:00.000Z');
      sut = await factory();
    });
    afterEach(async () => {
      await sut.close();
    });

    it('issues a key once, stores only its hash, and recognises it', async () => {
      const { key, view } = await ok(keys(sut.store).create({ tenantId: A, scopes: ['read', 'write'], name: 'ci bot' }));
      expect(key).toMatch(/^ibk_[A-Za-z0-9_-]{43}$/);
      expect(view).toEqual({
        id: view.id,
        name: 'ci bot',
        tenant_id: A,
        scopes: ['read', 'write'],
        operator: false,
        created_at: now.toISOString(),
        last_used_at: null,
        expires_at: null,
        revoked_at: null,
      });
      const stored = await ok(sut.store.find(view.id));
      expect(stored?.hash).toBe(secrets.hash(key));
      expect(JSON.stringify(stored)).not.toContain(key.slice(4));
      const caller = await ok(keys(sut.second).authenticate(key));
      expect(caller).toEqual({ tenantId: A, id: `key:${view.id}`, kind: 'api_key', scopes: ['read', 'write'], operator: false });
    });

    it('refuses an unknown, malformed, expired or revoked key with the same UNAUTHORIZED error', async () => {
      const k = keys(sut.store);
      const { key, view } = await ok(k.create({ tenantId: A, scopes: ['read'], expiresInSeconds: 3600 }));
      const other = secrets.generate().key;
      const refusals = [await fails(k.authenticate(other)), await fails(k.authenticate('not-a-key')), await fails(k.authenticate(`${key}x`))];
      now = new Date(now.getTime() + 3600_000);
      refusals.push(await fails(k.authenticate(key)));
      const { key: live, view: liveView } = await ok(k.create({ tenantId: A, scopes: ['read'] }));
      await ok(k.authenticate(live));
      await ok(k.revoke(liveView.id, A));
      refusals.push(await fails(k.authenticate(live)));
      expect(new Set(refusals.map((e) => `${e.code} ${e.message}`)).size).toBe(1);
      expect(refusals[0]?.code).toBe('UNAUTHORIZED');
      expect(view.expires_at).toBe('2026-01-01T01:00:00.000Z');
    });

    it('a key revoked through one store stops working at once through another over the same database', async () => {
      const { key, view } = await ok(keys(sut.store).create({ tenantId: A, scopes: ['read'] }));
      const elsewhere = keys(sut.second);
      await ok(elsewhere.authenticate(key));
      const revoked = await ok(keys(sut.store).revoke(view.id));
      expect(revoked.revoked_at).toBe(now.toISOString());
      expect((await fails(elsewhere.authenticate(key))).code).toBe('UNAUTHORIZED');
    });

    it("lists one tenant's keys or all of them, and revokes only within the tenant it is asked for", async () => {
      const k = keys(sut.store);
      const a1 = await ok(k.create({ tenantId: A, scopes: ['read'], name: 'a1' }));
      now = new Date(now.getTime() + 1000);
      const b1 = await ok(k.create({ tenantId: B, scopes: ['admin'], name: 'b1' }));
      now = new Date(now.getTime() + 1000);
      const op = await ok(k.create({ operator: true, scopes: ['admin'], name: 'ops' }));
      expect((await ok(k.list(A))).map((v) => v.name)).toEqual(['a1']);
      expect((await ok(k.list())).map((v) => v.name)).toEqual(['a1', 'b1', 'ops']);
      expect(op.view).toMatchObject({ tenant_id: null, operator: true });
      expect((await fails(k.revoke(b1.view.id, A))).code).toBe('NOT_FOUND');
      expect((await fails(k.revoke('key_nope', A))).code).toBe('NOT_FOUND');
      await ok(k.authenticate(b1.key));
      await ok(k.revoke(a1.view.id, A));
      // Revoking twice keeps the first time.
      now = new Date(now.getTime() + 5000);
      expect((await ok(k.revoke(a1.view.id, A))).revoked_at).toBe('2026-01-01T00:00:02.000Z');
    });

    it('writes last_used_at at most once a minute per key, across instances', async () => {
      const { key, view } = await ok(keys(sut.store).create({ tenantId: A, scopes: ['read'] }));
      const first = keys(sut.store);
      const second = keys(sut.second);
      await ok(first.authenticate(key));
      const t0 = now.toISOString();
      expect((await ok(sut.store.find(view.id)))?.lastUsedAt?.toISOString()).toBe(t0);
      now = new Date(now.getTime() + 30_000);
      await ok(first.authenticate(key));
      await ok(second.authenticate(key));
      expect((await ok(sut.store.find(view.id)))?.lastUsedAt?.toISOString()).toBe(t0);
      now = new Date(now.getTime() + 31_000);
      await ok(second.authenticate(key));
      expect((await ok(sut.store.find(view.id)))?.lastUsedAt?.toISOString()).toBe(now.toISOString());
      expect((await ok(first.list(A)))[0]?.last_used_at).toBe(now.toISOString());
    });

    it('refuses keys it cannot issue: no tenant, no scope, an operator key with a tenant, a bad name', async () => {
      const k = keys(sut.store);
      for (const input of [{ scopes: ['read'] as const }, { tenantId: A, scopes: [] }, { operator: true, tenantId: A, scopes: ['admin'] as const }, { tenantId: A, scopes: ['read'] as const, name: 'x'.repeat(101) }]) {
        expect((await fails(k.create(input as never))).code).toBe('VALIDATION');
      }
      expect(await ok(k.list())).toEqual([]);
    });
  });
}
