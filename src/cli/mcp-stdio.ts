/**
 * `integration-backend mcp --tenant <id>`: the agent tools for one tenant over MCP on
 * stdin/stdout. stdout carries protocol messages only; every log line goes to stderr.
 */
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { TenantId } from '../domain/tenant.js';
import { createMcpServer } from '../adapters/mcp/mcp-server.js';
import { createPinoLogger } from '../adapters/pino/pino-logger.js';
import type { Config } from '../composition/config.js';
import { composeCore } from '../composition/container.js';
import { readPackageVersion } from '../composition/package-info.js';

const isRequest = (m: JSONRPCMessage): boolean => 'method' in m && 'id' in m;
const isResponse = (m: JSONRPCMessage): boolean => 'id' in m && ('result' in m || 'error' in m);

export async function serveMcpOverStdio(config: Config, tenantId: TenantId): Promise<void> {
  const log = createPinoLogger({ level: config.logLevel, pretty: false, destination: pino.destination({ fd: 2, sync: true }) });
  // This process signs no OAuth state (it serves no /auth routes): a per-process secret is
  // right here, and the service's warning about a missing STATE_SIGNING_SECRET would mislead.
  const oauth = { ...config.oauth, stateSigningSecret: config.oauth.stateSigningSecret || randomBytes(32).toString('base64url') };
  const core = await composeCore({ ...config, oauth }, { log });
  const server = createMcpServer({ tools: core.useCases.tools, tenantId, version: readPackageVersion() });
  const transport = new StdioServerTransport();
  await server.connect(transport);

  // Requests still being answered. A client may write its last request and close stdin at
  // once; that request is answered (a create tool's result is not lost) before we stop.
  let pending = 0;
  let drained: (() => void) | undefined;
  const receive = transport.onmessage;
  transport.onmessage = (message) => {
    if (isRequest(message)) pending += 1;
    receive?.(message);
  };
  const send = transport.send.bind(transport);
  transport.send = async (message) => {
    await send(message);
    if (isResponse(message) && pending > 0 && --pending === 0) drained?.();
  };
  // Bounded: the longest a call can take is its attempts within the retry budget plus one timeout.
  const drainLimitMs = config.atlassian.retryBudgetMs + 2 * config.atlassian.timeoutMs;

  let stopping: Promise<void> | undefined;
  const stop = (why: string): Promise<void> =>
    (stopping ??= (async () => {
      if (pending > 0) {
        log.info({ why, pending }, 'mcp server finishing the calls in progress');
        await new Promise<void>((resolve) => {
          drained = resolve;
          setTimeout(resolve, drainLimitMs).unref();
        });
      }
      log.info({ why }, 'mcp server stopping');
      await server.close().catch(() => undefined);
      await core.close();
      process.exit(0);
    })());
  // The client ends the session by closing our stdin.
  process.stdin.once('end', () => void stop('stdin closed'));
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  log.info({ tenant: tenantId }, 'mcp server ready on stdio');
}
