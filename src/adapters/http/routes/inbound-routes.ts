/**
 * `POST /webhooks/jira`: where Atlassian delivers the Jira dynamic webhooks the service
 * registered (issue 14, docs/events-inbound.md). Atlassian is the caller, so the route is
 * public to our own caller authentication: the delivery's bearer JWT (HS256, the OAuth
 * client secret) is checked before the body is read, and nothing is recorded without it.
 */
import type { IncomingMessage } from 'node:http';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type { ReceiveJiraWebhook } from '../../../application/inbound/receive-jira-webhook.js';
import { AppError } from '../../../domain/errors.js';
import { formatBytes } from '../../../domain/files.js';
import { readCapped } from '../raw-body.js';
import { errorResponses, json, route, type RouteSpec } from '../route-spec.js';

/** Reads the body whole, up to `max` bytes (a larger one is refused with 413, the rest read and dropped). */
const readBody = (req: IncomingMessage, max: number): TE.TaskEither<AppError, Buffer> => () =>
  readCapped(req, max, AppError.validation(`A webhook delivery is at most ${formatBytes(max)} (BODY_LIMIT_BYTES).`, { reason: 'payload_too_large' }), 'The webhook delivery');

const parseJson = (raw: Buffer): TE.TaskEither<AppError, unknown> => {
  try {
    return TE.right(JSON.parse(raw.toString('utf8')) as unknown);
  } catch {
    return TE.left(AppError.validation('The webhook delivery is not valid JSON.'));
  }
};

const ACK_SCHEMA = {
  type: 'object',
  required: ['status', 'outcome'],
  properties: {
    status: { const: 'accepted' },
    outcome: {
      enum: ['recorded', 'duplicate', 'unknown_site', 'ignored'],
      description:
        'recorded: the change is in the outbox (events: how many were new); duplicate: this delivery identifier was seen before (an Atlassian retry); unknown_site: no tenant registered the webhook it matched; ignored: an event type the service does not register for.',
    },
    events: { type: 'integer', minimum: 0 },
  },
  additionalProperties: false,
};

export function inboundRoutes(deps: { receive: ReceiveJiraWebhook; maxBytes: number }): RouteSpec[] {
  return [
    route({
      method: 'post',
      path: '/webhooks/jira',
      operationId: 'receiveJiraWebhook',
      summary: 'Jira webhook deliveries from Atlassian (not for API callers).',
      description:
        'Atlassian sends the Jira dynamic webhooks the service registered for OAuth connections here (PUBLIC_BASE_URL/webhooks/jira). ' +
        'Each delivery must carry Authorization: Bearer <JWT> signed with the OAuth client secret (HS256, exp checked); a missing, wrong, expired or ' +
        'already presented token is answered 401 and nothing is recorded. A delivery whose X-Atlassian-Webhook-Identifier was seen before, or which matched no ' +
        'registered webhook, is acknowledged with 202 and records nothing.',
      tags: ['events'],
      tenantScoped: false,
      public: true,
      headerParams: [
        {
          name: 'X-Atlassian-Webhook-Identifier',
          description: 'The delivery id, the same on each of its retries: a retry records nothing new.',
          schema: { type: 'string', maxLength: 200 },
        },
      ],
      bodyExample: { timestamp: 1764655200000, webhookEvent: 'jira:issue_updated', issue: { id: '10001', key: 'OPS-1', fields: { summary: 'Fix login', updated: '2026-12-02T06:00:00.000+0000' } }, changelog: { items: [{ field: 'summary', fieldId: 'summary' }] }, matchedWebhookIds: [1] },
      responses: {
        202: { description: 'Acknowledged.', schema: ACK_SCHEMA },
        ...errorResponses([400, 401, 413, 500], {
          400: 'The body is not a JSON object (VALIDATION).',
          401: 'No bearer JWT, or one that is not signed with the OAuth client secret, has expired, or was presented before (UNAUTHORIZED). Nothing is recorded.',
        }),
      },
      handle: (input) => {
        const header = input.headers['authorization'];
        const identifier = input.headers['x-atlassian-webhook-identifier'];
        const id = Array.isArray(identifier) ? identifier[0] : identifier;
        return pipe(
          deps.receive.authenticate(Array.isArray(header) ? header[0] : header, id),
          TE.flatMap((verified) =>
            pipe(
              readBody(input.request, deps.maxBytes),
              TE.flatMap(parseJson),
              TE.flatMap((payload) => deps.receive.receive(payload, id, verified)),
            ),
          ),
          TE.map((done) => json(202, { status: 'accepted', ...done })),
        );
      },
    }),
  ];
}
