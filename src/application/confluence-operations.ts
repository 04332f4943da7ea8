import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type { Page } from '../domain/cursor.js';
import { AppError } from '../domain/errors.js';
import { convertMarkdown } from '../domain/markup/index.js';
import type { ContentHit, CreatedPage, Space } from '../domain/operations.js';
import { buildContentSearchCql } from '../domain/query-language.js';
import type { TenantId } from '../domain/tenant.js';
import type { CreatePageInput, ListSpacesInput, SearchContentInput } from './operation-inputs.js';
import { readPage } from './paged-read.js';
import type { ConfluenceGateway } from './ports/atlassian-gateways.js';
import type { AccessProvider } from './ports/access-provider.js';
import { withAccess } from './with-access.js';

export interface ConfluencePorts {
  readonly refresh: AccessProvider;
  readonly confluence: ConfluenceGateway;
}


/** `confluence_list_spaces` / `GET /connectors/confluence/spaces`. */
export class ListSpaces {
  private readonly page: ReturnType<typeof readPage<Space>>;

  constructor(private readonly ports: ConfluencePorts) {
    this.page = readPage<Space>(ports.refresh, 'confluence', 'confluence-spaces');
  }

  execute(tenantId: TenantId, input: ListSpacesInput): TE.TaskEither<AppError, Page<Space>> {
    return this.page(tenantId, input, (ctx, at) => this.ports.confluence.listSpaces(ctx, { cursor: at.token, limit: at.limit }));
  }
}

/** `confluence_search` / `GET /connectors/confluence/search`: free text becomes quoted CQL, or the caller's CQL. */
export class SearchContent {
  private readonly page: ReturnType<typeof readPage<ContentHit>>;

  constructor(private readonly ports: ConfluencePorts) {
    this.page = readPage<ContentHit>(ports.refresh, 'confluence', 'confluence-search');
  }

  execute(tenantId: TenantId, input: SearchContentInput): TE.TaskEither<AppError, Page<ContentHit>> {
    if (input.cql !== undefined && input.q !== undefined) return TE.left(AppError.validation('Give q or cql, not both.'));
    const cql = input.cql ?? (input.q !== undefined ? buildContentSearchCql({ text: input.q, space: input.space }) : undefined);
    if (cql === undefined) return TE.left(AppError.validation('Give q (free text) or cql.'));
    return this.page(tenantId, input, (ctx, at) => this.ports.confluence.searchContent(ctx, { cql, cursor: at.token, limit: at.limit }));
  }
}

/** `confluence_create_page` / `POST /connectors/confluence/create`. */
export class CreatePage {
  constructor(private readonly ports: ConfluencePorts) {}

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
    return withAccess(this.ports.refresh, tenantId, 'confluence')((ctx) =>
      pipe(
        input.space_id !== undefined ? TE.right(input.space_id) : confluence.spaceIdForKey(ctx, input.space_key ?? ''),
        TE.flatMap((spaceId) =>
          confluence.createPage(ctx, { spaceId, title: input.title.trim(), parentId: input.parent_id, representation, value }),
        ),
      ),
    );
  }
}
