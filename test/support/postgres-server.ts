/**
 * Vitest global setup for `npm run test:pg`: a real PostgreSQL server for the tests.
 * With TEST_DATABASE_URL set, that server is used (any database the URL's user may
 * CREATE DATABASE from). Otherwise a throwaway cluster is made with Debian's binaries
 * (`apt-get install postgresql`): initdb in a temporary directory, a server on a free
 * loopback port with trust authentication, stopped and deleted afterwards. Runs the
 * build too, for the tests that start the bundle or the CLI.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import buildOnce from './build-once.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

const binDir = (): string => {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) {
    throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql: apt-get install postgresql, or set TEST_DATABASE_URL.');
  }
  return path.join(root, newest, 'bin');
};

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

async function waitUntilAccepting(url: string, server: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 300; i += 1) {
    if (server.exitCode !== null) throw new Error(`postgres exited with ${server.exitCode}: ${log()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`postgres did not accept connections within 30 s: ${log()}`);
}

async function startThrowawayCluster(): Promise<{ url: string; stop: () => Promise<void> }> {
  const bin = binDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ib-pg-'));
  // initdb and postgres refuse to run as root: as root, run them as Debian's postgres user.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    fs.chownSync(dir, uid, gid);
  }
  const command = (file: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, file), ...args]] : [path.join(bin, file), args];
  const data = path.join(dir, 'data');
  const [initCmd, initArgs] = command('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  execFileSync(initCmd, initArgs, { stdio: 'pipe' });
  const port = await freePort();
  const [cmd, args] = command('postgres', [
    '-D', data, '-p', String(port), '-k', dir,
    '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'max_connections=300',
  ]);
  const server = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  server.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  server.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  await waitUntilAccepting(url, server, () => output);
  return {
    url,
    stop: async () => {
      if (server.exitCode === null) {
        const exited = new Promise((r) => server.once('exit', r));
        // pg_ctl's fast shutdown, rather than a signal: as root the server runs under runuser,
        // which does not pass SIGINT on.
        const [stopCmd, stopArgs] = command('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
        execFileSync(stopCmd, stopArgs, { stdio: 'pipe' });
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  buildOnce();
  const given = process.env['TEST_DATABASE_URL'];
  const cluster = given ? undefined : await startThrowawayCluster();
  project.provide('postgresUrl', given ?? cluster!.url);
  return async () => {
    await cluster?.stop();
  };
}
