/**
 * `/connectors/{connector}/proxy/{path}`: GET, POST, PUT and DELETE passed to the tenant's
 * Atlassian site with its credentials (ProxyAtlassian), for trusted server-side callers
 * that need a call the catalog does not offer. REST only, never a tool. Atlassian's status,
 * body and headers of PROXY's safe list come back as they were, with X-Upstream-Status;
 * only our own refusals are in the standard error body.
 */
import { Readable } from 'node:stream';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { NO_AUDIT, type AuditRecorder } from '../../../application/audit.js';
import type { ProxyAtlassian } from '../../../application/proxy-atlassian.js';
import { AppError } from '../../../domain/errors.js';
import { PROXY_METHODS, PROXY_REQUEST_HEADERS, proxyPrefixes, type ProxyAnswer, type ProxyBody, type ProxyMethod } from '../../../domain/proxy.js';
import { hasBody, readRawBody, type RawBodyLimits } from '../raw-body.js';
import { route, type ResponseSpec, type RouteResult, type RouteSpec } from '../route-spec.js';
import { connectorParam } from './connector-routes.js';
import { CONNECTOR_PARAM } from './schemas.js';

const PREFIXES = [...new Set([...proxyPrefixes('jira'), ...proxyPrefixes('confluence')])].map((p) => p.slice(1));

const UPSTREAM_STATUS = {
  'X-Upstream-Status': {
    description: "Atlassian's status, on every answer that came from Atlassian; absent on the service's own refusals.",
    schema: { type: 'integer' },
  },
};

const ANY_BODY = ['application/json', '*/*'];

/** Atlassian's body, as it sent it. */
const UPSTREAM_BODY = { description: "Atlassian's body, as it sent it (its Content-Type)." };

/** A status both we and Atlassian may answer: ours in the standard error body, Atlassian's as it sent it. */
const either = (ours: string): ResponseSpec => ({
  description: `${ours} Or Atlassian's own answer with this status, as it sent it (with X-Upstream-Status).`,
  contentType: ANY_BODY,
  schema: { anyOf: [{ $ref: '#/components/schemas/Error' }, UPSTREAM_BODY] },
  headers: UPSTREAM_STATUS,
});

const RESPONSES: Readonly<Record<number, ResponseSpec>> = {
  200: { description: "Atlassian's answer, as it sent it.", contentType: ANY_BODY, schema: UPSTREAM_BODY, headers: UPSTREAM_STATUS },
  400: either(
    'A path outside the API prefixes, traversal (`..`, `%2e%2e`, `%2f`, double encoding), an absolute URL, `@` or a backslash; a body that is neither JSON nor multipart/form-data, or a body on GET (VALIDATION, naming the problem).',
  ),
  401: either('The stored credentials no longer work, even after a refresh (TOKEN_EXPIRED): reconnect.'),
  403: either('A method other than GET while TOOLS_READ_ONLY=true (FORBIDDEN).'),
  404: either('An unknown connector, or the proxy is turned off (PROXY_ENABLED=false) (NOT_FOUND).'),
  409: either('The tenant has no connection for this connector (NOT_CONNECTED).'),
  413: either('The request body is larger than BODY_LIMIT_BYTES (JSON) or ATTACHMENT_MAX_BYTES (multipart), or the answer larger than ATTACHMENT_MAX_BYTES (VALIDATION).'),
  429: either(
    "Ours (RATE_LIMITED) while Atlassian's rate limit holds the site or the app in a penalty window, so nothing was sent; Atlassian's when it rate limited the call (a GET was retried within ATLASSIAN_RETRY_BUDGET_MS first).",
  ),
  502: either('Atlassian could not be reached (VENDOR_ERROR).'),
  504: either('Atlassian did not answer within ATLASSIAN_TIMEOUT_MS (VENDOR_ERROR).'),
};

const PATH_PARAM = {
  name: 'path',
  description: `The Atlassian API path, slashes included and not encoded: it starts with ${PREFIXES.join(', ')} (rest/api/3 on Jira Cloud, rest/api/2 on Jira Data Center).`,
  schema: { type: 'string', pattern: `^(${PREFIXES.map((p) => p.replace(/\./g, '\\.')).join('|')})` },
  example: 'rest/api/3/myself',
};

const title = (m: ProxyMethod): string => `${m.charAt(0)}${m.slice(1).toLowerCase()}`;

/** The path below `/connectors/{connector}/proxy` and the query string, as the caller sent them. */
const rawTarget = (url: string): { path: string; query: string } => {
  const q = url.indexOf('?');
  const pathname = q < 0 ? url : url.slice(0, q);
  const path = /^\/connectors\/[^/]+\/proxy(\/.*)$/.exec(pathname)?.[1] ?? '/';
  return { path, query: q < 0 ? '' : url.slice(q + 1) };
};

const pickHeaders = (headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const name of PROXY_REQUEST_HEADERS) {
    const v = headers[name];
    if (v !== undefined) out[name] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
};

const toResult = (answer: ProxyAnswer): RouteResult => {
  const { 'content-type': contentType = '', ...headers } = answer.headers;
  const empty = answer.status === 204 || answer.status === 304;
  if (empty) answer.discard();
  return {
    status: answer.status,
    headers: { ...headers, 'X-Upstream-Status': String(answer.status) },
    ...(empty
      ? {}
      : {
          raw: {
            contentType,
            exactType: true,
            body:
              answer.body instanceof Uint8Array
                ? Buffer.from(answer.body)
                : answer.body instanceof Readable
                  ? answer.body
                  : Readable.from(answer.body, { objectMode: false }),
          },
        }),
  };
};

export function proxyRoutes(deps: { readonly proxy: ProxyAtlassian; readonly limits: RawBodyLimits; readonly audit?: AuditRecorder }): RouteSpec[] {
  const audit = deps.audit ?? NO_AUDIT;
  return PROXY_METHODS.map((method) =>
    route<unknown, unknown>({
      method: method.toLowerCase() as 'get',
      path: '/connectors/{connector}/proxy/{path}',
      restOfPath: 'path',
      operationId: `proxy${title(method)}`,
      summary: `${method} any Jira or Confluence API path on the tenant's site, with its credentials (the proxy).`,
      description:
        `For trusted server-side callers that need an Atlassian call the operations do not offer: the request goes to the tenant's site ` +
        `(OAuth through api.atlassian.com/ex/{product}/{cloudId}, an API token or PAT to its base URL) with the query string` +
        `${method === 'GET' ? '' : ' and the JSON or multipart/form-data body'} as sent. Atlassian's status, body, Retry-After and ` +
        `rate-limit headers come back as they are, with X-Upstream-Status; only the service's own refusals use the standard error body. ` +
        `${method === 'GET' ? 'Retried on 429 and 5xx within ATLASSIAN_RETRY_BUDGET_MS.' : 'Never retried.'} ` +
        `The tenant's project and space filters do not apply. REST only: never an agent tool. See docs/proxy.md.`,
      tags: ['proxy'],
      tenantScoped: true,
      // A caller's credential needs `write` for anything but a read (docs/security.md).
      scope: method === 'GET' ? 'read' : 'write',
      // The query string is Atlassian's, passed on as it is.
      lenientQuery: true,
      pathParams: [{ ...CONNECTOR_PARAM, example: 'jira' }, PATH_PARAM],
      responses: RESPONSES,
      defaultResponse: { description: "Atlassian's answer with any other status, as it sent it.", contentType: ANY_BODY, schema: UPSTREAM_BODY, headers: UPSTREAM_STATUS },
      handle: ({ tenantId, caller, requestId, params, request, headers }) => {
        const { path, query } = rawTarget(request.url ?? '/');
        const body: TE.TaskEither<AppError, ProxyBody | undefined> =
          method !== 'GET'
            ? () => readRawBody(request, deps.limits)
            : hasBody(request)
              ? TE.left(AppError.validation('A GET through the proxy carries no body.'))
              : TE.right(undefined);
        return pipe(
          connectorParam(params),
          TE.flatMap((connector) => {
            const call = deps.proxy.execute(tenantId, connector, { method, path, query, headers: pickHeaders(headers), body });
            // A write through the proxy is audited (its path and body never are); a read is not.
            return method === 'GET' ? call : audit.recorded({ caller, requestId }, `proxy.${method}`, connector, call);
          }),
          TE.map(toResult),
          // A refusal leaves the body unread: it is read and dropped, so the answer reaches the caller.
          TE.mapLeft((error) => {
            if (!request.complete) request.resume();
            return error;
          }),
        );
      },
    }),
  );
}
