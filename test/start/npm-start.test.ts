// `npm start` runs the esbuild bundle (built by test/support/build-once.ts); this proves the bundle is whole: it starts with no
// configuration, serves health, Swagger UI's files from swagger-ui-dist and the
// standard error body, and stops on SIGTERM.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

describe('the bundle npm start runs', () => {
  let child: ReturnType<typeof spawn>;
  let url: string;
  let dir: string;
  let stderr = '';

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ib-start-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // No INTEGRATION_DB_URL: the default ./integration.db, relative to the working directory.
    child = spawn(process.execPath, [path.resolve('dist/bundle/main.mjs')], {
      cwd: dir,
      env: { PATH: process.env['PATH'] ?? '', PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    for (let i = 0; i < 200; i += 1) {
      try {
        if ((await fetch(`${url}/healthz`)).status === 200) return;
      } catch {
        /* not yet */
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the bundle did not start: ${stderr}`);
  });

  afterAll(() => {
    child?.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves health, docs assets and errors with the default SQLite file and a generated key file', async () => {
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'ok' });
    const detail = (await (await fetch(`${url}/`)).json()) as { database: { reachable: boolean } };
    expect(detail.database.reachable).toBe(true);
    const css = await fetch(`${url}/docs/swagger-ui.css`);
    expect(css.status).toBe(200);
    expect((await css.text()).length).toBeGreaterThan(10_000);
    const missing = await fetch(`${url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ status: 'error', code: 'NOT_FOUND' });
    expect(fs.existsSync(path.join(dir, 'integration.db'))).toBe(true);
    expect(fs.statSync(path.join(dir, 'integration.db.key')).mode & 0o777).toBe(0o600);
    expect(stderr).not.toMatch(/Error|at .*\.m?js:\d+/);
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

describe('the bundle npm start runs, connected to Atlassian', () => {
  // The bundle is one script in which undici and the MCP SDK load on first use: a tenant's
  // REST call and a tool call through MCP each run those parts of it.
  let fake: FakeAtlassian;
  let child: ReturnType<typeof spawn>;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    fake = await startFakeAtlassian();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ib-start-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [path.resolve('dist/bundle/main.mjs')], {
      cwd: dir,
      env: { PATH: process.env['PATH'] ?? '', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...oauthEnv(fake) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    for (let i = 0; i < 200; i += 1) {
      try {
        if ((await fetch(`${url}/healthz`)).status === 200) break;
      } catch {
        /* not yet */
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await connect(url, fake, { tenant: 'bundled' })).status).toBe(302);
  });

  afterAll(async () => {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    await fake.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('calls Jira for a tenant over REST and over MCP', async () => {
    const rest = await fetch(`${url}/connectors/jira/projects`, { headers: { 'x-tenant-id': 'bundled' } });
    expect(rest.status).toBe(200);
    expect(((await rest.json()) as { items: Array<{ key: string }> }).items.map((p) => p.key)).toEqual(['ACME', 'OPS', 'WEB']);
    const mcp = await fetch(`${url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'x-tenant-id': 'bundled' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'jira_get_issue', arguments: { issue: 'ACME-1' } } }),
    });
    expect(mcp.status).toBe(200);
    const { result } = (await mcp.json()) as { result: { isError?: boolean; structuredContent: { key: string } } };
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent.key).toBe('ACME-1');
  });
});

describe('log output of the started service', () => {
  const run = async (env: Record<string, string>): Promise<string> => {
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ib-log-'));
    const child = spawn(process.execPath, [path.resolve('dist/bundle/main.mjs')], {
      cwd: dir,
      env: { PATH: process.env['PATH'] ?? '', PORT: String(port), HOST: '127.0.0.1', INTEGRATION_DB_URL: 'sqlite:///:memory:', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    try {
      for (let i = 0; i < 200; i += 1) {
        try {
          if ((await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200) break;
        } catch {
          /* not yet */
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 300));
      return out;
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  it('writes one JSON line per request when stdout is not a terminal', async () => {
    const out = await run({});
    const line = out.split('\n').find((l) => l.includes('"route":"/healthz"'));
    expect(line).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({ level: 'info', method: 'GET', route: '/healthz', status: 200, msg: 'request' });
  });

  it('LOG_PRETTY=true writes human-readable lines instead', async () => {
    const out = await run({ LOG_PRETTY: 'true' });
    const line = out.split('\n').find((l) => l.includes('/healthz'));
    expect(line).toBeDefined();
    expect(line!.trim().startsWith('{')).toBe(false);
    expect(line).toContain('INFO');
  });

  it('LOG_LEVEL=warn leaves the request lines out', async () => {
    const out = await run({ LOG_LEVEL: 'warn' });
    expect(out).not.toContain('/healthz');
  });
});
