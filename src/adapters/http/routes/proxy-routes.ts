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
import * as E from 'fp-ts/lib/Either.js';
import type { IdempotentWrites } from '../../../application/idempotency.js';
import type { ProxyAtlassian } from '../../../application/proxy-atlassian.js';
import { AppError } from '../../../domain/errors.js';
import { IDEMPOTENCY_KEY_MAX_LENGTH, parseIdempotencyKey, requestFingerprint } from '../../../domain/idempotency.js';
import type { TenantId } from '../../../domain/tenant.js';
import { toHttpError } from '../error-mapper.js';
import {
  PROXY_METHODS,
  PROXY_REQUEST_HEADERS,
  proxyPrefixes,
  type ProxyAnswer,
  type ProxyBody,
  type ProxyMethod,
} from '../../../domain/proxy.js';
import { hasBody, readRawBody, type RawBodyLimits } from '../raw-body.js';
import { route, type ParamSpec, type ResponseSpec, type RouteResult, type RouteSpec } from '../route-spec.js';
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
  200: {
    description: "Atlassian's answer, as it sent it.",
    contentType: ANY_BODY,
    schema: UPSTREAM_BODY,
    headers: UPSTREAM_STATUS,
  },
  400: either(
    'A path outside the API prefixes, traversal (`..`, `%2e%2e`, `%2f`, double encoding), an absolute URL, `@` or a backslash; a body that is neither JSON nor multipart/form-data, or a body on GET (VALIDATION, naming the problem).',
  ),
  401: either('The stored credentials no longer work, even after a refresh (TOKEN_EXPIRED): reconnect.'),
  403: either('A method other than GET while TOOLS_READ_ONLY=true (FORBIDDEN).'),
  404: either('An unknown connector, or the proxy is turned off (PROXY_ENABLED=false) (NOT_FOUND).'),
  409: either('The tenant has no connection for this connector (NOT_CONNECTED).'),
  413: either(
    'The request body is larger than BODY_LIMIT_BYTES (JSON) or ATTACHMENT_MAX_BYTES (multipart), or the answer larger than ATTACHMENT_MAX_BYTES (VALIDATION).',
  ),
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
                ? // A view of the same bytes: Buffer.from(a Uint8Array) would copy them one by one.
                  Buffer.isBuffer(answer.body)
                  ? answer.body
                  : Buffer.from(answer.body.buffer, answer.body.byteOffset, answer.body.byteLength)
                : answer.body instanceof Readable
                  ? answer.body
                  : Readable.from(answer.body, { objectMode: false }),
          },
        }),
  };
};

/** The largest Atlassian answer a proxied write with an Idempotency-Key stores; a larger one is passed on and the key released. */
export const PROXY_IDEMPOTENT_MAX_BYTES = 1024 * 1024;

/** Atlassian's answer read whole (up to PROXY_IDEMPOTENT_MAX_BYTES), so it can be stored and replayed. */
interface HeldAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** base64 of the body, when it was read whole. */
  readonly body?: string;
  /** Too large to store: what was read and the rest, streamed to the caller. */
  readonly live?: ProxyAnswer;
}

const hold = (answer: ProxyAnswer): TE.TaskEither<AppError, HeldAnswer> => {
  const empty = answer.status === 204 || answer.status === 304;
  if (empty) {
    answer.discard();
    return TE.right({ status: answer.status, headers: answer.headers, body: '' });
  }
  if (answer.body instanceof Uint8Array) {
    return TE.right({
      status: answer.status,
      headers: answer.headers,
      body: Buffer.from(answer.body).toString('base64'),
    });
  }
  const source = answer.body;
  return TE.tryCatch(
    async () => {
      const chunks: Uint8Array[] = [];
      let size = 0;
      const iterator = source[Symbol.asyncIterator]();
      for (;;) {
        const next = await iterator.next();
        if (next.done)
          return { status: answer.status, headers: answer.headers, body: Buffer.concat(chunks).toString('base64') };
        chunks.push(next.value);
        size += next.value.length;
        if (size > PROXY_IDEMPOTENT_MAX_BYTES) {
          async function* rest(): AsyncIterable<Uint8Array> {
            yield* chunks;
            for (;;) {
              const more = await iterator.next();
              if (more.done) return;
              yield more.value;
            }
          }
          return { status: answer.status, headers: answer.headers, live: { ...answer, body: rest() } };
        }
      }
    },
    (err) => AppError.vendor('Atlassian stopped sending its answer.', { cause: err }),
  );
};

/** Stored: what a retry would get again. Not: Atlassian's 5xx, 401 (a refresh or reconnect may help), 408, 429, a body too large to hold. */
const keepAnswer = (a: HeldAnswer): boolean =>
  a.live === undefined && a.status < 500 && a.status !== 401 && a.status !== 408 && a.status !== 429;

const fromHeld = (a: HeldAnswer): RouteResult =>
  a.live
    ? toResult(a.live)
    : toResult({
        status: a.status,
        headers: a.headers,
        body: Buffer.from(a.body ?? '', 'base64'),
        discard: () => undefined,
      });

const IDEMPOTENCY_HEADER: ParamSpec = {
  name: 'Idempotency-Key',
  description:
    "Optional (IETF httpapi Idempotency-Key, 1 to 255 printable ASCII characters): Atlassian's answer to the first request with it is stored per tenant (up to 1 MiB; not a 5xx, 401, 408 or 429) and a retry with the same method, path, query, headers and body within IDEMPOTENCY_TTL_HOURS gets it again without calling Atlassian (Idempotent-Replayed: true); the same key for another request is a 422, a retry while the first still runs a 409.",
  schema: { type: 'string', minLength: 1, maxLength: IDEMPOTENCY_KEY_MAX_LENGTH },
  example: '8e03978e-40d5-43e8-bc93-6894a57f9324',
};

const WRITE_RESPONSES: Readonly<Record<number, ResponseSpec>> = {
  ...RESPONSES,
  409: either(
    'The tenant has no connection for this connector (NOT_CONNECTED), or a request with this Idempotency-Key is still running (CONFLICT).',
  ),
  422: either('This Idempotency-Key was already used for a different request (VALIDATION).'),
};

export function proxyRoutes(deps: {
  readonly proxy: ProxyAtlassian;
  readonly limits: RawBodyLimits;
  readonly idempotency?: IdempotentWrites;
  readonly audit?: AuditRecorder;
}): RouteSpec[] {
  const audit = deps.audit ?? NO_AUDIT;
  /** A write sent with an Idempotency-Key: the body read first (it is part of the fingerprint), the answer held and stored. */
  const idempotent = (
    tenantId: TenantId,
    rawKey: string | string[],
    call: { method: ProxyMethod; path: string; query: string; headers: Record<string, string> },
    connector: Parameters<ProxyAtlassian['execute']>[1],
    request: Parameters<typeof readRawBody>[0],
    who: Parameters<AuditRecorder['recorded']>[0],
  ) =>
    pipe(
      Array.isArray(rawKey)
        ? TE.left(AppError.validation('Send one Idempotency-Key header, not several.'))
        : TE.fromEither(parseIdempotencyKey(rawKey, 'The Idempotency-Key header')),
      TE.flatMap((key) =>
        pipe(
          () => readRawBody(request, deps.limits),
          TE.flatMap((body) =>
            deps.idempotency!.run(
              tenantId,
              key,
              requestFingerprint(`proxy:${connector}`, { ...call, body }),
              // The first run is audited like any proxied write; a replay calls nobody and records nothing.
              () =>
                pipe(
                  audit.recorded(
                    who,
                    `proxy.${call.method}`,
                    connector,
                    deps.proxy.execute(tenantId, connector, { ...call, body: TE.right(body) }),
                  ),
                  TE.flatMap(hold),
                ),
              keepAnswer,
            ),
          ),
        ),
      ),
      TE.map(({ outcome, replayed }): RouteResult => {
        const marked: Record<string, string> = replayed ? { 'Idempotent-Replayed': 'true' } : {};
        if (E.isRight(outcome)) {
          const result = fromHeld(outcome.right);
          return { ...result, headers: { ...result.headers, ...marked } };
        }
        const error = toHttpError(outcome.left);
        return { status: error.status, body: error.body, headers: { ...error.headers, ...marked } };
      }),
    );
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
      ...(method !== 'GET' && deps.idempotency ? { headerParams: [IDEMPOTENCY_HEADER] } : {}),
      responses: method !== 'GET' && deps.idempotency ? WRITE_RESPONSES : RESPONSES,
      defaultResponse: {
        description: "Atlassian's answer with any other status, as it sent it.",
        contentType: ANY_BODY,
        schema: UPSTREAM_BODY,
        headers: UPSTREAM_STATUS,
      },
      handle: ({ tenantId, caller, requestId, params, request, headers }) => {
        const { path, query } = rawTarget(request.url ?? '/');
        const rawKey = headers['idempotency-key'];
        if (method !== 'GET' && rawKey !== undefined && deps.idempotency) {
          return pipe(
            connectorParam(params),
            TE.flatMap((connector) =>
              idempotent(tenantId, rawKey, { method, path, query, headers: pickHeaders(headers) }, connector, request, {
                caller,
                requestId,
              }),
            ),
            TE.mapLeft((error) => {
              if (!request.complete) request.resume();
              return error;
            }),
          );
        }
        const body: TE.TaskEither<AppError, ProxyBody | undefined> =
          method !== 'GET'
            ? () => readRawBody(request, deps.limits)
            : hasBody(request)
              ? TE.left(AppError.validation('A GET through the proxy carries no body.'))
              : TE.right(undefined);
        // One async step rather than a chain of combinators: every proxied call comes this way (docs/performance.md).
        return async () => {
          const connector = await connectorParam(params)();
          let answer: E.Either<AppError, ProxyAnswer>;
          if (E.isRight(connector)) {
            const call = deps.proxy.execute(tenantId, connector.right, { method, path, query, headers: pickHeaders(headers), body });
            // A write through the proxy is audited (its path and body never are); a read is not.
            answer = await (method === 'GET' ? call : audit.recorded({ caller, requestId }, `proxy.${method}`, connector.right, call))();
          } else answer = connector;
          if (E.isRight(answer)) return E.right(toResult(answer.right));
          // A refusal leaves the body unread: it is read and dropped, so the answer reaches the caller.
          if (!request.complete) request.resume();
          return answer;
        };
      },
    }),
  );
}
