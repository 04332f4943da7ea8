/** The audit trail's pieces without HTTP: targets from inputs only, reads untouched, a store that throws. */
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { describe, expect, it } from 'vitest';
import { InMemoryAuditLog } from '../../src/adapters/memory/in-memory-audit-log.js';
import { AuditTrail, auditedOperations, connectionChangeName, targetOf } from '../../src/application/audit.js';
import { OPERATIONS, type BoundOperation } from '../../src/application/catalog/index.js';
import type { AuditLog } from '../../src/application/ports/audit-log.js';
import { AppError } from '../../src/domain/errors.js';
import type { TenantId } from '../../src/domain/tenant.js';

const spec = (name: string) => {
  const found = OPERATIONS.find((o) => o.name === name);
  if (!found) throw new Error(name);
  return found;
};

describe('targetOf', () => {
  it('takes the path parameters, else the project or space of a create, else the connector', () => {
    expect(targetOf(spec('jira_add_comment'), { issue: 'PROJ-12', body: 'hello world' })).toBe('PROJ-12');
    expect(targetOf(spec('jira_create_issue'), { project_key: 'OPS', summary: 'A summary' })).toBe('project_key:OPS');
    expect(targetOf(spec('confluence_create_page'), { space_key: 'ENG', title: 'T', body: 'B' })).toBe('space_key:ENG');
    expect(targetOf(spec('jira_create_issue'), { summary: 'no project' })).toBe('jira');
  });

  it('never keeps free text: a value outside the identifier pattern is left out', () => {
    expect(targetOf(spec('jira_add_comment'), { issue: 'PROJ 12; drop table', body: 'x' })).toBe('jira');
    expect(targetOf(spec('jira_create_issue'), { project_key: 'a'.repeat(129) })).toBe('jira');
  });

  it('names a connection change by what it changes', () => {
    expect(connectionChangeName({ pat: 'secret' })).toBe('connection.save_token');
    expect(connectionChangeName({ cloud_id: 'c' })).toBe('connection.switch_site');
    expect(connectionChangeName({ rotate: true })).toBe('connection.rotate');
    expect(connectionChangeName({})).toBe('connection.update');
  });
});

describe('AuditTrail', () => {
  const clock = { now: () => new Date('2026-01-01T00:00:00.000Z') };
  const warnings: object[] = [];
  const logger = { debug: () => undefined, info: () => undefined, warn: (o: object) => void warnings.push(o), error: () => undefined };

  it('wraps only the writes of the catalog, once each; a read runs as it was', async () => {
    const log = new InMemoryAuditLog();
    const trail = new AuditTrail({ log, clock, logger, retentionDays: 90 });
    const bound: BoundOperation[] = [spec('jira_search_issues'), spec('jira_add_comment')].map((s) => ({ spec: s, execute: () => TE.right({}) }));
    const [read, write] = auditedOperations(bound, trail);
    expect(read).toBe(bound[0]);
    expect(E.isRight(await read!.execute('acme' as TenantId, { q: 'x' })())).toBe(true);
    expect(E.isRight(await write!.execute('acme' as TenantId, { issue: 'A-1', body: 'b' }, { caller: { tenantId: 'acme' as TenantId, id: 'key:k1', kind: 'api_key', scopes: ['write'], operator: false }, requestId: 'r1' })())).toBe(true);
    const listed = await log.list({})();
    expect(E.isRight(listed) && listed.right).toEqual([
      { at: clock.now(), tenantId: 'acme', callerId: 'key:k1', operation: 'jira_add_comment', target: 'A-1', outcome: 'ok', requestId: 'r1' },
    ]);
  });

  it('a store that throws or fails is a warning, and the task outcome is answered', async () => {
    warnings.length = 0;
    const throwing: AuditLog = {
      append: () => () => Promise.reject(new Error('socket closed')),
      list: () => TE.right([]),
      prune: () => TE.right(0),
    };
    const trail = new AuditTrail({ log: throwing, clock, logger, retentionDays: 90 });
    const failed = await trail.recorded({ caller: { tenantId: 'acme' as TenantId, id: 'open' } }, 'connection.delete', 'jira', TE.left(AppError.notFound('gone')))();
    expect(E.isLeft(failed) && failed.left.code).toBe('NOT_FOUND');
    const leftStore: AuditLog = { ...throwing, append: () => TE.left(AppError.internal('down')) };
    const ok = await new AuditTrail({ log: leftStore, clock, logger, retentionDays: 90 }).recorded({ caller: { tenantId: 'acme' as TenantId, id: 'open' } }, 'x', null, TE.right(7))();
    expect(E.isRight(ok) && ok.right).toBe(7);
    expect(warnings).toEqual([
      expect.objectContaining({ operation: 'connection.delete', outcome: 'NOT_FOUND', err: 'socket closed' }),
      expect.objectContaining({ operation: 'x', outcome: 'ok', err: 'down' }),
    ]);
  });

  it('prunes what is older than the retention, counted from the clock', async () => {
    const log = new InMemoryAuditLog();
    const base = { tenantId: 'acme' as TenantId, callerId: 'open', operation: 'o', target: null, outcome: 'ok', requestId: null };
    await log.append({ ...base, at: new Date('2025-12-01T00:00:00.000Z') })();
    await log.append({ ...base, at: new Date('2025-12-03T00:00:00.000Z') })();
    const pruned = await new AuditTrail({ log, clock, logger, retentionDays: 30 }).prune()();
    expect(E.isRight(pruned) && pruned.right).toBe(1);
  });
});
