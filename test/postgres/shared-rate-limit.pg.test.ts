/**
 * RATE_LIMIT_SHARED on PostgreSQL: two service instances on one database draw from one token
 * bucket per tenant (one atomic statement per request), so the limit holds across them,
 * concurrent requests included; another tenant's bucket is its own; refill follows the clock.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useFreshDatabases, type TestDatabase } from '../support/postgres.js';
import { startTestService, type TestService } from '../support/service.js';
import { client, expectError } from '../operations/support.js';
import { ENCRYPTION_KEY, withClient } from './support.js';

const fresh = useFreshDatabases();

let offset = 0;
const clock = { now: () => new Date(Date.UTC(2026, 0, 1) + offset) };

describe('RATE_LIMIT_SHARED across two instances on one PostgreSQL database', () => {
  let database: TestDatabase;
  let one: TestService;
  let two: TestService;
  beforeAll(async () => {
    database = await fresh();
    // 6 a minute (one token every 10 s), 4 at once.
    const env = {
      INTEGRATION_DB_URL: database.url,
      INTEGRATION_ENCRYPTION_KEY: ENCRYPTION_KEY,
      RATE_LIMIT_PER_TENANT: '6',
      RATE_LIMIT_BURST: '4',
      RATE_LIMIT_SHARED: 'true',
    };
    one = await startTestService({ env, overrides: { clock } });
    two = await startTestService({ env, overrides: { clock } });
  }, 60_000);
  afterAll(async () => {
    await one?.close();
    await two?.close();
  });
  beforeEach(() => {
    offset += 10 * 60_000;
  });

  it('one bucket per tenant, whichever instance answers; another tenant is unaffected', async () => {
    const viaOne = client(one.url, 'acme');
    const viaTwo = client(two.url, 'acme');
    expect((await viaOne.get('/connectors')).status).toBe(200);
    expect((await viaTwo.get('/connectors')).status).toBe(200);
    expect((await viaOne.get('/connectors')).status).toBe(200);
    expect((await viaTwo.get('/connectors')).status).toBe(200);
    const refused = await viaOne.get('/connectors');
    expect(expectError(refused, 429, 'RATE_LIMITED').retry_after).toBe(10);
    expect(refused.headers.get('retry-after')).toBe('10');
    expect(expectError(await viaTwo.get('/connectors'), 429, 'RATE_LIMITED').retry_after).toBe(10);
    expect((await client(two.url, 'globex').get('/connectors')).status).toBe(200);

    offset += 10_000;
    expect((await viaTwo.get('/connectors')).status).toBe(200);
    expect((await viaOne.get('/connectors')).status).toBe(429);

    const rows = await withClient(database.url, async (c) => (await c.query('select tenant_id from rate_limits order by tenant_id')).rows);
    expect(rows).toEqual([{ tenant_id: 'acme' }, { tenant_id: 'globex' }]);
  });

  it('holds under concurrent requests to both instances: exactly the burst gets through', async () => {
    const tenant = 'stampede';
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => client(i % 2 === 0 ? one.url : two.url, tenant).get('/connectors')),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(4);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(26);
  });

  it('records the migration by its name', async () => {
    const names = await withClient(database.url, async (c) => (await c.query('select name from kysely_migration order by name')).rows);
    expect(names.map((r: { name: string }) => r.name)).toContain('0006_rate_limits');
  });
});
