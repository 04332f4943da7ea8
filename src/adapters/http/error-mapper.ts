import { errorBody, type AppError, type ErrorBody } from '../../domain/errors.js';

export type { ErrorBody } from '../../domain/errors.js';

export interface HttpError {
  readonly status: number;
  readonly body: ErrorBody;
  readonly headers: Readonly<Record<string, string>>;
}

const assertUnreachable = (x: never): never => {
  throw new Error(`Unhandled error code: ${String(x)}`);
};

/** The HTTP status of an error: the code decides, a reason refines it where the contract needs it. */
export const statusOf = (error: Pick<AppError, 'code' | 'reason'>): number => {
  switch (error.code) {
    case 'VALIDATION':
      if (error.reason === 'invalid_oauth_state' || error.reason === 'idempotency_key_reused') return 422;
      if (error.reason === 'payload_too_large') return 413;
      if (error.reason === 'method_not_allowed') return 405;
      if (error.reason === 'not_acceptable') return 406;
      return 400;
    case 'UNAUTHORIZED':
    case 'TOKEN_EXPIRED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'NOT_CONNECTED':
    case 'CONFLICT':
      return 409;
    case 'RATE_LIMITED':
      return 429;
    case 'VENDOR_ERROR':
      return error.reason === 'upstream_timeout' ? 504 : 502;
    case 'INTERNAL_ERROR':
      return 500;
    default:
      return assertUnreachable(error.code);
  }
};

/**
 * The one mapping from AppError to an HTTP answer: the core's body, the status, Retry-After,
 * and for a caller without a usable credential the WWW-Authenticate challenge (RFC 6750;
 * `challenge` adds the resource metadata URL of RFC 9728).
 */
export const toHttpError = (error: AppError, opts: { challenge?: string } = {}): HttpError => {
  const body = errorBody(error);
  return {
    status: statusOf(error),
    body,
    headers: {
      ...(body.retry_after !== undefined ? { 'Retry-After': String(body.retry_after) } : {}),
      ...(error.reason === 'caller_unauthenticated' ? { 'WWW-Authenticate': opts.challenge ?? 'Bearer' } : {}),
    },
  };
};
