import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import type { GetReadiness } from '../../../application/get-readiness.js';
import type { GetServiceHealth } from '../../../application/get-service-health.js';
import { json, route, type RouteSpec } from '../route-spec.js';

const HEALTH_SCHEMA = {
  type: 'object',
  required: ['status', 'service', 'version', 'uptime_seconds', 'database', 'connectors', 'time'],
  properties: {
    status: { enum: ['ok', 'degraded'], description: 'degraded when the database does not answer.' },
    service: { type: 'string', description: 'The service name.' },
    version: { type: 'string', description: 'The package version.' },
    uptime_seconds: { type: 'integer', minimum: 0, description: 'Seconds since start.' },
    database: {
      type: 'object',
      required: ['reachable', 'dialect'],
      properties: {
        reachable: { type: 'boolean', description: 'Whether a round trip to the database just succeeded.' },
        dialect: { type: 'string', description: 'sqlite, postgres, or custom (an embedded store).' },
      },
      additionalProperties: false,
    },
    connectors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'oauth_configured'],
        properties: {
          id: { enum: ['jira', 'confluence'] },
          oauth_configured: { type: 'boolean', description: 'Whether the OAuth client id and redirect URI are set (never their values).' },
        },
        additionalProperties: false,
      },
    },
    time: { type: 'string', format: 'date-time', description: "The service's clock." },
    upstream: {
      type: 'object',
      description: "What Atlassian's rate-limit headers said lately (counts only: which sites, that is tenants, is not shown).",
      required: ['app', 'sites_tracked', 'sites_near_limit', 'sites_in_penalty', 'lowest_remaining'],
      properties: {
        app: {
          type: 'object',
          required: ['near_limit', 'penalty_until'],
          properties: {
            near_limit: { type: 'boolean', description: "True while Atlassian says the OAuth app's shared quota is near its limit." },
            penalty_until: {
              type: ['string', 'null'],
              format: 'date-time',
              description: "Until when calls on the OAuth app's quota are answered 429 without calling Atlassian; null when none.",
            },
          },
          additionalProperties: false,
        },
        sites_tracked: { type: 'integer', minimum: 0, description: 'Sites whose rate-limit headers were seen in the last two hours.' },
        sites_near_limit: { type: 'integer', minimum: 0, description: 'Sites whose calls are spaced out because Atlassian said they are near the limit.' },
        sites_in_penalty: { type: 'integer', minimum: 0, description: 'Sites whose calls are answered 429 by this service until their penalty ends.' },
        lowest_remaining: {
          type: ['number', 'null'],
          description: 'The smallest X-RateLimit-Remaining any of those sites reported in its last answer that had one; null when none did.',
        },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
};

const READY_SCHEMA = {
  type: 'object',
  required: ['status', 'database', 'migrations', 'shutting_down'],
  properties: {
    status: { enum: ['ready', 'not_ready'] },
    database: {
      type: 'object',
      required: ['reachable'],
      properties: { reachable: { type: 'boolean', description: 'Whether a round trip to the database just succeeded.' } },
      additionalProperties: false,
    },
    migrations: {
      type: ['object', 'null'],
      required: ['current', 'pending'],
      properties: {
        current: { type: 'boolean', description: 'Whether the database has every migration of this build.' },
        pending: { type: 'array', items: { type: 'string' }, description: 'The migrations it lacks.' },
      },
      additionalProperties: false,
      description: 'null for an embedded store without migrations.',
    },
    shutting_down: { type: 'boolean', description: 'True from SIGTERM on, while requests in flight finish.' },
  },
  additionalProperties: false,
};

const OK_SCHEMA = { type: 'object', required: ['status'], properties: { status: { const: 'ok' } }, additionalProperties: false };

export function healthRoutes(deps: { getServiceHealth: GetServiceHealth; getReadiness: GetReadiness }): RouteSpec[] {
  const ok = route({
    method: 'get',
    path: '/healthz',
    operationId: 'healthz',
    summary: 'Liveness: answers while the process serves requests.',
    tags: ['health'],
    tenantScoped: false,
    public: true,
    lenientQuery: true,
    responses: { 200: { description: 'Alive.', schema: OK_SCHEMA } },
    handle: () => TE.right(json(200, { status: 'ok' })),
  });
  return [
    ok,
    { ...ok, path: '/health', operationId: 'health' },
    route({
      method: 'get',
      path: '/readyz',
      operationId: 'readyz',
      summary: 'Readiness: the database answers, its schema is current, and the process is not shutting down.',
      tags: ['health'],
      tenantScoped: false,
      public: true,
      lenientQuery: true,
      responses: {
        200: { description: 'Ready for traffic.', schema: READY_SCHEMA },
        503: { description: 'Not ready: the database does not answer, migrations are pending, or it is shutting down (the same body).', schema: READY_SCHEMA },
      },
      handle: () =>
        pipe(
          TE.fromTask(deps.getReadiness.execute()),
          TE.map((ready) => json(ready.status === 'ready' ? 200 : 503, ready)),
        ),
    }),
    route({
      method: 'get',
      path: '/',
      operationId: 'serviceHealth',
      summary: 'Detailed health: version, uptime, database reachability, connectors, OAuth configured.',
      tags: ['health'],
      tenantScoped: false,
      public: true,
      lenientQuery: true,
      responses: {
        200: { description: 'The service and its database answer.', schema: HEALTH_SCHEMA },
        503: { description: 'Degraded: the database does not answer (the same body, status degraded).', schema: HEALTH_SCHEMA },
      },
      handle: () =>
        pipe(
          TE.fromTask(deps.getServiceHealth.execute()),
          TE.map((health) => json(health.status === 'ok' ? 200 : 503, health)),
        ),
    }),
  ];
}
