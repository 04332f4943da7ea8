/**
 * `integration-backend/atlassian`: the Atlassian HTTP adapters (undici). The gateways
 * implement the core's JiraGateway and ConfluenceGateway ports; the authorization client
 * implements AtlassianAuthorization (OAuth code exchange, refresh, accessible resources).
 */
import { AtlassianCaller, type CallSettings } from '../adapters/undici/atlassian-call.js';
import { createAtlassianHttp, type AtlassianHttp } from '../adapters/undici/http-transport.js';
import { UndiciConfluenceGateway } from '../adapters/undici/undici-confluence-gateway.js';
import { UndiciJiraGateway } from '../adapters/undici/undici-jira-gateway.js';
import { systemClock } from '../adapters/system/system-clock.js';

export { AtlassianCaller, type CallSettings } from '../adapters/undici/atlassian-call.js';
export {
  createAtlassianHttp,
  MAX_RESPONSE_BYTES,
  type TransportFailure,
  type AtlassianHttp,
  type HttpRequest,
  type HttpResponse,
  type HttpTransport,
} from '../adapters/undici/http-transport.js';
export { UndiciJiraGateway } from '../adapters/undici/undici-jira-gateway.js';
export { UndiciConfluenceGateway } from '../adapters/undici/undici-confluence-gateway.js';
export { UndiciAtlassianProxy } from '../adapters/undici/undici-atlassian-proxy.js';
export { UndiciAtlassianAuthorization } from '../adapters/undici/undici-atlassian-authorization.js';
export { DnsSiteUrlGuard } from '../adapters/net/dns-site-url-guard.js';
export { isPublicAddress } from '../domain/public-address.js';

/**
 * Both gateways over one pooled HTTP client, with the service's defaults: 10 s per
 * request, 15 s for retries of idempotent calls. Call `close()` when done.
 */
export function createAtlassianGateways(
  opts: { readonly timeoutMs?: number; readonly retryBudgetMs?: number; readonly http?: AtlassianHttp } & Pick<CallSettings, 'sleep'> = {},
): { jira: UndiciJiraGateway; confluence: UndiciConfluenceGateway; close: () => Promise<void> } {
  const http = opts.http ?? createAtlassianHttp({ timeoutMs: opts.timeoutMs ?? 10_000 });
  const caller = new AtlassianCaller(http, {
    retryBudgetMs: opts.retryBudgetMs ?? 15_000,
    clock: systemClock,
    ...(opts.sleep ? { sleep: opts.sleep } : {}),
  });
  return {
    jira: new UndiciJiraGateway(caller),
    confluence: new UndiciConfluenceGateway(caller),
    close: async () => {
      await http.close?.();
    },
  };
}
