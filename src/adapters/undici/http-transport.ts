/**
 * The HTTP client for every call to Atlassian, on undici's dispatcher API (Node's own
 * HTTP client). It was chosen over got by measurement: on the search path got's
 * per-request work held the service to 0.30 of a minimal proxy's throughput, undici
 * clears the bar (docs/performance.md). Redirects are never followed (a token must not
 * travel to another host), bodies come back as one buffer parsed once, and retries are
 * the caller's (they follow Atlassian's advice and a total budget).
 */
import dns from 'node:dns';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { Readable } from 'node:stream';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type { Dispatcher, FormData } from 'undici';
import { AppError } from '../../domain/errors.js';
import { isPublicAddress } from '../../domain/public-address.js';
import { LazyAgents, type UndiciModule } from './undici-module.js';

export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: string;
  /** A list becomes the parameter repeated (`keys=A&keys=B`). */
  readonly searchParams?: Readonly<Record<string, string | number | readonly string[] | undefined>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly json?: unknown;
  /** A multipart/form-data body of one file (uploads). */
  readonly form?: {
    readonly field: string;
    readonly filename: string;
    readonly mediaType: string;
    readonly content: Uint8Array;
    /** Text parts sent before the file (Confluence's minorEdit). */
    readonly fields?: Readonly<Record<string, string>>;
  };
  /** A body sent as these bytes with this Content-Type (the proxy's pass-through). */
  readonly raw?: { readonly contentType: string; readonly bytes: Uint8Array };
  /**
   * The answer kept as the chunks it arrived in (`HttpResponse.chunks`), joined only when
   * `bytes` is read and decoded only when `body` is: for a caller that compares an answer
   * with the last one before using it.
   */
  readonly keepBytes?: boolean;
  /**
   * For `stream`: an answer that declares a Content-Length of at most this many bytes is read
   * whole by the transport, within the request's deadline, and comes back as `whole` (its
   * `body` then empty). Any other answer streams as usual.
   */
  readonly wholeBelowBytes?: number;
}

/** A streamed request's answer read whole in the transport (`HttpRequest.wholeBelowBytes`), or why it was not. */
export type WholeAnswer =
  | { readonly kind: 'read'; readonly bytes: Buffer }
  /** The request's deadline passed while the body came in. */
  | { readonly kind: 'timeout' }
  /** The connection failed part-way through the body. */
  | { readonly kind: 'broken'; readonly cause: unknown };

/** An answer whose body is read as it arrives (downloads); `discard` drops what is left of it. */
export interface StreamedResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: AsyncIterable<Uint8Array>;
  /**
   * When ATLASSIAN_TIMEOUT_MS for this attempt runs out (`performance.now()` milliseconds,
   * counted from the request's start): an answer read whole must be in by then. A streamed
   * download is not held to it. Absent: no bound beyond undici's own.
   */
  readonly answerBy?: number;
  /** The body read whole, when the request asked for it and the answer was small enough (`wholeBelowBytes`). */
  readonly whole?: WholeAnswer;
  discard(): void;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body decoded as UTF-8. */
  readonly body: string;
  /** The body as it came, when the request asked for `keepBytes`: `chunks` joined. */
  readonly bytes?: Uint8Array;
  /** The body in the pieces it arrived in (`keepBytes`): compared with a kept answer as they are, never joined for that. */
  readonly chunks?: readonly Uint8Array[];
}

/**
 * An answer read as the chunks it arrived in: joined on first use of `bytes`, its text
 * decoded on first use of `body` (a leading byte order mark dropped, as undici's `text()`
 * does), so an answer compared with a kept one and found unchanged is never copied into one
 * buffer or decoded at all.
 */
class ChunkedAnswer implements HttpResponse {
  private joined: Buffer | undefined;
  private text: string | undefined;

  constructor(
    readonly status: number,
    readonly headers: Readonly<Record<string, string | string[] | undefined>>,
    readonly chunks: readonly Buffer[],
  ) {}

  /** The chunks joined into a buffer of their own (a chunk is a slice of a larger socket read). */
  get bytes(): Buffer {
    return (this.joined ??= Buffer.concat(this.chunks));
  }

  get body(): string {
    return (this.text ??= utf8Text(this.bytes));
  }
}

/** An answer's headers as undici parses them: names in lower case, a repeated one as a list. */
type AnswerHeaders = Record<string, string | string[] | undefined>;

/** UTF-8 text, a leading byte order mark dropped (as undici's `text()` does). */
const utf8Text = (b: Buffer): string => b.toString('utf8', b.length > 2 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0);

/**
 * One answer read whole on undici's dispatcher: its status, headers and body chunks as the
 * parser hands them over (undici enforces maxResponseSize on them). Not `request()`, whose
 * body is a Node Readable stream with its own buffering and events on every answer, read
 * back into one string by `text()`: on the search path that stream was about a tenth of a
 * request's CPU (docs/performance.md). The deadline aborts the request, before it is written
 * (then at once when it is) or while its answer comes in.
 */
const dispatchWhole = (
  agent: Dispatcher,
  options: Dispatcher.DispatchOptions,
  deadline: Deadline,
): Promise<{ status: number; headers: AnswerHeaders; chunks: Buffer[] }> =>
  new Promise((resolve, reject) => {
    let status = 0;
    let headers: AnswerHeaders = {};
    const chunks: Buffer[] = [];
    agent.dispatch(options, {
      onRequestStart(controller) {
        deadline.aborts(controller);
      },
      onResponseStart(_controller, statusCode, responseHeaders) {
        status = statusCode;
        headers = responseHeaders as AnswerHeaders;
      },
      onResponseData(_controller, chunk) {
        chunks.push(chunk);
      },
      onResponseEnd() {
        resolve({ status, headers, chunks });
      },
      onResponseError(_controller, err) {
        reject(err);
      },
    });
  });

/** The body of an answer read whole in the transport: nothing is left to read. */
const NO_BODY: AsyncIterable<Uint8Array> = {
  [Symbol.asyncIterator]: () => ({ next: () => Promise.resolve({ done: true as const, value: undefined }) }),
};

/**
 * A streamed answer on undici's dispatcher (`HttpRequest.wholeBelowBytes`). An answer that
 * declares at most `wholeBelow` bytes is read whole here, with no stream at all, and settles
 * when its last byte is in (or the deadline passes, or the connection breaks: `whole` says
 * which); any other settles with its headers and a Readable its chunks are pushed into,
 * undici paused while the reader is behind, the request aborted if the reader drops it
 * before its end. A failure before the headers rejects.
 */
const dispatchStream = (agent: Dispatcher, options: Dispatcher.DispatchOptions, deadline: Deadline, wholeBelow: number, answerBy: number): Promise<StreamedResponse> =>
  new Promise((resolve, reject) => {
    let mode: 'headers' | 'whole' | 'streaming' = 'headers';
    let status = 0;
    let headers: AnswerHeaders = {};
    const chunks: Buffer[] = [];
    let readable: Readable | undefined;
    let complete = false;
    const settleWhole = (whole: WholeAnswer): void => resolve({ status, headers, body: NO_BODY, answerBy, whole, discard: () => undefined });
    agent.dispatch(options, {
      onRequestStart(controller) {
        deadline.aborts(controller);
      },
      onResponseStart(controller, statusCode, responseHeaders) {
        status = statusCode;
        headers = responseHeaders as AnswerHeaders;
        const length = headers['content-length'];
        const declared = typeof length === 'string' && /^\d+$/.test(length) ? Number(length) : Number.NaN;
        if (declared <= wholeBelow) {
          mode = 'whole';
          return;
        }
        mode = 'streaming';
        const body = new Readable({
          read: () => controller.resume(),
          destroy: (err, done) => {
            // Dropped before its end: the rest is not wanted, and the connection cannot be reused.
            if (!complete) controller.abort(err ?? new Error('The answer was dropped before its end.'));
            done(err);
          },
        });
        // Dropping the rest aborts the body, which then reports the abort: nobody needs to hear it.
        body.on('error', () => undefined);
        readable = body;
        resolve({ status, headers, body, answerBy, discard: () => body.destroy() });
      },
      onResponseData(controller, chunk) {
        if (mode === 'whole') chunks.push(chunk);
        else if (readable && !readable.push(chunk)) controller.pause();
      },
      onResponseEnd() {
        complete = true;
        if (mode === 'whole') settleWhole({ kind: 'read', bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
        else readable?.push(null);
      },
      onResponseError(_controller, err) {
        complete = true;
        if (mode === 'headers') reject(err);
        else if (mode === 'whole') settleWhole(deadline.aborted ? { kind: 'timeout' } : { kind: 'broken', cause: err });
        else readable?.destroy(err);
      },
    });
  });

/** Why a request produced no response. A value, never thrown. */
export interface TransportFailure {
  readonly kind: 'timeout' | 'refused_address' | 'oversized' | 'network';
  /** True when the request certainly never reached the server (connection refused). */
  readonly neverSent: boolean;
  /** The library's error, for logs only. */
  readonly cause?: unknown;
}

const failure = (kind: TransportFailure['kind'], neverSent: boolean, cause?: unknown): TransportFailure => ({
  kind,
  neverSent,
  ...(cause !== undefined ? { cause } : {}),
});

export interface HttpTransport {
  /** Any HTTP status is a Right; only a request that got no answer is a Left. */
  send(request: HttpRequest): TE.TaskEither<TransportFailure, HttpResponse>;
  /**
   * The same, with the body streamed instead of buffered and no size limit of the
   * transport's own (the caller counts). The timeout covers the wait for the headers; after
   * that, the body may take as long as it keeps arriving.
   */
  stream(request: HttpRequest): TE.TaskEither<TransportFailure, StreamedResponse>;
}

export interface AtlassianHttp {
  /** For operator-configured hosts (Atlassian's, or a stand-in the operator chose). */
  readonly trusted: HttpTransport;
  /** For hosts a caller supplied: connects only to public addresses (no DNS rebinding). */
  readonly pinned: HttpTransport;
  /** Closes kept-alive connections (absent on test doubles). */
  readonly close?: () => Promise<void>;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

const refusedAddress = (): NodeJS.ErrnoException =>
  Object.assign(new Error('refused to connect to a non-public address'), { code: 'ENOTPUBLIC' });

/** dns.lookup that refuses any answer outside public address space. */
const publicOnlyLookup = (hostname: string, options: dns.LookupOptions, callback: LookupCallback): void => {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '');
    const list = addresses as dns.LookupAddress[];
    if (list.length === 0 || list.some((a) => !isPublicAddress(a.address))) return callback(refusedAddress(), '');
    if (options.all) return callback(null, list);
    const first = list[0]!;
    return callback(null, first.address, first.family);
  });
};

export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

const DEFAULT_HEADERS = { accept: 'application/json', 'user-agent': 'integration-backend' } as const;

/** The first `code` along an error's chain of causes (undici wraps Node's socket errors). */
export const codeOf = (err: unknown): string | undefined => {
  let cur: unknown = err;
  for (let i = 0; i < 4 && typeof cur === 'object' && cur !== null; i += 1) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
};

/** What undici's rejection means for the caller (undici's errors carry string codes). */
const classify = (err: unknown): TransportFailure => {
  const code = codeOf(err);
  if (code === 'ENOTPUBLIC') return failure('refused_address', true, err);
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return failure('oversized', false, err);
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return failure('timeout', code === 'UND_ERR_CONNECT_TIMEOUT', err);
  }
  return failure('network', code === 'ECONNREFUSED', err);
};

/**
 * A request's deadline as undici's `signal`, which takes an EventEmitter as well as an
 * AbortSignal. Not `AbortSignal.timeout`: that keeps its signal, undici's listener on it and
 * so the whole request alive until it fires, which under load carried every request's
 * objects into the old generation. Not an AbortController either: with its EventTarget
 * listener and timer it cost more of a search request's CPU than the mapping of its 50
 * issues (docs/performance.md). Cleared as soon as the answer is in.
 */
class Deadline extends EventEmitter {
  aborted = false;
  reason: Error | undefined;
  /** Called when the deadline passes (a dispatched request's abort; `signal` users listen to 'abort'). */
  onExpiry: (() => void) | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(ms: number) {
    super();
    this.timer = setTimeout(() => {
      this.aborted = true;
      this.reason = Object.assign(new Error('The deadline for the answer passed.'), { name: 'TimeoutError' });
      this.onExpiry?.();
      this.emit('abort');
    }, ms);
  }

  /** Aborts a dispatched request when the deadline passes, or at once if it already has. */
  aborts(controller: Dispatcher.DispatchController): void {
    const abort = () => controller.abort(this.reason ?? new Error('The deadline for the answer passed.'));
    if (this.aborted) abort();
    else this.onExpiry = abort;
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

interface Prepared {
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body: string | Uint8Array | undefined;
  /** A multipart body, made with undici's FormData once undici is loaded. */
  readonly form?: NonNullable<HttpRequest['form']>;
}

/** The agents of one kind of transport: buffered answers, and streamed ones (no size limit: the caller counts). */
type TransportAgents = LazyAgents<'buffered' | 'streaming'>;

class UndiciTransport implements HttpTransport {
  constructor(
    private readonly agents: TransportAgents,
    private readonly timeoutMs: number,
    private readonly pinned: boolean,
  ) {}

  /** The URL, headers and body undici is asked for, or why the request cannot be sent. */
  private prepare(request: HttpRequest): Prepared | TransportFailure {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch (err) {
      return failure('network', true, err);
    }
    for (const [k, v] of Object.entries(request.searchParams ?? {})) {
      if (Array.isArray(v)) for (const item of v) url.searchParams.append(k, item);
      else if (v !== undefined) url.searchParams.set(k, String(v));
    }
    // An IP-literal host skips the lookup, so it is checked here.
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (this.pinned && net.isIP(host) !== 0 && !isPublicAddress(host)) return failure('refused_address', true);
    const headers: Record<string, string> = { ...DEFAULT_HEADERS, ...request.headers };
    let body: string | Uint8Array | undefined;
    if (request.raw) {
      body = request.raw.bytes;
      headers['content-type'] = request.raw.contentType;
    } else if (request.json !== undefined) {
      body = JSON.stringify(request.json);
      headers['content-type'] = 'application/json';
    } else if (request.form) {
      return { url, headers, body, form: request.form };
    }
    return { url, headers, body };
  }

  private options(u: UndiciModule, method: HttpRequest['method'], prepared: Prepared): Dispatcher.DispatchOptions {
    const { url, headers, form } = prepared;
    let body: string | Uint8Array | FormData | undefined = prepared.body;
    if (form) {
      const made = new u.FormData();
      for (const [name, value] of Object.entries(form.fields ?? {})) made.append(name, value);
      made.append(form.field, new Blob([form.content], { type: form.mediaType }), form.filename);
      body = made;
    }
    return { origin: url.origin, path: `${url.pathname}${url.search}`, method, headers, body, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs };
  }

  send(request: HttpRequest): TE.TaskEither<TransportFailure, HttpResponse> {
    const prepared = this.prepare(request);
    if ('kind' in prepared) return TE.left(prepared);
    // An async function with try/catch rather than `TE.tryCatch`, whose generator-based
    // awaiter costs several promises more on every call.
    return async () => {
      // undici's bodyTimeout bounds only the gap between two chunks, so a body trickling in
      // would never time out, and above 1 s undici runs both its timeouts on a coarse timer
      // (ticks of about half a second); this deadline is exact and covers the whole answer.
      const deadline = new Deadline(this.timeoutMs);
      // undici rejects for every request without an answer; that rejection becomes the Left here, once.
      try {
        // The first call waits for undici to load (undici-module.ts); every later one has the agents at once.
        const made = this.agents.get();
        const { agents, undici } = made instanceof Promise ? await made : made;
        const res = await dispatchWhole(agents.buffered, this.options(undici, request.method, prepared), deadline);
        if (request.keepBytes) return E.right(new ChunkedAnswer(res.status, res.headers, res.chunks));
        const { chunks } = res;
        const body = chunks.length === 0 ? '' : utf8Text(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
        return E.right({ status: res.status, headers: res.headers, body });
      } catch (err) {
        return E.left(deadline.aborted ? failure('timeout', false, err) : classify(err));
      } finally {
        deadline.clear();
      }
    };
  }

  stream(request: HttpRequest): TE.TaskEither<TransportFailure, StreamedResponse> {
    const prepared = this.prepare(request);
    if ('kind' in prepared) return TE.left(prepared);
    // As `send`: an async function with try/catch rather than `TE.tryCatch`.
    return async () => {
      // The deadline is for the answer's headers; bodyTimeout is between two chunks, not for the
      // whole file. `answerBy` carries what is left of it to whoever reads the answer whole.
      const answerBy = performance.now() + this.timeoutMs;
      const deadline = new Deadline(this.timeoutMs);
      try {
        const made = this.agents.get();
        const { agents, undici } = made instanceof Promise ? await made : made;
        const options = this.options(undici, request.method, prepared);
        if (request.wholeBelowBytes !== undefined) return E.right(await dispatchStream(agents.streaming, options, deadline, request.wholeBelowBytes, answerBy));
        const res = await agents.streaming.request({ ...options, signal: deadline as unknown as AbortSignal });
        // Dropping the rest aborts the body, which then reports the abort: nobody needs to hear it.
        res.body.on('error', () => undefined);
        return E.right({ status: res.statusCode, headers: res.headers, body: res.body, answerBy, discard: () => res.body.destroy() });
      } catch (err) {
        return E.left(deadline.aborted ? failure('timeout', false, err) : classify(err));
      } finally {
        deadline.clear();
      }
    };
  }
}

export function createAtlassianHttp(opts: { readonly timeoutMs: number }): AtlassianHttp {
  // A runaway upstream body is refused instead of buffered: no Atlassian answer we use
  // comes near this size.
  const common = { keepAliveTimeout: 30_000, connections: 256, maxResponseSize: MAX_RESPONSE_BYTES };
  // Downloads stream without the buffered answers' size limit; the caller counts.
  const streaming = { keepAliveTimeout: 30_000, connections: 64 };
  // Made when the first call goes out (undici loads then, not at start).
  const trusted: TransportAgents = new LazyAgents(({ Agent }) => ({
    buffered: new Agent({ ...common, connect: { timeout: opts.timeoutMs } }),
    streaming: new Agent({ ...streaming, connect: { timeout: opts.timeoutMs } }),
  }));
  const pinned: TransportAgents = new LazyAgents(({ Agent }) => ({
    buffered: new Agent({ ...common, connect: { timeout: opts.timeoutMs, lookup: publicOnlyLookup as never } }),
    streaming: new Agent({ ...streaming, connect: { timeout: opts.timeoutMs, lookup: publicOnlyLookup as never } }),
  }));
  return {
    trusted: new UndiciTransport(trusted, opts.timeoutMs, false),
    pinned: new UndiciTransport(pinned, opts.timeoutMs, true),
    // Destroyed, not closed: at close nobody waits for an answer still on its way (a request
    // cut at the end of a shutdown's grace), and close() would wait for it.
    close: async () => {
      await Promise.all([trusted.destroy(), pinned.destroy()]);
    },
  };
}

/** Parses a JSON body once; undefined when it is not JSON. */
export const parseJson = (res: HttpResponse): unknown => {
  if (res.body.length === 0) return undefined;
  try {
    return JSON.parse(res.body) as unknown;
  } catch {
    return undefined;
  }
};

export const headerOf = (res: Pick<HttpResponse, 'headers'>, name: string): string | undefined => {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** A request that got no usable answer: a timeout is a 504, a refused address a 400, anything else a 502. */
export const transportError = (failure: TransportFailure, what: string): AppError => {
  const err = failure.cause;
  switch (failure.kind) {
    case 'timeout':
      return AppError.vendor(`Atlassian did not answer ${what} in time.`, { reason: 'upstream_timeout', cause: err });
    case 'refused_address':
      return AppError.validation('base_url resolves to a non-public address.', { cause: err });
    case 'oversized':
      // Not retried (see atlassian-call): the same request would bring the same body.
      return AppError.vendor(`Atlassian answered ${what} with a body larger than ${MAX_RESPONSE_BYTES / (1024 * 1024)} MiB.`, {
        reason: 'upstream_oversized',
        cause: err,
      });
    case 'network':
      return AppError.vendor(`Could not reach Atlassian for ${what}.`, { cause: err });
  }
};
