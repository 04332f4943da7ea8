/**
 * Connection events end to end, on a real SQLite file: connecting (OAuth), a site change,
 * a transient refresh failure, invalid_grant (needs_reauth) and a disconnect each become an
 * event, seen by GET /events and by a real receiver that verifies the Standard Webhooks
 * signature with the `standardwebhooks` package; no token appears in any event.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { patchConnection, tenantHeaders } from '../oauth/support.js';
import { eventually, startWebhookReceiver, TEST_WEBHOOK_SECRET, type WebhookReceiver } from '../support/webhook-receiver.js';

interface EventsPage {
  items: Array<{ id: string; type: string; tenant: string; connector: string; time: string; data: Record<string, unknown> }>;
  next_cursor: string;
}

const eventsOf = async (url: string, tenant: string, query = ''): Promise<EventsPage> => {
  const res = await fetch(`${url}/events${query}`, { headers: tenantHeaders(tenant) });
  expect(res.status).toBe(200);
  return (await res.json()) as EventsPage;
};

describe('connection events (SQLite file, WEBHOOK_URL)', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let receiver: WebhookReceiver;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-out-'));
    fake = await startFakeAtlassian();
    receiver = await startWebhookReceiver(TEST_WEBHOOK_SECRET);
    svc = await startTestService({
      env: oauthEnv(fake, {
        INTEGRATION_DB_URL: `sqlite:///${path.join(dir, 'events.db')}`,
        WEBHOOK_URL: receiver.url,
        WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
        WEBHOOK_ALLOW_HTTP_LOOPBACK: 'true',
      }),
      overrides: { eventDispatch: { idleMs: 20 } },
    });
  });
  afterAll(async () => {
    await svc.close();
    await receiver.close();
    await fake.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('records connected, site_changed, refresh_failed, needs_reauth and deleted, in order, at the receiver and in GET /events', async () => {
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
    // Another site of the grant becomes the active one.
    expect((await patchConnection(svc.url, 'acme', { cloud_id: '22222222-2222-4222-8222-222222222222' })).status).toBe(200);
    // A transient failure of the token endpoint: connection.refresh_failed, no row write.
    fake.inject({ kind: 'status', path: '/oauth/token', status: 503, times: 1 });
    expect((await patchConnection(svc.url, 'acme', { rotate: true })).status).toBeGreaterThanOrEqual(500);
    fake.clearFaults();
    // The grant is gone: invalid_grant marks both rows needs_reauth.
    fake.revokeAll();
    expect((await patchConnection(svc.url, 'acme', { rotate: true })).status).toBe(401);
    expect((await fetch(`${svc.url}/connectors/confluence/connection`, { method: 'DELETE', headers: tenantHeaders('acme') })).status).toBe(204);

    const expected = [
      ['connection.connected', 'jira'],
      ['connection.connected', 'confluence'],
      ['connection.site_changed', 'jira'],
      ['connection.refresh_failed', 'jira'],
      ['connection.needs_reauth', 'jira'],
      ['connection.needs_reauth', 'confluence'],
      ['connection.deleted', 'confluence'],
    ];
    const page = await eventsOf(svc.url, 'acme');
    expect(page.items.map((e) => [e.type, e.connector]).sort()).toEqual([...expected].sort());
    // In order of recording: the connects first, the delete last.
    expect(page.items[0]!.type).toBe('connection.connected');
    expect(page.items.at(-1)!.type).toBe('connection.deleted');
    const site = page.items.find((e) => e.type === 'connection.site_changed')!;
    expect(site.data).toMatchObject({ connector: 'jira', cloud_id: '22222222-2222-4222-8222-222222222222', site_url: 'https://beta.atlassian.net', connected: true });
    expect(page.items.find((e) => e.type === 'connection.needs_reauth')!.data['status']).toBe('needs_reauth');
    expect(page.items.every((e) => e.tenant === 'acme')).toBe(true);

    await eventually(() => receiver.accepted.length >= expected.length);
    expect(receiver.accepted.map((e) => e.id)).toEqual(page.items.map((e) => e.id));
    expect(receiver.hits.every((h) => h.verified)).toBe(true);

    // No token anywhere: neither a token field nor any token the fake issued.
    const tokens = fake.requests
      .filter((r) => r.path === '/oauth/token' && r.response)
      .flatMap((r) => {
        const b = r.response!.body as { access_token?: string; refresh_token?: string };
        return [b.access_token, b.refresh_token].filter((t): t is string => typeof t === 'string');
      });
    expect(tokens.length).toBeGreaterThan(0);
    const everything = JSON.stringify(page) + receiver.hits.map((h) => h.rawBody).join('');
    for (const t of tokens) expect(everything).not.toContain(t);
    expect(everything).not.toMatch(/access_token|refresh_token|credentials/);
  });

  it('pages GET /events with next_cursor and types, and names a bad cursor or an unknown type', async () => {
    const first = await eventsOf(svc.url, 'acme', '?limit=2');
    expect(first.items).toHaveLength(2);
    const rest = await eventsOf(svc.url, 'acme', `?cursor=${first.next_cursor}`);
    expect(rest.items[0]!.id).not.toBe(first.items[0]!.id);
    const all = await eventsOf(svc.url, 'acme');
    expect([...first.items, ...rest.items].map((e) => e.id)).toEqual(all.items.map((e) => e.id));
    const end = await eventsOf(svc.url, 'acme', `?cursor=${rest.next_cursor}`);
    expect(end).toEqual({ items: [], next_cursor: rest.next_cursor });
    const connected = await eventsOf(svc.url, 'acme', '?types=connection.connected,connection.deleted');
    expect(connected.items.map((e) => e.type)).toEqual(['connection.connected', 'connection.connected', 'connection.deleted']);
    // Another tenant sees none of them.
    expect((await eventsOf(svc.url, 'other')).items).toEqual([]);

    for (const [query, field] of [
      ['?cursor=abc', 'cursor'],
      ['?types=connection.exploded', 'types'],
      ['?limit=0', 'limit'],
    ] as const) {
      const res = await fetch(`${svc.url}/events${query}`, { headers: tenantHeaders('acme') });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { status: string; code: string; message: string };
      expect(body).toMatchObject({ status: 'error', code: 'VALIDATION' });
      expect(body.message).toContain(field);
    }
  });
});
