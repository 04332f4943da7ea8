import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as t from 'io-ts';
import { NO_AUDIT, type AuditRecorder } from '../../../application/audit.js';
import type { ListEvents, WebhookSettings } from '../../../application/webhooks.js';
import { EVENT_TYPES } from '../../../domain/events.js';
import { annotate, type JsonSchema } from '../../../domain/json-schema.js';
import { errorResponses, json, route, type RouteSpec } from '../route-spec.js';

const EventsQuery = t.exact(
  t.partial({
    cursor: annotate(t.string, { description: 'The next_cursor of the previous page; absent: from the oldest event retained.' }),
    types: annotate(t.string, { description: `Comma-separated event types to keep (${EVENT_TYPES.join(', ')}); absent: all.` }),
    limit: annotate(t.string, { description: 'At most this many events (1 to 1000, default 100).' }),
  }),
);

const WebhookBody = t.exact(t.type({ url: annotate(t.string, { description: 'The https URL events are POSTed to (Standard Webhooks).' }) }));

const time = { type: 'string', format: 'date-time' };
const nullableTime = { type: ['string', 'null'], format: 'date-time' };

export const EVENT_BODY_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['id', 'type', 'time', 'tenant', 'connector', 'data'],
  properties: {
    id: { type: 'string', description: 'Unique per tenant; also the webhook-id header. De-duplicate on it.' },
    type: { enum: [...EVENT_TYPES] },
    time: { ...time, description: 'When it happened.' },
    tenant: { type: 'string' },
    connector: { enum: ['jira', 'confluence'] },
    data: { type: 'object', description: 'The object in the REST API shape (a connection event: the connection view); never a token.' },
  },
};

const WEBHOOK_VIEW: JsonSchema = {
  type: 'object',
  required: ['source', 'url', 'created_at', 'disabled_at', 'disabled_reason'],
  properties: {
    source: { enum: ['tenant', 'global', 'none'], description: "tenant: this tenant's own endpoint; global: WEBHOOK_URL; none: events are only in GET /events." },
    url: { type: ['string', 'null'] },
    created_at: nullableTime,
    disabled_at: { ...nullableTime, description: 'The endpoint answered 410 Gone: nothing is sent (events wait) until a URL is set again.' },
    disabled_reason: { type: ['string', 'null'] },
  },
};

export function eventRoutes(deps: { listEvents: ListEvents; webhooks: WebhookSettings; audit?: AuditRecorder }): RouteSpec[] {
  const audit = deps.audit ?? NO_AUDIT;
  return [
    route({
      method: 'get',
      path: '/events',
      operationId: 'listEvents',
      summary: "The caller tenant's events in order, after a cursor (the pull alternative to webhooks).",
      description: 'Events are kept EVENTS_RETENTION_DAYS (default 7). Poll with the next_cursor of each answer; an empty page keeps the cursor.',
      tags: ['events'],
      tenantScoped: true,
      query: EventsQuery,
      responses: {
        200: {
          description: 'The events, oldest first, and the cursor to read on from.',
          schema: { type: 'object', required: ['items', 'next_cursor'], properties: { items: { type: 'array', items: EVENT_BODY_SCHEMA }, next_cursor: { type: 'string' } } },
        },
        ...errorResponses([400], { 400: 'A cursor this service did not answer, an unknown event type, or a limit out of range (VALIDATION, naming it).' }),
      },
      handle: ({ tenantId, query }) =>
        pipe(
          deps.listEvents.execute(tenantId, query),
          TE.map((page) => json(200, page)),
        ),
    }),
    route({
      method: 'get',
      path: '/connectors/webhook',
      operationId: 'getWebhook',
      summary: "Where the caller tenant's events are sent (never the secret).",
      tags: ['events'],
      tenantScoped: true,
      scope: 'admin',
      responses: { 200: { description: 'The endpoint.', schema: WEBHOOK_VIEW } },
      handle: ({ tenantId }) =>
        pipe(
          deps.webhooks.get(tenantId),
          TE.map((view) => json(200, view)),
        ),
    }),
    route({
      method: 'put',
      path: '/connectors/webhook',
      operationId: 'putWebhook',
      summary: "Sets the caller tenant's webhook endpoint; the answer holds its new signing secret, shown this once.",
      description:
        'The URL must be https and resolve to public addresses only (no private, loopback or link-local; checked now and at every delivery); redirects are never followed. Setting it again (even the same URL) makes a new secret and re-enables an endpoint disabled by 410 Gone.',
      tags: ['events'],
      tenantScoped: true,
      scope: 'admin',
      body: WebhookBody,
      bodyExample: { url: 'https://product.example.com/hooks/atlassian' },
      responses: {
        200: {
          description: 'The endpoint and its secret (whsec_...): store it now.',
          schema: { ...WEBHOOK_VIEW, required: ['secret', ...(WEBHOOK_VIEW['required'] as string[])], properties: { secret: { type: 'string' }, ...(WEBHOOK_VIEW['properties'] as object) } },
        },
        ...errorResponses([400], { 400: 'The URL is not https, has credentials or a fragment, or resolves to a non-public address (VALIDATION).' }),
      },
      handle: ({ tenantId, caller, requestId, body }) =>
        pipe(
          audit.recorded({ caller, requestId }, 'webhook.put', null, deps.webhooks.put(tenantId, body.url)),
          TE.map((view) => json(200, view)),
        ),
    }),
    route({
      method: 'delete',
      path: '/connectors/webhook',
      operationId: 'deleteWebhook',
      summary: "Removes the caller tenant's own endpoint (events then go to WEBHOOK_URL, or only to GET /events).",
      tags: ['events'],
      tenantScoped: true,
      scope: 'admin',
      responses: { 204: { description: 'Gone (or was never there).' } },
      handle: ({ tenantId, caller, requestId }) =>
        pipe(
          audit.recorded({ caller, requestId }, 'webhook.delete', null, deps.webhooks.delete(tenantId)),
          TE.map(() => ({ status: 204 })),
        ),
    }),
  ];
}
