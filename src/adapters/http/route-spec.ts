/**
 * One table of routes drives both the Koa router and the OpenAPI document, so the
 * two cannot drift: a route that exists is documented, and only those exist.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import type * as t from 'io-ts';
import type { Caller, Scope } from '../../domain/caller.js';
import type { AppError } from '../../domain/errors.js';
import type { JsonSchema } from '../../domain/json-schema.js';
import type { TenantId } from '../../domain/tenant.js';
import type { MultipartLimits } from './multipart.js';

export type HttpMethod = 'get' | 'post' | 'patch' | 'put' | 'delete';

export interface RouteResult {
  readonly status: number;
  readonly body?: unknown;
  /** A raw body (static files, downloads) instead of JSON. A stream that fails part-way ends the connection. */
  readonly raw?: {
    readonly contentType: string;
    readonly body: string | Buffer | Readable;
    /** Sent exactly as given (the proxy's upstream type), never with a charset added; empty: none. */
    readonly exactType?: boolean;
  };
  /** Sent as a download of this file name (Content-Disposition: attachment). */
  readonly attachment?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sets Location; use with a 3xx status. */
  readonly location?: string;
  /**
   * Hands the raw request and response to a protocol handler (the MCP transport) once the
   * route has checked the caller; `status` is then ignored.
   */
  readonly takeover?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

export interface RouteInput<Q, B> {
  readonly tenantId: TenantId;
  /**
   * Who is calling, resolved once per request before the route runs: the tenant, the
   * credential's id and its scopes (docs/security.md). On a public route, ANONYMOUS.
   */
  readonly caller: Caller;
  readonly requestId: string;
  /** The origin the request was sent to (`http://host:port`), for URLs that point back at this service. */
  readonly origin: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: Q;
  readonly body: B;
  readonly headers: IncomingHttpHeaders;
  readonly cookie: (name: string) => string | undefined;
  /** The request itself: its URL as sent (still encoded) and its unread body (routes without a body codec). */
  readonly request: IncomingMessage;
}

export interface ParamSpec {
  readonly name: string;
  readonly description: string;
  readonly schema: JsonSchema;
  /** A typical value, shown in the OpenAPI document. */
  readonly example?: string;
}

export interface ResponseSpec {
  readonly description: string;
  /**
   * The body's schema. An error status (4xx, 5xx) without one documents the standard error body.
   * A function is called when the OpenAPI document is built: an operation's output schema is
   * worked out from its codec then, not at every start.
   */
  readonly schema?: JsonSchema | (() => JsonSchema);
  /** The body's media type (default application/json), or several for a route that serves files. */
  readonly contentType?: string | readonly string[];
  readonly headers?: Readonly<Record<string, { description: string; schema: JsonSchema }>>;
  /** A typical body, shown in the OpenAPI document. */
  readonly example?: unknown;
}

export interface RouteSpec<Q = unknown, B = unknown> {
  readonly method: HttpMethod;
  /** OpenAPI-style path: `/connectors/{connector}/connection`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly pathParams?: readonly ParamSpec[];
  /** Optional request headers the route reads (Idempotency-Key on writes), documented as header parameters. */
  readonly headerParams?: readonly ParamSpec[];
  /**
   * An exact codec over the query string (values are strings). A query parameter it does not
   * know is refused with 400, and so is any parameter on a route without one.
   */
  readonly query?: t.Type<Q, unknown, unknown>;
  /** An exact codec over the JSON body (with `multipart`: over the text fields of the form). */
  readonly body?: t.Type<B, unknown, unknown>;
  /**
   * The body is multipart/form-data of one file: `body` decodes its text fields (and the
   * path parameters), and the decoded body gains `file`.
   */
  readonly multipart?: MultipartLimits;
  /**
   * Path parameters that are fields of the query or body codec (catalog operations): their
   * values join the query or body before it is decoded, and their schemas come from the codec.
   */
  readonly codecPathParams?: readonly string[];
  /** A typical request body, shown in the OpenAPI document. */
  readonly bodyExample?: unknown;
  /** Typical values of the codec's path parameters, shown in the OpenAPI document. */
  readonly pathExamples?: Readonly<Record<string, unknown>>;
  /**
   * Unknown query parameters are ignored instead of refused: for routes whose URLs others
   * build (Atlassian's OAuth redirect, health probes, the documentation's own links).
   */
  readonly lenientQuery?: boolean;
  readonly responses: Readonly<Record<number, ResponseSpec>>;
  /** Every other status (the proxy, which answers whatever Atlassian answered). */
  readonly defaultResponse?: ResponseSpec;
  /**
   * The path parameter that takes the rest of the path, slashes included (it must be the
   * path's last segment); documented with `x-multi-segment: true`.
   */
  readonly restOfPath?: string;
  /** Headers sent with every answer of this route, errors included (Cache-Control on OAuth routes). */
  readonly alwaysHeaders?: Readonly<Record<string, string>>;
  /** Routes under X-Tenant-Id document the header. */
  readonly tenantScoped: boolean;
  /**
   * Answers without a credential in every AUTH_MODE (health, docs, the OAuth callback, the
   * protected-resource metadata). Every other route needs one outside open mode.
   */
  readonly public?: boolean;
  /** The scope a caller needs for this route (default read); checked before the route runs. */
  readonly scope?: Scope;
  /** An operator key may call it (the API key routes); every other route refuses one. */
  readonly operator?: boolean;
  readonly handle: (input: RouteInput<Q, B>) => TE.TaskEither<AppError, RouteResult>;
}

/** Erases the type parameters so routes of different shapes fit one table. */
export const route = <Q, B>(spec: RouteSpec<Q, B>): RouteSpec =>
  spec as unknown as RouteSpec;

export const json = (status: number, body: unknown, headers?: Record<string, string>): RouteResult => ({
  status,
  body,
  ...(headers ? { headers } : {}),
});

/** What an error status means, unless a route says more precisely. */
export const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Invalid input (VALIDATION): a parameter, body field or header failed its check; the message names it.',
  401: 'The Atlassian credentials are no longer usable (TOKEN_EXPIRED): reconnect.',
  403: 'Refused (FORBIDDEN).',
  404: 'Not found (NOT_FOUND).',
  405: 'Method not allowed (VALIDATION); Allow lists the methods.',
  406: 'The Accept header allows no media type this route answers with (VALIDATION).',
  409: 'The tenant has no connection for this connector (NOT_CONNECTED).',
  413: 'The request body is larger than BODY_LIMIT_BYTES (VALIDATION).',
  422: 'Invalid OAuth state (VALIDATION).',
  429: 'Rate limited (RATE_LIMITED): wait retry_after seconds (also the Retry-After header).',
  500: 'Unexpected failure (INTERNAL_ERROR); details are logged with the request id, never returned.',
  502: 'Atlassian failed or answered something malformed (VENDOR_ERROR).',
  504: 'Atlassian did not answer in time (VENDOR_ERROR).',
};

/** Documented error answers with their usual descriptions; `precisely` says more for some of them. */
export const errorResponses = (statuses: readonly number[], precisely: Readonly<Record<number, string>> = {}): Record<number, ResponseSpec> =>
  Object.fromEntries(statuses.map((s) => [s, { description: precisely[s] ?? ERROR_DESCRIPTIONS[s] ?? 'An error, in the standard error body.' }]));
