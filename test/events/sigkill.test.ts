/**
 * A restart loses nothing: the real service process records connection events while the
 * receiver is down, is killed with SIGKILL, and once started again (receiver up) delivers
 * every one, in order per tenant, verified with `standardwebhooks`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { waitForListening } from '../support/process.js';
import { tenantHeaders } from '../oauth/support.js';
import { eventually, startWebhookReceiver, TEST_WEBHOOK_SECRET } from '../support/webhook-receiver.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });

describe('SIGKILL with events pending', () => {
  let fake: FakeAtlassian;
  let dir: string;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-kill-'));
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await fake.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const start = async (env: Record<string, string>): Promise<{ child: ChildProcess; url: string; exited: Promise<unknown> }> => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env, HOST: '127.0.0.1', PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const output: string[] = [];
    child.stderr!.on('data', (c: Buffer) => output.push(c.toString('utf8')));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const url = await waitForListening(child, { timeoutMs: 30_000, log: () => output.join(''), onLine: (l) => output.push(l) });
    return { child, url, exited };
  };

  it('delivers every event recorded before the kill once restarted', async () => {
    const port = await freePort();
    const env = oauthEnv(fake, {
      INTEGRATION_DB_URL: `sqlite:///${path.join(dir, 'kill.db')}`,
      WEBHOOK_URL: `http://127.0.0.1:${port}/hooks`,
      WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      WEBHOOK_ALLOW_HTTP_LOOPBACK: 'true',
      WEBHOOK_TIMEOUT_MS: '3000',
    });
    const first = await start(env);
    for (const t of ['k1', 'k2']) expect((await connect(first.url, fake, { tenant: t })).status).toBe(302);
    expect((await fetch(`${first.url}/connectors/jira/connection`, { method: 'DELETE', headers: tenantHeaders('k1') })).status).toBe(204);
    const recorded = new Map<string, string[]>();
    for (const t of ['k1', 'k2']) {
      const page = (await (await fetch(`${first.url}/events`, { headers: tenantHeaders(t) })).json()) as { items: Array<{ id: string }> };
      recorded.set(t, page.items.map((e) => e.id));
    }
    expect(recorded.get('k1')).toHaveLength(3);
    expect(recorded.get('k2')).toHaveLength(2);
    // The receiver is down: the dispatcher has tried and failed; then the process is killed.
    await new Promise((r) => setTimeout(r, 300));
    first.child.kill('SIGKILL');
    await first.exited;

    const receiver = await startWebhookReceiver(TEST_WEBHOOK_SECRET, port);
    try {
      await start(env);
      // The first retry is due at most 5 s after the failed attempt.
      const unique = () => [...new Set(receiver.accepted.map((e) => e.id))];
      await eventually(() => unique().length >= 5, 20_000);
      // At least once: a product de-duplicates on webhook-id; the first arrival of each is in order.
      for (const [t, ids] of recorded) expect([...new Set(receiver.accepted.filter((e) => e.tenant === t).map((e) => e.id))]).toEqual(ids);
      expect(unique()).toHaveLength(5);
    } finally {
      await receiver.close();
    }
  }, 60_000);
});
