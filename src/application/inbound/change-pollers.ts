/**
 * The pollers (issue 14, docs/events-inbound.md): per tenant, Jira issues changed since the
 * checkpoint (every Jira connection: API token and PAT ones have no webhooks, and for OAuth
 * it is the safety net for a missed delivery) and Confluence pages changed or removed. The
 * event ids are the webhook's, so a change seen both ways, or twice through the overlap, is
 * one event. The checkpoint moves only after the round's events are recorded. A site that
 * Atlassian said is near its limit, or answered 429, is skipped until its budget clears.
 */
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { Connection } from '../../domain/connection.js';
import type { ConnectorId } from '../../domain/connector.js';
import type { AccessContext } from '../../domain/credentials.js';
import { AppError as AppErrors, type AppError } from '../../domain/errors.js';
import type { NewEvent } from '../../domain/events.js';
import { confluencePageEventId, confluencePageRemovedEventId, jiraIssueEventId, minutesBack, pollCql, pollJql, timestampMs } from '../../domain/inbound.js';
import type { IssueRecord } from '../../domain/jira-issue.js';
import type { TenantId } from '../../domain/tenant.js';
import type { AccessProvider } from '../ports/access-provider.js';
import type { ConfluenceSpacesAndContent, JiraIssueSearch } from '../ports/atlassian-gateways.js';
import type { Clock } from '../ports/clock.js';
import type { ConnectionListing } from '../ports/connection-store.js';
import type { EventOutbox } from '../ports/event-outbox.js';
import type { ChangedPage, ConfluencePageStatuses, InboundStore } from '../ports/inbound-sync.js';
import type { Logger } from '../ports/logger.js';
import { underLease } from './lease.js';

export interface PollerSettings {
  /** JIRA_PROJECTS_FILTER and CONFLUENCE_SPACES_FILTER. */
  readonly projects: readonly string[];
  readonly spaces: readonly string[];
  /** How far before the checkpoint each search reaches (clock skew, Jira's index lag). */
  readonly overlapMs: number;
  /** Results per request (Jira's and Confluence's maximum is 100 here). */
  readonly pageSize: number;
  /** Requests per search per round; what is left is read next round. */
  readonly maxPages: number;
  /** How many recently changed Confluence pages are checked for removal each round. */
  readonly rememberPages: number;
  /**
   * The least time between two rounds of one tenant and connector across instances (half
   * the interval); 0: only never two at once.
   */
  readonly minGapMs: number;
}

export const DEFAULT_POLLER_SETTINGS: Omit<PollerSettings, 'projects' | 'spaces'> = { overlapMs: 2 * 60_000, pageSize: 100, maxPages: 10, rememberPages: 500, minGapMs: 0 };

/** How long one instance holds a round (longer than ten pages of search at the call timeout). */
const ROUND_LEASE_MS = 5 * 60_000;

export type RoundOutcome =
  | { readonly outcome: 'started' }
  | { readonly outcome: 'polled'; readonly events: number; readonly requests: number }
  | { readonly outcome: 'held' }
  /** Another instance polls this tenant and connector now, or did a moment ago. */
  | { readonly outcome: 'leased' }
  | { readonly outcome: 'failed'; readonly error: AppError };

const ISSUE_FIELDS = ['summary', 'status', 'project', 'created', 'updated'] as const;

const run = async <A>(task: () => Promise<E.Either<AppError, A>>): Promise<A> => {
  const r = await task();
  if (E.isLeft(r)) throw r.left;
  return r.right;
};

type Remembered = ReadonlyArray<readonly [string, number | null]>;

export class ChangePollers {
  constructor(
    private readonly ports: {
      connections: ConnectionListing;
      access: Pick<AccessProvider, 'access'>;
      jira: JiraIssueSearch;
      confluence: Pick<ConfluenceSpacesAndContent, 'searchContent'>;
      pages: ConfluencePageStatuses;
      store: InboundStore;
      outbox: EventOutbox;
      clock: Clock;
      logger: Logger;
      /** Whether the upstream budget holds this context's site back now (penalty or near the limit). */
      held: (ctx: AccessContext) => boolean;
      settings: PollerSettings;
    },
  ) {}

  /**
   * One round for every active connection, one after the other; answers each outcome. With
   * `stopping`, the connections not reached when it turns true wait for the next round (a
   * shutdown waits for one connection's round, not for all of them).
   */
  async pollAll(stopping: () => boolean = () => false): Promise<Array<{ tenantId: TenantId; connector: ConnectorId } & RoundOutcome>> {
    const listed = await this.ports.connections.listAll()();
    if (E.isLeft(listed)) {
      this.ports.logger.warn({ err: listed.left.message }, 'pollers could not list the connections');
      return [];
    }
    const out: Array<{ tenantId: TenantId; connector: ConnectorId } & RoundOutcome> = [];
    for (const conn of listed.right.filter((c) => c.status === 'active')) {
      if (stopping()) break;
      const outcome = await this.poll(conn);
      if (outcome.outcome === 'failed') {
        this.ports.logger.warn({ tenant: conn.tenantId, connector: conn.connector, code: outcome.error.code, err: outcome.error.message }, 'a poll round failed; the checkpoint stays');
      }
      out.push({ tenantId: conn.tenantId, connector: conn.connector, ...outcome });
    }
    return out;
  }

  /**
   * On disconnect: forgets the checkpoint, so a later connection starts afresh instead of
   * reading the changes of the time it was away. Never fails (a failure is logged).
   */
  forget(tenantId: TenantId, connector: ConnectorId): TE.TaskEither<never, void> {
    return async () => {
      const done = await this.ports.store.deleteCheckpoints(tenantId, connector)();
      if (E.isLeft(done)) this.ports.logger.warn({ tenant: tenantId, connector, err: done.left.message }, 'the poll checkpoint could not be forgotten on disconnect');
      return E.right(undefined);
    };
  }

  async poll(conn: Connection): Promise<RoundOutcome> {
    try {
      const outcome = await underLease(this.ports, `poll:${conn.tenantId}:${conn.connector}`, ROUND_LEASE_MS, () => this.round(conn), this.ports.settings.minGapMs);
      return outcome ?? { outcome: 'leased' };
    } catch (err) {
      return { outcome: 'failed', error: err instanceof Error ? AppErrors.internal('The poll lease could not be taken.', { cause: err }) : (err as AppError) };
    }
  }

  private async round(conn: Connection): Promise<RoundOutcome> {
    const { store, clock } = this.ports;
    try {
      const now = clock.now();
      const saved = await run(store.checkpoint(conn.tenantId, conn.connector));
      if (!saved) {
        // The first round only marks where the tenant's history starts: nothing before it is news.
        await run(store.saveCheckpoint({ tenantId: conn.tenantId, connector: conn.connector, checkpoint: now, state: {} }));
        return { outcome: 'started' };
      }
      const ctx = await run(this.ports.access.access(conn.tenantId, conn.connector));
      if (this.ports.held(ctx)) return { outcome: 'held' };
      const site = conn.cloudId ?? conn.siteUrl ?? ctx.baseUrl;
      const round = conn.connector === 'jira' ? await this.jiraRound(conn, ctx, site, saved.checkpoint, now) : await this.confluenceRound(conn, ctx, site, saved.checkpoint, saved.state, now);
      await run(this.ports.outbox.record(round.events));
      await run(store.saveCheckpoint({ tenantId: conn.tenantId, connector: conn.connector, checkpoint: round.checkpoint, state: round.state }));
      return { outcome: 'polled', events: round.events.length, requests: round.requests };
    } catch (err) {
      return { outcome: 'failed', error: err as AppError };
    }
  }

  private async jiraRound(conn: Connection, ctx: AccessContext, site: string, since: Date, now: Date) {
    const { settings } = this.ports;
    const jql = pollJql(minutesBack(since, now, settings.overlapMs), settings.projects);
    const issues: IssueRecord[] = [];
    let token: string | undefined;
    let startAt = 0;
    let requests = 0;
    let complete = false;
    while (requests < settings.maxPages) {
      const page = await run(this.ports.jira.searchIssues(ctx, { jql, fields: ISSUE_FIELDS, token, startAt, limit: settings.pageSize }));
      requests += 1;
      issues.push(...page.items);
      startAt += page.items.length;
      token = page.next?.token;
      if (!page.next || page.items.length === 0) {
        complete = true;
        break;
      }
    }
    const windowStart = since.getTime() - settings.overlapMs;
    const events: NewEvent[] = issues.flatMap((i) => {
      const updatedMs = timestampMs(i.updated);
      if (updatedMs === undefined) return [];
      const createdMs = timestampMs(i.created);
      const created = createdMs !== undefined && (createdMs === updatedMs || createdMs >= windowStart);
      return [
        {
          id: jiraIssueEventId(conn.tenantId, site, i.id, updatedMs),
          type: created ? 'jira.issue.created' : 'jira.issue.updated',
          tenantId: conn.tenantId,
          connector: 'jira',
          occurredAt: new Date(updatedMs),
          data: {
            issue: {
              id: i.id,
              key: i.key,
              summary: i.summary ?? null,
              status: i.status?.name ?? null,
              project: i.project ?? null,
              created: createdMs === undefined ? null : new Date(createdMs).toISOString(),
              updated: new Date(updatedMs).toISOString(),
            },
          },
        },
      ];
    });
    // Not all read (ORDER BY updated ASC): the next round goes on from the last change read.
    const last = timestampMs(issues.at(-1)?.updated);
    const checkpoint = complete || last === undefined ? now : new Date(Math.max(since.getTime(), last));
    return { events, checkpoint, state: {}, requests };
  }

  private async confluenceRound(conn: Connection, ctx: AccessContext, site: string, since: Date, state: Readonly<Record<string, unknown>>, now: Date) {
    const { settings } = this.ports;
    const cql = pollCql(minutesBack(since, now, settings.overlapMs), settings.spaces);
    const changed: string[] = [];
    let cursor: string | undefined;
    let requests = 0;
    let complete = false;
    while (requests < settings.maxPages) {
      const page = await run(this.ports.confluence.searchContent(ctx, { cql, cursor, limit: settings.pageSize }));
      requests += 1;
      changed.push(...page.items.filter((h) => h.type === 'page').map((h) => h.id));
      cursor = page.next?.token;
      if (!cursor) {
        complete = true;
        break;
      }
    }
    const remembered: Remembered = Array.isArray(state['pages']) ? (state['pages'] as Remembered).filter((p) => Array.isArray(p) && typeof p[0] === 'string') : [];
    const ids = [...new Set([...changed, ...remembered.map((p) => p[0])])];
    const pages: ChangedPage[] = [];
    for (let i = 0; i < ids.length; i += 250) {
      pages.push(...(await run(this.ports.pages.pagesWithStatus(ctx, ids.slice(i, i + 250)))));
      requests += 1;
    }
    const byId = new Map(pages.map((p) => [p.id, p]));
    const base = { tenantId: conn.tenantId, connector: 'confluence' as ConnectorId };
    const events: NewEvent[] = [];
    const keep = new Map<string, number | null>(remembered.map((p) => [p[0], p[1]]));
    for (const id of ids) {
      const page = byId.get(id);
      if (page && page.status === 'current') {
        // Most recently changed last: the oldest are forgotten first.
        if (changed.includes(id)) keep.delete(id);
        keep.set(id, page.version);
        if (!changed.includes(id) || page.version === null) continue;
        const at = timestampMs(page.versionCreatedAt) ?? now.getTime();
        events.push({
          ...base,
          id: confluencePageEventId(conn.tenantId, site, id, page.version),
          type: page.version === 1 ? 'confluence.page.created' : 'confluence.page.updated',
          occurredAt: new Date(at),
          data: { page: { id, title: page.title, version: page.version, space_id: page.spaceId, status: page.status } },
        });
        continue;
      }
      if (page && page.status !== 'trashed' && page.status !== 'deleted') continue;
      // Trashed, deleted, or gone altogether (purged): removed, once per version it had.
      const version = page?.version ?? keep.get(id) ?? null;
      keep.delete(id);
      // A page gone from the answer is removed only when seen before (not one the search just named).
      if (!remembered.some((p) => p[0] === id) && (page === undefined || !changed.includes(id))) continue;
      events.push({
        ...base,
        id: confluencePageRemovedEventId(conn.tenantId, site, id, String(version ?? 'unknown')),
        type: 'confluence.page.removed',
        occurredAt: now,
        data: { page: { id, title: page?.title ?? null, version, space_id: page?.spaceId ?? null, status: page?.status ?? 'purged' } },
      });
    }
    const pagesState = [...keep.entries()].slice(-settings.rememberPages);
    return { events, checkpoint: complete ? now : since, state: { pages: pagesState }, requests };
  }
}
