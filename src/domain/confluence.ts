/**
 * Confluence pages, their tree, comments, labels, attachments and spaces as this service
 * hands them out, as io-ts codecs (the catalog documents its outputs with their JSON
 * Schemas), and the records the Confluence gateway answers with (what Atlassian said,
 * before rendering).
 */
import * as t from 'io-ts';
import { annotate } from './json-schema.js';

const text = (description: string) => annotate(t.string, { description });
const nullableText = (description: string) => annotate(t.union([t.string, t.null]), { description });
const count = (description: string) => annotate(t.number, { type: 'integer', minimum: 0, description });
const link = (what: string) => annotate(t.string, { format: 'uri', description: `Link to ${what} in the browser.` });

/** How a page body is answered: Markdown (default), or Confluence's own storage or ADF value. */
export type PageBodyFormat = 'markdown' | 'storage' | 'adf';

export const PageVersion = t.readonly(
  t.type({
    number: count('The version number; an update names it as `version` to change only this version.'),
    author_id: nullableText('The account id of who made this version.'),
    created: nullableText('When this version was made (ISO 8601).'),
    message: nullableText('The version message, if any.'),
    minor_edit: annotate(t.boolean, { description: 'A minor edit (no notifications).' }),
  }),
  'PageVersion',
);
export type PageVersion = t.TypeOf<typeof PageVersion>;

export const PageAncestor = t.readonly(t.type({ id: text('The ancestor page id.'), title: text('Its title.') }), 'PageAncestor');
export type PageAncestor = t.TypeOf<typeof PageAncestor>;

export const ConfluencePage = t.readonly(
  t.type({
    id: text('The page id.'),
    title: text('The page title.'),
    space: annotate(t.readonly(t.type({ id: text('The space id.'), key: text('The space key.') })), { description: 'The space the page is in.' }),
    status: text('current, draft, archived or trashed.'),
    version: PageVersion,
    parent_id: nullableText('The parent page id; null at the top of the space.'),
    ancestors: annotate(t.readonlyArray(PageAncestor), { description: 'The pages above it, from the top of the space down to its parent.' }),
    labels: annotate(t.readonlyArray(t.string), { description: 'Its labels.' }),
    url: link('the page'),
    body_format: annotate(t.keyof({ markdown: null, storage: null, adf: null }), { description: 'What body holds: Markdown, or the raw storage (XHTML) or ADF (JSON text) value.' }),
    body: text('The page body, in body_format.'),
  }),
  'ConfluencePage',
);
export type ConfluencePage = t.TypeOf<typeof ConfluencePage>;

export const UpdatedPage = t.readonly(
  t.type({
    id: text('The page id.'),
    title: text('The title now.'),
    version: count('The version the change made.'),
    url: link('the page'),
  }),
  'UpdatedPage',
);
export type UpdatedPage = t.TypeOf<typeof UpdatedPage>;

export const PageNode = t.readonly(
  t.type({
    id: text('The page id.'),
    title: text('The page title.'),
    status: text('current or archived.'),
    depth: count('How far below the page asked about: 1 for a child, 2 for a grandchild; for ancestors, how far above.'),
    url: link('the page'),
  }),
  'PageNode',
);
export type PageNode = t.TypeOf<typeof PageNode>;

export const MovedPage = t.readonly(
  t.type({ id: text('The page moved.'), parent_id: text('Its new parent page.'), version: count('The version the move made.'), url: link('the page') }),
  'MovedPage',
);
export type MovedPage = t.TypeOf<typeof MovedPage>;

export const DeletedPage = t.readonly(t.type({ deleted: text('The id of the page moved to the trash.') }), 'DeletedPage');
export type DeletedPage = t.TypeOf<typeof DeletedPage>;

export const FooterComment = t.readonly(
  t.type({
    id: text('The comment id.'),
    page_id: nullableText('The page it is on (null for a reply, which names its parent comment).'),
    parent_comment_id: nullableText('The comment it replies to; null for a top-level comment.'),
    author_id: nullableText('The account id of its author.'),
    created: nullableText('When it was written (ISO 8601).'),
    version: count('Its version number.'),
    body: text('The comment in Markdown.'),
  }),
  'FooterComment',
);
export type FooterComment = t.TypeOf<typeof FooterComment>;

export const PageLabel = t.readonly(
  t.type({ id: text('The label id.'), name: text('The label.'), prefix: text('global, my or team.') }),
  'PageLabel',
);
export type PageLabel = t.TypeOf<typeof PageLabel>;

export const ChangedLabels = t.readonly(
  t.type({ page_id: text('The page.'), labels: annotate(t.readonlyArray(t.string), { description: 'The labels the page has now.' }) }),
  'ChangedLabels',
);
export type ChangedLabels = t.TypeOf<typeof ChangedLabels>;

export const ConfluenceAttachment = t.readonly(
  t.type({
    id: text('The attachment id (att...).'),
    page_id: text('The page it is attached to.'),
    filename: text('The file name.'),
    media_type: text('Its media type.'),
    size: count('Size in bytes.'),
    created: nullableText('When this version was uploaded (ISO 8601).'),
    version: count('Its version number.'),
    comment: nullableText('The upload comment, if any.'),
  }),
  'ConfluenceAttachment',
);
export type ConfluenceAttachment = t.TypeOf<typeof ConfluenceAttachment>;

export const SpaceDetails = t.readonly(
  t.type({
    id: text('The space id.'),
    key: text('The space key.'),
    name: text('The space name.'),
    type: text('global or personal.'),
    homepage_id: nullableText("The id of the space's home page."),
    description: text('The space description in Markdown (empty when it has none).'),
    url: link('the space'),
  }),
  'SpaceDetails',
);
export type SpaceDetails = t.TypeOf<typeof SpaceDetails>;

// --- what the gateway answers ---------------------------------------------------------------

export interface PageRecord {
  readonly id: string;
  readonly title: string;
  readonly spaceId: string;
  readonly status: string;
  readonly parentId: string | null;
  readonly version: { readonly number: number; readonly authorId: string | null; readonly createdAt: string | null; readonly message: string | null; readonly minorEdit: boolean };
  /** The body in the representation asked for ('' when none was asked). */
  readonly body: string;
  readonly labels: readonly string[];
  /** Relative to the site's /wiki. */
  readonly webui: string | null;
}

/** A page with what a reader shows around it: its space and the pages above it, read in one call. */
export interface PageInContext {
  readonly page: PageRecord;
  readonly space: { readonly id: string; readonly key: string };
  /** From the top of the space down to the parent. */
  readonly ancestors: readonly { readonly id: string; readonly title: string }[];
}

export interface SpaceRecord {
  readonly id: string;
  readonly key: string;
  readonly name: string;
  readonly type: string;
  readonly homepageId: string | null;
  /** The description in storage format ('' when none). */
  readonly description: string;
  readonly webui: string | null;
}

export interface PageSummaryRecord {
  readonly id: string;
  readonly title: string;
  readonly status: string;
  readonly spaceId: string | null;
  /** For descendants: the ids above this page, from the top down. */
  readonly ancestorIds?: readonly string[];
}

export interface CommentRecord {
  readonly id: string;
  readonly pageId: string | null;
  readonly parentCommentId: string | null;
  readonly authorId: string | null;
  readonly createdAt: string | null;
  readonly version: number;
  /** Storage format. */
  readonly body: string;
}

export interface AttachmentRecord {
  readonly id: string;
  readonly pageId: string;
  readonly title: string;
  readonly mediaType: string;
  readonly fileSize: number;
  readonly createdAt: string | null;
  readonly version: number;
  readonly comment: string | null;
  /** Relative to /wiki, e.g. /download/attachments/123/file.txt?version=1 */
  readonly downloadLink: string | null;
}
