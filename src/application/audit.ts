/**
 * The audit trail: every write and every connection change, whichever driver it came
 * through, leaves one entry (time, tenant, caller, operation, target, outcome, request id).
 * Recording never fails the request: a failed append is logged as a warning and the
 * request's own outcome is answered. Nothing of a body, a token or a key is recorded: the
 * target is an identifier taken from the input, checked against a narrow pattern.
 */
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { openCaller, type Caller } from '../domain/caller.js';
import type { AppError } from '../domain/errors.js';
import type { TenantId } from '../domain/tenant.js';
import { pathParameters, type BoundOperation, type CallContext, type Execute } from './catalog/operation.js';
import type { AuditEntry, AuditLog, AuditQuery } from './ports/audit-log.js';
import type { Clock } from './ports/clock.js';
import type { Logger } from './ports/logger.js';

/** Who acts and in which request: what an entry names besides the operation. */
export interface AuditContext {
  readonly caller: Pick<Caller, 'tenantId' | 'id'>;
  readonly requestId?: string | undefined;
}

/** An identifier as the audit keeps it: anything else (free text, a body) is never recorded. */
const IDENTIFIER = /^[A-Za-z0-9._:@~-]{1,128}$/;

const identifier = (value: unknown): string | undefined => {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  return typeof text === 'string' && IDENTIFIER.test(text) ? text : undefined;
};

/** The input fields that name what a create acts in, when the path names nothing. */
const CONTAINER_FIELDS = ['project_key', 'space_key', 'space_id', 'parent_id', 'inward_issue', 'outward_issue', 'issue'] as const;

/**
 * What an operation acts on, from its input only: the path parameters' values joined by `/`
 * (`PROJ-12`, `PROJ-12/10001`), else `field:value` of the project or space a create goes to,
 * else the connector.
 */
export const targetOf = (spec: BoundOperation['spec'], input: unknown): string => {
  const fields = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  const inPath = pathParameters(spec.http.path)
    .map((p) => identifier(fields[p]))
    .filter((v): v is string => v !== undefined);
  if (inPath.length > 0) return inPath.join('/');
  for (const f of CONTAINER_FIELDS) {
    const v = identifier(fields[f]);
    if (v !== undefined) return `${f}:${v}`;
  }
  return spec.connector;
};

/** Days as milliseconds. */
const DAY_MS = 24 * 60 * 60 * 1000;

export interface AuditTrailPorts {
  readonly log: AuditLog;
  readonly clock: Clock;
  readonly logger: Logger;
  /** AUDIT_RETENTION_DAYS: entries older than this are pruned. */
  readonly retentionDays: number;
}

export class AuditTrail {
  constructor(private readonly ports: AuditTrailPorts) {}

  /**
   * Runs `task` and records its outcome (`ok` or the error's code). The entry is written after
   * the task, in the same request (one insert); if it cannot be written, a warning is logged
   * and the task's outcome is answered all the same.
   */
  recorded<A>(context: AuditContext, operation: string, target: string | null, task: TE.TaskEither<AppError, A>): TE.TaskEither<AppError, A> {
    return async () => {
      const outcome = await task();
      await this.append({
        at: this.ports.clock.now(),
        tenantId: context.caller.tenantId,
        callerId: context.caller.id,
        operation,
        target: target === null ? null : (identifier(target) ?? targetOrNull(target)),
        outcome: E.isLeft(outcome) ? outcome.left.code : 'ok',
        requestId: context.requestId ?? null,
      });
      return outcome;
    };
  }

  /** Writes one entry; a failure is logged (as a warning, without the entry's cause detail beyond its message) and swallowed. */
  async append(entry: AuditEntry): Promise<void> {
    try {
      const written = await this.ports.log.append(entry)();
      if (E.isLeft(written)) this.warn(entry, written.left.message);
    } catch (err) {
      this.warn(entry, err instanceof Error ? err.message : 'unknown failure');
    }
  }

  list(query: AuditQuery): TE.TaskEither<AppError, readonly AuditEntry[]> {
    return this.ports.log.list(query);
  }

  /** Deletes the entries older than AUDIT_RETENTION_DAYS; answers how many. */
  prune(): TE.TaskEither<AppError, number> {
    return this.ports.log.prune(new Date(this.ports.clock.now().getTime() - this.ports.retentionDays * DAY_MS));
  }

  private warn(entry: AuditEntry, message: string): void {
    this.ports.logger.warn(
      { operation: entry.operation, tenant: entry.tenantId, req_id: entry.requestId, outcome: entry.outcome, err: message },
      'audit entry could not be written',
    );
  }
}

/** A composite target (`PROJ-12/10001`) whose every part is an identifier, else nothing. */
const targetOrNull = (target: string): string | null =>
  target.length <= 200 && target.split('/').every((part) => identifier(part) !== undefined) ? target : null;

/**
 * The catalog's operations with their writes recorded: the one place every driver's write
 * passes (REST routes, tools/invoke, MCP), so each leaves exactly one entry. Reads pass
 * through untouched. A call without a context (an embedder calling execute itself) is
 * recorded as the open caller of its tenant.
 */
export const auditedOperations = (operations: readonly BoundOperation[], trail: AuditTrail): BoundOperation[] =>
  operations.map((op) => {
    if (!op.spec.writes) return op;
    const wrap =
      (execute: Execute<unknown, unknown>): Execute<unknown, unknown> =>
      (tenantId: TenantId, input: unknown, call?: CallContext) =>
        trail.recorded(
          { caller: call?.caller ?? openCaller(tenantId), requestId: call?.requestId },
          op.spec.name,
          targetOf(op.spec, input),
          execute(tenantId, input, call),
        );
    return { ...op, execute: wrap(op.execute), ...(op.transfer ? { transfer: wrap(op.transfer) } : {}) };
  });

/** What a driver needs to record an action that is not a catalog operation (a connection change, a key, the proxy). */
export type AuditRecorder = Pick<AuditTrail, 'recorded'>;

/** Records nothing (routes built without an audit trail, e.g. in a test of one route table). */
export const NO_AUDIT: AuditRecorder = { recorded: (_context, _operation, _target, task) => task };

/** The operation name of a `PATCH /connectors/{c}/connection`, by what it changes. */
export const connectionChangeName = (change: { readonly pat?: unknown; readonly cloud_id?: unknown; readonly rotate?: unknown }): string =>
  change.pat !== undefined ? 'connection.save_token' : change.cloud_id !== undefined ? 'connection.switch_site' : change.rotate === true ? 'connection.rotate' : 'connection.update';
