/**
 * The EventOutbox contract: one suite every adapter of the port must pass, run against the
 * in-memory outbox and SQLite (test/contract) and PostgreSQL (test/postgres), with two
 * outboxes over one database where the adapter shares one (`second`), as two instances would.
 */
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventOutbox } from '../../src/application/ports/event-outbox.js';
import type { AppError } from '../../src/domain/errors.js';
import type { EventType, NewEvent } from '../../src/domain/events.js';
import type { TenantId } from '../../src/domain/tenant.js';

async function ok<T>(te: TE.TaskEither<AppError, T>): Promise<T> {
  const r = await te();
  if (E.isLeft(r)) throw new Error(`expected Right, got ${r.left.code}: ${r.left.message}`);
  return r.right;
}

export interface EventOutboxesUnderTest {
  readonly outbox: EventOutbox;
  /** Another outbox over the same database (another instance), or the same one in memory. */
  readonly second: EventOutbox;
  /** Moves the outboxes' clock (recorded_at), for pruning. */
  setNow(at: Date): void;
  close(): Promise<void>;
}

const event = (id: string, tenant = 'acme', type: EventType = 'jira.issue.updated', data: Record<string, unknown> = { key: 'ENG-1' }): NewEvent => ({
  id,
  type,
  tenantId: tenant as TenantId,
  connector: type.startsWith('confluence') ? 'confluence' : 'jira',
  occurredAt: new Date('2026-12-01T10:00:00.000Z'),
  data,
});

export function describeEventOutboxContract(name: string, factory: () => Promise<EventOutboxesUnderTest>): void {
  describe(`EventOutbox contract: ${name}`, () => {
    let sut: EventOutboxesUnderTest;
    beforeEach(async () => {
      sut = await factory();
      sut.setNow(new Date('2026-12-01T10:00:01.000Z'));
    });
    afterEach(async () => {
      await sut.close();
    });

    it('numbers a tenant’s events 1, 2, 3 in the order recorded and gives them back with their data', async () => {
      const stored = await ok(sut.outbox.record([event('a', 'acme', 'jira.issue.created', { key: 'ENG-1', fields: { summary: 'Ünïcode ✓' } }), event('b')]));
      await ok(sut.second.record([event('c', 'acme', 'confluence.page.updated', { id: '98311', version: 4 })]));
      expect(stored.map((e) => [e.id, e.sequence])).toEqual([
        ['a', 1],
        ['b', 2],
      ]);
      const listed = await ok(sut.outbox.list({ tenantId: 'acme' as TenantId, limit: 10 }));
      expect(listed.map((e) => [e.id, e.sequence, e.type, e.connector])).toEqual([
        ['a', 1, 'jira.issue.created', 'jira'],
        ['b', 2, 'jira.issue.updated', 'jira'],
        ['c', 3, 'confluence.page.updated', 'confluence'],
      ]);
      expect(listed[0]!.data).toEqual({ key: 'ENG-1', fields: { summary: 'Ünïcode ✓' } });
      expect(listed[0]!.occurredAt.toISOString()).toBe('2026-12-01T10:00:00.000Z');
    });

    it('records an id once: a repeated delivery, or the same change seen twice, is one event', async () => {
      await ok(sut.outbox.record([event('a')]));
      const again = await ok(sut.second.record([event('a'), event('b'), event('b')]));
      expect(again.map((e) => e.id)).toEqual(['b']);
      const listed = await ok(sut.outbox.list({ tenantId: 'acme' as TenantId, limit: 10 }));
      expect(listed.map((e) => [e.id, e.sequence])).toEqual([
        ['a', 1],
        ['b', 2],
      ]);
    });

    it('keeps tenants apart: their own numbering, never another’s events, the same id in two tenants', async () => {
      await ok(sut.outbox.record([event('a', 'acme'), event('a', 'globex'), event('b', 'globex')]));
      const acme = await ok(sut.outbox.list({ tenantId: 'acme' as TenantId, limit: 10 }));
      const globex = await ok(sut.second.list({ tenantId: 'globex' as TenantId, limit: 10 }));
      expect(acme.map((e) => [e.tenantId, e.id, e.sequence])).toEqual([['acme', 'a', 1]]);
      expect(globex.map((e) => [e.tenantId, e.id, e.sequence])).toEqual([
        ['globex', 'a', 1],
        ['globex', 'b', 2],
      ]);
    });

    it('lists after a cursor, by type, and at most limit', async () => {
      await ok(sut.outbox.record(['a', 'b', 'c', 'd', 'e'].map((id, i) => event(id, 'acme', i % 2 === 0 ? 'jira.issue.updated' : 'jira.comment.created'))));
      const page = await ok(sut.outbox.list({ tenantId: 'acme' as TenantId, afterSequence: 1, limit: 2 }));
      expect(page.map((e) => e.id)).toEqual(['b', 'c']);
      const comments = await ok(sut.outbox.list({ tenantId: 'acme' as TenantId, types: ['jira.comment.created'], limit: 10 }));
      expect(comments.map((e) => e.id)).toEqual(['b', 'd']);
      expect(await ok(sut.outbox.list({ tenantId: 'acme' as TenantId, afterSequence: 5, limit: 10 }))).toEqual([]);
    });

    it('two writers for one tenant at once: every event stored once, numbered without a gap or a repeat', async () => {
      const batches = Array.from({ length: 10 }, (_, i) => [event(`x${i}`), event(`y${i}`)]);
      await Promise.all(batches.map((b, i) => ok((i % 2 === 0 ? sut.outbox : sut.second).record(b))));
      const listed = await ok(sut.outbox.list({ tenantId: 'acme' as TenantId, limit: 100 }));
      expect(listed.map((e) => e.sequence)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(new Set(listed.map((e) => e.id)).size).toBe(20);
      // A batch keeps its order: y follows x of the same batch.
      for (let i = 0; i < 10; i++) {
        const x = listed.find((e) => e.id === `x${i}`)!;
        expect(listed.find((e) => e.id === `y${i}`)!.sequence).toBe(x.sequence + 1);
      }
    });

    it('keeps a tenant’s newest event past the retention, so its numbering never starts again', async () => {
      await ok(sut.outbox.record([event('q1', 'quiet'), event('q2', 'quiet')]));
      sut.setNow(new Date('2026-12-20T10:00:00.000Z'));
      expect(await ok(sut.second.prune(new Date('2026-12-15T00:00:00.000Z')))).toBe(1);
      const [next] = await ok(sut.outbox.record([event('q3', 'quiet')]));
      expect(next!.sequence).toBe(3);
      const listed = await ok(sut.outbox.list({ tenantId: 'quiet' as TenantId, afterSequence: 2, limit: 10 }));
      expect(listed.map((e) => e.id)).toEqual(['q3']);
    });

    it('prunes what was recorded before a time, and numbering goes on after the pruned ones', async () => {
      await ok(sut.outbox.record([event('old')]));
      sut.setNow(new Date('2026-12-09T10:00:00.000Z'));
      await ok(sut.outbox.record([event('new')]));
      expect(await ok(sut.second.prune(new Date('2026-12-05T00:00:00.000Z')))).toBe(1);
      await ok(sut.outbox.record([event('newer')]));
      const listed = await ok(sut.outbox.list({ tenantId: 'acme' as TenantId, limit: 10 }));
      expect(listed.map((e) => [e.id, e.sequence])).toEqual([
        ['new', 2],
        ['newer', 3],
      ]);
    });
  });
}
