/**
 * Reading and changing Confluence pages: get (by id, or space and title), update with a
 * version check, append without rewriting the rest, move, delete.
 *
 * Every write names the version it replaces: the current number plus one, read just before.
 * With `version` given, the page must still be at that version; a change in between, found
 * here or by Confluence (its 409), answers CONFLICT with the current version in details, and
 * nothing is written. Writes are never retried.
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { sequenceT } from 'fp-ts/lib/Apply.js';
import * as t from 'io-ts';
import type { ConfluencePage, DeletedPage, MovedPage, PageBodyFormat, PageInContext, PageRecord, UpdatedPage } from '../../domain/confluence.js';
import type { AccessContext } from '../../domain/credentials.js';
import { AppError } from '../../domain/errors.js';
import { annotate } from '../../domain/json-schema.js';
import { convertMarkdown, storageToMarkdown } from '../../domain/markup/index.js';
import { allowsSpace, isFiltered } from '../../domain/scope-filter.js';
import { headingsOf, insertIntoStorage } from '../../domain/storage-insert.js';
import type { TenantId } from '../../domain/tenant.js';
import { flag } from '../jira/inputs.js';
import { BodyFormat, boundedString } from '../operation-inputs.js';
import type { ConfluencePageReading, ConfluencePageWriting } from '../ports/atlassian-gateways.js';
import { withAccess } from '../with-access.js';
import { deepFreeze } from '../../domain/deep-freeze.js';
import { RenderCache } from './render-cache.js';
import {
  asNoSuchPage,
  filterOf,
  noSuchPage,
  noSuchSpace,
  pageId,
  pageInScope,
  pageLink,
  spaceIdInScope,
  spaceKey,
  versionNumber,
  type ConfluencePagePorts,
} from './common.js';

type Reading = ConfluencePagePorts<ConfluencePageReading>;
type Writing = ConfluencePagePorts<ConfluencePageReading & ConfluencePageWriting>;

const ReadFormat = annotate(t.keyof({ markdown: null, storage: null, adf: null }), {
  description: 'markdown (default): the body converted to Markdown; storage: the raw storage XHTML; adf: the raw Atlassian Document Format JSON text.',
});

export const GetPageInput = t.exact(t.intersection([t.type({ page: pageId('The page to read (digits).') }), t.partial({ format: ReadFormat })]));
export type GetPageInput = t.TypeOf<typeof GetPageInput>;

export const FindPageInput = t.exact(
  t.intersection([
    t.type({
      space_key: spaceKey('The space the page is in, e.g. ENG.'),
      title: boundedString('title', 1, 255, 'The exact page title.'),
    }),
    t.partial({ format: ReadFormat }),
  ]),
);
export type FindPageInput = t.TypeOf<typeof FindPageInput>;

const versionMessage = boundedString('version_message', 1, 255, 'A message stored with the new version.');
const minorEdit = flag('A minor edit: watchers are not notified (default false).');
const expectedVersion = versionNumber('The version you read (confluence_get_page version.number): the change is made only if the page is still at it, else 409 CONFLICT with the current version.');

export const UpdatePageInput = t.exact(
  t.intersection([
    t.type({ page: pageId('The page to change (digits).') }),
    t.partial({
      title: boundedString('title', 1, 255, 'A new title.'),
      body: boundedString('body', 0, 5_000_000, 'The new body, replacing the whole body (see body_format).'),
      body_format: BodyFormat,
      version: expectedVersion,
      version_message: versionMessage,
      minor_edit: minorEdit,
    }),
  ]),
);
export type UpdatePageInput = t.TypeOf<typeof UpdatePageInput>;

export const AppendToPageInput = t.exact(
  t.intersection([
    t.type({
      page: pageId('The page to add to (digits).'),
      markdown: boundedString('markdown', 1, 1_000_000, 'The Markdown to add.'),
    }),
    t.partial({
      after_heading: boundedString('after_heading', 1, 255, 'Add at the end of the section under the heading with this text (case ignored) instead of at the end of the page.'),
      version: expectedVersion,
      version_message: versionMessage,
      minor_edit: minorEdit,
    }),
  ]),
);
export type AppendToPageInput = t.TypeOf<typeof AppendToPageInput>;

export const MovePageInput = t.exact(
  t.intersection([
    t.type({ page: pageId('The page to move (digits).'), parent_id: pageId('The page to put it under, in the same space (digits).') }),
    t.partial({ version: expectedVersion }),
  ]),
);
export type MovePageInput = t.TypeOf<typeof MovePageInput>;

export const DeletePageInput = t.exact(t.type({ page: pageId('The page to move to the trash (digits).') }));
export type DeletePageInput = t.TypeOf<typeof DeletePageInput>;

const conflict = (id: string, current: number, expected: number): AppError =>
  AppError.conflict(`Page ${id} is at version ${current}, not ${expected}: read it again (confluence_get_page) and redo the change on what it says now.`, {
    details: { current_version: String(current) },
  });

/** A 409 from Confluence: someone changed the page since it was read. Answers CONFLICT with the version it is at now. */
const onConflict =
  (ports: Reading, ctx: AccessContext, id: string, sent: number) =>
  <A>(e: AppError): TE.TaskEither<AppError, A> =>
    e.code !== 'CONFLICT'
      ? TE.left(e)
      : pipe(
          ports.confluence.getPage(ctx, id, { representation: 'none' }),
          TE.matchE(
            () => TE.left(AppError.conflict(`Page ${id} changed while it was being updated; read it again and redo the change.`)),
            (now) => TE.left(conflict(id, now.version.number, sent - 1)),
          ),
        );

/** The page as it is now, within the filter, at the version the caller expects (when given). */
const current = (ports: Reading, ctx: AccessContext, id: string, representation: 'storage' | 'atlas_doc_format' | 'none', expected: number | undefined) =>
  pipe(
    ports.confluence.getPage(ctx, id, { representation }),
    TE.mapLeft(asNoSuchPage(id)),
    TE.tap((page) => spaceIdInScope(ports, ctx, page.spaceId, noSuchPage(id))),
    TE.flatMap((page) => (expected !== undefined && expected !== page.version.number ? TE.left(conflict(id, page.version.number, expected)) : TE.right(page))),
  );

/** Sends the page back as the next version; a 409 is a CONFLICT naming the current version. */
const write = (
  ports: Writing,
  ctx: AccessContext,
  page: PageRecord,
  change: {
    readonly title?: string | undefined;
    readonly parentId?: string | undefined;
    readonly body: { readonly representation: 'storage' | 'atlas_doc_format'; readonly value: string };
    readonly message?: string | undefined;
    readonly minorEdit?: boolean | undefined;
  },
): TE.TaskEither<AppError, PageRecord> => {
  const number = page.version.number + 1;
  return pipe(
    ports.confluence.updatePage(ctx, {
      id: page.id,
      status: page.status === 'draft' ? 'draft' : 'current',
      title: change.title ?? page.title,
      spaceId: page.spaceId,
      parentId: change.parentId,
      body: change.body,
      version: { number, message: change.message, minorEdit: change.minorEdit },
    }),
    TE.orElse((e) => onConflict(ports, ctx, page.id, number)<PageRecord>(e)),
  );
};

/** Page bodies rendered to Markdown, shared by every reader in this process (see RenderCache). */
const rendered = new RenderCache();

const renderBody = (ctx: AccessContext, page: PageRecord, format: PageBodyFormat): string =>
  format === 'markdown' ? rendered.get(`${ctx.baseUrl} ${page.id}`, page.body, storageToMarkdown) : page.body;

/** Reads the page with its space, ancestors and labels (one upstream call), and renders it. */
const readPageById =
  (ports: Reading, ctx: AccessContext, id: string, format: PageBodyFormat): TE.TaskEither<AppError, ConfluencePage> =>
  // One async step rather than a chain of combinators: the most frequent read there is (docs/performance.md).
  async () => {
    const filter = filterOf(ports);
    const read = await ports.confluence.pageInContext(ctx, id, { representation: format === 'adf' ? 'atlas_doc_format' : 'storage' })();
    if (E.isLeft(read)) return E.left(asNoSuchPage(id)(read.left));
    if (isFiltered(filter) && !allowsSpace(filter, read.right.space.key)) return E.left(noSuchPage(id));
    return E.right(pageAnswer(ctx, read.right, format));
  };

/**
 * The answers made from page reads the gateway hands out again unchanged (deeply frozen: see
 * `ReusedAnswers` in the undici adapter), by read and then by format and site: a page read again as it
 * was is the same answer object, which the REST adapter in turn sends as the bytes it encoded
 * the first time.
 */
const pageAnswers = new WeakMap<PageInContext, Map<string, ConfluencePage>>();

const pageAnswer = (ctx: AccessContext, read: PageInContext, format: PageBodyFormat): ConfluencePage => {
  if (!Object.isFrozen(read)) return answerOf(ctx, read, format);
  let byFormat = pageAnswers.get(read);
  if (!byFormat) pageAnswers.set(read, (byFormat = new Map()));
  const key = `${format} ${ctx.baseUrl} ${ctx.siteUrl}`;
  let answer = byFormat.get(key);
  if (!answer) byFormat.set(key, (answer = deepFreeze(answerOf(ctx, read, format))));
  return answer;
};

const answerOf = (ctx: AccessContext, { page, space, ancestors }: PageInContext, format: PageBodyFormat): ConfluencePage => {
  const result: ConfluencePage = {
    id: page.id,
    title: page.title,
    space: { id: space.id, key: space.key },
    status: page.status,
    version: {
      number: page.version.number,
      author_id: page.version.authorId,
      created: page.version.createdAt,
      message: page.version.message,
      minor_edit: page.version.minorEdit,
    },
    parent_id: page.parentId,
    ancestors,
    labels: page.labels,
    url: pageLink(ctx, page.id, page.webui),
    body_format: format,
    body: renderBody(ctx, page, format),
  };
  return result;
};

/** `confluence_get_page`: one page by id, its body in Markdown (or raw). */
export class GetPage {
  constructor(private readonly ports: Reading) {}

  execute(tenantId: TenantId, input: GetPageInput): TE.TaskEither<AppError, ConfluencePage> {
    return withAccess(this.ports.refresh, tenantId, 'confluence')((ctx) => readPageById(this.ports, ctx, input.page, input.format ?? 'markdown'));
  }
}

/** `confluence_find_page`: the page of a space with exactly this title. */
export class FindPage {
  constructor(private readonly ports: Reading) {}

  execute(tenantId: TenantId, input: FindPageInput): TE.TaskEither<AppError, ConfluencePage> {
    if (!allowsSpace(filterOf(this.ports), input.space_key)) return TE.left(noSuchSpace(input.space_key));
    const { confluence } = this.ports;
    return withAccess(this.ports.refresh, tenantId, 'confluence')((ctx) =>
      pipe(
        confluence.spaceByKey(ctx, input.space_key),
        TE.mapLeft((e) => (e.code === 'NOT_FOUND' ? noSuchSpace(input.space_key) : e)),
        TE.flatMap((space) =>
          pipe(
            confluence.pageIdByTitle(ctx, { spaceId: space.id, title: input.title }),
            TE.mapLeft((e) => (e.code === 'NOT_FOUND' ? AppError.notFound(`Space ${input.space_key} has no page titled exactly "${input.title}".`) : e)),
            TE.flatMap((id) => readPageById(this.ports, ctx, id, input.format ?? 'markdown')),
          ),
        ),
      ),
    );
  }
}

const updated = (ctx: AccessContext, page: PageRecord): UpdatedPage => ({ id: page.id, title: page.title, version: page.version.number, url: pageLink(ctx, page.id, page.webui) });

/** The caller's new body as Confluence takes it: Markdown made storage; storage and ADF as given. */
const bodyOf = (body: string, format: 'markdown' | 'storage' | 'atlas_doc_format'): E.Either<AppError, { representation: 'storage' | 'atlas_doc_format'; value: string }> => {
  if (format === 'atlas_doc_format') {
    try {
      JSON.parse(body);
    } catch {
      return E.left(AppError.validation('body must be an ADF JSON document when body_format is atlas_doc_format.'));
    }
    return E.right({ representation: 'atlas_doc_format', value: body });
  }
  if (format === 'storage') return E.right({ representation: 'storage', value: body });
  return E.map((value: string) => ({ representation: 'storage' as const, value }))(convertMarkdown(body, 'storage'));
};

/** `confluence_update_page`: a new title and/or body, as the next version. */
export class UpdatePage {
  constructor(private readonly ports: Writing) {}

  execute(tenantId: TenantId, input: UpdatePageInput): TE.TaskEither<AppError, UpdatedPage> {
    if (input.title === undefined && input.body === undefined) return TE.left(AppError.validation('Nothing to change: give title and/or body.'));
    if (input.body === undefined && input.body_format !== undefined) return TE.left(AppError.validation('body_format needs a body.'));
    const body = input.body === undefined ? undefined : bodyOf(input.body, input.body_format ?? 'markdown');
    if (body && E.isLeft(body)) return TE.left(body.left);
    const given = body?.right;
    return withAccess(this.ports.refresh, tenantId, 'confluence')((ctx) =>
      pipe(
        // A title-only change sends the body back as it is, in storage: nothing is lost.
        current(this.ports, ctx, input.page, given ? 'none' : 'storage', input.version),
        TE.flatMap((page) =>
          write(this.ports, ctx, page, {
            title: input.title?.trim(),
            body: given ?? { representation: 'storage', value: page.body },
            message: input.version_message,
            minorEdit: input.minor_edit,
          }),
        ),
        TE.map((page) => updated(ctx, page)),
      ),
    );
  }
}

/** `confluence_append_to_page`: Markdown added at the end, or under a heading, the rest of the storage body untouched. */
export class AppendToPage {
  constructor(private readonly ports: Writing) {}

  execute(tenantId: TenantId, input: AppendToPageInput): TE.TaskEither<AppError, UpdatedPage> {
    const addition = convertMarkdown(input.markdown, 'storage');
    if (E.isLeft(addition)) return TE.left(addition.left);
    return withAccess(this.ports.refresh, tenantId, 'confluence')((ctx) =>
      pipe(
        current(this.ports, ctx, input.page, 'storage', input.version),
        TE.flatMap((page) => {
          const value = insertIntoStorage(page.body, addition.right, input.after_heading);
          if (value === undefined) {
            const headings = headingsOf(page.body).map((h) => `"${h.text}"`).slice(0, 20);
            return TE.left(
              AppError.validation(
                `Page ${page.id} has no heading "${input.after_heading ?? ''}"; ${headings.length > 0 ? `its headings: ${headings.join(', ')}` : 'it has no headings'}.`,
              ),
            );
          }
          return write(this.ports, ctx, page, { body: { representation: 'storage', value }, message: input.version_message, minorEdit: input.minor_edit });
        }),
        TE.map((page) => updated(ctx, page)),
      ),
    );
  }
}

/** `confluence_move_page`: the page under another parent of the same space, its body sent back as it is. */
export class MovePage {
  constructor(private readonly ports: Writing) {}

  execute(tenantId: TenantId, input: MovePageInput): TE.TaskEither<AppError, MovedPage> {
    if (input.page === input.parent_id) return TE.left(AppError.validation('A page cannot be moved under itself.'));
    const { confluence } = this.ports;
    return withAccess(this.ports.refresh, tenantId, 'confluence')((ctx) =>
      pipe(
        sequenceT(TE.ApplyPar)(
          current(this.ports, ctx, input.page, 'storage', input.version),
          pipe(
            confluence.getPage(ctx, input.parent_id, { representation: 'none' }),
            TE.mapLeft(asNoSuchPage(input.parent_id)),
            TE.tap((parent) => spaceIdInScope(this.ports, ctx, parent.spaceId, noSuchPage(input.parent_id))),
          ),
          pipe(confluence.ancestorIds(ctx, input.parent_id), TE.mapLeft(asNoSuchPage(input.parent_id))),
        ),
        TE.flatMap(([page, parent, parentAncestors]) => {
          if (parent.spaceId !== page.spaceId) return TE.left(AppError.validation(`Page ${input.parent_id} is in another space; Confluence moves pages only within their space.`));
          if (parentAncestors.includes(page.id)) return TE.left(AppError.validation(`Page ${input.parent_id} is below page ${page.id}; a page cannot be moved under its own descendant.`));
          return write(this.ports, ctx, page, { parentId: parent.id, body: { representation: 'storage', value: page.body } });
        }),
        TE.map((page): MovedPage => ({ id: page.id, parent_id: page.parentId ?? input.parent_id, version: page.version.number, url: pageLink(ctx, page.id, page.webui) })),
      ),
    );
  }
}

/** `confluence_delete_page`: to the trash, from where a space admin can restore it. */
export class DeletePage {
  constructor(private readonly ports: Writing) {}

  execute(tenantId: TenantId, input: DeletePageInput): TE.TaskEither<AppError, DeletedPage> {
    return withAccess(this.ports.refresh, tenantId, 'confluence')((ctx) =>
      pipe(
        pageInScope(this.ports, ctx, input.page),
        TE.flatMap(() => this.ports.confluence.deletePage(ctx, input.page)),
        TE.mapLeft(asNoSuchPage(input.page)),
        TE.map(() => ({ deleted: input.page })),
      ),
    );
  }
}
