/**
 * The delivery failure matrix, on a real SQLite file with real receivers on 127.0.0.1 that
 * verify with `standardwebhooks`: receiver down, slow (timeout), 500, 410 Gone, redirect
 * (not followed). The dispatcher is driven by hand (`runOnce`) under a test clock, so the
 * backoff is walked through without waiting. Each ends in the documented state with nothing
 * lost, and a tenant's order holds across a failing event.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery } from '../../src/application/ports/event-deliveries.js';
import type { NewEvent } from '../../src/domain/events.js';
import type { TenantId } from '../../src/domain/tenant.js';
import { tenantHeaders } from '../oauth/support.js';
import { startTestService, type TestService } from '../support/service.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const tenant = (t: string) => t as TenantId;

describe('the failure matrix (tenant endpoints, WEBHOOK_ALLOW_HTTP_LOOPBACK=true)', () => {
  let svc: TestService;
  let dir: string;
  let now = Date.now();
  const receivers: WebhookReceiver[] = [];

  const putWebhook = async (t: string, url: string): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${svc.url}/connectors/webhook`, {
      method: 'PUT',
      headers: { ...tenantHeaders(t), 'content-type': 'application/json' },
      body: JSON.stringify({ url }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  /** A receiver of its own for tenant `t`, registered with PUT; it verifies with the secret the PUT answered. */
  const receiverFor = async (t: string): Promise<WebhookReceiver> => {
    const r = await startWebhookReceiver('whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    receivers.push(r);
    const put = await putWebhook(t, r.url);
    expect(put.status).toBe(200);
    r.secret = put.body['secret'] as string;
    return r;
  };
  const record = async (t: string, n = 1): Promise<string[]> => {
    const events: NewEvent[] = Array.from({ length: n }, () => ({
      id: randomUUID(),
      type: 'connection.connected',
      tenantId: tenant(t),
      connector: 'jira',
      occurredAt: new Date(now),
      data: { connector: 'jira', connected: true },
    }));
    const stored = await svc.service.adapters.events.record(events)();
    if (E.isLeft(stored)) throw new Error(stored.left.message);
    return events.map((e) => e.id);
  };
  const deliveries = async (t: string): Promise<readonly Delivery[]> => {
    const r = await svc.service.adapters.deliveries!.listDeliveries({ tenantId: tenant(t), limit: 100 })();
    if (E.isLeft(r)) throw new Error(r.left.message);
    return r.right;
  };
  const round = () => svc.service.useCases.dispatcher!.runOnce();
  /** Moves the test clock to just past the tenant's next due attempt, and runs a round. */
  const nextAttempt = async (t: string): Promise<void> => {
    const pending = (await deliveries(t)).filter((d) => d.status === 'pending');
    now = Math.max(now, ...pending.map((d) => d.nextAttemptAt.getTime())) + 1;
    await round();
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-matrix-'));
    svc = await startTestService({
      env: {
        INTEGRATION_DB_URL: `sqlite:///${path.join(dir, 'matrix.db')}`,
        WEBHOOK_ALLOW_HTTP_LOOPBACK: 'true',
        WEBHOOK_TIMEOUT_MS: '300',
      },
      overrides: {
        clock: { now: () => new Date(now) },
        // Driven by hand; a short budget keeps the test clock within the signature's 5-minute tolerance.
        eventDispatch: { start: false, initialDelayMs: 1_000, maxDelayMs: 8_000, budgetMs: 60_000, random: () => 0.999 },
      },
    });
  });
  afterAll(async () => {
    await svc.close();
    await Promise.all(receivers.map((r) => r.close()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('delivers to a healthy endpoint once, signed, and answers the secret only on PUT', async () => {
    const r = await receiverFor('healthy');
    const [id] = await record('healthy');
    expect(await round()).toBe(1);
    expect(r.accepted.map((e) => e.id)).toEqual([id]);
    expect(r.hits).toHaveLength(1);
    expect(await round()).toBe(0);
    const [d] = await deliveries('healthy');
    expect(d).toMatchObject({ status: 'delivered', attempts: 1, lastResult: '204' });
    const shown = await fetch(`${svc.url}/connectors/webhook`, { headers: tenantHeaders('healthy') });
    const view = (await shown.json()) as Record<string, unknown>;
    expect(view).toMatchObject({ source: 'tenant', url: r.url, disabled_at: null });
    expect(JSON.stringify(view)).not.toContain('whsec_');
    // Stored sealed by the Cipher: the file holds no secret in clear.
    const raw = new SQLite(path.join(dir, 'matrix.db'), { readonly: true });
    try {
      const row = raw.prepare("select secret from webhook_endpoints where tenant_id = 'healthy'").get() as { secret: string };
      expect(row.secret).not.toContain(r.secret);
      expect(row.secret).not.toContain(r.secret.slice('whsec_'.length));
      expect(fs.readFileSync(path.join(dir, 'matrix.db')).includes(Buffer.from(r.secret))).toBe(false);
    } finally {
      raw.close();
    }
  });

  it('receiver down: retried with doubling delays, then dead after the budget; nothing lost', async () => {
    // A port nobody listens on.
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    expect((await putWebhook('down', `http://127.0.0.1:${port}/hooks`)).status).toBe(200);
    const [id] = await record('down');
    await round();
    let [d] = await deliveries('down');
    expect(d).toMatchObject({ eventId: id, status: 'pending', attempts: 1, lastResult: 'network' });
    expect(d!.nextAttemptAt.getTime() - now).toBeGreaterThanOrEqual(999);
    expect(await round()).toBe(0); // not due yet
    const gaps: number[] = [];
    while (d!.status === 'pending') {
      const before = d!.nextAttemptAt.getTime();
      await nextAttempt('down');
      [d] = await deliveries('down');
      if (d!.status === 'pending') gaps.push(d!.nextAttemptAt.getTime() - before);
    }
    expect(d!.status).toBe('dead');
    expect(gaps.slice(0, 3)).toEqual([2_000, 4_000, 8_000].map((g) => expect.closeTo(g, -1)));
    expect(d!.lastAttemptAt!.getTime() - d!.firstAttemptAt!.getTime()).toBeGreaterThanOrEqual(60_000);
  });

  it('slow receiver: the attempt times out (WEBHOOK_TIMEOUT_MS) and stays pending', async () => {
    const r = await receiverFor('slow');
    r.mode = { kind: 'slow', ms: 1_500 };
    await record('slow');
    const started = performance.now();
    await round();
    expect(performance.now() - started).toBeLessThan(1_400);
    const [d] = await deliveries('slow');
    expect(d).toMatchObject({ status: 'pending', attempts: 1, lastResult: 'timeout' });
    r.mode = { kind: 'ok' };
    await nextAttempt('slow');
    expect((await deliveries('slow'))[0]).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('500: retried, and delivered once the receiver recovers', async () => {
    const r = await receiverFor('five');
    r.mode = { kind: 'status', status: 500 };
    const [id] = await record('five');
    await round();
    expect((await deliveries('five'))[0]).toMatchObject({ status: 'pending', lastResult: '500' });
    r.mode = { kind: 'ok' };
    await nextAttempt('five');
    expect(r.accepted.map((e) => e.id)).toEqual([id]);
  });

  it('410 Gone: the endpoint is disabled, its events wait pending, and a new PUT resumes them in order', async () => {
    const r = await receiverFor('gone');
    r.mode = { kind: 'status', status: 410 };
    const ids = await record('gone', 2);
    await round();
    expect(r.hits).toHaveLength(1);
    const view = (await (await fetch(`${svc.url}/connectors/webhook`, { headers: tenantHeaders('gone') })).json()) as Record<string, unknown>;
    expect(view['disabled_at']).not.toBeNull();
    expect(view['disabled_reason']).toBe('410 Gone');
    now += 120_000;
    await round();
    expect(r.hits).toHaveLength(1); // nothing more is sent to a gone endpoint
    expect((await deliveries('gone')).map((d) => d.status)).toEqual(['pending', 'pending']);
    r.mode = { kind: 'ok' };
    const put = await putWebhook('gone', r.url);
    r.secret = put.body['secret'] as string;
    await round();
    await round();
    expect(r.accepted.map((e) => e.id)).toEqual(ids);
  });

  it('redirect: not followed, counted as a failure', async () => {
    const r = await receiverFor('redirect');
    r.mode = { kind: 'redirect', to: r.url.replace('/hooks', '/elsewhere') };
    await record('redirect');
    await round();
    expect(r.hits.map((h) => h.path)).toEqual(['/hooks']);
    expect((await deliveries('redirect'))[0]).toMatchObject({ status: 'pending', lastResult: '302' });
  });

  it('keeps the order per tenant across a failing event: N+1 waits until N is dead, and N can be redelivered', async () => {
    const r = await receiverFor('order');
    r.mode = { kind: 'status', status: 500 };
    const [first, second] = await record('order', 2);
    for (let i = 0; i < 50; i++) {
      const [d] = await deliveries('order');
      if (d!.status === 'dead') break;
      await nextAttempt('order');
    }
    expect(r.hits.every((h) => h.id === first)).toBe(true);
    expect((await deliveries('order')).map((d) => d.status)).toEqual(['dead', 'pending']);
    r.mode = { kind: 'ok' };
    await round();
    expect(r.accepted.map((e) => e.id)).toEqual([second]);
    // events redeliver ID: the dead one goes back to pending and is sent.
    const again = await svc.service.adapters.deliveries!.redeliver(first!, new Date(now))();
    expect(again).toEqual(E.right(true));
    await round();
    expect(r.accepted.map((e) => e.id)).toEqual([second, first]);
  });
});
