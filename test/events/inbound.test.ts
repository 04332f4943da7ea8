/**
 * Inbound changes (issue 14, docs/events-inbound.md), over real HTTP on loopback and a real
 * SQLite file: Jira dynamic webhooks registered on connect (with the JQL filter), refreshed
 * before expiry as the test clock moves, deleted on disconnect; deliveries signed as
 * Atlassian signs them recorded once, and refused (401, nothing recorded) when unsigned,
 * wrongly signed, expired or replayed; the Jira and Confluence pollers, driven by the clock.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/domain/events.js';
import type { TenantId } from '../../src/domain/tenant.js';
import { DEFAULT_CLIENT_SECRET, DEFAULT_GRANT_SCOPES, jiraTimestamp, startFakeAtlassian, type FakeAtlassian, type FakeIssue } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { tempDir } from '../oauth/support.js';
import { apiRequests, client, loopbackHttp, seedTokenConnection } from '../operations/support.js';
import { expectTrafficConforms } from '../support/spec-traffic.js';

const PUBLIC = 'https://integration.example';
const DAY = 24 * 3_600_000;

/** A clock the test moves; the fake reads the same one. */
const testClock = () => {
  let at = Date.now();
  return { now: () => new Date(at), advance: (ms: number) => (at += ms), ms: () => at };
};

/** The tenant's Jira and Confluence events (its connection.* events, from connecting in the set-up, are another test's). */
const eventsOf = async (svc: TestService, tenant: string): Promise<readonly StoredEvent[]> => {
  const r = await svc.service.adapters.events.list({ tenantId: tenant as TenantId, limit: 1000 })();
  if (r._tag === 'Left') throw new Error(r.left.message);
  return r.right.filter((e) => !e.type.startsWith('connection.'));
};

const registrationsOf = async (svc: TestService, tenant: string) => {
  const r = await svc.service.adapters.inbound.registrations(tenant as TenantId)();
  if (r._tag === 'Left') throw new Error(r.left.message);
  return r.right;
};

const sign = (claims: Record<string, unknown>, secret = DEFAULT_CLIENT_SECRET, expSeconds: number) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(expSeconds).sign(new TextEncoder().encode(secret));

describe('Jira webhooks (OAuth, PUBLIC_BASE_URL set)', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let clock: ReturnType<typeof testClock>;
  let cleanup: () => void;
  let issue: FakeIssue;
  const hook = () => `${svc.url}/webhooks/jira`;

  beforeAll(async () => {
    const tmp = tempDir('inbound-');
    cleanup = tmp.cleanup;
    clock = testClock();
    fake = await startFakeAtlassian();
    fake.now = () => clock.ms();
    svc = await startTestService({
      env: oauthEnv(fake, {
        INTEGRATION_DB_URL: `sqlite:///${tmp.dir}/inbound.db`,
        PUBLIC_BASE_URL: PUBLIC,
        JIRA_PROJECTS_FILTER: 'ACME,OPS',
        ATLASSIAN_RETRY_BUDGET_MS: '0',
        // The test drives the rounds itself, as often as it likes (no gap between rounds).
        SYNC_INTERVAL_SECONDS: '0',
      }),
      overrides: { clock, inboundLoops: false },
    });
    expect((await connect(svc.url, fake, { tenant: 'acme', scopes: [...DEFAULT_GRANT_SCOPES, 'manage:jira-webhook'] })).status).toBe(302);
    issue = fake.jira.issues.find((i) => i.key === 'OPS-1')!;
  });
  afterAll(async () => {
    await svc?.close();
    await fake?.close();
    cleanup();
  });

  it('registers one webhook for the issue and comment events with the project filter as JQL, once', async () => {
    const mark = fake.requests.length;
    expect(await svc.service.useCases.jiraWebhooks!.reconcileAll()).toEqual({ registered: 1, refreshed: 0, removed: 0 });
    const [post, ...others] = apiRequests(fake, mark);
    expect(others).toEqual([]);
    expect(post?.method).toBe('POST');
    expect(post?.path).toBe(`/ex/jira/${fake.sites[0]!.id}/rest/api/3/webhook`);
    expect(post?.body).toEqual({
      url: `${PUBLIC}/webhooks/jira`,
      webhooks: [{ events: ['jira:issue_created', 'jira:issue_updated', 'jira:issue_deleted', 'comment_created', 'comment_updated', 'comment_deleted'], jqlFilter: 'project in ("ACME", "OPS")' }],
    });
    expect(fake.jiraWebhooks.hooks).toHaveLength(1);
    const rows = await registrationsOf(svc, 'acme');
    expect(rows).toEqual([expect.objectContaining({ cloudId: fake.sites[0]!.id, webhookId: fake.jiraWebhooks.hooks[0]!.id, jql: 'project in ("ACME", "OPS")' })]);
    expect(rows[0]!.expiresAt.getTime()).toBe(clock.ms() + 30 * DAY);
    // Nothing more to do: no call to Atlassian.
    const again = fake.requests.length;
    expect(await svc.service.useCases.jiraWebhooks!.reconcileAll()).toEqual({ registered: 0, refreshed: 0, removed: 0 });
    expect(apiRequests(fake, again)).toEqual([]);
  });

  it('a valid delivery is recorded once: a retry (same identifier) and a second delivery of the same change add nothing', async () => {
    issue.updated = jiraTimestamp(clock.ms());
    issue.summary = 'Renamed by a webhook test';
    const first = await fake.jiraWebhooks.deliver({ url: hook(), event: 'jira:issue_updated', issueKey: 'OPS-1', changelog: [{ field: 'summary', fieldId: 'summary' }] });
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ status: 'accepted', outcome: 'recorded', events: 1 });
    const events = await eventsOf(svc, 'acme');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'jira.issue.updated',
      connector: 'jira',
      data: {
        issue: { id: issue.id, key: 'OPS-1', summary: 'Renamed by a webhook test', status: issue.status, project: 'OPS', updated: new Date(clock.ms()).toISOString() },
        changed_fields: ['summary'],
      },
    });
    // Atlassian retries: the same identifier with a fresh token.
    const retry = await fake.jiraWebhooks.deliver({ url: hook(), event: 'jira:issue_updated', issueKey: 'OPS-1', identifier: first.identifier });
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ outcome: 'duplicate' });
    // The same change delivered again under another identifier: the event id is the change's.
    const twice = await fake.jiraWebhooks.deliver({ url: hook(), event: 'jira:issue_updated', issueKey: 'OPS-1' });
    expect(twice.body).toEqual({ status: 'accepted', outcome: 'recorded', events: 0 });
    expect(await eventsOf(svc, 'acme')).toHaveLength(1);
  });

  it('unsigned, wrongly signed, expired and replayed deliveries: 401 with the standard body, nothing recorded', async () => {
    const before = (await eventsOf(svc, 'acme')).length;
    issue.updated = jiraTimestamp(clock.ms() + 1000);
    const signed = await fake.jiraWebhooks.deliver({ url: hook(), event: 'jira:issue_updated', issueKey: 'OPS-1', token: null });
    const wrong = await fake.jiraWebhooks.deliver({ url: hook(), event: 'jira:issue_updated', issueKey: 'OPS-1', secret: 'not-the-client-secret' });
    const expired = await fake.jiraWebhooks.deliver({ url: hook(), event: 'jira:issue_updated', issueKey: 'OPS-1', expiresIn: -10 });
    const good = fake.jiraWebhooks.deliveries.at(-1)!;
    expect(good.status).toBe(401);
    const valid = await fake.jiraWebhooks.deliver({ url: hook(), event: 'jira:issue_created', issueKey: 'ACME-1', identifier: 'first-use' });
    expect(valid.status).toBe(202);
    const replayed = await fake.jiraWebhooks.deliver({ url: hook(), event: 'jira:issue_updated', issueKey: 'OPS-1', token: valid.token, identifier: 'first-use' });
    const none = await fetch(hook(), { method: 'POST', headers: { authorization: 'Bearer abc.def.ghi', 'content-type': 'application/json' }, body: '{}' });
    for (const r of [signed, wrong, expired, replayed, { status: none.status, body: await none.json() }]) {
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ status: 'error', code: 'UNAUTHORIZED' });
    }
    const after = await eventsOf(svc, 'acme');
    // Only the valid delivery (an issue created) was recorded.
    expect(after.length).toBe(before + 1);
    expect(after.at(-1)).toMatchObject({ type: 'jira.issue.created', data: { issue: { key: 'ACME-1' } } });
  });

  it('a delivery for a site nobody registered is acknowledged and records nothing; malformed JSON is 400', async () => {
    const before = (await eventsOf(svc, 'acme')).length;
    const other = await fake.jiraWebhooks.deliver({ url: hook(), event: 'jira:issue_updated', issueKey: 'OPS-2', cloudId: fake.sites[1]!.id });
    expect(other.status).toBe(202);
    expect(other.body).toMatchObject({ outcome: 'unknown_site' });
    const token = await sign({}, DEFAULT_CLIENT_SECRET, Math.floor(clock.ms() / 1000) + 60);
    const bad = await fetch(hook(), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"webhookEvent":' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ status: 'error', code: 'VALIDATION' });
    expect((await eventsOf(svc, 'acme')).length).toBe(before);
  });

  it('comments become jira.comment.* events with the author and the body as Markdown', async () => {
    const at = jiraTimestamp(clock.ms());
    const comment = { id: '30001', author: 'Mia Krystof', body: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Looks ', }, { type: 'text', text: 'good', marks: [{ type: 'strong' }] }] }] }, created: at, updated: at };
    expect((await fake.jiraWebhooks.deliver({ url: hook(), event: 'comment_created', issueKey: 'OPS-1', comment })).status).toBe(202);
    expect((await fake.jiraWebhooks.deliver({ url: hook(), event: 'comment_deleted', issueKey: 'OPS-1', comment })).status).toBe(202);
    const events = (await eventsOf(svc, 'acme')).filter((e) => e.type.startsWith('jira.comment.'));
    expect(events.map((e) => e.type)).toEqual(['jira.comment.created', 'jira.comment.deleted']);
    expect(events[0]!.data).toMatchObject({
      issue: { id: issue.id, key: 'OPS-1' },
      comment: { id: '30001', author: { display_name: 'Mia Krystof' }, created: new Date(clock.ms()).toISOString(), body: 'Looks **good**' },
    });
  });

  it('a change seen by the webhook and by the poller is one event', async () => {
    const pollers = svc.service.useCases.pollers;
    await pollers.pollAll(); // the first round sets the checkpoints
    clock.advance(60_000);
    const ops3 = fake.jira.issues.find((i) => i.key === 'OPS-3')!;
    ops3.updated = jiraTimestamp(clock.ms());
    expect((await fake.jiraWebhooks.deliver({ url: hook(), event: 'jira:issue_updated', issueKey: 'OPS-3' })).body).toMatchObject({ events: 1 });
    clock.advance(5 * 60_000);
    const round = await pollers.pollAll();
    expect(round.find((r) => r.tenantId === 'acme' && r.connector === 'jira')).toMatchObject({ outcome: 'polled' });
    const search = fake.requests.filter((r) => r.path.endsWith('/rest/api/3/search/jql')).at(-1)!;
    expect(search.query.get('jql')).toBe('project in ("ACME", "OPS") AND updated >= "-8m" ORDER BY updated ASC');
    expect((await eventsOf(svc, 'acme')).filter((e) => (e.data['issue'] as { key?: string }).key === 'OPS-3')).toHaveLength(1);
  });

  it('refreshes before the 30-day expiry as the clock moves, not before it is due', async () => {
    const [row] = await registrationsOf(svc, 'acme');
    clock.advance(10 * DAY);
    let mark = fake.requests.length;
    expect(await svc.service.useCases.jiraWebhooks!.reconcileAll()).toMatchObject({ refreshed: 0 });
    expect(apiRequests(fake, mark).filter((r) => r.path.includes('/webhook'))).toEqual([]);
    clock.advance(11 * DAY); // 9 days left
    mark = fake.requests.length;
    expect(await svc.service.useCases.jiraWebhooks!.reconcileAll()).toMatchObject({ refreshed: 1 });
    const [put] = apiRequests(fake, mark).filter((r) => r.path.includes('/webhook'));
    expect(put?.method).toBe('PUT');
    expect(put?.path).toMatch(/\/rest\/api\/3\/webhook\/refresh$/);
    expect(put?.body).toEqual({ webhookIds: [row!.webhookId] });
    const [refreshed] = await registrationsOf(svc, 'acme');
    expect(refreshed!.expiresAt.getTime()).toBe(clock.ms() + 30 * DAY);
    expect(fake.jiraWebhooks.hooks[0]!.expirationDate).toBe(clock.ms() + 30 * DAY);
  });

  it('disconnecting deletes the webhooks at Atlassian first, then forgets them', async () => {
    const mark = fake.requests.length;
    const res = await client(svc.url, 'acme').delete('/connectors/jira/connection');
    expect(res.status, res.text).toBeLessThan(300);
    const del = apiRequests(fake, mark).find((r) => r.method === 'DELETE' && r.path.endsWith('/rest/api/3/webhook'));
    expect(del?.body).toEqual({ webhookIds: [expect.any(Number)] });
    expect(fake.jiraWebhooks.hooks).toEqual([]);
    expect(await registrationsOf(svc, 'acme')).toEqual([]);
    // The poll checkpoint is forgotten too: a later connection starts afresh.
    const checkpoint = await svc.service.adapters.inbound.checkpoint('acme' as TenantId, 'jira')();
    expect(checkpoint).toEqual({ _tag: 'Right', right: undefined });
    // Deliveries still in flight find no tenant.
    const late = await fake.jiraWebhooks.deliver({ url: hook(), event: 'jira:issue_updated', issueKey: 'OPS-1' });
    expect(late.body).toMatchObject({ outcome: 'unknown_site' });
  });

  it("every request the service made (register, refresh, delete, the poll) and the fake's answers conform to Atlassian's documents", () => {
    const report = expectTrafficConforms(fake.requests);
    expect(report.validated).toContain('POST /rest/api/3/webhook');
    expect(report.validated).toContain('PUT /rest/api/3/webhook/refresh');
    expect(report.validated).toContain('DELETE /rest/api/3/webhook');
  });
});

describe('the background loops', () => {
  it('with PUBLIC_BASE_URL, a new OAuth connection gets its webhook from the reconcile loop, and the poll loop sets checkpoints', async () => {
    const fake = await startFakeAtlassian();
    const svc = await startTestService({ env: oauthEnv(fake, { PUBLIC_BASE_URL: PUBLIC, SYNC_INTERVAL_SECONDS: '1' }) });
    try {
      expect((await connect(svc.url, fake, { tenant: 'acme', scopes: [...DEFAULT_GRANT_SCOPES, 'manage:jira-webhook'] })).status).toBe(302);
      const deadline = Date.now() + 5000;
      const checkpoint = async () => {
        const r = await svc.service.adapters.inbound.checkpoint('acme' as TenantId, 'jira')();
        return r._tag === 'Right' ? r.right : undefined;
      };
      while (Date.now() < deadline && (fake.jiraWebhooks.hooks.length === 0 || (await checkpoint()) === undefined)) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(fake.jiraWebhooks.hooks).toHaveLength(1);
      expect(await registrationsOf(svc, 'acme')).toHaveLength(1);
      expect(await checkpoint()).toBeDefined();
    } finally {
      await svc.close();
      await fake.close();
    }
  });

  it('a webhook delivery larger than BODY_LIMIT_BYTES is refused with 413 and records nothing', async () => {
    const fake = await startFakeAtlassian();
    const svc = await startTestService({ env: oauthEnv(fake, { BODY_LIMIT_BYTES: '2048', SYNC_INTERVAL_SECONDS: '0' }), overrides: { inboundLoops: false } });
    try {
      const token = await sign({}, DEFAULT_CLIENT_SECRET, Math.floor(Date.now() / 1000) + 60);
      const res = await fetch(`${svc.url}/webhooks/jira`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ webhookEvent: 'jira:issue_updated', padding: 'x'.repeat(4096) }),
      });
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ status: 'error', code: 'VALIDATION' });
      expect(await eventsOf(svc, 'acme')).toEqual([]);
    } finally {
      await svc.close();
      await fake.close();
    }
  });
});

describe('a changed JIRA_PROJECTS_FILTER', () => {
  it('registers again: the old webhook is deleted at Atlassian, the new one has the new JQL', async () => {
    const tmp = tempDir('inbound-filter-');
    const fake = await startFakeAtlassian();
    const env = (extra: Record<string, string>) => oauthEnv(fake, { INTEGRATION_DB_URL: `sqlite:///${tmp.dir}/filter.db`, PUBLIC_BASE_URL: PUBLIC, SYNC_INTERVAL_SECONDS: '0', ...extra });
    try {
      const first = await startTestService({ env: env({ JIRA_PROJECTS_FILTER: 'OPS' }), overrides: { inboundLoops: false } });
      try {
        expect((await connect(first.url, fake, { tenant: 'acme', scopes: [...DEFAULT_GRANT_SCOPES, 'manage:jira-webhook'] })).status).toBe(302);
        await first.service.useCases.jiraWebhooks!.reconcileAll();
      } finally {
        await first.close();
      }
      const [old] = fake.jiraWebhooks.hooks;
      expect(old?.jqlFilter).toBe('project in ("OPS")');
      const second = await startTestService({ env: env({}), overrides: { inboundLoops: false } });
      try {
        const mark = fake.requests.length;
        expect(await second.service.useCases.jiraWebhooks!.reconcileAll()).toEqual({ registered: 1, refreshed: 0, removed: 1 });
        expect(apiRequests(fake, mark).map((r) => `${r.method} ${r.path.replace(/^\/ex\/jira\/[^/]+/, '')}`)).toEqual(['DELETE /rest/api/3/webhook', 'POST /rest/api/3/webhook']);
        expect(fake.jiraWebhooks.hooks.map((h) => h.jqlFilter)).toEqual(['project != null']);
        expect((await registrationsOf(second, 'acme')).map((r) => r.jql)).toEqual(['project != null']);
      } finally {
        await second.close();
      }
    } finally {
      await fake.close();
      tmp.cleanup();
    }
  });
});

describe('a registration Jira refuses', () => {
  it('is logged with Jira\'s words and tried again only after a back-off', async () => {
    const fake = await startFakeAtlassian();
    const clock = testClock();
    fake.now = () => clock.ms();
    const svc = await startTestService({ env: oauthEnv(fake, { PUBLIC_BASE_URL: PUBLIC, SYNC_INTERVAL_SECONDS: '0' }), overrides: { clock, inboundLoops: false } });
    try {
      expect((await connect(svc.url, fake, { tenant: 'acme', scopes: [...DEFAULT_GRANT_SCOPES, 'manage:jira-webhook'] })).status).toBe(302);
      fake.inject({ kind: 'status', path: '/rest/api/3/webhook', method: 'POST', status: 200, body: { webhookRegistrationResult: [{ errors: ['Operator is not is unsupported'] }] } });
      const posts = () => fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/rest/api/3/webhook')).length;
      expect(await svc.service.useCases.jiraWebhooks!.reconcileAll()).toEqual({ registered: 0, refreshed: 0, removed: 0 });
      expect(svc.logText()).toContain('Operator is not is unsupported');
      expect(await registrationsOf(svc, 'acme')).toEqual([]);
      clock.advance(30_000);
      await svc.service.useCases.jiraWebhooks!.reconcileAll();
      expect(posts()).toBe(1);
      clock.advance(31_000);
      expect(await svc.service.useCases.jiraWebhooks!.reconcileAll()).toMatchObject({ registered: 1 });
      expect(posts()).toBe(2);
    } finally {
      await svc.close();
      await fake.close();
    }
  });
});

describe('without PUBLIC_BASE_URL', () => {
  it('registers no webhook and says so once in the log', async () => {
    const fake = await startFakeAtlassian();
    const svc = await startTestService({ env: oauthEnv(fake, { SYNC_INTERVAL_SECONDS: '0' }) });
    try {
      expect((await connect(svc.url, fake, { tenant: 'acme', scopes: [...DEFAULT_GRANT_SCOPES, 'manage:jira-webhook'] })).status).toBe(302);
      expect(svc.service.useCases.jiraWebhooks).toBeUndefined();
      await new Promise((r) => setTimeout(r, 1200));
      expect(fake.requests.some((r) => r.path.includes('/webhook'))).toBe(false);
      expect(svc.logLines.filter((l) => l.includes('PUBLIC_BASE_URL is not set'))).toHaveLength(1);
    } finally {
      await svc.close();
      await fake.close();
    }
  });
});

describe('pollers, driven by the test clock', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let clock: ReturnType<typeof testClock>;
  let cleanup: () => void;
  const round = async (tenant: string, connector: 'jira' | 'confluence') => (await svc.service.useCases.pollers.pollAll()).find((r) => r.tenantId === tenant && r.connector === connector);
  const checkpointOf = async (tenant: string, connector: 'jira' | 'confluence') => {
    const r = await svc.service.adapters.inbound.checkpoint(tenant as TenantId, connector)();
    if (r._tag === 'Left') throw new Error(r.left.message);
    return r.right;
  };

  beforeAll(async () => {
    const tmp = tempDir('pollers-');
    cleanup = tmp.cleanup;
    clock = testClock();
    fake = await startFakeAtlassian();
    fake.now = () => clock.ms();
    svc = await startTestService({
      env: oauthEnv(fake, { INTEGRATION_DB_URL: `sqlite:///${tmp.dir}/pollers.db`, ATLASSIAN_RETRY_BUDGET_MS: '0', CONFLUENCE_SPACES_FILTER: 'ENG,OPS', SYNC_INTERVAL_SECONDS: '0' }),
      overrides: { clock, inboundLoops: false, atlassianHttp: loopbackHttp() },
    });
    // globex: a Jira API-token connection (no webhooks); acme: OAuth to Jira and Confluence.
    await seedTokenConnection(svc, fake, { tenant: 'globex', connector: 'jira', kind: 'api_token' });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
  });
  afterAll(async () => {
    await svc?.close();
    await fake?.close();
    cleanup();
  });

  it('a round asked to stop (a shutdown) polls no further connection and calls Atlassian for none', async () => {
    const mark = fake.requests.length;
    expect(await svc.service.useCases.pollers.pollAll(() => true)).toEqual([]);
    expect(apiRequests(fake, mark)).toEqual([]);
    expect(await checkpointOf('globex', 'jira')).toBeUndefined();
  });

  it('the first round sets a checkpoint and emits nothing', async () => {
    const outcomes = await svc.service.useCases.pollers.pollAll();
    expect(outcomes.map((o) => `${o.tenantId}/${o.connector}:${o.outcome}`).sort()).toEqual(['acme/confluence:started', 'acme/jira:started', 'globex/jira:started']);
    expect((await checkpointOf('globex', 'jira'))?.checkpoint.getTime()).toBe(clock.ms());
    expect(await eventsOf(svc, 'globex')).toEqual([]);
    expect(await eventsOf(svc, 'acme')).toEqual([]);
  });

  it('a Jira change (API token) is one jira.issue.updated across repeated rounds; a new issue is jira.issue.created', async () => {
    clock.advance(60_000);
    const web = fake.jira.issues.find((i) => i.key === 'WEB-2')!;
    web.updated = jiraTimestamp(clock.ms());
    web.summary = 'Changed while polling';
    fake.jira.issues.push({ id: '29999', key: 'WEB-99', summary: 'Brand new', status: 'To Do', issueType: 'Task', assignee: null, updated: jiraTimestamp(clock.ms()), created: jiraTimestamp(clock.ms()), projectKey: 'WEB' });
    clock.advance(4 * 60_000);
    expect(await round('globex', 'jira')).toMatchObject({ outcome: 'polled', events: 2, requests: 1 });
    const search = fake.requests.filter((r) => r.path === '/rest/api/3/search/jql').at(-1)!;
    expect(search.query.get('jql')).toBe('updated >= "-7m" ORDER BY updated ASC');
    for (let i = 0; i < 3; i += 1) {
      clock.advance(60_000);
      await round('globex', 'jira');
    }
    const events = await eventsOf(svc, 'globex');
    expect(events.map((e) => [e.type, (e.data['issue'] as { key: string }).key]).sort()).toEqual([
      ['jira.issue.created', 'WEB-99'],
      ['jira.issue.updated', 'WEB-2'],
    ]);
    expect(events.find((e) => e.type === 'jira.issue.updated')!.data).toMatchObject({ issue: { key: 'WEB-2', summary: 'Changed while polling', project: 'WEB' } });
    expect(events.every((e) => e.connector === 'jira' && e.tenantId === 'globex')).toBe(true);
    // The OAuth tenant saw them too (no project filter here): its own events, its own checkpoint.
    expect((await eventsOf(svc, 'acme')).filter((e) => e.connector === 'jira')).toHaveLength(2);
  });

  it('a 429 backs off: the checkpoint stays, the next rounds leave the site alone until Retry-After has passed, then catch up', async () => {
    const before = await checkpointOf('globex', 'jira');
    clock.advance(60_000);
    const ops = fake.jira.issues.find((i) => i.key === 'OPS-4')!;
    ops.updated = jiraTimestamp(clock.ms());
    fake.inject({ kind: 'status', path: '/rest/api/3/search/jql', status: 429, headers: { 'retry-after': '120' }, body: { errorMessages: ['Rate limit exceeded.'] }, times: 2 });
    expect(await round('globex', 'jira')).toMatchObject({ outcome: 'failed', error: { code: 'RATE_LIMITED' } });
    expect((await checkpointOf('globex', 'jira'))?.checkpoint).toEqual(before?.checkpoint);
    const mark = fake.requests.length;
    clock.advance(60_000);
    expect(await round('globex', 'jira')).toEqual(expect.objectContaining({ outcome: 'held' }));
    expect(fake.requests.slice(mark).filter((r) => r.path === '/rest/api/3/search/jql')).toEqual([]);
    clock.advance(61_000);
    expect(await round('globex', 'jira')).toMatchObject({ outcome: 'polled', events: 1 });
    expect((await eventsOf(svc, 'globex')).filter((e) => (e.data['issue'] as { key: string }).key === 'OPS-4')).toHaveLength(1);
  });

  it('X-RateLimit-NearLimit: true skips the next round', async () => {
    clock.advance(60_000);
    fake.inject({ kind: 'status', path: '/rest/api/3/search/jql', status: 200, headers: { 'x-ratelimit-nearlimit': 'true' }, body: { issues: [], isLast: true }, times: 2 });
    expect(await round('globex', 'jira')).toMatchObject({ outcome: 'polled' });
    const mark = fake.requests.length;
    clock.advance(30_000);
    expect(await round('globex', 'jira')).toEqual(expect.objectContaining({ outcome: 'held' }));
    expect(fake.requests.slice(mark).filter((r) => r.path === '/rest/api/3/search/jql')).toEqual([]);
    clock.advance(61_000);
    expect(await round('globex', 'jira')).toMatchObject({ outcome: 'polled' });
  });

  it('Confluence: a new page is created (version 1), an edit is updated, the trash is removed; each once', async () => {
    const confluence = () => eventsOf(svc, 'acme').then((all) => all.filter((e) => e.connector === 'confluence'));
    const at = () => new Date(clock.ms()).toISOString();
    clock.advance(60_000);
    fake.confluence.pages.push({ id: '2000001', title: 'Fresh page', spaceId: '98305', excerpt: 'new' });
    fake.confluenceContent.detail('2000001')!.versionCreatedAt = at();
    // A page outside CONFLUENCE_SPACES_FILTER (the personal space) is not read.
    fake.confluence.pages.push({ id: '2000002', title: 'Private page', spaceId: '98307', excerpt: 'mine' });
    fake.confluenceContent.detail('2000002')!.versionCreatedAt = at();
    clock.advance(60_000);
    expect(await round('acme', 'confluence')).toMatchObject({ outcome: 'polled', events: 1 });
    const cql = fake.requests.filter((r) => r.path.endsWith('/wiki/rest/api/search')).at(-1)!;
    expect(cql.query.get('cql')).toMatch(/^type = page AND lastmodified >= now\("-\d+m"\) AND space in \("ENG", "OPS"\) ORDER BY lastmodified ASC$/);
    clock.advance(60_000);
    const detail = fake.confluenceContent.detail('2000001')!;
    detail.version = 2;
    detail.versionCreatedAt = at();
    clock.advance(60_000);
    await round('acme', 'confluence');
    await round('acme', 'confluence');
    clock.advance(60_000);
    detail.status = 'trashed';
    await round('acme', 'confluence');
    clock.advance(60_000);
    await round('acme', 'confluence');
    const events = await confluence();
    expect(events.map((e) => e.type)).toEqual(['confluence.page.created', 'confluence.page.updated', 'confluence.page.removed']);
    expect(events[0]!.data).toEqual({ page: { id: '2000001', title: 'Fresh page', version: 1, space_id: '98305', status: 'current' } });
    expect(events[1]!.data).toMatchObject({ page: { id: '2000001', version: 2 } });
    expect(events[2]!.data).toMatchObject({ page: { id: '2000001', status: 'trashed' } });
  });

  it('a Jira Data Center (PAT) connection is polled through /rest/api/2/search', async () => {
    await seedTokenConnection(svc, fake, { tenant: 'initech', connector: 'jira', kind: 'pat' });
    expect(await round('initech', 'jira')).toMatchObject({ outcome: 'started' });
    clock.advance(60_000);
    const acme7 = fake.jira.issues.find((i) => i.key === 'ACME-7')!;
    acme7.updated = jiraTimestamp(clock.ms());
    clock.advance(60_000);
    expect(await round('initech', 'jira')).toMatchObject({ outcome: 'polled', events: 1 });
    const search = fake.requests.filter((r) => r.path === '/rest/api/2/search').at(-1)!;
    expect(search.query.get('jql')).toBe('updated >= "-4m" ORDER BY updated ASC');
    expect((await eventsOf(svc, 'initech')).map((e) => [e.type, (e.data['issue'] as { key: string }).key])).toEqual([['jira.issue.updated', 'ACME-7']]);
  });

  it("the pollers' requests (JQL search, CQL search, page statuses) conform to Atlassian's documents", () => {
    const report = expectTrafficConforms(fake.requests);
    expect(report.validated).toContain('GET /rest/api/3/search/jql');
    expect(report.validated).toContain('GET /wiki/rest/api/search');
    expect(report.validated).toContain('GET /pages');
  });
});
