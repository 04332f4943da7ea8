import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { AppError } from '../../domain/errors.js';
import type { TenantId } from '../../domain/tenant.js';

/**
 * One audited change: who did what to which object of which tenant, and how it ended. It
 * never holds a body, a token or a key: the target is an identifier taken from the input
 * (an issue key, a page id, a connector), the outcome a code.
 */
export interface AuditEntry {
  readonly at: Date;
  readonly tenantId: TenantId;
  /** `open`, `key:<key id>` or `jwt:<subject>` (Caller.id). */
  readonly callerId: string;
  /** A catalog operation's name (`jira_create_issue`), or `connection.update`, `proxy.POST`, `api_key.create`, ... */
  readonly operation: string;
  /** The object acted on (`PROJ-12`, `98765`, `jira`), or null. */
  readonly target: string | null;
  /** `ok`, or the AppError code of the failure. */
  readonly outcome: string;
  /** The request's X-Request-Id, or null outside a request (the command line, an embedder). */
  readonly requestId: string | null;
}

/** What `list` is asked for; every field narrows it. */
export interface AuditQuery {
  readonly tenantId?: TenantId;
  /** Entries at or after this time. */
  readonly since?: Date;
  /** At most this many, newest first (the store may cap it). */
  readonly limit?: number;
}

/** The audit trail's store, shared by every instance over one database. */
export interface AuditLog {
  append(entry: AuditEntry): TE.TaskEither<AppError, void>;
  /** Newest first. */
  list(query: AuditQuery): TE.TaskEither<AppError, readonly AuditEntry[]>;
  /** Deletes the entries older than `before`; answers how many. */
  prune(before: Date): TE.TaskEither<AppError, number>;
}
