/** The AuditLog contract on a real PostgreSQL server, two pools over one database; and the raw table holds no secret. */
import pg from 'pg';
import { expect, it } from 'vitest';
import { openDatabase } from '../../src/adapters/kysely/database.js';
import { KyselyAuditLog } from '../../src/adapters/kysely/kysely-audit-log.js';
import { redactDatabaseUrl } from '../../src/composition/config.js';
import { describeAuditLogContract } from '../support/audit-log-contract.js';
import { useFreshDatabases } from '../support/postgres.js';

const fresh = useFreshDatabases();
const location = (url: string) => ({ dialect: 'postgres' as const, url, display: redactDatabaseUrl(url) });

describeAuditLogContract('KyselyAuditLog on PostgreSQL, two pools', async () => {
  const { url } = await fresh();
  const one = await openDatabase(location(url));
  const two = await openDatabase(location(url));
  return {
    log: new KyselyAuditLog(one.db),
    second: new KyselyAuditLog(two.db),
    close: async () => {
      await one.close();
      await two.close();
    },
  };
});

it('the audit_log table has exactly the columns of an entry: no body, token or key column', async () => {
  const { url } = await fresh();
  const opened = await openDatabase(location(url));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ column_name: string }>(
      "select column_name from information_schema.columns where table_name = 'audit_log' order by column_name",
    );
    expect(rows.map((r) => r.column_name)).toEqual(['at', 'caller_id', 'id', 'operation', 'outcome', 'request_id', 'target', 'tenant_id']);
  } finally {
    await client.end();
    await opened.close();
  }
});
