/**
 * Inbound changes (issue 14): how a Jira webhook delivery or a poller's read becomes events.
 * Pure: the ids are derived from the change itself, so the same change seen twice (a
 * delivery Atlassian retries, a webhook and a poll of the same edit) is one event.
 */
import { createHash } from 'node:crypto';
import type { ConnectorId } from './connector.js';
import type { EventType, NewEvent } from './events.js';
import { quoteCqlString, quoteJqlString } from './query-language.js';
import type { TenantId } from './tenant.js';

/** The Jira events a dynamic webhook is registered for. */
export const JIRA_WEBHOOK_EVENTS = ['jira:issue_created', 'jira:issue_updated', 'jira:issue_deleted', 'comment_created', 'comment_updated', 'comment_deleted'] as const;

/**
 * A dynamic webhook must have a JQL filter, from a subset (issueKey, project, issuetype,
 * status, assignee, reporter; =, !=, IN, NOT IN): Jira refuses an empty one ("Empty JQL
 * search not supported") and `IS NOT` ("Operator is not is unsupported"), in its 200 answer's
 * errors. Without JIRA_PROJECTS_FILTER: every issue, as `project != null` (every issue has
 * a project), the filter others report Jira's live endpoint accepts.
 */
export const ALL_PROJECTS_JQL = 'project != null';

export const webhookJql = (projects: readonly string[]): string =>
  projects.length === 0 ? ALL_PROJECTS_JQL : `project in (${projects.map(quoteJqlString).join(', ')})`;

/** Milliseconds of a Jira or Confluence timestamp (`2026-11-20T10:15:30.000+0000`, ISO, or epoch ms); undefined when it is none. */
export const timestampMs = (value: unknown): number | undefined => {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value !== 'string' || value === '') return undefined;
  const ms = Date.parse(value.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
  return Number.isNaN(ms) ? undefined : ms;
};

/** An event id: a readable prefix and the hash of what makes the change this change. */
export const inboundEventId = (...parts: ReadonlyArray<string | number>): string => {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 32);
  return `${String(parts[0])}_${digest}`;
};

/**
 * The ids of inbound events: the tenant (two tenants connected to one site each get their own
 * event, with its own webhook-id, which a product de-duplicates on), where a connection's
 * changes come from (its cloud id for OAuth, its base URL for tokens), and the change.
 */
export const jiraIssueEventId = (tenant: string, site: string, issueId: string, updatedMs: number): string =>
  inboundEventId('jira-issue', tenant, site, issueId, updatedMs);
export const jiraIssueDeletedEventId = (tenant: string, site: string, issueId: string): string => inboundEventId('jira-issue', tenant, site, issueId, 'deleted');
export const jiraCommentEventId = (tenant: string, site: string, commentId: string, updatedMs: number): string =>
  inboundEventId('jira-comment', tenant, site, commentId, updatedMs);
export const jiraCommentDeletedEventId = (tenant: string, site: string, commentId: string): string =>
  inboundEventId('jira-comment', tenant, site, commentId, 'deleted');
export const confluencePageEventId = (tenant: string, site: string, pageId: string, version: number): string =>
  inboundEventId('confluence-page', tenant, site, pageId, version);
export const confluencePageRemovedEventId = (tenant: string, site: string, pageId: string, version: string): string =>
  inboundEventId('confluence-page-removed', tenant, site, pageId, version);

/** Minutes (rounded up) a relative JQL/CQL date needs to reach back from `now` to `since` less `overlapMs`. */
export const minutesBack = (since: Date, now: Date, overlapMs: number): number => Math.max(1, Math.ceil((now.getTime() - since.getTime() + overlapMs) / 60_000));

/**
 * The poller's JQL. JQL dates without a zone are read in the Jira user's time zone, so the
 * window is relative (`"-15m"`: minutes before Jira's own now), which no zone shifts.
 */
export const pollJql = (minutes: number, projects: readonly string[]): string =>
  `${projects.length > 0 ? `project in (${projects.map(quoteJqlString).join(', ')}) AND ` : ''}updated >= ${quoteJqlString(`-${minutes}m`)} ORDER BY updated ASC`;

/** The poller's CQL: pages modified in the last `minutes` (`now("-15m")`, zone-free like the JQL). */
export const pollCql = (minutes: number, spaces: readonly string[]): string =>
  `type = page AND lastmodified >= now(${quoteCqlString(`-${minutes}m`)})${spaces.length > 0 ? ` AND space in (${spaces.map(quoteCqlString).join(', ')})` : ''} ORDER BY lastmodified ASC`;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
const iso = (v: unknown): string | null => {
  const ms = timestampMs(v);
  return ms === undefined ? null : new Date(ms).toISOString();
};

/** The user of a webhook payload: Cloud accountId and display name. */
const userOf = (v: unknown): { account_id: string | null; display_name: string | null } | null =>
  isObject(v) ? { account_id: str(v['accountId']), display_name: str(v['displayName']) } : null;

/** What an issue event carries: the issue in the REST API's names. */
export const issueData = (issue: Json, changed: readonly string[] | undefined): Json => {
  const fields = isObject(issue['fields']) ? issue['fields'] : {};
  const status = isObject(fields['status']) ? str(fields['status']['name']) : str(fields['status']);
  const project = isObject(fields['project']) ? str(fields['project']['key']) : null;
  return {
    issue: {
      id: str(issue['id']),
      key: str(issue['key']),
      summary: str(fields['summary']),
      status,
      project,
      created: iso(fields['created']),
      updated: iso(fields['updated']),
    },
    ...(changed ? { changed_fields: [...changed] } : {}),
  };
};

export interface WebhookTarget {
  readonly tenantId: TenantId;
  /** The cloud id of the site the delivery is about. */
  readonly site: string;
}

/** The fields a changelog names (`changelog.items[].fieldId ?? field`). */
const changedFieldsOf = (payload: Json): string[] | undefined => {
  const log = payload['changelog'];
  if (!isObject(log) || !Array.isArray(log['items'])) return undefined;
  return [...new Set(log['items'].flatMap((i) => (isObject(i) ? [str(i['fieldId']) ?? str(i['field'])].filter((f): f is string => f !== null) : [])))];
};

/**
 * The event a Jira webhook payload is, for one tenant; undefined for an event we did not
 * register for or a payload without what identifies the change. `markdown` turns an ADF
 * comment body into Markdown (undefined: the body is left out).
 */
export const eventOfJiraDelivery = (
  payload: Json,
  target: WebhookTarget,
  receivedAt: Date,
  markdown?: (adf: unknown) => string | undefined,
): NewEvent | undefined => {
  const kind = str(payload['webhookEvent']);
  const issue = isObject(payload['issue']) ? payload['issue'] : undefined;
  const occurredMs = timestampMs(payload['timestamp']) ?? receivedAt.getTime();
  const base = { tenantId: target.tenantId, connector: 'jira' as ConnectorId, occurredAt: new Date(occurredMs) };
  const issueId = issue ? str(issue['id']) : null;
  if (kind === 'jira:issue_created' || kind === 'jira:issue_updated' || kind === 'jira:issue_deleted') {
    if (!issue || issueId === null) return undefined;
    if (kind === 'jira:issue_deleted') {
      return { ...base, id: jiraIssueDeletedEventId(target.tenantId, target.site, issueId), type: 'jira.issue.deleted', data: issueData(issue, undefined) };
    }
    const fields = isObject(issue['fields']) ? issue['fields'] : {};
    const updatedMs = timestampMs(fields['updated']) ?? (kind === 'jira:issue_created' ? timestampMs(fields['created']) : undefined) ?? occurredMs;
    const type: EventType = kind === 'jira:issue_created' ? 'jira.issue.created' : 'jira.issue.updated';
    return { ...base, id: jiraIssueEventId(target.tenantId, target.site, issueId, updatedMs), type, data: issueData(issue, kind === 'jira:issue_updated' ? (changedFieldsOf(payload) ?? []) : undefined) };
  }
  if (kind === 'comment_created' || kind === 'comment_updated' || kind === 'comment_deleted') {
    const comment = isObject(payload['comment']) ? payload['comment'] : undefined;
    const commentId = comment ? str(comment['id']) : null;
    if (!comment || commentId === null) return undefined;
    const body = markdown && comment['body'] !== undefined ? markdown(comment['body']) : undefined;
    const data: Json = {
      issue: issue ? { id: issueId, key: str(issue['key']) } : null,
      comment: {
        id: commentId,
        author: userOf(comment['author']),
        created: iso(comment['created']),
        updated: iso(comment['updated']),
        ...(body !== undefined ? { body } : {}),
      },
    };
    if (kind === 'comment_deleted') return { ...base, id: jiraCommentDeletedEventId(target.tenantId, target.site, commentId), type: 'jira.comment.deleted', data };
    const updatedMs = timestampMs(comment['updated']) ?? timestampMs(comment['created']) ?? occurredMs;
    return { ...base, id: jiraCommentEventId(target.tenantId, target.site, commentId, updatedMs), type: kind === 'comment_created' ? 'jira.comment.created' : 'jira.comment.updated', data };
  }
  return undefined;
};
