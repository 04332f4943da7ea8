/**
 * The fake Atlassian's worklog endpoints: `GET|POST /rest/api/{3,2}/issue/{issueIdOrKey}/worklog`,
 * shaped like Atlassian's document (the Worklog schema, `{startAt, maxResults, total, worklogs}`)
 * and Jira's error bodies (`{errorMessages, errors: {field: message}}`), held to the document
 * by the spec-conformance checks. Hooked into fake-atlassian.ts's routes; the seeded and added
 * worklogs are reachable with `worklogsOf(fake)`.
 */
import type { ServerResponse } from 'node:http';
import type { FakeAtlassian, FakeIssue } from './fake-atlassian.js';

export interface FakeWorklog {
  id: string;
  /** issue key */
  issue: string;
  /** author display name */
  author: string;
  /** ADF (v3), wiki markup (v2), or absent */
  comment?: unknown;
  started: string;
  timeSpent: string;
  timeSpentSeconds: number;
  created: string;
}

/** What a worklog route's handler gets of the fake's request context. */
interface WorklogCtx {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  base: string;
  email: string | undefined;
  res: ServerResponse;
}

type Mode = 'oauth' | 'basic' | 'pat';
interface WorklogRoute {
  method: string;
  path: string;
  product: 'jira';
  modes: Mode[];
  scope: string;
  handle: (ctx: WorklogCtx) => void;
}

/** The fake's own helpers the handlers use. */
export interface WorklogDeps {
  findIssue(ctx: WorklogCtx, idOrKey: string): FakeIssue | undefined;
  userJson(name: string, ctx: WorklogCtx, api: 2 | 3): Record<string, unknown>;
  send(res: ServerResponse, status: number, body: unknown): void;
  jiraError(res: ServerResponse, status: number, messages: string[], errors?: Record<string, string>): void;
  emailFor(name: string): string;
}

const stores = new WeakMap<FakeAtlassian, FakeWorklog[]>();

/** The worklogs the fake holds (seeded: three on OPS-2). */
export const worklogsOf = (fake: FakeAtlassian): FakeWorklog[] => {
  let list = stores.get(fake);
  if (!list) {
    const adf = (text: string) => ({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });
    list = [
      { id: '10100', issue: 'OPS-2', author: 'Mia Krystof', comment: adf('Reproduced the timeout.'), started: '2026-11-20T09:00:00.000+0000', timeSpent: '1h', timeSpentSeconds: 3600, created: '2026-11-20T10:00:00.000+0000' },
      { id: '10101', issue: 'OPS-2', author: 'Noah Lindqvist', started: '2026-11-21T13:00:00.000+0000', timeSpent: '2h 30m', timeSpentSeconds: 9000, created: '2026-11-21T15:30:00.000+0000' },
      { id: '10102', issue: 'OPS-2', author: 'Mia Krystof', comment: adf('Fixed and tested.'), started: '2026-11-22T08:00:00.000+0000', timeSpent: '1d', timeSpentSeconds: 28800, created: '2026-11-22T16:00:00.000+0000' },
    ];
    stores.set(fake, list);
  }
  return list;
};

const UNIT: Record<string, number> = { w: 144_000, d: 28_800, h: 3600, m: 60 };
/** Jira's own reading of `timeSpent` (`#w #d #h #m`, a bare number is minutes); undefined when it is not one. */
const secondsOf = (spent: string): number | undefined => {
  const parts = spent.trim().toLowerCase().split(/\s+/);
  let total = 0;
  for (const p of parts) {
    const m = /^(\d+(?:\.\d+)?)([wdhm]?)$/.exec(p);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT[m[2] || 'm']!;
  }
  return total > 0 ? Math.round(total) : undefined;
};
const JIRA_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}$/;

export function worklogRoutes(fake: FakeAtlassian, deps: WorklogDeps): WorklogRoute[] {
  const json = (w: FakeWorklog, issue: FakeIssue, ctx: WorklogCtx, api: 2 | 3): Record<string, unknown> => ({
    self: `${ctx.base}/rest/api/${api}/issue/${issue.id}/worklog/${w.id}`,
    author: deps.userJson(w.author, ctx, api),
    updateAuthor: deps.userJson(w.author, ctx, api),
    ...(w.comment !== undefined ? { comment: w.comment } : {}),
    created: w.created,
    updated: w.created,
    started: w.started,
    timeSpent: w.timeSpent,
    timeSpentSeconds: w.timeSpentSeconds,
    id: w.id,
    issueId: issue.id,
  });

  const list = (ctx: WorklogCtx, api: 2 | 3): void => {
    const issue = deps.findIssue(ctx, ctx.params['issueIdOrKey'] ?? '');
    if (!issue) return;
    const int = (name: string, def: number): number | undefined => {
      const v = ctx.query.get(name);
      return v === null || v === '' ? def : /^\d+$/.test(v) ? Number(v) : undefined;
    };
    const startAt = int('startAt', 0);
    const maxResults = int('maxResults', 5000);
    // The document answers 404 (not 400) for non-numeric startAt or maxResults.
    if (startAt === undefined || maxResults === undefined) return deps.jiraError(ctx.res, 404, ['startAt and maxResults must be numbers.']);
    const all = worklogsOf(fake)
      .filter((w) => w.issue === issue.key)
      .sort((a, b) => a.started.localeCompare(b.started));
    const page = all.slice(startAt, startAt + maxResults);
    deps.send(ctx.res, 200, { startAt, maxResults, total: all.length, worklogs: page.map((w) => json(w, issue, ctx, api)) });
  };

  const add = (ctx: WorklogCtx, api: 2 | 3): void => {
    const issue = deps.findIssue(ctx, ctx.params['issueIdOrKey'] ?? '');
    if (!issue) return;
    const body = typeof ctx.body === 'object' && ctx.body !== null && !Array.isArray(ctx.body) ? (ctx.body as Record<string, unknown>) : undefined;
    if (!body) return deps.jiraError(ctx.res, 400, ['The request body is not a JSON object.']);
    const errors: Record<string, string> = {};
    const spent = body['timeSpent'];
    const seconds = typeof spent === 'string' ? secondsOf(spent) : typeof body['timeSpentSeconds'] === 'number' ? body['timeSpentSeconds'] : undefined;
    if (spent === undefined && body['timeSpentSeconds'] === undefined) errors['timeLogged'] = 'You must indicate the time spent working.';
    else if (seconds === undefined) errors['timeLogged'] = 'Invalid time duration entered.';
    const started = body['started'];
    if (typeof started !== 'string' || !JIRA_TIME.test(started)) errors['started'] = 'You must specify a valid date.';
    const comment = body['comment'];
    if (comment !== undefined) {
      const ok = api === 3 ? typeof comment === 'object' && comment !== null && (comment as Record<string, unknown>)['type'] === 'doc' : typeof comment === 'string';
      if (!ok) errors['comment'] = api === 3 ? 'Comment must be an Atlassian Document.' : 'Comment must be a string.';
    }
    if (Object.keys(errors).length > 0) return deps.jiraError(ctx.res, 400, [], errors);
    const author = ctx.email ? (fake.jira.users.find((u) => deps.emailFor(u) === ctx.email) ?? 'Mia Krystof') : 'Mia Krystof';
    const all = worklogsOf(fake);
    const worklog: FakeWorklog = {
      id: String(Math.max(10_099, ...all.map((w) => Number(w.id))) + 1),
      issue: issue.key,
      author,
      ...(comment !== undefined ? { comment } : {}),
      started: started as string,
      timeSpent: typeof spent === 'string' ? spent.trim() : `${Math.round((seconds ?? 0) / 60)}m`,
      timeSpentSeconds: seconds ?? 0,
      created: new Date().toISOString().replace('Z', '+0000'),
    };
    all.push(worklog);
    deps.send(ctx.res, 201, json(worklog, issue, ctx, api));
  };

  return ([3, 2] as const).flatMap((api): WorklogRoute[] => {
    const modes: Mode[] = api === 3 ? ['oauth', 'basic'] : ['pat'];
    const path = `/rest/api/${api}/issue/{issueIdOrKey}/worklog`;
    return [
      { method: 'GET', path, product: 'jira', modes, scope: api === 3 ? 'read:jira-work' : '', handle: (c) => list(c, api) },
      { method: 'POST', path, product: 'jira', modes, scope: api === 3 ? 'write:jira-work' : '', handle: (c) => add(c, api) },
    ];
  });
}
