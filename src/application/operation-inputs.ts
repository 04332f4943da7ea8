/**
 * The inputs of the Jira and Confluence operations, as io-ts codecs. The REST routes
 * decode query strings and bodies with them, the agent tools decode arguments with
 * them, and both JSON Schemas (OpenAPI and the tool list) are generated from them.
 */
import * as t from 'io-ts';
import { annotate } from '../domain/json-schema.js';
import { accountId, componentNames, customFields, date, DATE } from './jira/field-inputs.js';
import { issueFields, RichTextFormatCodec } from './jira/fields.js';

export const boundedString = (name: string, min: number, max: number, description: string) =>
  annotate(
    new t.Type<string, string, unknown>(
      name,
      (u): u is string => typeof u === 'string' && u.length >= min && u.length <= max,
      (u, c) =>
        typeof u === 'string' && u.trim().length >= min && u.length <= max
          ? t.success(u)
          : t.failure(u, c, `a string of ${min}-${max} characters`),
      t.identity,
    ),
    { type: 'string', minLength: min, maxLength: max, description },
  );

/** Accepts a number (tool arguments) or a numeric string (query strings). */
export const intInRange = (min: number, max: number, description: string) =>
  annotate(
    new t.Type<number, number, unknown>(
      `an integer from ${min} to ${max}`,
      (u): u is number => typeof u === 'number' && Number.isInteger(u) && u >= min && u <= max,
      (u, c) => {
        const n = typeof u === 'string' && /^\d{1,6}$/.test(u) ? Number(u) : u;
        return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max
          ? t.success(n)
          : t.failure(u, c, `an integer from ${min} to ${max}`);
      },
      t.identity,
    ),
    { type: 'integer', minimum: min, maximum: max, description },
  );

export const DEFAULT_LIMIT = 25;
export const limit = intInRange(1, 100, `Items per page (default ${DEFAULT_LIMIT}, at most 100).`);
export const cursor = boundedString('cursor', 1, 4096, 'The next_cursor of the previous page.');

const PROJECT_KEY = /^[A-Za-z][A-Za-z0-9_]{0,254}$/;
/** A Jira project key; each field says in its own words what the project is for. */
export const projectKey = (description: string) =>
  annotate(
    new t.Type<string, string, unknown>(
      'a Jira project key',
      (u): u is string => typeof u === 'string' && PROJECT_KEY.test(u),
      (u, c) => (typeof u === 'string' && PROJECT_KEY.test(u) ? t.success(u) : t.failure(u, c, 'a Jira project key (letters, digits, _)')),
      t.identity,
    ),
    { type: 'string', pattern: PROJECT_KEY.source, description },
  );

/** `ENG-42` or a numeric id: validated before it goes into a path. */
export const ISSUE_ID_OR_KEY = /^(?:[A-Z][A-Z0-9_]+-[1-9][0-9]{0,17}|[1-9][0-9]{0,17})$/;
export const issueIdOrKey = (description = 'The issue key (e.g. ENG-42) or its numeric id.') =>
  annotate(
    new t.Type<string, string, unknown>(
      'an issue key or id',
      (u): u is string => typeof u === 'string' && ISSUE_ID_OR_KEY.test(u),
      (u, c) => (typeof u === 'string' && ISSUE_ID_OR_KEY.test(u) ? t.success(u) : t.failure(u, c, 'an issue key like ENG-42 or a numeric issue id')),
      t.identity,
    ),
    { type: 'string', pattern: ISSUE_ID_OR_KEY.source, description },
  );

/** A numeric id Atlassian gave (comment, link, board, sprint, attachment, ...). */
export const numericId = (name: string, description: string) =>
  annotate(
    new t.Type<string, string, unknown>(
      name,
      (u): u is string => typeof u === 'string' && /^[1-9][0-9]{0,17}$/.test(u),
      (u, c) => (typeof u === 'string' && /^[1-9][0-9]{0,17}$/.test(u) ? t.success(u) : t.failure(u, c, 'a numeric id')),
      t.identity,
    ),
    { type: 'string', pattern: '^[1-9][0-9]{0,17}$', description },
  );

export const ListProjectsInput = t.exact(
  t.partial({
    query: boundedString('query', 1, 200, 'Filter by project key or name.'),
    cursor,
    limit,
  }),
);

export const SearchIssuesInput = t.exact(
  t.partial({
    q: boundedString('q', 1, 1000, 'Free text, searched with text ~ "..." (quoted and escaped).'),
    jql: boundedString('jql', 1, 10000, 'Your own JQL, passed as is (must be bounded).'),
    project: boundedString('project', 1, 255, 'Restrict q to this project key.'),
    fields: issueFields(
      'The fields each issue carries, comma-separated (default summary,status,issue_type,assignee,updated): any field of jira_get_issue but comments, or customfield_<id>.',
    ),
    format: RichTextFormatCodec,
    cursor,
    limit,
  }),
);

const labels = annotate(t.array(boundedString('label', 1, 255, 'A label (no spaces).')), {
  type: 'array',
  items: { type: 'string', minLength: 1, maxLength: 255, pattern: '^\\S+$' },
  maxItems: 50,
  description: 'Labels to set.',
});

export const CreateIssueInput = t.exact(
  t.intersection([
    t.type({
      project_key: projectKey('The project to create the issue in, e.g. ENG.'),
      summary: boundedString('summary', 1, 255, 'The issue summary (one line).'),
    }),
    t.partial({
      issue_type: boundedString('issue_type', 1, 255, 'Issue type name (default Task).'),
      description: boundedString('description', 0, 100_000, 'Markdown (plain text is fine), converted to ADF (Cloud) or wiki markup (Data Center).'),
      description_adf: annotate(t.UnknownRecord, { type: 'object', description: 'An Atlassian Document Format doc (version 1), sent unchanged.' }),
      labels,
      priority: boundedString('priority', 1, 255, 'Priority name, e.g. High.'),
      assignee: accountId('The accountId to assign the new issue to (see jira_assignable_users; a user key on Data Center).'),
      parent: issueIdOrKey("The parent issue's key or id: the issue a subtask belongs to, or the epic of a standard issue."),
      components: componentNames("Component names of the project (see jira_list_create_fields' allowed values)."),
      due_date: annotate(date, { type: 'string', pattern: DATE.source, description: 'The due date, YYYY-MM-DD.' }),
      fields: customFields,
    }),
  ]),
);

export const ListSpacesInput = t.exact(t.partial({ cursor, limit }));

export const SearchContentInput = t.exact(
  t.partial({
    q: boundedString('q', 1, 1000, 'Free text, searched with text ~ "..." (quoted and escaped).'),
    cql: boundedString('cql', 1, 10000, 'Your own CQL, passed as is.'),
    space: boundedString('space', 1, 255, 'Only content of this space key (with q or cql).'),
    type: annotate(t.keyof({ page: null, blogpost: null, comment: null, attachment: null }), { description: 'Only this type of content (with q or cql): page, blogpost, comment or attachment.' }),
    cursor,
    limit,
  }),
);

export const BodyFormat = annotate(t.keyof({ markdown: null, storage: null, atlas_doc_format: null }), {
  description: 'markdown (default) is converted to storage format; storage and atlas_doc_format are sent as given.',
});

export const CreatePageInput = t.exact(
  t.intersection([
    t.type({
      title: boundedString('title', 1, 255, 'The page title.'),
      body: boundedString('body', 0, 5_000_000, 'The page body (see body_format).'),
    }),
    t.partial({
      space_key: boundedString('space_key', 1, 255, 'The space key (or give space_id).'),
      space_id: boundedString('space_id', 1, 64, 'The space id (or give space_key).'),
      parent_id: boundedString('parent_id', 1, 64, 'Parent page id.'),
      body_format: BodyFormat,
    }),
  ]),
);

export type ListProjectsInput = t.TypeOf<typeof ListProjectsInput>;
export type SearchIssuesInput = t.TypeOf<typeof SearchIssuesInput>;
export type CreateIssueInput = t.TypeOf<typeof CreateIssueInput>;
export type ListSpacesInput = t.TypeOf<typeof ListSpacesInput>;
export type SearchContentInput = t.TypeOf<typeof SearchContentInput>;
export type CreatePageInput = t.TypeOf<typeof CreatePageInput>;
