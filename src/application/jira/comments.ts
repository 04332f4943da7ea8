/** Discussing an issue: its comments, listed and written in Markdown. */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import type { AccessContext } from '../../domain/credentials.js';
import type { Page } from '../../domain/cursor.js';
import { AppError } from '../../domain/errors.js';
import { renderComment, type JiraComment } from '../../domain/jira-issue.js';
import { annotate } from '../../domain/json-schema.js';
import { isAdfDoc } from '../../domain/markup/adf.js';
import { convertMarkdown } from '../../domain/markup/index.js';
import type { TenantId } from '../../domain/tenant.js';
import type { JiraPorts } from '../jira-operations.js';
import { boundedString, cursor, issueIdOrKey, limit, numericId } from '../operation-inputs.js';
import { readPage } from '../paged-read.js';
import type { JiraCommentWriting, JiraIssueLookup, JiraIssueReading } from '../ports/atlassian-gateways.js';
import { withAccess } from '../with-access.js';
import { cachedRichText } from './rich-text.js';
import { RichTextFormatCodec } from './fields.js';
import { checkFormat } from './format.js';
import { issueInScope } from './scope.js';

const issue = (description: string) => issueIdOrKey(description);
const commentId = numericId('comment id', 'The comment id (from jira_list_comments).');

const Visibility = annotate(
  t.exact(
    t.type({
      type: annotate(t.keyof({ role: null, group: null }), {
        description: 'Restrict to a project role or to a group.',
      }),
      value: boundedString('value', 1, 255, 'The role name (e.g. Developers) or the group name.'),
    }),
  ),
  { description: 'Who may see the comment; omit for everyone who can see the issue.' },
);

const body = boundedString('body', 1, 100_000, 'The comment in Markdown (ADF on Cloud, wiki markup on Data Center).');
const bodyAdf = annotate(t.UnknownRecord, {
  type: 'object',
  description: 'The comment as an Atlassian Document Format doc, sent unchanged (Cloud).',
});

export const ListCommentsInput = t.exact(
  t.intersection([
    t.type({ issue: issue('The issue whose comments to list: its key (e.g. ENG-42) or id.') }),
    t.partial({
      order: annotate(t.keyof({ newest: null, oldest: null }), { description: 'newest (default) or oldest first.' }),
      format: RichTextFormatCodec,
      cursor,
      limit,
    }),
  ]),
);
export type ListCommentsInput = t.TypeOf<typeof ListCommentsInput>;

export const AddCommentInput = t.exact(
  t.intersection([
    t.type({ issue: issue('The issue to comment on: its key (e.g. ENG-42) or id.') }),
    t.partial({ body, body_adf: bodyAdf, visibility: Visibility }),
  ]),
);
export type AddCommentInput = t.TypeOf<typeof AddCommentInput>;

export const EditCommentInput = t.exact(
  t.intersection([
    t.type({ issue: issue('The issue the comment is on: its key (e.g. ENG-42) or id.'), comment: commentId }),
    t.partial({ body, body_adf: bodyAdf, visibility: Visibility }),
  ]),
);
export type EditCommentInput = t.TypeOf<typeof EditCommentInput>;

export const DeleteCommentInput = t.exact(
  t.type({ issue: issue('The issue the comment is on: its key (e.g. ENG-42) or id.'), comment: commentId }),
);
export type DeleteCommentInput = t.TypeOf<typeof DeleteCommentInput>;

export const DeletedComment = t.readonly(
  t.type({
    deleted: annotate(t.literal(true), { description: 'The comment is gone.' }),
    comment: annotate(t.string, { description: 'The id of the deleted comment.' }),
  }),
  'DeletedComment',
);
export type DeletedComment = t.TypeOf<typeof DeletedComment>;

/** A comment body in the site's format: Markdown converted (ADF on Cloud, wiki on Data Center), or ADF as given. */
const bodyOf = (
  input: { body?: string | undefined; body_adf?: Record<string, unknown> | undefined },
  ctx: AccessContext,
): E.Either<AppError, unknown> => {
  if ((input.body === undefined) === (input.body_adf === undefined))
    return E.left(AppError.validation('Give body (Markdown) or body_adf, exactly one.'));
  if (input.body_adf !== undefined) {
    if (ctx.flavour === 'data_center')
      return E.left(AppError.validation('body_adf needs Jira Cloud; Data Center takes body (Markdown).'));
    return isAdfDoc(input.body_adf)
      ? E.right(input.body_adf)
      : E.left(
          AppError.validation(
            'body_adf must be an Atlassian Document Format doc: {"type":"doc","version":1,"content":[...]}.',
          ),
        );
  }
  return ctx.flavour === 'cloud' ? convertMarkdown(input.body ?? '', 'adf') : convertMarkdown(input.body ?? '', 'wiki');
};

/** `jira_list_comments`: an issue's comments, newest or oldest first, in Markdown. */
export class ListComments {
  private readonly page: ReturnType<typeof readPage<JiraComment>>;

  constructor(private readonly ports: JiraPorts<JiraIssueReading & JiraIssueLookup>) {
    this.page = readPage<JiraComment>(ports.refresh, 'jira', 'jira-comments');
  }

  execute(tenantId: TenantId, input: ListCommentsInput): TE.TaskEither<AppError, Page<JiraComment>> {
    const format = input.format ?? 'markdown';
    return this.page(tenantId, input, (ctx, at) =>
      pipe(
        TE.fromEither(checkFormat(format, ctx)),
        TE.flatMap(() => issueInScope(this.ports, ctx, input.issue)),
        TE.flatMap(() =>
          this.ports.jira.listComments(ctx, input.issue, {
            startAt: at.startAt,
            limit: at.limit,
            newestFirst: (input.order ?? 'newest') === 'newest',
          }),
        ),
        TE.map((page) => {
          const richText = cachedRichText(tenantId);
          return { items: page.items.map((c) => renderComment(c, format, richText)), next: page.next };
        }),
      ),
    );
  }
}

/** `jira_add_comment`: a comment in Markdown, optionally seen only by a role or group. */
export class AddComment {
  constructor(private readonly ports: JiraPorts<JiraCommentWriting & JiraIssueLookup>) {}

  execute(tenantId: TenantId, input: AddCommentInput): TE.TaskEither<AppError, JiraComment> {
    return withAccess(
      this.ports.refresh,
      tenantId,
      'jira',
    )((ctx) =>
      pipe(
        TE.fromEither(bodyOf(input, ctx)),
        TE.tap(() => issueInScope(this.ports, ctx, input.issue)),
        TE.flatMap((content) =>
          this.ports.jira.addComment(ctx, input.issue, { body: content, visibility: input.visibility ?? null }),
        ),
        TE.map((c) => renderComment(c, 'markdown')),
      ),
    );
  }
}

/** `jira_edit_comment`: replaces a comment's text (and its visibility when given). */
export class EditComment {
  constructor(private readonly ports: JiraPorts<JiraCommentWriting & JiraIssueLookup>) {}

  execute(tenantId: TenantId, input: EditCommentInput): TE.TaskEither<AppError, JiraComment> {
    return withAccess(
      this.ports.refresh,
      tenantId,
      'jira',
    )((ctx) =>
      pipe(
        TE.fromEither(bodyOf(input, ctx)),
        TE.tap(() => issueInScope(this.ports, ctx, input.issue)),
        TE.flatMap((content) =>
          this.ports.jira.editComment(ctx, input.issue, input.comment, { body: content, visibility: input.visibility }),
        ),
        TE.map((c) => renderComment(c, 'markdown')),
      ),
    );
  }
}

/** `jira_delete_comment`. */
export class DeleteComment {
  constructor(private readonly ports: JiraPorts<JiraCommentWriting & JiraIssueLookup>) {}

  execute(tenantId: TenantId, input: DeleteCommentInput): TE.TaskEither<AppError, DeletedComment> {
    return withAccess(
      this.ports.refresh,
      tenantId,
      'jira',
    )((ctx) =>
      pipe(
        issueInScope(this.ports, ctx, input.issue),
        TE.flatMap(() => this.ports.jira.deleteComment(ctx, input.issue, input.comment)),
        TE.map(() => ({ deleted: true as const, comment: input.comment })),
      ),
    );
  }
}
