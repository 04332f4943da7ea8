/**
 * The REST routes of the operation catalog, derived: one route per operation, its path and
 * method from the declaration, its input decoded by the operation's codec (path parameters
 * included), its success documented with the output codec's schema. Nothing here names an
 * operation; adding one to the catalog adds its route.
 */
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import { Readable } from 'node:stream';
import { pathParameters, takesBody, type BoundOperation, type Execute } from '../../../application/catalog/operation.js';
import type { AppError } from '../../../domain/errors.js';
import type { FileDownload } from '../../../domain/files.js';
import type { InvokeTool } from '../../../application/tools.js';
import { annotate, toJsonSchema, type JsonSchema } from '../../../domain/json-schema.js';
import { errorResponses, json, route, type ResponseSpec, type RouteSpec } from '../route-spec.js';

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
}

/** One route per catalog operation. */
export function operationRoutes(operations: readonly BoundOperation[], limits: FileRouteLimits): RouteSpec[] {
  return operations.map((bound) => {
    const { spec } = bound;
    if (spec.file?.direction === 'download' && bound.transfer) return downloadRoute(spec, bound.transfer);
    if (spec.file?.direction === 'upload' && bound.transfer) return uploadRoute(spec, spec.file.fields, bound.transfer, limits);
    return jsonRoute(bound);
  });
}

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
    : { description: SUCCESS[status] ?? 'The result.', schema: toJsonSchema(spec.output), ...(spec.example ? { example: spec.example.output } : {}) };
};

function jsonRoute({ spec, execute }: BoundOperation): RouteSpec {
  const status = spec.http.status ?? 200;
  const body = takesBody(spec.http.method);
  return route<unknown, unknown>({
    ...described(spec),
    ...(body ? { body: spec.input } : { query: spec.input }),
    ...(body && spec.example ? { bodyExample: withoutPathParameters(spec.example.input, pathParameters(spec.http.path)) } : {}),
    responses: { [status]: successOf(spec), ...UPSTREAM },
    handle: ({ tenantId, caller, requestId, query, body: input }) =>
      pipe(
        execute(tenantId, body ? input : query, { caller, requestId }),
        TE.map((result) => (status === 204 ? { status } : json(status, result))),
      ),
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
  return route<unknown, unknown>({
    ...described(spec),
    body: fields,
    multipart: { fileField: 'file', maxFileBytes: limits.uploadMaxBytes, maxFieldBytes: 64 * 1024, maxFields: 16 },
    responses: {
      [status]: successOf(spec),
      ...UPSTREAM,
      413: { description: 'The file is larger than ATTACHMENT_MAX_BYTES (VALIDATION).' },
    },
    handle: ({ tenantId, caller, requestId, body }) =>
      pipe(
        transfer(tenantId, body, { caller, requestId }),
        TE.map((result) => json(status, result)),
      ),
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
        403: { description: 'A write tool while TOOLS_READ_ONLY=true, or Atlassian refused (FORBIDDEN).' },
        404: { description: 'Unknown tool, or the Atlassian object does not exist (NOT_FOUND).' },
      },
      handle: ({ caller, requestId, body }) =>
        pipe(
          tools.executeAs(caller, body.tool, body.arguments ?? {}, requestId),
          TE.map((r) => json(200, { status: 'ok', ...r })),
        ),
    }),
  ];
}
