/**
 * The REST routes of the operation catalog, derived: one route per operation, its path and
 * method from the declaration, its input decoded by the operation's codec (path parameters
 * included), its success documented with the output codec's schema. Nothing here names an
 * operation; adding one to the catalog adds its route.
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import { Readable } from 'node:stream';
import { pathParameters, takesBody, type BoundOperation, type Execute } from '../../../application/catalog/operation.js';
import { AppError } from '../../../domain/errors.js';
import type { FileDownload } from '../../../domain/files.js';
import type { IdempotentWrites } from '../../../application/idempotency.js';
import type { InvokeTool } from '../../../application/tools.js';
import { IDEMPOTENCY_KEY_MAX_LENGTH, parseIdempotencyKey, requestFingerprint } from '../../../domain/idempotency.js';
import type { TenantId } from '../../../domain/tenant.js';
import { toHttpError } from '../error-mapper.js';
import { annotate, toJsonSchema, type JsonSchema } from '../../../domain/json-schema.js';
import { errorResponses, json, route, type ParamSpec, type ResponseSpec, type RouteResult, type RouteSpec } from '../route-spec.js';
import type { IncomingHttpHeaders } from 'node:http';

/** The answers every Atlassian-backed operation can give besides success. */
const UPSTREAM = errorResponses([400, 401, 403, 404, 409, 429, 502, 504], {
  400: 'Invalid input, or Atlassian refused it (VALIDATION, with its field messages in details).',
  403: 'Atlassian refused the scope or permission (FORBIDDEN).',
  404: 'The Atlassian object does not exist (NOT_FOUND).',
  409: 'The tenant has no connection for this connector (NOT_CONNECTED), or the object changed since the version the caller named (CONFLICT, the current version in details).',
});

const SUCCESS: Readonly<Record<number, string>> = { 200: 'The result.', 201: 'Created.', 204: 'Done; no body.' };

/** An example input as the JSON body shows it: the path parameters are in the path. */
const withoutPathParameters = (input: unknown, names: readonly string[]): unknown =>
  typeof input === 'object' && input !== null && names.length > 0
    ? Object.fromEntries(Object.entries(input).filter(([k]) => !names.includes(k)))
    : input;

/** What the REST routes of file operations need to know. */
export interface FileRouteLimits {
  /** ATTACHMENT_MAX_BYTES: the largest upload. */
  readonly uploadMaxBytes: number;
  /** Runs writes sent with an Idempotency-Key once per tenant and key; absent: the header is ignored. */
  readonly idempotency?: IdempotentWrites;
}

const IDEMPOTENCY_HEADER: ParamSpec = {
  name: 'Idempotency-Key',
  description:
    'Optional (IETF httpapi Idempotency-Key): a unique key, such as a UUID, of 1 to 255 printable ASCII characters. The first request with it runs; a retry with the same key and payload within IDEMPOTENCY_TTL_HOURS answers the same status and body without calling Atlassian (with Idempotent-Replayed: true); the same key with another payload is a 422, and a retry while the first still runs a 409. Keys are per tenant.',
  schema: { type: 'string', minLength: 1, maxLength: IDEMPOTENCY_KEY_MAX_LENGTH },
  example: '8e03978e-40d5-43e8-bc93-6894a57f9324',
};

/** What a write route answers besides the upstream statuses when it takes an Idempotency-Key. */
const IDEMPOTENT_ERRORS: Record<number, ResponseSpec> = {
  409: {
    description:
      'The tenant has no connection for this connector (NOT_CONNECTED), the object changed since the version the caller named (CONFLICT, the current version in details), or a request with this Idempotency-Key is still running (CONFLICT, reason idempotency_in_flight).',
  },
  422: { description: 'This Idempotency-Key was already used for a different request: another operation or payload (VALIDATION, reason idempotency_key_reused).' },
};

const REPLAYED_HEADER = {
  'Idempotent-Replayed': { description: 'true when this is the stored answer of an earlier request with the same Idempotency-Key.', schema: { type: 'string', enum: ['true'] } },
};

/** One route per catalog operation. */
export function operationRoutes(operations: readonly BoundOperation[], limits: FileRouteLimits): RouteSpec[] {
  return operations.map((bound) => {
    const { spec } = bound;
    if (spec.file?.direction === 'download' && bound.transfer) return downloadRoute(spec, bound.transfer);
    if (spec.file?.direction === 'upload' && bound.transfer) return uploadRoute(spec, spec.file.fields, bound.transfer, limits);
    return jsonRoute(bound, limits.idempotency);
  });
}

/**
 * Runs a write once per Idempotency-Key when the request sends one (and answers the stored
 * outcome of a retry, marked Idempotent-Replayed); without the header, just runs it.
 */
const idempotently = (
  idempotency: IdempotentWrites | undefined,
  spec: BoundOperation['spec'],
  tenantId: TenantId,
  headers: IncomingHttpHeaders,
  input: unknown,
  run: () => TE.TaskEither<AppError, unknown>,
  answer: (result: unknown) => RouteResult,
): TE.TaskEither<AppError, RouteResult> => {
  const raw = headers['idempotency-key'];
  if (!spec.writes || !idempotency || raw === undefined) {
    // Every read comes this way: one async step, not a `TE.map` (three promises and a tick).
    const running = run();
    return async () => E.map(answer)(await running());
  }
  if (Array.isArray(raw)) return TE.left(AppError.validation('Send one Idempotency-Key header, not several.'));
  return pipe(
    TE.fromEither(parseIdempotencyKey(raw, 'The Idempotency-Key header')),
    TE.flatMap((key) => idempotency.run(tenantId, key, requestFingerprint(spec.name, input), run)),
    TE.flatMap(({ outcome, replayed }) => {
      if (!replayed) return TE.fromEither(E.map(answer)(outcome));
      const marked = { 'Idempotent-Replayed': 'true' };
      if (E.isRight(outcome)) {
        const ok = answer(outcome.right);
        return TE.right({ ...ok, headers: { ...ok.headers, ...marked } });
      }
      // A stored refusal answers again as it did, through the one error mapping.
      const error = toHttpError(outcome.left);
      return TE.right({ status: error.status, body: error.body, headers: { ...error.headers, ...marked } });
    }),
  );
};

/** The header parameter, the statuses and the success's replay header of a write route. */
const idempotentParts = (spec: BoundOperation['spec'], idempotency: IdempotentWrites | undefined, success: ResponseSpec) =>
  spec.writes && idempotency
    ? { headerParams: [IDEMPOTENCY_HEADER], errors: IDEMPOTENT_ERRORS, success: { ...success, headers: { ...success.headers, ...REPLAYED_HEADER } } }
    : { errors: {}, success };

/** What every operation's route shares: its name, documentation and path parameters. */
const described = (spec: BoundOperation['spec']) => ({
  method: spec.http.method,
  path: spec.http.path,
  operationId: spec.http.operationId,
  summary: spec.title,
  description: `${spec.summary}\n\nAlso the agent tool \`${spec.name}\` (GET /connectors/tools, MCP).`,
  tags: [spec.connector],
  tenantScoped: true,
  scope: spec.writes ? ('write' as const) : ('read' as const),
  codecPathParams: pathParameters(spec.http.path),
  ...(spec.example ? { pathExamples: Object.fromEntries(pathParameters(spec.http.path).map((p) => [p, spec.example!.input[p]])) } : {}),
});

const successOf = (spec: BoundOperation['spec']): ResponseSpec => {
  const status = spec.http.status ?? 200;
  return status === 204
    ? { description: SUCCESS[204]! }
    : { description: SUCCESS[status] ?? 'The result.', schema: () => toJsonSchema(spec.output), ...(spec.example ? { example: spec.example.output } : {}) };
};

function jsonRoute({ spec, execute }: BoundOperation, idempotency: IdempotentWrites | undefined): RouteSpec {
  const status = spec.http.status ?? 200;
  const body = takesBody(spec.http.method);
  const parts = idempotentParts(spec, idempotency, successOf(spec));
  return route<unknown, unknown>({
    ...described(spec),
    ...(parts.headerParams ? { headerParams: parts.headerParams } : {}),
    ...(body ? { body: spec.input } : { query: spec.input }),
    ...(body && spec.example ? { bodyExample: withoutPathParameters(spec.example.input, pathParameters(spec.http.path)) } : {}),
    responses: { [status]: parts.success, ...UPSTREAM, ...parts.errors },
    handle: ({ tenantId, caller, requestId, query, body: input, headers }) => {
      const decoded = body ? input : query;
      return idempotently(idempotency, spec, tenantId, headers, decoded, () => execute(tenantId, decoded, { caller, requestId }), (result) =>
        status === 204 ? { status } : json(status, result),
      );
    },
  });
}

/** A download: the file itself, streamed as it arrives from Atlassian. */
function downloadRoute(spec: BoundOperation['spec'], transfer: Execute<unknown, unknown>): RouteSpec {
  return route<unknown, unknown>({
    ...described(spec),
    query: spec.input,
    responses: {
      200: {
        description: 'The file, with its media type (Content-Type) and name (Content-Disposition).',
        contentType: '*/*',
        schema: { type: 'string', format: 'binary' },
        headers: {
          'Content-Disposition': { description: 'attachment, with the file name.', schema: { type: 'string' } },
          'Content-Length': { description: 'The size in bytes, when Atlassian said.', schema: { type: 'integer' } },
        },
      },
      ...UPSTREAM,
      413: { description: 'The file is larger than ATTACHMENT_MAX_BYTES (VALIDATION).' },
    },
    handle: ({ tenantId, caller, requestId, query }) =>
      pipe(
        transfer(tenantId, query, { caller, requestId }) as TE.TaskEither<AppError, FileDownload>,
        TE.map((file) => ({
          status: 200,
          attachment: file.filename,
          raw: { contentType: file.mediaType, body: Readable.from(file.content, { objectMode: false }) },
          // A file is never run as a page of this service's origin.
          headers: {
            'X-Content-Type-Options': 'nosniff',
            'Content-Security-Policy': "default-src 'none'; sandbox",
            ...(file.size !== undefined ? { 'Content-Length': String(file.size) } : {}),
          },
        })),
      ),
  });
}

/** An upload: multipart/form-data with the file in a part named `file`. */
function uploadRoute(spec: BoundOperation['spec'], fields: t.Type<unknown, unknown, unknown>, transfer: Execute<unknown, unknown>, limits: FileRouteLimits): RouteSpec {
  const status = spec.http.status ?? 200;
  const parts = idempotentParts(spec, limits.idempotency, successOf(spec));
  return route<unknown, unknown>({
    ...described(spec),
    ...(parts.headerParams ? { headerParams: parts.headerParams } : {}),
    body: fields,
    multipart: { fileField: 'file', maxFileBytes: limits.uploadMaxBytes, maxFieldBytes: 64 * 1024, maxFields: 16 },
    responses: {
      [status]: parts.success,
      ...UPSTREAM,
      ...parts.errors,
      413: { description: 'The file is larger than ATTACHMENT_MAX_BYTES (VALIDATION).' },
    },
    // The fingerprint covers the file's bytes (their SHA-256) and its name and type.
    handle: ({ tenantId, caller, requestId, body, headers }) =>
      idempotently(limits.idempotency, spec, tenantId, headers, body, () => transfer(tenantId, body, { caller, requestId }), (result) => json(status, result)),
  });
}

const InvokeBody = t.exact(
  t.intersection([
    t.type({ tool: annotate(t.string, { description: 'A tool name from GET /connectors/tools.' }) }),
    t.partial({ arguments: annotate(t.UnknownRecord, { type: 'object', description: "The tool's arguments (its input_schema)." }) }),
  ]),
);

const str = { type: 'string' };
const TOOL_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['name', 'title', 'description', 'input_schema', 'output_schema', 'read_only', 'destructive', 'idempotent'],
  properties: {
    name: { ...str, description: 'The name to invoke it by.' },
    title: { ...str, description: 'A short human title.' },
    description: { ...str, description: 'What it does and when to use it.' },
    input_schema: { type: 'object', description: 'JSON Schema of the arguments.' },
    output_schema: { type: 'object', description: 'JSON Schema of the result.' },
    read_only: { type: 'boolean', description: 'True when it changes nothing at Atlassian.' },
    destructive: { type: 'boolean', description: 'True when it deletes or overwrites what exists.' },
    idempotent: { type: 'boolean', description: 'True when repeating it with the same arguments changes nothing more.' },
  },
  additionalProperties: false,
};

/** The catalog as agent tools over REST: the list, and invoking one by name. */
export function toolRoutes(tools: InvokeTool): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/connectors/tools',
      operationId: 'listTools',
      summary: 'The agent tools, each with JSON Schemas of its arguments and result (from the operation catalog).',
      tags: ['tools'],
      tenantScoped: false,
      responses: {
        200: {
          description: "The tools (write tools are left out under TOOLS_READ_ONLY=true, and for a credential without the write scope).",
          schema: { type: 'object', required: ['tools'], properties: { tools: { type: 'array', items: TOOL_SCHEMA } }, additionalProperties: false },
        },
      },
      handle: ({ caller }) => TE.right(json(200, { tools: tools.list(caller) })),
    }),
    route({
      method: 'post',
      path: '/connectors/tools/invoke',
      operationId: 'invokeTool',
      summary: 'Run a tool for the caller tenant: the same use case as its REST route.',
      tags: ['tools'],
      tenantScoped: true,
      body: InvokeBody,
      bodyExample: { tool: 'jira_search_issues', arguments: { q: 'login timeout', limit: 5 } },
      responses: {
        200: {
          description: 'The tool ran; result is what its REST route answers (its output_schema).',
          schema: {
            type: 'object',
            required: ['status', 'tool', 'result'],
            properties: { status: { const: 'ok' }, tool: { ...str, description: 'The tool that ran.' }, result: { description: "The tool's result." } },
            additionalProperties: false,
          },
        },
        ...UPSTREAM,
        ...IDEMPOTENT_ERRORS,
        403: { description: 'A write tool while TOOLS_READ_ONLY=true, or Atlassian refused (FORBIDDEN).' },
        404: { description: 'Unknown tool, or the Atlassian object does not exist (NOT_FOUND).' },
      },
      handle: ({ caller, requestId, body }) =>
        pipe(
          tools.executeAs(caller, body.tool, body.arguments ?? {}, requestId),
          TE.map((r) => json(200, { status: 'ok', tool: r.tool, result: r.result })),
        ),
    }),
  ];
}
