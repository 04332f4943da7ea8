/**
 * The inbound side's calls to Atlassian (issue 14): Jira's dynamic webhook API and the
 * Confluence page statuses the poller reads. Through the same AtlassianCaller as every
 * operation, so the upstream budget, retries and the tenant's concurrency apply.
 */
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as t from 'io-ts';
import type { ChangedPage, ConfluencePageStatuses, JiraWebhookApi } from '../../application/ports/inbound-sync.js';
import type { AccessContext } from '../../domain/credentials.js';
import { AppError } from '../../domain/errors.js';
import { timestampMs } from '../../domain/inbound.js';
import type { AtlassianCaller } from './atlassian-call.js';

const Registered = t.partial({ webhookRegistrationResult: t.array(t.partial({ createdWebhookId: t.number, errors: t.array(t.string) })) });
const Expiration = t.type({ expirationDate: t.union([t.number, t.string]) });
const Anything = t.unknown;
const Id = t.union([t.string, t.number]);
const PageStatus = t.intersection([
  t.type({ id: Id, title: t.string }),
  t.partial({
    status: t.union([t.string, t.null]),
    spaceId: t.union([Id, t.null]),
    version: t.union([t.partial({ number: t.number, createdAt: t.union([t.string, t.null]) }), t.null]),
  }),
]);
const PageStatuses = t.type({ results: t.array(PageStatus) });

export class UndiciInboundGateway implements JiraWebhookApi, ConfluencePageStatuses {
  constructor(private readonly caller: AtlassianCaller) {}

  registerWebhooks(
    ctx: AccessContext,
    q: { url: string; webhooks: ReadonlyArray<{ events: readonly string[]; jqlFilter: string }> },
  ): TE.TaskEither<AppError, { ids: readonly number[]; errors: readonly string[] }> {
    return TE.map((answer: t.TypeOf<typeof Registered>) => {
      const results = answer.webhookRegistrationResult ?? [];
      return {
        ids: results.flatMap((r) => (r.createdWebhookId !== undefined ? [r.createdWebhookId] : [])),
        errors: results.flatMap((r) => r.errors ?? []),
      };
    })(
      this.caller.call(ctx, {
        method: 'POST',
        path: '/rest/api/3/webhook',
        json: { url: q.url, webhooks: q.webhooks.map((w) => ({ events: [...w.events], jqlFilter: w.jqlFilter })) },
        ok: [200],
        codec: Registered,
        what: 'the webhook registration',
      }),
    );
  }

  refreshWebhooks(ctx: AccessContext, ids: readonly number[]): TE.TaskEither<AppError, Date> {
    return pipe(
      this.caller.call(ctx, {
        method: 'PUT',
        path: '/rest/api/3/webhook/refresh',
        json: { webhookIds: [...ids] },
        ok: [200],
        codec: Expiration,
        what: 'the webhook refresh',
      }),
      TE.flatMap((answer) => {
        const ms = timestampMs(answer.expirationDate);
        return ms === undefined ? TE.left(AppError.vendor('Jira answered the webhook refresh without an expiration date.')) : TE.right(new Date(ms));
      }),
    );
  }

  deleteWebhooks(ctx: AccessContext, ids: readonly number[]): TE.TaskEither<AppError, void> {
    return TE.map(() => undefined)(
      this.caller.call(ctx, { method: 'DELETE', path: '/rest/api/3/webhook', json: { webhookIds: [...ids] }, ok: [202, 200, 204], codec: Anything, what: 'the webhook deletion' }),
    );
  }

  pagesWithStatus(ctx: AccessContext, ids: readonly string[]): TE.TaskEither<AppError, readonly ChangedPage[]> {
    if (ids.length === 0) return TE.right([]);
    return TE.map((page: t.TypeOf<typeof PageStatuses>) =>
      page.results.map(
        (p): ChangedPage => ({
          id: String(p.id),
          title: p.title,
          status: p.status ?? 'current',
          version: p.version?.number ?? null,
          spaceId: p.spaceId === undefined || p.spaceId === null ? null : String(p.spaceId),
          versionCreatedAt: p.version?.createdAt ?? null,
        }),
      ),
    )(
      this.caller.call(ctx, {
        method: 'GET',
        path: '/wiki/api/v2/pages',
        searchParams: { id: ids.slice(0, 250).join(','), status: 'current,trashed,deleted', limit: 250 },
        ok: [200],
        codec: PageStatuses,
        what: 'the page statuses',
      }),
    );
  }
}
