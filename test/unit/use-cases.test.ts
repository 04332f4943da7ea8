import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { InMemoryConnectionStore } from '../../src/adapters/memory/in-memory-connection-store.js';
import { DeleteConnection } from '../../src/application/delete-connection.js';
import { GetConnection } from '../../src/application/get-connection.js';
import { GetServiceHealth, type ServiceFacts } from '../../src/application/get-service-health.js';
import { ListConnectors } from '../../src/application/list-connectors.js';
import type { Clock } from '../../src/application/ports/clock.js';
import type { ConnectionDraft } from '../../src/application/ports/connection-store.js';
import { notConnectedView } from '../../src/domain/connection.js';
import { AppError } from '../../src/domain/errors.js';
import type { TenantId } from '../../src/domain/tenant.js';

const A = 'tenant-a' as TenantId;
const B = 'tenant-b' as TenantId;
const NOW = new Date('2025-06-01T12:00:00.000Z');
const clock: Clock = { now: () => NOW };

const draft = (over: Partial<ConnectionDraft> = {}): ConnectionDraft => ({
  tenantId: A,
  connector: 'jira',
  authType: 'oauth',
  status: 'active',
  siteUrl: 'https://acme.atlassian.net',
  cloudId: 'cloud-1',
  sites: [{ cloudId: 'cloud-1', name: 'acme', url: 'https://acme.atlassian.net', scopes: ['read:jira-work'] }],
  scopes: ['read:jira-work'],
  grantId: 'g-1',
  expiresAt: new Date('2025-06-01T13:00:00.000Z'),
  refreshedAt: null,
  credentials: 'v1.sealed',
  ...over,
});

const JIRA_VIEW_A = {
  connector: 'jira',
  connected: true,
  auth_type: 'oauth',
  status: 'active',
  site_url: 'https://acme.atlassian.net',
  cloud_id: 'cloud-1',
  sites: [{ cloud_id: 'cloud-1', name: 'acme', url: 'https://acme.atlassian.net' }],
  scopes: ['read:jira-work'],
  expires_at: '2025-06-01T13:00:00.000Z',
  refreshed_at: null,
  updated_at: NOW.toISOString(),
};

/** Runs the TaskEither and answers the Either, for assertions on both the tag and the value. */
const run = <A>(te: TE.TaskEither<AppError, A>) => te();

class BrokenStore extends InMemoryConnectionStore {
  override list(): TE.TaskEither<AppError, never> {
    return TE.left(AppError.internal('The connection store is unavailable.'));
  }
  override find(): TE.TaskEither<AppError, never> {
    return TE.left(AppError.internal('The connection store is unavailable.'));
  }
  override delete(): TE.TaskEither<AppError, never> {
    return TE.left(AppError.internal('The connection store is unavailable.'));
  }
  override ping(): TE.TaskEither<AppError, void> {
    return TE.left(AppError.internal('down'));
  }
}

describe('use cases over the in-memory store', () => {
  let connections: InMemoryConnectionStore;
  beforeEach(async () => {
    connections = new InMemoryConnectionStore();
    const seeded = await connections.save(draft(), clock.now())();
    expect(E.isRight(seeded)).toBe(true);
  });

  describe('ListConnectors', () => {
    it("lists every connector with the tenant's state, in connector order", async () => {
      const r = await run(new ListConnectors({ connections }).execute(A));
      expect(E.isRight(r)).toBe(true);
      expect(r).toEqual(E.right([JIRA_VIEW_A, notConnectedView('confluence')]));
    });

    it('shows another tenant nothing', async () => {
      const r = await run(new ListConnectors({ connections }).execute(B));
      expect(E.isRight(r)).toBe(true);
      expect(r).toEqual(E.right([notConnectedView('jira'), notConnectedView('confluence')]));
    });

    it('never carries credentials', async () => {
      const r = await run(new ListConnectors({ connections }).execute(A));
      expect(E.isRight(r)).toBe(true);
      expect(JSON.stringify(r)).not.toContain('v1.sealed');
    });

    it('passes a store failure through', async () => {
      const r = await run(new ListConnectors({ connections: new BrokenStore() }).execute(A));
      expect(r).toEqual(E.left(AppError.internal('The connection store is unavailable.')));
    });
  });

  describe('GetConnection', () => {
    it("answers the tenant's connection view", async () => {
      const r = await run(new GetConnection({ connections }).execute(A, 'jira'));
      expect(E.isRight(r)).toBe(true);
      expect(r).toEqual(E.right(JIRA_VIEW_A));
    });

    it('answers not connected for another connector or tenant', async () => {
      const uc = new GetConnection({ connections });
      const conf = await run(uc.execute(A, 'confluence'));
      expect(E.isRight(conf)).toBe(true);
      expect(conf).toEqual(E.right(notConnectedView('confluence')));
      const other = await run(uc.execute(B, 'jira'));
      expect(E.isRight(other)).toBe(true);
      expect(other).toEqual(E.right(notConnectedView('jira')));
    });

    it('passes a store failure through', async () => {
      const r = await run(new GetConnection({ connections: new BrokenStore() }).execute(A, 'jira'));
      expect(E.isLeft(r)).toBe(true);
      if (E.isLeft(r)) expect(r.left.code).toBe('INTERNAL_ERROR');
    });
  });

  describe('DeleteConnection', () => {
    it('deletes the tenant connection once, then reports nothing deleted', async () => {
      const uc = new DeleteConnection({ connections });
      const first = await run(uc.execute(A, 'jira'));
      expect(E.isRight(first)).toBe(true);
      expect(first).toEqual(E.right({ deleted: true }));
      const gone = await connections.find(A, 'jira')();
      expect(gone).toEqual(E.right(undefined));
      const second = await run(uc.execute(A, 'jira'));
      expect(E.isRight(second)).toBe(true);
      expect(second).toEqual(E.right({ deleted: false }));
    });

    it("does not touch another tenant's connection", async () => {
      const r = await run(new DeleteConnection({ connections }).execute(B, 'jira'));
      expect(E.isRight(r)).toBe(true);
      expect(r).toEqual(E.right({ deleted: false }));
      const still = await connections.find(A, 'jira')();
      expect(E.isRight(still)).toBe(true);
      if (E.isRight(still)) expect(still.right?.credentials).toBe('v1.sealed');
    });

    it('passes a store failure through', async () => {
      const r = await run(new DeleteConnection({ connections: new BrokenStore() }).execute(A, 'jira'));
      expect(E.isLeft(r)).toBe(true);
      if (E.isLeft(r)) expect(r.left.code).toBe('INTERNAL_ERROR');
    });
  });
});

describe('GetServiceHealth', () => {
  const facts: ServiceFacts = {
    name: 'integration-backend',
    version: '9.8.7',
    startedAt: new Date('2025-06-01T11:58:59.600Z'),
    databaseDialect: 'sqlite',
    oauthConfigured: true,
  };

  it('reports ok with uptime, the facts and a reachable database', async () => {
    const health = await new GetServiceHealth({ database: new InMemoryConnectionStore(), clock, facts }).execute()();
    expect(health).toEqual({
      status: 'ok',
      service: 'integration-backend',
      version: '9.8.7',
      uptime_seconds: 60,
      database: { reachable: true, dialect: 'sqlite' },
      connectors: [
        { id: 'jira', oauth_configured: true },
        { id: 'confluence', oauth_configured: true },
      ],
      time: NOW.toISOString(),
    });
  });

  it('reports degraded when the store does not answer', async () => {
    const health = await new GetServiceHealth({
      database: new BrokenStore(),
      clock,
      facts: { ...facts, oauthConfigured: false },
    }).execute()();
    expect(health.status).toBe('degraded');
    expect(health.database).toEqual({ reachable: false, dialect: 'sqlite' });
    expect(health.connectors).toEqual([
      { id: 'jira', oauth_configured: false },
      { id: 'confluence', oauth_configured: false },
    ]);
  });
});
