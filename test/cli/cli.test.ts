/**
 * The `integration-backend` executable (package.json "bin": dist/bundle/cli.mjs, built by
 * test/support/build-once.ts), run as a real child process on real SQLite files: help and
 * version, usage errors (exit 2), `migrate`, `connections list` (never a token), and `serve`.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmeView, connectionsFixture, EMAIL, globexView, SEEDED_AT, SEEDED_TABLE, tableRows } from '../support/connections-fixture.js';
import { waitForListening } from '../support/process.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'dist/bundle/cli.mjs');
const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment a child gets: nothing from ours but PATH and HOME, plus `env`. */
const childEnv = (env: Record<string, string>): Record<string, string> => ({
  PATH: process.env['PATH'] ?? '',
  HOME: process.env['HOME'] ?? '',
  ...env,
});

/** Runs the bin to completion. */
function cli(args: readonly string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? os.tmpdir(),
      env: childEnv(opts.env ?? {}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`integration-backend ${args.join(' ')} did not exit within 15 s: ${stdout}${stderr}`));
    }, 15_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A fresh directory (its real path: the CLI prints paths resolved against its cwd). */
const tempDir = (prefix: string): string => fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
const dirs: string[] = [];
const newDir = (prefix = 'ib-cli-'): string => {
  const dir = tempDir(prefix);
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const dbUrl = (file: string): string => `sqlite:///${file}`; // an absolute path: four slashes

const tablesOf = (file: string): string[] => {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    return (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]
    ).map((r) => r.name);
  } finally {
    db.close();
  }
};

const COMMANDS = ['serve', 'migrate', 'mcp --tenant <id>', 'connections list [--tenant <id>]'];

describe('help and version', () => {
  const helpForms = [
    ['--help'],
    ['-h'],
    ['help'],
    ['migrate', '--help'],
    ['serve', '-h'],
    ['mcp', '--help'],
    ['connections', '--help'],
    ['connections', 'list', '--help'],
  ];
  it.each(helpForms.map((args) => [args.join(' '), args] as const))(
    '`%s` prints the usage, listing every command, on stdout and exits 0',
    async (_title, args) => {
      const r = await cli(args);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^Usage: integration-backend <command> \[options\]\n/);
      for (const command of COMMANDS)
        expect(r.stdout).toMatch(new RegExp(`^ {2}${command.replace(/[[\]]/g, '\\$&')} `, 'm'));
      expect(r.stdout).toContain('--json');
      expect(r.stdout).toContain('-v, --version');
      expect(r.stdout).toContain('docs/configuration.md');
    },
  );

  it('every form of help prints the same text', async () => {
    const outputs = await Promise.all([['--help'], ['-h'], ['help'], ['migrate', '--help']].map((a) => cli(a)));
    expect(outputs[0]!.stdout).toMatch(/^Usage: /);
    for (const r of outputs) expect(r.stdout).toBe(outputs[0]!.stdout);
  });

  it.each([['--version'], ['-v']])('%s prints the version from package.json and exits 0', async (flag) => {
    const r = await cli([flag]);
    expect(r).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('wrong usage: exit 2, the problem and the usage on stderr, nothing on stdout, nothing touched', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(() => {
    dir = newDir('ib-cli-usage-');
    // Were any of these to run its command, it would open (and create) this file.
    env = { INTEGRATION_DB_URL: dbUrl(path.join(dir, 'usage.db')) };
  });

  it.each<[string, string[], RegExp]>([
    ['no command', [], /No command given/],
    ['an unknown command', ['frobnicate'], /Unknown command: frobnicate/],
    ['an unknown top-level option', ['--frobnicate'], /Unknown option: --frobnicate/],
    ['an unknown flag', ['connections', 'list', '--bogus'], /unknown option '--bogus'/i],
    ['a stray argument', ['migrate', 'extra'], /unexpected argument 'extra'/i],
    ['a stray argument after serve', ['serve', '3001'], /unexpected argument '3001'/i],
    ['a stray argument after help', ['help', 'migrate'], /Unexpected argument: migrate/],
    ['a stray argument after --version', ['--version', 'now'], /Unexpected argument: now/],
    ['connections without a subcommand', ['connections'], /connections needs a subcommand: list/],
    ['connections with an unknown subcommand', ['connections', 'delete'], /Unknown subcommand: connections delete/],
    ['mcp without --tenant', ['mcp'], /--tenant <id> is required/],
    ['mcp with --tenant but no value', ['mcp', '--tenant'], /--tenant/],
    ['mcp with an invalid tenant', ['mcp', '--tenant', 'bad id!'], /--tenant must be 1-128 characters/],
    [
      'connections list with an invalid tenant',
      ['connections', 'list', '--tenant', 'bad id!'],
      /--tenant must be 1-128 characters/,
    ],
    [
      'connections list with a tenant too long',
      ['connections', 'list', '-t', 'x'.repeat(129)],
      /--tenant must be 1-128 characters/,
    ],
    [
      'connections list with an empty tenant',
      ['connections', 'list', '--tenant='],
      /--tenant must be 1-128 characters/,
    ],
    ['--json given a value', ['connections', 'list', '--json=yes'], /--json/],
  ])('%s', async (_name, args, message) => {
    const r = await cli(args, { env, cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const [first, ...rest] = r.stderr.split('\n');
    expect(first).toMatch(/^integration-backend: /);
    expect(first).toMatch(message);
    expect(rest.join('\n')).toContain('Usage: integration-backend <command> [options]');
    for (const command of ['serve', 'migrate', 'mcp --tenant <id>', 'connections list'])
      expect(r.stderr).toContain(command);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('migrate', () => {
  it('creates the SQLite file with the schema on a fresh path, then finds it up to date', async () => {
    const dir = newDir();
    const file = path.join(dir, 'nested', 'deeper', 'app.db');
    const env = { INTEGRATION_DB_URL: dbUrl(file) };

    const first = await cli(['migrate'], { env });
    expect(first).toEqual({
      code: 0,
      stdout: `Migrated ${file}: applied 0001_connections, 0002_oauth_nonces, 0003_api_keys, 0004_idempotency, 0005_audit, 0006_rate_limits, 0007_events, 0008_event_deliveries, 0009_inbound_sync, 0010_endpoint_leases, 0011_connection_changes.\n`,
      stderr: '',
    });
    expect(fs.existsSync(file)).toBe(true);
    expect(tablesOf(file)).toEqual(
      expect.arrayContaining(['connections', 'oauth_nonces', 'service_meta', 'kysely_migration']),
    );
    const migrationsDb = new SQLite(file, { readonly: true });
    try {
      expect(migrationsDb.prepare('SELECT name FROM kysely_migration ORDER BY name').all()).toEqual([
        { name: '0001_connections' },
        { name: '0002_oauth_nonces' },
        { name: '0003_api_keys' },
        { name: '0004_idempotency' },
        { name: '0005_audit' },
        { name: '0006_rate_limits' },
        { name: '0007_events' },
        { name: '0008_event_deliveries' },
        { name: '0009_inbound_sync' },
        { name: '0010_endpoint_leases' },        { name: '0011_connection_changes' },
      ]);
    } finally {
      migrationsDb.close();
    }

    const second = await cli(['migrate'], { env });
    expect(second).toEqual({ code: 0, stdout: `${file} is up to date; nothing to apply.\n`, stderr: '' });
  });

  it('without INTEGRATION_DB_URL uses ./integration.db in the working directory', async () => {
    const dir = newDir();
    const r = await cli(['migrate'], { cwd: dir });
    expect(r).toEqual({
      code: 0,
      stdout: `Migrated ${path.join(dir, 'integration.db')}: applied 0001_connections, 0002_oauth_nonces, 0003_api_keys, 0004_idempotency, 0005_audit, 0006_rate_limits, 0007_events, 0008_event_deliveries, 0009_inbound_sync, 0010_endpoint_leases, 0011_connection_changes.\n`,
      stderr: '',
    });
    expect(tablesOf(path.join(dir, 'integration.db'))).toEqual(
      expect.arrayContaining(['connections', 'oauth_nonces', 'kysely_migration']),
    );
  });

  it('a relative sqlite:/// URL is resolved against the working directory', async () => {
    const dir = newDir();
    const r = await cli(['migrate'], { cwd: dir, env: { INTEGRATION_DB_URL: 'sqlite:///data/rel.db' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `Migrated ${path.join(dir, 'data', 'rel.db')}: applied 0001_connections, 0002_oauth_nonces, 0003_api_keys, 0004_idempotency, 0005_audit, 0006_rate_limits, 0007_events, 0008_event_deliveries, 0009_inbound_sync, 0010_endpoint_leases, 0011_connection_changes.\n`,
    );
    expect(fs.existsSync(path.join(dir, 'data', 'rel.db'))).toBe(true);
  });

  it.each<[string, Record<string, string>, RegExp]>([
    [
      'an unsupported database scheme',
      { INTEGRATION_DB_URL: 'mysql://user:pw@db.example/app' },
      /INTEGRATION_DB_URL uses the unsupported scheme "mysql"/,
    ],
    [
      'a malformed database URL',
      { INTEGRATION_DB_URL: 'integration.db' },
      /INTEGRATION_DB_URL must look like sqlite:\/\/\/relative\.db/,
    ],
    ['any other bad variable', { PORT: 'eighty' }, /PORT must be an integer from 0 to 65535/],
  ])(
    'bad configuration (%s) exits 1 with the configuration message, no usage, nothing created',
    async (_name, env, message) => {
      const dir = newDir();
      for (const args of [['migrate'], ['connections', 'list'], ['mcp', '--tenant', 'acme']]) {
        const r = await cli(args, { cwd: dir, env });
        expect(r.code, args.join(' ')).toBe(1);
        expect(r.stdout).toBe('');
        expect(r.stderr).toMatch(/^integration-backend: Invalid configuration: /);
        expect(r.stderr).toMatch(message);
        expect(r.stderr).not.toContain('Usage:');
        expect(r.stderr.trim().split('\n')).toHaveLength(1); // the message, not a stack trace
      }
      expect(fs.readdirSync(dir)).toEqual([]);
    },
  );
});

describe('connections list', () => {
  const KEY = randomBytes(32).toString('base64');
  const fixture = connectionsFixture('cli-test', KEY);
  const { ACCESS, REFRESH, API_TOKEN } = fixture;

  let dir: string;
  let file: string;
  let env: Record<string, string>;
  /** The `credentials` column of every row, as stored. */
  let sealed: string[];

  beforeAll(async () => {
    dir = newDir('ib-cli-list-');
    file = path.join(dir, 'seeded.db');
    env = { INTEGRATION_DB_URL: dbUrl(file), INTEGRATION_ENCRYPTION_KEY: KEY };
    await fixture.seed({ dialect: 'sqlite', filename: file });
    const raw = new SQLite(file, { readonly: true });
    try {
      sealed = (
        raw.prepare('SELECT credentials FROM connections ORDER BY tenant_id, connector').all() as {
          credentials: string;
        }[]
      ).map((r) => r.credentials);
    } finally {
      raw.close();
    }
    fixture.expectSealedTokens(sealed);
  });

  /** No token, no key, no sealed value (nor a piece of one) in anything the CLI wrote. */
  const expectNoSecrets = (r: Result): void => {
    const output = r.stdout + r.stderr;
    for (const secret of [ACCESS, REFRESH, API_TOKEN, KEY, Buffer.from(KEY, 'base64').toString('base64url')]) {
      expect(output, 'a secret in the output').not.toContain(secret);
    }
    for (const value of sealed) {
      expect(output, 'a sealed credentials value in the output').not.toContain(value);
      // v1.<fingerprint>.<iv>.<tag>.<ciphertext>: not even the ciphertext alone.
      expect(output).not.toContain(value.split('.')[4]!);
    }
    expect(output).not.toMatch(/credentials|access_token|refresh_token|"token"/);
    expect(output).not.toContain(EMAIL);
  };

  it("without --tenant: a table of every tenant's connections, columns aligned, no token", async () => {
    const r = await cli(['connections', 'list'], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expectNoSecrets(r);
    expect(tableRows(r.stdout)).toEqual(SEEDED_TABLE);
    // Each column starts where its heading does.
    const lines = r.stdout.trimEnd().split('\n');
    const header = lines[0]!;
    for (const line of lines.slice(1)) {
      expect(line.indexOf('https://')).toBe(header.indexOf('SITE'));
      expect(line.indexOf(SEEDED_AT.toISOString())).toBe(header.indexOf('UPDATED'));
    }
  });

  it("--tenant: only that tenant's rows", async () => {
    const acme = await cli(['connections', 'list', '--tenant', 'acme'], { env });
    expect(acme.code).toBe(0);
    expect(acme.stderr).toBe('');
    expectNoSecrets(acme);
    expect(tableRows(acme.stdout).map((row) => row.slice(0, 4))).toEqual([
      ['TENANT', 'CONNECTOR', 'STATUS', 'AUTH'],
      ['acme', 'confluence', 'active', 'oauth'],
      ['acme', 'jira', 'active', 'oauth'],
    ]);
    expect(acme.stdout).not.toContain('globex');

    const globex = await cli(['connections', 'list', '-t', 'globex.eu-1'], { env });
    expect(globex.code).toBe(0);
    expectNoSecrets(globex);
    expect(tableRows(globex.stdout).map((row) => row.slice(0, 4))).toEqual([
      ['TENANT', 'CONNECTOR', 'STATUS', 'AUTH'],
      ['globex.eu-1', 'jira', 'active', 'api_token'],
    ]);
    expect(globex.stdout).not.toContain('acme');
  });

  it('--json: the views (with tenant_id), every tenant or one, no token', async () => {
    const all = await cli(['connections', 'list', '--json'], { env });
    expect(all.code).toBe(0);
    expect(all.stderr).toBe('');
    expectNoSecrets(all);
    // toStrictEqual: not one key more than the view (no credentials, grant or lease columns).
    expect(JSON.parse(all.stdout)).toStrictEqual([acmeView('confluence'), acmeView('jira'), globexView]);

    const one = await cli(['connections', 'list', '--json', '--tenant', 'globex.eu-1'], { env });
    expect(one.code).toBe(0);
    expectNoSecrets(one);
    expect(JSON.parse(one.stdout)).toStrictEqual([globexView]);
  });

  it('a tenant without connections: "No connections for tenant X." (and [] with --json)', async () => {
    const table = await cli(['connections', 'list', '--tenant', 'initech'], { env });
    expect(table).toEqual({ code: 0, stdout: 'No connections for tenant initech.\n', stderr: '' });
    const json = await cli(['connections', 'list', '--tenant', 'initech', '--json'], { env });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([]);
  });

  it('an empty database: "No connections."', async () => {
    const empty = path.join(newDir(), 'empty.db');
    const migrated = await cli(['migrate'], { env: { INTEGRATION_DB_URL: dbUrl(empty) } });
    expect(migrated.code).toBe(0);
    expect(await cli(['connections', 'list'], { env: { INTEGRATION_DB_URL: dbUrl(empty) } })).toEqual({
      code: 0,
      stdout: 'No connections.\n',
      stderr: '',
    });
  });

  it('listing changes nothing in the database', async () => {
    const snapshot = (): unknown[] => {
      const db = new SQLite(file, { readonly: true });
      try {
        return db.prepare('SELECT * FROM connections ORDER BY tenant_id, connector').all();
      } finally {
        db.close();
      }
    };
    const before = snapshot();
    expect(before).toHaveLength(3);
    expect((await cli(['connections', 'list'], { env })).code).toBe(0);
    expect(snapshot()).toEqual(before);
  });

  it("another application's SQLite file: exit 1, and the file is left exactly as it was", async () => {
    const foreign = path.join(newDir(), 'other-app.db');
    const db = new SQLite(foreign);
    db.exec("CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO things (name) VALUES ('a');");
    db.close();
    const before = fs.readFileSync(foreign);
    const r = await cli(['connections', 'list'], { env: { INTEGRATION_DB_URL: dbUrl(foreign) } });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `integration-backend: ${foreign} is not an integration-backend database (it has no migration history); run "integration-backend migrate" to create one.\n`,
    );
    expect(tablesOf(foreign)).toEqual(['things']);
    expect(fs.readFileSync(foreign).equals(before)).toBe(true);
    expect(fs.existsSync(`${foreign}-wal`)).toBe(false);
  });

  it('a database behind on migrations: exit 1 naming them, and nothing is migrated', async () => {
    const behind = path.join(newDir(), 'behind.db');
    expect((await cli(['migrate'], { env: { INTEGRATION_DB_URL: dbUrl(behind) } })).code).toBe(0);
    const db = new SQLite(behind);
    db.exec("DROP TABLE oauth_nonces; DELETE FROM kysely_migration WHERE name = '0002_oauth_nonces';");
    db.close();
    const r = await cli(['connections', 'list'], { env: { INTEGRATION_DB_URL: dbUrl(behind) } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`integration-backend: ${behind} needs migrations 0002_oauth_nonces; run "integration-backend migrate" first.\n`);
    expect(tablesOf(behind)).not.toContain('oauth_nonces');
  });

  it('an in-memory database: exit 1 for list and migrate, which would have nothing to act on', async () => {
    for (const args of [['connections', 'list'], ['migrate']]) {
      const r = await cli(args, { env: { INTEGRATION_DB_URL: 'sqlite:///:memory:' } });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^integration-backend: INTEGRATION_DB_URL names an in-memory database/);
    }
  });

  it('a missing database file: exit 1, says to run migrate, and creates neither the file nor its directory', async () => {
    const missingDir = path.join(newDir(), 'not-yet');
    const missing = path.join(missingDir, 'absent.db');
    for (const args of [
      ['connections', 'list'],
      ['connections', 'list', '--json', '--tenant', 'acme'],
    ]) {
      const r = await cli(args, { env: { INTEGRATION_DB_URL: dbUrl(missing), INTEGRATION_ENCRYPTION_KEY: KEY } });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `integration-backend: There is no database at ${missing}; start the service or run "integration-backend migrate" first.\n`,
      );
    }
    expect(fs.existsSync(missing)).toBe(false);
    expect(fs.existsSync(missingDir)).toBe(false);
  });
});

describe('serve', () => {
  it('starts the HTTP service on PORT, answers /health, and exits 0 on SIGTERM', async () => {
    const dir = newDir('ib-cli-serve-');
    const file = path.join(dir, 'served.db');
    // PORT=0: the system picks a free port; the start line says which.
    const child = spawn(process.execPath, [BIN, 'serve'], {
      cwd: dir,
      env: childEnv({
        PORT: '0',
        HOST: '127.0.0.1',
        INTEGRATION_DB_URL: dbUrl(file),
        INTEGRATION_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      const url = await waitForListening(child, { timeoutMs: 15_000, log: () => stderr });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(url).not.toBe('http://127.0.0.1:0');

      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      const detail = (await (await fetch(`${url}/`)).json()) as { version: string; database: { reachable: boolean } };
      expect(detail.version).toBe(VERSION);
      expect(detail.database.reachable).toBe(true);
      // It runs on the configured database: the file now exists with the schema.
      expect(tablesOf(file)).toEqual(expect.arrayContaining(['connections', 'oauth_nonces', 'kysely_migration']));

      child.kill('SIGTERM');
      expect(await exited).toEqual({ code: 0, signal: null });
      expect(stderr).toBe('');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }

    // The schema serve created is the one migrate maintains; the stopped service left no connection.
    expect(await cli(['migrate'], { env: { INTEGRATION_DB_URL: dbUrl(file) } })).toEqual({
      code: 0,
      stdout: `${file} is up to date; nothing to apply.\n`,
      stderr: '',
    });
    expect((await cli(['connections', 'list'], { env: { INTEGRATION_DB_URL: dbUrl(file) } })).stdout).toBe(
      'No connections.\n',
    );
  });

  it('with bad configuration exits 1 with the message instead of listening', async () => {
    const dir = newDir();
    const r = await cli(['serve'], { cwd: dir, env: { PORT: '0', INTEGRATION_DB_URL: 'mysql://db.example/app' } });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^integration-backend: Invalid configuration: INTEGRATION_DB_URL uses the unsupported scheme "mysql"/,
    );
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
