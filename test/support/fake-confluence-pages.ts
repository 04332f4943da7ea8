/**
 * The fake Confluence's pages beyond creation: read, update (with Confluence's version check:
 * a PUT whose version.number is not the current one plus one answers 409), delete to the
 * trash, the page tree (v2 children and ancestors, v1 descendants), footer comments, labels
 * (v2 read, v1 write), attachments (v2 list and read, the downloadLink bytes, v1 multipart
 * upload) and one space by id. Shapes follow the v2 and v1 documents in
 * test/fixtures/atlassian-specs; the spec-conformance test holds the fake to them.
 *
 * Seeded pages (fake.confluence.pages) get a tree: page i sits under page i-3 (the same
 * space), the first three are at the top. Their details are made on first use and live in
 * `fake.confluenceContent`, where tests may change them.
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import busboy from 'busboy';
import type { FakeAtlassian, FakePage, FakeSpace } from './fake-atlassian.js';

type Json = Record<string, unknown>;
type Mode = 'oauth' | 'basic' | 'pat';

/** The part of the fake's request context these handlers read. */
export interface PageCtx {
  method: string;
  inner: string;
  query: URLSearchParams;
  body: unknown;
  rawBody: Buffer;
  base: string;
  res: ServerResponse;
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
}

export interface PageRoute {
  method: string;
  path: string;
  product: 'jira' | 'confluence';
  modes: Mode[];
  scope: string;
  handle: (ctx: PageCtx) => void;
}

export interface FakeFooterComment {
  id: string;
  pageId: string;
  parentCommentId: string | null;
  authorId: string;
  createdAt: string;
  /** storage */
  body: string;
  /** A comment on a blog post instead (answered with `blogPostId`, no `pageId`; held in a page's list, listed under none). */
  blogPostId?: string;
}
export interface FakePageAttachment {
  id: string;
  title: string;
  mediaType: string;
  createdAt: string;
  comment: string;
  content: Buffer;
}
export interface FakePageDetail {
  /** storage format */
  body: string;
  version: number;
  versionMessage: string;
  minorEdit: boolean;
  versionAuthorId: string;
  versionCreatedAt: string;
  parentId: string | null;
  status: 'current' | 'trashed';
  labels: Array<{ id: string; name: string; prefix: string }>;
  comments: FakeFooterComment[];
  attachments: FakePageAttachment[];
}
export interface FakeConfluenceContent {
  /** The page's details (made on first use for a page of fake.confluence.pages). */
  detail(pageId: string): FakePageDetail | undefined;
  /** Every PUT /pages/{id} body the fake accepted. */
  updates: unknown[];
  /** Space descriptions (storage/view HTML) by space id. */
  descriptions: Map<string, string>;
  /** Replies answered without `pageId` (the schema makes it optional): their page is found only through the parent comment. */
  repliesWithoutPageId: boolean;
}

/** The granular scopes the page routes want: granted by default too. */
export const CONFLUENCE_PAGE_SCOPES = [
  'delete:page:confluence',
  'read:content.metadata:confluence',
  'read:content-details:confluence',
  'read:comment:confluence',
  'write:comment:confluence',
  'read:label:confluence',
  'write:label:confluence',
  'read:attachment:confluence',
  'write:attachment:confluence',
] as const;

export const FAKE_AUTHOR = '5b10ac8d82e05b22cc7d4ef5';
const CREATED = '2026-11-20T10:15:30.000Z';

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
const encodeCursor = (o: number): string => Buffer.from(JSON.stringify({ o })).toString('base64url');
const decodeCursor = (s: string | null): number | null => {
  if (!s) return 0;
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
    return isObject(v) && typeof v['o'] === 'number' ? v['o'] : null;
  } catch {
    return null;
  }
};

/** Helpers of the fake these handlers answer with. */
export interface PageKit {
  fake: FakeAtlassian;
  send(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void;
  siteWiki(): string;
  webui(page: { id: string; title: string }, space: FakeSpace | undefined): string;
  homepageOf(space: FakeSpace): string;
}

export function confluencePageRoutes(kit: PageKit): { routes: PageRoute[]; content: FakeConfluenceContent } {
  const { fake, send } = kit;
  const details = new Map<string, FakePageDetail>();
  const content: FakeConfluenceContent = {
    detail: (id) => detailOf(id),
    updates: [],
    descriptions: new Map([['98305', '<p>How we <strong>build</strong> and run things.</p>']]),
    repliesWithoutPageId: false,
  };
  let nextId = 5_000_000;
  const newId = (): string => String((nextId += 1));

  const error = (res: ServerResponse, status: number, code: string, title: string): void => send(res, status, { errors: [{ status, code, title, detail: null }] });
  const v1Error = (res: ServerResponse, status: number, message: string): void =>
    send(res, status, { statusCode: status, data: { authorized: true, valid: false, errors: [], successful: false }, message });

  function pageById(id: string): FakePage | undefined {
    return fake.confluence.pages.find((p) => p.id === id);
  }

  function detailOf(id: string): FakePageDetail | undefined {
    const known = details.get(id);
    if (known) return known;
    const page = pageById(id);
    if (!page) return undefined;
    const index = fake.confluence.pages.indexOf(page);
    const above = index >= 3 && index < 30 ? fake.confluence.pages[index - 3] : undefined;
    const created = [...fake.confluence.createdPages].reverse().find((b) => isObject(b) && b['title'] === page.title && b['spaceId'] === page.spaceId) as Json | undefined;
    const createdBody = created && isObject(created['body']) && typeof created['body']['value'] === 'string' ? created['body']['value'] : undefined;
    const detail: FakePageDetail = {
      body: createdBody ?? `<h1>${page.title}</h1><p>${page.excerpt}</p>`,
      version: 1,
      versionMessage: '',
      minorEdit: false,
      versionAuthorId: FAKE_AUTHOR,
      versionCreatedAt: CREATED,
      parentId: created && typeof created['parentId'] === 'string' ? created['parentId'] : above && above.spaceId === page.spaceId ? above.id : null,
      status: 'current',
      labels: index === 0 ? [{ id: '7001', name: 'onboarding', prefix: 'global' }] : [],
      comments: [],
      attachments: [],
    };
    details.set(id, detail);
    return detail;
  }

  /** The page and its details, or a 404 answered. */
  function livePage(ctx: PageCtx, id = ctx.params['id'] ?? ''): { page: FakePage; detail: FakePageDetail } | undefined {
    const page = pageById(id);
    const detail = page ? detailOf(id) : undefined;
    if (!page || !detail || detail.status !== 'current') {
      error(ctx.res, 404, 'NOT_FOUND', 'No content found with id: ' + id);
      return undefined;
    }
    return { page, detail };
  }

  const spaceOf = (page: FakePage): FakeSpace | undefined => fake.confluence.spaces.find((s) => s.id === page.spaceId);
  const ancestorsOf = (id: string): string[] => {
    const out: string[] = [];
    let at = detailOf(id)?.parentId ?? null;
    while (at !== null && out.length < 50) {
      out.unshift(at);
      at = detailOf(at)?.parentId ?? null;
    }
    return out;
  };
  const childrenOf = (id: string): FakePage[] => fake.confluence.pages.filter((p) => p.id !== id && detailOf(p.id)?.parentId === id && detailOf(p.id)?.status === 'current');

  function pageJson(page: FakePage, detail: FakePageDetail, format: string | null, withLabels: boolean): Json {
    const space = spaceOf(page);
    const body: Json = {};
    if (format === 'storage') body['storage'] = { representation: 'storage', value: detail.body };
    if (format === 'atlas_doc_format') {
      body['atlas_doc_format'] = {
        representation: 'atlas_doc_format',
        value: JSON.stringify({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: page.excerpt || page.title }] }] }),
      };
    }
    return {
      id: page.id,
      status: detail.status,
      title: page.title,
      spaceId: page.spaceId,
      ...(detail.parentId !== null ? { parentId: detail.parentId, parentType: 'page' } : {}),
      authorId: FAKE_AUTHOR,
      ownerId: FAKE_AUTHOR,
      createdAt: CREATED,
      version: {
        createdAt: detail.versionCreatedAt,
        message: detail.versionMessage,
        number: detail.version,
        minorEdit: detail.minorEdit,
        authorId: detail.versionAuthorId,
      },
      body,
      ...(withLabels ? { labels: { results: detail.labels, meta: { hasMore: false, cursor: '' }, _links: {} } } : {}),
      _links: { webui: kit.webui(page, space), editui: `/pages/resumedraft.action?draftId=${page.id}`, tinyui: `/x/${page.id}`, base: kit.siteWiki() },
    };
  }

  /** A page of a list with an opaque cursor in `_links.next`, as v2 does. */
  function listAnswer<A>(ctx: PageCtx, all: A[], render: (a: A) => unknown, maxLimit = 250): void {
    const q = ctx.query;
    const rawLimit = q.get('limit');
    if (rawLimit !== null && !/^\d+$/.test(rawLimit)) return error(ctx.res, 400, 'INVALID_REQUEST_PARAMETER', "Provided value for 'limit' is not a valid integer");
    const limit = Math.min(Math.max(Number(rawLimit ?? 25), 1), maxLimit);
    const offset = decodeCursor(q.get('cursor'));
    if (offset === null) return error(ctx.res, 400, 'INVALID_REQUEST_PARAMETER', 'Invalid cursor');
    const slice = all.slice(offset, offset + limit);
    let next: string | undefined;
    if (offset + slice.length < all.length) {
      const p = new URLSearchParams(q);
      p.set('cursor', encodeCursor(offset + slice.length));
      p.set('limit', String(limit));
      next = `/wiki/api/v2${ctx.inner.replace(/^\/wiki\/api\/v2/, '')}?${p.toString()}`;
    }
    send(ctx.res, 200, { results: slice.map(render), _links: { ...(next ? { next } : {}), base: kit.siteWiki() } }, next ? { link: `<${next}>; rel="next", <${kit.siteWiki()}>; rel="base"` } : {});
  }

  // --- pages ---------------------------------------------------------------------------------

  function getPage(ctx: PageCtx): void {
    const found = livePage(ctx);
    if (!found) return;
    const format = ctx.query.get('body-format');
    if (format !== null && !['storage', 'atlas_doc_format', 'view', 'export_view', 'anonymous_export_view', 'styled_view', 'editor'].includes(format)) {
      return error(ctx.res, 400, 'INVALID_REQUEST_PARAMETER', "Provided value for 'body-format' is not valid");
    }
    send(ctx.res, 200, pageJson(found.page, found.detail, format, ctx.query.get('include-labels') === 'true'));
  }

  function listPages(ctx: PageCtx): void {
    const q = ctx.query;
    const ids = q.getAll('id').flatMap((v) => v.split(',')).filter((v) => v !== '');
    const spaceIds = q.getAll('space-id').flatMap((v) => v.split(',')).filter((v) => v !== '');
    const title = q.get('title');
    const statuses = q.getAll('status').flatMap((v) => v.split(','));
    const all = fake.confluence.pages.filter((p) => {
      const d = detailOf(p.id);
      return (
        (ids.length === 0 || ids.includes(p.id)) &&
        (spaceIds.length === 0 || spaceIds.includes(p.spaceId)) &&
        (title === null || p.title === title) &&
        (statuses.length === 0 ? d?.status === 'current' : statuses.includes(d?.status ?? ''))
      );
    });
    listAnswer(ctx, all, (p) => {
      const json = pageJson(p, detailOf(p.id)!, null, false);
      delete json['body'];
      return json;
    });
  }

  function updatePage(ctx: PageCtx): void {
    const found = livePage(ctx);
    if (!found) return;
    const b = ctx.body;
    if (!isObject(b)) return error(ctx.res, 400, 'INVALID_REQUEST_PARAMETER', 'Request body must be a JSON object');
    if (b['id'] !== found.page.id) return error(ctx.res, 400, 'INVALID_REQUEST_PARAMETER', "'id' must match the page in the path");
    if (b['status'] !== 'current' && b['status'] !== 'draft') return error(ctx.res, 400, 'INVALID_REQUEST_PARAMETER', "'status' must be one of: current, draft");
    if (typeof b['title'] !== 'string' || b['title'].trim() === '') return error(ctx.res, 400, 'INVALID_REQUEST_PARAMETER', 'Title is required for a published page');
    const body = b['body'];
    if (!isObject(body) || !['storage', 'atlas_doc_format', 'wiki'].includes(String(body['representation'])) || typeof body['value'] !== 'string') {
      return error(ctx.res, 400, 'INVALID_REQUEST_PARAMETER', "'body' must have a representation (storage, atlas_doc_format, wiki) and a string value");
    }
    const version = b['version'];
    if (!isObject(version) || typeof version['number'] !== 'number') return error(ctx.res, 400, 'INVALID_REQUEST_PARAMETER', "'version.number' is required");
    // Confluence's own check: the version must be the current one plus one.
    if (version['number'] !== found.detail.version + 1) {
      return error(ctx.res, 409, 'CONFLICT', `Version must be incremented on update. Current version is: ${found.detail.version}`);
    }
    if (b['spaceId'] !== undefined && b['spaceId'] !== found.page.spaceId) return error(ctx.res, 400, 'INVALID_REQUEST_PARAMETER', 'Moving a page to another space is not supported');
    if (b['parentId'] !== undefined) {
      const parent = pageById(String(b['parentId']));
      if (!parent || parent.spaceId !== found.page.spaceId) return error(ctx.res, 400, 'INVALID_REQUEST_PARAMETER', 'The parent page must be in the same space');
      if (parent.id === found.page.id || ancestorsOf(parent.id).includes(found.page.id)) return error(ctx.res, 400, 'INVALID_REQUEST_PARAMETER', 'A page cannot be moved under itself');
      found.detail.parentId = parent.id;
    }
    content.updates.push(b);
    found.page.title = b['title'];
    found.detail.body = body['representation'] === 'storage' ? body['value'] : `<p>${String(body['value']).length} characters of ${String(body['representation'])}</p>`;
    found.detail.version = version['number'];
    found.detail.versionMessage = typeof version['message'] === 'string' ? version['message'] : '';
    found.detail.minorEdit = version['minorEdit'] === true;
    found.detail.versionCreatedAt = new Date().toISOString();
    send(ctx.res, 200, pageJson(found.page, found.detail, 'storage', false));
  }

  function deletePage(ctx: PageCtx): void {
    const found = livePage(ctx);
    if (!found) return;
    if (ctx.query.get('purge') === 'true') return error(ctx.res, 400, 'INVALID_REQUEST_PARAMETER', 'Only trashed pages can be purged');
    found.detail.status = 'trashed';
    send(ctx.res, 204, undefined);
  }

  // --- tree ----------------------------------------------------------------------------------

  function children(ctx: PageCtx): void {
    const found = livePage(ctx);
    if (!found) return;
    listAnswer(ctx, childrenOf(found.page.id), (p) => ({ id: p.id, status: 'current', title: p.title, spaceId: p.spaceId, childPosition: childrenOf(found.page.id).indexOf(p) }));
  }

  function ancestors(ctx: PageCtx): void {
    const found = livePage(ctx);
    if (!found) return;
    const rawLimit = ctx.query.get('limit');
    const limit = rawLimit === null ? 25 : Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 250) return error(ctx.res, 400, 'INVALID_REQUEST_PARAMETER', "'limit' must be 1 to 250");
    // Top-down: the highest ancestor first (Atlassian's documentation of this call).
    send(ctx.res, 200, { results: ancestorsOf(found.page.id).slice(-limit).map((id) => ({ id, type: 'page' })), _links: { base: kit.siteWiki() } });
  }

  function v1Content(page: FakePage, withAncestors: boolean): Json {
    const space = spaceOf(page);
    return {
      id: page.id,
      type: 'page',
      status: 'current',
      title: page.title,
      ...(withAncestors ? { ancestors: ancestorsOf(page.id).map((id) => ({ id, type: 'page', status: 'current', title: pageById(id)?.title ?? '' })) } : {}),
      _expandable: { space: `/rest/api/space/${space?.key ?? ''}`, version: '', history: '' },
      _links: { webui: kit.webui(page, space), self: `${kit.siteWiki()}/rest/api/content/${page.id}` },
    };
  }

  /** v1 `GET /content/{id}` with the expansions asked for (body.storage or body.atlas_doc_format, version, ancestors, space, metadata.labels). */
  function v1GetContent(ctx: PageCtx): void {
    const id = ctx.params['id'] ?? '';
    const page = pageById(id);
    const detail = page ? detailOf(id) : undefined;
    if (!page || !detail || detail.status !== 'current') return v1Error(ctx.res, 404, `No content found with id: ${id}`);
    const expand = new Set((ctx.query.get('expand') ?? '').split(',').filter((e) => e !== ''));
    const known = ['body.storage', 'body.atlas_doc_format', 'version', 'ancestors', 'space', 'metadata.labels'];
    const unknown = [...expand].filter((e) => !known.includes(e));
    if (unknown.length > 0) return v1Error(ctx.res, 400, `This fake does not expand ${unknown.join(', ')}`);
    const space = spaceOf(page);
    const v2 = pageJson(page, detail, expand.has('body.storage') ? 'storage' : expand.has('body.atlas_doc_format') ? 'atlas_doc_format' : null, false);
    send(ctx.res, 200, {
      ...v1Content(page, expand.has('ancestors')),
      ...(expand.has('space') && space
        ? {
            space: {
              id: Number(space.id),
              key: space.key,
              name: space.name,
              type: space.type,
              status: 'current',
              _expandable: { settings: '', metadata: '', operations: '', lookAndFeel: '', permissions: '', icon: '', description: '', theme: '', history: '', homepage: '' },
              _links: { webui: `/spaces/${space.key}`, self: `${kit.siteWiki()}/rest/api/space/${space.key}` },
            },
          }
        : {}),
      ...(expand.has('version')
        ? {
            version: {
              by: { type: 'known', accountId: detail.versionAuthorId, accountType: 'atlassian', displayName: 'Fake Author' },
              when: detail.versionCreatedAt,
              message: detail.versionMessage,
              number: detail.version,
              minorEdit: detail.minorEdit,
            },
          }
        : {}),
      ...(expand.has('body.storage') || expand.has('body.atlas_doc_format') ? { body: v2['body'] } : {}),
      ...(expand.has('metadata.labels')
        ? {
            metadata: {
              labels: { results: detail.labels.map((l) => ({ prefix: l.prefix, name: l.name, id: l.id, label: l.name })), start: 0, limit: 200, size: detail.labels.length, _links: {} },
            },
          }
        : {}),
    });
  }

  function descendants(ctx: PageCtx): void {
    const id = ctx.params['id'] ?? '';
    const page = pageById(id);
    if (!page || detailOf(id)?.status !== 'current') return v1Error(ctx.res, 404, `No content found with id: ${id}`);
    if (ctx.params['type'] !== 'page') return v1Error(ctx.res, 400, 'Only page descendants are offered by this fake');
    const rawDepth = ctx.query.get('depth') ?? 'all';
    const depth = rawDepth === 'all' ? 100 : rawDepth === 'root' ? 1 : /^\d+$/.test(rawDepth) && Number(rawDepth) >= 1 && Number(rawDepth) <= 100 ? Number(rawDepth) : null;
    if (depth === null) return v1Error(ctx.res, 400, "'depth' must be all, root or 1-100");
    const start = Number(ctx.query.get('start') ?? 0);
    const limit = Math.min(Number(ctx.query.get('limit') ?? 25), 200);
    if (!Number.isInteger(start) || start < 0 || !Number.isInteger(limit) || limit < 0) return v1Error(ctx.res, 400, "'start' and 'limit' must be integers");
    const all: FakePage[] = [];
    const walk = (at: string, level: number): void => {
      if (level > depth) return;
      for (const c of childrenOf(at)) {
        all.push(c);
        walk(c.id, level + 1);
      }
    };
    walk(id, 1);
    const slice = all.slice(start, start + limit);
    const expand = (ctx.query.get('expand') ?? '').split(',').includes('ancestors');
    const links: Json = { base: kit.siteWiki(), context: '/wiki' };
    if (start + slice.length < all.length) links['next'] = `/rest/api/content/${id}/descendant/page?depth=${rawDepth}&start=${start + slice.length}&limit=${limit}`;
    send(ctx.res, 200, { results: slice.map((p) => v1Content(p, expand)), start, limit, size: slice.length, _links: links });
  }

  // --- footer comments -----------------------------------------------------------------------

  function commentJson(c: FakeFooterComment, withBody: boolean): Json {
    return {
      id: c.id,
      status: 'current',
      title: `Re: ${pageById(c.pageId)?.title ?? ''}`,
      ...(c.blogPostId ? { blogPostId: c.blogPostId } : c.parentCommentId && content.repliesWithoutPageId ? {} : { pageId: c.pageId }),
      ...(c.parentCommentId ? { parentCommentId: c.parentCommentId } : {}),
      version: { createdAt: c.createdAt, message: '', number: 1, minorEdit: false, authorId: c.authorId },
      ...(withBody ? { body: { storage: { representation: 'storage', value: c.body } } } : {}),
      _links: { webui: `/pages/viewpage.action?pageId=${c.pageId}&focusedCommentId=${c.id}` },
    };
  }
  const allComments = (): FakeFooterComment[] => fake.confluence.pages.flatMap((p) => details.get(p.id)?.comments ?? []);

  function footerComments(ctx: PageCtx): void {
    const found = livePage(ctx);
    if (!found) return;
    const withBody = ctx.query.get('body-format') === 'storage';
    listAnswer(ctx, found.detail.comments.filter((c) => c.parentCommentId === null && !c.blogPostId), (c) => commentJson(c, withBody));
  }

  function footerComment(ctx: PageCtx): void {
    const c = allComments().find((x) => x.id === ctx.params['comment-id']);
    if (!c) return error(ctx.res, 404, 'NOT_FOUND', 'Comment not found');
    send(ctx.res, 200, commentJson(c, ctx.query.get('body-format') === 'storage'));
  }

  function addFooterComment(ctx: PageCtx): void {
    const b = ctx.body;
    if (!isObject(b)) return error(ctx.res, 400, 'INVALID_REQUEST_PARAMETER', 'Request body must be a JSON object');
    const body = b['body'];
    if (!isObject(body) || body['representation'] !== 'storage' || typeof body['value'] !== 'string' || body['value'] === '') {
      return error(ctx.res, 400, 'INVALID_REQUEST_PARAMETER', "'body' must have a representation and a value");
    }
    const hasPage = typeof b['pageId'] === 'string';
    const hasParent = typeof b['parentCommentId'] === 'string';
    if (hasPage === hasParent) return error(ctx.res, 400, 'INVALID_REQUEST_PARAMETER', 'Give pageId for a comment or parentCommentId for a reply');
    const parent = hasParent ? allComments().find((c) => c.id === b['parentCommentId']) : undefined;
    if (hasParent && !parent) return error(ctx.res, 404, 'NOT_FOUND', 'Parent comment not found');
    const pageId = parent ? parent.pageId : String(b['pageId']);
    const found = livePage(ctx, pageId);
    if (!found) return;
    const comment: FakeFooterComment = { id: newId(), pageId, parentCommentId: parent?.id ?? null, authorId: FAKE_AUTHOR, createdAt: new Date().toISOString(), body: body['value'] };
    found.detail.comments.push(comment);
    send(ctx.res, 201, commentJson(comment, true));
  }

  // --- labels --------------------------------------------------------------------------------

  function labels(ctx: PageCtx): void {
    const found = livePage(ctx);
    if (!found) return;
    listAnswer(ctx, found.detail.labels, (l) => l);
  }

  function v1LivePage(ctx: PageCtx): { page: FakePage; detail: FakePageDetail } | undefined {
    const id = ctx.params['id'] ?? '';
    const page = pageById(id);
    const detail = page ? detailOf(id) : undefined;
    if (!page || !detail || detail.status !== 'current') {
      v1Error(ctx.res, 404, `No content found with id: ${id}`);
      return undefined;
    }
    return { page, detail };
  }

  function addLabels(ctx: PageCtx): void {
    const found = v1LivePage(ctx);
    if (!found) return;
    const list = Array.isArray(ctx.body) ? ctx.body : [ctx.body];
    if (list.length === 0 || !list.every((l) => isObject(l) && typeof l['name'] === 'string' && /^[^\s]+$/.test(l['name']) && (l['prefix'] === undefined || l['prefix'] === 'global'))) {
      return v1Error(ctx.res, 400, 'Labels must be {prefix: "global", name} without spaces');
    }
    for (const l of list as Json[]) {
      const name = String(l['name']).toLowerCase();
      if (!found.detail.labels.some((x) => x.name === name)) found.detail.labels.push({ id: newId(), name, prefix: 'global' });
    }
    send(ctx.res, 200, { results: found.detail.labels.map((l) => ({ ...l, label: l.name })), start: 0, limit: 200, size: found.detail.labels.length });
  }

  function removeLabel(ctx: PageCtx): void {
    const found = v1LivePage(ctx);
    if (!found) return;
    const name = ctx.params['label'] ?? '';
    if (!found.detail.labels.some((l) => l.name === name)) return v1Error(ctx.res, 404, `Label ${name} is not on content ${found.page.id}`);
    found.detail.labels = found.detail.labels.filter((l) => l.name !== name);
    send(ctx.res, 204, undefined);
  }

  // --- attachments ---------------------------------------------------------------------------

  const allAttachments = (): Array<{ page: FakePage; a: FakePageAttachment }> =>
    fake.confluence.pages.flatMap((page) => (details.get(page.id)?.attachments ?? []).map((a) => ({ page, a })));
  const downloadLinkOf = (page: FakePage, a: FakePageAttachment): string =>
    `/download/attachments/${page.id}/${encodeURIComponent(a.title)}?version=1&modificationDate=${Date.parse(a.createdAt)}&api=v2`;

  function attachmentJson(page: FakePage, a: FakePageAttachment): Json {
    return {
      id: a.id,
      status: 'current',
      title: a.title,
      createdAt: a.createdAt,
      pageId: page.id,
      mediaType: a.mediaType,
      mediaTypeDescription: a.mediaType,
      comment: a.comment,
      fileId: `f-${a.id}`,
      fileSize: a.content.length,
      webuiLink: `/pages/viewpageattachments.action?pageId=${page.id}&preview=${encodeURIComponent(a.title)}`,
      downloadLink: downloadLinkOf(page, a),
      version: { createdAt: a.createdAt, message: '', number: 1, minorEdit: true, authorId: FAKE_AUTHOR },
      _links: { webui: `/pages/viewpageattachments.action?pageId=${page.id}`, download: downloadLinkOf(page, a) },
    };
  }

  function pageAttachments(ctx: PageCtx): void {
    const found = livePage(ctx);
    if (!found) return;
    listAnswer(ctx, found.detail.attachments, (a) => attachmentJson(found.page, a));
  }

  function getAttachment(ctx: PageCtx): void {
    const hit = allAttachments().find((x) => x.a.id === ctx.params['id']);
    if (!hit) return error(ctx.res, 404, 'NOT_FOUND', 'Attachment not found');
    send(ctx.res, 200, attachmentJson(hit.page, hit.a));
  }

  function uploadAttachment(ctx: PageCtx): void {
    const found = v1LivePage(ctx);
    if (!found) return;
    if (ctx.headers['x-atlassian-token'] !== 'no-check') return v1Error(ctx.res, 403, 'XSRF check failed');
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: ctx.headers });
    } catch {
      return v1Error(ctx.res, 415, 'The request is not multipart/form-data');
    }
    const fields: Record<string, string> = {};
    const files: Array<{ name: string; filename: string; mimeType: string; content: Buffer }> = [];
    const pending: Promise<void>[] = [];
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      pending.push(
        new Promise((resolve) => {
          stream.on('error', () => resolve());
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            files.push({ name, filename: info.filename ?? 'file', mimeType: info.mimeType || 'application/octet-stream', content: Buffer.concat(chunks) });
            resolve();
          });
        }),
      );
    });
    // A malformed form is answered once, with 400; the parts' streams fail with it and settle.
    let malformed = false;
    parser.on('error', () => {
      malformed = true;
      v1Error(ctx.res, 400, 'The multipart request could not be read');
    });
    parser.on('close', () => {
      void Promise.all(pending).then(() => {
        if (malformed) return;
        const file = files.find((f) => f.name === 'file');
        if (!file) return v1Error(ctx.res, 400, 'No file was attached; send it in a part named file');
        if (fields['minorEdit'] !== 'true' && fields['minorEdit'] !== 'false') return v1Error(ctx.res, 400, 'minorEdit is required');
        if (found.detail.attachments.some((a) => a.title === file.filename)) {
          return v1Error(ctx.res, 400, `Cannot add a new attachment with same file name as an existing attachment: ${file.filename}`);
        }
        const a: FakePageAttachment = { id: `att${newId()}`, title: file.filename, mediaType: file.mimeType, createdAt: new Date().toISOString(), comment: '', content: file.content };
        found.detail.attachments.push(a);
        send(ctx.res, 200, {
          results: [
            {
              id: a.id,
              type: 'attachment',
              status: 'current',
              title: a.title,
              version: { number: 1, when: a.createdAt, minorEdit: fields['minorEdit'] === 'true', by: { type: 'known', accountId: FAKE_AUTHOR } },
              container: { id: found.page.id, type: 'page', status: 'current', title: found.page.title },
              extensions: { mediaType: a.mediaType, fileSize: a.content.length, comment: '' },
              _links: { download: downloadLinkOf(found.page, a), webui: `/pages/viewpageattachments.action?pageId=${found.page.id}` },
            },
          ],
          start: 0,
          limit: 50,
          size: 1,
          _links: { base: kit.siteWiki(), context: '/wiki' },
        });
      });
    });
    parser.end(ctx.rawBody);
  }

  /** The bytes behind a downloadLink (the fake serves them itself; Atlassian may redirect to its media host). */
  function download(ctx: PageCtx): void {
    const hit = allAttachments().find((x) => x.page.id === ctx.params['pageId'] && encodeURIComponent(x.a.title) === encodeURIComponent(ctx.params['filename'] ?? ''));
    if (!hit) return send(ctx.res, 404, { statusCode: 404, message: 'Attachment not found' });
    ctx.res.writeHead(200, { 'content-type': hit.a.mediaType, 'content-length': String(hit.a.content.length) });
    ctx.res.end(hit.a.content);
  }

  // --- spaces --------------------------------------------------------------------------------

  function getSpace(ctx: PageCtx): void {
    const space = fake.confluence.spaces.find((s) => s.id === ctx.params['id']);
    if (!space) return error(ctx.res, 404, 'NOT_FOUND', 'Space not found');
    const format = ctx.query.get('description-format');
    if (format !== null && format !== 'plain' && format !== 'view') return error(ctx.res, 400, 'INVALID_REQUEST_PARAMETER', "'description-format' must be plain or view");
    const description = content.descriptions.get(space.id) ?? '';
    send(ctx.res, 200, {
      id: space.id,
      key: space.key,
      name: space.name,
      type: space.type,
      status: 'current',
      authorId: FAKE_AUTHOR,
      createdAt: '2025-03-14T08:30:00.000Z',
      homepageId: kit.homepageOf(space),
      ...(format ? { description: { [format]: { representation: format, value: format === 'plain' ? description.replace(/<[^>]*>/g, '') : description } } } : {}),
      _links: { webui: `/spaces/${space.key}`, base: kit.siteWiki() },
    });
  }

  const cloud: Mode[] = ['oauth', 'basic'];
  const route = (method: string, path: string, scope: string, handle: (c: PageCtx) => void): PageRoute => ({ method, path, product: 'confluence', modes: cloud, scope, handle });
  const routes: PageRoute[] = [
    route('GET', '/wiki/api/v2/pages', 'read:page:confluence', listPages),
    route('GET', '/wiki/api/v2/pages/{id}', 'read:page:confluence', getPage),
    route('PUT', '/wiki/api/v2/pages/{id}', 'write:page:confluence', updatePage),
    route('DELETE', '/wiki/api/v2/pages/{id}', 'delete:page:confluence', deletePage),
    route('GET', '/wiki/api/v2/pages/{id}/children', 'read:page:confluence', children),
    route('GET', '/wiki/api/v2/pages/{id}/ancestors', 'read:content.metadata:confluence', ancestors),
    route('GET', '/wiki/rest/api/content/{id}', 'read:content-details:confluence', v1GetContent),
    route('GET', '/wiki/rest/api/content/{id}/descendant/{type}', 'read:content-details:confluence', descendants),
    route('GET', '/wiki/api/v2/pages/{id}/footer-comments', 'read:comment:confluence', footerComments),
    route('GET', '/wiki/api/v2/footer-comments/{comment-id}', 'read:comment:confluence', footerComment),
    route('POST', '/wiki/api/v2/footer-comments', 'write:comment:confluence', addFooterComment),
    route('GET', '/wiki/api/v2/pages/{id}/labels', 'read:page:confluence', labels),
    route('POST', '/wiki/rest/api/content/{id}/label', 'write:label:confluence', addLabels),
    route('DELETE', '/wiki/rest/api/content/{id}/label/{label}', 'write:label:confluence', removeLabel),
    route('GET', '/wiki/api/v2/pages/{id}/attachments', 'read:attachment:confluence', pageAttachments),
    route('GET', '/wiki/api/v2/attachments/{id}', 'read:attachment:confluence', getAttachment),
    route('POST', '/wiki/rest/api/content/{id}/child/attachment', 'write:attachment:confluence', uploadAttachment),
    route('GET', '/wiki/download/attachments/{pageId}/{filename}', 'read:attachment:confluence', download),
    route('GET', '/wiki/api/v2/spaces/{id}', 'read:space:confluence', getSpace),
  ];
  return { routes, content };
}
