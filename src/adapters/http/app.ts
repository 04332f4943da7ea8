import { randomUUID } from 'node:crypto';
import { Readable, type Duplex } from 'node:stream';
import cors from '@koa/cors';
import { context, isSpanContextValid, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import Router from '@koa/router';
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import Koa, { type Context, type Next } from 'koa';
import bodyParser from 'koa-bodyparser';
import type { Logger as Pino } from 'pino';
import type { CallerAuthenticator } from '../../application/ports/caller-authenticator.js';
import { ANONYMOUS, missingScope, openCaller, unauthenticated, type Caller } from '../../domain/caller.js';
import { decodeStrictWith, decodeWith } from '../../domain/decode.js';
import { AppError } from '../../domain/errors.js';
import { DEFAULT_TENANT, TenantId } from '../../domain/tenant.js';
import { toHttpError } from './error-mapper.js';
import { plainJsonLength, readPlainJson } from './json-body.js';
import { readMultipart } from './multipart.js';
import type { RouteInput, RouteResult, RouteSpec } from './route-spec.js';

export interface HttpAppOptions {
  readonly routes: readonly RouteSpec[];
  readonly log: Pino;
  /** Explicit origins; empty means `*` without credentials. */
  readonly corsOrigins: readonly string[];
  readonly bodyLimitBytes: number;
  /** Told of every answered request (the metrics): route template, method, status, seconds. */
  readonly observe?: (o: { readonly method: string; readonly route: string | null; readonly status: number; readonly seconds: number }) => void;
  /** Absent: open mode (X-Tenant-Id is trusted). Present: every non-public route needs a bearer credential. */
  readonly auth?: {
    readonly authenticator: CallerAuthenticator;
    /** The public URL of this service for WWW-Authenticate and RFC 9728; empty: the request's own origin. */
    readonly resourceUrl: string;
  };
  /** Send Strict-Transport-Security (HSTS=true). */
  readonly hsts?: boolean;
  /**
   * RATE_LIMIT_PER_TENANT: asked once per request of a tenant-scoped route, after the caller
   * is known and before its body is read; a Left (429 RATE_LIMITED) is answered as it is.
   */
  readonly limitTenant?: (tenant: TenantId) => TE.TaskEither<AppError, void>;
}

interface State {
  requestId: string;
  /** The request span's trace, when tracing is on (or a `traceparent` came in). */
  traceId?: string;
  tenantId?: TenantId;
  /** The authenticated caller, once resolved (absent on public routes and in open mode before the route runs). */
  caller?: Caller;
  /** The client went away before its request was read. */
  aborted?: boolean;
}

/**
 * The tenant a request counts against: the authenticated caller's, or in open mode the
 * X-Tenant-Id (the default tenant without one). An operator, or a header that is no tenant id
 * (answered 400 by the route), counts against none.
 */
const limitedTenantOf = (ctx: Context, state: State): TenantId | undefined => {
  if (state.caller && state.caller.kind !== 'anonymous') return state.caller.operator ? undefined : state.caller.tenantId;
  const header = ctx.headers['x-tenant-id'];
  if (header === undefined) return DEFAULT_TENANT;
  const value = Array.isArray(header) ? header.join(',') : header;
  return TenantId.is(value) ? value : undefined;
};

/** What a route without a query codec accepts: no query parameters at all. */
const NO_QUERY = t.exact(t.type({})) as unknown as t.Type<unknown, unknown, unknown>;

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A span per request (no-ops until the host registers an OpenTelemetry SDK). */
const tracer = trace.getTracer('integration-backend/http');

/**
 * Runs the request in a server span whose parent is the caller's W3C `traceparent`; the
 * use cases' and Atlassian calls' spans are its children. Named by the route template.
 */
const traceRequest = async (ctx: Context, next: Next): Promise<void> => {
  const parent = propagation.extract(context.active(), ctx.headers);
  const span = tracer.startSpan(ctx.method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': ctx.method } }, parent);
  const spanContext = span.spanContext();
  // Without an OpenTelemetry SDK the span is the API's no-op with an invalid context: no span
  // below could take it as a parent and no traceparent would carry it, so nothing is set up.
  if (!isSpanContextValid(spanContext)) return next();
  (ctx.state as State).traceId = spanContext.traceId;
  try {
    await context.with(trace.setSpan(parent, span), next);
  } finally {
    // A span the SDK does not record (not sampled) keeps no name or attributes.
    if (span.isRecording()) {
      const route = (ctx as Context & { _matchedRoute?: string })._matchedRoute;
      const template = route?.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      const status = ctx.respond === false ? ctx.res.statusCode : ctx.status;
      if (template) span.updateName(`${ctx.method} ${template}`);
      span.setAttributes({ 'http.response.status_code': status, ...(template ? { 'http.route': template } : {}) });
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  }
};

const requestIdOf = (ctx: Context): string => {
  const given = ctx.get('x-request-id');
  return SANE_REQUEST_ID.test(given) ? given : randomUUID();
};

const toOpenApiKoaPath = (p: string, restOfPath?: string): string =>
  p.replace(/\{([^}]+)\}/g, (_m, name: string) => (name === restOfPath ? `*${name}` : `:${name}`));

/** True when the client went away before its request was read (raw-body's "request aborted"). */
const clientAborted = (ctx: Context): boolean => ctx.req.destroyed && !ctx.req.complete;

/** The content codings a JSON body may come in (what the body parser's inflation decodes). */
const BODY_CODINGS = new Set(['gzip', 'deflate', 'br', 'identity']);

/**
 * What went wrong while reading a request body, in the caller's terms. Only errors thrown by
 * the body parser (co-body over raw-body and inflation) come here, so they are the caller's
 * doing and answer 4xx: a status of 413 or 415, a SyntaxError for bad JSON, a zlib error for a
 * body that does not decompress. Whatever is thrown anywhere else is ours and answers 500;
 * nothing thrown is ever taken for an AppError (those travel as Lefts).
 */
const bodyReadError = (err: unknown): AppError => {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { status?: unknown; type?: unknown; code?: unknown };
  if (e.status === 413 || e.type === 'entity.too.large') {
    return AppError.validation('The request body is larger than the limit.', { reason: 'payload_too_large' });
  }
  if (err instanceof SyntaxError) {
    // co-body refuses prototype-poisoning keys with a SyntaxError too.
    return err.message.includes('prototype')
      ? AppError.validation('The request body contains a forbidden __proto__ key.')
      : AppError.validation('The request body is not valid JSON.');
  }
  if (typeof e.code === 'string' && e.code.startsWith('Z_')) {
    return AppError.validation('The request body could not be decompressed; check its Content-Encoding.');
  }
  if (e.status === 415 || e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
    return AppError.validation('The request body uses an unsupported encoding.');
  }
  if (e.type === 'request.size.invalid') return AppError.validation('The request body does not match its Content-Length.');
  return AppError.validation('The request body could not be read.');
};

/**
 * The JSON of results a use case hands out again unchanged (deeply frozen ones, see
 * `deepFreeze`: a page read again as it was), encoded the first time and sent as those bytes after: what Koa would send for the
 * object, without the encoding.
 */
const encodings = new WeakMap<object, Buffer>();
const encodedOnce = (body: object): Buffer => {
  let bytes = encodings.get(body);
  if (!bytes) encodings.set(body, (bytes = Buffer.from(JSON.stringify(body))));
  return bytes;
};

function sendResult(ctx: Context, result: RouteResult): void {
  for (const [name, value] of Object.entries(result.headers ?? {})) ctx.set(name, value);
  if (result.location) ctx.set('Location', result.location);
  ctx.status = result.status;
  if (result.attachment !== undefined) ctx.attachment(result.attachment);
  if (result.raw) {
    const { body } = result.raw;
    if (body instanceof Readable) {
      // The headers are out by then: a stream that fails part-way can only end the connection,
      // so the client sees a cut answer rather than a complete-looking one.
      body.once('error', () => ctx.res.destroy());
    }
    // A download keeps its type exactly (Koa would add a charset to text types), and so does the proxy.
    const { contentType } = result.raw;
    const exact = result.attachment !== undefined || result.raw.exactType;
    if (contentType === '') {
      ctx.body = body;
      if (result.raw.exactType) ctx.remove('Content-Type');
      else if (exact) ctx.set('Content-Type', '');
      else ctx.type = '';
    } else {
      // The type before the body, which Koa would otherwise first type application/octet-stream.
      if (exact) ctx.set('Content-Type', contentType);
      else ctx.type = contentType;
      ctx.body = body;
    }
  } else if (typeof result.body === 'object' && result.body !== null && Object.isFrozen(result.body)) {
    // The type first: a Buffer body would otherwise be sent as application/octet-stream.
    ctx.set('Content-Type', JSON_TYPE);
    ctx.body = encodedOnce(result.body);
  } else if (result.body !== undefined) {
    setBody(ctx, result.body);
  } else if (result.status !== 204 && !result.location) {
    ctx.body = '';
  }
}

/** Where RFC 9728 metadata of this service is: AUTH_RESOURCE_URL, or the origin the request came to. */
export const resourceBase = (ctx: Context, configured: string): string => configured || originOf(ctx);

/** `http://host[:port]` of the request: its Host header when that is a plain host name or address, else localhost. */
const originOf = (ctx: Context): string => {
  const host = ctx.get('host');
  return `${ctx.protocol}://${/^[A-Za-z0-9.[\]:-]{1,255}$/.test(host) ? host : 'localhost'}`;
};

/** The protected-resource metadata URL a 401 points MCP clients to (RFC 9728 section 5.1). */
const metadataUrl = (ctx: Context, configured: string): string =>
  `${resourceBase(ctx, configured)}/.well-known/oauth-protected-resource${ctx.path === '/mcp' ? '/mcp' : ''}`;

/** Bearer credentials as RFC 6750 spells them: `Bearer <token68>`. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The Content-Security-Policy of Swagger UI at /docs: its own scripts, styles, images and document only. */
export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'";

function sendError(ctx: Context, error: AppError, challenge?: string): void {
  const { status, body, headers } = toHttpError(error, challenge === undefined ? {} : { challenge });
  ctx.status = status;
  for (const [name, value] of Object.entries(headers)) ctx.set(name, value);
  setBody(ctx, body);
}

/**
 * What Koa's `ctx.type = 'json'` sets, written out: Koa would look `json` up in mime-types,
 * which the bundle loads on the first lookup (scripts/bundle/lazy-mime-types.cjs), so a JSON
 * answer, the first after start among them, needs no type table.
 */
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * A body as Koa would send it, with a JSON value encoded here. Koa tests an object body
 * against the ReadableStream, Blob and Response globals twice before encoding it, and the
 * first test against Response loads Node's fetch (about 5 ms, on the first answer after
 * start). The answer is the same: Koa's type for JSON, unless a JSON type is already set.
 */
function setBody(ctx: Context, body: unknown): void {
  if (typeof body === 'object' && body !== null && !Buffer.isBuffer(body) && !(body instanceof Readable) && !ArrayBuffer.isView(body)) {
    if (!/\bjson\b/i.test(ctx.type)) ctx.set('Content-Type', JSON_TYPE);
    ctx.body = JSON.stringify(body);
  } else {
    ctx.body = body;
  }
}

/**
 * Node answers requests it cannot parse (oversized headers or URL, broken HTTP) before
 * Koa sees them, with an empty body. This gives them the standard error body instead.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable || (socket as Duplex & { _httpMessage?: unknown })._httpMessage) {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const { status, body } = toHttpError(
    AppError.validation(tooLarge ? 'The request headers or URL are larger than the server accepts.' : 'The request is not valid HTTP.'),
  );
  const text = JSON.stringify(body);
  const statusLine = tooLarge ? '431 Request Header Fields Too Large' : `${status} Bad Request`;
  socket.end(
    `HTTP/1.1 ${statusLine}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}

/**
 * Builds the Koa application from the route table. It does not listen: the caller
 * decides (main.ts on PORT, tests on an ephemeral port).
 */
export function createHttpApp(opts: HttpAppOptions): Koa {
  const app = new Koa({ proxy: false });
  // Errors are answered and logged by the middleware below; Koa's default printer stays quiet.
  app.silent = true;
  // Strict: `/connectors/jira/issue-links/` is not `/connectors/jira/issue-links` (the document lists paths exactly).
  // Every route, for the 404 and 405 answers (built on the first of them); requests are
  // routed by `routesFor` below.
  let everyRoute: Router | undefined;
  const allRoutes = (): Router => {
    if (everyRoute) return everyRoute;
    everyRoute = new Router({ strict: true });
    for (const { register } of registrations) register(everyRoute);
    return everyRoute;
  };
  /** Each route, registered on a router, in the order of the route table. */
  const registrations: { readonly group: string; readonly register: (on: Router) => void }[] = [];
  const wildcard = opts.corsOrigins.length === 0;
  const origins = new Set(opts.corsOrigins);

  /** Answers an error in the standard body; an internal one is logged with its cause, which never leaves. */
  const fail = (ctx: Context, error: AppError): void => {
    if (error.code === 'INTERNAL_ERROR') {
      opts.log.error({ req_id: (ctx.state as State).requestId, err: error.cause ?? error.message }, 'internal error');
    }
    const challenge = opts.auth ? `Bearer resource_metadata="${metadataUrl(ctx, opts.auth.resourceUrl)}"` : undefined;
    sendError(ctx, error, challenge);
  };

  /**
   * Resolves the caller of a non-public route once, before its body is read: the bearer
   * credential through the authenticator, then the operator, tenant and scope checks. Open
   * mode trusts X-Tenant-Id, which readInput reads as it always has.
   */
  const resolveCaller = async (ctx: Context, spec: RouteSpec): Promise<E.Either<AppError, Caller | undefined>> => {
    if (spec.public) return E.right(ANONYMOUS);
    if (!opts.auth) return E.right(undefined);
    const header = ctx.get('authorization');
    const bearer = BEARER.exec(header)?.[1];
    if (bearer === undefined) return E.left(unauthenticated());
    const authenticated = await opts.auth.authenticator.authenticate(bearer)();
    if (E.isLeft(authenticated)) return authenticated;
    const caller = authenticated.right;
    if (caller.operator && !spec.operator) {
      return E.left(AppError.forbidden('An operator key manages API keys and acts for no tenant; call this route with a key of the tenant.'));
    }
    const tenantHeader = ctx.headers['x-tenant-id'];
    if (tenantHeader !== undefined && (caller.operator || (Array.isArray(tenantHeader) ? tenantHeader.join(',') : tenantHeader) !== caller.tenantId)) {
      return E.left(AppError.forbidden('X-Tenant-Id names another tenant than the credential acts for; leave it out (the tenant comes from the credential).'));
    }
    const refused = missingScope(caller, spec.scope ?? 'read', `${spec.method.toUpperCase()} ${spec.path}`);
    return refused ? E.left(refused) : E.right(caller);
  };

  app.use(traceRequest);
  app.use(async (ctx: Context, next: Next) => {
    const started = process.hrtime.bigint();
    const state = ctx.state as State;
    state.requestId = requestIdOf(ctx);
    ctx.set('X-Request-Id', state.requestId);
    ctx.set('X-Content-Type-Options', 'nosniff');
    if (ctx.path === '/docs' || ctx.path.startsWith('/docs/')) ctx.set('Content-Security-Policy', DOCS_CSP);
    else ctx.set('X-Frame-Options', 'DENY');
    if (opts.hsts) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    try {
      await next();
      if (ctx.respond !== false && ctx.status === 404 && ctx.body === undefined) {
        const match = allRoutes().match(ctx.path, ctx.method);
        const allowed = [...new Set(match.path.flatMap((l) => l.methods))].filter((m) => m !== 'HEAD');
        if (match.path.length > 0 && !match.route) {
          ctx.set('Allow', allowed.join(', '));
          sendError(ctx, AppError.validation(`Method ${ctx.method} is not allowed here; use ${allowed.join(', ')}.`, { reason: 'method_not_allowed' }));
        } else {
          sendError(ctx, AppError.notFound(`No route for ${ctx.method} ${ctx.path}.`));
        }
      }
    } catch (err) {
      if (ctx.respond === false) {
        // A protocol handler owned the response and failed part-way: nothing sane can be added to it.
        opts.log.error({ req_id: state.requestId, err }, 'protocol handler failed');
        if (!ctx.res.writableEnded) ctx.res.destroy();
      } else {
        fail(ctx, AppError.internal('unhandled exception', { cause: err }));
      }
    } finally {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      // However a handler noticed (the proxy's body read answers a refusal nobody receives): a client gone mid-request left it.
      if (!state.aborted && clientAborted(ctx)) state.aborted = true;
      const route = (ctx as Context & { _matchedRoute?: string })._matchedRoute ?? null;
      // 499: nginx's "client closed request", so an abandoned upload is not counted as a 4xx or 5xx we sent.
      const status = state.aborted ? 499 : ctx.respond === false ? ctx.res.statusCode : ctx.status;
      opts.observe?.({ method: ctx.method, route: route && route.replace(/:([A-Za-z0-9_]+)/g, '{$1}'), status, seconds: durationMs / 1000 });
      opts.log.info(
        {
          req_id: state.requestId,
          method: ctx.method,
          route,
          path: ctx.path,
          status,
          ...(state.aborted ? { aborted: true } : {}),
          duration_ms: Math.round(durationMs * 100) / 100,
          tenant: state.tenantId ?? null,
          ...(state.traceId ? { trace_id: state.traceId } : {}),
        },
        'request',
      );
    }
  });

  app.use(
    cors({
      origin: (ctx: Context) => {
        if (wildcard) return '*';
        const origin = ctx.get('Origin');
        return origins.has(origin) ? origin : '';
      },
      credentials: !wildcard,
      exposeHeaders: ['X-Request-Id', 'Retry-After', 'Mcp-Session-Id', 'X-Upstream-Status'],
      allowHeaders: ['Content-Type', 'Authorization', 'X-Tenant-Id', 'X-Request-Id', 'Mcp-Session-Id', 'Mcp-Protocol-Version', 'Last-Event-ID'],
      allowMethods: ['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'],
    }),
  );

  // Only routes that take a body parse one.
  const bodyParserMiddleware = bodyParser({
    enableTypes: ['json'],
    jsonLimit: `${opts.bodyLimitBytes}b`,
    strict: true,
    onerror: (err: Error) => {
      throw err;
    },
  });
  const parseBody = async (ctx: Context, next: Next): Promise<void> => {
    // Content codings are case-insensitive (RFC 9110 8.4.1); the body parser compares them as written.
    const coding = ctx.req.headers['content-encoding'];
    if (coding !== undefined) {
      const normal = coding.trim().toLowerCase();
      if (!BODY_CODINGS.has(normal)) {
        return fail(ctx, AppError.validation(`The request body's Content-Encoding ${JSON.stringify(coding.slice(0, 40))} is not one this service takes: gzip, deflate, br or identity.`));
      }
      ctx.req.headers['content-encoding'] = normal;
    }
    try {
      const plainLength = ctx.request.body === undefined ? plainJsonLength(ctx.req, opts.bodyLimitBytes) : undefined;
      if (plainLength === undefined) await bodyParserMiddleware(ctx, async () => undefined);
      else (ctx.request as { body?: unknown }).body = await readPlainJson(ctx.req, plainLength);
    } catch (err) {
      if (clientAborted(ctx)) {
        // The client left mid-body: nobody is there to answer; the log line says so.
        (ctx.state as State).aborted = true;
        ctx.respond = false;
        ctx.res.destroy();
        return;
      }
      return fail(ctx, bodyReadError(err));
    }
    await next();
  };

  for (const spec of opts.routes) {
    const queryDecoder = spec.lenientQuery
      ? spec.query && decodeWith(spec.query, 'query parameters')
      : decodeStrictWith(spec.query ?? NO_QUERY, 'query parameters');
    const bodyDecoder = spec.body ? decodeStrictWith(spec.body, 'request body') : undefined;
    const codecPathParams = spec.codecPathParams ?? [];
    /** The query or body with the path parameters the codec expects among its fields. */
    const withPathParams = (ctx: Context, value: unknown): unknown => {
      if (codecPathParams.length === 0 || typeof value !== 'object' || value === null || Array.isArray(value)) return value;
      const params = ctx.params as Record<string, string>;
      return { ...value, ...Object.fromEntries(codecPathParams.map((name) => [name, params[name]])) };
    };
    const { multipart } = spec;
    /** Reads a multipart body into `ctx.request.body`: its fields, and `file`. */
    const parseMultipart = async (ctx: Context, next: Next): Promise<void> => {
      if (!multipart) return next();
      const read = await readMultipart(ctx.req, multipart);
      if (E.isLeft(read)) {
        if ('aborted' in read.left) {
          (ctx.state as State).aborted = true;
          ctx.respond = false;
          ctx.res.destroy();
          return;
        }
        return fail(ctx, read.left.error);
      }
      (ctx.request as { body?: unknown }).body = read.right;
      await next();
    };
    /** Who is calling: refused here, before any body is read, when the credential does not allow the route. */
    const authenticate = async (ctx: Context, next: Next): Promise<void> => {
      const state = ctx.state as State;
      // Whatever a tenant's route answers (its data or an error about it) is never stored by a cache.
      if (!spec.public) ctx.set('Cache-Control', 'no-store');
      const caller = await resolveCaller(ctx, spec);
      if (E.isLeft(caller)) return fail(ctx, caller.left);
      if (caller.right) {
        state.caller = caller.right;
        if (spec.tenantScoped && !caller.right.operator) state.tenantId = caller.right.tenantId;
      }
      if (opts.limitTenant && spec.tenantScoped) {
        const tenant = limitedTenantOf(ctx, state);
        if (tenant !== undefined) {
          const admitted = await opts.limitTenant(tenant)();
          if (E.isLeft(admitted)) return fail(ctx, admitted.left);
        }
      }
      await next();
    };
    const middleware = multipart ? [parseMultipart] : spec.body ? [parseBody] : [];
    const handler = async (ctx: Context): Promise<void> => {
      const state = ctx.state as State;
      for (const [name, value] of Object.entries(spec.alwaysHeaders ?? {})) ctx.set(name, value);
      const input = readInput(ctx, state);
      if (E.isLeft(input)) return fail(ctx, input.left);
      const outcome = await spec.handle(input.right)();
      if (E.isLeft(outcome)) return fail(ctx, outcome.left);
      const { takeover } = outcome.right;
      if (takeover) {
        ctx.respond = false;
        await takeover(ctx.req, ctx.res);
        return;
      }
      sendResult(ctx, outcome.right);
    };
    const koaPath = toOpenApiKoaPath(spec.path, spec.restOfPath);
    registrations.push({ group: routeGroup(spec.path), register: (on) => on[spec.method](koaPath, authenticate, ...middleware, handler) });

    /** The tenant, query and body of a request, decoded by the route's codecs. */
    function readInput(ctx: Context, state: State): E.Either<AppError, RouteInput<unknown, unknown>> {
      let tenantId = DEFAULT_TENANT;
      if (state.caller && state.caller.kind !== 'anonymous') {
        tenantId = state.caller.tenantId;
      } else if (spec.tenantScoped) {
        const header = ctx.headers['x-tenant-id'];
        if (header !== undefined) {
          const value = Array.isArray(header) ? header.join(',') : header;
          if (!TenantId.is(value)) {
            return E.left(AppError.validation('X-Tenant-Id must be 1-128 characters of letters, digits, ".", "_", ":" or "-".'));
          }
          tenantId = value;
        }
        state.tenantId = tenantId;
      }
      const query = queryDecoder ? queryDecoder(spec.body ? ctx.query : withPathParams(ctx, ctx.query)) : E.right(undefined);
      if (E.isLeft(query)) return query;
      let body: E.Either<AppError, unknown> = E.right(undefined);
      if (bodyDecoder && multipart) {
        const form = (ctx.request as { body?: { fields: Record<string, string>; file: unknown } }).body;
        body = E.map((fields: unknown) => ({ ...(fields as object), file: form?.file }))(bodyDecoder(withPathParams(ctx, { ...form?.fields })));
      } else if (bodyDecoder) {
        if (!ctx.is('application/json')) return E.left(AppError.validation('The request body must be JSON (Content-Type: application/json).'));
        body = bodyDecoder(withPathParams(ctx, (ctx.request as { body?: unknown }).body));
      }
      if (E.isLeft(body)) return body;
      return E.right({
        tenantId,
        caller: state.caller ?? openCaller(tenantId),
        requestId: state.requestId,
        origin: originOf(ctx),
        params: ctx.params as Record<string, string>,
        query: query.right,
        body: body.right,
        headers: ctx.headers,
        cookie: (name: string) => ctx.cookies.get(name),
        request: ctx.req,
      });
    }
  }
  app.use(routesFor(registrations));
  return app;
}

/**
 * The literal first segments of a route's path, at most two: `/connectors/jira` for
 * `/connectors/jira/search`, `/connectors` for `/connectors/{connector}/connection`, `` for
 * `/`. A route can match only a request whose path starts with its group.
 */
const routeGroup = (path: string): string => {
  const [first, second] = path.split('/').slice(1);
  if (first === undefined || first === '' || first.includes('{')) return '';
  return second === undefined || second.includes('{') ? `/${first}` : `/${first}/${second}`;
};

/**
 * Routes a request through a router holding only the routes that could match its path:
 * those of its first two segments' group, of its first segment's, and of the root. One
 * router of every route tries each pattern in turn, about 90 of them on every request
 * (docs/performance.md); the order among the routes a router holds is the table's.
 */
const routesFor = (registrations: readonly { readonly group: string; readonly register: (on: Router) => void }[]): Koa.Middleware => {
  const groups = new Set(registrations.map((r) => r.group));
  groups.add('');
  // A group's router is built when its first request comes (registering every route's
  // pattern was about 6 ms of start-up, docs/performance.md); `routed` holds the built ones.
  const routed = new Map<string, Koa.Middleware>();
  const within = (group: string): Koa.Middleware => {
    let built = routed.get(group);
    if (built) return built;
    const parent = group.indexOf('/', 1) > 0 ? group.slice(0, group.indexOf('/', 1)) : '';
    const holds = new Set([group, parent, '']);
    const sub = new Router({ strict: true });
    for (const r of registrations) if (holds.has(r.group)) r.register(sub);
    built = sub.routes() as Koa.Middleware;
    routed.set(group, built);
    return built;
  };
  return (ctx, next) => {
    const path = ctx.path;
    const one = path.indexOf('/', 1);
    const first = one < 0 ? path : path.slice(0, one);
    const two = one < 0 ? -1 : path.indexOf('/', one + 1);
    const firstTwo = one < 0 ? undefined : two < 0 ? path : path.slice(0, two);
    const group = firstTwo !== undefined && groups.has(firstTwo) ? firstTwo : groups.has(first) ? first : '';
    return within(group)(ctx, next);
  };
};
