import type { JsonSchema } from '../../../domain/json-schema.js';
import { CONNECTOR_IDS } from '../../../domain/connector.js';
import type { ParamSpec } from '../route-spec.js';

const nullableString = { type: ['string', 'null'] };

export const CONNECTION_VIEW_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['connector', 'connected', 'status'],
  properties: {
    connector: { enum: [...CONNECTOR_IDS] },
    connected: { type: 'boolean' },
    auth_type: { enum: ['oauth', 'api_token', 'pat', null] },
    status: { enum: ['active', 'needs_reauth', 'not_connected'] },
    site_url: nullableString,
    cloud_id: nullableString,
    sites: {
      type: 'array',
      items: {
        type: 'object',
        properties: { cloud_id: { type: 'string' }, name: { type: 'string' }, url: { type: 'string' } },
      },
    },
    scopes: { type: 'array', items: { type: 'string' } },
    expires_at: { type: ['string', 'null'], format: 'date-time' },
    refreshed_at: { type: ['string', 'null'], format: 'date-time' },
    updated_at: { type: ['string', 'null'], format: 'date-time' },
  },
};

export const CONNECTOR_PARAM: ParamSpec = {
  name: 'connector',
  description: 'The connector: jira or confluence.',
  schema: { type: 'string', enum: [...CONNECTOR_IDS] },
};
