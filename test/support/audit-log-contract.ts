/**
 * The AuditLog contract: one suite every adapter of the port must pass, run against the
 * in-memory log and SQLite (test/contract) and PostgreSQL (test/postgres), with two logs over
 * one database where the adapter shares one (`second`), as two instances would.
 */
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntry, AuditLog } from '../../src/application/ports/audit-log.js';
import type { AppError } from '../../src/domain/errors.js';
import type { TenantId } from '../../src/domain/tenant.js';

async function ok<T>(te: TE.TaskEither<AppError, T>): Promise<T> {
  const r = await te();
  if (E.isLeft(r)) throw new Error(`expected Right, got ${r.left.code}: ${r.left.message}`);
  return r.right;
}

export interface AuditLogsUnderTest {
  readonly log: AuditLog;
  /** Another log over the same database (another instance), or the same one in memory. */
  readonly second: AuditLog;
  close(): Promise<void>;
}

const entry = (at: string, tenant: string, operation: string, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  at: new Date(at),
  tenantId: tenant as TenantId,
  callerId: 'key:key_abc',
  operation,
  target: 'PROJ-1',
  outcome: 'ok',
  requestId: 'req-1',
  ...extra,
});

export function describeAuditLogContract(name: string, factory: () => Promise<AuditLogsUnderTest>): void {
  describe(`AuditLog contract: ${name}`, () => {
    let sut: AuditLogsUnderTest;
    beforeEach(async () => {
      sut = await factory();
    });
    afterEach(async () => {
      await sut.close();
    });

    it('keeps every field of an entry as appended, null target and request id included', async () => {
      const full = entry('2026-01-01T10:00:00.000Z', 'acme', 'jira_create_issue', { target: 'project_key:OPS', outcome: 'ok', requestId: 'abc-123' });
      const bare = entry('2026-01-01T11:00:00.000Z', 'acme', 'api_key.create', { target: null, requestId: null, outcome: 'FORBIDDEN', callerId: 'open' });
      await ok(sut.log.append(full));
      await ok(sut.log.append(bare));
      expect(await ok(sut.second.list({}))).toEqual([bare, full]);
    });

    it('lists newest first, filtered by tenant and by time, and caps by limit', async () => {
      await ok(sut.log.append(entry('2026-01-01T00:00:00.000Z', 'acme', 'one')));
      await ok(sut.second.append(entry('2026-01-03T00:00:00.000Z', 'globex', 'two')));
      await ok(sut.log.append(entry('2026-01-05T00:00:00.000Z', 'acme', 'three')));
      const ops = async (q: Parameters<AuditLog['list']>[0]) => (await ok(sut.log.list(q))).map((e) => e.operation);
      expect(await ops({})).toEqual(['three', 'two', 'one']);
      expect(await ops({ tenantId: 'acme' as TenantId })).toEqual(['three', 'one']);
      expect(await ops({ since: new Date('2026-01-03T00:00:00.000Z') })).toEqual(['three', 'two']);
      expect(await ops({ tenantId: 'globex' as TenantId, since: new Date('2026-01-04T00:00:00.000Z') })).toEqual([]);
      expect(await ops({ limit: 1 })).toEqual(['three']);
    });

    it('prunes what is older than the cut-off and answers how many', async () => {
      await ok(sut.log.append(entry('2026-01-01T00:00:00.000Z', 'acme', 'old')));
      await ok(sut.log.append(entry('2026-01-02T00:00:00.000Z', 'globex', 'older-too')));
      await ok(sut.log.append(entry('2026-02-01T00:00:00.000Z', 'acme', 'kept')));
      expect(await ok(sut.second.prune(new Date('2026-01-15T00:00:00.000Z')))).toBe(2);
      expect((await ok(sut.log.list({}))).map((e) => e.operation)).toEqual(['kept']);
      expect(await ok(sut.log.prune(new Date('2026-01-15T00:00:00.000Z')))).toBe(0);
      // The cut-off itself is kept.
      expect(await ok(sut.log.prune(new Date('2026-02-01T00:00:00.000Z')))).toBe(0);
    });
  });
}
