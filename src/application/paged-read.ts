import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { ConnectorId } from '../domain/connector.js';
import type { AccessContext } from '../domain/credentials.js';
import { decodeCursor, pageOf, type Page } from '../domain/cursor.js';
import type { AppError } from '../domain/errors.js';
import type { TenantId } from '../domain/tenant.js';
import { DEFAULT_LIMIT } from './operation-inputs.js';
import type { AccessProvider } from './ports/access-provider.js';
import type { UpstreamPage } from './ports/atlassian-gateways.js';
import { withAccess } from './with-access.js';

/** Where a page starts upstream: a continuation token, or an offset, and how many items. */
export interface PagePosition {
  readonly token: string | undefined;
  readonly startAt: number;
  readonly limit: number;
}

export interface PagedInput {
  readonly cursor?: string | undefined;
  readonly limit?: number | undefined;
}

/**
 * Every paged read: decode the caller's cursor (it must come from the same list), get
 * access, ask the gateway for the page at that position, and answer the items with an
 * opaque cursor for the next page.
 */
export const readPage =
  <A>(access: AccessProvider, connector: ConnectorId, list: string) =>
  (
    tenantId: TenantId,
    input: PagedInput,
    read: (ctx: AccessContext, at: PagePosition) => TE.TaskEither<AppError, UpstreamPage<A>>,
  ): TE.TaskEither<AppError, Page<A>> =>
  // One async step rather than a chain of combinators: every list and search comes this way (docs/performance.md).
  async () => {
    const cursor = decodeCursor(list, input.cursor);
    if (E.isLeft(cursor)) return cursor;
    const at = { token: cursor.right?.token, startAt: cursor.right?.startAt ?? 0, limit: input.limit ?? DEFAULT_LIMIT };
    const page = await withAccess(access, tenantId, connector)((ctx) => read(ctx, at))();
    return E.isLeft(page) ? page : E.right(pageOf(list)(page.right));
  };
