/**
 * Helpers for the PostgreSQL tests that run the shipped bundle (dist/bundle/main.mjs,
 * dist/bundle/cli.mjs) as real child processes: starting and stopping an instance, running
 * a command to its exit, looking into a database with a plain pg client, a proxy that
 * records the tokens the fake Atlassian issues, and a fake PostgreSQL server that asks for
 * a password and refuses it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { waitForListening } from '../support/process.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const MAIN = path.join(ROOT, 'dist/bundle/main.mjs');
export const CLI = path.join(ROOT, 'dist/bundle/cli.mjs');

/** A fixed INTEGRATION_ENCRYPTION_KEY: base64 of exactly 32 bytes. */
export const ENCRYPTION_KEY = Buffer.from('pg-test-encryption-key-32-bytes!', 'utf8').toString('base64');
if (Buffer.from(ENCRYPTION_KEY, 'base64').length !== 32) throw new Error('ENCRYPTION_KEY must be 32 bytes');

/** The environment a child gets: nothing from ours but PATH and HOME, plus `env`. */
export const childEnv = (env: Record<string, string>): Record<string, string> => ({
  PATH: process.env['PATH'] ?? '',
  HOME: process.env['HOME'] ?? '',
  ...env,
});

/** The URL as the service shows it: the password (if any) replaced by `***`. */
export const redacted = (url: string): string => {
  const u = new URL(url);
  if (u.password !== '') u.password = '***';
  return u.toString();
};

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface Instance {
  readonly url: string;
  readonly child: ChildProcess;
  /** stdout lines and stderr chunks, in arrival order. */
  readonly output: string[];
}

/** Starts `node dist/bundle/main.mjs` (what `npm start` runs) and waits for its listening line. */
export async function startInstance(env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: childEnv({ ...env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stderr!.on('data', (c: Buffer) => output.push(c.toString('utf8')));
  const url = await waitForListening(child, { timeoutMs: 30_000, log: () => output.join('\n'), onLine: (line) => output.push(line) });
  if (url !== `http://127.0.0.1:${port}`) throw new Error(`listening on ${url}, expected port ${port}`);
  return { url, child, output };
}

/** SIGTERM (the service closes its pool and exits 0); SIGKILL if it has not exited within 10 s. */
export const stopInstance = (i: Instance | undefined): Promise<void> =>
  new Promise((resolve) => {
    if (!i || i.child.exitCode !== null || i.child.signalCode !== null) return resolve();
    const timer = setTimeout(() => i.child.kill('SIGKILL'), 10_000);
    i.child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    i.child.kill('SIGTERM');
  });

export interface Exited {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node <script> ...args` to its exit (killed after `timeoutMs`). */
export function runToExit(script: string, args: readonly string[], env: Record<string, string>, timeoutMs = 30_000): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(script)} ${args.join(' ')} did not exit within ${timeoutMs} ms: ${stdout}${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** One short-lived pg client for `fn`. */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The tables in the database's public schema, sorted. */
export const publicTables = (url: string): Promise<string[]> =>
  withClient(url, async (c) =>
    (
      await c.query<{ name: string }>(
        "select table_name as name from information_schema.tables where table_schema = 'public' order by table_name",
      )
    ).rows.map((r) => r.name),
  );

/** Every row of every table in the public schema, each as the JSON text of the whole row. */
export const everyRowAsText = (url: string): Promise<Map<string, string[]>> =>
  withClient(url, async (c) => {
    const tables = (
      await c.query<{ name: string }>(
        "select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name",
      )
    ).rows.map((r) => r.name);
    const out = new Map<string, string[]>();
    for (const t of tables) {
      const { rows } = await c.query<{ row: string }>(`select row_to_json(t)::text as row from ${pg.escapeIdentifier(t)} t`);
      out.set(t, rows.map((r) => r.row));
    }
    return out;
  });

/**
 * An HTTP proxy in front of the fake Atlassian that keeps every access and refresh token
 * its `/oauth/token` answered with: what the service was really handed, for looking for
 * those exact strings at rest.
 */
export async function tokenRecordingProxy(target: string): Promise<{ url: string; issued: { access: string[]; refresh: string[] }; close(): Promise<void> }> {
  const issued = { access: [] as string[], refresh: [] as string[] };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string' && !['host', 'connection', 'content-length', 'transfer-encoding'].includes(k)) headers[k] = v;
      }
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      const method = req.method ?? 'GET';
      fetch(new URL(req.url ?? '/', target), { method, headers, ...(body && method !== 'GET' ? { body } : {}), redirect: 'manual' })
        .then(async (upstream) => {
          const text = await upstream.text();
          if (method === 'POST' && (req.url ?? '').split('?')[0] === '/oauth/token' && upstream.status === 200) {
            const j = JSON.parse(text) as { access_token?: string; refresh_token?: string };
            if (j.access_token) issued.access.push(j.access_token);
            if (j.refresh_token) issued.refresh.push(j.refresh_token);
          }
          const contentType = upstream.headers.get('content-type');
          res.writeHead(upstream.status, contentType ? { 'content-type': contentType } : {});
          res.end(text);
        })
        .catch((err: unknown) => {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(String(err));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    issued,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A fake PostgreSQL server (protocol 3.0, the few messages a login needs) that asks for a
 * cleartext password, keeps what it was sent, and refuses it as PostgreSQL does (FATAL
 * 28P01). The throwaway test cluster trusts every login, so it cannot refuse a password.
 */
export async function passwordRefusingServer(): Promise<{ port: number; passwords: string[]; close(): Promise<void> }> {
  const passwords: string[] = [];
  const sockets = new Set<net.Socket>();
  const message = (type: string, body: Buffer): Buffer => {
    const head = Buffer.alloc(5);
    head.write(type, 0, 'ascii');
    head.writeInt32BE(body.length + 4, 1);
    return Buffer.concat([head, body]);
  };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    let started = false;
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        if (!started) {
          // Startup (or SSLRequest): int32 length, int32 code, then the rest.
          if (buffered.length < 8) return;
          const length = buffered.readInt32BE(0);
          if (buffered.length < length) return;
          const code = buffered.readInt32BE(4);
          buffered = buffered.subarray(length);
          if (code === 80877103) {
            socket.write('N'); // no SSL here
            continue;
          }
          started = true;
          const askCleartext = Buffer.alloc(4);
          askCleartext.writeInt32BE(3, 0);
          socket.write(message('R', askCleartext));
          continue;
        }
        if (buffered.length < 5) return;
        const length = buffered.readInt32BE(1);
        if (buffered.length < length + 1) return;
        const type = String.fromCharCode(buffered[0]!);
        const body = buffered.subarray(5, length + 1);
        buffered = buffered.subarray(length + 1);
        if (type === 'p') {
          passwords.push(body.subarray(0, body.indexOf(0)).toString('utf8'));
          const fields = [
            ['S', 'FATAL'],
            ['V', 'FATAL'],
            ['C', '28P01'],
            ['M', 'password authentication failed for user "postgres"'],
          ]
            .map(([k, v]) => Buffer.concat([Buffer.from(k!, 'ascii'), Buffer.from(v!, 'utf8'), Buffer.from([0])]));
          socket.end(message('E', Buffer.concat([...fields, Buffer.from([0])])));
          return;
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    passwords,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
