import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { openDatabase } from '../../src/adapters/kysely/database.js';
import { KyselyIdempotencyStore } from '../../src/adapters/kysely/kysely-idempotency-store.js';
import { InMemoryIdempotencyStore } from '../../src/adapters/memory/in-memory-idempotency-store.js';
import { describeIdempotencyStoreContract } from '../support/idempotency-store-contract.js';

const tempDirs: string[] = [];
const tempDb = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idem-store-'));
  tempDirs.push(dir);
  return path.join(dir, 'idem.db');
};
afterAll(() => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

describeIdempotencyStoreContract('InMemoryIdempotencyStore', () => {
  const store = new InMemoryIdempotencyStore();
  return Promise.resolve({ store, second: store, close: () => Promise.resolve() });
});

describeIdempotencyStoreContract('KyselyIdempotencyStore on a SQLite file, opened twice', async () => {
  const filename = tempDb();
  const one = await openDatabase({ dialect: 'sqlite', filename });
  const two = await openDatabase({ dialect: 'sqlite', filename });
  return {
    store: new KyselyIdempotencyStore(one.db),
    second: new KyselyIdempotencyStore(two.db),
    close: async () => {
      await one.close();
      await two.close();
    },
  };
});
