// Several processes starting at once on a new SQLite file must all come up. Kysely takes
// no migration lock on SQLite, so two migrators interleave and the loser fails on
// kysely_migration's unique name (seen with 6 processes started together). Two
// connections in one process interleave the same way, deterministically, at their awaits.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { connectSqlite, migrate } from '../../src/adapters/kysely/database.js';

describe('migrations racing on a new SQLite file', () => {
  it('every migrator succeeds and each migration is recorded once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ib-race-'));
    const file = path.join(dir, 'race.db');
    const dbs = Array.from({ length: 4 }, () => connectSqlite(file));
    try {
      const outcomes = await Promise.allSettled(dbs.map((db) => migrate(db)));
      expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
      const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(dbs[0]!);
      expect(rows.rows.map((r) => r.name)).toEqual(['0001_connections', '0002_oauth_nonces', '0003_api_keys', '0004_idempotency', '0005_audit', '0006_rate_limits', '0007_events', '0008_event_deliveries', '0009_inbound_sync', '0010_endpoint_leases', '0011_connection_changes']);
    } finally {
      await Promise.all(dbs.map((db) => db.destroy()));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
