/**
 * One request to Atlassian with the service's rules: bounded retries for idempotent
 * calls, Atlassian's status codes mapped onto AppError, and bodies decoded by an
 * io-ts codec so upstream garbage becomes a 502 instead of a crash.
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import type { AccessContext } from '../../domain/credentials.js';
import { AppError } from '../../domain/errors.js';
import { MAX_ATTEMPTS, parseRetryAfter, RETRYABLE_STATUSES, retryDelayMs } from '../../domain/retry-policy.js';
import type { Clock } from '../../application/ports/clock.js';
import { headerOf, parseJson, transportError, type AtlassianHttp, type HttpResponse } from './http-transport.js';

export interface CallSettings {
  readonly retryBudgetMs: number;
  /** Time for the retry budget and Retry-After dates; tests pass a controllable clock. */
  readonly clock: Clock;
  /** Tests shorten waits; production sleeps for real. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export interface CallSpec<A> {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path below the context's base URL, starting with `/`. */
  readonly path: string;
  readonly searchParams?: Record<string, string | number | readonly string[] | undefined>;
  readonly json?: unknown;
  /** Expected success status codes. */
  readonly ok: readonly number[];
  /** A shape-only codec (no transformation): see the fast path in `call`. */
  readonly codec: t.Type<A, unknown, unknown>;
  /** What the caller asked for, for messages: "the project list". */
  readonly what: string;
}

const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const ErrorBodies = t.partial({
  errorMessages: t.array(t.string),
  errors: t.union([t.record(t.string, t.string), t.array(t.partial({ title: t.string, detail: t.union([t.string, t.null]), code: t.string }))]),
  message: t.string,
});

/** Atlassian's own words from a Jira (`errorMessages`/`errors`) or Confluence v2 (`errors[]`) error body. */
const upstreamMessages = (body: unknown): { text: string; details: Record<string, string> } => {
  const decoded = ErrorBodies.decode(body);
  if (E.isLeft(decoded)) return { text: '', details: {} };
  const b = decoded.right;
  const parts: string[] = [...(b.errorMessages ?? [])];
  const details: Record<string, string> = {};
  if (Array.isArray(b.errors)) {
    for (const e of b.errors) parts.push([e.title, e.detail].filter((x) => typeof x === 'string' && x !== '').join(': '));
  } else if (b.errors) {
    for (const [field, msg] of Object.entries(b.errors)) {
      details[field] = msg;
      parts.push(`${field}: ${msg}`);
    }
  }
  if (b.message) parts.push(b.message);
  return { text: parts.filter((p) => p !== '').join('; ').slice(0, 1000), details };
};

const describe = (status: number, body: unknown, what: string): string => {
  const { text } = upstreamMessages(body);
  return `Atlassian answered ${status} for ${what}${text ? `: ${text}` : '.'}`;
};

export const mapStatus = (res: HttpResponse, body: unknown, what: string, now: Date): AppError => {
  const status = res.status;
  if (status === 400 || status === 422) {
    const { text, details } = upstreamMessages(body);
    return AppError.validation(`Atlassian refused ${what}${text ? `: ${text}` : '.'}`, Object.keys(details).length > 0 ? { details } : {});
  }
  if (status === 401) {
    // OAuth: "Unauthorized; scope does not match". A new token with the same grant would not help.
    if (/scope does not match/i.test(upstreamMessages(body).text)) {
      return AppError.forbidden(`Atlassian refused ${what}: the connection lacks a required OAuth scope.`, { reason: 'missing_scope' });
    }
    return AppError.tokenExpired(describe(status, body, what), { reason: 'upstream_unauthorized' });
  }
  if (status === 403) return AppError.forbidden(describe(status, body, what));
  if (status === 404) return AppError.notFound(describe(status, body, what));
  if (status === 429) {
    const retryAfter = parseRetryAfter(headerOf(res, 'retry-after'), now) ?? 60;
    return AppError.rateLimited(`Atlassian is rate limiting ${what}; retry after ${Math.ceil(retryAfter)} s.`, Math.ceil(retryAfter));
  }
  if (status === 413) return AppError.validation(`Atlassian refused ${what}: the content is too large.`);
  return AppError.vendor(describe(status, body, what));
};

export class AtlassianCaller {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    private readonly http: AtlassianHttp,
    private readonly settings: CallSettings,
  ) {
    this.sleep = settings.sleep ?? realSleep;
    this.random = settings.random ?? Math.random;
  }

  /**
   * One call with the retry rules: only GET is retried (and a request that certainly never
   * left), within the budget, after the delay Atlassian asks for or the backoff.
   */
  call<A>(ctx: AccessContext, spec: CallSpec<A>): TE.TaskEither<AppError, A> {
    const client = ctx.callerSuppliedHost ? this.http.pinned : this.http.trusted;
    const idempotent = spec.method === 'GET';
    const { clock } = this.settings;
    const send = client.send({
      method: spec.method,
      url: `${ctx.baseUrl}${spec.path}`,
      ...(spec.searchParams ? { searchParams: spec.searchParams } : {}),
      ...(spec.json !== undefined ? { json: spec.json } : {}),
      headers: { authorization: ctx.authorization },
    });
    return () => {
      const started = clock.now().getTime();
      /** Waits and tries again when the budget allows; otherwise answers `error`. */
      const retryOr = (attempt: number, delay: number, error: AppError): TE.TaskEither<AppError, A> =>
        attempt < MAX_ATTEMPTS && clock.now().getTime() - started + delay <= this.settings.retryBudgetMs
          ? pipe(
              TE.fromTask(() => this.sleep(delay)),
              TE.flatMap(() => attemptFrom(attempt + 1)),
            )
          : TE.left(error);
      const attemptFrom = (attempt: number): TE.TaskEither<AppError, A> =>
        pipe(
          send,
          TE.matchE(
            (failure) => {
              const error = transportError(failure, spec.what);
              // A POST whose request may have reached Atlassian is never sent twice; a refused
              // address or an oversized answer would recur; a timeout already used the caller's patience.
              const retryable = (idempotent || failure.neverSent) && error.code === 'VENDOR_ERROR' && error.reason === undefined;
              return retryable ? retryOr(attempt, retryDelayMs(attempt, undefined, this.random), error) : TE.left(error);
            },
            (res) => {
              if (spec.ok.includes(res.status)) return TE.fromEither(decodeAnswer(res, spec));
              const body = parseJson(res);
              const error = mapStatus(res, body, spec.what, clock.now());
              if (idempotent && RETRYABLE_STATUSES.has(res.status)) {
                return retryOr(attempt, retryDelayMs(attempt, parseRetryAfter(headerOf(res, 'retry-after'), clock.now()), this.random), error);
              }
              return TE.left(error);
            },
          ),
        );
      return attemptFrom(1)();
    };
  }
}

/** A success answer's body, checked by the spec's codec: garbage is a 502, never a crash. */
const decodeAnswer = <A>(res: HttpResponse, spec: CallSpec<A>): E.Either<AppError, A> => {
  const body = parseJson(res);
  if (body === undefined && res.body.length > 0) {
    return E.left(AppError.vendor(`Atlassian answered ${spec.what} with a body that is not JSON.`));
  }
  // The type guard walks the body without building io-ts contexts; on the usual, valid body
  // it is several times cheaper than decode. These codecs only check shape (no
  // transformation), so a value that passes \`is\` is its own decoding.
  if (spec.codec.is(body)) return E.right(body);
  return E.isRight(spec.codec.decode(body))
    ? E.right(body as A)
    : E.left(AppError.vendor(`Atlassian answered ${spec.what} with an unexpected body.`));
};
