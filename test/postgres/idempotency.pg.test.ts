/** Idempotent writes with the service on PostgreSQL: the suite of test/operations/idempotency.test.ts. */
import { describeIdempotentWrites } from '../operations/idempotency-suite.js';
import { useFreshDatabases } from '../support/postgres.js';
import { ENCRYPTION_KEY } from './support.js';

const fresh = useFreshDatabases();

describeIdempotentWrites('PostgreSQL', async () => ({ INTEGRATION_DB_URL: (await fresh()).url, INTEGRATION_ENCRYPTION_KEY: ENCRYPTION_KEY }));
