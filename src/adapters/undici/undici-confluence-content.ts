/**
 * Confluence Cloud pages and what hangs off them, over the v2 API (`/wiki/api/v2`), and v1
 * (`/wiki/rest/api`) where v2 has no such call: descendants to a depth, writing labels,
 * uploading attachments, and a page read with its space and ancestors in one call (v2 takes
 * four: the page, its ancestor ids, their titles, the space). Ids reach here validated; they are still encoded into paths.
 * Shapes: test/fixtures/atlassian-specs (Confluence v2 and v1 documents).
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import type { ConfluenceGateway, UpstreamPage } from '../../application/ports/atlassian-gateways.js';
import type { AttachmentRecord, CommentRecord, PageInContext, PageLabel, PageRecord, PageSummaryRecord, SpaceRecord } from '../../domain/confluence.js';
import type { AccessContext } from '../../domain/credentials.js';
import { AppError } from '../../domain/errors.js';
import type { FileDownload, FileUpload } from '../../domain/files.js';
import { deepFreeze } from '../../domain/deep-freeze.js';
import type { AtlassianCaller } from './atlassian-call.js';
import { nullable } from './codecs.js';

const V2 = '/wiki/api/v2';
const V1 = '/wiki/rest/api';
const seg = encodeURIComponent;
const NoContent = t.unknown;

const Links = t.partial({ next: nullable(t.string), webui: nullable(t.string), download: nullable(t.string) });
const Id = t.union([t.string, t.number]);
const BodyValue = t.partial({ value: nullable(t.string) });
const Bodies = t.partial({ storage: nullable(BodyValue), atlas_doc_format: nullable(BodyValue), view: nullable(BodyValue) });
const VersionJson = t.partial({
  number: t.number,
  authorId: nullable(t.string),
  createdAt: nullable(t.string),
  message: nullable(t.string),
  minorEdit: nullable(t.boolean),
});
const LabelJson = t.intersection([t.type({ name: t.string }), t.partial({ id: nullable(Id), prefix: nullable(t.string) })]);

const PageJson = t.intersection([
  t.type({ id: Id, title: t.string }),
  t.partial({
    spaceId: nullable(Id),
    status: nullable(t.string),
    parentId: nullable(Id),
    version: nullable(VersionJson),
    body: nullable(Bodies),
    labels: nullable(t.partial({ results: t.array(LabelJson) })),
    _links: nullable(Links),
  }),
]);
type PageJson = t.TypeOf<typeof PageJson>;
const Results = <C extends t.Mixed>(item: C) => t.intersection([t.type({ results: t.array(item) }), t.partial({ _links: nullable(Links) })]);

const SpaceJson = t.intersection([
  t.type({ id: Id, key: t.string, name: t.string }),
  t.partial({ type: nullable(t.string), homepageId: nullable(Id), description: nullable(Bodies), _links: nullable(Links) }),
]);
const ChildJson = t.intersection([t.type({ id: Id, title: t.string }), t.partial({ status: nullable(t.string), spaceId: nullable(Id) })]);
const AncestorJson = t.type({ id: Id });
const V1ContentJson = t.intersection([
  t.type({ id: Id, title: t.string }),
  t.partial({
    status: nullable(t.string),
    ancestors: nullable(t.array(t.type({ id: Id }))),
    space: nullable(t.partial({ id: nullable(Id), key: nullable(t.string) })),
    version: nullable(t.partial({ number: t.number, when: nullable(t.string) })),
    container: nullable(t.partial({ id: nullable(Id) })),
    extensions: nullable(t.partial({ mediaType: nullable(t.string), fileSize: nullable(t.number), comment: nullable(t.string) })),
    _links: nullable(Links),
  }),
]);
/** v1 content with `body.*`, `version`, `ancestors`, `space` and `metadata.labels` expanded. */
const V1PageJson = t.intersection([
  t.type({ id: Id, title: t.string }),
  t.partial({
    type: nullable(t.string),
    status: nullable(t.string),
    space: nullable(t.intersection([t.type({ key: t.string }), t.partial({ id: nullable(Id) })])),
    version: nullable(
      t.partial({ number: t.number, when: nullable(t.string), message: nullable(t.string), minorEdit: nullable(t.boolean), by: nullable(t.partial({ accountId: nullable(t.string) })) }),
    ),
    ancestors: nullable(t.array(t.intersection([t.type({ id: Id }), t.partial({ title: nullable(t.string), type: nullable(t.string) })]))),
    body: nullable(Bodies),
    metadata: nullable(t.partial({ labels: nullable(t.partial({ results: t.array(LabelJson) })) })),
    _links: nullable(Links),
  }),
]);
type V1PageJson = t.TypeOf<typeof V1PageJson>;
const V1Contents = t.intersection([t.type({ results: t.array(V1ContentJson) }), t.partial({ start: t.number, size: t.number, _links: nullable(Links) })]);
const V1Labels = t.type({ results: t.array(LabelJson) });
const CommentJson = t.intersection([
  t.type({ id: Id }),
  t.partial({ pageId: nullable(Id), parentCommentId: nullable(Id), version: nullable(VersionJson), body: nullable(Bodies) }),
]);
const AttachmentJson = t.intersection([
  t.type({ id: Id, title: t.string }),
  t.partial({
    pageId: nullable(Id),
    mediaType: nullable(t.string),
    fileSize: nullable(t.number),
    createdAt: nullable(t.string),
    comment: nullable(t.string),
    version: nullable(VersionJson),
    downloadLink: nullable(t.string),
  }),
]);

const str = (v: string | number | null | undefined): string | null => (v === null || v === undefined ? null : String(v));

/** The `cursor` of a relative `_links.next`. */
const cursorOf = (next: string | null | undefined): string | undefined => {
  if (!next) return undefined;
  try {
    return new URL(next, 'https://placeholder.invalid').searchParams.get('cursor') ?? undefined;
  } catch {
    return undefined;
  }
};
const nextOf = (links: { next?: string | null | undefined } | null | undefined) => {
  const cursor = cursorOf(links?.next);
  return cursor ? { token: cursor } : null;
};

const pageRecord = (p: PageJson): PageRecord => ({
  id: String(p.id),
  title: p.title,
  spaceId: str(p.spaceId) ?? '',
  status: p.status ?? 'current',
  parentId: str(p.parentId),
  version: {
    number: p.version?.number ?? 1,
    authorId: p.version?.authorId ?? null,
    createdAt: p.version?.createdAt ?? null,
    message: p.version?.message ? p.version.message : null,
    minorEdit: p.version?.minorEdit ?? false,
  },
  body: p.body?.storage?.value ?? p.body?.atlas_doc_format?.value ?? '',
  labels: (p.labels?.results ?? []).map((l) => l.name),
  webui: p._links?.webui ?? null,
});

const pageInContext = (p: V1PageJson): PageInContext => {
  const ancestors = (p.ancestors ?? []).map((a) => ({ id: String(a.id), title: a.title ?? '' }));
  return {
    page: {
      id: String(p.id),
      title: p.title,
      spaceId: str(p.space?.id) ?? '',
      status: p.status ?? 'current',
      parentId: ancestors[ancestors.length - 1]?.id ?? null,
      version: {
        number: p.version?.number ?? 1,
        authorId: p.version?.by?.accountId ?? null,
        createdAt: p.version?.when ?? null,
        message: p.version?.message ? p.version.message : null,
        minorEdit: p.version?.minorEdit ?? false,
      },
      body: p.body?.storage?.value ?? p.body?.atlas_doc_format?.value ?? '',
      labels: (p.metadata?.labels?.results ?? []).map((l) => l.name),
      webui: p._links?.webui ?? null,
    },
    space: { id: str(p.space?.id) ?? '', key: p.space?.key ?? '' },
    ancestors,
  };
};

/** The mapping of each page answer the caller hands out again (`reuse`), made once and frozen so readers above can keep what they make of it too. */
const mappedPages = new WeakMap<V1PageJson, PageInContext>();
const keptPageInContext = (p: V1PageJson): PageInContext => {
  if (!Object.isFrozen(p)) return pageInContext(p);
  let mapped = mappedPages.get(p);
  if (!mapped) {
    mapped = deepFreeze(pageInContext(p));
    mappedPages.set(p, mapped);
  }
  return mapped;
};

const spaceRecord = (s: t.TypeOf<typeof SpaceJson>): SpaceRecord => ({
  id: String(s.id),
  key: s.key,
  name: s.name,
  type: s.type ?? 'global',
  homepageId: str(s.homepageId),
  description: s.description?.view?.value ?? '',
  webui: s._links?.webui ?? null,
});

const commentRecord = (c: t.TypeOf<typeof CommentJson>, sent?: string): CommentRecord => ({
  id: String(c.id),
  pageId: str(c.pageId),
  parentCommentId: str(c.parentCommentId),
  authorId: c.version?.authorId ?? null,
  createdAt: c.version?.createdAt ?? null,
  version: c.version?.number ?? 1,
  body: c.body?.storage?.value ?? sent ?? '',
});

const attachmentRecord = (a: t.TypeOf<typeof AttachmentJson>): AttachmentRecord => ({
  id: String(a.id),
  pageId: str(a.pageId) ?? '',
  title: a.title,
  mediaType: a.mediaType ?? 'application/octet-stream',
  fileSize: a.fileSize ?? 0,
  createdAt: a.createdAt ?? a.version?.createdAt ?? null,
  version: a.version?.number ?? 1,
  comment: a.comment ? a.comment : null,
  downloadLink: a.downloadLink ?? null,
});

/** A downloadLink as Confluence gives it (relative to /wiki): no traversal, no other host. */
const DOWNLOAD_LINK = /^\/download\/(attachments|thumbnails)\/[0-9]+\/[^\s#\\]+$/;
const safeDownloadLink = (link: string): boolean => {
  if (!DOWNLOAD_LINK.test(link)) return false;
  try {
    return !decodeURIComponent(link.split('?')[0] ?? '').split('/').some((s) => s === '..' || s === '.');
  } catch {
    return false;
  }
};

/** The page-level calls of UndiciConfluenceGateway (which extends it with spaces, search and creation). */
export abstract class UndiciConfluenceContent
  implements Omit<ConfluenceGateway, 'listSpaces' | 'searchContent' | 'spaceIdForKey' | 'createPage'>
{
  constructor(private readonly api: AtlassianCaller) {}

  getPage(ctx: AccessContext, id: string, q: { representation: 'storage' | 'atlas_doc_format' | 'none' }): TE.TaskEither<AppError, PageRecord> {
    return TE.map(pageRecord)(
      this.api.call(ctx, {
        method: 'GET',
        path: `${V2}/pages/${seg(id)}`,
        searchParams: { ...(q.representation !== 'none' ? { 'body-format': q.representation } : {}), 'include-labels': 'true' },
        ok: [200],
        codec: PageJson,
        what: `page ${id}`,
      }),
    );
  }

  /** v1 `GET /content/{id}` with the expansions v2 needs four calls for (page, ancestors, their titles, space). */
  pageInContext(ctx: AccessContext, id: string, q: { representation: 'storage' | 'atlas_doc_format' }): TE.TaskEither<AppError, PageInContext> {
    const read = this.api.call(ctx, {
      method: 'GET',
      path: `${V1}/content/${seg(id)}`,
      searchParams: { expand: `body.${q.representation},version,ancestors,space,metadata.labels` },
      ok: [200],
      codec: V1PageJson,
      what: `page ${id}`,
      // A page read again unchanged is the same frozen answer: what it maps to is kept with it.
      reuse: true,
    });
    // One async step rather than a combinator: the most frequent read there is (docs/performance.md).
    return async () => {
      const p = await read();
      if (E.isLeft(p)) return p;
      return p.right.type === 'page' ? E.right(keptPageInContext(p.right)) : E.left(AppError.notFound(`No page has the id ${id}.`));
    };
  }

  pageIdByTitle(ctx: AccessContext, q: { spaceId: string; title: string }): TE.TaskEither<AppError, string> {
    return pipe(
      this.api.call(ctx, {
        method: 'GET',
        path: `${V2}/pages`,
        searchParams: { 'space-id': q.spaceId, title: q.title, status: 'current', limit: 5 },
        ok: [200],
        codec: Results(PageJson),
        what: 'the page lookup by title',
      }),
      TE.flatMap((page) => {
        // Only the exact title: an answer that matched loosely must not name another page.
        const found = page.results.find((p) => p.title === q.title);
        return found ? TE.right(String(found.id)) : TE.left(AppError.notFound(`No page has the title ${q.title}.`));
      }),
    );
  }

  ancestorIds(ctx: AccessContext, id: string): TE.TaskEither<AppError, readonly string[]> {
    return TE.map((page: t.TypeOf<ReturnType<typeof Results<typeof AncestorJson>>>) => page.results.map((a) => String(a.id)))(
      this.api.call(ctx, {
        method: 'GET',
        path: `${V2}/pages/${seg(id)}/ancestors`,
        searchParams: { limit: 250 },
        ok: [200],
        codec: Results(AncestorJson),
        what: `the ancestors of page ${id}`,
      }),
    );
  }

  pagesById(ctx: AccessContext, ids: readonly string[]): TE.TaskEither<AppError, readonly PageSummaryRecord[]> {
    return TE.map((page: t.TypeOf<ReturnType<typeof Results<typeof PageJson>>>) =>
      page.results.map((p) => ({ id: String(p.id), title: p.title, status: p.status ?? 'current', spaceId: str(p.spaceId) })),
    )(
      this.api.call(ctx, {
        method: 'GET',
        path: `${V2}/pages`,
        searchParams: { id: ids.slice(0, 250).join(','), limit: 250 },
        ok: [200],
        codec: Results(PageJson),
        what: 'the pages by id',
      }),
    );
  }

  getSpace(ctx: AccessContext, id: string): TE.TaskEither<AppError, SpaceRecord> {
    return TE.map(spaceRecord)(
      this.api.call(ctx, {
        method: 'GET',
        path: `${V2}/spaces/${seg(id)}`,
        searchParams: { 'description-format': 'view' },
        ok: [200],
        codec: SpaceJson,
        what: `space ${id}`,
      }),
    );
  }

  spaceByKey(ctx: AccessContext, key: string): TE.TaskEither<AppError, SpaceRecord> {
    return pipe(
      this.api.call(ctx, {
        method: 'GET',
        path: `${V2}/spaces`,
        searchParams: { keys: key, 'description-format': 'view', limit: 1 },
        ok: [200],
        codec: Results(SpaceJson),
        what: 'the space lookup',
      }),
      TE.flatMap((page) => {
        const space = page.results.find((s) => s.key === key);
        return space ? TE.right(spaceRecord(space)) : TE.left(AppError.notFound(`No Confluence space has the key ${key}.`));
      }),
    );
  }

  updatePage(
    ctx: AccessContext,
    page: {
      id: string;
      status: string;
      title: string;
      spaceId: string;
      parentId?: string | undefined;
      body: { representation: 'storage' | 'atlas_doc_format'; value: string };
      version: { number: number; message?: string | undefined; minorEdit?: boolean | undefined };
    },
  ): TE.TaskEither<AppError, PageRecord> {
    return TE.map(pageRecord)(
      this.api.call(ctx, {
        method: 'PUT',
        path: `${V2}/pages/${seg(page.id)}`,
        json: {
          id: page.id,
          status: page.status,
          title: page.title,
          spaceId: page.spaceId,
          ...(page.parentId !== undefined ? { parentId: page.parentId } : {}),
          body: page.body,
          version: {
            number: page.version.number,
            ...(page.version.message !== undefined ? { message: page.version.message } : {}),
            ...(page.version.minorEdit !== undefined ? { minorEdit: page.version.minorEdit } : {}),
          },
        },
        ok: [200],
        codec: PageJson,
        what: `the update of page ${page.id}`,
      }),
    );
  }

  deletePage(ctx: AccessContext, id: string): TE.TaskEither<AppError, void> {
    return TE.map(() => undefined)(this.api.call(ctx, { method: 'DELETE', path: `${V2}/pages/${seg(id)}`, ok: [204], codec: NoContent, what: `the deletion of page ${id}` }));
  }

  children(ctx: AccessContext, q: { id: string; cursor?: string | undefined; limit: number }): TE.TaskEither<AppError, UpstreamPage<PageSummaryRecord>> {
    return TE.map((page: t.TypeOf<ReturnType<typeof Results<typeof ChildJson>>>) => ({
      items: page.results.map((c) => ({ id: String(c.id), title: c.title, status: c.status ?? 'current', spaceId: str(c.spaceId) })),
      next: nextOf(page._links),
    }))(
      this.api.call(ctx, {
        method: 'GET',
        path: `${V2}/pages/${seg(q.id)}/children`,
        searchParams: { limit: q.limit, cursor: q.cursor },
        ok: [200],
        codec: Results(ChildJson),
        what: `the children of page ${q.id}`,
      }),
    );
  }

  descendants(ctx: AccessContext, q: { id: string; depth: number; startAt: number; limit: number }): TE.TaskEither<AppError, UpstreamPage<PageSummaryRecord>> {
    return TE.map((page: t.TypeOf<typeof V1Contents>) => ({
      items: page.results.map((c) => ({
        id: String(c.id),
        title: c.title,
        status: c.status ?? 'current',
        spaceId: str(c.space?.id),
        ancestorIds: (c.ancestors ?? []).map((a) => String(a.id)),
      })),
      next: page._links?.next ? { startAt: q.startAt + page.results.length } : null,
    }))(
      this.api.call(ctx, {
        method: 'GET',
        path: `${V1}/content/${seg(q.id)}/descendant/page`,
        searchParams: { depth: String(q.depth), start: q.startAt, limit: q.limit, expand: 'ancestors' },
        ok: [200],
        codec: V1Contents,
        what: `the descendants of page ${q.id}`,
      }),
    );
  }

  footerComments(ctx: AccessContext, q: { pageId: string; cursor?: string | undefined; limit: number }): TE.TaskEither<AppError, UpstreamPage<CommentRecord>> {
    return TE.map((page: t.TypeOf<ReturnType<typeof Results<typeof CommentJson>>>) => ({ items: page.results.map((c) => commentRecord(c)), next: nextOf(page._links) }))(
      this.api.call(ctx, {
        method: 'GET',
        path: `${V2}/pages/${seg(q.pageId)}/footer-comments`,
        searchParams: { 'body-format': 'storage', limit: q.limit, cursor: q.cursor },
        ok: [200],
        codec: Results(CommentJson),
        what: `the comments of page ${q.pageId}`,
      }),
    );
  }

  footerComment(ctx: AccessContext, id: string): TE.TaskEither<AppError, CommentRecord> {
    return TE.map((c: t.TypeOf<typeof CommentJson>) => commentRecord(c))(
      this.api.call(ctx, {
        method: 'GET',
        path: `${V2}/footer-comments/${seg(id)}`,
        searchParams: { 'body-format': 'storage' },
        ok: [200],
        codec: CommentJson,
        what: `comment ${id}`,
      }),
    );
  }

  addFooterComment(ctx: AccessContext, q: { pageId?: string | undefined; parentCommentId?: string | undefined; storage: string }): TE.TaskEither<AppError, CommentRecord> {
    return TE.map((c: t.TypeOf<typeof CommentJson>) => commentRecord(c, q.storage))(
      this.api.call(ctx, {
        method: 'POST',
        path: `${V2}/footer-comments`,
        json: {
          ...(q.pageId !== undefined ? { pageId: q.pageId } : {}),
          ...(q.parentCommentId !== undefined ? { parentCommentId: q.parentCommentId } : {}),
          body: { representation: 'storage', value: q.storage },
        },
        ok: [200, 201],
        codec: CommentJson,
        what: q.pageId !== undefined ? `the comment on page ${q.pageId}` : `the reply to comment ${q.parentCommentId ?? ''}`,
      }),
    );
  }

  pageLabels(ctx: AccessContext, q: { pageId: string; cursor?: string | undefined; limit: number }): TE.TaskEither<AppError, UpstreamPage<PageLabel>> {
    return TE.map((page: t.TypeOf<ReturnType<typeof Results<typeof LabelJson>>>) => ({
      items: page.results.map((l) => ({ id: str(l.id) ?? '', name: l.name, prefix: l.prefix ?? 'global' })),
      next: nextOf(page._links),
    }))(
      this.api.call(ctx, {
        method: 'GET',
        path: `${V2}/pages/${seg(q.pageId)}/labels`,
        searchParams: { limit: q.limit, cursor: q.cursor },
        ok: [200],
        codec: Results(LabelJson),
        what: `the labels of page ${q.pageId}`,
      }),
    );
  }

  addLabels(ctx: AccessContext, q: { pageId: string; names: readonly string[] }): TE.TaskEither<AppError, readonly string[]> {
    return TE.map((labels: t.TypeOf<typeof V1Labels>) => labels.results.map((l) => l.name))(
      this.api.call(ctx, {
        method: 'POST',
        path: `${V1}/content/${seg(q.pageId)}/label`,
        json: q.names.map((name) => ({ prefix: 'global', name })),
        ok: [200],
        codec: V1Labels,
        what: `the labels on page ${q.pageId}`,
      }),
    );
  }

  removeLabel(ctx: AccessContext, q: { pageId: string; name: string }): TE.TaskEither<AppError, void> {
    return TE.map(() => undefined)(
      this.api.call(ctx, {
        method: 'DELETE',
        path: `${V1}/content/${seg(q.pageId)}/label/${seg(q.name)}`,
        ok: [204],
        codec: NoContent,
        what: `the removal of label ${q.name} from page ${q.pageId}`,
      }),
    );
  }

  pageAttachments(ctx: AccessContext, q: { pageId: string; cursor?: string | undefined; limit: number }): TE.TaskEither<AppError, UpstreamPage<AttachmentRecord>> {
    return TE.map((page: t.TypeOf<ReturnType<typeof Results<typeof AttachmentJson>>>) => ({
      items: page.results.map((a) => ({ ...attachmentRecord(a), pageId: str(a.pageId) ?? q.pageId })),
      next: nextOf(page._links),
    }))(
      this.api.call(ctx, {
        method: 'GET',
        path: `${V2}/pages/${seg(q.pageId)}/attachments`,
        searchParams: { limit: q.limit, cursor: q.cursor },
        ok: [200],
        codec: Results(AttachmentJson),
        what: `the attachments of page ${q.pageId}`,
      }),
    );
  }

  attachment(ctx: AccessContext, id: string): TE.TaskEither<AppError, AttachmentRecord> {
    return TE.map(attachmentRecord)(
      this.api.call(ctx, { method: 'GET', path: `${V2}/attachments/${seg(id)}`, ok: [200], codec: AttachmentJson, what: `attachment ${id}` }),
    );
  }

  downloadPageAttachment(ctx: AccessContext, q: { downloadLink: string; filename: string; maxBytes: number }): TE.TaskEither<AppError, FileDownload> {
    if (!safeDownloadLink(q.downloadLink)) return TE.left(AppError.vendor(`Confluence gave a download link for ${q.filename} that is not a /download/attachments path.`));
    return this.api.download(ctx, { path: `/wiki${q.downloadLink}`, filename: q.filename, maxBytes: q.maxBytes, what: `the attachment ${q.filename}` });
  }

  uploadPageAttachment(ctx: AccessContext, q: { pageId: string; file: FileUpload; minorEdit: boolean }): TE.TaskEither<AppError, AttachmentRecord> {
    return pipe(
      this.api.call(ctx, {
        method: 'POST',
        path: `${V1}/content/${seg(q.pageId)}/child/attachment`,
        form: { field: 'file', filename: q.file.filename, mediaType: q.file.mediaType, content: q.file.content, fields: { minorEdit: String(q.minorEdit) } },
        // Confluence refuses multipart requests without it (its XSRF check).
        headers: { 'x-atlassian-token': 'no-check' },
        ok: [200],
        codec: V1Contents,
        what: `the upload of ${q.file.filename} to page ${q.pageId}`,
      }),
      TE.flatMap((added) => {
        const a = added.results[0];
        if (!a) return TE.left(AppError.vendor(`Confluence answered the upload of ${q.file.filename} without the attachment.`));
        return TE.right({
          id: String(a.id),
          pageId: str(a.container?.id) ?? q.pageId,
          title: a.title,
          mediaType: a.extensions?.mediaType ?? q.file.mediaType,
          fileSize: a.extensions?.fileSize ?? q.file.content.length,
          createdAt: a.version?.when ?? null,
          version: a.version?.number ?? 1,
          comment: a.extensions?.comment ? a.extensions.comment : null,
          downloadLink: a._links?.download ?? null,
        });
      }),
    );
  }
}
