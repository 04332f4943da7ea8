/**
 * The agent tools over the Model Context Protocol. One MCP server per tenant (stdio) or a
 * pool of them serving one request at a time each (Streamable HTTP, stateless), both answering from the same `InvokeTool` as
 * `/connectors/tools`: same names, same JSON Schemas, same use cases.
 */
import * as E from 'fp-ts/lib/Either.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  InitializeRequestSchema,
  ListToolsRequestSchema,
  PingRequestSchema,
  type CallToolResult,
  type JSONRPCMessage,
  type RequestId,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { InvokeTool, ToolDescription } from '../../application/tools.js';
import { openCaller, type Caller } from '../../domain/caller.js';
import { errorBody } from '../../domain/errors.js';
import type { TenantId } from '../../domain/tenant.js';

export interface McpServerOptions {
  readonly tools: InvokeTool;
  readonly tenantId: TenantId;
  /** Who is calling (MCP over HTTP): its scopes decide which tools are listed and may run. Absent: every scope (stdio). */
  readonly caller?: Caller;
  /** The HTTP request's id (MCP over HTTP), named by the audit entries of its writes. */
  readonly requestId?: string;
  readonly name?: string;
  readonly version: string;
  /**
   * For a server answering many requests in turn (pooled over HTTP): who is calling now and
   * the request's id, read by the handlers on every request instead of `caller`/`requestId`.
   */
  readonly current?: () => {
    readonly caller: Caller | undefined;
    readonly requestId: string | undefined;
    /** Where a tool result's JSON text is left for the transport, by JSON-RPC request id (see `KeptJson`). */
    readonly kept?: Map<RequestId, KeptJson>;
  };
}

/**
 * A tool result's structuredContent and the JSON text the tool already made of it, for the
 * HTTP transport to write into the response as it is instead of serializing the object
 * again. The SDK validates a result before sending it, which copies structuredContent's
 * top level (its values stay the same objects), so the transport matches the answer it
 * gets by its fields, not by identity.
 */
export interface KeptJson {
  readonly source: Readonly<Record<string, unknown>>;
  readonly json: string;
}

/** The MCP form of a tool description: the catalog's title, schemas and hints. */
export const toMcpTool = (d: ToolDescription): Tool => ({
  name: d.name,
  title: d.title,
  description: d.description,
  inputSchema: d.input_schema as Tool['inputSchema'],
  outputSchema: d.output_schema as Tool['outputSchema'],
  annotations: {
    title: d.title,
    readOnlyHint: d.read_only,
    destructiveHint: d.destructive,
    idempotentHint: d.idempotent,
    openWorldHint: true,
  },
});

/**
 * The SDK builds an Ajv instance for every Server unless given one; over stateless HTTP
 * that is one per request and cost about a tenth of the CPU of a tool call. One per
 * process serves every server (it only validates elicitation schemas, which we never send).
 */
let sharedValidator: AjvJsonSchemaValidator | undefined;

const text = (value: unknown, json?: string): CallToolResult['content'] => [{ type: 'text', text: json ?? JSON.stringify(value) }];

/** A plain object with no `toJSON` of its own or inherited: its copy's JSON is its own JSON. */
const isPlainData = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || 'toJSON' in v) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

interface RequestSchema {
  safeParse(value: unknown): { success: true } | { success: false; error: { issues: ReadonlyArray<{ path: readonly PropertyKey[]; message: string }> } };
}

/** The requests this server answers, each with the SDK's schema of it. */
const REQUEST_SCHEMAS: ReadonlyMap<string, RequestSchema> = new Map<string, RequestSchema>([
  ['initialize', InitializeRequestSchema],
  ['ping', PingRequestSchema],
  ['tools/list', ListToolsRequestSchema],
  ['tools/call', CallToolRequestSchema],
]);

/**
 * The answer to a request its method's schema refuses (`arguments` an array, `params` a
 * number, no tool `name`): -32602 Invalid params, naming the fields. The SDK's protocol
 * layer parses a request before its handler runs and answers a refusal as -32603 Internal
 * error with the validator's raw dump, which blames the server for a fault of the client.
 */
export function invalidParamsAnswer(message: JSONRPCMessage): JSONRPCMessage | undefined {
  if (!('method' in message) || !('id' in message) || message.id === undefined || plainToolCall(message)) return undefined;
  const parsed = REQUEST_SCHEMAS.get(message.method)?.safeParse(message);
  if (parsed === undefined || parsed.success) return undefined;
  const problems = parsed.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.map(String).join('.') || 'the request'}: ${issue.message}`)
    .join('; ');
  return { jsonrpc: '2.0', id: message.id, error: { code: ErrorCode.InvalidParams, message: `Invalid ${message.method} request: ${problems}.` } };
}

/** Answers what `invalidParamsAnswer` refuses on this transport, before the server sees it. */
const refuseInvalidParams = (transport: Transport): void => {
  const receive = transport.onmessage;
  transport.onmessage = (message, extra) => {
    const refusal = invalidParamsAnswer(message);
    if (refusal) void transport.send(refusal);
    else receive?.(message, extra);
  };
};

/** A `tools/call` request's params that need no schema to be read: a name, and arguments as an object if any. */
// A type, not an interface: it then fits the SDK's params with their index signature.
export type PlainToolCallParams = {
  readonly name: string;
  readonly arguments?: Record<string, unknown>;
};

/** A JSON-RPC `tools/call` request that `CallToolRequestSchema` takes as it is (see `plainToolCall`). */
export interface PlainToolCall {
  readonly jsonrpc: '2.0';
  readonly id: RequestId;
  readonly method: 'tools/call';
  readonly params: PlainToolCallParams;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const onlyKeys = (v: Record<string, unknown>, allowed: ReadonlySet<string>): boolean => {
  for (const key in v) if (!allowed.has(key)) return false;
  return true;
};
const REQUEST_KEYS: ReadonlySet<string> = new Set(['jsonrpc', 'id', 'method', 'params']);
const CALL_KEYS: ReadonlySet<string> = new Set(['name', 'arguments']);

/**
 * A `tools/call` the SDK's schemas take exactly as it is (`JSONRPCRequestSchema`, then
 * `CallToolRequestSchema`): only the four fields of a request, an id that is a string or a
 * safe integer, params with a string `name` and `arguments` an object if present, and
 * nothing else (no `_meta`, no `task`). Anything else is left to the schemas.
 */
export const plainToolCall = (m: unknown): m is PlainToolCall => {
  if (!isObject(m) || m['jsonrpc'] !== '2.0' || m['method'] !== 'tools/call' || !onlyKeys(m, REQUEST_KEYS)) return false;
  const id = m['id'];
  if (typeof id !== 'string' && !Number.isSafeInteger(id)) return false;
  const params = m['params'];
  if (!isObject(params) || typeof params['name'] !== 'string' || !onlyKeys(params, CALL_KEYS)) return false;
  return params['arguments'] === undefined || isObject(params['arguments']);
};

/** Runs one tool call for the server's caller of the moment: the `tools/call` handler itself. */
export type CallTool = (params: PlainToolCallParams, requestId: RequestId) => Promise<CallToolResult>;

/**
 * The answer to a tool call as the SDK's protocol layer makes it: the handler's result, or
 * a JSON-RPC error with the code and message the handler's error carries. An error with no
 * code is a bug of ours, whose message is not the client's business: -32603 "Internal error"
 * (the SDK would pass that message on).
 */
export async function answerToolCall(callTool: CallTool, request: PlainToolCall): Promise<JSONRPCMessage> {
  try {
    return { jsonrpc: '2.0', id: request.id, result: await callTool(request.params, request.id) };
  } catch (err) {
    const { code, message } = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; message?: unknown };
    const ours = Number.isSafeInteger(code) && typeof message === 'string';
    return {
      jsonrpc: '2.0',
      id: request.id,
      error: ours ? { code: code as number, message } : { code: ErrorCode.InternalError, message: 'Internal error' },
    };
  }
}

/**
 * Builds an MCP server bound to one tenant. A use case that fails answers a tool result
 * with `isError: true` and the standard error body (code, message, retry_after), which an
 * agent can read and act on; only an unknown tool name is a protocol error.
 */
export function createMcpServer(opts: McpServerOptions): Server {
  return createMcpServerWithCalls(opts).server;
}

/** `createMcpServer`, with its `tools/call` handler for a transport that answers plain calls itself. */
export function createMcpServerWithCalls(opts: McpServerOptions): { readonly server: Server; readonly callTool: CallTool } {
  // The low-level Server: McpServer only takes zod schemas, and the tools already have JSON Schemas.
  const server = new Server(
    { name: opts.name ?? 'integration-backend', version: opts.version },
    {
      capabilities: { tools: { listChanged: false } },
      jsonSchemaValidator: (sharedValidator ??= new AjvJsonSchemaValidator()),
      instructions:
        'Jira and Confluence for one tenant. Tool errors come back as results with isError and a JSON body {status, code, message, retry_after?}; on RATE_LIMITED wait retry_after seconds, on NOT_CONNECTED or TOKEN_EXPIRED ask the user to connect Atlassian.',
    },
  );
  // Every transport it connects to (stdio, the HTTP exchange) refuses invalid params as the spec says.
  const connect = server.connect.bind(server);
  server.connect = async (transport) => {
    await connect(transport);
    refuseInvalidParams(transport);
  };
  const fixed = opts.caller ?? openCaller(opts.tenantId);
  const callerNow = (): Caller => {
    if (!opts.current) return fixed;
    // A pooled server acts for the request it answers now, never for the one it was built for.
    const now = opts.current().caller;
    if (!now) throw Object.assign(new Error('No request is being answered.'), { code: ErrorCode.InternalError });
    return now;
  };
  const requestIdNow = (): string | undefined => (opts.current ? opts.current().requestId : opts.requestId);
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: opts.tools.list(callerNow()).map(toMcpTool) }));
  const callTool: CallTool = async ({ name, arguments: args }, requestId) => {
    if (!opts.tools.has(name)) {
      // A protocol error (-32602), as the MCP spec asks for unknown tools. A plain Error with a code,
      // because McpError would prefix its message twice on the way to the client.
      throw Object.assign(new Error(`Unknown tool ${name}; available: ${opts.tools.list().map((d) => d.name).join(', ')}.`), {
        code: ErrorCode.InvalidParams,
      });
    }
    const outcome = await opts.tools.executeAs(callerNow(), name, args ?? {}, requestIdNow())();
    // A failure is the standard error body as text. It carries no structuredContent: that must
    // match the tool's outputSchema, which describes the result, and clients validate it.
    if (E.isLeft(outcome)) return { isError: true, content: text(errorBody(outcome.left)) };
    const { result, json } = outcome.right;
    const structuredContent = result as Record<string, unknown>;
    if (json !== undefined && isPlainData(result)) opts.current?.().kept?.set(requestId, { source: structuredContent, json });
    return { content: text(result, json), structuredContent };
  };
  server.setRequestHandler(CallToolRequestSchema, (request, extra) => callTool(request.params, extra.requestId));
  return { server, callTool };
}
