import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, SUPPORTED_PROTOCOL_VERSIONS, type JSONRPCMessage, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import { openCaller, type Caller } from '../../domain/caller.js';
import { AppError, errorBody } from '../../domain/errors.js';
import { answerToolCall, createMcpServerWithCalls, plainToolCall, type CallTool, type KeptJson, type McpServerOptions } from './mcp-server.js';

/** What the SDK's Streamable HTTP transport allows in one batch. */
const MAX_BATCH = 100;
/** Idle servers kept per tool set: about the concurrency one instance serves. */
const POOL_SIZE = 64;

/** The request a pooled server answers now (its handlers read it, see `createMcpServer`'s `current`). */
interface Exchange {
  /** Resolved per request: the tenant of a pooled server changes from one request to the next. */
  caller: Caller | undefined;
  requestId: string | undefined;
  /**
   * The JSON text of this exchange's tool results, by request id: a new Map for each request,
   * dropped at check-in. Not one Map per pooled server, cleared each time: such a Map and its
   * tables outlive scavenges and end up in V8's old generation, `clear()` leaves the old table's
   * slots as they were, and the scavenger takes every old-generation slot that points at a young
   * object as a root until a full collection finds the table dead. So each result (its text, its
   * records, the parsed Atlassian answer they share strings with) was copied and promoted: about
   * 1.4 MB a scavenge against 40 KB now (docs/performance.md).
   */
  kept: Map<RequestId, KeptJson> | undefined;
}

/**
 * A transport for one server that answers exactly the exchange it is handed: each JSON-RPC
 * request's response resolves the request's promise. The SDK forbids reusing its stateless
 * Streamable HTTP transport, so every request would otherwise build a server, register its
 * handlers, and go through the Web-standard Request/Response and stream conversions; this
 * keeps the SDK's protocol layer (request validation, method dispatch, error codes) and
 * does the HTTP side in JSON-response mode only, which is all a stateless server offers.
 */
class ExchangeTransport implements Transport {
  onmessage?: Transport['onmessage'];
  onclose?: () => void;
  onerror?: (error: Error) => void;
  private readonly waiting = new Map<RequestId, (message: JSONRPCMessage) => void>();

  /** The server's own `tools/call` handler, which answers a plain call (see `exchange`). */
  constructor(private readonly callTool: CallTool) {}

  start(): Promise<void> {
    return Promise.resolve();
  }

  send(message: JSONRPCMessage): Promise<void> {
    // Only responses matter here; a stateless JSON answer has no room for server-sent
    // requests or notifications (progress, logging), which the SDK transport would drop too.
    if ('id' in message && ('result' in message || 'error' in message) && message.id !== undefined) {
      const resolve = this.waiting.get(message.id);
      if (resolve) {
        this.waiting.delete(message.id);
        resolve(message);
      }
    }
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.onclose?.();
    return Promise.resolve();
  }

  /**
   * Hands the messages to the server and answers the responses to its requests, in order. A
   * plain `tools/call` (`plainToolCall`: one the SDK's schemas take as it is) goes straight to
   * the server's handler, answered as the protocol layer would answer it: its three parses of
   * the request, its dispatch and its check of our own result cost a tool call about a tenth
   * of its CPU. Every other message goes through the SDK.
   */
  exchange(messages: readonly JSONRPCMessage[], headers: IncomingMessage['headers']): Promise<JSONRPCMessage[]> {
    const answers: Promise<JSONRPCMessage>[] = [];
    const toServer: JSONRPCMessage[] = [];
    for (const m of messages) {
      if (plainToolCall(m)) answers.push(answerToolCall(this.callTool, m));
      else {
        toServer.push(m);
        if ('method' in m && 'id' in m && m.id !== undefined) {
          const id = m.id;
          answers.push(new Promise((resolve) => this.waiting.set(id, resolve)));
        }
      }
    }
    for (const m of toServer) this.onmessage?.(m, { requestInfo: { headers } });
    return Promise.all(answers);
  }
}

interface PooledServer {
  readonly server: Server;
  readonly transport: ExchangeTransport;
  readonly exchange: Exchange;
}

/** Idle servers per tool set and version (an embedder may serve several). */
const pools = new WeakMap<McpServerOptions['tools'], Map<string, PooledServer[]>>();

async function checkOut(opts: McpServerOptions): Promise<PooledServer> {
  let byVersion = pools.get(opts.tools);
  if (!byVersion) pools.set(opts.tools, (byVersion = new Map()));
  const key = `${opts.name ?? ''}\u0000${opts.version}`;
  const idle = byVersion.get(key);
  const reused = idle?.pop();
  if (reused) return reused;
  const exchange: Exchange = { caller: undefined, requestId: undefined, kept: undefined };
  const { server, callTool } = createMcpServerWithCalls({ ...opts, current: () => exchange });
  const transport = new ExchangeTransport(callTool);
  await server.connect(transport);
  return { server, transport, exchange };
}

function checkIn(opts: McpServerOptions, pooled: PooledServer): void {
  pooled.exchange.caller = undefined;
  pooled.exchange.requestId = undefined;
  pooled.exchange.kept = undefined;
  const byVersion = pools.get(opts.tools);
  const key = `${opts.name ?? ''}\u0000${opts.version}`;
  const idle = byVersion?.get(key) ?? [];
  if (byVersion && !byVersion.has(key)) byVersion.set(key, idle);
  if (idle.length < POOL_SIZE) idle.push(pooled);
  else void pooled.server.close();
}

/** Stand in for a structuredContent whose JSON text is known, and for its text content, then replaced by those texts. */
const SPLICE = '\u0000structured-content\u0000';
const SPLICED = JSON.stringify(SPLICE);
const TEXT_SPLICE = '\u0000text-content\u0000';
const TEXT_SPLICED = JSON.stringify(TEXT_SPLICE);

/** The same own fields, in the same order, with the same values (not copies): their JSON is the same. */
const sameFields = (a: unknown, b: Readonly<Record<string, unknown>>): boolean => {
  if (typeof a !== 'object' || a === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  const theirs = Object.keys(b);
  if (keys.length !== theirs.length) return false;
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i]!;
    if (key !== theirs[i] || (a as Record<string, unknown>)[key] !== b[key]) return false;
  }
  return true;
};

/**
 * A tool result's JSON text as the response carries it twice, in UTF-8: as structuredContent,
 * and quoted (escaped) as the text content. Quoting a search's 50 KB of JSON and encoding
 * the 100 KB answer cost more than anything else a tool call adds to its REST route.
 */
interface ResultBytes {
  readonly json: string;
  readonly asJson: Buffer;
  readonly quoted: Buffer;
}

/**
 * The last few results' bytes, most recent first, found again by their whole text: an agent
 * that asks again what it asked before (the same search, an issue it re-reads) and gets the
 * same result is answered from the bytes made the first time. A result is only ever matched
 * by its complete JSON text, so whose call made the bytes cannot matter; results over
 * `RECENT_MAX_CHARS` are not kept.
 */
const recentResults: ResultBytes[] = [];
const RECENT_RESULTS = 8;
const RECENT_MAX_CHARS = 256 * 1024;

const resultBytes = (json: string): ResultBytes => {
  for (let i = 0; i < recentResults.length; i += 1) {
    const seen = recentResults[i]!;
    if (seen.json === json) {
      if (i > 0) recentResults.unshift(...recentResults.splice(i, 1));
      return seen;
    }
  }
  const made = { json, asJson: Buffer.from(json, 'utf8'), quoted: Buffer.from(JSON.stringify(json), 'utf8') };
  if (json.length <= RECENT_MAX_CHARS) {
    recentResults.unshift(made);
    if (recentResults.length > RECENT_RESULTS) recentResults.pop();
  }
  return made;
};

/** Replaces a mark that occurs exactly once; undefined when it does not (a request id spelled like it). */
const spliceOnce = (chunks: ReadonlyArray<string | Buffer>, mark: string, by: Buffer): Array<string | Buffer> | undefined => {
  const out: Array<string | Buffer> = [];
  let found = 0;
  for (const chunk of chunks) {
    if (typeof chunk !== 'string') {
      out.push(chunk);
      continue;
    }
    const at = chunk.indexOf(mark);
    if (at < 0) {
      out.push(chunk);
      continue;
    }
    if (chunk.indexOf(mark, at + 1) >= 0) return undefined;
    found += 1;
    out.push(chunk.slice(0, at), by, chunk.slice(at + mark.length));
  }
  return found === 1 ? out : undefined;
};

/**
 * A response as JSON, in pieces to be written in turn: a tool result's structuredContent (and
 * its text content, when that is the same JSON) comes from the bytes of the text the tool
 * already made, when the answer still holds the same fields the text was made from.
 */
const serialize = (answer: JSONRPCMessage, kept: ReadonlyMap<RequestId, KeptJson> | undefined): ReadonlyArray<string | Buffer> => {
  const result = 'result' in answer ? (answer.result as { structuredContent?: unknown; content?: unknown }) : undefined;
  const mine = result && 'id' in answer && answer.id !== undefined ? kept?.get(answer.id) : undefined;
  const known = mine && sameFields(result?.structuredContent, mine.source) ? mine.json : undefined;
  if (known === undefined) return [JSON.stringify(answer)];
  const bytes = resultBytes(known);
  const { content } = result!;
  const textIsJson = Array.isArray(content) && content.length === 1 && sameFields(content[0], { type: 'text', text: known });
  const shell = JSON.stringify({
    ...answer,
    result: { ...result, ...(textIsJson ? { content: [{ type: 'text', text: TEXT_SPLICE }] } : {}), structuredContent: SPLICE },
  });
  const withContent = spliceOnce([shell], SPLICED, bytes.asJson);
  const whole = withContent && textIsJson ? spliceOnce(withContent, TEXT_SPLICED, bytes.quoted) : withContent;
  // A mark anywhere else too (a client's request id spelled like it): serialize plainly.
  return whole ?? [JSON.stringify(answer)];
};

/** Writes the pieces as one answer with its length, in one write to the socket. */
const writeJson = (res: ServerResponse, chunks: ReadonlyArray<string | Buffer>): void => {
  let length = 0;
  for (const chunk of chunks) length += typeof chunk === 'string' ? Buffer.byteLength(chunk, 'utf8') : chunk.length;
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': length });
  res.cork();
  for (let i = 0; i < chunks.length - 1; i += 1) res.write(chunks[i]);
  // end() uncorks the whole socket: the pieces go out together.
  res.end(chunks[chunks.length - 1]);
};

/**
 * Our own refusals of a request the transport cannot take, in the standard error body like
 * every other refusal of the service (the SDK's transport would answer a JSON-RPC error).
 */
const refuse = (res: ServerResponse, status: 400 | 406, message: string): void => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(errorBody(AppError.validation(message))));
};

/** `application/json`, with parameters (a charset) allowed, as the SDK's transport checks it. */
const isJsonType = (value: string | undefined): boolean => value !== undefined && value.split(';')[0]!.trim().toLowerCase() === 'application/json';

/**
 * Answers one Streamable HTTP request, statelessly, with JSON responses rather than SSE
 * streams: tools need no session, so any instance behind a load balancer can answer any
 * request. Servers are pooled, one request at a time each, so JSON-RPC ids from different
 * clients never meet in one server. A request the transport cannot take (a wrong Accept or
 * Content-Type, an unsupported MCP-Protocol-Version, an oversized batch) is refused as the
 * SDK's transport would refuse it, but in the standard error body.
 */
export async function serveMcpRequest(opts: McpServerOptions, req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
  const accept = req.headers.accept ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
    return refuse(res, 406, 'Accept must allow both application/json and text/event-stream (MCP Streamable HTTP).');
  }
  if (!isJsonType(req.headers['content-type'])) return refuse(res, 400, 'Content-Type must be application/json (MCP Streamable HTTP).');
  if (Array.isArray(body) && body.length > MAX_BATCH) return refuse(res, 400, `A batch may hold at most ${MAX_BATCH} JSON-RPC messages.`);
  // A plain tool call is a JSON-RPC request as it is; anything else is read by the SDK's schema.
  const parsed = (Array.isArray(body) ? body : [body]).map((m) => (plainToolCall(m) ? { success: true as const, data: m as JSONRPCMessage } : JSONRPCMessageSchema.safeParse(m)));
  if (!parsed.every((p) => p.success)) return refuse(res, 400, 'The body must be a JSON-RPC 2.0 message (jsonrpc "2.0" with a method, or a response), or a batch of them.');
  // A cancellation can only name a request of its own batch here (each HTTP request has a
  // server of its own), and the SDK never answers a cancelled request: the exchange would
  // wait for ever. In a stateless JSON exchange there is nothing to cancel, so it is dropped.
  const messages = parsed.map((p) => p.data!).filter((m) => !('method' in m && m.method === 'notifications/cancelled' && !('id' in m)));
  const ids = messages.flatMap((m) => ('method' in m && 'id' in m ? [m.id] : []));
  if (new Set(ids).size !== ids.length) return refuse(res, 400, 'The requests of a batch need distinct ids.');
  const initializing = messages.some((m) => 'method' in m && m.method === 'initialize');
  if (initializing && messages.length > 1) return refuse(res, 400, 'An initialize request must come alone, not in a batch.');
  const version = req.headers['mcp-protocol-version'];
  if (!initializing && typeof version === 'string' && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
    return refuse(res, 400, `MCP-Protocol-Version ${version.slice(0, 40)} is not supported; supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}.`);
  }
  const pooled = await checkOut(opts);
  pooled.exchange.caller = opts.caller ?? openCaller(opts.tenantId);
  pooled.exchange.requestId = opts.requestId;
  pooled.exchange.kept = new Map();
  try {
    const answers = await pooled.transport.exchange(messages, req.headers);
    if (answers.length === 0) {
      res.writeHead(202);
      res.end();
      return;
    }
    const { kept } = pooled.exchange;
    if (!Array.isArray(body)) return writeJson(res, serialize(answers[0]!, kept));
    const batch: Array<string | Buffer> = ['['];
    answers.forEach((a, i) => batch.push(...(i > 0 ? [','] : []), ...serialize(a, kept)));
    batch.push(']');
    writeJson(res, batch);
  } finally {
    checkIn(opts, pooled);
  }
}
