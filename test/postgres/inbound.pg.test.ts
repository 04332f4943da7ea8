/**
 * Inbound events (issue 14) with two service instances on one PostgreSQL database: the
 * webhook reconcile registers once between them, a delivery answered by one is a duplicate
 * at the other, and a poll round runs on one instance while the other finds it leased.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantId } from '../../src/domain/tenant.js';
import { DEFAULT_GRANT_SCOPES, jiraTimestamp, startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { useFreshDatabases } from '../support/postgres.js';
import { startTestService, type TestService } from '../support/service.js';
import { ENCRYPTION_KEY } from './support.js';

const fresh = useFreshDatabases();

describe('inbound events on two instances sharing PostgreSQL', () => {
  let fake: FakeAtlassian;
  let one: TestService;
  let two: TestService;

  beforeAll(async () => {
    fake = await startFakeAtlassian();
    const { url } = await fresh();
    const env = oauthEnv(fake, {
      INTEGRATION_DB_URL: url,
      INTEGRATION_ENCRYPTION_KEY: ENCRYPTION_KEY,
      PUBLIC_BASE_URL: 'https://integration.example',
      SYNC_INTERVAL_SECONDS: '300',
    });
    one = await startTestService({ env, overrides: { inboundLoops: false } });
    two = await startTestService({ env, overrides: { inboundLoops: false } });
    expect((await connect(one.url, fake, { tenant: 'acme', scopes: [...DEFAULT_GRANT_SCOPES, 'manage:jira-webhook'] })).status).toBe(302);
  }, 60_000);
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await fake?.close();
  });

  it('both reconciling at once register one webhook', async () => {
    const [a, b] = await Promise.all([one.service.useCases.jiraWebhooks!.reconcileAll(), two.service.useCases.jiraWebhooks!.reconcileAll()]);
    expect(a.registered + b.registered).toBe(1);
    expect(fake.jiraWebhooks.hooks).toHaveLength(1);
    const rows = await two.service.adapters.inbound.registrations('acme' as TenantId)();
    expect(rows._tag === 'Right' && rows.right.map((r) => r.webhookId)).toEqual([fake.jiraWebhooks.hooks[0]!.id]);
  });

  it('a delivery recorded by one instance is a duplicate at the other; the event is in the shared outbox once', async () => {
    const issue = fake.jira.issues.find((i) => i.key === 'OPS-1')!;
    issue.updated = jiraTimestamp(Date.now());
    const first = await fake.jiraWebhooks.deliver({ url: `${one.url}/webhooks/jira`, event: 'jira:issue_updated', issueKey: 'OPS-1' });
    expect(first.body).toEqual({ status: 'accepted', outcome: 'recorded', events: 1 });
    const retry = await fake.jiraWebhooks.deliver({ url: `${two.url}/webhooks/jira`, event: 'jira:issue_updated', issueKey: 'OPS-1', identifier: first.identifier });
    expect(retry.body).toMatchObject({ outcome: 'duplicate' });
    const replay = await fake.jiraWebhooks.deliver({ url: `${two.url}/webhooks/jira`, event: 'jira:issue_updated', issueKey: 'OPS-1', identifier: first.identifier, token: first.token });
    expect(replay.status).toBe(401);
    const events = await two.service.adapters.events.list({ tenantId: 'acme' as TenantId, limit: 100 })();
    // Besides connection.connected from connecting in the set-up.
    expect(events._tag === 'Right' && events.right.map((e) => e.type).filter((t) => !t.startsWith('connection.'))).toEqual(['jira.issue.updated']);
  });

  it('a poll round runs on one instance; the other finds it leased (for half the interval)', async () => {
    const [a, b] = await Promise.all([one.service.useCases.pollers.pollAll(), two.service.useCases.pollers.pollAll()]);
    const outcomes = [...a, ...b].filter((o) => o.connector === 'jira').map((o) => o.outcome).sort();
    expect(outcomes).toEqual(['leased', 'started']);
    const again = await two.service.useCases.pollers.pollAll();
    expect(again.find((o) => o.connector === 'jira')?.outcome).toBe('leased');
  });
});
