/** Idempotent writes on SQLite (a file, as a deployment has it); the same suite runs on PostgreSQL in test/postgres. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { describeIdempotentWrites } from './idempotency-suite.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idem-service-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describeIdempotentWrites('SQLite', () => Promise.resolve({ INTEGRATION_DB_URL: `sqlite:///${path.join(dir, 'idem.db')}` }));
