/**
 * What the service counts and times, for whoever watches it (the Prometheus adapter on
 * METRICS_PORT). Every method is cheap and never throws; {@link NO_METRICS} is the default
 * when metrics are off. Labels are bounded sets: route templates, never raw paths or tenants.
 */
export type RateLimitOrigin = 'service' | 'atlassian' | 'tenant';

export interface ServiceMetrics {
  /** One answered request of our own API. `route` is the template (`/connectors/jira/issues/{key}`), or null when none matched. */
  httpRequest(o: {
    readonly method: string;
    readonly route: string | null;
    readonly status: number;
    readonly seconds: number;
  }): void;
  /** One call to Atlassian: `operation` is the method and path template; status 0 when no answer came. */
  upstreamCall(o: { readonly operation: string; readonly status: number; readonly seconds: number }): void;
  /** One token refresh, by how it ended. */
  tokenRefresh(outcome: 'rotated' | 'needs_reauth' | 'failed'): void;
  /** A request waited for another instance's refresh lease. */
  leaseWait(seconds: number): void;
  /**
   * A 429: `service` when this service answered it itself for Atlassian's budget, `atlassian`
   * when Atlassian did, `tenant` when the tenant went over RATE_LIMIT_PER_TENANT or its
   * upstream queue (UPSTREAM_CONCURRENCY_PER_TENANT) was full.
   */
  rateLimited(origin: RateLimitOrigin): void;
  /** One database query. */
  dbQuery(seconds: number): void;
}

const nothing = (): void => undefined;

export const NO_METRICS: ServiceMetrics = {
  httpRequest: nothing,
  upstreamCall: nothing,
  tokenRefresh: nothing,
  leaseWait: nothing,
  rateLimited: nothing,
  dbQuery: nothing,
};
