/**
 * `integration-backend/mcp`: the agent tools as an MCP server (official SDK). Connect the
 * server `createMcpServer` returns to any SDK transport, or answer Streamable HTTP
 * requests statelessly with `serveMcpRequest`.
 */
export { createMcpServer, toMcpTool, type McpServerOptions } from '../adapters/mcp/mcp-server.js';
export { serveMcpRequest } from '../adapters/mcp/mcp-http.js';
