/**
 * The audit trail on a real service over loopback, against the fake Atlassian: a create over
 * REST, tools/invoke and MCP each leave one entry with its caller, target, outcome and request
 * id; a failed write records its code; reads record nothing; connection changes, proxy writes
 * and API keys are recorded; the raw rows hold no token, key or body; a failing audit store
 * never fails the request; old entries are pruned in the background.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InMemoryAuditLog } from '../../src/adapters/memory/in-memory-audit-log.js';
import type { AuditEntry, AuditLog } from '../../src/application/ports/audit-log.js';
import { AppError } from '../../src/domain/errors.js';
import type { TenantId } from '../../src/domain/tenant.js';
import { callOneWay, client } from '../operations/support.js';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';

const entries = async (svc: TestService, tenant?: string): Promise<readonly AuditEntry[]> => {
  const listed = await svc.service.useCases.audit.list(tenant === undefined ? {} : { tenantId: tenant as TenantId })();
  if (E.isLeft(listed)) throw new Error(listed.left.message);
  return listed.right;
};

const CREATE = { project_key: 'OPS', summary: 'Audit me: a secret-looking summary 7f3a9c' };

describe('the audit trail in open mode (SQLite file)', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let dir: string;
  let file: string;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-'));
    file = path.join(dir, 'audit.db');
    svc = await startTestService({ env: oauthEnv(fake, { INTEGRATION_DB_URL: `sqlite:///${file}` }) });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
    expect((await connect(svc.url, fake, { tenant: 'beta' })).status).toBe(302);
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('records the OAuth connect of each tenant as connection.connect, caller oauth_callback', async () => {
    const acme = await entries(svc, 'acme');
    expect(acme).toEqual([
      expect.objectContaining({ tenantId: 'acme', callerId: 'oauth_callback', operation: 'connection.connect', target: 'jira', outcome: 'ok' }),
    ]);
    expect(acme[0]!.requestId).toMatch(/.+/);
    expect((await entries(svc, 'beta')).map((e) => e.operation)).toEqual(['connection.connect']);
  });

  describe('catalog writes', () => {
    let before = 0;
    beforeEach(async () => {
      before = (await entries(svc, 'acme')).length;
    });
    const added = async () => (await entries(svc, 'acme')).slice(0, (await entries(svc, 'acme')).length - before);

    it('a create over REST leaves one entry: tenant, caller open, operation, target, ok, the request id', async () => {
      const res = await fetch(`${svc.url}/connectors/jira/create`, {
        method: 'POST',
        headers: { 'x-tenant-id': 'acme', 'content-type': 'application/json', 'x-request-id': 'audit-rest-1' },
        body: JSON.stringify(CREATE),
      });
      expect(res.status, await res.clone().text()).toBe(201);
      const news = await added();
      expect(news).toEqual([
        {
          at: expect.any(Date),
          tenantId: 'acme',
          callerId: 'open',
          operation: 'jira_create_issue',
          target: 'project_key:OPS',
          outcome: 'ok',
          requestId: 'audit-rest-1',
        },
      ]);
    });

    it('a create over tools/invoke and over MCP each leave one entry', async () => {
      const tool = await callOneWay(svc.url, 'acme', 'tool', 'jira_create_issue', CREATE);
      expect(tool.ok, JSON.stringify(tool.value)).toBe(true);
      expect(await added()).toEqual([expect.objectContaining({ operation: 'jira_create_issue', callerId: 'open', target: 'project_key:OPS', outcome: 'ok', requestId: expect.any(String) })]);
      before += 1;
      const mcp = await callOneWay(svc.url, 'acme', 'mcp', 'jira_create_issue', CREATE);
      expect(mcp.ok, JSON.stringify(mcp.value)).toBe(true);
      expect(await added()).toEqual([expect.objectContaining({ operation: 'jira_create_issue', callerId: 'open', target: 'project_key:OPS', outcome: 'ok', requestId: expect.any(String) })]);
    });

    it('names the issue of a write by its key, and records a failed write with its code', async () => {
      const ok = await callOneWay(svc.url, 'acme', 'rest', 'jira_add_comment', { issue: 'OPS-1', body: 'Looks good' });
      const missing = await callOneWay(svc.url, 'acme', 'rest', 'jira_add_comment', { issue: 'NOPE-404', body: 'Nobody home' });
      expect(missing.ok).toBe(false);
      const news = await added();
      expect(news.map((e) => [e.operation, e.target, e.outcome])).toEqual([
        ['jira_add_comment', 'NOPE-404', missing.value.code],
        ['jira_add_comment', 'OPS-1', ok.ok ? 'ok' : ok.value.code],
      ]);
      expect(missing.value.code).not.toBe('ok');
    });

    it('a write refused before it runs (bad input) is not a write: the codec refuses it first over REST, and nothing is recorded', async () => {
      const res = await client(svc.url, 'acme').post('/connectors/jira/create', { project_key: 'OPS' });
      expect(res.status).toBe(400);
      expect(await added()).toEqual([]);
    });

    it('reads record nothing, over REST, tools/invoke and MCP', async () => {
      for (const way of ['rest', 'tool', 'mcp'] as const) {
        const r = await callOneWay(svc.url, 'acme', way, 'jira_search_issues', { q: 'login' });
        expect(r.ok, JSON.stringify(r.value)).toBe(true);
      }
      expect((await client(svc.url, 'acme').get('/connectors/jira/proxy/rest/api/3/myself')).status).toBe(200);
      expect((await client(svc.url, 'acme').get('/connectors/jira/connection')).status).toBe(200);
      expect(await added()).toEqual([]);
    });

    it('a write through the proxy is recorded as proxy.<METHOD> on the connector, never its path or body; a refused one with its code', async () => {
      const res = await client(svc.url, 'acme').post('/connectors/jira/proxy/rest/api/3/issue/OPS-1/comment', { body: 'via proxy 55aa' });
      const news = await added();
      expect(news).toEqual([expect.objectContaining({ operation: 'proxy.POST', target: 'jira', callerId: 'open' })]);
      // Atlassian answered (whatever its status, passed on as it is): the proxy's own outcome is ok.
      expect(res.status).toBeLessThan(500);
      expect(news[0]!.outcome).toBe('ok');
      before += 1;
      const refused = await client(svc.url, 'acme').post('/connectors/jira/proxy/rest/api/3/../../secret', { body: 'x' });
      expect(refused.status).toBeGreaterThanOrEqual(400);
      expect(await added()).toEqual([expect.objectContaining({ operation: 'proxy.POST', target: 'jira', outcome: refused.body.code })]);
    });
  });

  it('connection changes: rotate, an unknown site (its code), and disconnect', async () => {
    const api = client(svc.url, 'beta');
    const rotated = await api.patch('/connectors/jira/connection', { rotate: true });
    expect(rotated.status, rotated.text).toBe(200);
    const wrongSite = await api.patch('/connectors/jira/connection', { cloud_id: 'no-such-site' });
    expect(wrongSite.status).toBe(400);
    expect((await api.delete('/connectors/confluence/connection')).status).toBe(204);
    const beta = await entries(svc, 'beta');
    expect(beta.slice(0, 3).map((e) => [e.operation, e.target, e.outcome, e.callerId])).toEqual([
      ['connection.delete', 'confluence', 'ok', 'open'],
      ['connection.switch_site', 'jira', 'VALIDATION', 'open'],
      ['connection.rotate', 'jira', 'ok', 'open'],
    ]);
  });

  it('the raw database files hold no token, no body text and no secret', async () => {
    const raw = new SQLite(file, { readonly: true });
    let rows: unknown[];
    try {
      rows = raw.prepare('SELECT * FROM audit_log').all();
    } finally {
      raw.close();
    }
    expect(rows.length).toBeGreaterThan(5);
    const text = JSON.stringify(rows);
    const access = await svc.service.useCases.access.access('acme' as TenantId, 'jira')();
    if (E.isLeft(access)) throw new Error(access.left.message);
    const token = access.right.authorization.replace(/^Bearer /, '');
    expect(token.length).toBeGreaterThan(8);
    for (const secret of [token, '7f3a9c', 'Looks good', 'Nobody home', '55aa', 'secret-looking']) {
      expect(text).not.toContain(secret);
    }
    expect(Object.keys(rows[0] as object).sort()).toEqual(['at', 'caller_id', 'id', 'operation', 'outcome', 'request_id', 'target', 'tenant_id']);
  });
});

describe('the audit trail with API keys', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake, { AUTH_MODE: 'api_key' }) });
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  it('names the key as the caller, and records keys created and revoked over REST without the key', async () => {
    const created = await svc.service.useCases.apiKeys.create({ tenantId: 'acme' as TenantId, scopes: ['read', 'write', 'admin'] })();
    if (E.isLeft(created)) throw new Error(created.left.message);
    const { key, view } = created.right;
    const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const issued = await fetch(`${svc.url}/auth/keys`, { method: 'POST', headers: auth, body: JSON.stringify({ scopes: ['read'], name: 'reader' }) });
    expect(issued.status).toBe(201);
    const reader = (await issued.json()) as { id: string; key: string };
    expect((await fetch(`${svc.url}/auth/keys/${reader.id}`, { method: 'DELETE', headers: auth })).status).toBe(204);
    const disconnect = await fetch(`${svc.url}/connectors/jira/connection`, { method: 'DELETE', headers: auth });
    expect(disconnect.status).toBe(204);
    const acme = await entries(svc, 'acme');
    expect(acme.map((e) => [e.callerId, e.operation, e.target, e.outcome])).toEqual([
      [`key:${view.id}`, 'connection.delete', 'jira', 'ok'],
      [`key:${view.id}`, 'api_key.revoke', reader.id, 'ok'],
      [`key:${view.id}`, 'api_key.create', null, 'ok'],
    ]);
    const text = JSON.stringify(acme);
    expect(text).not.toContain(key.slice(4));
    expect(text).not.toContain(reader.key.slice(4));
  });

  it('a tenant key naming another tenant is refused and recorded for its own tenant only', async () => {
    const created = await svc.service.useCases.apiKeys.create({ tenantId: 'acme' as TenantId, scopes: ['admin'] })();
    if (E.isLeft(created)) throw new Error(created.left.message);
    const before = (await entries(svc, 'globex')).length;
    const res = await fetch(`${svc.url}/auth/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${created.right.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scopes: ['read'], tenant: 'globex' }),
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect((await entries(svc, 'globex')).length).toBe(before);
    expect((await entries(svc, 'acme'))[0]).toMatchObject({ operation: 'api_key.create', callerId: `key:${created.right.view.id}` });
  });
});

describe('an audit store that fails', () => {
  it('never fails the request: the write is answered and a warning logged', async () => {
    const fake = await startFakeAtlassian();
    const failing: AuditLog = {
      append: () => TE.left(AppError.internal('disk full')),
      list: () => TE.right([]),
      prune: () => TE.right(0),
    };
    const svc = await startTestService({ env: oauthEnv(fake), overrides: { auditLog: failing } });
    try {
      expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
      const res = await callOneWay(svc.url, 'acme', 'rest', 'jira_create_issue', CREATE);
      expect(res.ok, JSON.stringify(res.value)).toBe(true);
      const warnings = svc.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['msg'] === 'audit entry could not be written');
      expect(warnings.map((w) => w['operation'])).toEqual(['connection.connect', 'jira_create_issue']);
      expect(warnings[0]!['level']).toBe('warn');
      expect(svc.logText()).not.toContain('7f3a9c');
    } finally {
      await svc.close();
      await fake.close();
    }
  });
});

describe('retention', () => {
  it('prunes entries older than AUDIT_RETENTION_DAYS in the background, and stops on close', async () => {
    let now = new Date('2026-03-01T00:00:00.000Z');
    const log = new InMemoryAuditLog();
    const entry = (at: string, operation: string): AuditEntry => ({
      at: new Date(at),
      tenantId: 'acme' as TenantId,
      callerId: 'open',
      operation,
      target: 'jira',
      outcome: 'ok',
      requestId: null,
    });
    await log.append(entry('2026-01-01T00:00:00.000Z', 'old'))();
    await log.append(entry('2026-02-20T00:00:00.000Z', 'recent'))();
    const svc = await startTestService({
      env: { AUDIT_RETENTION_DAYS: '30' },
      overrides: { auditLog: log, clock: { now: () => now }, auditPruneIntervalMs: 20 },
    });
    const operations = async () => {
      const r = await log.list({})();
      return E.isRight(r) ? r.right.map((e) => e.operation) : [];
    };
    try {
      await expect.poll(operations, { timeout: 2000 }).toEqual(['recent']);
      now = new Date('2026-04-01T00:00:00.000Z');
      await expect.poll(operations, { timeout: 2000 }).toEqual([]);
    } finally {
      await svc.close();
    }
    await log.append(entry('2026-01-01T00:00:00.000Z', 'after close'))();
    await new Promise((r) => setTimeout(r, 100));
    expect(await operations()).toEqual(['after close']);
  });
});
