/** Reading and changing one Jira issue. */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import type { AccessContext } from '../../domain/credentials.js';
import { AppError } from '../../domain/errors.js';
import { fieldIdsOf, type IssueChange, type UpdatedIssue } from '../../domain/jira.js';
import { annotate } from '../../domain/json-schema.js';
import { isAdfDoc } from '../../domain/markup/adf.js';
import { convertMarkdown } from '../../domain/markup/index.js';
import { projectOfIssueKey } from '../../domain/scope-filter.js';
import type { TenantId } from '../../domain/tenant.js';
import type { JiraPorts } from '../jira-operations.js';
import { boundedString, intInRange, issueIdOrKey } from '../operation-inputs.js';
import type { JiraIssueEditing, JiraIssueLookup, JiraIssueReading } from '../ports/atlassian-gateways.js';
import { ISSUE_FIELD_NAMES, renderIssue, type JiraIssue } from '../../domain/jira-issue.js';
import { cachedRichText } from './rich-text.js';
import { allowsProject, NO_FILTER } from '../../domain/scope-filter.js';
import { customFields, date, DATE } from './field-inputs.js';
import { issueFields, jiraFieldsOf, RichTextFormatCodec } from './fields.js';
import { checkFormat } from './format.js';
import { noSuchIssue } from './scope.js';
import { withAccess } from '../with-access.js';
import { issueInScope } from './scope.js';

const label = boundedString('label', 1, 255, 'A label (no spaces).');
const labelList = (description: string) =>
  annotate(t.readonlyArray(label), {
    type: 'array',
    items: { type: 'string', minLength: 1, maxLength: 255 },
    maxItems: 100,
    description,
  });
const nullable = <C extends t.Mixed>(c: C, description: string) => annotate(t.union([c, t.null]), { description });

export const UpdateIssueInput = t.exact(
  t.intersection([
    t.type({ issue: issueIdOrKey('The issue to change: its key (e.g. ENG-42) or id.') }),
    t.partial({
      summary: boundedString('summary', 1, 255, 'A new one-line summary.'),
      description: boundedString(
        'description',
        0,
        100_000,
        'A new description in Markdown (ADF on Cloud, wiki markup on Data Center).',
      ),
      description_adf: annotate(t.UnknownRecord, {
        type: 'object',
        description: 'A new description as an Atlassian Document Format doc, sent unchanged (Cloud).',
      }),
      labels: annotate(
        t.exact(
          t.partial({
            set: labelList('Replace all labels with these.'),
            add: labelList('Labels to add.'),
            remove: labelList('Labels to remove.'),
          }),
        ),
        { description: 'Change the labels: set them, or add and remove some.' },
      ),
      priority: nullable(
        boundedString('priority', 1, 255, 'A priority name.'),
        'The priority name, e.g. High; null clears it.',
      ),
      assignee: nullable(
        boundedString('assignee', 1, 128, 'An accountId.'),
        'The accountId to assign to (see jira_assignable_users); null unassigns.',
      ),
      parent: nullable(
        issueIdOrKey('The parent issue key.'),
        "The parent issue's key (an epic, or a subtask's parent); null detaches.",
      ),
      components: annotate(t.readonlyArray(boundedString('component', 1, 255, 'A component name.')), {
        type: 'array',
        items: { type: 'string', minLength: 1, maxLength: 255 },
        maxItems: 50,
        description: "The project's component names; replaces them all.",
      }),
      due_date: annotate(t.union([date, t.null]), {
        anyOf: [{ type: 'string', pattern: DATE.source }, { type: 'null' }],
        description: 'The due date, YYYY-MM-DD; null clears it.',
      }),
      fields: customFields,
    }),
  ]),
);
export type UpdateIssueInput = t.TypeOf<typeof UpdateIssueInput>;

const browseUrl = (ctx: AccessContext, key: string): string => `${ctx.siteUrl}/browse/${encodeURIComponent(key)}`;

/** The input's change in the site's terms: Markdown made ADF (Cloud) or wiki markup (Data Center). */
const changeOf = (input: UpdateIssueInput, ctx: AccessContext): E.Either<AppError, IssueChange> => {
  if (input.description !== undefined && input.description_adf !== undefined) {
    return E.left(AppError.validation('Give description (Markdown) or description_adf, not both.'));
  }
  if (input.description_adf !== undefined) {
    if (ctx.flavour === 'data_center')
      return E.left(AppError.validation('description_adf needs Jira Cloud; Data Center takes description (Markdown).'));
    if (!isAdfDoc(input.description_adf)) {
      return E.left(
        AppError.validation(
          'description_adf must be an Atlassian Document Format doc: {"type":"doc","version":1,"content":[...]}.',
        ),
      );
    }
  }
  const labels = input.labels;
  if (labels && labels.set !== undefined && (labels.add !== undefined || labels.remove !== undefined)) {
    return E.left(AppError.validation('labels: give set, or add and remove, not both.'));
  }
  if (labels && [...(labels.set ?? []), ...(labels.add ?? []), ...(labels.remove ?? [])].some((l) => /\s/.test(l))) {
    return E.left(AppError.validation('labels must not contain spaces.'));
  }
  // Over-limit Markdown is a VALIDATION naming the limit.
  const description: E.Either<AppError, unknown> =
    input.description_adf !== undefined
      ? E.right(input.description_adf)
      : input.description === undefined
        ? E.right(undefined)
        : ctx.flavour === 'cloud'
          ? convertMarkdown(input.description, 'adf')
          : convertMarkdown(input.description, 'wiki');
  if (E.isLeft(description)) return description;
  return E.right({
    ...(input.summary !== undefined ? { summary: input.summary.trim() } : {}),
    ...(description.right !== undefined ? { description: description.right } : {}),
    ...(labels !== undefined ? { labels } : {}),
    ...(input.priority !== undefined ? { priority: input.priority } : {}),
    ...(input.assignee !== undefined ? { assignee: input.assignee } : {}),
    ...(input.parent !== undefined ? { parent: input.parent } : {}),
    ...(input.components !== undefined ? { components: input.components } : {}),
    ...(input.due_date !== undefined ? { dueDate: input.due_date } : {}),
    ...(input.fields !== undefined ? { customFields: input.fields } : {}),
  });
};

/**
 * `jira_update_issue`: sets what is given. The issue's edit screen (editmeta) is read first,
 * and a field it does not offer is refused with a 400 naming it, before Jira is asked to change anything.
 */
export class UpdateIssue {
  constructor(private readonly ports: JiraPorts<JiraIssueEditing & JiraIssueLookup>) {}

  execute(tenantId: TenantId, input: UpdateIssueInput): TE.TaskEither<AppError, UpdatedIssue> {
    const { jira } = this.ports;
    return withAccess(
      this.ports.refresh,
      tenantId,
      'jira',
    )((ctx) =>
      pipe(
        TE.fromEither(changeOf(input, ctx)),
        TE.flatMap((change) => {
          const ids = fieldIdsOf(change);
          return ids.length === 0
            ? TE.left(AppError.validation('Nothing to change: give at least one field.'))
            : TE.right({ change, ids });
        }),
        TE.tap(() => issueInScope(this.ports, ctx, input.issue)),
        TE.tap(({ ids }) =>
          pipe(
            jira.editableFields(ctx, input.issue),
            TE.flatMap((editable) => {
              const refused = ids.filter((id) => !editable.has(id));
              return refused.length === 0
                ? TE.right(undefined)
                : TE.left(
                    AppError.validation(
                      `The edit screen of ${input.issue} does not offer ${refused.join(', ')}; nothing was changed.`,
                    ),
                  );
            }),
          ),
        ),
        TE.tap(({ change }) => jira.editIssue(ctx, input.issue, change)),
        TE.flatMap(({ ids }) =>
          pipe(
            projectOfIssueKey(input.issue) !== undefined
              ? TE.right(input.issue)
              : TE.map((i: { key: string }) => i.key)(jira.identifyIssue(ctx, input.issue)),
            TE.map((key) => ({ key, url: browseUrl(ctx, key), updated_fields: ids })),
          ),
        ),
      ),
    );
  }
}

export const DEFAULT_ISSUE_COMMENTS = 5;

export const GetIssueInput = t.exact(
  t.intersection([
    t.type({ issue: issueIdOrKey('The issue to read: its key (e.g. ENG-42) or id.') }),
    t.partial({
      fields: issueFields(
        `The fields to answer, comma-separated (default all of ${ISSUE_FIELD_NAMES.join(', ')}); custom fields by id (customfield_10010).`,
      ),
      format: RichTextFormatCodec,
      comments: intInRange(
        0,
        50,
        `How many of the latest comments to include (default ${DEFAULT_ISSUE_COMMENTS}, at most 50; 0 for none).`,
      ),
    }),
  ]),
);
export type GetIssueInput = t.TypeOf<typeof GetIssueInput>;

/**
 * `jira_get_issue`: one issue with the fields asked for, its description and latest comments
 * in Markdown (or raw), its attachments listed. Outside JIRA_PROJECTS_FILTER it is NOT_FOUND.
 */
export class GetIssue {
  constructor(private readonly ports: JiraPorts<JiraIssueReading>) {}

  execute(tenantId: TenantId, input: GetIssueInput): TE.TaskEither<AppError, JiraIssue> {
    const { jira } = this.ports;
    const selection = input.fields ?? { fields: ISSUE_FIELD_NAMES, custom: [] };
    const commentCount = selection.fields.includes('comments') ? (input.comments ?? DEFAULT_ISSUE_COMMENTS) : 0;
    const format = input.format ?? 'markdown';
    const filter = this.ports.projects ?? NO_FILTER;
    const keyProject = projectOfIssueKey(input.issue);
    // A key names its project: one outside the filter is not even asked for.
    if (keyProject !== undefined && !allowsProject(filter, keyProject)) return TE.left(noSuchIssue(input.issue));
    return withAccess(
      this.ports.refresh,
      tenantId,
      'jira',
    )((ctx) =>
      pipe(
        TE.fromEither(checkFormat(format, ctx)),
        TE.flatMap(() => jira.getIssue(ctx, input.issue, jiraFieldsOf(selection))),
        // The answer names the project, so the filter costs no extra call.
        TE.flatMap((record) =>
          record.project !== undefined && !allowsProject(filter, record.project)
            ? TE.left(noSuchIssue(input.issue))
            : TE.right(record),
        ),
        TE.flatMap((record) =>
          pipe(
            commentCount > 0
              ? jira.listComments(ctx, record.key, { startAt: 0, limit: commentCount, newestFirst: true })
              : TE.right({ items: [], total: 0, next: null }),
            TE.map((comments) =>
              renderIssue(record, {
                siteUrl: ctx.siteUrl,
                fields: selection.fields,
                customFields: selection.custom,
                format,
                comments,
                richText: cachedRichText(tenantId),
              }),
            ),
          ),
        ),
      ),
    );
  }
}
