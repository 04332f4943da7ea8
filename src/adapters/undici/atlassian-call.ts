/**
 * One request to Atlassian with the service's rules: bounded retries for idempotent
 * calls, Atlassian's status codes mapped onto AppError, and bodies decoded by an
 * io-ts codec so upstream garbage becomes a 502 instead of a crash.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import type { AccessContext } from '../../domain/credentials.js';
import { AppError } from '../../domain/errors.js';
import { MAX_ATTEMPTS, parseRetryAfter, RETRYABLE_STATUSES, retryDelayMs } from '../../domain/retry-policy.js';
import type { Clock } from '../../application/ports/clock.js';
import { NO_METRICS, type ServiceMetrics } from '../../application/ports/metrics.js';
import type { TenantConcurrency } from '../../application/tenant-concurrency.js';
import { siteKeyOf, type RateLimitSignal, type UpstreamBudget } from '../../domain/upstream-budget.js';
import type { FileDownload } from '../../domain/files.js';
import { formatBytes, TransferError } from '../../domain/files.js';
import { deepFreeze } from '../../domain/deep-freeze.js';
import {
  headerOf,
  parseJson,
  transportError,
  type AtlassianHttp,
  type HttpRequest,
  type HttpResponse,
  type StreamedResponse,
  type TransportFailure,
} from './http-transport.js';

export interface CallSettings {
  readonly retryBudgetMs: number;
  /** Time for the retry budget and Retry-After dates; tests pass a controllable clock. */
  readonly clock: Clock;
  /** Tests shorten waits; production sleeps for real. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Atlassian's rate-limit headers, per site and for the app: calls are slowed or refused by it. */
  readonly budget?: UpstreamBudget;
  readonly metrics?: ServiceMetrics;
  /**
   * UPSTREAM_CONCURRENCY_PER_TENANT: every call (retries included) holds one of its tenant's
   * slots from admission to its answer; a download's slot is given back when the body starts.
   */
  readonly concurrency?: TenantConcurrency;
}

export interface CallSpec<A> {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path below the context's base URL, starting with `/`. */
  readonly path: string;
  readonly searchParams?: Record<string, string | number | readonly string[] | undefined>;
  readonly json?: unknown;
  /** A multipart/form-data body of one file (uploads; a POST of one is never sent twice). */
  readonly form?: HttpRequest['form'];
  /** Headers beyond authorization (Jira's `X-Atlassian-Token: no-check` for uploads). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Expected success status codes. */
  readonly ok: readonly number[];
  /** A shape-only codec (no transformation): see the fast path in `call`. */
  readonly codec: t.Type<A, unknown, unknown>;
  /** What the caller asked for, for messages: "the project list". */
  readonly what: string;
  /**
   * Reads whose answers are large and often the same (a page's body): an answer whose bytes
   * are the very bytes of the last success to the same request of the same tenant is that
   * answer's decoded value again, the same (deeply frozen) object, not decoded, parsed and
   * checked anew. The callers above it can then recognise the value and reuse what they made
   * of it.
   */
  readonly reuse?: boolean;
}

const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Spans of the calls to Atlassian (no-ops until the host registers an OpenTelemetry SDK). */
const tracer = trace.getTracer('integration-backend/atlassian');

/**
 * One call to Atlassian, watched: a client span (its W3C `traceparent` handed to `send` for
 * the request's headers), its duration and status for the metrics under the path's template,
 * and a 429 counted as Atlassian's. The operations' and the proxy's attempts come through
 * `AtlassianCaller.observed`; the OAuth calls (the token endpoint, the accessible resources)
 * straight through here.
 */
export const observeUpstreamCall = <R extends Pick<HttpResponse, 'status'>>(
  metrics: ServiceMetrics,
  method: string,
  path: string,
  send: (traceHeaders: Record<string, string>) => TE.TaskEither<TransportFailure, R>,
): TE.TaskEither<TransportFailure, R> => {
  const template = templateFor(path);
  const operation = `${method} ${template}`;
  return async () => {
    const span = tracer.startSpan(operation, {
      kind: SpanKind.CLIENT,
      attributes: { 'http.request.method': method, 'url.template': template },
    });
    const traceHeaders: Record<string, string> = {};
    propagation.inject(trace.setSpan(context.active(), span), traceHeaders);
    const started = performance.now();
    const outcome = await send(traceHeaders)();
    const status = E.isRight(outcome) ? outcome.right.status : 0;
    if (status > 0) span.setAttribute('http.response.status_code', status);
    if (status === 0 || status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: status === 0 ? 'no answer' : `HTTP ${status}` });
    span.end();
    metrics.upstreamCall({ operation, status, seconds: (performance.now() - started) / 1000 });
    if (status === 429) metrics.rateLimited('atlassian');
    return outcome;
  };
};

const ErrorBodies = t.partial({
  errorMessages: t.array(t.string),
  errors: t.union([
    t.record(t.string, t.string),
    t.array(t.partial({ title: t.string, detail: t.union([t.string, t.null]), code: t.string })),
  ]),
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
    for (const e of b.errors)
      parts.push([e.title, e.detail].filter((x) => typeof x === 'string' && x !== '').join(': '));
  } else if (b.errors) {
    for (const [field, msg] of Object.entries(b.errors)) {
      details[field] = msg;
      parts.push(`${field}: ${msg}`);
    }
  }
  if (b.message) parts.push(b.message);
  return {
    text: parts
      .filter((p) => p !== '')
      .join('; ')
      .slice(0, 1000),
    details,
  };
};

const describe = (status: number, body: unknown, what: string): string => {
  const { text } = upstreamMessages(body);
  return `Atlassian answered ${status} for ${what}${text ? `: ${text}` : '.'}`;
};

/** How Atlassian words a refusal for a scope the token lacks. */
const MISSING_SCOPE = /scope does not match|insufficient[_ ]scope|required scopes? (?:is|are) missing|missing (?:the )?(?:required )?(?:oauth )?scopes?/i;

export const mapStatus = (res: HttpResponse, body: unknown, what: string, now: Date): AppError => {
  const status = res.status;
  if (status === 400 || status === 422) {
    const { text, details } = upstreamMessages(body);
    return AppError.validation(
      `Atlassian refused ${what}${text ? `: ${text}` : '.'}`,
      Object.keys(details).length > 0 ? { details } : {},
    );
  }
  // OAuth: "Unauthorized; scope does not match" (a 401, or a 403 from some APIs). A new
  // token of the same grant would not help: the operation's catalog entry names the scope.
  if ((status === 401 || status === 403) && MISSING_SCOPE.test(upstreamMessages(body).text)) {
    return AppError.forbidden(`Atlassian refused ${what}: the connection lacks a required OAuth scope.`, { reason: 'missing_scope' });
  }
  if (status === 401) return AppError.tokenExpired(describe(status, body, what), { reason: 'upstream_unauthorized' });
  if (status === 403) return AppError.forbidden(describe(status, body, what));
  if (status === 404) return AppError.notFound(describe(status, body, what));
  // Confluence: a page update naming a version that is no longer the next one.
  if (status === 409) return AppError.conflict(describe(status, body, what));
  if (status === 429) {
    const retryAfter = parseRetryAfter(headerOf(res, 'retry-after'), now) ?? 60;
    return AppError.rateLimited(
      `Atlassian is rate limiting ${what}; retry after ${Math.ceil(retryAfter)} s.`,
      Math.ceil(retryAfter),
    );
  }
  if (status === 413) return AppError.validation(`Atlassian refused ${what}: the content is too large.`);
  return AppError.vendor(describe(status, body, what));
};

/**
 * What one attempt's answer settles: a value or an error to answer as it is, or a failure
 * that is retried (reads only, on 429/502/503/504) while the retry budget allows and else
 * answered: as the error, or as `passOn` (the proxy passes Atlassian's last answer on as it
 * came), `discard` dropping the unread body of an answer that is retried.
 */
export type RetryOutcome<A> =
  | { readonly settled: E.Either<AppError, A> }
  | { readonly failed: AppError; readonly res: Pick<HttpResponse, 'status' | 'headers'> }
  | {
      readonly failed?: undefined;
      readonly res: Pick<HttpResponse, 'status' | 'headers'>;
      readonly passOn: TE.TaskEither<AppError, A>;
      readonly discard: () => void;
    };

export class AtlassianCaller {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly metrics: ServiceMetrics;
  private readonly answers = new ReusedAnswers();

  constructor(
    private readonly http: AtlassianHttp,
    private readonly settings: CallSettings,
  ) {
    this.sleep = settings.sleep ?? realSleep;
    this.random = settings.random ?? Math.random;
    this.metrics = settings.metrics ?? NO_METRICS;
  }

  /**
   * One call with the retry rules: only GET is retried (and a request that certainly never
   * left), within the budget, after the delay Atlassian asks for or the backoff.
   */
  call<A>(ctx: AccessContext, spec: CallSpec<A>): TE.TaskEither<AppError, A> {
    const client = ctx.callerSuppliedHost ? this.http.pinned : this.http.trusted;
    const send = this.observed(ctx, spec.method, spec.path, (traceHeaders) =>
      client.send({
        method: spec.method,
        url: `${ctx.baseUrl}${spec.path}`,
        ...(spec.searchParams ? { searchParams: spec.searchParams } : {}),
        ...(spec.json !== undefined ? { json: spec.json } : {}),
        ...(spec.form ? { form: spec.form } : {}),
        headers: { ...spec.headers, ...traceHeaders, authorization: ctx.authorization },
        ...(spec.reuse ? { keepBytes: true } : {}),
      }),
    );
    return this.admitted(
      ctx,
      spec.what,
      this.withRetries(spec.method === 'GET', spec.what, send, async (res) => {
        if (spec.ok.includes(res.status)) {
          return { settled: spec.reuse ? this.answers.decode(reuseKey(ctx, spec), res, spec) : decodeAnswer(res, spec) };
        }
        return { failed: mapStatus(res, parseJson(res), spec.what, this.settings.clock.now()), res };
      }),
    );
  }

  /**
   * Runs `call` when the upstream budget lets a call to the context's site go: at once, after
   * the spacing a site near its limit gets, or not at all while it is in a penalty window
   * (a 429 RATE_LIMITED of our own, with the time left; Atlassian is not called). Around it,
   * the tenant's concurrency slot (UPSTREAM_CONCURRENCY_PER_TENANT), when the settings have
   * one. The proxy (`UndiciAtlassianProxy`) goes through it too.
   */
  admitted<A>(ctx: AccessContext, what: string, call: TE.TaskEither<AppError, A>): TE.TaskEither<AppError, A> {
    const budgeted = this.budgeted(ctx, what, call);
    const { concurrency } = this.settings;
    return concurrency ? concurrency.run(ctx.tenantId, what, budgeted) : budgeted;
  }

  private budgeted<A>(ctx: AccessContext, what: string, call: TE.TaskEither<AppError, A>): TE.TaskEither<AppError, A> {
    const { budget, clock } = this.settings;
    if (!budget) return call;
    return async () => {
      const { site, shared } = siteKeyOf(ctx.baseUrl);
      const admission = budget.admit(site, shared, clock.now().getTime());
      if (!admission.go) {
        this.metrics.rateLimited('service');
        const whose = admission.scope === 'app' ? "this service's OAuth app (shared by every tenant)" : 'this site';
        return E.left(
          AppError.rateLimited(
            `Atlassian's rate limit for ${whose} is in force, so ${what} was not requested; retry after ${admission.retryAfterSeconds} s.`,
            admission.retryAfterSeconds,
            { reason: 'upstream_budget' },
          ),
        );
      }
      if (admission.delayMs > 0) await this.sleep(admission.delayMs);
      return call();
    };
  }

  /**
   * Each attempt: a client span (its W3C `traceparent` sent to Atlassian), timed for the
   * metrics, its rate-limit headers fed to the budget. The proxy's attempts too.
   */
  observed<R extends Pick<HttpResponse, 'status' | 'headers'>>(
    ctx: AccessContext,
    method: string,
    path: string,
    send: (traceHeaders: Record<string, string>) => TE.TaskEither<TransportFailure, R>,
  ): TE.TaskEither<TransportFailure, R> {
    const { budget, clock } = this.settings;
    const timed = observeUpstreamCall(this.metrics, method, path, send);
    return async () => {
      const sentAt = clock.now().getTime();
      const outcome = await timed();
      if (budget && E.isRight(outcome)) {
        const { site, shared } = siteKeyOf(ctx.baseUrl);
        const now = clock.now();
        budget.observe(site, shared, rateLimitSignal(outcome.right, now), now.getTime(), sentAt);
      }
      return outcome;
    };
  }

  /**
   * A GET whose 200 body is streamed rather than buffered (attachment downloads), with the
   * same retry rules until the body starts. The bytes are counted: past `maxBytes` (or a
   * Content-Length above it) the answer is a 413 VALIDATION naming the limit. Atlassian is
   * asked not to redirect, and a redirect is never followed: the file comes from the
   * tenant's own site or not at all.
   */
  download(
    ctx: AccessContext,
    spec: Omit<CallSpec<never>, 'codec' | 'ok' | 'method' | 'json' | 'form'> & {
      readonly maxBytes: number;
      readonly filename: string;
    },
  ): TE.TaskEither<AppError, FileDownload> {
    const client = ctx.callerSuppliedHost ? this.http.pinned : this.http.trusted;
    const send = this.observed(ctx, 'GET', spec.path, (traceHeaders) =>
      client.stream({
        method: 'GET',
        url: `${ctx.baseUrl}${spec.path}`,
        ...(spec.searchParams ? { searchParams: spec.searchParams } : {}),
        headers: { ...spec.headers, ...traceHeaders, accept: '*/*', authorization: ctx.authorization },
      }),
    );
    const tooLarge = (size: string): AppError =>
      AppError.validation(
        `${spec.what} is ${size}, more than the ${formatBytes(spec.maxBytes)} this service passes on (ATTACHMENT_MAX_BYTES).`,
        {
          reason: 'payload_too_large',
        },
      );
    return this.admitted(
      ctx,
      spec.what,
      this.withRetries<StreamedResponse, FileDownload>(true, spec.what, send, async (res) => {
        if (res.status === 200) {
          const declared = Number(headerOf(res, 'content-length') ?? Number.NaN);
          if (Number.isFinite(declared) && declared > spec.maxBytes) {
            res.discard();
            return { settled: E.left(tooLarge(formatBytes(declared))) };
          }
          const mediaType = headerOf(res, 'content-type')?.trim() || 'application/octet-stream';
          return {
            settled: E.right({
              filename: spec.filename,
              mediaType,
              size: Number.isFinite(declared) ? declared : undefined,
              content: counted(
                res,
                spec.maxBytes,
                () => tooLarge(`larger than ${formatBytes(spec.maxBytes)}`),
                spec.what,
              ),
              discard: () => res.discard(),
            }),
          };
        }
        if (res.status >= 300 && res.status < 400) {
          res.discard();
          return {
            settled: E.left(
              AppError.vendor(
                `Atlassian answered ${spec.what} with a redirect (${res.status}); it is not followed, so files come only from the tenant's own site.`,
              ),
            ),
          };
        }
        // An error answer is small: read up to 64 KB of it for Atlassian's message.
        const buffered = await bufferSome(res, 64 * 1024);
        return {
          failed: mapStatus(buffered, parseJson(buffered), spec.what, this.settings.clock.now()),
          res: buffered,
        };
      }),
    );
  }

  /**
   * Sends, and settles each answer: a success or a final failure ends it; a failure of an
   * idempotent request with a retryable status, or a request that never left, is tried
   * again while the budget allows.
   */
  withRetries<R, A>(
    idempotent: boolean,
    what: string,
    send: TE.TaskEither<TransportFailure, R>,
    settle: (res: R) => Promise<RetryOutcome<A>>,
  ): TE.TaskEither<AppError, A> {
    const { clock } = this.settings;
    return () => {
      const started = clock.now().getTime();
      const mayRetry = (attempt: number, delay: number): boolean =>
        attempt < MAX_ATTEMPTS && clock.now().getTime() - started + delay <= this.settings.retryBudgetMs;
      /** Waits and tries again when the budget allows; otherwise answers `otherwise`. */
      const retryOr = (attempt: number, delay: number, otherwise: TE.TaskEither<AppError, A>, drop?: () => void): TE.TaskEither<AppError, A> =>
        mayRetry(attempt, delay)
          ? pipe(
              TE.fromTask(() => {
                drop?.();
                return this.sleep(delay);
              }),
              TE.flatMap(() => attemptFrom(attempt + 1)),
            )
          : otherwise;
      // One async step per attempt rather than a `TE.matchE` (three promises and a tick): every call comes this way.
      const attemptFrom =
        (attempt: number): TE.TaskEither<AppError, A> =>
        async () => {
          const sent = await send();
          if (E.isLeft(sent)) {
            const error = transportError(sent.left, what);
            // A POST whose request may have reached Atlassian is never sent twice; a refused
            // address or an oversized answer would recur; a timeout already used the caller's patience.
            const retryable = (idempotent || sent.left.neverSent) && error.code === 'VENDOR_ERROR' && error.reason === undefined;
            return retryable ? retryOr(attempt, retryDelayMs(attempt, undefined, this.random), TE.left(error))() : E.left(error);
          }
          const outcome = await settle(sent.right);
          if ('settled' in outcome) return outcome.settled;
          const { failed, res: answer } = outcome;
          const otherwise: TE.TaskEither<AppError, A> = 'passOn' in outcome ? outcome.passOn : TE.left(failed as AppError);
          if (idempotent && RETRYABLE_STATUSES.has(answer.status)) {
            return retryOr(
              attempt,
              retryDelayMs(attempt, parseRetryAfter(headerOf(answer, 'retry-after'), clock.now()), this.random),
              otherwise,
              'discard' in outcome ? outcome.discard : undefined,
            )();
          }
          return otherwise();
        };
      return attemptFrom(1)();
    };
  }
}

/** Up to `max` bytes of a streamed answer, as a buffered one; the rest is dropped. */
const bufferSome = async (res: StreamedResponse, max: number): Promise<HttpResponse> => {
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= max) break;
    }
  } catch {
    /* what arrived is enough for a message */
  } finally {
    res.discard();
  }
  return { status: res.status, headers: res.headers, body: Buffer.concat(chunks).subarray(0, max).toString('utf8') };
};

/** The body's chunks, counted: more than `max` bytes, or a break in the stream, ends it with an AppError. */
async function* counted(
  res: StreamedResponse,
  max: number,
  tooLarge: () => AppError,
  what: string,
): AsyncGenerator<Uint8Array> {
  let size = 0;
  try {
    for await (const chunk of res.body) {
      size += chunk.length;
      if (size > max) throw new TransferError(tooLarge());
      yield chunk;
    }
  } catch (err) {
    if (err instanceof TransferError) throw err;
    throw new TransferError(AppError.vendor(`Atlassian broke off ${what} after ${formatBytes(size)}.`, { cause: err }));
  } finally {
    res.discard();
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

/** Which request an answer kept for `reuse` answered: the tenant, the URL and its parameters. */
const reuseKey = (ctx: AccessContext, spec: Pick<CallSpec<unknown>, 'method' | 'path' | 'searchParams'>): string =>
  `${ctx.tenantId ?? ''}\u0000${spec.method} ${ctx.baseUrl}${spec.path}\u0000${spec.searchParams ? JSON.stringify(spec.searchParams) : ''}`;

/** Whether an answer's body is these very bytes: chunk by chunk as it arrived, when it came in chunks. */
const sameBytes = (kept: Buffer, res: HttpResponse): boolean => {
  if (!res.chunks) return kept.equals(res.bytes ?? Buffer.from(res.body, 'utf8'));
  let at = 0;
  for (const chunk of res.chunks) {
    const end = at + chunk.length;
    if (end > kept.length || kept.compare(chunk, 0, chunk.length, at, end) !== 0) return false;
    at = end;
  }
  return at === kept.length;
};

/**
 * The successes of `reuse` calls, by request: the answer's bytes and its decoded value. A
 * value is handed out again only for the very same bytes (compared whole, before any
 * decoding), so a changed answer is simply decoded anew; nothing is served on time alone.
 * Bounded by entries and by bytes, the least recently used going first.
 */
export class ReusedAnswers {
  private readonly entries = new Map<string, { readonly bytes: Buffer; readonly value: unknown }>();
  private size = 0;

  constructor(
    private readonly maxEntries = 128,
    /** Bytes kept: each answer counts twice its length (its bytes, and about as much for its value). */
    private readonly maxBytes = 16 * 1024 * 1024,
  ) {}

  decode<A>(key: string, res: HttpResponse, spec: CallSpec<A>): E.Either<AppError, A> {
    const kept = this.entries.get(key);
    if (kept && sameBytes(kept.bytes, res)) {
      this.entries.delete(key);
      this.entries.set(key, kept);
      return E.right(kept.value as A);
    }
    if (kept) this.drop(key, kept.bytes);
    const bytes = res.bytes ? Buffer.from(res.bytes.buffer, res.bytes.byteOffset, res.bytes.byteLength) : Buffer.from(res.body, 'utf8');
    const decoded = decodeAnswer(res, spec);
    if (E.isRight(decoded) && bytes.length * 2 <= this.maxBytes / 4) {
      this.entries.set(key, { bytes, value: deepFreeze(decoded.right) });
      this.size += bytes.length * 2;
      for (const [k, v] of this.entries) {
        if (this.entries.size <= this.maxEntries && this.size <= this.maxBytes) break;
        this.drop(k, v.bytes);
      }
    }
    return decoded;
  }

  private drop(key: string, bytes: Buffer): void {
    this.entries.delete(key);
    this.size -= bytes.length * 2;
  }
}

/** What an answer's headers say about the rate limits (absent headers stay absent). */
export const rateLimitSignal = (res: Pick<HttpResponse, 'status' | 'headers'>, now: Date): RateLimitSignal => {
  const remaining = Number(headerOf(res, 'x-ratelimit-remaining') ?? Number.NaN);
  const near = headerOf(res, 'x-ratelimit-nearlimit')?.trim().toLowerCase();
  const reset = Date.parse(headerOf(res, 'x-ratelimit-reset') ?? '');
  const reason = headerOf(res, 'ratelimit-reason') ?? headerOf(res, 'x-ratelimit-reason');
  const retryAfter = parseRetryAfter(headerOf(res, 'retry-after'), now);
  return {
    status: res.status,
    ...(Number.isFinite(remaining) ? { remaining } : {}),
    ...(near === 'true' ? { nearLimit: true } : near === 'false' ? { nearLimit: false } : {}),
    ...(Number.isFinite(reset) ? { resetAt: reset } : {}),
    ...(reason ? { reason: reason.slice(0, 100) } : {}),
    ...(retryAfter !== undefined && res.status === 429 ? { retryAfterSeconds: retryAfter } : {}),
  };
};

/**
 * A path as a bounded metrics label: ids, issue keys and other values become placeholders
 * (`/rest/api/3/issue/ENG-12/comment/100` is `/rest/api/3/issue/{key}/comment/{id}`).
 */
export const pathTemplate = (path: string): string => {
  const bare = path.split('?')[0]!;
  // The API's own prefix (`/rest/api/3`, `/rest/agile/1.0`, `/wiki/api/v2`, `/wiki/rest/api`) stays as it is.
  const prefix = /^\/(?:rest\/api\/\d+|rest\/agile\/\d+(?:\.\d+)?|wiki\/api\/v\d+|wiki\/rest\/api)(?=\/|$)/.exec(bare)?.[0] ?? '';
  return prefix + templateOf(bare.slice(prefix.length));
};

/** `pathTemplate` of the paths called lately (the same few most of the time), kept up to 512 and then started afresh. */
const templates = new Map<string, string>();
const templateFor = (path: string): string => {
  let template = templates.get(path);
  if (template === undefined) {
    template = pathTemplate(path);
    if (templates.size >= 512) templates.clear();
    templates.set(path, template);
  }
  return template;
};

const templateOf = (path: string): string =>
  path
    .split('/')
    .map((segment, i) => {
      if (i === 0 || segment === '') return segment;
      if (/^\d+$/.test(segment)) return '{id}';
      if (/^[A-Z][A-Z0-9_]+-\d+$/.test(segment)) return '{key}';
      if (/^(?:[0-9a-f]{8}-|[0-9a-f]{16,}|[A-Za-z0-9_-]{25,})/i.test(segment) || /[%:@.=~]/.test(segment))
        return '{value}';
      return segment;
    })
    .join('/');
