import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { AppError } from './errors.js';
import { annotate } from './json-schema.js';

/**
 * `next_cursor` is opaque to callers: base64url JSON of whatever the upstream needs
 * (a Jira nextPageToken, a startAt, a Confluence cursor), tagged with the list it
 * belongs to so a cursor from one list is refused by another.
 */
export type CursorState = { readonly list: string; readonly token?: string; readonly startAt?: number };

export const encodeCursor = (state: CursorState): string => Buffer.from(JSON.stringify(state)).toString('base64url');

export const decodeCursor = (list: string, cursor: string | undefined): E.Either<AppError, CursorState | undefined> => {
  if (cursor === undefined || cursor === '') return E.right(undefined);
  const invalid = E.left(AppError.validation('cursor is not a next_cursor from this list; start again without it.'));
  if (cursor.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return invalid;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return invalid;
    const { list: l, token, startAt } = parsed as Record<string, unknown>;
    if (l !== list) return invalid;
    if (token !== undefined && typeof token !== 'string') return invalid;
    if (startAt !== undefined && (typeof startAt !== 'number' || !Number.isInteger(startAt) || startAt < 0)) return invalid;
    return E.right({ list, ...(token !== undefined ? { token } : {}), ...(startAt !== undefined ? { startAt } : {}) });
  } catch {
    return invalid;
  }
};

export interface Page<A> {
  readonly items: readonly A[];
  readonly next_cursor: string | null;
}

/** The codec of a page of `item`s, for documenting paged outputs. */
export const PageOf = <C extends t.Mixed>(item: C, what: string): t.Type<Page<t.TypeOf<C>>, unknown, unknown> =>
  t.readonly(
    t.type({
      items: annotate(t.readonlyArray(item), { description: `The ${what} on this page.` }),
      next_cursor: annotate(t.union([t.string, t.null]), { description: 'Pass as cursor for the next page; null on the last.' }),
    }),
    `PageOf${item.name}`,
  ) as unknown as t.Type<Page<t.TypeOf<C>>, unknown, unknown>;

/** Makes an upstream page (with the upstream's own continuation) into a page with an opaque cursor. */
export const pageOf =
  (list: string) =>
  <A>(page: { readonly items: readonly A[]; readonly next: { readonly token?: string; readonly startAt?: number } | null }): Page<A> => ({
    items: page.items,
    next_cursor: page.next ? encodeCursor({ list, ...page.next }) : null,
  });
