/**
 * What the Confluence page operations share: their ports, the input codecs of ids that go
 * into Atlassian paths (validated first), CONFLUENCE_SPACES_FILTER for one page or space
 * (outside it, the same NOT_FOUND as for what does not exist), and links.
 */
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import type { AccessContext } from '../../domain/credentials.js';
import { AppError } from '../../domain/errors.js';
import { annotate } from '../../domain/json-schema.js';
import { allowsSpace, isFiltered, NO_FILTER, type KeyFilter } from '../../domain/scope-filter.js';
import type { ConfluencePageReading } from '../ports/atlassian-gateways.js';
import type { AccessProvider } from '../ports/access-provider.js';
import { intInRange, numericId } from '../operation-inputs.js';

/** What a Confluence page use case is built from; `G` is the gateway roles it calls. */
export interface ConfluencePagePorts<G> {
  readonly refresh: AccessProvider;
  readonly confluence: G;
  /** CONFLUENCE_SPACES_FILTER (default: all spaces). */
  readonly spaces?: KeyFilter;
}

export const pageId = (description = 'The page id (digits), e.g. from confluence_search.') => numericId('page', description);

const SPACE_KEY = /^[A-Za-z0-9~_-]{1,255}$/;
/** A space key (personal spaces are ~accountId): validated before it goes into a query. */
export const spaceKey = (description: string) =>
  annotate(
    new t.Type<string, string, unknown>(
      'a space key',
      (u): u is string => typeof u === 'string' && SPACE_KEY.test(u),
      (u, c) => (typeof u === 'string' && SPACE_KEY.test(u) ? t.success(u) : t.failure(u, c, 'a Confluence space key (letters, digits, ~ _ -)')),
      t.identity,
    ),
    { type: 'string', pattern: SPACE_KEY.source, description },
  );

/** A version number a caller read. */
export const versionNumber = (description: string) => intInRange(1, 999_999, description);

export const noSuchPage = (id: string): AppError => AppError.notFound(`Confluence has no page ${id} that this connection may see.`);
export const noSuchSpace = (key: string): AppError => AppError.notFound(`Confluence has no space ${key} that this connection may see.`);

export const filterOf = (ports: { readonly spaces?: KeyFilter | undefined }): KeyFilter => ports.spaces ?? NO_FILTER;

/** Right when the space (by id) is within the filter; NOT_FOUND as `missing` otherwise. No call without a filter. */
export const spaceIdInScope = (
  ports: ConfluencePagePorts<Pick<ConfluencePageReading, 'getSpace'>>,
  ctx: AccessContext,
  spaceId: string,
  missing: AppError,
): TE.TaskEither<AppError, void> => {
  const filter = filterOf(ports);
  if (!isFiltered(filter)) return TE.right(undefined);
  return pipe(
    ports.confluence.getSpace(ctx, spaceId),
    TE.mapLeft((e) => (e.code === 'NOT_FOUND' ? missing : e)),
    TE.flatMap((space) => (allowsSpace(filter, space.key) ? TE.right(undefined) : TE.left(missing))),
  );
};

/** Right when the page is within the filter (read first only when a filter is set). */
export const pageInScope = (
  ports: ConfluencePagePorts<Pick<ConfluencePageReading, 'getSpace' | 'getPage'>>,
  ctx: AccessContext,
  id: string,
): TE.TaskEither<AppError, void> => {
  if (!isFiltered(filterOf(ports))) return TE.right(undefined);
  return pipe(
    ports.confluence.getPage(ctx, id, { representation: 'none' }),
    TE.mapLeft((e) => (e.code === 'NOT_FOUND' ? noSuchPage(id) : e)),
    TE.flatMap((page) => spaceIdInScope(ports, ctx, page.spaceId, noSuchPage(id))),
  );
};

/** A link below the site's /wiki. */
export const wikiLink = (ctx: AccessContext, webui: string | null | undefined, fallback: string): string => {
  const path = webui && webui.startsWith('/') ? webui : fallback;
  return `${ctx.siteUrl}/wiki${path}`;
};

export const pageLink = (ctx: AccessContext, id: string, webui?: string | null): string => wikiLink(ctx, webui, `/pages/viewpage.action?pageId=${id}`);

/** A NOT_FOUND from Atlassian about a page, in our words. */
export const asNoSuchPage =
  (id: string) =>
  (e: AppError): AppError =>
    e.code === 'NOT_FOUND' ? noSuchPage(id) : e;
