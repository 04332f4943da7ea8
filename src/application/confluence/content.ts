/**
 * What hangs off a Confluence page: its tree (children, descendants, ancestors), its footer
 * comments (in Markdown), its labels; and one space by key. The page named is checked
 * against CONFLUENCE_SPACES_FILTER first.
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import type { ChangedLabels, CommentRecord, FooterComment, PageLabel, PageNode, SpaceDetails } from '../../domain/confluence.js';
import type { AccessContext } from '../../domain/credentials.js';
import type { Page } from '../../domain/cursor.js';
import { AppError } from '../../domain/errors.js';
import { annotate } from '../../domain/json-schema.js';
import { convertMarkdown, storageToMarkdown } from '../../domain/markup/index.js';
import { allowsSpace, isFiltered } from '../../domain/scope-filter.js';
import type { TenantId } from '../../domain/tenant.js';
import { boundedString, cursor, intInRange, limit, numericId } from '../operation-inputs.js';
import { readPage } from '../paged-read.js';
import type { ConfluenceComments, ConfluenceLabels, ConfluencePageReading, ConfluencePageTree } from '../ports/atlassian-gateways.js';
import { withAccess } from '../with-access.js';
import { asNoSuchPage, filterOf, noSuchSpace, pageId, pageInScope, pageLink, spaceKey, wikiLink, type ConfluencePagePorts } from './common.js';

// --- the page tree --------------------------------------------------------------------------

export const ListChildrenInput = t.exact(t.intersection([t.type({ page: pageId('The page whose direct children to list (digits).') }), t.partial({ cursor, limit })]));
export type ListChildrenInput = t.TypeOf<typeof ListChildrenInput>;

export const MAX_DESCENDANT_DEPTH = 10;
export const ListDescendantsInput = t.exact(
  t.intersection([
    t.type({ page: pageId('The page whose descendants to list (digits).') }),
    t.partial({ depth: intInRange(1, MAX_DESCENDANT_DEPTH, `How many levels down (default 2, at most ${MAX_DESCENDANT_DEPTH}); each item says its depth.`), cursor, limit }),
  ]),
);
export type ListDescendantsInput = t.TypeOf<typeof ListDescendantsInput>;

export const ListAncestorsInput = t.exact(t.type({ page: pageId('The page whose ancestors to list (digits).') }));
export type ListAncestorsInput = t.TypeOf<typeof ListAncestorsInput>;

type TreePorts = ConfluencePagePorts<ConfluencePageReading & ConfluencePageTree>;

const node = (ctx: AccessContext, p: { id: string; title: string; status: string }, depth: number): PageNode => ({
  id: p.id,
  title: p.title,
  status: p.status,
  depth,
  url: pageLink(ctx, p.id),
});

/** `confluence_list_children`: the page's direct children, in their order. */
export class ListChildren {
  private readonly page: ReturnType<typeof readPage<PageNode>>;

  constructor(private readonly ports: TreePorts) {
    this.page = readPage<PageNode>(ports.refresh, 'confluence', 'confluence-children');
  }

  execute(tenantId: TenantId, input: ListChildrenInput): TE.TaskEither<AppError, Page<PageNode>> {
    return this.page(tenantId, input, (ctx, at) =>
      pipe(
        pageInScope(this.ports, ctx, input.page),
        TE.flatMap(() => this.ports.confluence.children(ctx, { id: input.page, cursor: at.token, limit: at.limit })),
        TE.mapLeft(asNoSuchPage(input.page)),
        TE.map((up) => ({ items: up.items.map((p) => node(ctx, p, 1)), next: up.next })),
      ),
    );
  }
}

/** `confluence_list_descendants`: every page below it, up to `depth` levels. */
export class ListDescendants {
  private readonly page: ReturnType<typeof readPage<PageNode>>;

  constructor(private readonly ports: TreePorts) {
    this.page = readPage<PageNode>(ports.refresh, 'confluence', 'confluence-descendants');
  }

  execute(tenantId: TenantId, input: ListDescendantsInput): TE.TaskEither<AppError, Page<PageNode>> {
    const depth = input.depth ?? 2;
    return this.page(tenantId, input, (ctx, at) =>
      pipe(
        pageInScope(this.ports, ctx, input.page),
        TE.flatMap(() => this.ports.confluence.descendants(ctx, { id: input.page, depth, startAt: at.startAt, limit: at.limit })),
        TE.mapLeft(asNoSuchPage(input.page)),
        TE.map((up) => ({
          items: up.items.map((p) => {
            const above = p.ancestorIds ?? [];
            const at = above.indexOf(input.page);
            return node(ctx, p, at < 0 ? 1 : above.length - at);
          }),
          next: up.next,
        })),
      ),
    );
  }
}

/** `confluence_list_ancestors`: the pages above it, its parent first. */
export class ListAncestors {
  constructor(private readonly ports: TreePorts) {}

  execute(tenantId: TenantId, input: ListAncestorsInput): TE.TaskEither<AppError, Page<PageNode>> {
    const { confluence } = this.ports;
    return withAccess(this.ports.refresh, tenantId, 'confluence')((ctx) =>
      pipe(
        pageInScope(this.ports, ctx, input.page),
        TE.flatMap(() => confluence.ancestorIds(ctx, input.page)),
        TE.mapLeft(asNoSuchPage(input.page)),
        TE.flatMap((ids) =>
          pipe(
            ids.length > 0 ? confluence.pagesById(ctx, ids) : TE.right([]),
            TE.map((pages) => {
              const byId = new Map(pages.map((p) => [p.id, p]));
              const upward = [...ids].reverse();
              return {
                items: upward.map((id, i) => node(ctx, byId.get(id) ?? { id, title: '', status: 'current' }, i + 1)),
                next_cursor: null,
              };
            }),
          ),
        ),
      ),
    );
  }
}

// --- footer comments -------------------------------------------------------------------------

const commentBody = boundedString('body', 1, 100_000, 'The comment in Markdown (converted to storage format).');
const commentId = numericId('comment', 'The footer comment id (from confluence_list_comments).');

export const ListPageCommentsInput = t.exact(t.intersection([t.type({ page: pageId('The page whose footer comments to list (digits).') }), t.partial({ cursor, limit })]));
export type ListPageCommentsInput = t.TypeOf<typeof ListPageCommentsInput>;
export const AddPageCommentInput = t.exact(t.type({ page: pageId('The page to comment on (digits).'), body: commentBody }));
export type AddPageCommentInput = t.TypeOf<typeof AddPageCommentInput>;
export const ReplyToCommentInput = t.exact(t.type({ comment: commentId, body: commentBody }));
export type ReplyToCommentInput = t.TypeOf<typeof ReplyToCommentInput>;

type CommentPorts = ConfluencePagePorts<ConfluencePageReading & ConfluenceComments>;

const renderComment = (c: CommentRecord): FooterComment => ({
  id: c.id,
  page_id: c.pageId,
  parent_comment_id: c.parentCommentId,
  author_id: c.authorId,
  created: c.createdAt,
  version: c.version,
  body: storageToMarkdown(c.body),
});

/** `confluence_list_comments`: the page's footer comments in Markdown. */
export class ListPageComments {
  private readonly page: ReturnType<typeof readPage<FooterComment>>;

  constructor(private readonly ports: CommentPorts) {
    this.page = readPage<FooterComment>(ports.refresh, 'confluence', 'confluence-comments');
  }

  execute(tenantId: TenantId, input: ListPageCommentsInput): TE.TaskEither<AppError, Page<FooterComment>> {
    return this.page(tenantId, input, (ctx, at) =>
      pipe(
        pageInScope(this.ports, ctx, input.page),
        TE.flatMap(() => this.ports.confluence.footerComments(ctx, { pageId: input.page, cursor: at.token, limit: at.limit })),
        TE.mapLeft(asNoSuchPage(input.page)),
        TE.map((up) => ({ items: up.items.map(renderComment), next: up.next })),
      ),
    );
  }
}

/** `confluence_add_comment`: a footer comment in Markdown. */
export class AddPageComment {
  constructor(private readonly ports: CommentPorts) {}

  execute(tenantId: TenantId, input: AddPageCommentInput): TE.TaskEither<AppError, FooterComment> {
    const storage = convertMarkdown(input.body, 'storage');
    if (E.isLeft(storage)) return TE.left(storage.left);
    return withAccess(this.ports.refresh, tenantId, 'confluence')((ctx) =>
      pipe(
        pageInScope(this.ports, ctx, input.page),
        TE.flatMap(() => this.ports.confluence.addFooterComment(ctx, { pageId: input.page, storage: storage.right })),
        TE.mapLeft(asNoSuchPage(input.page)),
        TE.map(renderComment),
      ),
    );
  }
}

/** How far up a chain of replies the space filter looks for the comment's page. */
const MAX_REPLY_DEPTH = 8;

/** `confluence_reply_to_comment`: a reply under a footer comment, on that comment's page. */
export class ReplyToComment {
  constructor(private readonly ports: CommentPorts) {}

  execute(tenantId: TenantId, input: ReplyToCommentInput): TE.TaskEither<AppError, FooterComment> {
    const storage = convertMarkdown(input.body, 'storage');
    if (E.isLeft(storage)) return TE.left(storage.left);
    const noSuchComment = AppError.notFound(`Confluence has no footer comment ${input.comment} that this connection may see.`);
    const { confluence } = this.ports;
    const filtered = isFiltered(filterOf(this.ports));
    // With a space filter, the comment's page must be found and allowed: a reply names its
    // parent comment rather than the page, so the chain is followed up (a few levels); a
    // comment on anything but a page (a blog post, an attachment) cannot be placed in a space
    // here and is refused, never let through.
    const pageOf = (ctx: AccessContext, comment: CommentRecord, depth: number): TE.TaskEither<AppError, string> => {
      if (comment.pageId) return TE.right(comment.pageId);
      if (!comment.parentCommentId || depth >= MAX_REPLY_DEPTH) return TE.left(noSuchComment);
      return pipe(
        confluence.footerComment(ctx, comment.parentCommentId),
        TE.flatMap((up) => pageOf(ctx, up, depth + 1)),
      );
    };
    return withAccess(this.ports.refresh, tenantId, 'confluence')((ctx) =>
      pipe(
        confluence.footerComment(ctx, input.comment),
        TE.tap((parent) =>
          filtered
            ? pipe(
                pageOf(ctx, parent, 0),
                TE.flatMap((page) => pageInScope(this.ports, ctx, page)),
                TE.mapLeft((e) => (e.code === 'NOT_FOUND' ? noSuchComment : e)),
              )
            : TE.right(undefined),
        ),
        TE.flatMap(() => confluence.addFooterComment(ctx, { parentCommentId: input.comment, storage: storage.right })),
        TE.mapLeft((e) => (e.code === 'NOT_FOUND' ? noSuchComment : e)),
        TE.map(renderComment),
      ),
    );
  }
}

// --- labels ----------------------------------------------------------------------------------

const LABEL = /^[^\s:/\\]{1,255}$/;
const label = (description: string) =>
  annotate(
    new t.Type<string, string, unknown>(
      'a label',
      (u): u is string => typeof u === 'string' && LABEL.test(u),
      (u, c) => (typeof u === 'string' && LABEL.test(u) ? t.success(u) : t.failure(u, c, 'a label of 1-255 characters without spaces, :, / or \\')),
      t.identity,
    ),
    { type: 'string', pattern: LABEL.source, description },
  );

export const ListLabelsInput = t.exact(t.intersection([t.type({ page: pageId('The page whose labels to list (digits).') }), t.partial({ cursor, limit })]));
export type ListLabelsInput = t.TypeOf<typeof ListLabelsInput>;
export const AddLabelsInput = t.exact(
  t.type({
    page: pageId('The page to label (digits).'),
    labels: annotate(t.readonlyArray(label('A label.')), { type: 'array', items: { type: 'string', pattern: LABEL.source }, minItems: 1, maxItems: 20, description: 'The labels to add (Confluence lower-cases them).' }),
  }),
);
export type AddLabelsInput = t.TypeOf<typeof AddLabelsInput>;
export const RemoveLabelInput = t.exact(t.type({ page: pageId('The page to take the label off (digits).'), label: label('The label to remove.') }));
export type RemoveLabelInput = t.TypeOf<typeof RemoveLabelInput>;

export const RemovedLabel = t.readonly(t.type({ page_id: annotate(t.string, { description: 'The page.' }), removed: annotate(t.string, { description: 'The label removed.' }) }), 'RemovedLabel');
export type RemovedLabel = t.TypeOf<typeof RemovedLabel>;

type LabelPorts = ConfluencePagePorts<ConfluencePageReading & ConfluenceLabels>;

/** `confluence_list_labels`. */
export class ListLabels {
  private readonly page: ReturnType<typeof readPage<PageLabel>>;

  constructor(private readonly ports: LabelPorts) {
    this.page = readPage<PageLabel>(ports.refresh, 'confluence', 'confluence-labels');
  }

  execute(tenantId: TenantId, input: ListLabelsInput): TE.TaskEither<AppError, Page<PageLabel>> {
    return this.page(tenantId, input, (ctx, at) =>
      pipe(
        pageInScope(this.ports, ctx, input.page),
        TE.flatMap(() => this.ports.confluence.pageLabels(ctx, { pageId: input.page, cursor: at.token, limit: at.limit })),
        TE.mapLeft(asNoSuchPage(input.page)),
      ),
    );
  }
}

/** `confluence_add_labels` (v1: v2 cannot write labels). */
export class AddLabels {
  constructor(private readonly ports: LabelPorts) {}

  execute(tenantId: TenantId, input: AddLabelsInput): TE.TaskEither<AppError, ChangedLabels> {
    if (input.labels.length === 0 || input.labels.length > 20) return TE.left(AppError.validation('labels must hold 1 to 20 labels.'));
    return withAccess(this.ports.refresh, tenantId, 'confluence')((ctx) =>
      pipe(
        pageInScope(this.ports, ctx, input.page),
        TE.flatMap(() => this.ports.confluence.addLabels(ctx, { pageId: input.page, names: input.labels })),
        TE.mapLeft(asNoSuchPage(input.page)),
        TE.map((labels) => ({ page_id: input.page, labels })),
      ),
    );
  }
}

/** `confluence_remove_label` (v1). */
export class RemoveLabel {
  constructor(private readonly ports: LabelPorts) {}

  execute(tenantId: TenantId, input: RemoveLabelInput): TE.TaskEither<AppError, RemovedLabel> {
    return withAccess(this.ports.refresh, tenantId, 'confluence')((ctx) =>
      pipe(
        pageInScope(this.ports, ctx, input.page),
        TE.mapLeft(asNoSuchPage(input.page)),
        TE.flatMap(() =>
          pipe(
            this.ports.confluence.removeLabel(ctx, { pageId: input.page, name: input.label }),
            TE.mapLeft((e) => (e.code === 'NOT_FOUND' ? AppError.notFound(`Page ${input.page} has no label ${input.label}.`) : e)),
          ),
        ),
        TE.map(() => ({ page_id: input.page, removed: input.label })),
      ),
    );
  }
}

// --- spaces ----------------------------------------------------------------------------------

export const GetSpaceInput = t.exact(t.type({ space_key: spaceKey('The key of the space to read, e.g. ENG.') }));
export type GetSpaceInput = t.TypeOf<typeof GetSpaceInput>;

/** `confluence_get_space`: one space by key, its description in Markdown. */
export class GetSpace {
  constructor(private readonly ports: ConfluencePagePorts<ConfluencePageReading>) {}

  execute(tenantId: TenantId, input: GetSpaceInput): TE.TaskEither<AppError, SpaceDetails> {
    if (!allowsSpace(filterOf(this.ports), input.space_key)) return TE.left(noSuchSpace(input.space_key));
    return withAccess(this.ports.refresh, tenantId, 'confluence')((ctx) =>
      pipe(
        this.ports.confluence.spaceByKey(ctx, input.space_key),
        // The description comes with the space read by id.
        TE.flatMap((found) => (found.description !== '' ? TE.right(found) : this.ports.confluence.getSpace(ctx, found.id))),
        TE.mapLeft((e) => (e.code === 'NOT_FOUND' ? noSuchSpace(input.space_key) : e)),
        TE.map((s) => ({
          id: s.id,
          key: s.key,
          name: s.name,
          type: s.type,
          homepage_id: s.homepageId,
          description: s.description === '' ? '' : storageToMarkdown(s.description),
          url: wikiLink(ctx, s.webui, `/spaces/${encodeURIComponent(s.key)}`),
        })),
      ),
    );
  }
}

