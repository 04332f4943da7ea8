/**
 * The service's metrics in the Prometheus text format, with `prom-client` (the maintained
 * Prometheus client for Node): request and upstream histograms, token refreshes, lease waits,
 * 429s by origin, database query times, the upstream budget's state and the process metrics
 * (CPU, memory, event-loop lag, handles). Served by {@link startMetricsServer} on a port of its
 * own (METRICS_PORT), so it is never reachable on the public API port.
 */
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RateLimitOrigin, ServiceMetrics } from '../../application/ports/metrics.js';
import type { BudgetSnapshot } from '../../domain/upstream-budget.js';

const PREFIX = 'integration_backend_';

/** Seconds: from a fast local answer to an Atlassian call near its timeout. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const DB_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export class PrometheusMetrics implements ServiceMetrics {
  readonly registry = new Registry();
  private readonly requests: Histogram<'method' | 'route' | 'status'>;
  private readonly upstream: Histogram<'operation' | 'status'>;
  private readonly refreshes: Counter<'outcome'>;
  private readonly leaseWaits: Histogram;
  private readonly limited: Counter<'origin'>;
  private readonly queries: Histogram;

  constructor(opts: { readonly budget?: { snapshot(now: number): BudgetSnapshot }; readonly now?: () => number } = {}) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    this.requests = new Histogram({
      name: `${PREFIX}http_request_duration_seconds`,
      help: 'Requests of the API, by route template, method and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.upstream = new Histogram({
      name: `${PREFIX}atlassian_request_duration_seconds`,
      help: 'Calls to Atlassian, by method and path template, and status (0: no answer).',
      labelNames: ['operation', 'status'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.refreshes = new Counter({
      name: `${PREFIX}token_refreshes_total`,
      help: 'OAuth token refreshes, by outcome: rotated, needs_reauth (Atlassian refused the grant), failed (transient).',
      labelNames: ['outcome'],
      registers,
    });
    this.leaseWaits = new Histogram({
      name: `${PREFIX}refresh_lease_wait_seconds`,
      help: "Time requests waited for another instance's token refresh.",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.limited = new Counter({
      name: `${PREFIX}rate_limited_total`,
      help: '429 answers, by origin: service (this service held the call back for Atlassian\'s budget), atlassian (Atlassian answered 429) or tenant (a tenant went over RATE_LIMIT_PER_TENANT or its upstream queue was full).',
      labelNames: ['origin'],
      registers,
    });
    this.queries = new Histogram({
      name: `${PREFIX}db_query_duration_seconds`,
      help: 'Database queries.',
      buckets: DB_BUCKETS,
      registers,
    });
    const { budget } = opts;
    if (budget) {
      const now = opts.now ?? Date.now;
      const gauge = (name: string, help: string, read: (s: BudgetSnapshot) => number): void => {
        new Gauge({
          name: `${PREFIX}${name}`,
          help,
          registers,
          collect() {
            this.set(read(budget.snapshot(now())));
          },
        });
      };
      gauge(
        'upstream_sites_near_limit',
        'Sites Atlassian says are near their rate limit (their calls are spaced out).',
        (s) => s.sites_near_limit,
      );
      new Gauge({
        name: `${PREFIX}upstream_lowest_remaining`,
        help: "The smallest X-RateLimit-Remaining any site reported in its last answer with one (no sample while none did).",
        registers,
        collect() {
          const lowest = budget.snapshot(now()).lowest_remaining;
          if (lowest === null) this.reset();
          else this.set(lowest);
        },
      });
      gauge(
        'upstream_sites_in_penalty',
        'Sites in a rate-limit penalty window (their calls are answered 429 without calling).',
        (s) => s.sites_in_penalty,
      );
      gauge('upstream_app_near_limit', "1 while the OAuth app's shared quota is near its limit.", (s) =>
        s.app.near_limit ? 1 : 0,
      );
      gauge('upstream_app_in_penalty', "1 while the OAuth app's shared quota is in a penalty window.", (s) =>
        s.app.penalty_until ? 1 : 0,
      );
    }
  }

  httpRequest(o: { method: string; route: string | null; status: number; seconds: number }): void {
    this.requests.observe({ method: o.method, route: o.route ?? 'unmatched', status: String(o.status) }, o.seconds);
  }

  upstreamCall(o: { operation: string; status: number; seconds: number }): void {
    this.upstream.observe({ operation: o.operation, status: String(o.status) }, o.seconds);
  }

  tokenRefresh(outcome: 'rotated' | 'needs_reauth' | 'failed'): void {
    this.refreshes.inc({ outcome });
  }

  leaseWait(seconds: number): void {
    this.leaseWaits.observe(seconds);
  }

  rateLimited(origin: RateLimitOrigin): void {
    this.limited.inc({ origin });
  }

  dbQuery(seconds: number): void {
    this.queries.observe(seconds);
  }
}

const notFound = JSON.stringify({
  status: 'error',
  code: 'NOT_FOUND',
  message: 'Only GET /metrics is served on this port.',
});

/** Serves `GET /metrics` on its own port; answers nothing else. */
export function startMetricsServer(
  metrics: PrometheusMetrics,
  port: number,
  host: string,
): Promise<{ server: Server; url: string }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(notFound),
      });
      res.end(notFound);
      return;
    }
    metrics.registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      () => {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('metrics could not be collected\n');
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address() as AddressInfo;
      const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      resolve({ server, url: `http://${shown === '0.0.0.0' ? '127.0.0.1' : shown}:${addr.port}` });
    });
  });
}
