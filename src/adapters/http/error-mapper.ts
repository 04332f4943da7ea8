import type { AppError } from '../../domain/errors.js';

export interface ErrorBody {
  readonly status: 'error';
  readonly code: AppError['code'];
  readonly message: string;
  readonly retry_after?: number;
  readonly details?: Readonly<Record<string, string>>;
}

export interface HttpError {
  readonly status: number;
  readonly body: ErrorBody;
  readonly headers: Readonly<Record<string, string>>;
}

const assertUnreachable = (x: never): never => {
  throw new Error(`Unhandled error code: ${String(x)}`);
};

const statusOf = (error: AppError): number => {
  switch (error.code) {
    case 'VALIDATION':
      if (error.reason === 'invalid_oauth_state') return 422;
      if (error.reason === 'payload_too_large') return 413;
      if (error.reason === 'method_not_allowed') return 405;
      return 400;
    case 'UNAUTHORIZED':
    case 'TOKEN_EXPIRED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'NOT_CONNECTED':
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

/** The one mapping from AppError to the standard error body. Internal details never leave. */
export const toHttpError = (error: AppError): HttpError => {
  const status = statusOf(error);
  const retryAfter = error.code === 'RATE_LIMITED' ? Math.max(0, Math.ceil(error.retryAfter ?? 1)) : undefined;
  const message = error.code === 'INTERNAL_ERROR' ? 'An unexpected error occurred; it has been logged.' : error.message;
  return {
    status,
    body: {
      status: 'error',
      code: error.code,
      message,
      ...(retryAfter !== undefined ? { retry_after: retryAfter } : {}),
      ...(error.details && error.code !== 'INTERNAL_ERROR' ? { details: error.details } : {}),
    },
    headers: retryAfter !== undefined ? { 'Retry-After': String(retryAfter) } : {},
  };
};
