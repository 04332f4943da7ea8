/**
 * `integration-backend events list [--tenant T] [--failed] [--json]` and `events redeliver ID`,
 * the shipped bundle run as a child process on a real SQLite file.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../../src/adapters/kysely/database.js';
import { KyselyEventDeliveries } from '../../src/adapters/kysely/kysely-event-deliveries.js';
import { KyselyEventOutbox } from '../../src/adapters/kysely/kysely-event-outbox.js';
import type { NewEvent } from '../../src/domain/events.js';
import type { TenantId } from '../../src/domain/tenant.js';
import { runCli } from '../support/cli-process.js';


const cli = (args: readonly string[], env: Record<string, string>) => runCli(args, env);

describe('integration-backend events', () => {
  let dir: string;
  let env: Record<string, string>;
  let opened: OpenedDatabase;
  const ids: Record<'ok' | 'dead' | 'retrying' | 'other', string> = { ok: randomUUID(), dead: randomUUID(), retrying: randomUUID(), other: randomUUID() };
  beforeAll(async () => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ib-events-')));
    const filename = path.join(dir, 'events.db');
    env = { INTEGRATION_DB_URL: `sqlite:///${filename}`, INTEGRATION_ENCRYPTION_KEY: Buffer.alloc(32, 4).toString('base64') };
    opened = await openDatabase({ dialect: 'sqlite', filename });
    const ev = (id: string, tenant: string): NewEvent => ({ id, type: 'connection.connected', tenantId: tenant as TenantId, connector: 'jira', occurredAt: new Date(), data: {} });
    await new KyselyEventOutbox(opened.db).record([ev(ids.ok, 'acme'), ev(ids.dead, 'acme'), ev(ids.retrying, 'acme'), ev(ids.other, 'globex')])();
    const deliveries = new KyselyEventDeliveries(opened.db);
    const at = new Date();
    const finish = async (id: string, outcome: Parameters<KyselyEventDeliveries['complete']>[3]) => {
      expect(await deliveries.claim('acme' as TenantId, id, 'test', at, new Date(at.getTime() + 60_000))()).toEqual(E.right(true));
      expect(await deliveries.complete('acme' as TenantId, id, 'test', outcome)()).toEqual(E.right(true));
    };
    await finish(ids.ok, { kind: 'delivered', at, result: '204', url: 'https://hooks.example/x' });
    await finish(ids.dead, { kind: 'dead', at, result: '500', url: 'https://hooks.example/x' });
    await finish(ids.retrying, { kind: 'retry', at, nextAttemptAt: new Date(at.getTime() + 5_000), result: 'timeout', url: 'https://hooks.example/x' });
  });
  afterAll(async () => {
    await opened.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists every delivery as a table, or one tenant as JSON', async () => {
    const all = await cli(['events', 'list'], env);
    expect(all.code).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^EVENT\s+TENANT\s+SEQ\s+TYPE\s+STATUS\s+ATTEMPTS\s+LAST\s+NEXT$/);
    expect(lines).toHaveLength(5);
    const json = await cli(['events', 'list', '--tenant', 'acme', '--json'], env);
    const rows = JSON.parse(json.stdout) as Array<{ event_id: string; status: string; attempts: number; last_result: string | null }>;
    expect(rows.map((r) => [r.event_id, r.status, r.last_result])).toEqual([
      [ids.ok, 'delivered', '204'],
      [ids.dead, 'dead', '500'],
      [ids.retrying, 'pending', 'timeout'],
    ]);
  });

  it('--failed lists the dead and the retrying ones only', async () => {
    const r = await cli(['events', 'list', '--failed', '--json'], env);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as Array<{ event_id: string }>).map((x) => x.event_id)).toEqual([ids.dead, ids.retrying]);
  });

  it('redeliver puts a dead or delivered event back to pending; an unknown id exits 1', async () => {
    for (const id of [ids.dead, ids.ok]) {
      const r = await cli(['events', 'redeliver', id], env);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout).toContain('pending again');
    }
    const rows = JSON.parse((await cli(['events', 'list', '--tenant', 'acme', '--json'], env)).stdout) as Array<{ status: string; attempts: number }>;
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([
      ['pending', 0],
      ['pending', 0],
      ['pending', 1],
    ]);
    const missing = await cli(['events', 'redeliver', 'no-such-event'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no event no-such-event');
    expect((await cli(['events', 'redeliver'], env)).code).toBe(2);
    expect((await cli(['events', 'explode'], env)).code).toBe(2);
  });
});
