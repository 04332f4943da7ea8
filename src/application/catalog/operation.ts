/**
 * An operation is declared once, as data the drivers read: the REST route (and its
 * OpenAPI entry), the agent tool of `GET /connectors/tools` and `tools/invoke`, and the
 * MCP tool are all derived from the declaration. Nothing else names an operation.
 */
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import type * as t from 'io-ts';
import type { Caller } from '../../domain/caller.js';
import type { ConnectorId } from '../../domain/connector.js';
import { AppError } from '../../domain/errors.js';
import type { FileDownload, FileLimits, FileUpload } from '../../domain/files.js';
import type { KeyFilter } from '../../domain/scope-filter.js';
import type { TenantId } from '../../domain/tenant.js';
import type { AccessProvider } from '../ports/access-provider.js';
import type { Clock } from '../ports/clock.js';
import type { ConfluenceGateway, JiraGateway } from '../ports/atlassian-gateways.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** What the operations' use cases are built from. */
export interface OperationPorts {
  /** Where a use case gets a usable Atlassian credential for a tenant. */
  readonly refresh: AccessProvider;
  readonly jira: JiraGateway;
  readonly confluence: ConfluenceGateway;
  /** JIRA_PROJECTS_FILTER: the Jira projects every Jira operation is limited to. */
  readonly projects: KeyFilter;
  /** CONFLUENCE_SPACES_FILTER: the Confluence spaces every Confluence operation is limited to. */
  readonly spaces: KeyFilter;
  /** ATTACHMENT_MAX_BYTES and ATTACHMENT_TOOL_MAX_BYTES. */
  readonly files: FileLimits;
  /** The time: a worklog's default start, how long cached create metadata lasts. */
  readonly clock: Clock;
}

/**
 * Who runs an operation and in which request, when a driver knows it: the REST routes,
 * tools/invoke and MCP pass it so the audit trail can name the caller; use cases ignore it.
 */
export interface CallContext {
  readonly caller: Caller;
  readonly requestId?: string | undefined;
}

export type Execute<I, O> = (tenantId: TenantId, input: I, call?: CallContext) => TE.TaskEither<AppError, O>;

export interface Operation<I, O> {
  /** The tool name, also the MCP tool name: `jira_search_issues`. */
  readonly name: string;
  /** A short human title: "Search Jira issues". */
  readonly title: string;
  /** What it does and when to use it, for agents (tool description) and people (OpenAPI description). */
  readonly summary: string;
  readonly connector: ConnectorId;
  /**
   * An exact codec of everything the operation takes. Over REST, the fields named in
   * `http.path` (`{key}`) are path parameters, the rest the query string (GET, DELETE) or the
   * JSON body (POST, PUT, PATCH); as a tool, all of them are arguments.
   */
  readonly input: t.Type<I, unknown, unknown>;
  /** The codec of the result: its JSON Schema is the documented 2xx body and the MCP output schema. */
  readonly output: t.Type<O, unknown, unknown>;
  readonly http: {
    readonly method: HttpMethod;
    /** OpenAPI-style: `/connectors/jira/issues/{key}`. */
    readonly path: string;
    readonly operationId: string;
    /** The status of a success (default 200). */
    readonly status?: 200 | 201 | 204;
  };
  /** Changes something at Atlassian: hidden and refused under TOOLS_READ_ONLY. */
  readonly writes: boolean;
  /**
   * The OAuth 2.0 scopes Atlassian wants for it (docs/oauth.md lists them per operation). When
   * Atlassian refuses a call for a missing scope, the caller is told these.
   */
  readonly scopes: readonly string[];
  /** Deletes or overwrites what exists (MCP destructiveHint). */
  readonly destructive?: boolean;
  /** Repeating it with the same input changes nothing more (MCP idempotentHint; default: reads are). */
  readonly idempotent?: boolean;
  /**
   * A typical call, shown in the OpenAPI document: the input as a caller sends it (before
   * decoding), and the result. test/unit/catalog.test.ts decodes both with the codecs.
   */
  readonly example?: { readonly input: Readonly<Record<string, unknown>>; readonly output: O };
  /** Builds the use case from the ports; the composition root calls it once. */
  readonly run: (ports: OperationPorts) => Execute<I, O>;
  /**
   * An operation whose REST form moves a file rather than JSON: a download answers the file
   * itself (its media type, streamed); an upload takes multipart/form-data. Its tool form is
   * `run` above, with the bytes in JSON (base64, or text for text types) and a smaller cap.
   */
  readonly file?: Download<I> | Upload<O>;
}

/** The REST form streams the file this answers. */
export interface Download<I> {
  readonly direction: 'download';
  readonly run: (ports: OperationPorts) => Execute<I, FileDownload>;
}

/** The REST form takes multipart/form-data: a part `file` and the text fields of `fields`. */
export interface Upload<O, F = unknown> {
  readonly direction: 'upload';
  /** An exact codec of the path parameters and the other (text) parts. */
  readonly fields: t.Type<F, unknown, unknown>;
  readonly run: (ports: OperationPorts) => Execute<F & { readonly file: FileUpload }, O>;
}

/** Declares an upload with typed fields; the catalog holds it erased. */
export const upload = <F, O>(spec: Omit<Upload<O, F>, 'direction'>): Upload<O> => ({ direction: 'upload', ...spec }) as unknown as Upload<O>;

/** An operation whose use case is built: what the drivers hold. */
export interface BoundOperation<I = unknown, O = unknown> {
  readonly spec: Operation<I, O>;
  readonly execute: Execute<I, O>;
  /** The REST form's use case when it moves a file (spec.file). */
  readonly transfer?: Execute<unknown, unknown>;
}

/** The `run` of an operation whose use case is a class taking the ports and answering `execute(tenant, input)`. */
export const useCase =
  <I, O>(UseCase: new (ports: OperationPorts) => { execute: Execute<I, O> }) =>
  (ports: OperationPorts): Execute<I, O> => {
    const built = new UseCase(ports);
    return (tenantId, input) => built.execute(tenantId, input);
  };

/** Erases the type parameters so operations of different shapes fit one catalog. */
export const operation = <I, O>(spec: Operation<I, O>): Operation<unknown, unknown> => spec as unknown as Operation<unknown, unknown>;

/** Names the scopes an operation needs when Atlassian refused it for a missing one. */
const namingScopes =
  (spec: Operation<unknown, unknown>) =>
  (error: AppError): AppError =>
    error.reason === 'missing_scope'
      ? AppError.forbidden(
          `Atlassian refused ${spec.name}: the connection lacks the OAuth scope ${spec.scopes.join(' and ')}; add it to JIRA_OAUTH_SCOPES (and the app in Atlassian's developer console) and reconnect.`,
          { reason: 'missing_scope' },
        )
      : error;

/** `TE.mapLeft(name)` in one async step (each combinator is three promises and a tick, on every call). */
const namedLeft =
  <A>(name: (error: AppError) => AppError, task: TE.TaskEither<AppError, A>): TE.TaskEither<AppError, A> =>
  async () => {
    const outcome = await task();
    return E.isLeft(outcome) ? E.left(name(outcome.left)) : outcome;
  };

/** Builds every operation's use case once from the ports. */
export const bindOperations = (catalog: readonly Operation<unknown, unknown>[], ports: OperationPorts): BoundOperation[] =>
  catalog.map((spec) => {
    const execute = spec.run(ports);
    const name = namingScopes(spec);
    const transfer = spec.file?.run(ports) as Execute<unknown, unknown> | undefined;
    return {
      spec,
      execute: (tenantId, input, call) => namedLeft(name, execute(tenantId, input, call)),
      ...(transfer ? { transfer: (tenantId: TenantId, input: unknown, call?: CallContext) => namedLeft(name, transfer(tenantId, input, call)) } : {}),
    };
  });

/** The fields of `input` that `http.path` names as path parameters, in path order. */
export const pathParameters = (path: string): readonly string[] => [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? '');

/** The tool groups of TOOLS_ENABLED. */
export const TOOL_GROUPS = ['jira_read', 'jira_write', 'confluence_read', 'confluence_write'] as const;
export type ToolGroup = (typeof TOOL_GROUPS)[number];

/** An operation's group: its connector, and whether it writes. */
export const groupOf = (spec: Pick<Operation<unknown, unknown>, 'connector' | 'writes'>): ToolGroup =>
  `${spec.connector}_${spec.writes ? 'write' : 'read'}`;

/** Whether the REST form of an operation takes a JSON body (else the query string). */
export const takesBody = (method: HttpMethod): boolean => method === 'post' || method === 'put' || method === 'patch';
