/**
 * The Jira values the service hands out beyond issue summaries and projects, as io-ts
 * codecs (their JSON Schemas document the operations' outputs) and the types derived
 * from them.
 */
import * as t from 'io-ts';
import { annotate } from './json-schema.js';

const text = (description: string) => annotate(t.string, { description });
const nullableText = (description: string) => annotate(t.union([t.string, t.null]), { description });

/** A person in Jira. Cloud names users by accountId only; Data Center by user key. */
export const JiraUser = t.readonly(
  t.type({
    account_id: text('The Jira Cloud accountId (the user key on Data Center): what assigning takes.'),
    display_name: text('The name Jira shows.'),
    email: nullableText('The email address, when the user lets it be seen.'),
    active: annotate(t.boolean, { description: 'False for a deactivated account.' }),
  }),
  'JiraUser',
);
export type JiraUser = t.TypeOf<typeof JiraUser>;

/** Which issue: its numeric id, its key, and the key of its project. */
export interface IssueIdentity {
  readonly id: string;
  readonly key: string;
  readonly project: string;
}

/**
 * A change to an issue, in Jira's terms but not its wire format: what is set (null clears),
 * and the label verbs. Rich text is already in the site's format (ADF on Cloud, wiki markup
 * on Data Center).
 */
export interface IssueChange {
  readonly summary?: string;
  readonly description?: unknown;
  readonly labels?: { readonly set?: readonly string[]; readonly add?: readonly string[]; readonly remove?: readonly string[] };
  readonly priority?: string | null;
  /** accountId (Cloud) or user key/name (Data Center); null unassigns. */
  readonly assignee?: string | null;
  /** the parent issue's key; null detaches. */
  readonly parent?: string | null;
  /** component names; replaces them all. */
  readonly components?: readonly string[];
  /** YYYY-MM-DD; null clears. */
  readonly dueDate?: string | null;
  /** custom field values by field id (`customfield_10010`), as Jira takes them. */
  readonly customFields?: Readonly<Record<string, unknown>>;
}

/** The Jira field ids a change touches, for checking them against the edit screen. */
export const fieldIdsOf = (change: IssueChange): string[] => [
  ...(change.summary !== undefined ? ['summary'] : []),
  ...(change.description !== undefined ? ['description'] : []),
  ...(change.labels !== undefined ? ['labels'] : []),
  ...(change.priority !== undefined ? ['priority'] : []),
  ...(change.assignee !== undefined ? ['assignee'] : []),
  ...(change.parent !== undefined ? ['parent'] : []),
  ...(change.components !== undefined ? ['components'] : []),
  ...(change.dueDate !== undefined ? ['duedate'] : []),
  ...Object.keys(change.customFields ?? {}),
];

export const UpdatedIssue = t.readonly(
  t.type({
    key: text('The issue key.'),
    url: annotate(t.string, { format: 'uri', description: 'Link to the issue in the browser.' }),
    updated_fields: annotate(t.readonlyArray(t.string), { description: "The Jira field ids that were set (summary, labels, customfield_10010, ...)." }),
  }),
  'UpdatedIssue',
);
export type UpdatedIssue = t.TypeOf<typeof UpdatedIssue>;
