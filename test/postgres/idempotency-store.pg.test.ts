/** The IdempotencyStore contract on a real PostgreSQL server, with two instances' pools over one database. */
import { openDatabase } from '../../src/adapters/kysely/database.js';
import { KyselyIdempotencyStore } from '../../src/adapters/kysely/kysely-idempotency-store.js';
import { redactDatabaseUrl } from '../../src/composition/config.js';
import { describeIdempotencyStoreContract } from '../support/idempotency-store-contract.js';
import { useFreshDatabases } from '../support/postgres.js';

const fresh = useFreshDatabases();
const location = (url: string) => ({ dialect: 'postgres' as const, url, display: redactDatabaseUrl(url) });

describeIdempotencyStoreContract('KyselyIdempotencyStore on PostgreSQL, two pools', async () => {
  const { url } = await fresh();
  const one = await openDatabase(location(url));
  const two = await openDatabase(location(url));
  return {
    store: new KyselyIdempotencyStore(one.db),
    second: new KyselyIdempotencyStore(two.db),
    close: async () => {
      await one.close();
      await two.close();
    },
  };
});
