import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { configFrom, loadConfig, parseDatabaseUrl } from '../../src/composition/config.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

const leftOf = <A>(r: E.Either<string, A>): string => {
  expect(E.isLeft(r)).toBe(true);
  return E.isLeft(r) ? r.left : '';
};

describe('configuration defaults', () => {
  it('decodes an empty environment to the documented defaults', () => {
    const r = loadConfig({});
    expect(E.isRight(r)).toBe(true);
    if (!E.isRight(r)) return;
    const c = r.right;
    expect(c.port).toBe(3001);
    expect(c.host).toBe('0.0.0.0');
    expect(c.database).toEqual({ dialect: 'sqlite', filename: path.resolve('integration.db'), listen: true });
    expect(c.database.dialect === 'sqlite' && path.isAbsolute(c.database.filename)).toBe(true);
    expect(c.bodyLimitBytes).toBe(1024 * 1024);
    expect(c.logLevel).toBe('info');
    expect(c.corsOrigins).toEqual([]);
    expect(c.frontendUrl).toBe('http://localhost:3000');
    expect(c.enableJiraPat).toBe(false);
    expect(c.oauth).toMatchObject({ clientId: '', clientSecret: '', redirectUri: '', pkce: false });
  });

  it('treats blank variables as unset', () => {
    expect(configFrom({ PORT: '  ', HOST: '', LOG_LEVEL: '' })).toMatchObject({
      port: 3001,
      host: '0.0.0.0',
      logLevel: 'info',
    });
  });

  it('decodes given values', () => {
    const c = configFrom({
      PORT: '8080',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      BODY_LIMIT_BYTES: '2048',
      BACKEND_CORS_ORIGINS: 'https://a.example, https://b.example,',
      ENABLE_JIRA_PAT: 'TRUE',
      INTEGRATION_DB_URL: 'sqlite:////var/lib/app/x.db',
    });
    expect(c).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      logLevel: 'debug',
      bodyLimitBytes: 2048,
      corsOrigins: ['https://a.example', 'https://b.example'],
      enableJiraPat: true,
      database: { dialect: 'sqlite', filename: '/var/lib/app/x.db' },
    });
  });

  it('accepts the PORT bounds 0 and 65535', () => {
    expect(configFrom({ PORT: '0' }).port).toBe(0);
    expect(configFrom({ PORT: '65535' }).port).toBe(65535);
  });
});

describe('configuration refusals', () => {
  it.each(['abc', '70000', '-1', '30.5', '3001abc', '65536'])(
    'refuses PORT=%s naming PORT and the expected range',
    (port) => {
      const msg = leftOf(loadConfig({ PORT: port }));
      expect(msg).toContain('PORT');
      expect(msg).toContain('an integer from 0 to 65535');
    },
  );

  it('refuses a bad LOG_LEVEL naming the allowed levels', () => {
    const msg = leftOf(loadConfig({ LOG_LEVEL: 'verbose' }));
    expect(msg).toContain('LOG_LEVEL');
    expect(msg).toContain('one of fatal, error, warn, info, debug, trace, silent');
  });

  it('reports every problem at once', () => {
    const msg = leftOf(
      loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud', BODY_LIMIT_BYTES: '10', ENABLE_JIRA_PAT: 'maybe' }),
    );
    for (const name of ['PORT', 'LOG_LEVEL', 'BODY_LIMIT_BYTES', 'ENABLE_JIRA_PAT']) expect(msg).toContain(name);
    expect(msg).toContain('true or false');
  });

  it('refuses a bad INTEGRATION_DB_URL with a message that reads well', () => {
    const msg = leftOf(loadConfig({ INTEGRATION_DB_URL: 'mysql://db.example/app' }));
    expect(msg).toContain('INTEGRATION_DB_URL');
    expect(msg).toContain('unsupported scheme "mysql"');
    expect(msg).not.toMatch(/must be (uses|must)/);
    const msg2 = leftOf(loadConfig({ INTEGRATION_DB_URL: 'garbage' }));
    expect(msg2).toContain('INTEGRATION_DB_URL must look like sqlite:///');
    expect(msg2).not.toMatch(/must be (uses|must)/);
  });

  it('passes INTEGRATION_DB_PREPARED_STATEMENTS to a PostgreSQL database (on by default) and refuses a value that is not a boolean', () => {
    const pgUrl = 'postgresql://app:s3cret@db.example:5432/integration';
    const on = loadConfig({ INTEGRATION_DB_URL: pgUrl, INTEGRATION_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') });
    expect(E.isRight(on) && on.right.database).toMatchObject({ dialect: 'postgres', preparedStatements: true });
    const off = loadConfig({
      INTEGRATION_DB_URL: pgUrl,
      INTEGRATION_DB_PREPARED_STATEMENTS: 'false',
      INTEGRATION_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    });
    expect(E.isRight(off) && off.right.database).toMatchObject({ dialect: 'postgres', preparedStatements: false });
    const sqlite = loadConfig({ INTEGRATION_DB_PREPARED_STATEMENTS: 'false' });
    expect(E.isRight(sqlite) && sqlite.right.database).not.toHaveProperty('preparedStatements');
    expect(leftOf(loadConfig({ INTEGRATION_DB_PREPARED_STATEMENTS: 'sometimes' }))).toContain('INTEGRATION_DB_PREPARED_STATEMENTS');
  });

  it('passes INTEGRATION_DB_LISTEN to a PostgreSQL or SQLite database (on by default) and refuses a value that is not a boolean', () => {
    const pgUrl = 'postgresql://app:s3cret@db.example:5432/integration';
    const key = Buffer.alloc(32, 7).toString('base64');
    const on = loadConfig({ INTEGRATION_DB_URL: pgUrl, INTEGRATION_ENCRYPTION_KEY: key });
    expect(E.isRight(on) && on.right.database).toMatchObject({ dialect: 'postgres', listen: true });
    const off = loadConfig({ INTEGRATION_DB_URL: pgUrl, INTEGRATION_DB_LISTEN: 'false', INTEGRATION_ENCRYPTION_KEY: key });
    expect(E.isRight(off) && off.right.database).toMatchObject({ dialect: 'postgres', listen: false });
    const sqlite = loadConfig({ INTEGRATION_DB_LISTEN: 'false' });
    expect(E.isRight(sqlite) && sqlite.right.database).toMatchObject({ dialect: 'sqlite', listen: false });
    expect(leftOf(loadConfig({ INTEGRATION_DB_LISTEN: 'maybe' }))).toContain('INTEGRATION_DB_LISTEN');
  });

  it('throws from configFrom with the same message', () => {
    expect(() => configFrom({ PORT: 'abc' })).toThrow(/PORT must be an integer from 0 to 65535/);
  });
});

describe('parseDatabaseUrl', () => {
  it('resolves sqlite:///relative.db against the working directory', () => {
    expect(parseDatabaseUrl('sqlite:///relative.db')).toEqual(
      E.right({ dialect: 'sqlite', filename: path.resolve('relative.db') }),
    );
    expect(parseDatabaseUrl('sqlite:///./data/x.db')).toEqual(
      E.right({ dialect: 'sqlite', filename: path.resolve('data/x.db') }),
    );
  });

  it('keeps sqlite:////abs/path.db absolute', () => {
    expect(parseDatabaseUrl('sqlite:////abs/path.db')).toEqual(
      E.right({ dialect: 'sqlite', filename: '/abs/path.db' }),
    );
  });

  it.each([
    ['postgresql://app:s3cret@db.example:5432/integration', 'postgresql://app:s3cret@db.example:5432/integration', 'postgresql://app:***@db.example:5432/integration'],
    ['postgres://app@db.example/integration', 'postgresql://app@db.example/integration', 'postgresql://app@db.example/integration'],
    // SQLAlchemy's driver-qualified forms, as the FastAPI service's users wrote them.
    ['postgresql+psycopg2://app:pw@db/x?sslmode=require', 'postgresql://app:pw@db/x?sslmode=require', 'postgresql://app:***@db/x?sslmode=require'],
    ['postgresql+asyncpg://app:pw@db/x', 'postgresql://app:pw@db/x', 'postgresql://app:***@db/x'],
    // libpq also takes the password (and the client key's) as query parameters.
    [
      'postgresql://app@db/x?password=hunter2&sslpassword=k3y&sslmode=require',
      'postgresql://app@db/x?password=hunter2&sslpassword=k3y&sslmode=require',
      'postgresql://app@db/x?password=***&sslpassword=***&sslmode=require',
    ],
  ])('understands the PostgreSQL URL %j, shown without its password', (given, url, display) => {
    expect(parseDatabaseUrl(given)).toEqual(E.right({ dialect: 'postgres', url, display }));
  });

  it('understands sqlite:///:memory:', () => {
    expect(parseDatabaseUrl('sqlite:///:memory:')).toEqual(E.right({ dialect: 'sqlite', filename: ':memory:' }));
  });

  it.each([
    ['mysql://x', /unsupported scheme "mysql"; expected sqlite:\/\/\/relative\.db, .* or postgresql:\/\/user:password@host:5432\/database/],
    ['postgresql://', /not a valid PostgreSQL URL|must name the PostgreSQL host/],
    ['postgresql://db.example', /must name the PostgreSQL database/],
    ['postgresql://db.example/', /must name the PostgreSQL database/],
    [
      'sqlite://nope',
      /must look like sqlite:\/\/\/relative\.db, sqlite:\/\/\/\/absolute\/path\.db, sqlite:\/\/\/:memory: or postgresql:\/\//,
    ],
    ['garbage', /must look like sqlite:\/\/\//],
    ['sqlite:///', /must look like sqlite:\/\/\//],
    ['', /must look like sqlite:\/\/\//],
  ])('refuses %j with a clear message', (url, message) => {
    const msg = leftOf(parseDatabaseUrl(url));
    expect(msg).toMatch(/^INTEGRATION_DB_URL /);
    expect(msg).toMatch(message);
  });
});

describe('the entry point', () => {
  const run = (env: Record<string, string>) =>
    new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: REPO,
        env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stderr, stdout });
      });
    });

  it('exits non-zero on PORT=abc, naming PORT on stderr without a stack trace', async () => {
    const { code, stderr, stdout } = await run({ PORT: 'abc' });
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(stderr).toContain('PORT must be an integer from 0 to 65535');
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout).not.toContain('listening');
  });

  it('with PostgreSQL and no INTEGRATION_ENCRYPTION_KEY, refuses to start before connecting, saying why', async () => {
    // Port 1 on loopback: nothing listens, so reaching the connect step would say "Cannot reach".
    const { code, stderr } = await run({ INTEGRATION_DB_URL: 'postgresql://app:s3cret@127.0.0.1:1/integration' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/INTEGRATION_DB_URL is PostgreSQL, so INTEGRATION_ENCRYPTION_KEY must be set/);
    expect(stderr).not.toContain('Cannot reach');
    expect(stderr).not.toContain('s3cret');
  });

  it('with an unreachable PostgreSQL server, stops with a message naming it without the password', async () => {
    const { code, stderr, stdout } = await run({
      INTEGRATION_DB_URL: 'postgresql://app:s3cret@127.0.0.1:1/integration',
      INTEGRATION_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/failed to start: Cannot reach PostgreSQL at postgresql:\/\/app:\*\*\*@127\.0\.0\.1:1\/integration: /);
    expect(stderr + stdout).not.toContain('s3cret');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('exits non-zero on an unsupported INTEGRATION_DB_URL, naming it', async () => {
    const { code, stderr } = await run({ INTEGRATION_DB_URL: 'mysql://x' });
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(stderr).toContain('INTEGRATION_DB_URL');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
