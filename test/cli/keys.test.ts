/**
 * `integration-backend keys create|list|revoke`, the shipped bundle run as a child process on
 * a real SQLite file, and the service (api_key mode, same file) honouring what it wrote.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/service.js';
import { runCli } from '../support/cli-process.js';


const cli = (args: readonly string[], env: Record<string, string>) => runCli(args, env);

describe('integration-backend keys', () => {
  let dir: string;
  let env: Record<string, string>;
  let svc: TestService;
  beforeAll(async () => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ib-keys-')));
    env = { INTEGRATION_DB_URL: `sqlite:///${path.join(dir, 'keys.db')}`, INTEGRATION_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64') };
    expect((await cli(['migrate'], env)).code).toBe(0);
    svc = await startTestService({ env: { ...env, AUTH_MODE: 'api_key' } });
  });
  afterAll(async () => {
    await svc.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('create prints the key alone on stdout, once; list never shows it; revoke stops it in the running service at once', async () => {
    const created = await cli(['keys', 'create', '--tenant', 'acme', '--scopes', 'read,write', '--name', 'ci bot', '--expires', '90d'], env);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^ibk_[A-Za-z0-9_-]{43}\n$/);
    const key = created.stdout.trim();
    expect(created.stderr).toMatch(/^Created key_\S+ for tenant acme, scopes read, write, expires \d{4}-\d\d-\d\dT/);
    const id = /Created (key_\S+) /.exec(created.stderr)![1]!;

    const ok = await fetch(`${svc.url}/connectors`, { headers: { authorization: `Bearer ${key}` } });
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();

    const listed = await cli(['keys', 'list', '--tenant', 'acme'], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^ID +NAME +TENANT +SCOPES +CREATED +LAST USED +EXPIRES +REVOKED\n/);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain('ci bot');
    expect(listed.stdout).not.toContain(key.slice(4));
    const json = JSON.parse((await cli(['keys', 'list', '--json'], env)).stdout) as Array<Record<string, unknown>>;
    expect(json).toEqual([expect.objectContaining({ id, tenant_id: 'acme', scopes: ['read', 'write'], revoked_at: null })]);
    expect(typeof json[0]!['last_used_at']).toBe('string');

    const revoked = await cli(['keys', 'revoke', id], env);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`^Revoked ${id} at `));
    const refused = await fetch(`${svc.url}/connectors`, { headers: { authorization: `Bearer ${key}` } });
    expect(refused.status).toBe(401);
    await refused.arrayBuffer();
    expect((await cli(['keys', 'revoke', 'key_nope'], env))).toMatchObject({ code: 1, stderr: 'integration-backend: No API key key_nope.\n' });

    // The database files hold no key.
    const raw = Buffer.concat(fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f))));
    expect(raw.includes(Buffer.from(key.slice(4)))).toBe(false);
  });

  it('an operator key from the command line manages keys over REST and nothing else', async () => {
    const created = await cli(['keys', 'create', '--operator', '--scopes', 'admin', '--json'], env);
    expect(created.code, created.stderr).toBe(0);
    const { key, operator, tenant_id } = JSON.parse(created.stdout) as { key: string; operator: boolean; tenant_id: string | null };
    expect({ operator, tenant_id }).toEqual({ operator: true, tenant_id: null });
    const list = await fetch(`${svc.url}/auth/keys`, { headers: { authorization: `Bearer ${key}` } });
    expect(list.status).toBe(200);
    await list.arrayBuffer();
    const data = await fetch(`${svc.url}/connectors`, { headers: { authorization: `Bearer ${key}` } });
    expect(data.status).toBe(403);
    await data.arrayBuffer();
  });

  it.each([
    ['no scopes', ['keys', 'create', '--tenant', 'acme'], /--scopes is required/],
    ['an unknown scope', ['keys', 'create', '--tenant', 'acme', '--scopes', 'read,root'], /--scopes must list read, write or admin; not root/],
    ['no tenant', ['keys', 'create', '--scopes', 'read'], /--tenant <id> is required/],
    ['an operator key with a tenant', ['keys', 'create', '--operator', '--tenant', 'acme', '--scopes', 'admin'], /leave out --tenant/],
    ['a bad expiry', ['keys', 'create', '--tenant', 'acme', '--scopes', 'read', '--expires', 'soon'], /--expires must be/],
    ['revoke without an id', ['keys', 'revoke'], /keys revoke needs the id/],
    ['an unknown subcommand', ['keys', 'rotate'], /Unknown subcommand: keys rotate/],
  ])('refuses %s as a usage error (exit 2)', async (_what, args, message) => {
    const r = await cli(args, env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});
