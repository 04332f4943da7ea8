import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, expect, it } from 'vitest';
import { Sha256ApiKeySecrets } from '../../src/adapters/crypto/api-key-secrets.js';
import { openDatabase } from '../../src/adapters/kysely/database.js';
import { KyselyApiKeyStore } from '../../src/adapters/kysely/kysely-api-key-store.js';
import { InMemoryApiKeyStore } from '../../src/adapters/memory/in-memory-api-key-store.js';
import { ApiKeys } from '../../src/application/api-keys.js';
import type { TenantId } from '../../src/domain/tenant.js';
import { describeApiKeyStoreContract } from '../support/api-key-store-contract.js';

const tempDirs: string[] = [];
const tempDb = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'key-store-'));
  tempDirs.push(dir);
  return path.join(dir, 'keys.db');
};
afterAll(() => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

describeApiKeyStoreContract('InMemoryApiKeyStore', () => {
  const store = new InMemoryApiKeyStore();
  return Promise.resolve({ store, second: store, close: () => Promise.resolve() });
});

describeApiKeyStoreContract('KyselyApiKeyStore on a SQLite file, opened twice', async () => {
  const filename = tempDb();
  const one = await openDatabase({ dialect: 'sqlite', filename });
  const two = await openDatabase({ dialect: 'sqlite', filename });
  return {
    store: new KyselyApiKeyStore(one.db),
    second: new KyselyApiKeyStore(two.db),
    close: async () => {
      await one.close();
      await two.close();
    },
  };
});

it('the raw SQLite files (database, WAL) hold the hash of a key, never the key', async () => {
  const filename = tempDb();
  const opened = await openDatabase({ dialect: 'sqlite', filename });
  const secrets = new Sha256ApiKeySecrets();
  const keys = new ApiKeys({ store: new KyselyApiKeyStore(opened.db), secrets, clock: { now: () => new Date() } });
  const created = await keys.create({ tenantId: 'tenant-a' as TenantId, scopes: ['read'] })();
  if (E.isLeft(created)) throw new Error(created.left.message);
  const { key } = created.right;
  const bytes = () =>
    Buffer.concat(
      fs
        .readdirSync(path.dirname(filename))
        .map((f) => fs.readFileSync(path.join(path.dirname(filename), f))),
    );
  const before = bytes();
  expect(before.includes(Buffer.from(secrets.hash(key)))).toBe(true);
  expect(before.includes(Buffer.from(key.slice(4)))).toBe(false);
  await opened.close();
  const after = bytes();
  expect(after.includes(Buffer.from(secrets.hash(key)))).toBe(true);
  expect(after.includes(Buffer.from(key.slice(4)))).toBe(false);
});
