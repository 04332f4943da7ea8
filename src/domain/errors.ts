/**
 * The one error type of the service. Every use case fails with an AppError, returned as
 * the Left of a TaskEither and never thrown; `errorBody` below builds the standard body
 * from it, which the HTTP adapter sends with the status it maps the code to and the MCP
 * adapter puts in an `isError` tool result.
 */
export const ERROR_CODES = [
  'VALIDATION',
  'UNAUTHORIZED',
  'TOKEN_EXPIRED',
  'FORBIDDEN',
  'NOT_FOUND',
  'NOT_CONNECTED',
  'CONFLICT',
  'RATE_LIMITED',
  'VENDOR_ERROR',
  'INTERNAL_ERROR',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * `reason` refines the HTTP status inside one code where the contract needs it:
 * a bad OAuth state is a 422, an oversized body a 413, a wrong method a 405,
 * an Atlassian timeout a 504.
 */
export type ErrorReason =
  | 'invalid_oauth_state'
  | 'payload_too_large'
  | 'method_not_allowed'
  /** The request's Accept header allows none of the media types the route answers with. */
  | 'not_acceptable'
  | 'upstream_timeout'
  /** Atlassian's answer exceeded the size the service buffers; retrying would not help. */
  | 'upstream_oversized'
  /** Atlassian answered 401: the caller may refresh once and retry once. */
  | 'upstream_unauthorized'
  /** Atlassian refused the call because the grant lacks an OAuth scope: reconnecting with it helps, refreshing does not. */
  | 'missing_scope'
  /** The service itself held a call back because Atlassian's rate limit for the site or the app is in force. */
  | 'upstream_budget'
  /** The tenant sent more requests than RATE_LIMIT_PER_TENANT allows. */
  | 'tenant_rate_limit'
  /** The tenant's upstream calls were all in flight (UPSTREAM_CONCURRENCY_PER_TENANT) and its queue was full or the wait too long. */
  | 'upstream_concurrency'
  /** The caller sent no usable credential for this service (API key or JWT): the answer carries a WWW-Authenticate challenge. */
  | 'caller_unauthenticated'
  /** An Idempotency-Key already used for a different request (another operation or payload): 422. */
  | 'idempotency_key_reused'
  /** An Idempotency-Key whose first request is still running: 409 CONFLICT, retry later. */
  | 'idempotency_in_flight';

export interface AppError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly reason?: ErrorReason;
  /** Seconds the caller should wait (RATE_LIMITED only). */
  readonly retryAfter?: number;
  /** Field-level messages (VALIDATION from Atlassian, for one). Never caller-supplied values. */
  readonly details?: Readonly<Record<string, string>>;
  /** For logs only, never sent to a caller. */
  readonly cause?: unknown;
}

const make =
  (code: ErrorCode) =>
  (message: string, extra: Omit<AppError, 'code' | 'message'> = {}): AppError => ({
    code,
    message,
    ...extra,
  });

export const AppError = {
  validation: make('VALIDATION'),
  unauthorized: make('UNAUTHORIZED'),
  tokenExpired: make('TOKEN_EXPIRED'),
  forbidden: make('FORBIDDEN'),
  notFound: make('NOT_FOUND'),
  notConnected: make('NOT_CONNECTED'),
  /** The thing changed since the caller read it (a page at another version): read it again, then retry. */
  conflict: make('CONFLICT'),
  rateLimited: (message: string, retryAfter: number, extra: Omit<AppError, 'code' | 'message' | 'retryAfter'> = {}): AppError => ({
    code: 'RATE_LIMITED',
    message,
    retryAfter,
    ...extra,
  }),
  vendor: make('VENDOR_ERROR'),
  internal: make('INTERNAL_ERROR'),
} as const;

/** The standard error body every driver answers with: `{status:"error", code, message, retry_after?, details?}`. */
export interface ErrorBody {
  readonly status: 'error';
  readonly code: ErrorCode;
  readonly message: string;
  /** Seconds to wait; only on RATE_LIMITED (the HTTP adapter also sends it as Retry-After). */
  readonly retry_after?: number;
  /** Field-level messages; never on INTERNAL_ERROR. */
  readonly details?: Readonly<Record<string, string>>;
}

/** What a caller reads instead of an internal failure's message: the details stay in the log. */
export const INTERNAL_ERROR_MESSAGE = 'An unexpected error occurred; it has been logged.';

/** The standard body of an error. Internal details (`cause`, an internal message) never leave. */
export const errorBody = (error: AppError): ErrorBody => {
  const internal = error.code === 'INTERNAL_ERROR';
  return {
    status: 'error',
    code: error.code,
    message: internal ? INTERNAL_ERROR_MESSAGE : error.message,
    ...(error.code === 'RATE_LIMITED' ? { retry_after: Math.max(0, Math.ceil(error.retryAfter ?? 1)) } : {}),
    ...(error.details && !internal ? { details: error.details } : {}),
  };
};
