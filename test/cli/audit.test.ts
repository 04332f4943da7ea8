/**
 * `integration-backend audit list [--tenant T] [--since 7d] [--json]`, the shipped bundle run
 * as a child process on a real SQLite file; and `keys create|revoke` leaving their entries.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/adapters/kysely/database.js';
import { KyselyAuditLog } from '../../src/adapters/kysely/kysely-audit-log.js';
import type { TenantId } from '../../src/domain/tenant.js';
import { runCli } from '../support/cli-process.js';


const cli = (args: readonly string[], env: Record<string, string>) => runCli(args, env);

const HOUR = 3_600_000;

describe('integration-backend audit list', () => {
  let dir: string;
  let env: Record<string, string>;
  const now = Date.now();
  beforeAll(async () => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ib-audit-')));
    const filename = path.join(dir, 'audit.db');
    env = { INTEGRATION_DB_URL: `sqlite:///${filename}`, INTEGRATION_ENCRYPTION_KEY: Buffer.alloc(32, 4).toString('base64') };
    const opened = await openDatabase({ dialect: 'sqlite', filename });
    const log = new KyselyAuditLog(opened.db);
    const seed = [
      { hoursAgo: 240, tenant: 'acme', operation: 'connection.connect', target: 'jira', outcome: 'ok', caller: 'oauth_callback', req: 'r-old' },
      { hoursAgo: 2, tenant: 'globex', operation: 'confluence_create_page', target: 'space_key:ENG', outcome: 'ok', caller: 'jwt:user-7', req: 'r-globex' },
      { hoursAgo: 1, tenant: 'acme', operation: 'jira_create_issue', target: 'project_key:OPS', outcome: 'VALIDATION', caller: 'key:key_abc', req: 'r-new' },
    ];
    for (const s of seed) {
      const r = await log
        .append({ at: new Date(now - s.hoursAgo * HOUR), tenantId: s.tenant as TenantId, callerId: s.caller, operation: s.operation, target: s.target, outcome: s.outcome, requestId: s.req })();
      expect(E.isRight(r)).toBe(true);
    }
    await opened.close();
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists every entry newest first as a table', async () => {
    const r = await cli(['audit', 'list'], env);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^AT\s+TENANT\s+CALLER\s+OPERATION\s+TARGET\s+OUTCOME\s+REQUEST$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(1))).toEqual([
      ['acme', 'key:key_abc', 'jira_create_issue', 'project_key:OPS', 'VALIDATION', 'r-new'],
      ['globex', 'jwt:user-7', 'confluence_create_page', 'space_key:ENG', 'ok', 'r-globex'],
      ['acme', 'oauth_callback', 'connection.connect', 'jira', 'ok', 'r-old'],
    ]);
  });

  it('--tenant, --since and --json narrow and shape it', async () => {
    const acme = await cli(['audit', 'list', '--tenant', 'acme', '--json'], env);
    expect(acme.code, acme.stderr).toBe(0);
    const rows = JSON.parse(acme.stdout) as Array<Record<string, unknown>>;
    expect(rows.map((x) => x['request_id'])).toEqual(['r-new', 'r-old']);
    expect(rows[0]).toEqual({
      at: new Date(now - HOUR).toISOString(),
      tenant_id: 'acme',
      caller: 'key:key_abc',
      operation: 'jira_create_issue',
      target: 'project_key:OPS',
      outcome: 'VALIDATION',
      request_id: 'r-new',
    });
    const recent = await cli(['audit', 'list', '--since', '7d', '--json'], env);
    expect((JSON.parse(recent.stdout) as Array<Record<string, unknown>>).map((x) => x['request_id'])).toEqual(['r-new', 'r-globex']);
    const lastHours = await cli(['audit', 'list', '--tenant', 'acme', '--since', '90m', '--json'], env);
    expect((JSON.parse(lastHours.stdout) as Array<Record<string, unknown>>).map((x) => x['request_id'])).toEqual(['r-new']);
    const none = await cli(['audit', 'list', '--tenant', 'initech'], env);
    expect(none).toEqual({ code: 0, stdout: 'No audit entries for tenant initech.\n', stderr: '' });
  });

  it('refuses a bad --since or --tenant with exit 2 and the usage', async () => {
    const since = await cli(['audit', 'list', '--since', 'last week'], env);
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('--since must be a number of days, hours or minutes');
    const tenant = await cli(['audit', 'list', '--tenant', 'bad tenant!'], env);
    expect(tenant.code).toBe(2);
    const sub = await cli(['audit', 'show'], env);
    expect(sub.code).toBe(2);
    expect(sub.stderr).toContain('Unknown subcommand: audit show');
  });

  it('keys create and keys revoke leave entries with the caller cli, never the key', async () => {
    const created = await cli(['keys', 'create', '--tenant', 'acme', '--scopes', 'read'], env);
    expect(created.code, created.stderr).toBe(0);
    const key = created.stdout.trim();
    const id = /Created (key_\S+) /.exec(created.stderr)![1]!;
    expect((await cli(['keys', 'revoke', id], env)).code).toBe(0);
    const r = await cli(['audit', 'list', '--tenant', 'acme', '--since', '1h', '--json'], env);
    const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(rows.slice(0, 2).map((x) => [x['caller'], x['operation'], x['target'], x['outcome']])).toEqual([
      ['cli', 'api_key.revoke', id, 'ok'],
      ['cli', 'api_key.create', null, 'ok'],
    ]);
    expect(r.stdout).not.toContain(key.slice(4));
  });
});
