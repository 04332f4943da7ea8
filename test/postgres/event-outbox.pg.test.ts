/** The EventOutbox contract on a real PostgreSQL server, two pools over one database (two instances). */
import { openDatabase } from '../../src/adapters/kysely/database.js';
import { KyselyEventOutbox } from '../../src/adapters/kysely/kysely-event-outbox.js';
import { redactDatabaseUrl } from '../../src/composition/config.js';
import { describeEventOutboxContract } from '../support/event-outbox-contract.js';
import { useFreshDatabases } from '../support/postgres.js';

const fresh = useFreshDatabases();
const location = (url: string) => ({ dialect: 'postgres' as const, url, display: redactDatabaseUrl(url) });

describeEventOutboxContract('KyselyEventOutbox on PostgreSQL, two pools', async () => {
  const { url } = await fresh();
  const one = await openDatabase(location(url));
  const two = await openDatabase(location(url));
  let now = new Date();
  return {
    outbox: new KyselyEventOutbox(one.db, () => now),
    second: new KyselyEventOutbox(two.db, () => now),
    setNow: (at: Date) => (now = at),
    close: async () => {
      await one.close();
      await two.close();
    },
  };
});
