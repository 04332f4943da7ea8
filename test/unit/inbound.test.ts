/** The pure part of inbound events (src/domain/inbound.ts): ids, JQL and CQL, payloads to events. */
import { describe, expect, it } from 'vitest';
import {
  ALL_PROJECTS_JQL,
  eventOfJiraDelivery,
  jiraIssueDeletedEventId,
  jiraIssueEventId,
  minutesBack,
  pollCql,
  pollJql,
  timestampMs,
  webhookJql,
} from '../../src/domain/inbound.js';
import type { TenantId } from '../../src/domain/tenant.js';

const target = { tenantId: 'acme' as TenantId, site: 'cloud-1' };
const at = new Date('2026-12-02T06:00:00.000Z');

describe('inbound events (domain)', () => {
  it("reads Jira's, ISO and epoch timestamps alike", () => {
    expect(timestampMs('2026-12-02T06:00:00.000+0000')).toBe(at.getTime());
    expect(timestampMs('2026-12-02T07:00:00.000+0100')).toBe(at.getTime());
    expect(timestampMs('2026-12-02T06:00:00.000Z')).toBe(at.getTime());
    expect(timestampMs(at.getTime())).toBe(at.getTime());
    expect(timestampMs('soon')).toBeUndefined();
    expect(timestampMs(null)).toBeUndefined();
  });

  it('quotes project and space keys in every query it writes, and uses zone-free relative windows', () => {
    expect(webhookJql([])).toBe(ALL_PROJECTS_JQL);
    expect(webhookJql(['OPS', 'A"B'])).toBe('project in ("OPS", "A\\"B")');
    expect(pollJql(7, [])).toBe('updated >= "-7m" ORDER BY updated ASC');
    expect(pollJql(7, ['OPS'])).toBe('project in ("OPS") AND updated >= "-7m" ORDER BY updated ASC');
    expect(pollCql(3, ['ENG', '~5570'])).toBe('type = page AND lastmodified >= now("-3m") AND space in ("ENG", "~5570") ORDER BY lastmodified ASC');
    expect(minutesBack(new Date(at.getTime() - 5 * 60_000), at, 2 * 60_000)).toBe(7);
    expect(minutesBack(at, at, 0)).toBe(1);
  });

  it('an id names the change: the same issue and updated time is one id whatever the source; another time, site, tenant or a delete is another', () => {
    const a = jiraIssueEventId('acme', 'cloud-1', '10001', at.getTime());
    expect(jiraIssueEventId('acme', 'cloud-1', '10001', at.getTime())).toBe(a);
    expect(jiraIssueEventId('acme', 'cloud-1', '10001', at.getTime() + 1)).not.toBe(a);
    expect(jiraIssueEventId('acme', 'cloud-2', '10001', at.getTime())).not.toBe(a);
    // Two tenants on one site: two events, two webhook-ids (a product de-duplicates on them).
    expect(jiraIssueEventId('globex', 'cloud-1', '10001', at.getTime())).not.toBe(a);
    expect(jiraIssueDeletedEventId('acme', 'cloud-1', '10001')).not.toBe(a);
    expect(a.length).toBeLessThanOrEqual(128);
  });

  it('maps issue deliveries, with the changelog fields on updates; ignores what it did not register for', () => {
    const issue = { id: '10001', key: 'OPS-1', fields: { summary: 'S', status: { name: 'Done' }, project: { key: 'OPS' }, created: '2026-12-01T06:00:00.000+0000', updated: '2026-12-02T06:00:00.000+0000' } };
    const updated = eventOfJiraDelivery({ webhookEvent: 'jira:issue_updated', timestamp: at.getTime(), issue, changelog: { items: [{ field: 'status', fieldId: 'status' }, { field: 'Rank' }] } }, target, at);
    expect(updated).toEqual({
      id: jiraIssueEventId('acme', 'cloud-1', '10001', at.getTime()),
      type: 'jira.issue.updated',
      tenantId: 'acme',
      connector: 'jira',
      occurredAt: at,
      data: { issue: { id: '10001', key: 'OPS-1', summary: 'S', status: 'Done', project: 'OPS', created: '2026-12-01T06:00:00.000Z', updated: '2026-12-02T06:00:00.000Z' }, changed_fields: ['status', 'Rank'] },
    });
    expect(eventOfJiraDelivery({ webhookEvent: 'jira:issue_deleted', issue }, target, at)).toMatchObject({ type: 'jira.issue.deleted', id: jiraIssueDeletedEventId('acme', 'cloud-1', '10001') });
    expect(eventOfJiraDelivery({ webhookEvent: 'sprint_started', issue }, target, at)).toBeUndefined();
    expect(eventOfJiraDelivery({ webhookEvent: 'jira:issue_updated' }, target, at)).toBeUndefined();
    expect(eventOfJiraDelivery({ webhookEvent: 'comment_created', issue }, target, at)).toBeUndefined();
  });
});

describe('ReceiveJiraWebhook', () => {
  it('a delivery that could not be recorded is processed when Atlassian retries it (neither a duplicate nor a replay)', async () => {
    const { ReceiveJiraWebhook } = await import('../../src/application/inbound/receive-jira-webhook.js');
    const { InMemoryInboundStore } = await import('../../src/adapters/memory/in-memory-inbound-store.js');
    const { InMemoryEventOutbox } = await import('../../src/adapters/memory/in-memory-event-outbox.js');
    const TE = await import('fp-ts/lib/TaskEither.js');
    const { AppError } = await import('../../src/domain/errors.js');
    const store = new InMemoryInboundStore();
    await store.saveRegistrations([{ tenantId: 'acme' as TenantId, cloudId: 'cloud-1', webhookId: 7, expiresAt: new Date(at.getTime() + 86_400_000), jql: 'project != null', url: 'https://x/webhooks/jira' }])();
    const outbox = new InMemoryEventOutbox(() => at);
    let fail = true;
    const receiver = new ReceiveJiraWebhook({
      verifier: { verify: () => TE.right({ expiresAt: new Date(at.getTime() + 60_000), claims: {} }) },
      store,
      outbox: { ...outbox, list: (q) => outbox.list(q), prune: (b) => outbox.prune(b), record: (events) => (fail ? TE.left(AppError.internal('disk full')) : outbox.record(events)) },
      connections: { find: () => TE.right({ cloudId: 'cloud-1' } as never) },
      clock: { now: () => at },
      logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    const payload = { webhookEvent: 'jira:issue_updated', matchedWebhookIds: [7], issue: { id: '1', key: 'OPS-1', fields: { updated: at.toISOString() } } };
    const attempt = async () => {
      const verified = await receiver.authenticate('Bearer same.token.always', 'delivery-1')();
      if (verified._tag === 'Left') return verified.left.code;
      const done = await receiver.receive(payload, 'delivery-1', verified.right)();
      return done._tag === 'Left' ? done.left.code : done.right.outcome;
    };
    expect(await attempt()).toBe('INTERNAL_ERROR');
    fail = false;
    expect(await attempt()).toBe('recorded');
    expect(await attempt()).toBe('UNAUTHORIZED'); // now it is a replay
  });
});
