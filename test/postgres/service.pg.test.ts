/**
 * The shipped service (`node dist/bundle/main.mjs`, what `npm start` runs) on PostgreSQL, as
 * real processes: two instances on one database share sign-ins (a replayed callback is
 * refused across them) and refresh an expiring token exactly once between them; `GET /`
 * reports the database; credentials are sealed at rest and no issued token is stored in
 * clear; a start without INTEGRATION_ENCRYPTION_KEY or against an unreachable server fails
 * with exit 1, touching nothing and never printing the password.
 */
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AesGcmCipher } from '../../src/adapters/crypto/aes-gcm-cipher.js';
import { DEFAULT_CLIENT_SECRET, startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { expectErrorResponse } from '../support/http.js';
import { login, oauthEnv } from '../support/oauth.js';
import { useFreshDatabases, type TestDatabase } from '../support/postgres.js';
import { callback, connectionOf, STATE_SECRET, tenantHeaders } from '../oauth/support.js';
import {
  ENCRYPTION_KEY,
  everyRowAsText,
  freePort,
  MAIN,
  passwordRefusingServer,
  publicTables,
  redacted,
  runToExit,
  startInstance,
  stopInstance,
  tokenRecordingProxy,
  withClient,
  type Instance,
} from './support.js';

const fresh = useFreshDatabases();

/** The same database under another spelling the configuration accepts (SQLAlchemy's driver-qualified scheme). */
const asSqlAlchemyUrl = (url: string): string => url.replace(/^postgresql:\/\//, 'postgresql+psycopg2://');

describe('two service processes on one PostgreSQL database', () => {
  let fake: FakeAtlassian;
  let proxy: Awaited<ReturnType<typeof tokenRecordingProxy>>;
  let database: TestDatabase;
  let one: Instance | undefined;
  let two: Instance | undefined;

  beforeAll(async () => {
    fake = await startFakeAtlassian();
    // The token endpoint through a recording proxy: the test learns every token the fake issued.
    proxy = await tokenRecordingProxy(fake.url);
    database = await fresh();
    const env = oauthEnv(fake, {
      ATLASSIAN_AUTH_BASE_URL: proxy.url,
      INTEGRATION_ENCRYPTION_KEY: ENCRYPTION_KEY,
      TOKEN_REFRESH_SKEW_SECONDS: '300',
    });
    // Both at once on the empty database, as a rollout would start them: both migrate.
    [one, two] = await Promise.all([
      startInstance({ ...env, INTEGRATION_DB_URL: database.url }),
      startInstance({ ...env, INTEGRATION_DB_URL: asSqlAlchemyUrl(database.url) }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([stopInstance(one), stopInstance(two)]);
    await proxy?.close();
    await fake?.close();
  });

  it('both started on the empty database and applied the schema once between them', async () => {
    expect(await publicTables(database.url)).toEqual(
      expect.arrayContaining(['connections', 'kysely_migration', 'oauth_nonces', 'service_meta']),
    );
    const names = await withClient(database.url, async (c) => (await c.query<{ name: string }>('select name from kysely_migration order by name')).rows);
    expect(names.map((r) => r.name)).toEqual(['0001_connections', '0002_oauth_nonces', '0003_api_keys', '0004_idempotency', '0005_audit', '0006_rate_limits', '0007_events', '0008_event_deliveries', '0009_inbound_sync', '0010_endpoint_leases', '0011_connection_changes']);
  });

  it('each instance hears changes to connection rows before it listens (INTEGRATION_DB_LISTEN, on by default)', () => {
    for (const i of [one!, two!]) {
      const lines = i.output.join('\n');
      expect(lines).toContain('Listening for changes to connection rows');
      expect(lines).not.toContain('Not hearing changes to connection rows');
    }
  });

  it('a sign-in started on one instance completes on the other; its replay on the first is refused (422)', async () => {
    const started = await login(one!.url, { tenant: 'xp' });
    const code = fake.issueAuthorizationCode();
    const res = await callback(two!.url, { state: started.state, code }, started.cookie);
    expect(res.status, await res.clone().text()).toBe(302);
    expect(res.headers.get('location')).toBe('https://app.example/login?connected=jira');
    // The first instance sees the connection the second stored.
    expect((await connectionOf(one!.url, 'xp', 'jira')).connected).toBe(true);
    expect((await connectionOf(one!.url, 'xp', 'confluence')).connected).toBe(true);

    const replay = await callback(one!.url, { state: started.state, code: fake.issueAuthorizationCode() }, started.cookie);
    const body = await expectErrorResponse(replay, 422, 'VALIDATION');
    expect(body.message).toContain('already completed');
    // One code exchanged: the replay never reached Atlassian.
    expect(fake.tokenGrants.authorizationCode).toBe(1);

    const stored = await withClient(database.url, async (c) => ({
      connections: (await c.query<{ connector: string }>("select connector from connections where tenant_id = 'xp' order by connector")).rows,
      nonces: Number((await c.query<{ n: string }>('select count(*) as n from oauth_nonces')).rows[0]!.n),
    }));
    expect(stored.connections.map((r) => r.connector)).toEqual(['confluence', 'jira']);
    expect(stored.nonces).toBe(1); // the state's nonce, consumed in the shared database
  });

  it('an expiring token: 50 concurrent project listings at each instance -> exactly one refresh, all 200', async () => {
    const before = await connectionOf(one!.url, 'xp', 'jira');
    expect(before.connected).toBe(true);
    // Make the stored token expire within the skew (the fake's next token lives an hour).
    const soon = new Date(Date.now() + 30_000).toISOString();
    const updated = await withClient(database.url, (c) => c.query("update connections set expires_at = $1 where tenant_id = 'xp'", [soon]));
    expect(updated.rowCount).toBe(2);

    const refreshes = fake.tokenGrants.refresh;
    const fire = (i: Instance) =>
      Array.from({ length: 50 }, () =>
        fetch(`${i.url}/connectors/jira/projects`, { headers: tenantHeaders('xp') }).then(async (r) => ({ status: r.status, text: await r.text() })),
      );
    const answers = await Promise.all([...fire(one!), ...fire(two!)]);
    expect(answers).toHaveLength(100);
    expect(answers.filter((a) => a.status !== 200).map((a) => a.status), answers.find((a) => a.status !== 200)?.text).toEqual([]);
    expect(fake.tokenGrants.refresh - refreshes).toBe(1);
    expect(fake.tokenGrants.rejectedRefresh).toBe(0);
    expect(fake.isGrantRevoked()).toBe(false);
    // Every listing really came from the fake's projects.
    const keys = fake.jira.projects.map((p) => p.key);
    expect(keys.length).toBeGreaterThan(0);
    for (const a of answers) expect(a.text).toContain(keys[0]!);

    const after = await connectionOf(two!.url, 'xp', 'jira');
    expect(Date.parse(after.expires_at!)).toBeGreaterThan(Date.parse(soon));
    expect(Date.parse(after.refreshed_at!)).toBeGreaterThan(Date.parse(before.refreshed_at!));
    // The lease is given back.
    const leases = await withClient(database.url, async (c) => (await c.query("select refresh_lease_owner from connections where tenant_id = 'xp'")).rows);
    expect(leases).toEqual([{ refresh_lease_owner: null }, { refresh_lease_owner: null }]);
  }, 120_000);

  it('GET / on each instance reports a reachable PostgreSQL database', async () => {
    for (const i of [one!, two!]) {
      const res = await fetch(`${i.url}/`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { status: string; database: unknown };
      expect(body.status).toBe('ok');
      expect(body.database).toEqual({ reachable: true, dialect: 'postgres' });
    }
  });

  it('secrets at rest: credentials sealed (v1.), and no table holds an issued token, the key or the client secret', async () => {
    // The sign-in and the refresh: two token answers, each an access and a refresh token.
    expect(proxy.issued.access).toHaveLength(2);
    expect(proxy.issued.refresh).toHaveLength(2);
    const tokens = [...proxy.issued.access, ...proxy.issued.refresh];

    const rows = await withClient(
      database.url,
      async (c) => (await c.query<{ tenant_id: string; connector: string; credentials: string | null }>('select * from connections order by tenant_id, connector')).rows,
    );
    expect(rows.map((r) => `${r.tenant_id}/${r.connector}`)).toEqual(['xp/confluence', 'xp/jira']);
    const cipher = new AesGcmCipher(Buffer.from(ENCRYPTION_KEY, 'base64'));
    for (const r of rows) {
      expect(r.credentials).toMatch(/^v1\.[0-9a-f]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      // Sealed with the configured key, around the pair the refresh issued last.
      const opened = cipher.decrypt(r.credentials!);
      expect(E.isRight(opened)).toBe(true);
      expect(JSON.parse(E.isRight(opened) ? opened.right : '{}')).toMatchObject({
        kind: 'oauth',
        access_token: proxy.issued.access[1],
        refresh_token: proxy.issued.refresh[1],
      });
    }

    const everything = await everyRowAsText(database.url);
    expect([...everything.keys()]).toEqual(expect.arrayContaining(['connections', 'oauth_nonces', 'service_meta']));
    const text = [...everything.values()].flat().join('\n');
    expect(text).toContain('xp'); // the dump does hold the rows
    const keyBytes = Buffer.from(ENCRYPTION_KEY, 'base64');
    for (const secret of [
      ...tokens,
      DEFAULT_CLIENT_SECRET,
      STATE_SECRET,
      ENCRYPTION_KEY,
      keyBytes.toString('base64url'),
      keyBytes.toString('hex'),
      keyBytes.toString('utf8'),
    ]) {
      expect(text.includes(secret), `a secret (${secret.slice(0, 8)}...) stored in clear`).toBe(false);
    }
    expect(text).not.toMatch(/fake-(at|rt)-/);
  });
});

describe('GET / when the PostgreSQL database goes away', () => {
  let instance: Instance | undefined;
  afterAll(() => stopInstance(instance));

  it('reports 503, degraded, database not reachable, and keeps serving', async () => {
    const database = await fresh();
    instance = await startInstance({ INTEGRATION_DB_URL: database.url, INTEGRATION_ENCRYPTION_KEY: ENCRYPTION_KEY });
    const up = await fetch(`${instance.url}/`);
    expect(up.status).toBe(200);
    expect(((await up.json()) as { database: unknown }).database).toEqual({ reachable: true, dialect: 'postgres' });

    await database.drop(); // WITH (FORCE): the instance's connections are terminated too

    const down = await fetch(`${instance.url}/`);
    const body = (await down.json()) as { status: string; database: unknown };
    expect(down.status).toBe(503);
    expect(body.status).toBe('degraded');
    expect(body.database).toEqual({ reachable: false, dialect: 'postgres' });
    expect(instance.child.exitCode).toBeNull(); // still serving
    expect((await fetch(`${instance.url}/healthz`)).status).toBe(200);
  });
});

describe('refusing to start on PostgreSQL', () => {
  it('without INTEGRATION_ENCRYPTION_KEY: exit 1 naming the variable, and no table is created', async () => {
    const database = await fresh();
    const r = await runToExit(MAIN, [], { INTEGRATION_DB_URL: database.url, HOST: '127.0.0.1', PORT: String(await freePort()) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^integration-backend: failed to start: .*INTEGRATION_ENCRYPTION_KEY must be set/);
    expect(r.stdout).not.toContain('listening');
    expect(await publicTables(database.url)).toEqual([]);
  });

  it('an unreachable server: exit 1, "Cannot reach PostgreSQL at" the URL without its password', async () => {
    const database = await fresh();
    const password = 'pg-unreachable-secret-7c1e';
    const wrong = new URL(database.url);
    wrong.port = String(await freePort()); // nothing listens there
    wrong.password = password;
    const r = await runToExit(MAIN, [], {
      INTEGRATION_DB_URL: wrong.toString(),
      INTEGRATION_ENCRYPTION_KEY: ENCRYPTION_KEY,
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`integration-backend: failed to start: Cannot reach PostgreSQL at ${redacted(wrong.toString())}: `);
    expect(r.stderr).toContain(`:***@${wrong.hostname}:${wrong.port}/`);
    expect(r.stderr).toMatch(/ECONNREFUSED/);
    expect(r.stdout + r.stderr).not.toContain(password);
    expect(r.stdout).not.toContain('listening');
  });

  it('a refused password: exit 1, "Cannot reach PostgreSQL at" with the server\'s reason, never the password', async () => {
    const server = await passwordRefusingServer();
    try {
      const password = 'pg-wrong-password-3fa9d2';
      const url = `postgresql://postgres:${password}@127.0.0.1:${server.port}/integration`;
      const r = await runToExit(MAIN, [], {
        INTEGRATION_DB_URL: url,
        INTEGRATION_ENCRYPTION_KEY: ENCRYPTION_KEY,
        HOST: '127.0.0.1',
        PORT: String(await freePort()),
      });
      // The client really offered this password, and the server refused it.
      expect(server.passwords).toEqual([password]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `integration-backend: failed to start: Cannot reach PostgreSQL at postgresql://postgres:***@127.0.0.1:${server.port}/integration: password authentication failed for user "postgres"\n`,
      );
      expect(r.stdout + r.stderr).not.toContain(password);
    } finally {
      await server.close();
    }
  });

  it('a password given as the ?password= query parameter is offered, refused, and never shown either', async () => {
    const server = await passwordRefusingServer();
    try {
      const password = 'pg-query-password-91be';
      const r = await runToExit(MAIN, [], {
        INTEGRATION_DB_URL: `postgresql://postgres@127.0.0.1:${server.port}/integration?password=${password}&sslmode=disable`,
        INTEGRATION_ENCRYPTION_KEY: ENCRYPTION_KEY,
        HOST: '127.0.0.1',
        PORT: String(await freePort()),
      });
      expect(server.passwords).toEqual([password]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        `Cannot reach PostgreSQL at postgresql://postgres@127.0.0.1:${server.port}/integration?password=***&sslmode=disable: `,
      );
      expect(r.stdout + r.stderr).not.toContain(password);
    } finally {
      await server.close();
    }
  });
});

describe('/readyz on PostgreSQL', () => {
  it('answers 503 (database not reachable) while the server refuses the service, /healthz still 200, and 200 again once it takes it back', async () => {
    const database = await fresh();
    const name = new URL(database.url).pathname.slice(1);
    const server = inject('postgresUrl');
    const instance = await startInstance({ INTEGRATION_DB_URL: database.url, INTEGRATION_ENCRYPTION_KEY: ENCRYPTION_KEY });
    const ready = async () => {
      const res = await fetch(`${instance.url}/readyz`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    try {
      expect(await ready()).toMatchObject({ status: 200, body: { status: 'ready', database: { reachable: true } } });
      // The database takes no connection, and the service's are ended, as a failover or an outage would.
      await withClient(server, async (c) => {
        await c.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
        await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
      });
      const down = await ready();
      expect(down).toMatchObject({ status: 503, body: { status: 'not_ready', database: { reachable: false }, shutting_down: false } });
      expect(JSON.stringify(down.body)).not.toMatch(/password|postgresql:\/\//);
      expect((await fetch(`${instance.url}/healthz`)).status).toBe(200);
      await withClient(server, (c) => c.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`));
      let back = await ready();
      for (let i = 0; i < 50 && back.status !== 200; i += 1) {
        await new Promise((r) => setTimeout(r, 100));
        back = await ready();
      }
      expect(back).toMatchObject({ status: 200, body: { status: 'ready', database: { reachable: true } } });
    } finally {
      await stopInstance(instance);
      await withClient(server, (c) => c.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`));
    }
  }, 60_000);
});
