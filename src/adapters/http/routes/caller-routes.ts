/**
 * Callers: the API key routes (an admin key of a tenant manages that tenant's keys, an
 * operator key every tenant's) and the OAuth protected-resource metadata of RFC 9728, which
 * MCP clients read to find where to sign in.
 */
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import { NO_AUDIT, type AuditRecorder } from '../../../application/audit.js';
import type { ApiKeys } from '../../../application/api-keys.js';
import { SCOPES, type Scope } from '../../../domain/caller.js';
import { AppError } from '../../../domain/errors.js';
import { annotate, type JsonSchema } from '../../../domain/json-schema.js';
import { TenantId } from '../../../domain/tenant.js';
import { errorResponses, json, route, type RouteSpec } from '../route-spec.js';

/** The tenant an operator key's audit entry names when it acts for none in particular. */
const OPERATOR_TENANT = '(operator)' as TenantId;

const ScopeCodec = t.keyof({ read: null, write: null, admin: null });

const CreateKeyBody = t.exact(
  t.intersection([
    t.type({ scopes: annotate(t.array(ScopeCodec), { description: 'What the key may do: read, write and/or admin.' }) }),
    t.partial({
      name: annotate(t.string, { description: 'A label for people (1-100 characters).' }),
      expires_in_days: annotate(t.Int, { description: 'Days until the key stops working (1-3650); absent: never.' }),
      tenant: annotate(t.string, { description: "The key's tenant: only for an operator key (a tenant's key issues keys of its own tenant)." }),
    }),
  ]),
);

const ListKeysQuery = t.exact(t.partial({ tenant: annotate(t.string, { description: 'One tenant (operator keys); a tenant key sees its own tenant.' }) }));

const str = { type: 'string' };
const nullableTime = { type: ['string', 'null'], format: 'date-time' };
const KEY_VIEW: JsonSchema = {
  type: 'object',
  required: ['id', 'name', 'tenant_id', 'scopes', 'operator', 'created_at', 'last_used_at', 'expires_at', 'revoked_at'],
  properties: {
    id: { ...str, description: 'The public id (for revoking); not the key.' },
    name: str,
    tenant_id: { type: ['string', 'null'], description: 'null for an operator key.' },
    scopes: { type: 'array', items: { enum: [...SCOPES] } },
    operator: { type: 'boolean' },
    created_at: { ...str, format: 'date-time' },
    last_used_at: { ...nullableTime, description: 'Written at most once a minute.' },
    expires_at: nullableTime,
    revoked_at: nullableTime,
  },
  additionalProperties: false,
};

export function keyRoutes(deps: { apiKeys: ApiKeys; audit?: AuditRecorder }): RouteSpec[] {
  const audit = deps.audit ?? NO_AUDIT;
  return [
    route({
      method: 'get',
      path: '/auth/keys',
      operationId: 'listApiKeys',
      summary: "The caller tenant's API keys (an operator key: every tenant's); never a key.",
      tags: ['auth'],
      tenantScoped: true,
      scope: 'admin',
      operator: true,
      query: ListKeysQuery,
      responses: {
        200: { description: 'The keys, oldest first.', schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: KEY_VIEW } } } },
        ...errorResponses([403], { 403: "A tenant's key asked for another tenant (FORBIDDEN)." }),
      },
      handle: ({ caller, query }) =>
        pipe(
          deps.apiKeys.listFor(caller, query.tenant),
          TE.map((items) => json(200, { items })),
        ),
    }),
    route({
      method: 'post',
      path: '/auth/keys',
      operationId: 'createApiKey',
      summary: 'Issues an API key; the answer is the only time the key is shown.',
      tags: ['auth'],
      tenantScoped: true,
      scope: 'admin',
      operator: true,
      body: CreateKeyBody,
      bodyExample: { scopes: ['read'], name: 'support bot', expires_in_days: 90 },
      responses: {
        201: {
          description: 'The key (shown once) and its record.',
          schema: { ...KEY_VIEW, required: ['key', ...(KEY_VIEW['required'] as string[])], properties: { key: { ...str, description: 'ibk_...: store it now.' }, ...(KEY_VIEW['properties'] as object) } },
        },
        ...errorResponses([403], { 403: 'Scopes the calling key lacks, another tenant, or not an admin key (FORBIDDEN).' }),
      },
      handle: ({ caller, requestId, body }) => {
        const days = body.expires_in_days;
        if (days !== undefined && (days < 1 || days > 3650)) return TE.left(AppError.validation('expires_in_days must be from 1 to 3650.'));
        // Recorded for the tenant the key is for (an operator names it); never the key.
        // A tenant key's entry goes to its own tenant, whatever it asked for.
        const tenantId = caller.operator ? (body.tenant !== undefined && TenantId.is(body.tenant) ? body.tenant : OPERATOR_TENANT) : caller.tenantId;
        return pipe(
          audit.recorded({ caller: { id: caller.id, tenantId }, requestId }, 'api_key.create', null, deps.apiKeys.createFor(caller, {
            scopes: body.scopes as Scope[],
            ...(body.name !== undefined ? { name: body.name } : {}),
            ...(body.tenant !== undefined ? { tenant: body.tenant } : {}),
            ...(days !== undefined ? { expiresInSeconds: days * 86_400 } : {}),
          })),
          TE.map(({ key, view }) => json(201, { key, ...view })),
        );
      },
    }),
    route({
      method: 'delete',
      path: '/auth/keys/{id}',
      operationId: 'revokeApiKey',
      summary: 'Revokes an API key at once, on every instance. Idempotent: a key that is not there (or is another tenant\'s) answers the same 204.',
      tags: ['auth'],
      tenantScoped: true,
      scope: 'admin',
      operator: true,
      pathParams: [{ name: 'id', description: 'The key id (key_...), from the list.', schema: { type: 'string', maxLength: 64 }, example: 'key_AbCdEfGhIjKl' }],
      responses: { 204: { description: 'Revoked (or was never there). Revoking twice keeps the first time.' } },
      handle: ({ caller, requestId, params }) =>
        pipe(
          audit.recorded(
            { caller: { id: caller.id, tenantId: caller.tenantId || OPERATOR_TENANT }, requestId },
            'api_key.revoke',
            params['id'] ?? null,
            deps.apiKeys.revokeFor(caller, params['id'] ?? ''),
          ),
          TE.map(() => ({ status: 204 })),
          // Another tenant's key and no key answer alike, so nothing is learnt about other tenants.
          TE.orElse((e) => (e.code === 'NOT_FOUND' ? TE.right({ status: 204 }) : TE.left(e))),
        ),
    }),
  ];
}

/** RFC 9728 metadata: this service is a protected resource; in jwt mode AUTH_ISSUER is where to get a token. */
export function protectedResourceRoutes(deps: { resourceUrl: string; issuer: string | undefined }): RouteSpec[] {
  const metadata = (origin: string, suffix: string) => {
    const base = deps.resourceUrl || origin;
    return {
      resource: `${base}${suffix}`,
      ...(deps.issuer ? { authorization_servers: [deps.issuer] } : {}),
      bearer_methods_supported: ['header'],
      scopes_supported: [...SCOPES],
      resource_name: 'integration-backend',
      resource_documentation: `${base}/docs`,
    };
  };
  const schema: JsonSchema = {
    type: 'object',
    required: ['resource', 'bearer_methods_supported', 'scopes_supported'],
    properties: {
      resource: { type: 'string', format: 'uri' },
      authorization_servers: { type: 'array', items: { type: 'string', format: 'uri' } },
      bearer_methods_supported: { type: 'array', items: { type: 'string' } },
      scopes_supported: { type: 'array', items: { type: 'string' } },
      resource_name: { type: 'string' },
      resource_documentation: { type: 'string', format: 'uri' },
    },
  };
  return (['', '/mcp'] as const).map((suffix) =>
    route({
      method: 'get',
      path: `/.well-known/oauth-protected-resource${suffix}`,
      operationId: suffix === '' ? 'protectedResource' : 'protectedResourceMcp',
      summary: `OAuth 2.0 protected resource metadata (RFC 9728) of ${suffix === '' ? 'this service' : '/mcp'}.`,
      tags: ['auth'],
      tenantScoped: false,
      public: true,
      lenientQuery: true,
      responses: { 200: { description: 'The metadata.', schema } },
      handle: ({ origin }) => TE.right(json(200, metadata(origin, suffix))),
    }),
  );
}
