/**
 * Two service processes (`node --import tsx src/main.ts`) on one SQLite file: a sign-in
 * started on one finishes on the other, a replayed callback is refused across them, and an
 * expiring token is refreshed exactly once while both serve concurrent requests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { expectErrorResponse } from '../support/http.js';
import { login, oauthEnv } from '../support/oauth.js';
import { waitForListening } from '../support/process.js';
import { callback, connectionOf, freePort, tempDir, tenantHeaders, waitForProjectsRoute } from './support.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Instance {
  readonly url: string;
  readonly child: ChildProcess;
  readonly output: string[];
}

async function startInstance(env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stderr!.on('data', (c: Buffer) => output.push(c.toString('utf8')));
  const url = await waitForListening(child, { timeoutMs: 30_000, log: () => output.join('\n'), onLine: (line) => output.push(line) });
  expect(url).toBe(`http://127.0.0.1:${port}`);
  return { url, child, output };
}

const stop = (i: Instance | undefined): Promise<void> =>
  new Promise((resolve) => {
    if (!i || i.child.exitCode !== null) return resolve();
    i.child.once('exit', () => resolve());
    i.child.kill('SIGTERM');
  });

describe('two processes on one SQLite file', () => {
  let fake: FakeAtlassian;
  let tmp: ReturnType<typeof tempDir>;
  let file: string;
  let one: Instance | undefined;
  let two: Instance | undefined;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    tmp = tempDir('cross-process-');
    file = path.join(tmp.dir, 'shared.db');
    const env = oauthEnv(fake, {
      INTEGRATION_DB_URL: `sqlite:///${file}`,
      INTEGRATION_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      TOKEN_REFRESH_SKEW_SECONDS: '300',
    });
    // One after the other: the first creates the schema.
    one = await startInstance(env);
    two = await startInstance(env);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([stop(one), stop(two)]);
    await fake.close();
    tmp.cleanup();
  });

  it('a sign-in started on one process completes on the other; its replay on the first is refused', async () => {
    const started = await login(one!.url, { tenant: 'xp' });
    const code = fake.issueAuthorizationCode();
    const res = await callback(two!.url, { state: started.state, code }, started.cookie);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://app.example/login?connected=jira');
    expect((await connectionOf(one!.url, 'xp', 'jira')).connected).toBe(true);

    const replay = await callback(one!.url, { state: started.state, code: fake.issueAuthorizationCode() }, started.cookie);
    const body = await expectErrorResponse(replay, 422, 'VALIDATION');
    expect(body.message).toContain('already completed');
  });

  it('an expiring token: 50 concurrent project listings at each process -> exactly one refresh, all 200', async () => {
    expect(await waitForProjectsRoute(one!.url, Number(process.env['OAUTH_TEST_ROUTE_ATTEMPTS'] ?? 1), 120_000)).toBe(true);
    const before = await connectionOf(one!.url, 'xp', 'jira');
    // Make the stored token expire within the skew (the fake's next token lives an hour).
    const db = new SQLite(file, { timeout: 5_000 });
    try {
      const soon = new Date(Date.now() + 30_000).toISOString();
      const info = db.prepare("UPDATE connections SET expires_at = ? WHERE tenant_id = 'xp'").run(soon);
      expect(info.changes).toBe(2);
    } finally {
      db.close();
    }
    const refreshes = fake.tokenGrants.refresh;
    const fire = (i: Instance) =>
      Array.from({ length: 50 }, () =>
        fetch(`${i.url}/connectors/jira/projects`, { headers: tenantHeaders('xp') }).then(async (r) => ({ status: r.status, text: await r.text() })),
      );
    const answers = await Promise.all([...fire(one!), ...fire(two!)]);
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s !== 200), answers.find((a) => a.status !== 200)?.text).toEqual([]);
    expect(fake.tokenGrants.refresh - refreshes).toBe(1);
    expect(fake.tokenGrants.rejectedRefresh).toBe(0);
    expect(fake.isGrantRevoked()).toBe(false);

    const after = await connectionOf(two!.url, 'xp', 'jira');
    expect(Date.parse(after.expires_at!)).toBeGreaterThan(Date.parse(before.expires_at!));
    expect(Date.parse(after.refreshed_at!)).toBeGreaterThan(Date.parse(before.refreshed_at!));
  }, 600_000);
});

describe('a process killed in the middle of a token refresh', () => {
  let fake: FakeAtlassian;
  let tmp: ReturnType<typeof tempDir>;
  let file: string;
  let env: Record<string, string>;
  let survivor: Instance | undefined;
  // ATLASSIAN_TIMEOUT_MS below + the composition root's margin: long enough that a survivor starting on a busy machine still finds the lease held.
  const LEASE_MS = 5_000 + 3_000;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    tmp = tempDir('killed-refresh-');
    file = path.join(tmp.dir, 'shared.db');
    env = oauthEnv(fake, {
      INTEGRATION_DB_URL: `sqlite:///${file}`,
      INTEGRATION_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      TOKEN_REFRESH_SKEW_SECONDS: '300',
      ATLASSIAN_TIMEOUT_MS: '5000',
    });
  });
  afterAll(async () => {
    await stop(survivor);
    await fake.close();
    tmp.cleanup();
  });
  const setExpiry = (at: Date): void => {
    const db = new SQLite(file, { timeout: 5_000 });
    try {
      expect(db.prepare("UPDATE connections SET expires_at = ? WHERE tenant_id = 'kill'").run(at.toISOString()).changes).toBe(2);
    } finally {
      db.close();
    }
  };
  const timedProjects = async (i: Instance): Promise<{ status: number; ms: number }> => {
    const started = performance.now();
    const res = await fetch(`${i.url}/connectors/jira/projects`, { headers: tenantHeaders('kill') });
    await res.text();
    return { status: res.status, ms: performance.now() - started };
  };

  it('a still-valid token is used at once after the restart; an expired one waits no longer than the lease', async () => {
    const doomed = await startInstance(env);
    const started = await login(doomed.url, { tenant: 'kill' });
    expect((await callback(doomed.url, { state: started.state, code: fake.issueAuthorizationCode() }, started.cookie)).status).toBe(302);

    // The token expires within the skew but still works; the token endpoint hangs, so the
    // refresh is caught holding its lease when the process dies.
    setExpiry(new Date(Date.now() + 60_000));
    fake.inject({ kind: 'delay', path: '/oauth/token', method: 'POST', ms: 30_000 });
    const tokenCalls = () => fake.requests.filter((r) => r.path === '/oauth/token').length;
    const before = tokenCalls();
    void fetch(`${doomed.url}/connectors/jira/projects`, { headers: tenantHeaders('kill') }).catch(() => undefined);
    for (let i = 0; i < 200 && tokenCalls() === before; i += 1) await new Promise((r) => setTimeout(r, 25));
    expect(tokenCalls()).toBe(before + 1);
    const leaseTaken = performance.now();
    doomed.child.kill('SIGKILL');
    await new Promise((r) => doomed.child.once('exit', r));

    survivor = await startInstance(env);
    const valid = await timedProjects(survivor);
    expect(valid.status).toBe(200);
    // No waiting for the dead process's lease, and no second refresh attempt while it holds.
    expect(valid.ms).toBeLessThan(1_500);
    expect(performance.now() - leaseTaken).toBeLessThan(LEASE_MS);
    expect(tokenCalls()).toBe(before + 1);

    // Expired: this caller must wait for a new token, for at most what is left of the lease.
    fake.clearFaults();
    setExpiry(new Date(Date.now() - 1_000));
    const refreshes = fake.tokenGrants.refresh;
    const expired = await timedProjects(survivor);
    expect(expired.status).toBe(200);
    expect(performance.now() - leaseTaken).toBeLessThan(LEASE_MS + 2_000);
    expect(fake.tokenGrants.refresh - refreshes).toBe(1);
    expect(fake.tokenGrants.rejectedRefresh).toBe(0);
  }, 60_000);
});
