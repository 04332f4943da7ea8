/**
 * One Jira issue as the service hands it out (get, and search with `fields`), and what an
 * adapter reads from Jira for it. Jira's rich text (ADF on Cloud, wiki markup on Data
 * Center) is read back to Markdown here, unless the caller asks for the raw value.
 */
import * as t from 'io-ts';
import { annotate } from './json-schema.js';
import { adfToMarkdown } from './markup/adf.js';
import { jiraWikiToMarkdown } from './markup/jira-wiki.js';

const text = (description: string) => annotate(t.string, { description });
const nullableText = (description: string) => annotate(t.union([t.string, t.null]), { description });
const list = <C extends t.Mixed>(c: C, description: string) => annotate(t.readonlyArray(c), { description });

/** Another issue as it appears inside an issue: a parent, a subtask, the other end of a link. */
const RelatedIssue = t.readonly(
  t.type({ key: text('Its key.'), summary: nullableText('Its summary.'), status: nullableText('Its status name.') }),
  'RelatedIssue',
);

/** Rich text: Markdown by default, or the raw value (an ADF document on Cloud, wiki markup on Data Center). */
const RichText = (description: string) => annotate(t.union([t.string, t.UnknownRecord, t.null]), { description });

export const JiraComment = t.readonly(
  t.type({
    id: text('The comment id.'),
    author: nullableText("The author's display name."),
    author_account_id: nullableText("The author's accountId (user key on Data Center)."),
    body: RichText('The comment, in Markdown (or the raw value with format=adf or wiki).'),
    created: nullableText('When it was written (Jira timestamp).'),
    updated: nullableText('When it last changed.'),
    visibility: annotate(
      t.union([
        t.readonly(
          t.type({
            type: annotate(t.keyof({ role: null, group: null }), { description: 'role or group.' }),
            value: text('The role or group name.'),
          }),
        ),
        t.null,
      ]),
      { description: 'Who may see it, when restricted; null for everyone.' },
    ),
  }),
  'JiraComment',
);
export type JiraComment = t.TypeOf<typeof JiraComment>;

export const JiraAttachment = t.readonly(
  t.type({
    id: text('The attachment id (for downloading it).'),
    filename: text('The file name.'),
    size: annotate(t.number, { type: 'integer', minimum: 0, description: 'Size in bytes.' }),
    media_type: nullableText('The media type, e.g. image/png.'),
    created: nullableText('When it was attached.'),
    author: nullableText("The uploader's display name."),
  }),
  'JiraAttachment',
);
export type JiraAttachment = t.TypeOf<typeof JiraAttachment>;

const IssueLink = t.readonly(
  t.type({
    id: text('The link id (for deleting it).'),
    type: text('The link type name, e.g. Blocks.'),
    relation: text('How this issue relates to the other, e.g. "blocks" or "is blocked by".'),
    issue: RelatedIssue,
  }),
  'IssueLink',
);

/** Every field an issue can carry besides id, key and url; `fields=` picks among them. */
const ISSUE_FIELD_CODECS = {
  summary: text('The one-line summary.'),
  status: nullableText('The status name, e.g. In Progress.'),
  status_category: nullableText('The status category: To Do, In Progress or Done.'),
  issue_type: nullableText('The issue type name, e.g. Bug.'),
  priority: nullableText('The priority name, e.g. High.'),
  assignee: nullableText("The assignee's display name; null when unassigned."),
  assignee_account_id: nullableText("The assignee's accountId (user key on Data Center)."),
  reporter: nullableText("The reporter's display name."),
  reporter_account_id: nullableText("The reporter's accountId (user key on Data Center)."),
  labels: list(t.string, 'The labels.'),
  components: list(t.string, 'The component names.'),
  parent: annotate(t.union([RelatedIssue, t.null]), {
    description: 'The parent issue (an epic, or the parent of a subtask).',
  }),
  subtasks: list(RelatedIssue, 'The subtasks.'),
  links: list(IssueLink, 'Links to other issues.'),
  due_date: nullableText('The due date, YYYY-MM-DD.'),
  created: nullableText('When the issue was created (Jira timestamp).'),
  updated: nullableText('When the issue last changed (Jira timestamp).'),
  description: RichText('The description in Markdown (or the raw value with format=adf or wiki).'),
  comments: annotate(
    t.readonly(
      t.type({
        items: list(JiraComment, 'The latest comments, newest first.'),
        total: annotate(t.number, { type: 'integer', minimum: 0, description: 'How many comments the issue has.' }),
      }),
    ),
    { description: 'The latest comments (see comments=); list them all with jira_list_comments.' },
  ),
  attachments: list(JiraAttachment, 'The attached files.'),
  custom_fields: annotate(t.record(t.string, t.unknown), {
    description: 'The custom fields asked for in fields=, by id, as Jira answers them.',
  }),
};

export type IssueFieldName = keyof typeof ISSUE_FIELD_CODECS;
export const ISSUE_FIELD_NAMES = Object.keys(ISSUE_FIELD_CODECS).filter(
  (n) => n !== 'custom_fields',
) as IssueFieldName[];

export const JiraIssue = t.readonly(
  t.intersection([
    t.type({
      id: text('The issue id.'),
      key: text('The issue key, e.g. ENG-42.'),
      url: annotate(t.string, { format: 'uri', description: 'Link to the issue in the browser.' }),
    }),
    t.partial(ISSUE_FIELD_CODECS),
  ]),
  'JiraIssue',
);
export type JiraIssue = t.TypeOf<typeof JiraIssue>;

/** The Jira field ids that carry each of our fields. */
export const JIRA_FIELDS_OF: Readonly<Record<IssueFieldName, readonly string[]>> = {
  summary: ['summary'],
  status: ['status'],
  status_category: ['status'],
  issue_type: ['issuetype'],
  priority: ['priority'],
  assignee: ['assignee'],
  assignee_account_id: ['assignee'],
  reporter: ['reporter'],
  reporter_account_id: ['reporter'],
  labels: ['labels'],
  components: ['components'],
  parent: ['parent'],
  subtasks: ['subtasks'],
  links: ['issuelinks'],
  due_date: ['duedate'],
  created: ['created'],
  updated: ['updated'],
  description: ['description'],
  comments: [],
  attachments: ['attachment'],
  custom_fields: [],
};

/** What a search answers without `fields`: the summary of each issue. */
export const SUMMARY_FIELDS: readonly IssueFieldName[] = ['summary', 'status', 'issue_type', 'assignee', 'updated'];

// --- what an adapter reads from Jira ------------------------------------------------------

export interface UserRecord {
  readonly accountId: string;
  readonly displayName: string;
}

export interface CommentRecord {
  readonly id: string;
  readonly author: UserRecord | null;
  /** ADF (Cloud) or wiki markup (Data Center), as Jira answered it. */
  readonly body: unknown;
  readonly created: string | null;
  readonly updated: string | null;
  readonly visibility: { readonly type: 'role' | 'group'; readonly value: string } | null;
}

export interface IssueRecord {
  readonly id: string;
  readonly key: string;
  /** The project key, when the answer carried the project field. */
  readonly project?: string;
  /** The Jira fields the answer carried, already read; absent when not asked for. */
  readonly summary?: string | null;
  readonly status?: { readonly name: string; readonly category: string | null } | null;
  readonly issueType?: string | null;
  readonly priority?: string | null;
  readonly assignee?: UserRecord | null;
  readonly reporter?: UserRecord | null;
  readonly labels?: readonly string[];
  readonly components?: readonly string[];
  readonly parent?: t.TypeOf<typeof RelatedIssue> | null;
  readonly subtasks?: readonly t.TypeOf<typeof RelatedIssue>[];
  readonly links?: readonly t.TypeOf<typeof IssueLink>[];
  readonly dueDate?: string | null;
  readonly created?: string | null;
  readonly updated?: string | null;
  /** ADF (Cloud) or wiki markup (Data Center), as Jira answered it. */
  readonly description?: unknown;
  readonly attachments?: readonly JiraAttachment[];
  readonly customFields?: Readonly<Record<string, unknown>>;
}

export type RichTextFormat = 'markdown' | 'adf' | 'wiki';

/** Jira's rich text as the caller asked: Markdown read from ADF or wiki markup, or the raw value. */
export const renderRichText = (value: unknown, format: RichTextFormat): string | Record<string, unknown> | null => {
  if (value === null || value === undefined) return null;
  if (format !== 'markdown')
    return typeof value === 'string' || (typeof value === 'object' && !Array.isArray(value))
      ? (value as string | Record<string, unknown>)
      : null;
  return typeof value === 'string' ? jiraWikiToMarkdown(value) : adfToMarkdown(value);
};

/**
 * How rich text is rendered: `renderRichText`, or the same through a cache of its results
 * (the application's), told which value it is (`slot`: the description of an issue, one
 * comment) so an unchanged value is not converted again.
 */
export type RichTextRenderer = (
  value: unknown,
  format: RichTextFormat,
  slot: string,
) => string | Record<string, unknown> | null;

const plainRichText: RichTextRenderer = (value, format) => renderRichText(value, format);

export const renderComment = (
  c: CommentRecord,
  format: RichTextFormat,
  richText: RichTextRenderer = plainRichText,
): JiraComment => ({
  id: c.id,
  author: c.author?.displayName ?? null,
  author_account_id: c.author?.accountId ?? null,
  body: richText(c.body, format, `comment:${c.id}`),
  created: c.created,
  updated: c.updated,
  visibility: c.visibility,
});

export interface RenderOptions {
  readonly siteUrl: string;
  readonly fields: readonly IssueFieldName[];
  readonly customFields?: readonly string[];
  readonly format: RichTextFormat;
  readonly comments?: { readonly items: readonly CommentRecord[]; readonly total: number };
  /** renderRichText unless given (the application passes a cached one). */
  readonly richText?: RichTextRenderer;
}

/** Each field's value in the caller's shape, from a record. */
const FIELD_VALUES: Readonly<
  Record<
    Exclude<IssueFieldName, 'comments' | 'custom_fields'>,
    (r: IssueRecord, format: RichTextFormat, richText: RichTextRenderer) => unknown
  >
> = {
  summary: (r) => r.summary ?? '',
  status: (r) => r.status?.name ?? null,
  status_category: (r) => r.status?.category ?? null,
  issue_type: (r) => r.issueType ?? null,
  priority: (r) => r.priority ?? null,
  assignee: (r) => r.assignee?.displayName ?? null,
  assignee_account_id: (r) => r.assignee?.accountId ?? null,
  reporter: (r) => r.reporter?.displayName ?? null,
  reporter_account_id: (r) => r.reporter?.accountId ?? null,
  labels: (r) => r.labels ?? [],
  components: (r) => r.components ?? [],
  parent: (r) => r.parent ?? null,
  subtasks: (r) => r.subtasks ?? [],
  links: (r) => r.links ?? [],
  due_date: (r) => r.dueDate ?? null,
  created: (r) => r.created ?? null,
  updated: (r) => r.updated ?? null,
  description: (r, format, richText) => richText(r.description, format, `issue:${r.id}`),
  attachments: (r) => r.attachments ?? [],
};

/**
 * A renderer of issue records in the caller's shape: only the fields asked for (id, key and
 * url always, then the fields in the document's order), rich text rendered as asked. Made
 * once per answer, so a search of 50 issues decides what to write once, not 50 times.
 */
export const issueRenderer = (opts: RenderOptions): ((record: IssueRecord) => JiraIssue) => {
  const wanted = new Set(opts.fields);
  const writers = (Object.keys(FIELD_VALUES) as (keyof typeof FIELD_VALUES)[])
    .filter((name) => wanted.has(name))
    .map((name) => [name, FIELD_VALUES[name]] as const);
  const comments = wanted.has('comments') ? opts.comments : undefined;
  const custom = opts.customFields && opts.customFields.length > 0 ? opts.customFields : undefined;
  const { siteUrl, format } = opts;
  const richText = opts.richText ?? plainRichText;
  return (record) => {
    const out: Record<string, unknown> = {
      id: record.id,
      key: record.key,
      url: `${siteUrl}/browse/${encodeURIComponent(record.key)}`,
    };
    for (const [name, value] of writers) out[name] = value(record, format, richText);
    if (comments)
      out['comments'] = { items: comments.items.map((c) => renderComment(c, format, richText)), total: comments.total };
    if (custom) out['custom_fields'] = Object.fromEntries(custom.map((id) => [id, record.customFields?.[id] ?? null]));
    return out as JiraIssue;
  };
};

/** One issue record in the caller's shape (see issueRenderer). */
export const renderIssue = (record: IssueRecord, opts: RenderOptions): JiraIssue => issueRenderer(opts)(record);
