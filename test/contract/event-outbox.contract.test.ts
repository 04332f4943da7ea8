import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { openDatabase } from '../../src/adapters/kysely/database.js';
import { KyselyEventOutbox } from '../../src/adapters/kysely/kysely-event-outbox.js';
import { InMemoryEventOutbox } from '../../src/adapters/memory/in-memory-event-outbox.js';
import { describeEventOutboxContract } from '../support/event-outbox-contract.js';

const tempDirs: string[] = [];
afterAll(() => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

describeEventOutboxContract('InMemoryEventOutbox', () => {
  let now = new Date();
  const outbox = new InMemoryEventOutbox(() => now);
  return Promise.resolve({ outbox, second: outbox, setNow: (at: Date) => (now = at), close: () => Promise.resolve() });
});

// One process holds one connection to a SQLite file (kysely queues its transactions); a
// second connection in the same thread would wait on the first one's write lock without
// letting it finish. So `second` is a second outbox over the same connection here, and
// two instances on one database are shown on PostgreSQL (test/postgres).
describeEventOutboxContract('KyselyEventOutbox on a SQLite file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'event-outbox-'));
  tempDirs.push(dir);
  const filename = path.join(dir, 'events.db');
  const one = await openDatabase({ dialect: 'sqlite', filename });
  let now = new Date();
  return {
    outbox: new KyselyEventOutbox(one.db, () => now),
    second: new KyselyEventOutbox(one.db, () => now),
    setNow: (at: Date) => (now = at),
    close: async () => {
      await one.close();
    },
  };
});
