/**
 * The connection cache (src/application/connection-cache.ts) between two service processes
 * on one SQLite file: each keeps the rows it read, and neither ever calls Atlassian with a
 * token the other has replaced, nor serves a connection the other has marked for
 * re-authorization or deleted. The fake keeps a replaced access token working, so only the
 * bearer each call carried can tell a stale cache from a fresh one.
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
import { callback, freePort, tempDir, tenantHeaders } from './support.js';

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
  return { url, child, output };
}

const stop = (i: Instance | undefined): Promise<void> =>
  new Promise((resolve) => {
    if (!i || i.child.exitCode !== null) return resolve();
    i.child.once('exit', () => resolve());
    i.child.kill('SIGTERM');
  });

describe('the connection cache across two processes on one SQLite file', () => {
  let fake: FakeAtlassian;
  let tmp: ReturnType<typeof tempDir>;
  let file: string;
  let one: Instance | undefined;
  let two: Instance | undefined;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    tmp = tempDir('connection-cache-');
    file = path.join(tmp.dir, 'shared.db');
    const env = oauthEnv(fake, {
      INTEGRATION_DB_URL: `sqlite:///${file}`,
      INTEGRATION_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      TOKEN_REFRESH_SKEW_SECONDS: '300',
    });
    one = await startInstance(env);
    two = await startInstance(env);
    const started = await login(one.url, { tenant: 'cc' });
    expect((await callback(two.url, { state: started.state, code: fake.issueAuthorizationCode() }, started.cookie)).status).toBe(302);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([stop(one), stop(two)]);
    await fake.close();
    tmp.cleanup();
  });

  const sql = (statement: string, ...params: unknown[]): number => {
    const db = new SQLite(file, { timeout: 5_000 });
    try {
      return db.prepare(statement).run(...params).changes;
    } finally {
      db.close();
    }
  };
  /** Lists projects on `i` and answers the bearer the call to Atlassian carried. */
  const projectsBearer = async (i: Instance): Promise<string | undefined> => {
    const seen = fake.requests.length;
    const res = await fetch(`${i.url}/connectors/jira/projects`, { headers: tenantHeaders('cc') });
    expect(res.status, await res.clone().text()).toBe(200);
    await res.text();
    const call = fake.requests.slice(seen).find((r) => r.path.includes('/rest/api/3/project'));
    expect(call).toBeDefined();
    return call!.headers.authorization;
  };
  const projects = (i: Instance) => fetch(`${i.url}/connectors/jira/projects`, { headers: tenantHeaders('cc') });

  it('a token refreshed by the other process is used at once, with no refresh of its own', async () => {
    const before = await projectsBearer(one!);
    expect(await projectsBearer(one!)).toBe(before); // cached
    expect(await projectsBearer(two!)).toBe(before);

    // Expired: `two` refreshes before its call; `one` cached the row before.
    expect(sql("UPDATE connections SET expires_at = ? WHERE tenant_id = 'cc'", new Date(Date.now() - 1000).toISOString())).toBe(2);
    const refreshes = fake.tokenGrants.refresh;
    const renewed = await projectsBearer(two!);
    expect(fake.tokenGrants.refresh - refreshes).toBe(1);
    expect(renewed).not.toBe(before);
    // The replaced token still works at the fake: only the bearer shows what `one` used.
    expect(fake.isGrantRevoked(before!.replace(/^Bearer /, ''))).toBe(false);

    expect(await projectsBearer(one!)).toBe(renewed);
    expect(fake.tokenGrants.refresh - refreshes).toBe(1);
  }, 60_000);

  it('a connection marked needs_reauth elsewhere is refused at once, and served again when active', async () => {
    const bearer = await projectsBearer(one!);
    // What markNeedsReauth writes: the status, a new version, a new write time.
    expect(sql("UPDATE connections SET status = 'needs_reauth', version = version + 1, updated_at = ? WHERE tenant_id = 'cc'", new Date().toISOString())).toBe(2);
    await expectErrorResponse(await projects(one!), 401, 'TOKEN_EXPIRED');
    await expectErrorResponse(await projects(two!), 401, 'TOKEN_EXPIRED');
    expect(sql("UPDATE connections SET status = 'active', version = version + 1, updated_at = ? WHERE tenant_id = 'cc'", new Date(Date.now() + 1).toISOString())).toBe(2);
    expect(await projectsBearer(one!)).toBe(bearer);
  }, 60_000);

  it('a version change alone (same write time, same credentials) is enough to read the row again', async () => {
    expect(sql("UPDATE connections SET status = 'needs_reauth', version = version + 1 WHERE tenant_id = 'cc'")).toBe(2);
    await expectErrorResponse(await projects(one!), 401, 'TOKEN_EXPIRED');
    expect(sql("UPDATE connections SET status = 'active', version = version + 1 WHERE tenant_id = 'cc'")).toBe(2);
    expect((await projects(one!)).status).toBe(200);
  }, 60_000);

  it('a connection deleted through the other process is gone at once', async () => {
    await projectsBearer(one!);
    const removed = await fetch(`${two!.url}/connectors/jira/connection`, { method: 'DELETE', headers: tenantHeaders('cc') });
    expect(removed.status).toBeLessThan(300);
    await expectErrorResponse(await projects(one!), 409, 'NOT_CONNECTED');
  }, 60_000);
});
