/**
 * The fake Jira's dynamic webhooks (https://developer.atlassian.com/cloud/jira/platform/webhooks/):
 * `POST /rest/api/3/webhook` registers (one URL per app and site), `PUT .../refresh` extends the
 * life to 30 days from now, `GET` lists, `DELETE` removes, each held to the Jira platform
 * document by the spec-conformance test. `deliver` sends a delivery the way Atlassian does to
 * an OAuth 2.0 app: `Authorization: Bearer <JWT>` (HS256 with the app's client secret, `exp`),
 * `X-Atlassian-Webhook-Identifier`, and Jira's payload (timestamp, webhookEvent,
 * issue_event_type_name, issue {id, key, self, fields}, changelog {items}, comment, matchedWebhookIds).
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { SignJWT } from 'jose';
import type { FakeAtlassian, FakeComment, FakeIssue } from './fake-atlassian.js';

type Json = Record<string, unknown>;

export interface FakeJiraWebhook {
  id: number;
  /** the site (cloud id) it was registered on */
  cloudId: string;
  url: string;
  events: string[];
  jqlFilter: string;
  /** epoch ms */
  expirationDate: number;
}

export const WEBHOOK_EVENTS = ['jira:issue_created', 'jira:issue_updated', 'jira:issue_deleted', 'comment_created', 'comment_updated', 'comment_deleted', 'issue_property_set', 'issue_property_deleted'];
const LIFETIME_MS = 30 * 24 * 3_600_000;

export interface DeliveryOptions {
  /** Where to POST (the registered URL is the service's public one, which a test does not listen on). */
  url: string;
  event: 'jira:issue_created' | 'jira:issue_updated' | 'jira:issue_deleted' | 'comment_created' | 'comment_updated' | 'comment_deleted';
  issueKey: string;
  /** default: the first site */
  cloudId?: string;
  /** changelog items: field, fieldId, fromString, toString, ... */
  changelog?: Array<Record<string, string | null>>;
  /** for comment events */
  comment?: FakeComment;
  /** default: a new UUID */
  identifier?: string;
  /** default: the fake's client secret */
  secret?: string;
  /** seconds until the JWT's exp (negative: expired); default 300 */
  expiresIn?: number;
  /** sent as is instead of a fresh token (a replay, with the same identifier); null: no Authorization header */
  token?: string | null;
}

export interface FakeJiraWebhooks {
  readonly hooks: FakeJiraWebhook[];
  /** Every delivery sent, with what the service answered. */
  readonly deliveries: Array<{ identifier: string; token: string | null; status: number; body: unknown }>;
  deliver(o: DeliveryOptions): Promise<{ status: number; body: unknown; token: string | null; identifier: string; payload: Json }>;
}

interface Ctx {
  method: string;
  body: unknown;
  query: URLSearchParams;
  base: string;
  res: ServerResponse;
}

interface Deps {
  send(res: ServerResponse, status: number, body: unknown): void;
  jiraError(res: ServerResponse, status: number, messages: string[]): void;
  /** the cloud id of the gateway path the request came through */
  cloudIdOf(ctx: Ctx): string;
  clientSecret: string;
  jiraTimestamp(ms: number): string;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function jiraWebhookRoutes<C extends Ctx>(fake: FakeAtlassian, deps: Deps) {
  let nextId = 10000;
  const webhooks: FakeJiraWebhooks = {
    hooks: [],
    deliveries: [],
    deliver: (o) => deliver(o),
  };

  const idsOf = (ctx: C): number[] | undefined => {
    const b = ctx.body;
    if (!isObject(b) || !Array.isArray(b['webhookIds']) || !b['webhookIds'].every((x) => Number.isInteger(x))) return undefined;
    return b['webhookIds'] as number[];
  };

  function register(ctx: C): void {
    const b = ctx.body;
    if (!isObject(b) || typeof b['url'] !== 'string' || !Array.isArray(b['webhooks'])) {
      return deps.jiraError(ctx.res, 400, ['The request must name url and webhooks.']);
    }
    const cloudId = deps.cloudIdOf(ctx);
    const url = b['url'];
    const other = webhooks.hooks.find((h) => h.cloudId === cloudId && h.url !== url);
    const results = (b['webhooks'] as unknown[]).map((w): Json => {
      if (other) return { errors: ['Only a single URL per app is allowed to be registered.'] };
      if (!isObject(w) || typeof w['jqlFilter'] !== 'string' || w['jqlFilter'].trim() === '') return { errors: ['Empty JQL search not supported'] };
      const events = w['events'];
      if (!Array.isArray(events) || events.length === 0 || !events.every((e) => typeof e === 'string' && WEBHOOK_EVENTS.includes(e))) return { errors: ['Unsupported events.'] };
      if (/\b(updated|created|ORDER BY|~)\b/i.test(w['jqlFilter'])) return { errors: ['The clause is unsupported'] };
      if (/\bis\s+not\b/i.test(w['jqlFilter'])) return { errors: ['Operator is not is unsupported'] };
      const id = nextId++;
      webhooks.hooks.push({ id, cloudId, url, events: events as string[], jqlFilter: w['jqlFilter'], expirationDate: fake.now() + LIFETIME_MS });
      return { createdWebhookId: id };
    });
    deps.send(ctx.res, 200, { webhookRegistrationResult: results });
  }

  function refresh(ctx: C): void {
    const ids = idsOf(ctx);
    if (!ids) return deps.jiraError(ctx.res, 400, ['The list of webhook IDs is missing.']);
    const cloudId = deps.cloudIdOf(ctx);
    const expirationDate = fake.now() + LIFETIME_MS;
    for (const h of webhooks.hooks) if (h.cloudId === cloudId && ids.includes(h.id)) h.expirationDate = expirationDate;
    deps.send(ctx.res, 200, { expirationDate });
  }

  function list(ctx: C): void {
    const cloudId = deps.cloudIdOf(ctx);
    const startAt = Number(ctx.query.get('startAt') ?? '0');
    const maxResults = Number(ctx.query.get('maxResults') ?? '100');
    const mine = webhooks.hooks.filter((h) => h.cloudId === cloudId && h.expirationDate > fake.now());
    const page = mine.slice(startAt, startAt + maxResults);
    deps.send(ctx.res, 200, {
      isLast: startAt + page.length >= mine.length,
      maxResults,
      startAt,
      total: mine.length,
      values: page.map((h) => ({ id: h.id, url: h.url, events: h.events, jqlFilter: h.jqlFilter, expirationDate: h.expirationDate })),
    });
  }

  function remove(ctx: C): void {
    const ids = idsOf(ctx);
    if (!ids) return deps.jiraError(ctx.res, 400, ['The list of webhook IDs is missing.']);
    const cloudId = deps.cloudIdOf(ctx);
    for (let i = webhooks.hooks.length - 1; i >= 0; i -= 1) {
      const h = webhooks.hooks[i]!;
      if (h.cloudId === cloudId && ids.includes(h.id)) webhooks.hooks.splice(i, 1);
    }
    ctx.res.writeHead(202, { 'content-length': '0' });
    ctx.res.end();
  }

  /** Whether a webhook's JQL filter (the subset the service registers: project in (...), project != X) takes the issue. */
  const matches = (h: FakeJiraWebhook, issue: FakeIssue): boolean => {
    const within = /^project in \((.*)\)$/i.exec(h.jqlFilter);
    if (within) return [...(within[1] ?? '').matchAll(/"((?:[^"\\]|\\.)*)"|([^\s,"]+)/g)].some((m) => (m[1] ?? m[2] ?? '').toUpperCase() === issue.projectKey.toUpperCase());
    if (/^project != null$/i.test(h.jqlFilter)) return true;
    const not = /^project != "?([^"]*)"?$/i.exec(h.jqlFilter);
    if (not) return (not[1] ?? '').toUpperCase() !== issue.projectKey.toUpperCase();
    return true;
  };

  const ISSUE_EVENT_TYPE: Record<DeliveryOptions['event'], string> = {
    'jira:issue_created': 'issue_created',
    'jira:issue_updated': 'issue_updated',
    'jira:issue_deleted': 'issue_deleted',
    comment_created: 'issue_commented',
    comment_updated: 'issue_comment_edited',
    comment_deleted: 'issue_comment_deleted',
  };

  async function deliver(o: DeliveryOptions) {
    const cloudId = o.cloudId ?? fake.sites[0]!.id;
    const issue = fake.jira.issues.find((i) => i.key === o.issueKey);
    if (!issue) throw new Error(`no issue ${o.issueKey}`);
    const self = `${fake.url}/ex/jira/${cloudId}/rest/api/3/issue/${issue.id}`;
    const matched = webhooks.hooks.filter((h) => h.cloudId === cloudId && h.events.includes(o.event) && h.expirationDate > fake.now() && matches(h, issue)).map((h) => h.id);
    const user = (name: string): Json => ({ accountId: `557058:${Buffer.from(name).toString('hex').slice(0, 12)}`, displayName: name, active: true });
    const payload: Json = {
      timestamp: fake.now(),
      webhookEvent: o.event,
      issue_event_type_name: ISSUE_EVENT_TYPE[o.event],
      issue: {
        id: issue.id,
        key: issue.key,
        self,
        fields: {
          summary: issue.summary,
          status: { name: issue.status },
          issuetype: { name: issue.issueType },
          project: { key: issue.projectKey },
          created: issue.created ?? issue.updated,
          updated: issue.updated,
        },
      },
      ...(o.changelog ? { changelog: { id: String(fake.now()), items: o.changelog.map((c) => ({ fieldtype: 'jira', from: null, to: null, fromString: null, toString: null, ...c })) } } : {}),
      ...(o.comment
        ? {
            comment: {
              self: `${self}/comment/${o.comment.id}`,
              id: o.comment.id,
              author: user(o.comment.author),
              body: o.comment.body,
              updateAuthor: user(o.comment.author),
              created: o.comment.created,
              updated: o.comment.updated,
            },
          }
        : {}),
      matchedWebhookIds: matched,
    };
    const identifier = o.identifier ?? randomUUID();
    const token =
      o.token !== undefined
        ? o.token
        : await new SignJWT({ iss: 'jira', context: { cloudId } })
            .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
            .setIssuedAt(Math.floor(fake.now() / 1000))
            .setJti(randomUUID())
            .setExpirationTime(Math.floor(fake.now() / 1000) + (o.expiresIn ?? 300))
            .sign(new TextEncoder().encode(o.secret ?? deps.clientSecret));
    const res = await fetch(o.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-atlassian-webhook-identifier': identifier,
        'x-atlassian-webhook-retry': '0',
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify(payload),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    webhooks.deliveries.push({ identifier, token, status: res.status, body });
    return { status: res.status, body, token, identifier, payload };
  }

  const route = (method: string, path: string, handle: (c: C) => void) => ({ method, path, product: 'jira' as const, modes: ['oauth' as const], scope: 'manage:jira-webhook', handle });
  return {
    webhooks,
    routes: [
      route('POST', '/rest/api/3/webhook', register),
      route('GET', '/rest/api/3/webhook', list),
      route('DELETE', '/rest/api/3/webhook', remove),
      route('PUT', '/rest/api/3/webhook/refresh', refresh),
    ],
  };
}
