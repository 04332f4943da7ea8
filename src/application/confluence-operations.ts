import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type { Page } from '../domain/cursor.js';
import { AppError } from '../domain/errors.js';
import { convertMarkdown } from '../domain/markup/index.js';
import type { ContentHit, CreatedPage, Space } from '../domain/operations.js';
import { buildContentSearchCql, quoteCqlString } from '../domain/query-language.js';
import { allowsSpace, isFiltered, narrowCql, NO_FILTER, restrictCql, type KeyFilter } from '../domain/scope-filter.js';
import type { TenantId } from '../domain/tenant.js';
import type { CreatePageInput, ListSpacesInput, SearchContentInput } from './operation-inputs.js';
import { readPage } from './paged-read.js';
import type { ConfluenceGateway, ConfluencePageReading, ConfluenceSpacesAndContent } from './ports/atlassian-gateways.js';
import type { AccessProvider } from './ports/access-provider.js';
import { withAccess } from './with-access.js';

export interface ConfluencePorts<G = ConfluenceGateway> {
  readonly refresh: AccessProvider;
  readonly confluence: G;
  /** CONFLUENCE_SPACES_FILTER (default: all spaces). */
  readonly spaces?: KeyFilter;
}


/** `confluence_list_spaces` / `GET /connectors/confluence/spaces`. */
export class ListSpaces {
  private readonly page: ReturnType<typeof readPage<Space>>;

  constructor(private readonly ports: ConfluencePorts<ConfluenceSpacesAndContent>) {
    this.page = readPage<Space>(ports.refresh, 'confluence', 'confluence-spaces');
  }

  execute(tenantId: TenantId, input: ListSpacesInput): TE.TaskEither<AppError, Page<Space>> {
    const keys = this.ports.spaces?.keys;
    return this.page(tenantId, input, (ctx, at) => this.ports.confluence.listSpaces(ctx, { cursor: at.token, limit: at.limit, ...(keys?.length ? { keys } : {}) }));
  }
}

/** `confluence_search` / `GET /connectors/confluence/search`: free text becomes quoted CQL, or the caller's CQL. */
export class SearchContent {
  private readonly page: ReturnType<typeof readPage<ContentHit>>;

  constructor(private readonly ports: ConfluencePorts<ConfluenceSpacesAndContent>) {
    this.page = readPage<ContentHit>(ports.refresh, 'confluence', 'confluence-search');
  }

  execute(tenantId: TenantId, input: SearchContentInput): TE.TaskEither<AppError, Page<ContentHit>> {
    if (input.cql !== undefined && input.q !== undefined) return TE.left(AppError.validation('Give q or cql, not both.'));
    if (input.cql === undefined && input.q === undefined) return TE.left(AppError.validation('Give q (free text) or cql.'));
    let cql: E.Either<AppError, string> =
      input.q !== undefined ? E.right(buildContentSearchCql({ text: input.q, space: input.space, type: input.type })) : E.right(input.cql ?? '');
    // On the caller's CQL, space and type are added as required clauses, quoted.
    if (input.cql !== undefined && input.type !== undefined) cql = E.flatMap((c: string) => narrowCql(c, `type = ${quoteCqlString(input.type ?? '')}`))(cql);
    if (input.cql !== undefined && input.space !== undefined) cql = E.flatMap((c: string) => narrowCql(c, `space = ${quoteCqlString(input.space ?? '')}`))(cql);
    // CONFLUENCE_SPACES_FILTER: whatever the CQL says, only the filter's spaces.
    const limited = E.flatMap((c: string) => restrictCql(this.ports.spaces ?? NO_FILTER, c))(cql);
    if (E.isLeft(limited)) return TE.left(limited.left);
    return this.page(tenantId, input, (ctx, at) => this.ports.confluence.searchContent(ctx, { cql: limited.right, cursor: at.token, limit: at.limit }));
  }
}

/** `confluence_create_page` / `POST /connectors/confluence/create`. */
export class CreatePage {
  constructor(private readonly ports: ConfluencePorts<ConfluenceSpacesAndContent & Pick<ConfluencePageReading, 'getSpace'>>) {}

  execute(tenantId: TenantId, input: CreatePageInput): TE.TaskEither<AppError, CreatedPage> {
    if ((input.space_key === undefined) === (input.space_id === undefined)) {
      return TE.left(AppError.validation('Give exactly one of space_key or space_id.'));
    }
    const format = input.body_format ?? 'markdown';
    if (format === 'atlas_doc_format') {
      try {
        JSON.parse(input.body);
      } catch {
        return TE.left(AppError.validation('body must be an ADF JSON document when body_format is atlas_doc_format.'));
      }
    }
    const representation = format === 'atlas_doc_format' ? 'atlas_doc_format' : 'storage';
    // An over-limit Markdown body is a VALIDATION naming the limit.
    const converted = format === 'markdown' ? convertMarkdown(input.body, 'storage') : E.right(input.body);
    if (E.isLeft(converted)) return TE.left(converted.left);
    const value = converted.right;
    const { confluence } = this.ports;
    const filter = this.ports.spaces ?? NO_FILTER;
    const noSuchSpace = AppError.notFound(`Confluence has no space ${input.space_key ?? input.space_id ?? ''} that this connection may use.`);
    if (input.space_key !== undefined && !allowsSpace(filter, input.space_key)) return TE.left(noSuchSpace);
    return withAccess(this.ports.refresh, tenantId, 'confluence')((ctx) =>
      pipe(
        input.space_id !== undefined
          ? isFiltered(filter)
            ? pipe(
                confluence.getSpace(ctx, input.space_id),
                TE.flatMap((space) => (allowsSpace(filter, space.key) ? TE.right(space.id) : TE.left(noSuchSpace))),
              )
            : TE.right(input.space_id)
          : confluence.spaceIdForKey(ctx, input.space_key ?? ''),
        TE.flatMap((spaceId) =>
          confluence.createPage(ctx, { spaceId, title: input.title.trim(), parentId: input.parent_id, representation, value }),
        ),
      ),
    );
  }
}
