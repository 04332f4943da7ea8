/**
 * The `integration-backend` executable (dist/bundle/cli.mjs) against PostgreSQL, as a real
 * child process: `migrate` creates the schema on an empty database and then finds it up to
 * date; `connections list` (table and --json) shows the stored connections and never a token,
 * key or sealed value, changing nothing; it refuses a database without the schema (or behind
 * on migrations) and leaves it as it was; an unreachable server is named without its password.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { acmeView, connectionsFixture, EMAIL, globexView, SEEDED_TABLE, tableRows } from '../support/connections-fixture.js';
import { useFreshDatabases } from '../support/postgres.js';
import { CLI, ENCRYPTION_KEY, freePort, publicTables, redacted, runToExit, withClient, type Exited } from './support.js';

const fresh = useFreshDatabases();

const cli = (args: readonly string[], env: Record<string, string>): Promise<Exited> => runToExit(CLI, args, env, 20_000);

/**
 * The URL with a password in it, so messages can be checked for it. The throwaway cluster
 * trusts every login and ignores it; a URL that already has one keeps its own.
 */
const withPassword = (url: string): string => {
  const u = new URL(url);
  if (u.password === '') u.password = 'cli-pg-password-91d3e0';
  return u.toString();
};
const passwordOf = (url: string): string => decodeURIComponent(new URL(url).password);

const migrationNames = (url: string): Promise<string[]> =>
  withClient(url, async (c) => (await c.query<{ name: string }>('select name from kysely_migration order by name')).rows.map((r) => r.name));

describe('migrate on PostgreSQL', () => {
  it('applies both migrations to an empty database, then says it is up to date', async () => {
    const database = await fresh();
    const url = withPassword(database.url);
    expect(await publicTables(url)).toEqual([]);

    const first = await cli(['migrate'], { INTEGRATION_DB_URL: url });
    expect(first).toEqual({ code: 0, stdout: `Migrated ${redacted(url)}: applied 0001_connections, 0002_oauth_nonces, 0003_api_keys, 0004_idempotency, 0005_audit, 0006_rate_limits, 0007_events, 0008_event_deliveries, 0009_inbound_sync, 0010_endpoint_leases, 0011_connection_changes.\n`, stderr: '' });
    expect(first.stdout).toContain(':***@');
    expect(first.stdout).not.toContain(passwordOf(url));
    expect(await publicTables(url)).toEqual(expect.arrayContaining(['connections', 'kysely_migration', 'oauth_nonces', 'service_meta']));
    expect(await migrationNames(url)).toEqual(['0001_connections', '0002_oauth_nonces', '0003_api_keys', '0004_idempotency', '0005_audit', '0006_rate_limits', '0007_events', '0008_event_deliveries', '0009_inbound_sync', '0010_endpoint_leases', '0011_connection_changes']);

    // postgres:// is the same database: nothing left to do.
    const second = await cli(['migrate'], { INTEGRATION_DB_URL: url.replace(/^postgresql:/, 'postgres:') });
    expect(second).toEqual({ code: 0, stdout: `${redacted(url)} is up to date; nothing to apply.\n`, stderr: '' });
    expect(await migrationNames(url)).toEqual(['0001_connections', '0002_oauth_nonces', '0003_api_keys', '0004_idempotency', '0005_audit', '0006_rate_limits', '0007_events', '0008_event_deliveries', '0009_inbound_sync', '0010_endpoint_leases', '0011_connection_changes']);
  });

  it('an unreachable server: exit 1, "Cannot reach PostgreSQL at" the URL without its password', async () => {
    const database = await fresh();
    const wrong = new URL(withPassword(database.url));
    wrong.port = String(await freePort());
    const r = await cli(['migrate'], { INTEGRATION_DB_URL: wrong.toString() });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^integration-backend: Cannot reach PostgreSQL at /);
    expect(r.stderr).toContain(`Cannot reach PostgreSQL at ${redacted(wrong.toString())}: `);
    expect(r.stderr).not.toContain(passwordOf(wrong.toString()));
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('connections list on PostgreSQL', () => {
  const fixture = connectionsFixture('pg-cli', ENCRYPTION_KEY);
  const { ACCESS, REFRESH, API_TOKEN } = fixture;

  let url: string;
  let env: Record<string, string>;
  /** The `credentials` column of every row, as stored. */
  let sealed: string[];

  const snapshot = (): Promise<unknown[]> =>
    withClient(url, async (c) => (await c.query('select * from connections order by tenant_id, connector')).rows);

  beforeAll(async () => {
    url = withPassword((await fresh()).url);
    env = { INTEGRATION_DB_URL: url, INTEGRATION_ENCRYPTION_KEY: ENCRYPTION_KEY };
    await fixture.seed({ dialect: 'postgres', url, display: redacted(url) });
    sealed = await withClient(url, async (c) =>
      (await c.query<{ credentials: string }>('select credentials from connections order by tenant_id, connector')).rows.map((r) => r.credentials),
    );
    fixture.expectSealedTokens(sealed);
  });

  /** No token, no key, no password, no sealed value (nor its ciphertext) in anything the CLI wrote. */
  const expectNoSecrets = (r: Exited): void => {
    const output = r.stdout + r.stderr;
    const key = Buffer.from(ENCRYPTION_KEY, 'base64');
    for (const secret of [ACCESS, REFRESH, API_TOKEN, ENCRYPTION_KEY, key.toString('base64url'), key.toString('utf8'), passwordOf(url)]) {
      expect(output.includes(secret), `a secret (${secret.slice(0, 8)}...) in the output`).toBe(false);
    }
    for (const value of sealed) {
      expect(output, 'a sealed credentials value in the output').not.toContain(value);
      expect(output).not.toContain(value.split('.')[4]!); // v1.<fingerprint>.<iv>.<tag>.<ciphertext>
    }
    expect(output).not.toMatch(/v1\.[0-9a-f]{16}\./);
    expect(output).not.toMatch(/credentials|access_token|refresh_token|"token"|grant-acme|refresh_lease/);
    expect(output).not.toContain(EMAIL);
  };

  it("a table of every tenant's connections, no secret", async () => {
    const r = await cli(['connections', 'list'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expectNoSecrets(r);
    expect(tableRows(r.stdout)).toEqual(SEEDED_TABLE);
  });

  it('--json: the connection views, every tenant or one (--tenant), no secret', async () => {
    const all = await cli(['connections', 'list', '--json'], env);
    expect(all.stderr).toBe('');
    expect(all.code).toBe(0);
    expectNoSecrets(all);
    // toStrictEqual: not one key more than the view (no credentials, grant or lease columns).
    expect(JSON.parse(all.stdout)).toStrictEqual([acmeView('confluence'), acmeView('jira'), globexView]);

    const acme = await cli(['connections', 'list', '--json', '--tenant', 'acme'], env);
    expect(acme.code).toBe(0);
    expectNoSecrets(acme);
    expect(JSON.parse(acme.stdout)).toStrictEqual([acmeView('confluence'), acmeView('jira')]);

    const none = await cli(['connections', 'list', '--tenant', 'initech'], env);
    expect(none).toEqual({ code: 0, stdout: 'No connections for tenant initech.\n', stderr: '' });
  });

  it('listing changes nothing in the database', async () => {
    const before = await snapshot();
    expect(before).toHaveLength(3);
    expect((await cli(['connections', 'list'], env)).code).toBe(0);
    expect((await cli(['connections', 'list', '--json'], env)).code).toBe(0);
    expect(await snapshot()).toEqual(before);
  });

  it('an empty (unmigrated) database: exit 1, "not an integration-backend database", and it is left without tables', async () => {
    const empty = withPassword((await fresh()).url);
    for (const args of [['connections', 'list'], ['connections', 'list', '--json', '--tenant', 'acme']]) {
      const r = await cli(args, { INTEGRATION_DB_URL: empty, INTEGRATION_ENCRYPTION_KEY: ENCRYPTION_KEY });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `integration-backend: ${redacted(empty)} is not an integration-backend database (it has no migration history); run "integration-backend migrate" to create one.\n`,
      );
      expect(r.stderr).not.toContain(passwordOf(empty));
    }
    expect(await publicTables(empty)).toEqual([]);
  });

  it('a database behind on migrations: exit 1 naming them, and nothing is migrated', async () => {
    const behind = (await fresh()).url;
    expect((await cli(['migrate'], { INTEGRATION_DB_URL: behind })).code).toBe(0);
    await withClient(behind, async (c) => {
      await c.query('drop table oauth_nonces');
      await c.query("delete from kysely_migration where name = '0002_oauth_nonces'");
    });
    const r = await cli(['connections', 'list'], { INTEGRATION_DB_URL: behind });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`integration-backend: ${redacted(behind)} needs migrations 0002_oauth_nonces; run "integration-backend migrate" first.\n`);
    expect(await publicTables(behind)).not.toContain('oauth_nonces');
    expect(await migrationNames(behind)).toEqual(['0001_connections', '0003_api_keys', '0004_idempotency', '0005_audit', '0006_rate_limits', '0007_events', '0008_event_deliveries', '0009_inbound_sync', '0010_endpoint_leases', '0011_connection_changes']);
  });
});
