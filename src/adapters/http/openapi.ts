/**
 * The OpenAPI 3.1 document, generated from the same route table the router is built from
 * (and the route table from the operation catalog), so the two cannot drift. What it says
 * is held to what the service answers: every response of the HTTP test suite is validated
 * against it (test/support/api-contract.ts), and Redocly's recommended rules lint it.
 */
import { ERROR_CODES } from '../../domain/errors.js';
import { toJsonSchema, type JsonSchema } from '../../domain/json-schema.js';
import { TENANT_ID_PATTERN } from '../../domain/tenant.js';
import { ERROR_DESCRIPTIONS, type ResponseSpec, type RouteSpec } from './route-spec.js';

export const ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'The standard error body of every failure.',
  required: ['status', 'code', 'message'],
  properties: {
    status: { const: 'error' },
    code: { type: 'string', enum: [...ERROR_CODES], description: 'What went wrong, for programs (see the error table in docs/architecture.md).' },
    message: { type: 'string', description: 'What went wrong, for people; never a secret or a stack trace.' },
    retry_after: { type: 'integer', minimum: 0, description: 'Seconds to wait before retrying (RATE_LIMITED only).' },
    details: { type: 'object', additionalProperties: { type: 'string' }, description: "Field-level messages, e.g. Atlassian's per-field errors." },
  },
  additionalProperties: false,
};

const ERROR_REF = { $ref: '#/components/schemas/Error' };

const RETRY_AFTER = { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 0 } } };

export interface DocumentInfo {
  readonly title: string;
  readonly version: string;
  readonly description: string;
}

export interface TagInfo {
  readonly name: string;
  readonly description: string;
}

const mediaTypes = (spec: ResponseSpec): readonly string[] =>
  spec.contentType === undefined ? ['application/json'] : typeof spec.contentType === 'string' ? [spec.contentType] : spec.contentType;

const response = (status: number, spec: ResponseSpec): Record<string, unknown> => {
  const error = status >= 400;
  const schema = (typeof spec.schema === 'function' ? spec.schema() : spec.schema) ?? (error ? ERROR_REF : undefined);
  const headers = { ...(status === 429 ? RETRY_AFTER : {}), ...spec.headers };
  return {
    description: spec.description,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    ...(schema || spec.contentType
      ? {
          content: Object.fromEntries(
            mediaTypes(spec).map((type) => [type, { schema: schema ?? {}, ...(spec.example !== undefined ? { example: spec.example } : {}) }]),
          ),
        }
      : {}),
  };
};

/** A schema object's properties without `names` (the path parameters a codec also holds). */
const without = (schema: JsonSchema, names: readonly string[]): JsonSchema => {
  if (names.length === 0) return schema;
  const properties = { ...(schema['properties'] as Record<string, JsonSchema> | undefined) };
  for (const n of names) delete properties[n];
  const required = ((schema['required'] as string[] | undefined) ?? []).filter((r) => !names.includes(r));
  const { required: _, ...rest } = schema;
  return { ...rest, properties, ...(required.length > 0 ? { required } : {}) };
};

/** A multipart body: the text fields of `fields`, and the file part. */
const multipartSchema = (fields: JsonSchema, fileField: string): JsonSchema => ({
  type: 'object',
  required: [fileField, ...((fields['required'] as string[] | undefined) ?? [])],
  properties: {
    ...(fields['properties'] as Record<string, JsonSchema> | undefined),
    [fileField]: { type: 'string', format: 'binary', description: 'The file; its part\'s filename and Content-Type are kept with it.' },
  },
});

/** How callers prove who they are: open (X-Tenant-Id trusted), or a bearer API key or JWT. */
export type DocumentAuth = 'open' | 'api_key' | 'jwt';

const BEARER_SCHEME = (auth: DocumentAuth): JsonSchema => ({
  type: 'http',
  scheme: 'bearer',
  ...(auth === 'jwt' ? { bearerFormat: 'JWT' } : {}),
  description:
    auth === 'jwt'
      ? "A JWT of the product's identity provider (AUTH_ISSUER), for AUTH_AUDIENCE, with the tenant claim and scope/scp read, write or admin."
      : 'An API key (ibk_...) from `integration-backend keys create` or POST /auth/keys; it carries its tenant and scopes.',
});

export function buildOpenApiDocument(routes: readonly RouteSpec[], info: DocumentInfo, tags: readonly TagInfo[], auth: DocumentAuth = 'open'): JsonSchema {
  const secured = auth !== 'open';
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const parameters: unknown[] = [];
    const codecSchema = r.query ? toJsonSchema(r.query) : r.body ? toJsonSchema(r.body) : undefined;
    const codecProps = (codecSchema?.['properties'] ?? {}) as Record<string, JsonSchema>;
    for (const p of r.pathParams ?? []) {
      parameters.push({
        name: p.name,
        in: 'path',
        required: true,
        description: p.description,
        schema: p.schema,
        ...(p.example !== undefined ? { example: p.example } : {}),
        ...(p.name === r.restOfPath ? { 'x-multi-segment': true } : {}),
      });
    }
    for (const name of r.codecPathParams ?? []) {
      const { description, ...schema } = codecProps[name] ?? { type: 'string' };
      const example = r.pathExamples?.[name];
      parameters.push({ name, in: 'path', required: true, ...(description ? { description } : {}), schema, ...(example !== undefined ? { example } : {}) });
    }
    if (r.query) {
      const schema = without(toJsonSchema(r.query), r.codecPathParams ?? []);
      const required = new Set((schema['required'] as string[] | undefined) ?? []);
      for (const [name, s] of Object.entries((schema['properties'] ?? {}) as Record<string, JsonSchema>)) {
        const { description, ...rest } = s;
        parameters.push({ name, in: 'query', required: required.has(name), ...(description ? { description } : {}), schema: rest });
      }
    }
    for (const p of r.headerParams ?? []) {
      parameters.push({ name: p.name, in: 'header', required: false, description: p.description, schema: p.schema, ...(p.example !== undefined ? { example: p.example } : {}) });
    }
    if (r.tenantScoped) {
      parameters.push({
        name: 'X-Tenant-Id',
        in: 'header',
        required: false,
        description: secured
          ? "The credential's own tenant, or absent; any other tenant is refused with 403."
          : 'The tenant to act for; `default` when absent.',
        schema: { type: 'string', pattern: TENANT_ID_PATTERN.source, maxLength: 128 },
      });
    }
    const documented: Record<number, ResponseSpec> = { ...r.responses };
    const addError = (status: number): void => {
      documented[status] ??= { description: ERROR_DESCRIPTIONS[status] ?? 'An error, in the standard error body.' };
    };
    // What the HTTP adapter itself may answer on any route of this shape.
    if (!r.lenientQuery || r.query || r.body || r.tenantScoped) addError(400);
    if (r.body) addError(413);
    if (secured && !r.public) {
      documented[401] = {
        description: `No valid credential (UNAUTHORIZED, with WWW-Authenticate: Bearer)${documented[401] ? `; or ${documented[401].description}` : '.'}`,
      };
      documented[403] = {
        description: `The credential lacks the ${r.scope ?? 'read'} scope, is an operator key, or X-Tenant-Id names another tenant (FORBIDDEN)${documented[403] ? `; or ${documented[403].description}` : '.'}`,
      };
    }
    // RATE_LIMIT_PER_TENANT: every tenant-scoped route may answer 429 before it runs.
    if (r.tenantScoped) {
      const own = documented[429];
      documented[429] = {
        ...own,
        description: `The tenant went over RATE_LIMIT_PER_TENANT (RATE_LIMITED, with Retry-After)${own ? `; or ${own.description}` : '.'}`,
      };
    }
    addError(500);
    const responses: Record<string, unknown> = {};
    for (const status of Object.keys(documented).map(Number).sort((a, b) => a - b)) {
      responses[String(status)] = response(status, documented[status]!);
    }
    if (r.defaultResponse) responses['default'] = response(0, r.defaultResponse);
    (paths[r.path] ??= {})[r.method] = {
      operationId: r.operationId,
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      tags: r.tags,
      ...(secured ? { security: r.public ? [{}] : [{ bearer: [] }] } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(r.body
        ? {
            requestBody: {
              required: true,
              content: r.multipart
                ? { 'multipart/form-data': { schema: multipartSchema(without(toJsonSchema(r.body), r.codecPathParams ?? []), r.multipart.fileField) } }
                : {
                    'application/json': {
                      schema: without(toJsonSchema(r.body), r.codecPathParams ?? []),
                      ...(r.bodyExample !== undefined ? { example: r.bodyExample } : {}),
                    },
                  },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info,
    servers: [{ url: '/', description: 'This service (relative to the URL this document was fetched from).' }],
    // Open mode: X-Tenant-Id is trusted and no credential is asked for (the empty requirement).
    security: secured ? [{ bearer: [] }] : [{}],
    tags,
    paths,
    components: { schemas: { Error: ERROR_SCHEMA }, ...(secured ? { securitySchemes: { bearer: BEARER_SCHEME(auth) } } : {}) },
  };
}
