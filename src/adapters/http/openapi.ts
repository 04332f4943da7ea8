import { toJsonSchema, type JsonSchema } from '../../domain/json-schema.js';
import { TENANT_ID_PATTERN } from '../../domain/tenant.js';
import type { RouteSpec } from './route-spec.js';

export const ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['status', 'code', 'message'],
  properties: {
    status: { const: 'error' },
    code: {
      type: 'string',
      enum: [
        'VALIDATION',
        'UNAUTHORIZED',
        'TOKEN_EXPIRED',
        'FORBIDDEN',
        'NOT_FOUND',
        'NOT_CONNECTED',
        'RATE_LIMITED',
        'VENDOR_ERROR',
        'INTERNAL_ERROR',
      ],
    },
    message: { type: 'string' },
    retry_after: { type: 'integer', minimum: 0, description: 'Seconds to wait (RATE_LIMITED).' },
    details: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/** The OpenAPI 3.1 document, generated from the same table the router is built from. */
export function buildOpenApiDocument(
  routes: readonly RouteSpec[],
  info: { title: string; version: string; description: string },
): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const parameters: unknown[] = [];
    for (const p of r.pathParams ?? []) {
      parameters.push({ name: p.name, in: 'path', required: true, description: p.description, schema: p.schema });
    }
    if (r.query) {
      const schema = toJsonSchema(r.query);
      const props = (schema['properties'] ?? {}) as Record<string, JsonSchema>;
      const required = new Set((schema['required'] as string[] | undefined) ?? []);
      for (const [name, s] of Object.entries(props)) {
        const { description, ...rest } = s;
        parameters.push({ name, in: 'query', required: required.has(name), ...(description ? { description } : {}), schema: rest });
      }
    }
    if (r.tenantScoped) {
      parameters.push({
        name: 'X-Tenant-Id',
        in: 'header',
        required: false,
        description: 'The tenant to act for; `default` when absent.',
        schema: { type: 'string', pattern: TENANT_ID_PATTERN.source, maxLength: 128 },
      });
    }
    const responses: Record<string, unknown> = {};
    for (const [status, spec] of Object.entries(r.responses)) {
      responses[status] = {
        description: spec.description,
        ...(spec.headers ? { headers: spec.headers } : {}),
        ...(spec.schema || spec.contentType
          ? { content: { [spec.contentType ?? 'application/json']: { schema: spec.schema ?? {} } } }
          : {}),
      };
    }
    if (r.body) responses['400'] ??= errorResponse('The request failed validation.');
    if (r.tenantScoped) responses['400'] ??= errorResponse('Malformed X-Tenant-Id or parameters.');
    responses['500'] = errorResponse('Unexpected failure; details are logged, never returned.');
    responses['default'] = errorResponse('Any other error, in the standard error body.');
    (paths[r.path] ??= {})[r.method] = {
      operationId: r.operationId,
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      tags: r.tags,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(r.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: toJsonSchema(r.body) } } } }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: { schemas: { Error: ERROR_SCHEMA } },
  };
}
