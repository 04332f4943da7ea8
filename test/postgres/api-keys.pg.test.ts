/**
 * API keys on PostgreSQL with the shipped bundle: a key issued by the command line works on
 * two service processes sharing the database, and once revoked on one it is refused by the
 * other on its very next request. No table holds the key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useFreshDatabases, type TestDatabase } from '../support/postgres.js';
import { CLI, ENCRYPTION_KEY, everyRowAsText, runToExit, startInstance, stopInstance, type Instance } from './support.js';

const fresh = useFreshDatabases();

describe('API keys across two service processes on one PostgreSQL database', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  let one: Instance | undefined;
  let two: Instance | undefined;
  beforeAll(async () => {
    database = await fresh();
    env = { INTEGRATION_DB_URL: database.url, INTEGRATION_ENCRYPTION_KEY: ENCRYPTION_KEY, AUTH_MODE: 'api_key' };
    [one, two] = await Promise.all([startInstance(env), startInstance(env)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([stopInstance(one), stopInstance(two)]);
  });

  const status = async (i: Instance, key: string, init: RequestInit = {}, path = '/connectors'): Promise<number> => {
    const res = await fetch(`${i.url}${path}`, { ...init, headers: { authorization: `Bearer ${key}` } });
    await res.arrayBuffer();
    return res.status;
  };

  it('a key from keys create works on both; revoked through one, the other refuses it at once', async () => {
    const admin = await runToExit(CLI, ['keys', 'create', '--tenant', 'acme', '--scopes', 'read,admin'], env);
    const victim = await runToExit(CLI, ['keys', 'create', '--tenant', 'acme', '--scopes', 'read', '--json'], env);
    expect(admin.code, admin.stderr).toBe(0);
    expect(victim.code, victim.stderr).toBe(0);
    const adminKey = admin.stdout.trim();
    const { key, id } = JSON.parse(victim.stdout) as { key: string; id: string };
    expect(await status(one!, key)).toBe(200);
    expect(await status(two!, key)).toBe(200);
    expect(await status(one!, adminKey, { method: 'DELETE' }, `/auth/keys/${id}`)).toBe(204);
    expect(await status(two!, key)).toBe(401);
    expect(await status(one!, key)).toBe(401);
    expect(await status(two!, adminKey)).toBe(200);

    const listed = await runToExit(CLI, ['keys', 'list', '--json'], env);
    const rows = JSON.parse(listed.stdout) as Array<{ id: string; revoked_at: string | null; last_used_at: string | null }>;
    expect(rows.find((r) => r.id === id)).toMatchObject({ revoked_at: expect.any(String), last_used_at: expect.any(String) });

    const text = [...(await everyRowAsText(database.url)).values()].flat().join('\n');
    for (const k of [key, adminKey]) expect(text).not.toContain(k.slice(4));
    expect(`${one!.output.join('')}${two!.output.join('')}`).not.toContain(key.slice(4));
  });
});
