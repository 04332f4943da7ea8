/** The ApiKeyStore contract on a real PostgreSQL server, with two instances' pools over one database. */
import pg from 'pg';
import * as E from 'fp-ts/lib/Either.js';
import { expect, it } from 'vitest';
import { Sha256ApiKeySecrets } from '../../src/adapters/crypto/api-key-secrets.js';
import { openDatabase } from '../../src/adapters/kysely/database.js';
import { KyselyApiKeyStore } from '../../src/adapters/kysely/kysely-api-key-store.js';
import { ApiKeys } from '../../src/application/api-keys.js';
import { redactDatabaseUrl } from '../../src/composition/config.js';
import type { TenantId } from '../../src/domain/tenant.js';
import { describeApiKeyStoreContract } from '../support/api-key-store-contract.js';
import { useFreshDatabases } from '../support/postgres.js';

const fresh = useFreshDatabases();
const location = (url: string) => ({ dialect: 'postgres' as const, url, display: redactDatabaseUrl(url) });

describeApiKeyStoreContract('KyselyApiKeyStore on PostgreSQL, two pools', async () => {
  const { url } = await fresh();
  const one = await openDatabase(location(url));
  const two = await openDatabase(location(url));
  return {
    store: new KyselyApiKeyStore(one.db),
    second: new KyselyApiKeyStore(two.db),
    close: async () => {
      await one.close();
      await two.close();
    },
  };
});

it('the api_keys table holds the hash of a key, never the key', async () => {
  const { url } = await fresh();
  const opened = await openDatabase(location(url));
  const secrets = new Sha256ApiKeySecrets();
  try {
    const created = await new ApiKeys({ store: new KyselyApiKeyStore(opened.db), secrets, clock: { now: () => new Date() } }).create({
      tenantId: 'tenant-a' as TenantId,
      scopes: ['read'],
    })();
    if (E.isLeft(created)) throw new Error(created.left.message);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query('select * from api_keys');
      const text = JSON.stringify(rows);
      expect(text).toContain(secrets.hash(created.right.key));
      expect(text).not.toContain(created.right.key.slice(4));
    } finally {
      await client.end();
    }
  } finally {
    await opened.close();
  }
});
