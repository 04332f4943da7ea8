/** The InboundStore contract on a real PostgreSQL server, two pools over one database (two instances). */
import { openDatabase } from '../../src/adapters/kysely/database.js';
import { KyselyInboundStore } from '../../src/adapters/kysely/kysely-inbound-store.js';
import { redactDatabaseUrl } from '../../src/composition/config.js';
import { describeInboundStoreContract } from '../support/inbound-store-contract.js';
import { useFreshDatabases } from '../support/postgres.js';

const fresh = useFreshDatabases();
const location = (url: string) => ({ dialect: 'postgres' as const, url, display: redactDatabaseUrl(url) });

describeInboundStoreContract('KyselyInboundStore on PostgreSQL, two pools', async () => {
  const { url } = await fresh();
  const one = await openDatabase(location(url));
  const two = await openDatabase(location(url));
  return {
    store: new KyselyInboundStore(one.db),
    second: new KyselyInboundStore(two.db),
    close: async () => {
      await one.close();
      await two.close();
    },
  };
});
