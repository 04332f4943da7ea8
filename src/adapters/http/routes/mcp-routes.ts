import * as t from 'io-ts';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type { InvokeTool } from '../../../application/tools.js';
import type * as McpHttp from '../../mcp/mcp-http.js';
import { AppError } from '../../../domain/errors.js';
import { annotate } from '../../../domain/json-schema.js';
import { route, type RouteSpec } from '../route-spec.js';

const JsonRpcBody = annotate(t.union([t.UnknownRecord, t.UnknownArray]), {
  description: 'A JSON-RPC 2.0 message of the Model Context Protocol (initialize, tools/list, tools/call, ...), or a batch.',
});

/**
 * `POST /mcp`: the agent tools over MCP Streamable HTTP, for the tenant in X-Tenant-Id.
 * A request that carries an Origin must come from a configured CORS origin, so a web page
 * the user happens to open cannot drive the tools (DNS rebinding, drive-by requests).
 * The MCP SDK is loaded on the first request, keeping it out of start-up.
 */
export function mcpRoutes(deps: { tools: InvokeTool; version: string; allowedOrigins: readonly string[] }): RouteSpec[] {
  const allowed = new Set(deps.allowedOrigins);
  let transport: Promise<typeof McpHttp> | undefined;
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
        200: { description: 'A JSON-RPC response.', schema: { type: 'object' } },
        202: { description: 'A notification or response was accepted.' },
        400: { description: 'Not JSON, or not a JSON-RPC message.' },
        403: { description: 'The Origin header names an origin that is not configured in BACKEND_CORS_ORIGINS (FORBIDDEN).' },
        406: { description: 'The Accept header does not allow application/json and text/event-stream.' },
      },
      handle: ({ tenantId, headers, body }) => {
        const origin = headers.origin;
        if (origin !== undefined && !allowed.has(origin)) {
          return TE.left(
            AppError.forbidden(`Origin ${origin.slice(0, 200)} may not use /mcp; only the origins in BACKEND_CORS_ORIGINS may.`),
          );
        }
        return TE.right({
          status: 200,
          takeover: async (req, res) => {
            const { serveMcpRequest } = await (transport ??= import('../../mcp/mcp-http.js'));
            await serveMcpRequest({ tools: deps.tools, tenantId, version: deps.version }, req, res, body);
          },
        });
      },
    }),
  ];
}
