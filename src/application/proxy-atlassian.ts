import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type { ConnectorId } from '../domain/connector.js';
import { AppError } from '../domain/errors.js';
import {
  checkProxyFlavour,
  checkProxyPath,
  checkProxyQuery,
  isScopeMismatch,
  type ProxyAnswer,
  type ProxyBody,
  type ProxyMethod,
} from '../domain/proxy.js';
import type { TenantId } from '../domain/tenant.js';
import type { AccessProvider } from './ports/access-provider.js';
import type { AtlassianProxy } from './ports/atlassian-proxy.js';

export interface ProxySettings {
  /** PROXY_ENABLED. */
  readonly enabled: boolean;
  /** TOOLS_READ_ONLY: only GET passes. */
  readonly readOnly: boolean;
}

/** A caller's request as it arrived: nothing checked yet, the body not read yet. */
export interface ProxyCall {
  readonly method: ProxyMethod;
  /** The path below the connector's base, as sent (percent-encoded), starting with `/`. */
  readonly path: string;
  /** The query string as sent, without `?`. */
  readonly query: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Reads the body (bounded); called only once the request passed every other check. */
  readonly body: TE.TaskEither<AppError, ProxyBody | undefined>;
}

/**
 * The proxy: any request below the product API prefixes, sent to the tenant's site with
 * its credentials, and Atlassian's answer handed back as it came. Our own refusals (turned
 * off, a write in read-only mode, a bad path, no connection) are AppErrors; everything
 * Atlassian answers, errors included, is a Right. The tenant's project and space filters do
 * not apply: the proxy is for trusted server-side callers.
 */
export class ProxyAtlassian {
  constructor(
    private readonly ports: {
      readonly refresh: AccessProvider;
      readonly proxy: AtlassianProxy;
      readonly settings: ProxySettings;
    },
  ) {}

  execute(tenantId: TenantId, connector: ConnectorId, call: ProxyCall): TE.TaskEither<AppError, ProxyAnswer> {
    const { refresh, proxy, settings } = this.ports;
    if (!settings.enabled) return TE.left(AppError.notFound('The Atlassian proxy is turned off on this service (PROXY_ENABLED=false).'));
    const checked = pipe(
      checkProxyPath(connector, call.path),
      E.flatMap(() => checkProxyQuery(call.query)),
    );
    if (E.isLeft(checked)) return TE.left(checked.left);
    if (settings.readOnly && call.method !== 'GET') {
      return TE.left(AppError.forbidden(`The proxy passes only GET while this service runs with TOOLS_READ_ONLY=true; ${call.method} was refused.`));
    }
    // One async step rather than a chain of combinators: every proxied call comes this way (docs/performance.md).
    return async () => {
      const body = await call.body();
      if (E.isLeft(body)) return body;
      const request = { method: call.method, path: call.path, query: call.query, headers: call.headers, ...(body.right ? { body: body.right } : {}) };
      const ctx = await refresh.access(tenantId, connector)();
      if (E.isLeft(ctx)) return ctx;
      const flavour = checkProxyFlavour(connector, ctx.right.flavour, call.path);
      if (E.isLeft(flavour)) return flavour;
      const answer = await proxy.forward(ctx.right, request)();
      // A 401 to an OAuth token: refresh once (unless someone already did) and send again.
      // A missing scope would come back the same, and a token connection has nothing to refresh.
      if (E.isLeft(answer) || answer.right.status !== 401 || ctx.right.authType !== 'oauth' || isScopeMismatch(answer.right)) return answer;
      answer.right.discard();
      const fresh = await refresh.afterUnauthorized(tenantId, connector, ctx.right)();
      return E.isLeft(fresh) ? fresh : proxy.forward(fresh.right, request)();
    };
  }
}
