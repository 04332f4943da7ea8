import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import type { AccessContext } from '../../domain/credentials.js';
import { AppError } from '../../domain/errors.js';
import type { ContentHit, CreatedPage, Space } from '../../domain/operations.js';
import type { ConfluenceGateway, UpstreamPage } from '../../application/ports/atlassian-gateways.js';
import type { AtlassianCaller } from './atlassian-call.js';
import { nullable } from './codecs.js';
import { UndiciConfluenceContent } from './undici-confluence-content.js';

const Links = t.partial({ next: nullable(t.string), webui: nullable(t.string), base: nullable(t.string) });

const SpaceJson = t.intersection([
  t.type({ id: t.union([t.string, t.number]), key: t.string, name: t.string }),
  t.partial({ type: nullable(t.string), _links: Links }),
]);
const SpacesPage = t.intersection([t.type({ results: t.array(SpaceJson) }), t.partial({ _links: Links })]);

const SearchResult = t.partial({
    content: nullable(
      t.intersection([
        t.type({ id: t.string }),
        t.partial({ type: t.string, title: t.string, space: nullable(t.partial({ key: t.string })), _links: Links }),
      ]),
    ),
    title: t.string,
    excerpt: nullable(t.string),
    url: nullable(t.string),
    resultGlobalContainer: nullable(t.partial({ title: t.string, displayUrl: t.string })),
});
const SearchPage = t.intersection([t.type({ results: t.array(SearchResult) }), t.partial({ _links: Links })]);

const PageJson = t.intersection([t.type({ id: t.union([t.string, t.number]), title: t.string }), t.partial({ _links: Links })]);

/** Confluence answers search with highlight markers around matches; callers get plain text. */
const plain = (s: string): string => s.replace(/@@@(end)?hl@@@/g, '');

/** The `cursor` query parameter of a relative `_links.next`. */
const cursorOf = (next: string | null | undefined): string | undefined => {
  if (!next) return undefined;
  try {
    return new URL(next, 'https://placeholder.invalid').searchParams.get('cursor') ?? undefined;
  } catch {
    return undefined;
  }
};

const wikiUrl = (ctx: AccessContext, webui: string | null | undefined): string =>
  webui ? `${ctx.siteUrl}/wiki${webui.startsWith('/') ? '' : '/'}${webui}` : `${ctx.siteUrl}/wiki`;

/** Confluence Cloud: the v2 API for spaces and pages, the v1 API for CQL search (v2 has none). */
export class UndiciConfluenceGateway extends UndiciConfluenceContent implements ConfluenceGateway {
  constructor(private readonly caller: AtlassianCaller) {
    super(caller);
  }

  listSpaces(ctx: AccessContext, q: { cursor?: string | undefined; limit: number; keys?: readonly string[] }): TE.TaskEither<AppError, UpstreamPage<Space>> {
    return TE.map((page: t.TypeOf<typeof SpacesPage>) => {
      const cursor = cursorOf(page._links?.next);
      return {
        items: page.results.map((s) => ({
          id: String(s.id),
          key: s.key,
          name: s.name,
          type: s.type ?? 'global',
          url: wikiUrl(ctx, s._links?.webui ?? `/spaces/${encodeURIComponent(s.key)}`),
        })),
        next: cursor ? { token: cursor } : null,
      };
    })(this.caller.call(ctx, {
        method: 'GET',
        path: '/wiki/api/v2/spaces',
        searchParams: { limit: q.limit, cursor: q.cursor, ...(q.keys && q.keys.length > 0 ? { keys: q.keys.join(',') } : {}) },
        ok: [200],
        codec: SpacesPage,
        what: 'the space list',
      }),
    );
  }

  searchContent(ctx: AccessContext, q: { cql: string; cursor?: string | undefined; limit: number }): TE.TaskEither<AppError, UpstreamPage<ContentHit>> {
    return TE.map((page: t.TypeOf<typeof SearchPage>) => {
      const cursor = cursorOf(page._links?.next);
      const items = page.results.flatMap((r): ContentHit[] => {
        const content = r.content;
        if (!content) return [];
        return [
          {
            id: content.id,
            title: plain(content.title ?? r.title ?? ''),
            type: content.type ?? 'page',
            space: content.space?.key ?? r.resultGlobalContainer?.title ?? null,
            excerpt: plain(r.excerpt ?? ''),
            url: wikiUrl(ctx, content._links?.webui ?? r.url),
          },
        ];
      });
      return { items, next: cursor ? { token: cursor } : null };
    })(this.caller.call(ctx, {
        method: 'GET',
        path: '/wiki/rest/api/search',
        searchParams: { cql: q.cql, limit: q.limit, cursor: q.cursor, expand: 'content.space' },
        ok: [200],
        codec: SearchPage,
        what: 'the content search',
      }),
    );
  }

  spaceIdForKey(ctx: AccessContext, key: string): TE.TaskEither<AppError, string> {
    return pipe(
      this.caller.call(ctx, {
          method: 'GET',
          path: '/wiki/api/v2/spaces',
          searchParams: { keys: key, limit: 1 },
          ok: [200],
          codec: SpacesPage,
          what: 'the space lookup',
        }),
      TE.flatMap((page) => {
        // Only a space whose key is the one asked for: an answer with other spaces (a filter
        // Confluence ignored or matched loosely) must not send the page somewhere else.
        const space = page.results.find((s) => s.key === key);
        return space ? TE.right(String(space.id)) : TE.left(AppError.notFound(`No Confluence space has the key ${key}.`));
      }),
    );
  }

  createPage(
    ctx: AccessContext,
    page: { spaceId: string; title: string; parentId?: string | undefined; representation: 'storage' | 'atlas_doc_format'; value: string },
  ): TE.TaskEither<AppError, CreatedPage> {
    return TE.map((created: t.TypeOf<typeof PageJson>) => ({
      id: String(created.id),
      title: created.title,
      url: wikiUrl(ctx, created._links?.webui ?? `/pages/viewpage.action?pageId=${String(created.id)}`),
    }))(this.caller.call(ctx, {
        method: 'POST',
        path: '/wiki/api/v2/pages',
        json: {
          spaceId: page.spaceId,
          status: 'current',
          title: page.title,
          ...(page.parentId ? { parentId: page.parentId } : {}),
          body: { representation: page.representation, value: page.value },
        },
        ok: [200, 201],
        codec: PageJson,
        what: 'the page creation',
      }),
    );
  }
}
