import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { openDatabase } from '../../src/adapters/kysely/database.js';
import { KyselyInboundStore } from '../../src/adapters/kysely/kysely-inbound-store.js';
import { InMemoryInboundStore } from '../../src/adapters/memory/in-memory-inbound-store.js';
import { describeInboundStoreContract } from '../support/inbound-store-contract.js';

const tempDirs: string[] = [];
afterAll(() => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

describeInboundStoreContract('InMemoryInboundStore', () => {
  const store = new InMemoryInboundStore();
  return Promise.resolve({ store, second: store, close: () => Promise.resolve() });
});

describeInboundStoreContract('KyselyInboundStore on a SQLite file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inbound-store-'));
  tempDirs.push(dir);
  const one = await openDatabase({ dialect: 'sqlite', filename: path.join(dir, 'inbound.db') });
  return { store: new KyselyInboundStore(one.db), second: new KyselyInboundStore(one.db), close: () => one.close() };
});
