/**
 * The whole path of issue 14 in one service: a change in Jira reaches the product. Jira's
 * webhook delivery (signed as Atlassian signs it) is recorded in the outbox, and the
 * dispatcher sends it to WEBHOOK_URL, where a receiver verifies it with the
 * `standardwebhooks` package; the event is also in GET /events, after the connection's own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GRANT_SCOPES, jiraTimestamp, startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { tempDir } from '../oauth/support.js';
import { eventually, startWebhookReceiver, TEST_WEBHOOK_SECRET, type WebhookReceiver } from '../support/webhook-receiver.js';

describe('a Jira change, delivered by Jira, reaches the product signed', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let receiver: WebhookReceiver;
  let cleanup: () => void;

  beforeAll(async () => {
    const tmp = tempDir('inbound-product-');
    cleanup = tmp.cleanup;
    fake = await startFakeAtlassian();
    receiver = await startWebhookReceiver(TEST_WEBHOOK_SECRET);
    svc = await startTestService({
      env: oauthEnv(fake, {
        INTEGRATION_DB_URL: `sqlite:///${tmp.dir}/inbound-product.db`,
        PUBLIC_BASE_URL: 'https://integration.example',
        SYNC_INTERVAL_SECONDS: '0',
        WEBHOOK_URL: receiver.url,
        WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
        WEBHOOK_ALLOW_HTTP_LOOPBACK: 'true',
      }),
      overrides: { inboundLoops: false, eventDispatch: { idleMs: 20 } },
    });
    expect((await connect(svc.url, fake, { tenant: 'acme', scopes: [...DEFAULT_GRANT_SCOPES, 'manage:jira-webhook'] })).status).toBe(302);
    expect(await svc.service.useCases.jiraWebhooks!.reconcileAll()).toMatchObject({ registered: 1 });
  });
  afterAll(async () => {
    await svc?.close();
    await receiver?.close();
    await fake?.close();
    cleanup();
  });

  it('an issue update and a new comment arrive at the receiver in order, verified, and in GET /events', async () => {
    const url = `${svc.url}/webhooks/jira`;
    expect((await fake.jiraWebhooks.deliver({ url, event: 'jira:issue_updated', issueKey: 'OPS-1', changelog: [{ field: 'summary', fieldId: 'summary' }] })).status).toBe(202);
    const at = jiraTimestamp(Date.now());
    const comment = { id: '30002', author: 'Mia Krystof', body: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Shipped.' }] }] }, created: at, updated: at };
    expect((await fake.jiraWebhooks.deliver({ url, event: 'comment_created', issueKey: 'OPS-1', comment })).status).toBe(202);

    await eventually(() => receiver.accepted.filter((e) => e.type.startsWith('jira.')).length >= 2, 10_000);
    const types = receiver.accepted.map((e) => e.type);
    // One consent connects Jira and Confluence: two connection.connected first, then the changes in order.
    expect(types).toEqual(['connection.connected', 'connection.connected', 'jira.issue.updated', 'jira.comment.created']);
    const [, , updated, created] = receiver.accepted;
    expect(updated).toMatchObject({ tenant: 'acme', connector: 'jira', data: { changed_fields: ['summary'], issue: expect.objectContaining({ key: 'OPS-1', project: 'OPS' }) } });
    expect(created).toMatchObject({ tenant: 'acme', connector: 'jira', data: expect.objectContaining({ issue: expect.objectContaining({ key: 'OPS-1' }) }) });
    // Every request the receiver got was signed so that Webhook.verify accepted it.
    expect(receiver.hits.every((h) => h.verified)).toBe(true);

    const feed = (await (await fetch(`${svc.url}/events`, { headers: { 'x-tenant-id': 'acme' } })).json()) as { items: Array<{ id: string; type: string }> };
    expect(feed.items.map((e) => e.type)).toEqual(types);
    expect(feed.items.map((e) => e.id)).toEqual(receiver.accepted.map((e) => e.id));
  });
});
