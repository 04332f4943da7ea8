import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpServer, type McpServerOptions } from './mcp-server.js';

/**
 * Answers one Streamable HTTP request, statelessly: a fresh server and transport per
 * request, JSON responses rather than SSE streams. Tools need no session, so any instance
 * behind a load balancer can answer any request.
 */
export async function serveMcpRequest(opts: McpServerOptions, req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
  const server = createMcpServer(opts);
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.once('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
}
