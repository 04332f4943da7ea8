/**
 * The ConnectionStore contract: one suite every adapter of the port must pass. Run here
 * (test/contract) against the in-memory store and SQLite, and by `npm run test:pg`
 * (test/postgres) against PostgreSQL.
 */
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConnectionDraft, ConnectionProbe, ConnectionRepository, ConnectionStore } from '../../src/application/ports/connection-store.js';
import type { ConnectorId } from '../../src/domain/connector.js';
import type { Connection } from '../../src/domain/connection.js';
import type { AppError } from '../../src/domain/errors.js';
import type { EventOutbox } from '../../src/application/ports/event-outbox.js';
import type { NewEvent } from '../../src/domain/events.js';
import type { TenantId } from '../../src/domain/tenant.js';

export const A = 'tenant-a' as TenantId;
const B = 'tenant-b' as TenantId;
export const T0 = new Date('2025-03-04T05:06:07.123Z');

/**
 * The two reads the connection cache makes of a store, counted, for the cache's tests: `reads`
 * says how many of each, and `duringStamp`, when set, runs once a stamp has been read and before
 * the cache sees it (a change made or told while that read is under way).
 */
export const countedReads = (store: Pick<ConnectionRepository, 'find'> & ConnectionProbe) => {
  const counted = {
    reads: { stamps: 0, rows: 0 },
    duringStamp: undefined as (() => unknown) | undefined,
    store: {
      stampOf: (tenantId: TenantId, connector: ConnectorId) => async () => {
        counted.reads.stamps += 1;
        const stamp = await store.stampOf(tenantId, connector)();
        await counted.duringStamp?.();
        return stamp;
      },
      find: (tenantId: TenantId, connector: ConnectorId) => () => {
        counted.reads.rows += 1;
        return store.find(tenantId, connector)();
      },
    },
  };
  return counted;
};
const T1 = new Date('2025-03-04T06:00:00.456Z');
const T2 = new Date('2025-03-04T07:00:00.789Z');

export const draft = (over: Partial<ConnectionDraft> = {}): ConnectionDraft => ({
  tenantId: A,
  connector: 'jira',
  authType: 'oauth',
  status: 'active',
  siteUrl: 'https://acme.atlassian.net',
  cloudId: 'cloud-1',
  sites: [
    {
      cloudId: 'cloud-1',
      name: 'acme',
      url: 'https://acme.atlassian.net',
      scopes: ['read:jira-work', 'write:jira-work'],
    },
    { cloudId: 'cloud-2', name: 'other', url: 'https://other.atlassian.net', scopes: [] },
  ],
  scopes: ['read:jira-work', 'write:jira-work', 'offline_access'],
  grantId: 'grant-1',
  expiresAt: new Date('2025-03-04T06:06:07.000Z'),
  refreshedAt: new Date('2025-03-04T05:00:00.001Z'),
  credentials: 'v1.sealed.credentials-blob',
  ...over,
});

/** Runs a TaskEither that must succeed and answers its value. */
export async function ok<A>(te: TE.TaskEither<AppError, A>): Promise<A> {
  const r = await te();
  if (E.isLeft(r)) throw new Error(`expected Right, got ${r.left.code}: ${r.left.message}`);
  expect(E.isRight(r)).toBe(true);
  return r.right;
}

export interface StoreUnderTest {
  readonly store: ConnectionStore;
  /** Where the store records its writes' events (issue 14); absent: the event cases are skipped. */
  readonly events?: Pick<EventOutbox, 'list'>;
  close(): Promise<void>;
}

export function describeConnectionStoreContract(name: string, factory: () => Promise<StoreUnderTest>): void {
  describe(`ConnectionStore contract: ${name}`, () => {
    let sut: StoreUnderTest;
    let store: ConnectionStore;
    beforeEach(async () => {
      sut = await factory();
      store = sut.store;
    });
    afterEach(() => sut.close());

    it('finds nothing for a missing connection', async () => {
      expect(await ok(store.find(A, 'jira'))).toBeUndefined();
      expect(await ok(store.list(A))).toEqual([]);
    });

    it('saves and finds the same connection, dates and arrays round-tripping', async () => {
      const d = draft();
      const saved = await ok(store.save(d, T0));
      const expected: Connection = { ...d, createdAt: T0, updatedAt: T0, version: 1 };
      expect(saved).toEqual(expected);
      const found = await ok(store.find(A, 'jira'));
      expect(found).toEqual(expected);
      expect(found?.expiresAt).toBeInstanceOf(Date);
      expect(found?.expiresAt?.getTime()).toBe(d.expiresAt?.getTime());
      expect(found?.createdAt.getTime()).toBe(T0.getTime());
    });

    it('round-trips nulls and empty arrays', async () => {
      const d = draft({
        connector: 'confluence',
        authType: 'pat',
        siteUrl: null,
        cloudId: null,
        sites: [],
        scopes: [],
        grantId: null,
        expiresAt: null,
        refreshedAt: null,
        credentials: null,
      });
      await ok(store.save(d, T0));
      expect(await ok(store.find(A, 'confluence'))).toEqual({ ...d, createdAt: T0, updatedAt: T0, version: 1 });
    });

    it('replaces on a second save, keeps createdAt and bumps the version', async () => {
      await ok(store.save(draft(), T0));
      const d2 = draft({
        siteUrl: 'https://new.atlassian.net',
        scopes: ['read:jira-work'],
        credentials: 'v1.sealed.other',
      });
      const saved = await ok(store.save(d2, T1));
      const expected: Connection = { ...d2, createdAt: T0, updatedAt: T1, version: 2 };
      expect(saved).toEqual(expected);
      expect(await ok(store.find(A, 'jira'))).toEqual(expected);
      expect(await ok(store.list(A))).toHaveLength(1);
      expect((await ok(store.save(d2, T2))).version).toBe(3);
    });

    it('updates with the current version, bumping it', async () => {
      const current = await ok(store.save(draft(), T0));
      const next: Connection = {
        ...current,
        status: 'needs_reauth',
        siteUrl: 'https://moved.atlassian.net',
        credentials: 'v1.rotated',
      };
      const updated = await ok(store.update(next, T1));
      const expected: Connection = { ...next, updatedAt: T1, version: current.version + 1 };
      expect(updated).toEqual(expected);
      expect(await ok(store.find(A, 'jira'))).toEqual(expected);
    });

    it('refuses an update with a stale version and changes nothing', async () => {
      const v1 = await ok(store.save(draft(), T0));
      const v2 = await ok(store.update({ ...v1, credentials: 'v1.first-writer' }, T1));
      expect(v2?.version).toBe(2);
      const lost = await ok(
        store.update({ ...v1, credentials: 'v1.second-writer', siteUrl: 'https://lost.example' }, T2),
      );
      expect(lost).toBeUndefined();
      expect(await ok(store.find(A, 'jira'))).toEqual(v2);
    });

    it('refuses an update of a missing row', async () => {
      const ghost: Connection = { ...draft(), createdAt: T0, updatedAt: T0, version: 1 };
      expect(await ok(store.update(ghost, T1))).toBeUndefined();
      expect(await ok(store.find(A, 'jira'))).toBeUndefined();
    });

    it('deletes: true once, then false', async () => {
      await ok(store.save(draft(), T0));
      expect(await ok(store.delete(A, 'jira'))).toBe(true);
      expect(await ok(store.find(A, 'jira'))).toBeUndefined();
      expect(await ok(store.delete(A, 'jira'))).toBe(false);
    });

    it('deletes only the named connector', async () => {
      await ok(store.save(draft(), T0));
      await ok(store.save(draft({ connector: 'confluence' }), T0));
      expect(await ok(store.delete(A, 'jira'))).toBe(true);
      expect((await ok(store.find(A, 'confluence')))?.connector).toBe('confluence');
    });

    it('lists per tenant', async () => {
      await ok(store.save(draft(), T0));
      await ok(store.save(draft({ connector: 'confluence', siteUrl: 'https://acme.atlassian.net/wiki' }), T1));
      await ok(store.save(draft({ tenantId: B, siteUrl: 'https://b.atlassian.net' }), T2));
      const listA = [...(await ok(store.list(A)))].sort((x, y) => x.connector.localeCompare(y.connector));
      expect(listA.map((c) => [c.tenantId, c.connector])).toEqual([
        [A, 'confluence'],
        [A, 'jira'],
      ]);
      expect(listA[0]).toEqual({
        ...draft({ connector: 'confluence', siteUrl: 'https://acme.atlassian.net/wiki' }),
        createdAt: T1,
        updatedAt: T1,
        version: 1,
      });
      const listB = await ok(store.list(B));
      expect(listB).toEqual([
        { ...draft({ tenantId: B, siteUrl: 'https://b.atlassian.net' }), createdAt: T2, updatedAt: T2, version: 1 },
      ]);
      expect(await ok(store.list('tenant-c' as TenantId))).toEqual([]);
    });

    it('lists every tenant with listAll, ordered by tenant id (code-unit order) then connector', async () => {
      expect(await ok(store.listAll())).toEqual([]);
      // Saved out of order; 'Zeta' sorts before 'alpha' by code unit (not by locale), and
      // 'tenant-a' before 'tenant-a.b'. A deleted row is gone; one without credentials is listed.
      const rows: ConnectionDraft[] = [
        draft({ tenantId: B, connector: 'jira' }),
        draft({ tenantId: 'tenant-a.b' as TenantId, connector: 'confluence' }),
        draft({ tenantId: A, connector: 'jira', credentials: null, status: 'needs_reauth' }),
        draft({ tenantId: 'alpha' as TenantId, connector: 'jira' }),
        draft({ tenantId: 'alpha' as TenantId, connector: 'confluence' }),
        draft({ tenantId: B, connector: 'confluence', siteUrl: 'https://b.atlassian.net/wiki' }),
        draft({ tenantId: 'Zeta' as TenantId, connector: 'confluence' }),
        draft({ tenantId: A, connector: 'confluence' }),
      ];
      for (const [i, d] of rows.entries()) await ok(store.save(d, new Date(T0.getTime() + i * 1000)));
      await ok(store.save(draft({ tenantId: B, connector: 'jira', siteUrl: 'https://b2.atlassian.net' }), T2));
      await ok(store.delete('alpha' as TenantId, 'jira'));

      const all = await ok(store.listAll());
      expect(all.map((c) => [c.tenantId, c.connector])).toEqual([
        ['Zeta', 'confluence'],
        ['alpha', 'confluence'],
        [A, 'confluence'],
        [A, 'jira'],
        ['tenant-a.b', 'confluence'],
        [B, 'confluence'],
        [B, 'jira'],
      ]);
      // Whole rows, as find answers them: the replaced row at version 2, nulls kept.
      for (const row of all) expect(row).toEqual(await ok(store.find(row.tenantId, row.connector)));
      expect(all.find((c) => c.tenantId === B && c.connector === 'jira')).toMatchObject({
        siteUrl: 'https://b2.atlassian.net',
        version: 2,
        updatedAt: T2,
      });
      expect(all.find((c) => c.tenantId === A && c.connector === 'jira')).toMatchObject({
        credentials: null,
        status: 'needs_reauth',
      });
      // Per-tenant listing is unaffected: still one tenant's rows only.
      expect((await ok(store.list(A))).map((c) => c.tenantId)).toEqual([A, A]);
    });

    it("isolates tenants: B never sees, updates or deletes A's row", async () => {
      const a = await ok(store.save(draft(), T0));
      expect(await ok(store.find(B, 'jira'))).toBeUndefined();
      expect(await ok(store.list(B))).toEqual([]);
      expect(await ok(store.delete(B, 'jira'))).toBe(false);
      expect(await ok(store.update({ ...a, tenantId: B, credentials: 'v1.hijack' }, T1))).toBeUndefined();
      expect(await ok(store.find(A, 'jira'))).toEqual(a);

      // B's own connection to the same connector is a separate row.
      const b = await ok(store.save(draft({ tenantId: B, credentials: 'v1.b-creds' }), T1));
      expect(b.version).toBe(1);
      expect(await ok(store.find(A, 'jira'))).toEqual(a);
      expect(await ok(store.delete(B, 'jira'))).toBe(true);
      expect(await ok(store.find(A, 'jira'))).toEqual(a);
    });

    it('does not confuse tenant ids that differ only by a separator', async () => {
      await ok(store.save(draft({ tenantId: 'a:b' as TenantId }), T0));
      expect(await ok(store.find('a' as TenantId, 'jira'))).toBeUndefined();
      expect(await ok(store.list('a' as TenantId))).toEqual([]);
      expect(await ok(store.list('a:' as TenantId))).toEqual([]);
    });

    it('answers ping', async () => {
      const r = await store.ping()();
      expect(E.isRight(r)).toBe(true);
      expect(r).toEqual(E.right(undefined));
    });

    describe('events written with the change', () => {
      const ev = (type: NewEvent['type'], c: Connection, id = `${type}:${c.connector}:${c.version}`): NewEvent => ({
        id,
        type,
        tenantId: c.tenantId,
        connector: c.connector,
        occurredAt: c.updatedAt,
        data: { version: c.version, status: c.status },
      });
      const recorded = async () => (sut.events ? (await ok(sut.events.list({ tenantId: A, limit: 100 }))).map((e) => [e.type, e.data['version'], e.data['status']]) : []);

      it('records a write\'s events, from the row it wrote, and none when the write changed nothing', async () => {
        if (!sut.events) return;
        const saved = await ok(store.save(draft(), T0, (row) => [ev('connection.connected', row)]));
        const stale = { ...saved, version: saved.version + 5 };
        expect(await ok(store.update(stale, T1, (row) => [ev('connection.site_changed', row)]))).toBeUndefined();
        const updated = await ok(store.update({ ...saved, cloudId: 'cloud-2' }, T1, (row) => [ev('connection.site_changed', row)]));
        expect(updated?.version).toBe(2);
        await ok(store.markNeedsReauth(A, 'grant-1', T2, (rows) => rows.map((r) => ev('connection.needs_reauth', r))));
        // Already marked: no second event.
        await ok(store.markNeedsReauth(A, 'grant-1', T2, (rows) => rows.map((r) => ev('connection.needs_reauth', r, 'again'))));
        expect(await ok(store.delete(A, 'confluence', (row) => [ev('connection.deleted', row)]))).toBe(false);
        expect(await ok(store.delete(A, 'jira', (row) => [ev('connection.deleted', row)]))).toBe(true);
        expect(await recorded()).toEqual([
          ['connection.connected', 1, 'active'],
          ['connection.site_changed', 2, 'active'],
          ['connection.needs_reauth', 3, 'needs_reauth'],
          ['connection.deleted', 4, 'needs_reauth'],
        ]);
      });
    });
  });
}

