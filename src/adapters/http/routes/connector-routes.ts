import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import { connectionChangeName, NO_AUDIT, type AuditRecorder } from '../../../application/audit.js';
import type { DeleteConnection } from '../../../application/delete-connection.js';
import type { GetConnection } from '../../../application/get-connection.js';
import type { ListConnectors } from '../../../application/list-connectors.js';
import type { UpdateConnection } from '../../../application/update-connection.js';
import * as t from 'io-ts';
import { annotate } from '../../../domain/json-schema.js';
import { isConnectorId, type ConnectorId } from '../../../domain/connector.js';
import { AppError } from '../../../domain/errors.js';
import { errorResponses, json, route, type RouteSpec } from '../route-spec.js';
import { CONNECTION_VIEW_SCHEMA, CONNECTOR_PARAM } from './schemas.js';

export const connectorParam = (params: Readonly<Record<string, string>>): TE.TaskEither<AppError, ConnectorId> => {
  const id = params['connector'] ?? '';
  return isConnectorId(id)
    ? TE.right(id)
    : TE.left(AppError.notFound('Unknown connector; expected jira or confluence.'));
};

export const ConnectionChangeBody = t.exact(
  t.partial({
    rotate: annotate(t.boolean, { description: 'true refreshes the OAuth tokens now.' }),
    cloud_id: annotate(t.string, { description: "Makes this site (one of the connection's sites) the active one." }),
    pat: annotate(t.string, {
      description:
        'An Atlassian Cloud API token (with email; Jira or Confluence) or a Jira Data Center personal access token; needs ENABLE_JIRA_PAT=true.',
    }),
    base_url: annotate(t.string, { description: 'The https site or server the token belongs to (with pat).' }),
    email: annotate(t.string, { description: 'The Atlassian account email: makes pat a Cloud API token (Basic auth).' }),
  }),
);

export function connectorRoutes(deps: {
  listConnectors: ListConnectors;
  getConnection: GetConnection;
  deleteConnection: DeleteConnection;
  updateConnection: UpdateConnection;
  /** Records every change and disconnect (docs/security.md, the audit log). */
  audit?: AuditRecorder;
}): RouteSpec[] {
  const audit = deps.audit ?? NO_AUDIT;
  return [
    route({
      method: 'get',
      path: '/connectors',
      operationId: 'listConnectors',
      summary: "The connectors and the caller tenant's connection to each (never a token).",
      tags: ['connectors'],
      tenantScoped: true,
      responses: {
        200: {
          description: 'One entry per connector.',
          schema: {
            type: 'object',
            required: ['items'],
            properties: { items: { type: 'array', items: CONNECTION_VIEW_SCHEMA } },
          },
        },
      },
      handle: ({ tenantId }) =>
        pipe(
          deps.listConnectors.execute(tenantId),
          TE.map((items) => json(200, { items })),
        ),
    }),
    route({
      method: 'get',
      path: '/connectors/{connector}/connection',
      operationId: 'getConnection',
      summary: "The caller tenant's connection to one connector.",
      tags: ['connectors'],
      tenantScoped: true,
      pathParams: [CONNECTOR_PARAM],
      responses: {
        200: { description: 'The connection (connected: false when there is none).', schema: CONNECTION_VIEW_SCHEMA },
        ...errorResponses([404], { 404: 'Unknown connector (NOT_FOUND).' }),
      },
      handle: ({ tenantId, params }) =>
        pipe(
          connectorParam(params),
          TE.flatMap((connector) => deps.getConnection.execute(tenantId, connector)),
          TE.map((view) => json(200, view)),
        ),
    }),
    route({
      method: 'patch',
      path: '/connectors/{connector}/connection',
      operationId: 'updateConnection',
      summary: 'Rotates the OAuth tokens, switches the active site, or saves an API token / PAT connection.',
      tags: ['connectors'],
      tenantScoped: true,
      scope: 'admin',
      pathParams: [CONNECTOR_PARAM],
      body: ConnectionChangeBody,
      responses: {
        200: { description: 'The connection after the change.', schema: CONNECTION_VIEW_SCHEMA },
        ...errorResponses([400, 401, 403, 404, 409, 429, 502, 504], {
          400: 'Invalid change, unknown cloud_id, refused base_url, or a token Atlassian rejected (VALIDATION).',
          403: 'PATs are disabled (ENABLE_JIRA_PAT) (FORBIDDEN).',
          404: 'Unknown connector (NOT_FOUND).',
        }),
      },
      handle: ({ tenantId, caller, requestId, params, body }) =>
        pipe(
          connectorParam(params),
          TE.flatMap((connector) =>
            audit.recorded({ caller, requestId }, connectionChangeName(body), connector, deps.updateConnection.execute(tenantId, connector, body)),
          ),
          TE.map((view) => json(200, view)),
        ),
    }),
    route({
      method: 'delete',
      path: '/connectors/{connector}/connection',
      operationId: 'deleteConnection',
      summary: "Disconnects: forgets the caller tenant's connection and its credentials. Idempotent.",
      tags: ['connectors'],
      tenantScoped: true,
      scope: 'admin',
      pathParams: [CONNECTOR_PARAM],
      responses: {
        204: { description: 'Gone (or was never there).' },
        ...errorResponses([404], { 404: 'Unknown connector (NOT_FOUND).' }),
      },
      handle: ({ tenantId, caller, requestId, params }) =>
        pipe(
          connectorParam(params),
          TE.flatMap((connector) => audit.recorded({ caller, requestId }, 'connection.delete', connector, deps.deleteConnection.execute(tenantId, connector))),
          TE.map(() => ({ status: 204 })),
        ),
    }),
  ];
}
