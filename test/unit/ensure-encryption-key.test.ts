import { randomBytes } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { AesGcmCipher } from '../../src/adapters/crypto/aes-gcm-cipher.js';
import { InMemoryConnectionStore } from '../../src/adapters/memory/in-memory-connection-store.js';
import { InMemoryServiceMetaStore } from '../../src/adapters/memory/in-memory-stores.js';
import { EnsureEncryptionKey } from '../../src/application/ensure-encryption-key.js';
import { silentLogger } from '../../src/application/ports/logger.js';
import type { Cipher } from '../../src/application/ports/cipher.js';
import type { TenantId } from '../../src/domain/tenant.js';

const now = new Date('2026-11-27T12:00:00Z');
const clock = { now: () => now };

/** The in-memory store, counting how often every credential is read. */
class CountingStore extends InMemoryConnectionStore {
  sealedReads = 0;
  override listSealed() {
    this.sealedReads += 1;
    return super.listSealed();
  }
}

const seed = async (store: InMemoryConnectionStore, cipher: Cipher) => {
  const r = await store.save(
    {
      tenantId: 'acme' as TenantId,
      connector: 'jira',
      authType: 'pat',
      status: 'active',
      siteUrl: 'https://jira.example.com',
      cloudId: null,
      sites: [],
      scopes: [],
      grantId: null,
      expiresAt: null,
      refreshedAt: now,
      credentials: cipher.encrypt('{"kind":"pat","token":"secret-pat"}'),
    },
    now,
  )();
  expect(E.isRight(r)).toBe(true);
};

const check = (cipher: Cipher, connections: InMemoryConnectionStore, meta: InMemoryServiceMetaStore) =>
  new EnsureEncryptionKey({ cipher, meta, connections, clock, logger: silentLogger }).execute()();

describe('EnsureEncryptionKey', () => {
  it('on a start with the same key and no rotation, reads no credentials', async () => {
    const key = randomBytes(32);
    const store = new CountingStore();
    const meta = new InMemoryServiceMetaStore();
    await seed(store, new AesGcmCipher(key));
    expect(await check(new AesGcmCipher(key), store, meta)).toEqual(E.right({ reencrypted: 0 }));
    const reads = store.sealedReads;
    expect(await check(new AesGcmCipher(key), store, meta)).toEqual(E.right({ reencrypted: 0 }));
    expect(store.sealedReads).toBe(reads);
  });

  it('refuses a different key while credentials exist, and re-encrypts with the previous key given', async () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const store = new CountingStore();
    const meta = new InMemoryServiceMetaStore();
    await seed(store, new AesGcmCipher(oldKey));
    expect(E.isRight(await check(new AesGcmCipher(oldKey), store, meta))).toBe(true);

    const refused = await check(new AesGcmCipher(newKey), store, meta);
    expect(E.isLeft(refused) && refused.left.message).toContain('INTEGRATION_ENCRYPTION_KEY changed');

    const rotating = new AesGcmCipher(newKey, oldKey);
    expect(await check(rotating, store, meta)).toEqual(E.right({ reencrypted: 1 }));
    const rows = await store.listSealed()();
    if (E.isLeft(rows)) throw new Error(rows.left.message);
    expect(new AesGcmCipher(newKey).decrypt(rows.right[0]!.credentials ?? '')).toEqual(E.right('{"kind":"pat","token":"secret-pat"}'));
    expect(E.isRight(await check(new AesGcmCipher(newKey), store, meta))).toBe(true);
  });
});
