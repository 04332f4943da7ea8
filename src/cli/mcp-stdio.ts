/**
 * `integration-backend mcp --tenant <id>`: the agent tools for one tenant over MCP on
 * stdin/stdout. stdout carries protocol messages only; every log line goes to stderr.
 */
import pino from 'pino';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { InvokeTool } from '../application/tools.js';
import type { TenantId } from '../domain/tenant.js';
import { createMcpServer } from '../adapters/mcp/mcp-server.js';
import { createPinoLogger } from '../adapters/pino/pino-logger.js';
import type { Config } from '../composition/config.js';
import { createService, TOKENS } from '../composition/container.js';
import { readPackageVersion } from '../composition/package-info.js';

export async function serveMcpOverStdio(config: Config, tenantId: TenantId): Promise<void> {
  const log = createPinoLogger({ level: config.logLevel, pretty: false, destination: pino.destination({ fd: 2, sync: true }) });
  const service = await createService(config, { log });
  const server = createMcpServer({ tools: service.container.resolve<InvokeTool>(TOKENS.InvokeTool), tenantId, version: readPackageVersion() });
  const transport = new StdioServerTransport();
  let stopping: Promise<void> | undefined;
  const stop = (why: string): Promise<void> =>
    (stopping ??= (async () => {
      log.info({ why }, 'mcp server stopping');
      await server.close().catch(() => undefined);
      await service.close();
      process.exit(0);
    })());
  // The client ends the session by closing our stdin.
  process.stdin.once('end', () => void stop('stdin closed'));
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  await server.connect(transport);
  log.info({ tenant: tenantId }, 'mcp server ready on stdio');
}
