/**
 * The proxy's client: one checked request to the connection's site with its credentials,
 * and Atlassian's answer as it came. The service's rules hold: a read (GET) is retried on
 * 429/502/503/504 or a failed connection, after Atlassian's Retry-After or the backoff,
 * within ATLASSIAN_RETRY_BUDGET_MS; a write is sent once (unless it certainly never left);
 * a redirect is never followed; the answer is bounded. When the retries are used up, the
 * last answer is passed on as it is.
 */
import { Readable, Transform } from 'node:stream';
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { AtlassianProxy } from '../../application/ports/atlassian-proxy.js';
import type { AccessContext } from '../../domain/credentials.js';
import { AppError } from '../../domain/errors.js';
import { formatBytes, TransferError } from '../../domain/files.js';
import { isProxiedResponseHeader, proxyPrefixOf, type ProxyAnswer, type ProxyRequest } from '../../domain/proxy.js';
import { RETRYABLE_STATUSES } from '../../domain/retry-policy.js';
import type { AtlassianCaller, CallSettings } from './atlassian-call.js';
import { headerOf, type AtlassianHttp, type StreamedResponse, type WholeAnswer } from './http-transport.js';

export interface ProxySettings extends CallSettings {
  /** The largest answer passed on (ATTACHMENT_MAX_BYTES): a larger one is refused or cut. */
  readonly maxResponseBytes: number;
}

/** Answers that declare at most this length are read whole before they are passed on. */
const BUFFERED_BELOW_BYTES = 1024 * 1024;

export class UndiciAtlassianProxy implements AtlassianProxy {
  constructor(
    private readonly http: AtlassianHttp,
    /** Its upstream budget, retries and observation (spans, metrics, rate-limit headers), shared with the operations. */
    private readonly caller: AtlassianCaller,
    private readonly settings: ProxySettings,
  ) {}

  forward(ctx: AccessContext, request: ProxyRequest): TE.TaskEither<AppError, ProxyAnswer> {
    const client = ctx.callerSuppliedHost ? this.http.pinned : this.http.trusted;
    const multipart = request.body !== undefined && /^multipart\//i.test(request.body.contentType);
    // Spans and metrics are named by the API prefix alone: a caller's paths must not grow their number.
    const label = `${proxyPrefixOf(request.path) ?? '/'}{proxied}`;
    const send = this.caller.observed(ctx, request.method, label, (traceHeaders) =>
      client.stream({
        method: request.method,
        url: `${ctx.baseUrl}${request.path}${request.query === '' ? '' : `?${request.query}`}`,
        headers: {
          // Jira refuses a multipart request without it (its XSRF check).
          ...(multipart ? { 'x-atlassian-token': 'no-check' } : {}),
          ...request.headers,
          ...traceHeaders,
          authorization: ctx.authorization,
        },
        ...(request.body ? { raw: request.body } : {}),
        // What `answer` reads whole anyway, read by the transport without a stream (the proxy's hot path).
        wholeBelowBytes: Math.min(BUFFERED_BELOW_BYTES, this.settings.maxResponseBytes),
      }),
    );
    const what = `${request.method} ${request.path}`;
    // A read is retried on 429/502/503/504 (its unread answer dropped); when the retries are
    // used up, Atlassian's last answer is passed on as it came.
    const retried = this.caller.withRetries(request.method === 'GET', what, send, async (res) =>
      RETRYABLE_STATUSES.has(res.status)
        ? { res, passOn: () => this.answer(res, what), discard: () => res.discard() }
        : { settled: await this.answer(res, what) },
    );
    return this.caller.admitted(ctx, what, retried);
  }

  /** The answer to pass on: an error or a small success read whole (a 401 is looked into), a larger success streamed. */
  private async answer(res: StreamedResponse, what: string): Promise<E.Either<AppError, ProxyAnswer>> {
    const max = this.settings.maxResponseBytes;
    const tooLarge = (size: string): AppError =>
      AppError.validation(`Atlassian's answer to ${what} is ${size}, more than the ${formatBytes(max)} the proxy passes on (ATTACHMENT_MAX_BYTES).`, {
        reason: 'payload_too_large',
      });
    const declared = Number(headerOf(res, 'content-length') ?? Number.NaN);
    if (Number.isFinite(declared) && declared > max) {
      res.discard();
      return E.left(tooLarge(formatBytes(declared)));
    }
    const headers = proxiedHeaders(res);
    if (res.whole) return wholeAnswer(res.status, headers, res.whole, what);
    // Its connection failed while the answer waited its turn: no event of the body will come,
    // so neither a stream nor a read would ever end.
    if (res.body instanceof Readable && (res.body.destroyed || res.body.readableEnded)) {
      return E.left(AppError.vendor(`Atlassian broke off its answer to ${what}.`, { cause: res.body.errored ?? undefined }));
    }
    // A success streams, unless it says it is small: one write of a buffer costs less than
    // a stream per answer, and an error is read whole anyway.
    if (res.status < 400 && !(Number.isFinite(declared) && declared <= BUFFERED_BELOW_BYTES)) {
      const over = (): AppError => tooLarge(`larger than ${formatBytes(max)}`);
      if (res.body instanceof Readable) return E.right({ status: res.status, headers, ...countedStream(res, res.body, max, over, what) });
      return E.right({ status: res.status, headers, body: counted(res, max, over, what), discard: () => res.discard() });
    }
    // An answer read whole (an error, or a success that declares at most 1 MiB) is in by the
    // attempt's deadline, headers and body together: undici's bodyTimeout bounds only the gap
    // between two chunks, so a body trickling in would hold the request for as long as
    // Atlassian liked. A streamed answer (a large download) may take as long as it needs.
    const left = res.answerBy === undefined ? undefined : Math.max(0, res.answerBy - performance.now());
    const whole = await readWhole(res.body, max, left);
    if (whole.kind !== 'read') res.discard();
    return whole.kind === 'too_large' ? E.left(tooLarge(`larger than ${formatBytes(max)}`)) : wholeAnswer(res.status, headers, whole, what);
  }
}

/** The answer's headers a caller gets (`isProxiedResponseHeader`), names in lower case, repeated ones joined. */
const proxiedHeaders = (res: StreamedResponse): Record<string, string> => {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined && isProxiedResponseHeader(name)) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
};

/** An answer read whole, passed on; or why it could not be read whole. */
const wholeAnswer = (status: number, headers: Record<string, string>, whole: WholeAnswer, what: string): E.Either<AppError, ProxyAnswer> => {
  switch (whole.kind) {
    case 'read':
      return E.right({ status, headers, body: whole.bytes, discard: () => undefined });
    case 'timeout':
      return E.left(AppError.vendor(`Atlassian did not finish its answer to ${what} in time (ATLASSIAN_TIMEOUT_MS).`, { reason: 'upstream_timeout' }));
    case 'broken':
      return E.left(AppError.vendor(`Atlassian broke off its answer to ${what}.`, { cause: whole.cause }));
  }
};

type Whole = WholeAnswer | { readonly kind: 'too_large' };

/**
 * A body read whole, up to `max` bytes and within `ms` (none: no bound of its own). undici's
 * body is a Readable: its chunks are taken as they come, with one promise for the whole
 * answer rather than an async iterator's promise per chunk (the proxy's hot path); on a Left
 * the caller discards the answer, which ends it. Any other iterable is read the plain way,
 * and told to stop (`return()`) when the time is up or it is too large.
 */
async function readWhole(body: AsyncIterable<Uint8Array>, max: number, ms: number | undefined): Promise<Whole> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (!(body instanceof Readable)) {
    const iterator = body[Symbol.asyncIterator]();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<Whole>((resolve) => {
      if (ms !== undefined) timer = setTimeout(() => resolve({ kind: 'timeout' }), ms);
    });
    const read = async (): Promise<Whole> => {
      try {
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
          size += next.value.length;
          if (size > max) return { kind: 'too_large' };
          chunks.push(next.value);
        }
      } catch (cause) {
        return { kind: 'broken', cause };
      }
      return { kind: 'read', bytes: Buffer.concat(chunks, size) };
    };
    try {
      const outcome = await Promise.race([read(), late]);
      // As a for-await loop left early would: the source is told it is no longer read.
      if (outcome.kind === 'timeout' || outcome.kind === 'too_large') void iterator.return?.()?.catch(() => undefined);
      return outcome;
    } finally {
      clearTimeout(timer);
    }
  }
  // A body already gone would send no event at all: answer() refuses it before calling this.
  return new Promise((resolve) => {
    const timer = ms === undefined ? undefined : setTimeout(() => done({ kind: 'timeout' }), ms);
    const done = (outcome: Whole): void => {
      clearTimeout(timer);
      body.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      resolve(outcome);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) done({ kind: 'too_large' });
      else chunks.push(chunk);
    };
    const onEnd = (): void => done({ kind: 'read', bytes: Buffer.concat(chunks, size) });
    const onError = (cause: unknown): void => done({ kind: 'broken', cause });
    // Destroyed without an error or an end: the answer did not arrive whole.
    const onClose = (): void => done({ kind: 'broken', cause: new Error('the answer closed before its end') });
    body.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
  });
}

/**
 * undici's body piped through a counting Transform: the same rule as `counted` without an
 * async generator and a promise per chunk (the proxy's hot path). The stream the driver gets
 * fails with a TransferError; if the driver drops it early, the rest of the answer is dropped.
 */
function countedStream(res: StreamedResponse, source: Readable, max: number, tooLarge: () => AppError, what: string): { body: Readable; discard(): void } {
  let size = 0;
  let discarded = false;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > max) done(new TransferError(tooLarge()));
      else done(null, chunk);
    },
  });
  source.once('error', (err) => {
    if (!discarded) counter.destroy(new TransferError(AppError.vendor(`Atlassian broke off its answer to ${what} after ${formatBytes(size)}.`, { cause: err })));
  });
  counter.once('close', () => {
    if (!source.readableEnded) res.discard();
  });
  return {
    body: source.pipe(counter),
    discard: () => {
      discarded = true;
      counter.destroy();
    },
  };
}

/** The body's chunks, counted: more than `max` bytes, or a break in the stream, ends it with a TransferError. */
async function* counted(res: StreamedResponse, max: number, tooLarge: () => AppError, what: string): AsyncGenerator<Uint8Array> {
  let size = 0;
  let complete = false;
  try {
    for await (const chunk of res.body) {
      size += chunk.length;
      if (size > max) throw new TransferError(tooLarge());
      yield chunk;
    }
    complete = true;
  } catch (err) {
    if (err instanceof TransferError) throw err;
    throw new TransferError(AppError.vendor(`Atlassian broke off its answer to ${what} after ${formatBytes(size)}.`, { cause: err }));
  } finally {
    // Only a body left part-way is dropped: destroying a finished one would close a
    // connection undici keeps alive for the next call.
    if (!complete) res.discard();
  }
}
