import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { openDatabase } from '../../src/adapters/kysely/database.js';
import { KyselyAuditLog } from '../../src/adapters/kysely/kysely-audit-log.js';
import { InMemoryAuditLog } from '../../src/adapters/memory/in-memory-audit-log.js';
import { describeAuditLogContract } from '../support/audit-log-contract.js';

const tempDirs: string[] = [];
afterAll(() => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

describeAuditLogContract('InMemoryAuditLog', () => {
  const log = new InMemoryAuditLog();
  return Promise.resolve({ log, second: log, close: () => Promise.resolve() });
});

describeAuditLogContract('KyselyAuditLog on a SQLite file, opened twice', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-log-'));
  tempDirs.push(dir);
  const filename = path.join(dir, 'audit.db');
  const one = await openDatabase({ dialect: 'sqlite', filename });
  const two = await openDatabase({ dialect: 'sqlite', filename });
  return {
    log: new KyselyAuditLog(one.db),
    second: new KyselyAuditLog(two.db),
    close: async () => {
      await one.close();
      await two.close();
    },
  };
});
