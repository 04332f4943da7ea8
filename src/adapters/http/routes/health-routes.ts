import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import type { GetServiceHealth } from '../../../application/get-service-health.js';
import { json, route, type RouteSpec } from '../route-spec.js';

const OK_SCHEMA = { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } };

export function healthRoutes(deps: { getServiceHealth: GetServiceHealth }): RouteSpec[] {
  const ok = route({
    method: 'get',
    path: '/healthz',
    operationId: 'healthz',
    summary: 'Liveness: answers while the process serves requests.',
    tags: ['health'],
    tenantScoped: false,
    lenientQuery: true,
    responses: { 200: { description: 'Alive.', schema: OK_SCHEMA } },
    handle: () => TE.right(json(200, { status: 'ok' })),
  });
  return [
    ok,
    { ...ok, path: '/health', operationId: 'health' },
    route({
      method: 'get',
      path: '/',
      operationId: 'serviceHealth',
      summary: 'Detailed health: version, uptime, database reachability, connectors, OAuth configured.',
      tags: ['health'],
      tenantScoped: false,
      lenientQuery: true,
      responses: {
        200: {
          description: 'The service and its database answer.',
          schema: {
            type: 'object',
            required: ['status', 'service', 'version', 'uptime_seconds', 'database', 'connectors'],
            properties: {
              status: { enum: ['ok', 'degraded'] },
              service: { type: 'string' },
              version: { type: 'string' },
              uptime_seconds: { type: 'integer' },
              database: {
                type: 'object',
                properties: { reachable: { type: 'boolean' }, dialect: { type: 'string' } },
              },
              connectors: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { id: { type: 'string' }, oauth_configured: { type: 'boolean' } },
                },
              },
              time: { type: 'string', format: 'date-time' },
            },
          },
        },
        503: { description: 'Degraded: the database does not answer (same body).' },
      },
      handle: () =>
        pipe(
          TE.fromTask(deps.getServiceHealth.execute()),
          TE.map((health) => json(health.status === 'ok' ? 200 : 503, health)),
        ),
    }),
  ];
}
