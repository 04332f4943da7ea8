/**
 * The one error type of the service. Every use case fails with an AppError;
 * the HTTP adapter maps it to the standard body in exactly one place.
 */
export type ErrorCode =
  | 'VALIDATION'
  | 'UNAUTHORIZED'
  | 'TOKEN_EXPIRED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'NOT_CONNECTED'
  | 'RATE_LIMITED'
  | 'VENDOR_ERROR'
  | 'INTERNAL_ERROR';

/**
 * `reason` refines the HTTP status inside one code where the contract needs it:
 * a bad OAuth state is a 422, an oversized body a 413, a wrong method a 405,
 * an Atlassian timeout a 504.
 */
export type ErrorReason =
  | 'invalid_oauth_state'
  | 'payload_too_large'
  | 'method_not_allowed'
  | 'upstream_timeout'
  /** Atlassian's answer exceeded the size the service buffers; retrying would not help. */
  | 'upstream_oversized'
  /** Atlassian answered 401: the caller may refresh once and retry once. */
  | 'upstream_unauthorized';

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
  rateLimited: (message: string, retryAfter: number, extra: Omit<AppError, 'code' | 'message' | 'retryAfter'> = {}): AppError => ({
    code: 'RATE_LIMITED',
    message,
    retryAfter,
    ...extra,
  }),
  vendor: make('VENDOR_ERROR'),
  internal: make('INTERNAL_ERROR'),
} as const;

export const isAppError = (u: unknown): u is AppError =>
  typeof u === 'object' &&
  u !== null &&
  typeof (u as { code?: unknown }).code === 'string' &&
  typeof (u as { message?: unknown }).message === 'string';
