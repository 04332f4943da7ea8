/**
 * Readiness and the graceful stop: /readyz answers whether the database answers, its schema
 * is current and the process is not shutting down; on SIGTERM the service stops accepting,
 * answers /readyz 503 to what still reaches it, lets requests in flight finish within
 * SHUTDOWN_GRACE_SECONDS, then exits 0.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { Client } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { waitForListening } from '../support/process.js';
import { startTestService, type TestService } from '../support/service.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const projects = (url: string, tenant: string) =>
  fetch(`${url}/connectors/jira/projects`, { headers: { 'x-tenant-id': tenant } }).then(async (r) => ({ status: r.status, body: await r.text() }));

describe('GET /readyz', () => {
  let dir: string;
  let svc: TestService;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'readyz-'));
    svc = await startTestService({ env: { INTEGRATION_DB_URL: `sqlite:///${path.join(dir, 'ready.db')}` } });
  });
  afterAll(async () => {
    await svc.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is 200 when the database answers and has every migration; 503 naming a missing one', async () => {
    const ready = await fetch(`${svc.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', database: { reachable: true }, migrations: { current: true, pending: [] }, shutting_down: false });

    const db = new SQLite(path.join(dir, 'ready.db'));
    const [last] = db.prepare('select name, timestamp from kysely_migration order by name desc limit 1').all() as Array<{ name: string; timestamp: string }>;
    db.prepare('delete from kysely_migration where name = ?').run(last!.name);
    try {
      const behind = await fetch(`${svc.url}/readyz`);
      expect(behind.status).toBe(503);
      expect(await behind.json()).toMatchObject({ status: 'not_ready', migrations: { current: false, pending: [last!.name] } });
      // Liveness is not readiness: the process still serves.
      expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
    } finally {
      db.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run(last!.name, last!.timestamp);
      db.close();
    }
    expect((await fetch(`${svc.url}/readyz`)).status).toBe(200);
  });
});

describe('Service.shutdown', () => {
  let fake: FakeAtlassian;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
  });
  afterAll(() => fake.close());

  it('stops accepting, answers /readyz 503 on a connection still open, and lets requests in flight finish', async () => {
    const svc = await startTestService({ env: oauthEnv(fake) });
    try {
      expect((await connect(svc.url, fake, { tenant: 'drain' })).status).toBe(302);
      fake.inject({ kind: 'delay', path: '/rest/api/3/project/search', ms: 700, times: 4 });
      const inFlight = [projects(svc.url, 'drain'), projects(svc.url, 'drain'), projects(svc.url, 'drain')];
      // One more, on a connection that will carry the readiness probe after it.
      const client = new Client(svc.url, { pipelining: 2 });
      const onClient = client.request({ path: '/connectors/jira/projects', method: 'GET', headers: { 'x-tenant-id': 'drain' } });
      await new Promise((r) => setTimeout(r, 200));
      const started = performance.now();
      const stopped = svc.service.shutdown(10_000);

      const probed = client.request({ path: '/readyz', method: 'GET' });
      const first = await onClient;
      const probe = await probed;
      expect(first.statusCode).toBe(200);
      await first.body.text();
      expect(probe.statusCode).toBe(503);
      expect(await probe.body.json()).toMatchObject({ status: 'not_ready', shutting_down: true });
      // A new connection is refused.
      const fresh = new Client(svc.url);
      await expect(fresh.request({ path: '/healthz', method: 'GET' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      await fresh.close();

      expect((await Promise.all(inFlight)).map((r) => r.status)).toEqual([200, 200, 200]);
      await stopped;
      expect(performance.now() - started).toBeLessThan(5_000);
      await client.close();
    } finally {
      fake.clearFaults();
      await svc.close();
    }
  });

  it('cuts what is still running when the grace period is over', async () => {
    const svc = await startTestService({ env: oauthEnv(fake) });
    try {
      expect((await connect(svc.url, fake, { tenant: 'cut' })).status).toBe(302);
      fake.inject({ kind: 'delay', path: '/rest/api/3/project/search', ms: 10_000 });
      const slow = projects(svc.url, 'cut').then(
        (r) => r.status,
        () => 'cut',
      );
      await new Promise((r) => setTimeout(r, 200));
      const started = performance.now();
      await svc.service.shutdown(300);
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(await slow).toBe('cut');
    } finally {
      fake.clearFaults();
      await svc.close();
    }
  });
});

describe('SIGTERM', () => {
  let fake: FakeAtlassian;
  let dir: string;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sigterm-'));
  });
  afterAll(async () => {
    await fake.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The service as `npm start` runs it (from source), connected as `tenant`, with three slow project reads in flight. */
  const startWithSlowCalls = async (tenant: string, graceSeconds: string, delayMs: number) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: process.env['HOME'] ?? '',
        ...oauthEnv(fake, { INTEGRATION_DB_URL: `sqlite:///${path.join(dir, `${tenant}.db`)}` }),
        HOST: '127.0.0.1',
        PORT: '0',
        SHUTDOWN_GRACE_SECONDS: graceSeconds,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    child.stderr!.on('data', (c: Buffer) => output.push(c.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const url = await waitForListening(child, { timeoutMs: 30_000, log: () => output.join(''), onLine: (l) => output.push(l) });
    expect((await connect(url, fake, { tenant })).status).toBe(302);
    fake.inject({ kind: 'delay', path: '/rest/api/3/project/search', ms: delayMs, times: 3 });
    const seen = fake.requests.length;
    const inFlight = [projects(url, tenant), projects(url, tenant), projects(url, tenant)].map((p) =>
      p.then(
        (answer) => answer,
        (err: unknown) => ({ status: 0, body: String(err) }),
      ),
    );
    // Signals go once all three are at Atlassian.
    for (let i = 0; i < 200 && fake.requests.slice(seen).filter((r) => r.path.endsWith('/project/search')).length < 3; i += 1) {
      await new Promise((r) => setTimeout(r, 20));
    }
    return { child, output, exited, inFlight, url };
  };

  it('lets slow requests in flight complete, answers /readyz 503 meanwhile, then closes and exits 0', async () => {
    const { child, output, exited, inFlight, url } = await startWithSlowCalls('term', '20', 1_500);
    try {
      // One more slow call, on a connection that carries a readiness probe after it.
      fake.inject({ kind: 'delay', path: '/rest/api/3/project/search', ms: 1_500, times: 1 });
      const one = new Client(url, { pipelining: 2 });
      const onClient = one.request({ path: '/connectors/jira/projects', method: 'GET', headers: { 'x-tenant-id': 'term' } });
      await new Promise((r) => setTimeout(r, 300));
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 100));
      const probed = one.request({ path: '/readyz', method: 'GET' });
      const first = await onClient;
      expect(first.statusCode).toBe(200);
      await first.body.text();
      const probe = await probed;
      expect(probe.statusCode).toBe(503);
      expect(await probe.body.json()).toMatchObject({ status: 'not_ready', shutting_down: true });
      await one.close();
      const answers = await Promise.all(inFlight);
      expect(answers.map((a) => a.status), answers.map((a) => a.body).join('\n')).toEqual([200, 200, 200]);
      expect(await exited).toBe(0);
      const log = output.join('');
      expect(log).toContain('shutting down: finishing requests in flight');
      expect(log.indexOf('"stopped"')).toBeGreaterThan(log.indexOf('shutting down'));
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);

  it('SHUTDOWN_GRACE_SECONDS=1: requests still at Atlassian after a second are cut, and it exits 0 then', async () => {
    const { child, exited, inFlight } = await startWithSlowCalls('grace', '1', 8_000);
    try {
      const signalled = performance.now();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const took = performance.now() - signalled;
      expect(took).toBeGreaterThanOrEqual(900);
      expect(took).toBeLessThan(6_000);
      const answers = await Promise.all(inFlight);
      expect(answers.map((a) => a.status === 200)).toEqual([false, false, false]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);

  it('a second signal of either kind during the grace period ends the process at once', async () => {
    const { child, output, exited } = await startWithSlowCalls('twice', '20', 8_000);
    try {
      child.kill('SIGTERM');
      for (let i = 0; i < 100 && !output.join('').includes('shutting down'); i += 1) await new Promise((r) => setTimeout(r, 20));
      const signalled = performance.now();
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(performance.now() - signalled).toBeLessThan(3_000);
      expect(output.join('')).toContain('second signal during shutdown: exiting now');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});
