import type { ConnectorId } from './connector.js';
import type { TenantId } from './tenant.js';

/**
 * The events the service tells a product about (issue 14). Connection events come from
 * our own writes (OAuth completion, refresh results, disconnects); Jira and Confluence
 * events from Jira's webhooks and from the pollers. An event never carries a token.
 */
export const EVENT_TYPES = [
  'connection.connected',
  'connection.site_changed',
  'connection.needs_reauth',
  'connection.refresh_failed',
  'connection.deleted',
  'jira.issue.created',
  'jira.issue.updated',
  'jira.issue.deleted',
  'jira.comment.created',
  'jira.comment.updated',
  'jira.comment.deleted',
  'confluence.page.created',
  'confluence.page.updated',
  'confluence.page.removed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const isEventType = (s: string): s is EventType => (EVENT_TYPES as readonly string[]).includes(s);

/**
 * An event as it is recorded. `id` is chosen by whoever records it and is the
 * de-duplication key: recording an id that is already stored does nothing, so a Jira
 * delivery retried by Atlassian, or a change seen by both the webhook and the poller,
 * becomes one event (the inbound side derives the id from the change it saw).
 */
export interface NewEvent {
  readonly id: string;
  readonly type: EventType;
  readonly tenantId: TenantId;
  readonly connector: ConnectorId;
  readonly occurredAt: Date;
  /** The object in the REST API's shape (an issue key and changed fields, a page id, title, version, a connection view). */
  readonly data: Readonly<Record<string, unknown>>;
}

/** A recorded event: `sequence` orders a tenant's events (strictly increasing, across instances). */
export interface StoredEvent extends NewEvent {
  readonly sequence: number;
}

/** The event as a product receives it, in a webhook body or from `GET /events`. */
export interface EventBody {
  readonly id: string;
  readonly type: EventType;
  readonly time: string;
  readonly tenant: string;
  readonly connector: ConnectorId;
  readonly data: Readonly<Record<string, unknown>>;
}

export const eventBody = (e: NewEvent): EventBody => ({
  id: e.id,
  type: e.type,
  time: e.occurredAt.toISOString(),
  tenant: e.tenantId,
  connector: e.connector,
  data: e.data,
});
