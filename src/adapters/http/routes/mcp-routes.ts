import type { IncomingMessage, ServerResponse } from 'node:http';
import * as t from 'io-ts';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { AppError } from '../../../domain/errors.js';
import { annotate } from '../../../domain/json-schema.js';
import type { Caller } from '../../../domain/caller.js';
import { route, type RouteSpec } from '../route-spec.js';

const JsonRpcBody = annotate(t.union([t.UnknownRecord, t.UnknownArray]), {
  description: 'A JSON-RPC 2.0 message of the Model Context Protocol (initialize, tools/list, tools/call, ...), or a batch.',
});

/** A JSON-RPC 2.0 request or notification (a method), or a response to one of ours (an id with a result or an error). */
const isJsonRpcMessage = (m: unknown): boolean => {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return false;
  const msg = m as Record<string, unknown>;
  return msg['jsonrpc'] === '2.0' && (typeof msg['method'] === 'string' || ('id' in msg && ('result' in msg || 'error' in msg)));
};

/**
 * Answers one MCP Streamable HTTP request for a tenant, writing to the raw response. The
 * composition root passes the MCP adapter's handler in, so this adapter never imports it.
 */
export type McpRequestHandler = (caller: Caller, req: IncomingMessage, res: ServerResponse, body: unknown, requestId?: string) => Promise<void>;

/**
 * `POST /mcp`: the agent tools over MCP Streamable HTTP, for the tenant in X-Tenant-Id.
 * A request that carries an Origin must come from a configured CORS origin, so a web page
 * the user happens to open cannot drive the tools (DNS rebinding, drive-by requests).
 */
export function mcpRoutes(deps: { serve: McpRequestHandler; allowedOrigins: readonly string[] }): RouteSpec[] {
  const allowed = new Set(deps.allowedOrigins);
  return [
    route({
      method: 'post',
      path: '/mcp',
      operationId: 'mcp',
      summary: 'The agent tools over the Model Context Protocol (Streamable HTTP, stateless, JSON responses).',
      description:
        'Send Accept: application/json, text/event-stream. Tool failures are results with isError: true and the standard error body as text. A foreign Origin is refused with 403.',
      tags: ['tools'],
      tenantScoped: true,
      body: JsonRpcBody,
      responses: {
        200: {
          description: 'A JSON-RPC response, or for a batch the responses to its requests in order.',
          schema: { oneOf: [{ type: 'object' }, { type: 'array', items: { type: 'object' } }] },
        },
        202: { description: 'A notification or response was accepted.' },
        400: {
          description:
            'Not JSON, not a JSON-RPC 2.0 message, a batch of more than 100, an initialize in a batch, or an unsupported MCP-Protocol-Version (VALIDATION).',
        },
        403: { description: 'The Origin header names an origin that is not configured in BACKEND_CORS_ORIGINS (FORBIDDEN).' },
        406: { description: 'The Accept header does not allow both application/json and text/event-stream (VALIDATION).' },
      },
      handle: ({ caller, headers, body, requestId }) => {
        const origin = headers.origin;
        if (origin !== undefined && !allowed.has(origin)) {
          return TE.left(
            AppError.forbidden(`Origin ${origin.slice(0, 200)} may not use /mcp; only the origins in BACKEND_CORS_ORIGINS may.`),
          );
        }
        // What the transport would refuse in a JSON-RPC error body is refused here, in the standard one.
        const accept = headers.accept ?? '';
        if (!/application\/json|\*\/\*/.test(accept) || !/text\/event-stream|\*\/\*/.test(accept)) {
          return TE.left(
            AppError.validation('Accept must allow both application/json and text/event-stream (MCP Streamable HTTP).', { reason: 'not_acceptable' }),
          );
        }
        const messages = Array.isArray(body) ? body : [body];
        if (messages.length === 0 || !messages.every(isJsonRpcMessage)) {
          return TE.left(AppError.validation('The body must be a JSON-RPC 2.0 message (jsonrpc "2.0" with a method, or a response), or a batch of them.'));
        }
        return TE.right({ status: 200, takeover: (req, res) => deps.serve(caller, req, res, body, requestId) });
      },
    }),
  ];
}
