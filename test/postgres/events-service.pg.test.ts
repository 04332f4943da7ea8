/**
 * The shipped service on PostgreSQL with events: two processes on one database, each
 * connecting tenants; every connection event reaches WEBHOOK_URL (a receiver verifying with
 * `standardwebhooks`), in order per tenant, and both instances answer the same GET /events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { useFreshDatabases } from '../support/postgres.js';
import { tenantHeaders } from '../oauth/support.js';
import { eventually, startWebhookReceiver, TEST_WEBHOOK_SECRET, type WebhookReceiver } from '../support/webhook-receiver.js';
import { ENCRYPTION_KEY, startInstance, stopInstance, type Instance } from './support.js';

const fresh = useFreshDatabases();

describe('events from two service processes on one PostgreSQL database', () => {
  let fake: FakeAtlassian;
  let receiver: WebhookReceiver;
  let one: Instance | undefined;
  let two: Instance | undefined;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    receiver = await startWebhookReceiver(TEST_WEBHOOK_SECRET);
    const database = await fresh();
    const env = oauthEnv(fake, {
      INTEGRATION_DB_URL: database.url,
      INTEGRATION_ENCRYPTION_KEY: ENCRYPTION_KEY,
      WEBHOOK_URL: receiver.url,
      WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      WEBHOOK_ALLOW_HTTP_LOOPBACK: 'true',
    });
    one = await startInstance(env);
    two = await startInstance(env);
  }, 60_000);
  afterAll(async () => {
    if (one) await stopInstance(one);
    if (two) await stopInstance(two);
    await receiver.close();
    await fake.close();
  });

  it('delivers every connection event once, in order per tenant, and both instances list the same events', async () => {
    const tenants = ['pg-a', 'pg-b', 'pg-c', 'pg-d'];
    await Promise.all(tenants.map((t, i) => connect((i % 2 === 0 ? one : two)!.url, fake, { tenant: t }).then((r) => expect(r.status).toBe(302))));
    await Promise.all(
      tenants.map((t, i) => fetch(`${(i % 2 === 0 ? two : one)!.url}/connectors/jira/connection`, { method: 'DELETE', headers: tenantHeaders(t) })),
    );
    const listed = new Map<string, string[]>();
    for (const t of tenants) {
      const pages = await Promise.all(
        [one!, two!].map(async (inst) => ((await (await fetch(`${inst.url}/events`, { headers: tenantHeaders(t) })).json()) as { items: Array<{ id: string; type: string }> }).items),
      );
      expect(pages[0]).toEqual(pages[1]);
      expect(pages[0]!.map((e) => e.type)).toEqual(['connection.connected', 'connection.connected', 'connection.deleted']);
      listed.set(t, pages[0]!.map((e) => e.id));
    }
    await eventually(() => receiver.accepted.length >= 12, 15_000);
    for (const [t, ids] of listed) expect(receiver.accepted.filter((e) => e.tenant === t).map((e) => e.id)).toEqual(ids);
    expect(new Set(receiver.accepted.map((e) => e.id)).size).toBe(12);
  }, 60_000);
});
