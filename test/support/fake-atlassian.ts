/**
 * A fake Atlassian (auth.atlassian.com + api.atlassian.com gateway + *.atlassian.net site +
 * Data Center server) on one `node:http` server bound to 127.0.0.1:<ephemeral>.
 *
 * Shapes follow Atlassian's official OpenAPI documents (copies in test/fixtures/atlassian-specs,
 * which the spec-conformance test holds the fake to). Where the specs are silent (OAuth, Confluence v1 search,
 * Jira Data Center /rest/api/2, error bodies), the shapes follow Atlassian's developer docs:
 * - https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/ (token, rotation, resources)
 * - https://developer.atlassian.com/cloud/confluence/rest/v1/api-group-search/ (v1 search)
 * - https://docs.atlassian.com/software/jira/docs/api/REST/9.12.0/ (Data Center /rest/api/2)
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import busboy from 'busboy';
import type { AddressInfo, Socket } from 'node:net';
import { CONFLUENCE_PAGE_SCOPES, confluencePageRoutes, type FakeConfluenceContent } from './fake-confluence-pages.js';
import { worklogRoutes } from './fake-jira-worklogs.js';
import { applyCreateFields, createFieldErrors } from './fake-jira-create.js';
import { jiraWebhookRoutes, type FakeJiraWebhooks } from './fake-jira-webhooks.js';

export interface FakeAtlassianOptions {
  clientId?: string;
  clientSecret?: string;
  /** how long a rotated-out refresh token keeps working; Atlassian: 10 minutes */
  refreshGraceMs?: number;
  /** lifetime of access tokens; Atlassian: 3600 */
  accessTokenTtlSeconds?: number;
}

export interface RecordedRequest {
  method: string;
  /** path without the query string, as received (gateway prefix included) */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** parsed JSON, a raw string when not JSON, undefined when empty */
  body: unknown;
  at: number;
  /** what the fake answered (absent for a reset, or until it answered) */
  response?: { status: number; body: unknown };
  /** the answer was a fault a test injected, not the fake's own */
  faulted?: boolean;
}

export interface FakeSite {
  id: string;
  name: string;
  url: string;
  scopes: string[];
  avatarUrl: string;
}
export interface FakeProject {
  id: string;
  key: string;
  name: string;
}
export interface FakeIssue {
  id: string;
  key: string;
  summary: string;
  /** status name: 'To Do' | 'In Progress' | 'Done' (others get category 'indeterminate') */
  status: string;
  /** issue type name: 'Task' | 'Bug' | 'Story' | 'Epic' */
  issueType: string;
  /** assignee display name; accountId/email are derived from it */
  assignee: string | null;
  /** Jira timestamp, e.g. 2026-11-20T10:15:30.000+0000 */
  updated: string;
  projectKey: string;
  /** ADF document (v3 create) or string (v2 create); null/absent for seeded issues */
  description?: unknown;
  labels?: string[];
  /** priority name: 'Highest' | 'High' | 'Medium' | 'Low' | 'Lowest' */
  priority?: string | null;
  /** reporter display name */
  reporter?: string | null;
  /** component names (of the issue's project) */
  components?: string[];
  /** YYYY-MM-DD */
  dueDate?: string | null;
  /** the parent issue's key (a subtask, or an epic's child) */
  parentKey?: string | null;
  /** Jira timestamp; derived from `updated` when absent */
  created?: string;
  comments?: FakeComment[];
  attachments?: FakeAttachment[];
  /** custom field values by id, e.g. customfield_10010 */
  customFields?: Record<string, unknown>;
  /** fields the issue's edit screen does not offer (editmeta leaves them out) */
  notEditable?: string[];
}
export interface FakeComment {
  id: string;
  /** author display name */
  author: string;
  /** ADF (v3) or wiki markup (v2) */
  body: unknown;
  created: string;
  updated: string;
  visibility?: { type: 'role' | 'group'; value: string } | null;
}
export interface FakeAttachment {
  id: string;
  filename: string;
  mimeType: string;
  created: string;
  /** author display name */
  author: string;
  content: Buffer;
}
export interface FakeSpace {
  id: string;
  key: string;
  name: string;
  type: 'global' | 'personal';
  homepageId?: string;
}
export interface FakePage {
  id: string;
  title: string;
  spaceId: string;
  excerpt: string;
}

export type Fault =
  | {
      kind: 'status';
      path: string;
      method?: string;
      status: number;
      body?: unknown;
      headers?: Record<string, string>;
      times?: number;
    }
  | { kind: 'delay'; path: string; method?: string; ms: number; times?: number }
  | { kind: 'reset'; path: string; method?: string; times?: number }
  | { kind: 'malformed'; path: string; method?: string; body: string; contentType?: string; times?: number };

export interface FakeAtlassian {
  /** http://127.0.0.1:PORT — auth base, API gateway base, Cloud site base and Data Center base */
  readonly url: string;
  close(): Promise<void>;
  readonly requests: RecordedRequest[];
  readonly tokenGrants: { authorizationCode: number; refresh: number; rejectedRefresh: number };
  sites: FakeSite[];
  /** returns a code `/oauth/token` accepts once; `redirectUri`, if given, must match at exchange */
  issueAuthorizationCode(opts?: { scopes?: string[]; redirectUri?: string }): string;
  /** shortcut: a fresh grant without the HTTP code exchange */
  issueTokens(opts?: { scopes?: string[] }): { accessToken: string; refreshToken: string };
  revokeAll(): void;
  /** with a token: whether its grant is revoked; without: whether any grant is revoked */
  isGrantRevoked(token?: string): boolean;
  inject(fault: Fault): void;
  clearFaults(): void;
  /** `users`: display names of the site's people (accountIds, emails are derived from them). */
  jira: { projects: FakeProject[]; issues: FakeIssue[]; createdIssues: unknown[]; users: string[] };
  confluence: { spaces: FakeSpace[]; pages: FakePage[]; createdPages: unknown[] };
  /** Page bodies, versions, tree, comments, labels and attachments (test/support/fake-confluence-pages.ts). */
  confluenceContent: FakeConfluenceContent;
  apiTokens: Map<string, string>;
  pats: Set<string>;
  /** Issue links, remote links, boards, sprints, subtasks and comments added by transitions. */
  jiraWork: FakeJiraWork;
  /** Jira's dynamic webhooks and their deliveries (test/support/fake-jira-webhooks.ts). */
  jiraWebhooks: FakeJiraWebhooks;
  /**
   * The fake's clock (epoch ms): webhook expiry, and "now" of relative JQL/CQL dates
   * (`updated >= "-5m"`, `lastmodified >= now("-5m")`). Tests driving the service's clock set it too.
   */
  now: () => number;
}

// ---------------------------------------------------------------------------------------------
// seed data

export const JIRA_SCOPES = ['read:jira-work', 'write:jira-work', 'read:jira-user'] as const;
export const CONFLUENCE_SCOPES = [
  'read:space:confluence',
  'read:page:confluence',
  'write:page:confluence',
  'search:confluence',
] as const;
/** what an authorization code grants when no scopes are given */
/** Jira Software (boards and sprints): granted by default too, so the agile routes answer. */
export const JIRA_SOFTWARE_SCOPES = ['read:board-scope:jira-software', 'read:sprint:jira-software', 'write:sprint:jira-software'] as const;
export const DEFAULT_GRANT_SCOPES = [...JIRA_SCOPES, ...CONFLUENCE_SCOPES, 'offline_access', ...JIRA_SOFTWARE_SCOPES, ...CONFLUENCE_PAGE_SCOPES];

export interface FakeIssueLink {
  id: string;
  /** link type name */
  type: string;
  inward: string;
  outward: string;
}
export interface FakeRemoteLink {
  id: number;
  /** issue key */
  issue: string;
  url: string;
  title: string;
  summary?: string;
  relationship?: string;
  globalId?: string;
}
export interface FakeBoard {
  id: number;
  name: string;
  type: 'scrum' | 'kanban';
  /** null: a board in a user's location */
  projectKey: string | null;
}
export interface FakeSprint {
  id: number;
  boardId: number;
  name: string;
  state: 'active' | 'future' | 'closed';
  startDate?: string;
  endDate?: string;
  goal?: string;
  /** issue keys, in rank order */
  issues: string[];
}
export interface FakeJiraWork {
  links: FakeIssueLink[];
  remoteLinks: FakeRemoteLink[];
  boards: FakeBoard[];
  sprints: FakeSprint[];
  /** parent key -> subtask keys */
  subtasks: Record<string, string[]>;
  /** comments added with a transition or a link: ADF (v3) or wiki markup (v2) */
  comments: Array<{ issue: string; body: unknown }>;
}

function defaultJiraWork(): FakeJiraWork {
  return {
    links: [{ id: '10300', type: 'Blocks', inward: 'OPS-2', outward: 'OPS-1' }],
    remoteLinks: [{ id: 10000, issue: 'OPS-2', url: 'https://status.example.com/incidents/42', title: 'Incident 42', relationship: 'mentioned in' }],
    boards: [
      { id: 1, name: 'OPS board', type: 'scrum', projectKey: 'OPS' },
      { id: 2, name: 'WEB kanban', type: 'kanban', projectKey: 'WEB' },
      { id: 3, name: 'ACME scrum', type: 'scrum', projectKey: 'ACME' },
      { id: 4, name: 'OPS triage', type: 'kanban', projectKey: 'OPS' },
      { id: 5, name: "Mia's board", type: 'kanban', projectKey: null },
    ],
    sprints: [
      { id: 1, boardId: 1, name: 'OPS Sprint 1', state: 'closed', startDate: '2026-11-02T09:00:00.000Z', endDate: '2026-11-13T17:00:00.000Z' },
      {
        id: 2,
        boardId: 1,
        name: 'OPS Sprint 2',
        state: 'active',
        startDate: '2026-11-16T09:00:00.000Z',
        endDate: '2026-11-30T17:00:00.000Z',
        goal: 'Ship the login fix',
      },
      { id: 3, boardId: 1, name: 'OPS Sprint 3', state: 'future' },
      { id: 4, boardId: 3, name: 'ACME Sprint 1', state: 'active', startDate: '2026-11-16T09:00:00.000Z', endDate: '2026-11-30T17:00:00.000Z' },
    ].map((sp) => ({ ...sp, issues: [] as string[] })) as FakeSprint[],
    subtasks: { 'WEB-39': ['WEB-40'] },
    comments: [],
  };
}

export const DEFAULT_CLIENT_ID = 'fake-client-id';
export const DEFAULT_CLIENT_SECRET = 'fake-client-secret';

const VERBS = ['Fix', 'Investigate', 'Implement', 'Refactor', 'Document', 'Review', 'Test'];
const TOPICS = [
  'login timeout',
  'payment webhook',
  'search indexing',
  'export to CSV',
  'dark mode',
  'rate limiter',
  'SSO callback',
  'email digest',
  'audit log',
  'cache invalidation',
  'mobile layout',
];
const STATUSES = ['To Do', 'In Progress', 'Done'];
const TYPES = ['Task', 'Bug', 'Story'];
const PEOPLE = ['Mia Krystof', 'Noah Lindqvist', 'Priya Raman', null];
const BASE_TIME = Date.parse('2026-11-20T10:15:30.000Z');

/** Jira's timestamp format: 2026-11-20T10:15:30.000+0000 */
export function jiraTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

function summaryFor(i: number): string {
  if (i === 7) return 'Handle "quoted" titles in export';
  if (i === 8) return 'Path C:\\temp\\reports not found';
  return `${VERBS[i % VERBS.length]} ${TOPICS[i % TOPICS.length]} (#${i + 1})`;
}

function seedIssue(i: number, id: number, key: string, projectKey: string): FakeIssue {
  return {
    id: String(id),
    key,
    summary: summaryFor(i),
    status: STATUSES[i % STATUSES.length] ?? 'To Do',
    issueType: TYPES[i % TYPES.length] ?? 'Task',
    assignee: PEOPLE[i % PEOPLE.length] ?? null,
    updated: jiraTimestamp(BASE_TIME - i * 3_600_000),
    projectKey,
  };
}

/** `n` issues `KEY-1..KEY-n` in one project, ids `startId..` (varied summaries/status/assignee). */
export function makeIssues(n: number, projectKey: string, startId = 20000): FakeIssue[] {
  return Array.from({ length: n }, (_, i) => seedIssue(i, startId + i, `${projectKey}-${i + 1}`, projectKey));
}

function defaultSites(): FakeSite[] {
  const scopes = [...JIRA_SCOPES, ...CONFLUENCE_SCOPES];
  return [
    {
      id: '11111111-1111-4111-8111-111111111111',
      name: 'acme',
      url: 'https://acme.atlassian.net',
      scopes: [...scopes],
      avatarUrl: 'https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/flag.png',
    },
    {
      id: '22222222-2222-4222-8222-222222222222',
      name: 'beta',
      url: 'https://beta.atlassian.net',
      scopes: [...scopes],
      avatarUrl: 'https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/rocket.png',
    },
  ];
}

function defaultProjects(): FakeProject[] {
  return [
    { id: '10000', key: 'ACME', name: 'Acme Platform' },
    { id: '10001', key: 'OPS', name: 'Operations' },
    { id: '10002', key: 'WEB', name: 'Website Redesign' },
  ];
}

function defaultIssues(projects: FakeProject[], n = 120): FakeIssue[] {
  const counters = new Map<string, number>();
  return Array.from({ length: n }, (_, i) => {
    const projectKey = projects[i % projects.length]?.key ?? 'ACME';
    const num = (counters.get(projectKey) ?? 0) + 1;
    counters.set(projectKey, num);
    return seedIssue(i, 20000 + i, `${projectKey}-${num}`, projectKey);
  });
}

function defaultSpaces(): FakeSpace[] {
  return [
    { id: '98305', key: 'ENG', name: 'Engineering', type: 'global', homepageId: '98310' },
    { id: '98306', key: 'OPS', name: 'Operations Handbook', type: 'global', homepageId: '98311' },
    { id: '98307', key: '~5570581a2b3c4d5e6f', name: 'Mia Krystof', type: 'personal', homepageId: '98312' },
  ];
}

const PAGE_TOPICS: Array<[string, string]> = [
  ['Onboarding guide', 'How new engineers set up their laptop and get access.'],
  ['Incident runbook', 'Steps to follow when the pager goes off at night.'],
  ['Release checklist', 'Everything to verify before shipping a release.'],
  ['Architecture overview', 'Hexagonal architecture, ports and adapters explained.'],
  ['Meeting notes', 'Weekly sync: decisions, action items and owners.'],
  ['Postmortem: login timeout', 'Root cause was an expired certificate on the SSO callback.'],
];

function defaultPages(spaces: FakeSpace[], n = 30): FakePage[] {
  return Array.from({ length: n }, (_, i) => {
    const [title, excerpt] = PAGE_TOPICS[i % PAGE_TOPICS.length] ?? ['Page', ''];
    return {
      id: String(1_000_001 + i),
      title: `${title} ${i + 1}`,
      spaceId: spaces[i % spaces.length]?.id ?? '98305',
      excerpt,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// helpers

interface Grant {
  id: string;
  scopes: string[];
  revoked: boolean;
}
interface AccessToken {
  grantId: string;
  expiresAt: number;
}
interface RefreshToken {
  grantId: string;
  rotatedAt: number | null;
}
interface Code {
  scopes: string[];
  redirectUri: string | undefined;
  used: boolean;
}
interface QueuedFault {
  fault: Fault;
  remaining: number;
}

type Json = Record<string, unknown>;
type Mode = 'oauth' | 'basic' | 'pat';

interface Ctx {
  method: string;
  /** path after the gateway prefix */
  inner: string;
  query: URLSearchParams;
  body: unknown;
  rawBody: Buffer;
  /** `${url}` or `${url}/ex/{product}/{cloudId}`: base for `self` links */
  base: string;
  mode: Mode;
  email: string | undefined;
  res: ServerResponse;
  /** the `{name}` segments of the matched route's path, decoded */
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
}

/** The `{name}` values of `path` for a route template such as `/rest/api/3/issue/{issueIdOrKey}`; undefined when it does not match. */
function matchPath(template: string, path: string): Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{([^}]+)\\?\}/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const m = new RegExp(`^${pattern}$`).exec(path);
  if (!m) return undefined;
  try {
    return Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? '')]));
  } catch {
    return undefined;
  }
}

const JSON_TYPE = 'application/json;charset=UTF-8';
const MAX_BODY = 64 * 1024 * 1024;
const PAGE_BODY_LIMIT = 5 * 1024 * 1024;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function token(prefix: string): string {
  return `${prefix}-${randomBytes(24).toString('base64url')}`;
}

function sha(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** The request each response answers, so `send` can record what the fake answered. */
const answering = new WeakMap<ServerResponse, RecordedRequest>();

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.writableEnded || res.destroyed) return;
  const record = answering.get(res);
  if (record) record.response = { status, body };
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    ...(body === undefined
      ? {}
      : { 'content-type': typeof body === 'string' ? 'text/plain;charset=UTF-8' : JSON_TYPE }),
    ...headers,
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

function jiraError(res: ServerResponse, status: number, messages: string[], errors: Record<string, string> = {}): void {
  send(res, status, { errorMessages: messages, errors });
}

function confluenceError(res: ServerResponse, status: number, code: string, title: string): void {
  send(res, status, { errors: [{ status, code, title, detail: null }] });
}

function encodeCursor(data: Json): string {
  return Buffer.from(JSON.stringify(data)).toString('base64url');
}

function decodeCursor(s: string): Json | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    return isObject(v) ? v : null;
  } catch {
    return null;
  }
}

function parseIntParam(v: string | null, def: number): number | null {
  if (v === null || v === '') return def;
  return /^-?\d+$/.test(v) ? Number(v) : null;
}

function listParam(q: URLSearchParams, name: string): string[] {
  return q
    .getAll(name)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function accountIdFor(name: string): string {
  return `557058:${sha(name).slice(0, 8)}-${sha(name).slice(8, 12)}-4${sha(name).slice(13, 16)}-8${sha(name).slice(17, 20)}-${sha(name).slice(20, 32)}`;
}

function emailFor(name: string): string {
  return `${name.toLowerCase().replace(/[^a-z0-9]+/g, '.')}@example.com`;
}

function avatarUrls(kind: 'user' | 'project', id: string): Record<string, string> {
  const base =
    kind === 'user'
      ? `https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/${encodeURIComponent(id)}`
      : `https://acme.atlassian.net/rest/api/3/universal_avatar/view/type/project/avatar/${id}`;
  return {
    '48x48': `${base}?size=48`,
    '24x24': `${base}?size=24`,
    '16x16': `${base}?size=16`,
    '32x32': `${base}?size=32`,
  };
}

// --- JQL / CQL (a very small subset) ---------------------------------------------------------

function unescapeQuoted(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

/** index of the first occurrence of `re` outside double/single quotes, or -1 */
function splitOutsideQuotes(q: string): { balanced: boolean; orderByAt: number } {
  let quote: string | null = null;
  let orderByAt = -1;
  for (let i = 0; i < q.length; i++) {
    const c = q[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (orderByAt < 0 && /^order\s+by\b/i.test(q.slice(i)) && (i === 0 || /\s/.test(q[i - 1] ?? ''))) {
      orderByAt = i;
    }
  }
  return { balanced: quote === null, orderByAt };
}

const QUOTED = String.raw`(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^\s()"',]+))`;

function quotedValues(where: string, field: string, op: string): string[] {
  const re = new RegExp(String.raw`(?:^|[\s(])${field}\s*${op}\s*${QUOTED}`, 'gi');
  const out: string[] = [];
  for (const m of where.matchAll(re)) out.push(unescapeQuoted(m[1] ?? m[2] ?? m[3] ?? ''));
  return out;
}

function inValues(where: string, field: string): string[] {
  const re = new RegExp(String.raw`(?:^|[\s(])${field}\s+in\s*\(([^)]*)\)`, 'gi');
  const out: string[] = [];
  for (const m of where.matchAll(re)) {
    for (const v of (m[1] ?? '').matchAll(new RegExp(QUOTED, 'g')))
      out.push(unescapeQuoted(v[1] ?? v[2] ?? v[3] ?? ''));
  }
  return out;
}

interface ParsedQuery {
  where: string;
  text: string[];
  title: string[];
  container: string[];
}

function parseQuery(q: string, containerField: 'project' | 'space'): ParsedQuery | { error: string } {
  const { balanced, orderByAt } = splitOutsideQuotes(q);
  if (!balanced) return { error: 'unterminated quoted string' };
  const where = (orderByAt >= 0 ? q.slice(0, orderByAt) : q).trim();
  const textFields = containerField === 'project' ? '(?:text|summary)' : '(?:text|siteSearch)';
  const containers =
    containerField === 'project'
      ? [...quotedValues(where, 'project', '='), ...inValues(where, 'project')]
      : [...quotedValues(where, 'space(?:\\.key)?', '='), ...inValues(where, 'space(?:\\.key)?')];
  return {
    where,
    text: quotedValues(where, textFields, '~'),
    title: quotedValues(where, 'title', '~'),
    container: containers,
  };
}

function includesCI(haystack: string, needle: string): boolean {
  return haystack.toLowerCase().includes(needle.toLowerCase());
}

function highlight(s: string, terms: string[]): string {
  let out = s;
  for (const t of terms) {
    if (!t) continue;
    const re = new RegExp(t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi');
    out = out.replace(re, (m) => `@@@hl@@@${m}@@@endhl@@@`);
  }
  return out;
}

// --- Jira representations --------------------------------------------------------------------

const STATUS_INFO: Record<string, { id: string; cat: { id: number; key: string; colorName: string; name: string } }> = {
  'To Do': { id: '10000', cat: { id: 2, key: 'new', colorName: 'blue-gray', name: 'To Do' } },
  'In Progress': { id: '3', cat: { id: 4, key: 'indeterminate', colorName: 'yellow', name: 'In Progress' } },
  Done: { id: '10001', cat: { id: 3, key: 'done', colorName: 'green', name: 'Done' } },
};

const ISSUE_TYPES: Array<{ id: string; name: string; hierarchyLevel: number; description: string }> = [
  { id: '10001', name: 'Task', hierarchyLevel: 0, description: 'A small, distinct piece of work.' },
  { id: '10002', name: 'Bug', hierarchyLevel: 0, description: 'A problem or error.' },
  { id: '10003', name: 'Story', hierarchyLevel: 0, description: 'A feature expressed as a user goal.' },
  { id: '10004', name: 'Epic', hierarchyLevel: 1, description: 'A big user story that needs to be broken down.' },
];

const ALL_FIELDS = [
  'summary',
  'status',
  'issuetype',
  'assignee',
  'updated',
  'created',
  'project',
  'description',
  'labels',
  'priority',
  'reporter',
  'components',
  'duedate',
  'parent',
  'subtasks',
  'issuelinks',
  'comment',
  'attachment',
];
const PRIORITIES = ['Highest', 'High', 'Medium', 'Low', 'Lowest'];

function selectFields(tokens: string[], defaultAll: boolean): Set<string> {
  const sel = new Set<string>(defaultAll && tokens.length === 0 ? ALL_FIELDS : []);
  for (const t of tokens) {
    if (t === '*all' || t === '*navigable') ALL_FIELDS.forEach((f) => sel.add(f));
    else if (t.startsWith('-')) sel.delete(t.slice(1));
    else if (ALL_FIELDS.includes(t) || t.startsWith('customfield_')) sel.add(t);
  }
  // a list with only exclusions means "navigable minus those"
  if (tokens.length > 0 && tokens.every((t) => t.startsWith('-'))) {
    ALL_FIELDS.filter((f) => !tokens.includes(`-${f}`)).forEach((f) => sel.add(f));
  }
  return sel;
}

// ---------------------------------------------------------------------------------------------

export async function startFakeAtlassian(opts: FakeAtlassianOptions = {}): Promise<FakeAtlassian> {
  const clientId = opts.clientId ?? DEFAULT_CLIENT_ID;
  const clientSecret = opts.clientSecret ?? DEFAULT_CLIENT_SECRET;
  const graceMs = opts.refreshGraceMs ?? 600_000;
  const ttlSeconds = opts.accessTokenTtlSeconds ?? 3600;

  const codes = new Map<string, Code>();
  const grants = new Map<string, Grant>();
  const accessTokens = new Map<string, AccessToken>();
  const refreshTokens = new Map<string, RefreshToken>();
  let faults: QueuedFault[] = [];

  const projects = defaultProjects();
  const spaces = defaultSpaces();
  const fake: FakeAtlassian = {
    url: '',
    close: async () => {},
    requests: [],
    tokenGrants: { authorizationCode: 0, refresh: 0, rejectedRefresh: 0 },
    sites: defaultSites(),
    issueAuthorizationCode(o = {}) {
      const code = token('fake-code');
      codes.set(code, { scopes: o.scopes ?? [...DEFAULT_GRANT_SCOPES], redirectUri: o.redirectUri, used: false });
      return code;
    },
    issueTokens(o = {}) {
      const t = mint(newGrant(o.scopes ?? [...DEFAULT_GRANT_SCOPES]), true);
      return { accessToken: t.access_token, refreshToken: t.refresh_token ?? token('fake-rt') };
    },
    revokeAll() {
      for (const g of grants.values()) g.revoked = true;
    },
    isGrantRevoked(t?: string) {
      if (t === undefined) return [...grants.values()].some((g) => g.revoked);
      const grantId = accessTokens.get(t)?.grantId ?? refreshTokens.get(t)?.grantId;
      return grantId !== undefined && grants.get(grantId)?.revoked === true;
    },
    inject(fault) {
      faults.push({ fault, remaining: fault.times ?? 1 });
    },
    clearFaults() {
      faults = [];
    },
    jira: { projects, issues: defaultIssues(projects), createdIssues: [], users: ['Mia Krystof', 'Noah Lindqvist', 'Priya Raman', 'Ravi Okafor'] },
    confluence: { spaces, pages: defaultPages(spaces), createdPages: [] },
    confluenceContent: {} as FakeConfluenceContent, // set with the page routes below
    apiTokens: new Map(),
    pats: new Set(),
    jiraWork: defaultJiraWork(),
    jiraWebhooks: {} as FakeJiraWebhooks, // set with the webhook routes below
    now: () => Date.now(),
  };
  // Sprint 2 holds five OPS issues and one of WEB (a sprint may span projects).
  fake.jiraWork.sprints[1]!.issues.push('OPS-1', 'OPS-2', 'OPS-3', 'OPS-4', 'OPS-5', 'WEB-1');
  fake.jiraWork.sprints[0]!.issues.push('OPS-6');

  function newGrant(scopes: string[]): Grant {
    const g: Grant = { id: token('grant'), scopes, revoked: false };
    grants.set(g.id, g);
    return g;
  }

  function mint(g: Grant, withRefresh: boolean): Json & { access_token: string; refresh_token?: string } {
    const access = token('fake-at');
    accessTokens.set(access, { grantId: g.id, expiresAt: Date.now() + ttlSeconds * 1000 });
    const out: Json & { access_token: string; refresh_token?: string } = {
      access_token: access,
      expires_in: ttlSeconds,
      token_type: 'Bearer',
      scope: g.scopes.join(' '),
    };
    if (withRefresh && g.scopes.includes('offline_access')) {
      const refresh = token('fake-rt');
      refreshTokens.set(refresh, { grantId: g.id, rotatedAt: null });
      out.refresh_token = refresh;
    }
    return out;
  }

  function liveGrantFor(accessToken: string): Grant | null {
    const at = accessTokens.get(accessToken);
    if (!at || at.expiresAt <= Date.now()) return null;
    const g = grants.get(at.grantId);
    return g && !g.revoked ? g : null;
  }

  // --- OAuth -------------------------------------------------------------------------------

  function handleToken(ctx: Ctx): void {
    const { res } = ctx;
    const b: Json = isObject(ctx.body)
      ? ctx.body
      : typeof ctx.body === 'string'
        ? Object.fromEntries(new URLSearchParams(ctx.body))
        : {};
    const str = (k: string): string | undefined =>
      typeof b[k] === 'string' && b[k] !== '' ? (b[k] as string) : undefined;
    const grantType = str('grant_type');
    const required =
      grantType === 'authorization_code'
        ? ['client_id', 'client_secret', 'code', 'redirect_uri']
        : grantType === 'refresh_token'
          ? ['client_id', 'client_secret', 'refresh_token']
          : [];
    if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
      send(res, 400, { error: 'unsupported_grant_type', error_description: 'Unsupported grant type' });
      return;
    }
    const missing = required.filter((k) => str(k) === undefined);
    if (missing.length > 0) {
      if (grantType === 'refresh_token') fake.tokenGrants.rejectedRefresh++;
      send(res, 400, { error: 'invalid_request', error_description: `Missing parameter(s): ${missing.join(', ')}` });
      return;
    }
    if (str('client_id') !== clientId || str('client_secret') !== clientSecret) {
      if (grantType === 'refresh_token') fake.tokenGrants.rejectedRefresh++;
      send(res, 401, { error: 'access_denied', error_description: 'Unauthorized' });
      return;
    }
    if (grantType === 'authorization_code') {
      const code = codes.get(str('code') ?? '');
      if (!code || code.used || (code.redirectUri !== undefined && code.redirectUri !== str('redirect_uri'))) {
        send(res, 403, { error: 'invalid_grant', error_description: 'Invalid authorization code' });
        return;
      }
      code.used = true;
      fake.tokenGrants.authorizationCode++;
      send(res, 200, mint(newGrant(code.scopes), true));
      return;
    }
    const presented = str('refresh_token') ?? '';
    const rt = refreshTokens.get(presented);
    const g = rt ? grants.get(rt.grantId) : undefined;
    const reject = (): void => {
      fake.tokenGrants.rejectedRefresh++;
      send(res, 403, { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' });
    };
    if (!rt || !g || g.revoked) return reject();
    const now = Date.now();
    if (rt.rotatedAt !== null && now - rt.rotatedAt > graceMs) {
      // reuse of a rotated-out token after the grace period: the whole grant is revoked
      g.revoked = true;
      return reject();
    }
    rt.rotatedAt ??= now;
    fake.tokenGrants.refresh++;
    send(res, 200, mint(g, true));
  }

  function handleAccessibleResources(ctx: Ctx, authz: string | undefined): void {
    const bearer = /^Bearer\s+(.+)$/i.exec(authz ?? '')?.[1];
    if (!bearer || !liveGrantFor(bearer)) {
      send(ctx.res, 401, { code: 401, message: 'Unauthorized' });
      return;
    }
    send(
      ctx.res,
      200,
      fake.sites.map((s) => ({ ...s, scopes: [...s.scopes] })),
    );
  }

  // --- Jira --------------------------------------------------------------------------------

  function userJson(name: string, ctx: Ctx, api: 2 | 3, email?: string): Json {
    if (api === 2) {
      const login = (email ?? emailFor(name)).split('@')[0] ?? name;
      return {
        self: `${ctx.base}/rest/api/2/user?username=${encodeURIComponent(login)}`,
        key: `JIRAUSER${parseInt(sha(name).slice(0, 5), 16)}`,
        name: login,
        emailAddress: email ?? emailFor(name),
        avatarUrls: avatarUrls('user', login),
        displayName: name,
        active: true,
        timeZone: 'Europe/Berlin',
      };
    }
    const accountId = accountIdFor(name);
    return {
      self: `${ctx.base}/rest/api/3/user?accountId=${encodeURIComponent(accountId)}`,
      accountId,
      emailAddress: email ?? emailFor(name),
      avatarUrls: avatarUrls('user', accountId),
      displayName: name,
      active: true,
      timeZone: 'Europe/Berlin',
      accountType: 'atlassian',
    };
  }

  function projectJson(p: FakeProject, ctx: Ctx, api: 2 | 3): Json {
    return {
      expand: 'description,lead,issueTypes,url,projectKeys,permissions,insight',
      self: `${ctx.base}/rest/api/${api}/project/${p.id}`,
      id: p.id,
      key: p.key,
      name: p.name,
      avatarUrls: avatarUrls('project', p.id),
      projectTypeKey: 'software',
      simplified: false,
      style: 'classic',
      isPrivate: false,
      properties: {},
    };
  }

  function issueJson(issue: FakeIssue, ctx: Ctx, api: 2 | 3, fields: Set<string>): Json {
    const f: Json = {};
    const status = STATUS_INFO[issue.status] ?? {
      id: String(parseInt(sha(issue.status).slice(0, 4), 16)),
      cat: { id: 4, key: 'indeterminate', colorName: 'yellow', name: 'In Progress' },
    };
    const type = ISSUE_TYPES.find((t) => t.name === issue.issueType) ?? {
      id: String(parseInt(sha(issue.issueType).slice(0, 4), 16)),
      name: issue.issueType,
      hierarchyLevel: 0,
      description: '',
    };
    const project = fake.jira.projects.find((p) => p.key === issue.projectKey) ?? {
      id: String(parseInt(sha(issue.projectKey).slice(0, 4), 16)),
      key: issue.projectKey,
      name: issue.projectKey,
    };
    const apiBase = `${ctx.base}/rest/api/${api}`;
    for (const name of fields) {
      switch (name) {
        case 'summary':
          f['summary'] = issue.summary;
          break;
        case 'status':
          f['status'] = {
            self: `${apiBase}/status/${status.id}`,
            description: '',
            iconUrl: `${ctx.base}/images/icons/statuses/generic.png`,
            name: issue.status,
            id: status.id,
            statusCategory: { self: `${apiBase}/statuscategory/${status.cat.id}`, ...status.cat },
          };
          break;
        case 'issuetype':
          f['issuetype'] = {
            self: `${apiBase}/issuetype/${type.id}`,
            id: type.id,
            description: type.description,
            iconUrl: `${ctx.base}/rest/api/2/universal_avatar/view/type/issuetype/avatar/${type.id}?size=medium`,
            name: type.name,
            subtask: false,
            avatarId: Number(type.id) + 300,
            hierarchyLevel: type.hierarchyLevel,
          };
          break;
        case 'assignee':
          f['assignee'] = issue.assignee === null ? null : userJson(issue.assignee, ctx, api);
          break;
        case 'updated':
          f['updated'] = issue.updated;
          break;
        case 'created': {
          const t = Date.parse(issue.updated.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
          f['created'] = issue.created ?? (Number.isNaN(t) ? issue.updated : jiraTimestamp(t - 7 * 86_400_000));
          break;
        }
        case 'project':
          f['project'] = {
            self: `${apiBase}/project/${project.id}`,
            id: project.id,
            key: project.key,
            name: project.name,
            projectTypeKey: 'software',
            simplified: false,
            avatarUrls: avatarUrls('project', project.id),
          };
          break;
        case 'description':
          f['description'] = issue.description ?? null;
          break;
        case 'labels':
          f['labels'] = [...(issue.labels ?? [])];
          break;
        case 'priority':
          f['priority'] = issue.priority ? priorityJson(issue.priority, ctx, api) : null;
          break;
        case 'reporter':
          f['reporter'] = issue.reporter ? userJson(issue.reporter, ctx, api) : null;
          break;
        case 'components':
          f['components'] = (issue.components ?? []).map((name) => componentJson(name, project.key, ctx, api));
          break;
        case 'duedate':
          f['duedate'] = issue.dueDate ?? null;
          break;
        case 'parent': {
          const parent = issue.parentKey ? fake.jira.issues.find((i) => i.key === issue.parentKey) : undefined;
          if (parent) f['parent'] = linkedIssueJson(parent, ctx, api);
          break;
        }
        case 'subtasks':
          f['subtasks'] = fake.jira.issues.filter((i) => i.parentKey === issue.key && i.issueType === 'Sub-task').map((i) => linkedIssueJson(i, ctx, api));
          break;
        case 'issuelinks':
          // From this issue's side: the other end, as inward or outward issue.
          f['issuelinks'] = fake.jiraWork.links
            .filter((l) => l.inward === issue.key || l.outward === issue.key)
            .map((l) => {
              const type = LINK_TYPES.find((lt) => lt.name === l.type) ?? LINK_TYPES[3]!;
              return {
                id: l.id,
                self: `${apiBase}/issueLink/${l.id}`,
                type: linkTypeJson(type, ctx, api),
                ...(l.inward === issue.key ? { outwardIssue: linkedIssueByKeyJson(l.outward, ctx, api) } : { inwardIssue: linkedIssueByKeyJson(l.inward, ctx, api) }),
              };
            });
          break;
        case 'comment': {
          const comments = issue.comments ?? [];
          f['comment'] = { comments: comments.map((c) => commentJson(issue, c, ctx, api)), maxResults: comments.length, total: comments.length, startAt: 0 };
          break;
        }
        case 'attachment':
          f['attachment'] = (issue.attachments ?? []).map((a) => attachmentJson(a, ctx, api));
          break;
        default:
          if (name.startsWith('customfield_') && issue.customFields && name in issue.customFields) f[name] = issue.customFields[name];
      }
    }
    return { expand: '', id: issue.id, self: `${apiBase}/issue/${issue.id}`, key: issue.key, fields: f };
  }

  function priorityJson(name: string, ctx: Ctx, api: 2 | 3): Json {
    const id = String(PRIORITIES.indexOf(name) + 1 || 3);
    return { self: `${ctx.base}/rest/api/${api}/priority/${id}`, iconUrl: `${ctx.base}/images/icons/priorities/${name.toLowerCase()}.svg`, name, id };
  }

  function componentJson(name: string, projectKey: string, ctx: Ctx, api: 2 | 3): Json {
    const id = String(10_000 + (parseInt(sha(`${projectKey}/${name}`).slice(0, 4), 16) % 9000));
    return { self: `${ctx.base}/rest/api/${api}/component/${id}`, id, name };
  }

  /** How Jira shows another issue inside an issue (parent, subtask, link). */
  function linkedIssueJson(other: FakeIssue, ctx: Ctx, api: 2 | 3): Json {
    const { fields } = issueJson(other, ctx, api, new Set(['summary', 'status', 'priority', 'issuetype'])) as { fields: Json };
    return { id: other.id, key: other.key, self: `${ctx.base}/rest/api/${api}/issue/${other.id}`, fields };
  }

  function commentJson(issue: FakeIssue, c: FakeComment, ctx: Ctx, api: 2 | 3): Json {
    return {
      self: `${ctx.base}/rest/api/${api}/issue/${issue.id}/comment/${c.id}`,
      id: c.id,
      author: userJson(c.author, ctx, api),
      body: c.body,
      updateAuthor: userJson(c.author, ctx, api),
      created: c.created,
      updated: c.updated,
      ...(c.visibility ? { visibility: { type: c.visibility.type, value: c.visibility.value, identifier: c.visibility.value } } : {}),
      jsdPublic: true,
    };
  }

  function attachmentJson(a: FakeAttachment, ctx: Ctx, api: 2 | 3): Json {
    return {
      self: `${ctx.base}/rest/api/${api}/attachment/${a.id}`,
      id: a.id,
      filename: a.filename,
      author: userJson(a.author, ctx, api),
      created: a.created,
      size: a.content.length,
      mimeType: a.mimeType,
      content: `${ctx.base}/rest/api/${api}/attachment/content/${a.id}`,
    };
  }

  /** The issue and attachment an attachment id names; answers 404 itself. */
  function findAttachment(ctx: Ctx): { issue: FakeIssue; attachment: FakeAttachment } | undefined {
    const id = ctx.params['id'] ?? '';
    for (const issue of fake.jira.issues) {
      const attachment = (issue.attachments ?? []).find((a) => a.id === id);
      if (attachment) return { issue, attachment };
    }
    jiraError(ctx.res, 404, [`The attachment with id '${id}' does not exist.`]);
    return undefined;
  }

  /** The file: with redirect=false its bytes, else (Atlassian's default) a 303 to the media service. */
  function jiraAttachmentContent(ctx: Ctx): void {
    const found = findAttachment(ctx);
    if (!found) return;
    const { attachment } = found;
    const record = answering.get(ctx.res);
    if (ctx.query.get('redirect') !== 'false') {
      if (record) record.response = { status: 303, body: undefined };
      ctx.res.writeHead(303, { location: `${fake.url}/media/file/${attachment.id}?token=${sha(attachment.id).slice(0, 16)}`, 'content-length': '0' });
      ctx.res.end();
      return;
    }
    if (record) record.response = { status: 200, body: undefined };
    ctx.res.writeHead(200, { 'content-type': attachment.mimeType, 'content-length': String(attachment.content.length) });
    ctx.res.end(attachment.content);
  }

  /** Multipart uploads of one or more files in parts named file; Jira's XSRF check wants X-Atlassian-Token: no-check. */
  function jiraAddAttachments(ctx: Ctx, api: 2 | 3): void {
    if (ctx.headers['x-atlassian-token'] !== 'no-check') return jiraError(ctx.res, 403, ['XSRF check failed']);
    const issue = findIssue(ctx, ctx.params['issueIdOrKey'] ?? '');
    if (!issue) return;
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: ctx.headers });
    } catch {
      return jiraError(ctx.res, 415, ['The request is not multipart/form-data.']);
    }
    const author = ctx.email ? (fake.jira.users.find((u) => emailFor(u) === ctx.email) ?? 'Mia Krystof') : 'Mia Krystof';
    const added: FakeAttachment[] = [];
    const pending: Promise<void>[] = [];
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      pending.push(
        new Promise((resolve) => {
          stream.on('error', () => resolve());
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            if (name === 'file') {
              const next = Math.max(10_000, ...fake.jira.issues.flatMap((i) => (i.attachments ?? []).map((a) => Number(a.id))), ...added.map((a) => Number(a.id))) + 1;
              added.push({ id: String(next), filename: info.filename ?? 'file', mimeType: info.mimeType || 'application/octet-stream', created: jiraTimestamp(Date.now()), author, content: Buffer.concat(chunks) });
            }
            resolve();
          });
        }),
      );
    });
    // A malformed form is answered once, with 400; the parts' streams fail with it and settle.
    let malformed = false;
    parser.on('error', () => {
      malformed = true;
      jiraError(ctx.res, 400, ['The multipart request could not be read.']);
    });
    parser.on('close', () => {
      void Promise.all(pending).then(() => {
        if (malformed) return;
        if (added.length === 0) return jiraError(ctx.res, 400, ['No file was attached; send it in a part named file.']);
        issue.attachments = [...(issue.attachments ?? []), ...added];
        send(ctx.res, 200, added.map((a) => attachmentJson(a, ctx, api)));
      });
    });
    parser.end(ctx.rawBody);
  }

  function jiraDeleteAttachment(ctx: Ctx): void {
    const found = findAttachment(ctx);
    if (!found) return;
    found.issue.attachments = (found.issue.attachments ?? []).filter((a) => a !== found.attachment);
    send(ctx.res, 204, undefined);
  }

  /** filters issues by the JQL subset; answers 400 itself and returns null on errors */
  function runJql(ctx: Ctx, jql: string, requireBounded: boolean): FakeIssue[] | null {
    // `project in (...) AND (<rest>) [ORDER BY ...]` (how the service applies JIRA_PROJECTS_FILTER)
    // is the intersection: the rest, within those projects.
    const limited = /^project in \(([^()]*)\) AND \((.*)\)(\s+ORDER BY .*)?$/is.exec(jql);
    if (limited) {
      const within = runJql(ctx, `project in (${limited[1]})`, false);
      const rest = within && runJql(ctx, `${limited[2]}${limited[3] ?? ''}`, false);
      return within && rest && rest.filter((i) => within.includes(i));
    }
    const parsed = parseQuery(jql, 'project');
    if ('error' in parsed) {
      jiraError(ctx.res, 400, [
        `Error in the JQL Query: The quoted string has not been completed. (line 1, character ${jql.length})`,
      ]);
      return null;
    }
    if (requireBounded && parsed.where === '') {
      jiraError(ctx.res, 400, [
        'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.',
      ]);
      return null;
    }
    const knownKeys = new Set([...fake.jira.projects.map((p) => p.key), ...fake.jira.issues.map((i) => i.projectKey)]);
    const knownIds = new Map(fake.jira.projects.map((p) => [p.id, p.key]));
    const wanted: string[] = [];
    for (const v of parsed.container) {
      const key = knownIds.get(v) ?? [...knownKeys].find((k) => k.toLowerCase() === v.toLowerCase());
      if (!key) {
        jiraError(ctx.res, 400, [`The value '${v}' does not exist for the field 'project'.`]);
        return null;
      }
      wanted.push(key);
    }
    // `updated >= "-15m"`: relative to the fake's now (how the pollers ask, free of time zones).
    const since = /\bupdated\s*>=\s*"-(\d+)m"/i.exec(parsed.where);
    const sinceMs = since ? fake.now() - Number(since[1]) * 60_000 : undefined;
    const found = fake.jira.issues.filter(
      (i) =>
        (wanted.length === 0 || wanted.includes(i.projectKey)) &&
        parsed.text.every((t) => includesCI(i.summary, t)) &&
        (sinceMs === undefined || Date.parse(i.updated.replace('+0000', 'Z')) >= sinceMs),
    );
    return /ORDER BY updated ASC\s*$/i.test(jql) ? [...found].sort((a, b) => Date.parse(a.updated.replace('+0000', 'Z')) - Date.parse(b.updated.replace('+0000', 'Z'))) : found;
  }

  /** An issue by key (any case) or id, or answers Jira's 404 itself and returns undefined. */
  function findIssue(ctx: Ctx, idOrKey: string): FakeIssue | undefined {
    const issue = fake.jira.issues.find((i) => i.id === idOrKey || i.key.toUpperCase() === idOrKey.toUpperCase());
    if (!issue) jiraError(ctx.res, 404, ['Issue does not exist or you do not have permission to see it.']);
    return issue;
  }

  function jiraGetIssue(ctx: Ctx, api: 2 | 3): void {
    const issue = findIssue(ctx, ctx.params['issueIdOrKey'] ?? '');
    if (!issue) return;
    const tokens = listParam(ctx.query, 'fields');
    const fields = selectFields(tokens, true);
    // *all, and the default, include the custom fields too.
    if (tokens.length === 0 || tokens.includes('*all')) for (const id of Object.keys(issue.customFields ?? {})) fields.add(id);
    send(ctx.res, 200, issueJson(issue, ctx, api, fields));
  }

  /** The fields an issue's edit screen offers, as editmeta describes them. */
  const EDITABLE: Record<string, { name: string; schema: Json; operations: string[] }> = {
    summary: { name: 'Summary', schema: { type: 'string', system: 'summary' }, operations: ['set'] },
    description: { name: 'Description', schema: { type: 'string', system: 'description' }, operations: ['set'] },
    labels: { name: 'Labels', schema: { type: 'array', items: 'string', system: 'labels' }, operations: ['add', 'set', 'remove'] },
    priority: { name: 'Priority', schema: { type: 'priority', system: 'priority' }, operations: ['set'] },
    assignee: { name: 'Assignee', schema: { type: 'user', system: 'assignee' }, operations: ['set'] },
    components: { name: 'Components', schema: { type: 'array', items: 'component', system: 'components' }, operations: ['add', 'set', 'remove'] },
    duedate: { name: 'Due date', schema: { type: 'date', system: 'duedate' }, operations: ['set'] },
    parent: { name: 'Parent', schema: { type: 'issuelink', system: 'parent' }, operations: ['set'] },
  };

  function editableFields(issue: FakeIssue): Record<string, { name: string; schema: Json; operations: string[] }> {
    const fields: Record<string, { name: string; schema: Json; operations: string[] }> = { ...EDITABLE };
    for (const id of Object.keys(issue.customFields ?? {})) {
      fields[id] = { name: `Custom ${id.slice('customfield_'.length)}`, schema: { type: 'any', custom: 'com.atlassian.jira.plugin.system.customfieldtypes:textfield', customId: Number(id.slice(12)) }, operations: ['set'] };
    }
    for (const id of issue.notEditable ?? []) delete fields[id];
    return fields;
  }

  function jiraEditMeta(ctx: Ctx): void {
    const issue = findIssue(ctx, ctx.params['issueIdOrKey'] ?? '');
    if (!issue) return;
    const fields = Object.fromEntries(
      Object.entries(editableFields(issue)).map(([key, f]) => [
        key,
        {
          required: key === 'summary',
          schema: f.schema,
          name: f.name,
          key,
          operations: f.operations,
          ...(key === 'priority' ? { allowedValues: PRIORITIES.map((p) => priorityJson(p, ctx, 3)) } : {}),
        },
      ]),
    );
    send(ctx.res, 200, { fields });
  }

  /** PUT issue: `fields` (set) and `update` (add/set/remove verbs), each field checked against the edit screen. */
  function jiraEditIssue(ctx: Ctx, api: 2 | 3): void {
    const issue = findIssue(ctx, ctx.params['issueIdOrKey'] ?? '');
    if (!issue) return;
    const body = ctx.body;
    if (!isObject(body)) return jiraError(ctx.res, 400, ['The request body is not a JSON object.']);
    const fields = isObject(body['fields']) ? body['fields'] : {};
    const update = isObject(body['update']) ? body['update'] : {};
    const editable = editableFields(issue);
    const errors: Record<string, string> = {};
    for (const id of [...Object.keys(fields), ...Object.keys(update)]) {
      if (!(id in editable)) errors[id] = `Field '${id}' cannot be set. It is not on the appropriate screen, or unknown.`;
    }
    if (typeof fields['summary'] === 'string' && fields['summary'].trim() === '') errors['summary'] = 'You must specify a summary of the issue.';
    const priority = fields['priority'];
    if (isObject(priority) && !PRIORITIES.includes(String(priority['name']))) errors['priority'] = `The priority selected is invalid.`;
    const assignee = fields['assignee'];
    const assigneeName = isObject(assignee)
      ? fake.jira.users.find((u) => (api === 3 ? accountIdFor(u) === assignee['accountId'] : emailFor(u).split('@')[0] === assignee['name']))
      : undefined;
    if (isObject(assignee) && !assigneeName) errors['assignee'] = `User '${String(assignee['accountId'] ?? assignee['name'])}' cannot be assigned issues.`;
    const parent = fields['parent'];
    const parentIssue = isObject(parent) ? fake.jira.issues.find((i) => i.key === parent['key'] || i.id === parent['id']) : undefined;
    if (isObject(parent) && !parentIssue) errors['parent'] = 'Could not find issue by id or key.';
    const due = fields['duedate'];
    if (due !== undefined && due !== null && (typeof due !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(due))) errors['duedate'] = 'Error parsing date string: yyyy-MM-dd expected.';
    if (fields['description'] !== undefined && fields['description'] !== null) {
      const d = fields['description'];
      if (api === 3 && !(isObject(d) && d['type'] === 'doc')) errors['description'] = 'Operation value must be an Atlassian Document (see the Atlassian Document Format).';
      if (api === 2 && typeof d !== 'string') errors['description'] = 'Operation value must be a string';
    }
    if (Object.keys(errors).length > 0) return jiraError(ctx.res, 400, [], errors);
    if (typeof fields['summary'] === 'string') issue.summary = fields['summary'];
    if ('description' in fields) issue.description = fields['description'];
    if ('priority' in fields) issue.priority = isObject(priority) ? String(priority['name']) : null;
    if ('assignee' in fields) issue.assignee = assigneeName ?? null;
    if ('duedate' in fields) issue.dueDate = (due as string | null) ?? null;
    if ('parent' in fields) issue.parentKey = parentIssue?.key ?? null;
    if (Array.isArray(fields['labels'])) issue.labels = fields['labels'].map(String);
    if (Array.isArray(fields['components'])) issue.components = fields['components'].filter(isObject).map((c) => String(c['name']));
    for (const [id, v] of Object.entries(fields)) if (id.startsWith('customfield_')) (issue.customFields ??= {})[id] = v;
    for (const [field, verbs] of Object.entries(update)) {
      if (field !== 'labels' || !Array.isArray(verbs)) continue;
      for (const verb of verbs.filter(isObject)) {
        if (typeof verb['add'] === 'string' && !(issue.labels ?? []).includes(verb['add'])) issue.labels = [...(issue.labels ?? []), verb['add']];
        if (typeof verb['remove'] === 'string') issue.labels = (issue.labels ?? []).filter((l) => l !== verb['remove']);
        if (Array.isArray(verb['set'])) issue.labels = verb['set'].map(String);
      }
    }
    issue.updated = jiraTimestamp(Date.now());
    send(ctx.res, 204, undefined);
  }

  function jiraComments(ctx: Ctx, api: 2 | 3): void {
    const issue = findIssue(ctx, ctx.params['issueIdOrKey'] ?? '');
    if (!issue) return;
    const startAt = parseIntParam(ctx.query.get('startAt'), 0);
    const maxResults = parseIntParam(ctx.query.get('maxResults'), 5000);
    const orderBy = ctx.query.get('orderBy') ?? 'created';
    if (startAt === null || maxResults === null || !['created', '-created', '+created'].includes(orderBy)) {
      return jiraError(ctx.res, 400, ['Invalid startAt, maxResults or orderBy.']);
    }
    const all = [...(issue.comments ?? [])].sort((a, b) => a.created.localeCompare(b.created) || Number(a.id) - Number(b.id));
    if (orderBy === '-created') all.reverse();
    const page = all.slice(startAt, startAt + maxResults);
    send(ctx.res, 200, { startAt, maxResults, total: all.length, comments: page.map((c) => commentJson(issue, c, ctx, api)) });
  }

  /** A comment body the API version takes: an ADF doc (v3) or a string (v2); an error message otherwise. */
  function commentBodyProblem(body: unknown, api: 2 | 3): string | undefined {
    if (api === 3) return isObject(body) && body['type'] === 'doc' && Array.isArray(body['content']) ? undefined : 'Comment body must be an Atlassian Document.';
    return typeof body === 'string' && body.trim() !== '' ? undefined : 'Comment body can not be empty!';
  }

  function commentVisibility(v: unknown): FakeComment['visibility'] | undefined {
    if (!isObject(v)) return undefined;
    const type = v['type'];
    const value = v['value'] ?? v['identifier'];
    return (type === 'role' || type === 'group') && typeof value === 'string' ? { type, value } : undefined;
  }

  function jiraAddComment(ctx: Ctx, api: 2 | 3): void {
    const issue = findIssue(ctx, ctx.params['issueIdOrKey'] ?? '');
    if (!issue) return;
    const body = isObject(ctx.body) ? ctx.body : {};
    const problem = commentBodyProblem(body['body'], api);
    if (problem) return jiraError(ctx.res, 400, [], { comment: problem });
    const visibility = commentVisibility(body['visibility']);
    if (body['visibility'] !== undefined && !visibility) return jiraError(ctx.res, 400, [], { visibility: 'Invalid visibility.' });
    const author = ctx.email ? fake.jira.users.find((u) => emailFor(u) === ctx.email) ?? 'Mia Krystof' : 'Mia Krystof';
    const now = jiraTimestamp(Date.now());
    const nextId = String(Math.max(10_200, ...fake.jira.issues.flatMap((i) => (i.comments ?? []).map((c) => Number(c.id)))) + 1);
    const comment: FakeComment = { id: nextId, author, body: body['body'], created: now, updated: now, visibility: visibility ?? null };
    issue.comments = [...(issue.comments ?? []), comment];
    send(ctx.res, 201, commentJson(issue, comment, ctx, api));
  }

  function findComment(ctx: Ctx): { issue: FakeIssue; comment: FakeComment } | undefined {
    const issue = findIssue(ctx, ctx.params['issueIdOrKey'] ?? '');
    if (!issue) return undefined;
    const comment = (issue.comments ?? []).find((c) => c.id === ctx.params['id']);
    if (!comment) {
      jiraError(ctx.res, 404, [`Can not find a comment for the id: ${ctx.params['id'] ?? ''}.`]);
      return undefined;
    }
    return { issue, comment };
  }

  function jiraEditComment(ctx: Ctx, api: 2 | 3): void {
    const found = findComment(ctx);
    if (!found) return;
    const body = isObject(ctx.body) ? ctx.body : {};
    const problem = commentBodyProblem(body['body'], api);
    if (problem) return jiraError(ctx.res, 400, [], { comment: problem });
    found.comment.body = body['body'];
    if ('visibility' in body) found.comment.visibility = commentVisibility(body['visibility']) ?? null;
    found.comment.updated = jiraTimestamp(Date.now());
    send(ctx.res, 200, commentJson(found.issue, found.comment, ctx, api));
  }

  function jiraDeleteComment(ctx: Ctx): void {
    const found = findComment(ctx);
    if (!found) return;
    found.issue.comments = (found.issue.comments ?? []).filter((c) => c !== found.comment);
    send(ctx.res, 204, undefined);
  }

  /** user/search and user/assignable/search: people whose name or email contains the query, paged by startAt. */
  function jiraUsers(ctx: Ctx, api: 2 | 3, assignable: boolean): void {
    const q = ctx.query;
    const startAt = parseIntParam(q.get('startAt'), 0);
    const maxResults = parseIntParam(q.get('maxResults'), 50);
    if (startAt === null || maxResults === null) return jiraError(ctx.res, 400, ['startAt and maxResults must be numbers.']);
    const needle = (api === 2 ? q.get('username') : q.get('query')) ?? '';
    if (!assignable && needle === '' && !q.get('accountId')) {
      return jiraError(ctx.res, 400, ["The query parameter 'query' is required."]);
    }
    if (assignable) {
      const project = q.get('project');
      const issueKey = q.get('issueKey');
      if (!project && !issueKey && !q.get('issueId')) return jiraError(ctx.res, 400, ['Give a project or an issue.']);
      if (project && !fake.jira.projects.some((p) => p.key === project || p.id === project)) {
        return jiraError(ctx.res, 404, [`No project could be found with key '${project}'.`]);
      }
      if (issueKey && !fake.jira.issues.some((i) => i.key === issueKey || i.id === issueKey)) {
        return jiraError(ctx.res, 404, ['Issue does not exist or you do not have permission to see it.']);
      }
    }
    const matching = fake.jira.users.filter((name) => includesCI(name, needle) || includesCI(emailFor(name), needle));
    send(ctx.res, 200, matching.slice(startAt, startAt + Math.min(maxResults, 1000)).map((name) => userJson(name, ctx, api)));
  }

  function jiraMyself(ctx: Ctx, api: 2 | 3): void {
    const name = ctx.email
      ? (ctx.email
          .split('@')[0]
          ?.replace(/[._-]+/g, ' ')
          .replace(/\b\w/g, (c) => c.toUpperCase()) ?? 'User')
      : 'Mia Krystof';
    const u = userJson(name, ctx, api, ctx.email);
    send(ctx.res, 200, {
      ...u,
      locale: 'en_US',
      groups: { size: 1, items: [] },
      applicationRoles: { size: 1, items: [] },
      expand: 'groups,applicationRoles',
    });
  }

  function jiraProjectSearch(ctx: Ctx): void {
    const q = ctx.query;
    const startAt = parseIntParam(q.get('startAt'), 0);
    const max = parseIntParam(q.get('maxResults'), 50);
    if (startAt === null || max === null || startAt < 0) {
      jiraError(ctx.res, 400, ['Invalid startAt or maxResults.']);
      return;
    }
    const maxResults = Math.min(Math.max(max, 0), 100);
    const text = q.get('query')?.toLowerCase();
    const keys = listParam(q, 'keys');
    const ids = listParam(q, 'id');
    const all = [...fake.jira.projects]
      .filter((p) => !text || p.key.toLowerCase().includes(text) || p.name.toLowerCase().includes(text))
      .filter((p) => keys.length === 0 || keys.includes(p.key))
      .filter((p) => ids.length === 0 || ids.includes(p.id))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const page = all.slice(startAt, startAt + maxResults);
    const isLast = startAt + page.length >= all.length;
    const link = (s: number): string => {
      const p = new URLSearchParams(q);
      p.set('startAt', String(s));
      p.set('maxResults', String(maxResults));
      return `${ctx.base}/rest/api/3/project/search?${p.toString()}`;
    };
    send(ctx.res, 200, {
      self: link(startAt),
      ...(isLast ? {} : { nextPage: link(startAt + maxResults) }),
      maxResults,
      startAt,
      total: all.length,
      isLast,
      values: page.map((p) => projectJson(p, ctx, 3)),
    });
  }

  function jiraSearchJql(ctx: Ctx): void {
    let jql: unknown;
    let nextPageToken: unknown;
    let maxRaw: unknown;
    let fieldTokens: string[];
    if (ctx.method === 'POST') {
      if (!isObject(ctx.body)) {
        jiraError(ctx.res, 400, ['Request body must be a JSON object.']);
        return;
      }
      ({ jql, nextPageToken, maxResults: maxRaw } = ctx.body);
      const fields = ctx.body['fields'];
      if (fields !== undefined && (!Array.isArray(fields) || !fields.every((x) => typeof x === 'string'))) {
        jiraError(ctx.res, 400, ['Invalid request payload. Refer to the REST API documentation and try again.']);
        return;
      }
      if (
        (jql !== undefined && typeof jql !== 'string') ||
        (nextPageToken !== undefined && typeof nextPageToken !== 'string') ||
        (maxRaw !== undefined && !Number.isInteger(maxRaw))
      ) {
        jiraError(ctx.res, 400, ['Invalid request payload. Refer to the REST API documentation and try again.']);
        return;
      }
      fieldTokens = (fields as string[] | undefined)?.flatMap((x) => x.split(',')).map((x) => x.trim()) ?? [];
    } else {
      jql = ctx.query.get('jql') ?? undefined;
      nextPageToken = ctx.query.get('nextPageToken') ?? undefined;
      const m = ctx.query.get('maxResults');
      maxRaw = m === null ? undefined : /^-?\d+$/.test(m) ? Number(m) : NaN;
      fieldTokens = listParam(ctx.query, 'fields');
    }
    if (maxRaw !== undefined && !Number.isInteger(maxRaw)) {
      jiraError(ctx.res, 400, ["The value of 'maxResults' is not a valid integer."]);
      return;
    }
    const maxResults = Math.min(Math.max((maxRaw as number | undefined) ?? 50, 1), 5000);
    const query = (jql as string | undefined) ?? '';
    const matches = runJql(ctx, query, true);
    if (!matches) return;
    let offset = 0;
    if (typeof nextPageToken === 'string' && nextPageToken !== '') {
      const c = decodeCursor(nextPageToken);
      if (!c || typeof c['o'] !== 'number' || c['q'] !== sha(query).slice(0, 16)) {
        jiraError(ctx.res, 400, ['The provided next page token is invalid or expired.']);
        return;
      }
      offset = c['o'];
    }
    const fields = selectFields(fieldTokens, false);
    const page = matches.slice(offset, offset + maxResults);
    const isLast = offset + page.length >= matches.length;
    send(ctx.res, 200, {
      issues: page.map((i) => issueJson(i, ctx, 3, fields)),
      ...(isLast ? {} : { nextPageToken: encodeCursor({ o: offset + page.length, q: sha(query).slice(0, 16) }) }),
      isLast,
    });
  }

  function jiraSearchV2(ctx: Ctx): void {
    let jql = ctx.query.get('jql') ?? '';
    let startAt = parseIntParam(ctx.query.get('startAt'), 0);
    let max = parseIntParam(ctx.query.get('maxResults'), 50);
    let tokens = listParam(ctx.query, 'fields');
    if (ctx.method === 'POST') {
      const b = isObject(ctx.body) ? ctx.body : {};
      jql = typeof b['jql'] === 'string' ? b['jql'] : '';
      startAt = typeof b['startAt'] === 'number' ? b['startAt'] : 0;
      max = typeof b['maxResults'] === 'number' ? b['maxResults'] : 50;
      tokens = Array.isArray(b['fields']) ? b['fields'].filter((x): x is string => typeof x === 'string') : [];
    }
    if (startAt === null || max === null || startAt < 0) {
      jiraError(ctx.res, 400, ['Invalid startAt or maxResults.']);
      return;
    }
    const matches = runJql(ctx, jql, false);
    if (!matches) return;
    const maxResults = Math.min(Math.max(max, 0), 1000);
    const fields = selectFields(tokens, true);
    send(ctx.res, 200, {
      expand: 'schema,names',
      startAt,
      maxResults,
      total: matches.length,
      issues: matches.slice(startAt, startAt + maxResults).map((i) => issueJson(i, ctx, 2, fields)),
    });
  }

  function jiraCreateIssue(ctx: Ctx, api: 2 | 3): void {
    const body = ctx.body;
    if (!isObject(body) || !isObject(body['fields'])) {
      jiraError(ctx.res, 400, ["Field 'fields' is required."], {});
      return;
    }
    const f = body['fields'];
    const errors: Record<string, string> = {};
    const ref = (v: unknown): { id?: string; key?: string; name?: string } | null =>
      isObject(v) ? (v as { id?: string; key?: string; name?: string }) : null;
    const projRef = ref(f['project']);
    const project = projRef
      ? fake.jira.projects.find((p) => (projRef.id !== undefined ? p.id === String(projRef.id) : p.key === projRef.key))
      : undefined;
    if (!project) errors['project'] = 'Specify a valid project ID or key';
    const summary = f['summary'];
    if (typeof summary !== 'string' || summary.trim() === '')
      errors['summary'] = 'You must specify a summary of the issue.';
    const typeRef = ref(f['issuetype']);
    const type = typeRef
      ? createTypes().find((t) => (typeRef.id !== undefined ? t.id === String(typeRef.id) : t.name === typeRef.name))
      : undefined;
    if (!typeRef) errors['issuetype'] = 'Specify an issue type';
    else if (!type) errors['issuetype'] = 'Specify a valid issue type';
    const description = f['description'];
    if (description !== undefined && description !== null) {
      if (
        api === 3 &&
        !(
          isObject(description) &&
          description['type'] === 'doc' &&
          description['version'] === 1 &&
          Array.isArray(description['content'])
        )
      ) {
        errors['description'] = 'Operation value must be an Atlassian Document (see the Atlassian Document Format).';
      }
      if (api === 2 && typeof description !== 'string') errors['description'] = 'Operation value must be a string';
    }
    if (type) Object.assign(errors, createFieldErrors(fake, { accountIdFor, emailFor }, f, type.name, api));
    if (Object.keys(errors).length > 0 || !project || !type) {
      jiraError(ctx.res, 400, [], errors);
      return;
    }
    fake.jira.createdIssues.push(body);
    const nextId = Math.max(19999, ...fake.jira.issues.map((i) => Number(i.id)).filter(Number.isFinite)) + 1;
    const nextNum =
      Math.max(
        0,
        ...fake.jira.issues
          .filter((i) => i.projectKey === project.key)
          .map((i) => Number(i.key.slice(project.key.length + 1)))
          .filter(Number.isFinite),
      ) + 1;
    const issue: FakeIssue = {
      id: String(nextId),
      key: `${project.key}-${nextNum}`,
      summary: summary as string,
      status: 'To Do',
      issueType: type.name,
      assignee: null,
      updated: jiraTimestamp(Date.now()),
      projectKey: project.key,
      description: description ?? null,
    };
    applyCreateFields(fake, { accountIdFor, emailFor }, f, issue, api);
    fake.jira.issues.push(issue);
    send(ctx.res, 201, { id: issue.id, key: issue.key, self: `${ctx.base}/rest/api/${api}/issue/${issue.id}` });
  }

  // --- Confluence --------------------------------------------------------------------------

  const SPACE_AUTHOR = accountIdFor('Mia Krystof');
  const siteWiki = (): string => `${fake.url}/wiki`;

  function homepageOf(s: FakeSpace): string {
    return s.homepageId ?? String(100_000 + (parseInt(sha(s.id).slice(0, 6), 16) % 900_000));
  }

  function pageWebui(page: { id: string; title: string }, space: FakeSpace | undefined): string {
    return `/spaces/${space?.key ?? 'unknown'}/pages/${page.id}/${encodeURIComponent(page.title).replace(/%20/g, '+')}`;
  }

  function confSpaces(ctx: Ctx): void {
    const q = ctx.query;
    const limitRaw = parseIntParam(q.get('limit'), 25);
    if (limitRaw === null) {
      confluenceError(ctx.res, 400, 'INVALID_REQUEST_PARAMETER', "Provided value for 'limit' is not a valid integer");
      return;
    }
    const limit = Math.min(Math.max(limitRaw, 1), 250);
    let offset = 0;
    const cursor = q.get('cursor');
    if (cursor) {
      const c = decodeCursor(cursor);
      if (!c || typeof c['o'] !== 'number') {
        confluenceError(ctx.res, 400, 'INVALID_REQUEST_PARAMETER', 'Invalid cursor');
        return;
      }
      offset = c['o'];
    }
    const keys = listParam(q, 'keys');
    const ids = listParam(q, 'ids');
    const type = q.get('type');
    const status = q.get('status');
    const all = fake.confluence.spaces.filter(
      (s) =>
        (keys.length === 0 || keys.includes(s.key)) &&
        (ids.length === 0 || ids.includes(s.id)) &&
        (!type || s.type === type) &&
        (!status || status === 'current'),
    );
    const page = all.slice(offset, offset + limit);
    const hasNext = offset + page.length < all.length;
    let next: string | undefined;
    if (hasNext) {
      const p = new URLSearchParams();
      p.set('cursor', encodeCursor({ o: offset + page.length }));
      p.set('limit', String(limit));
      for (const [k, v] of q) if (k !== 'cursor' && k !== 'limit') p.append(k, v);
      next = `/wiki/api/v2/spaces?${p.toString()}`;
    }
    const headers: Record<string, string> = {};
    if (next) headers['link'] = `<${next}>; rel="next", <${siteWiki()}>; rel="base"`;
    send(
      ctx.res,
      200,
      {
        results: page.map((s) => ({
          id: s.id,
          key: s.key,
          name: s.name,
          type: s.type,
          status: 'current',
          authorId: SPACE_AUTHOR,
          createdAt: '2025-03-14T08:30:00.000Z',
          homepageId: homepageOf(s),
          _links: { webui: `/spaces/${s.key}` },
        })),
        _links: { ...(next ? { next } : {}), base: siteWiki() },
      },
      headers,
    );
  }

  function confCreatePage(ctx: Ctx): void {
    if (ctx.rawBody.length > PAGE_BODY_LIMIT) {
      confluenceError(ctx.res, 413, 'REQUEST_ENTITY_TOO_LARGE', 'Request entity too large (limit 5 MB)');
      return;
    }
    const b = ctx.body;
    if (!isObject(b)) {
      confluenceError(ctx.res, 400, 'INVALID_REQUEST_PARAMETER', 'Request body must be a JSON object');
      return;
    }
    if (typeof b['spaceId'] !== 'string' || b['spaceId'] === '') {
      confluenceError(ctx.res, 400, 'INVALID_REQUEST_PARAMETER', "'spaceId' is required and must be a string");
      return;
    }
    const status = b['status'] ?? 'current';
    if (status !== 'current' && status !== 'draft') {
      confluenceError(ctx.res, 400, 'INVALID_REQUEST_PARAMETER', "'status' must be one of: current, draft");
      return;
    }
    const title = b['title'];
    if (title !== undefined && typeof title !== 'string') {
      confluenceError(ctx.res, 400, 'INVALID_REQUEST_PARAMETER', "'title' must be a string");
      return;
    }
    if (status === 'current' && (!title || title.trim() === '')) {
      confluenceError(ctx.res, 400, 'INVALID_REQUEST_PARAMETER', 'Title is required for a published page');
      return;
    }
    let representation = 'storage';
    let value = '';
    const body = b['body'];
    if (body !== undefined) {
      const flat = isObject(body) && typeof body['representation'] === 'string' ? body : undefined;
      const nested = isObject(body)
        ? (['storage', 'atlas_doc_format', 'wiki'].map((k) => body[k]).find(isObject) as Json | undefined)
        : undefined;
      const chosen = flat ?? nested;
      if (
        !chosen ||
        typeof chosen['value'] !== 'string' ||
        !['storage', 'atlas_doc_format', 'wiki'].includes(String(chosen['representation']))
      ) {
        confluenceError(
          ctx.res,
          400,
          'INVALID_REQUEST_PARAMETER',
          "'body' must have a representation (storage, atlas_doc_format, wiki) and a string value",
        );
        return;
      }
      representation = String(chosen['representation']);
      value = chosen['value'] as string;
      if (representation === 'atlas_doc_format') {
        try {
          JSON.parse(value);
        } catch {
          confluenceError(ctx.res, 400, 'INVALID_REQUEST_PARAMETER', 'atlas_doc_format value is not valid JSON');
          return;
        }
      }
    }
    const space = fake.confluence.spaces.find((s) => s.id === b['spaceId']);
    if (!space) {
      confluenceError(ctx.res, 404, 'NOT_FOUND', 'Space not found or not permitted');
      return;
    }
    const pageTitle = typeof title === 'string' ? title : '';
    if (status === 'current' && fake.confluence.pages.some((p) => p.spaceId === space.id && p.title === pageTitle)) {
      confluenceError(
        ctx.res,
        400,
        'INVALID_REQUEST_PARAMETER',
        'A page with this title already exists: A page already exists with the same TITLE in this space',
      );
      return;
    }
    fake.confluence.createdPages.push(b);
    const id = String(
      Math.max(1_000_000, ...fake.confluence.pages.map((p) => Number(p.id)).filter(Number.isFinite)) + 1,
    );
    const plain = value
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    if (status === 'current')
      fake.confluence.pages.push({ id, title: pageTitle, spaceId: space.id, excerpt: plain.slice(0, 200) });
    const createdAt = new Date().toISOString();
    const parentId =
      typeof b['parentId'] === 'string'
        ? b['parentId']
        : ctx.query.get('root-level') === 'true'
          ? undefined
          : homepageOf(space);
    send(ctx.res, 200, {
      id,
      status,
      title: pageTitle,
      spaceId: space.id,
      ...(parentId ? { parentId, parentType: 'page' } : {}),
      position: 0,
      authorId: SPACE_AUTHOR,
      ownerId: SPACE_AUTHOR,
      lastOwnerId: null,
      createdAt,
      version: { createdAt, message: '', number: 1, minorEdit: false, authorId: SPACE_AUTHOR },
      body: { [representation]: { representation, value } },
      _links: {
        webui: pageWebui({ id, title: pageTitle }, space),
        editui: `/pages/resumedraft.action?draftId=${id}`,
        tinyui: `/x/${Buffer.from(id).toString('base64url')}`,
        base: siteWiki(),
      },
    });
  }

  function confSearchV1(ctx: Ctx): void {
    const q = ctx.query;
    const cql = q.get('cql');
    const v1Error = (message: string): void =>
      send(ctx.res, 400, {
        statusCode: 400,
        data: { authorized: false, valid: false, errors: [], successful: false },
        message,
      });
    if (!cql)
      return v1Error(
        'com.atlassian.confluence.api.service.exceptions.BadRequestException: CQL query parameter is required but was empty',
      );
    const parsed = parseQuery(cql, 'space');
    if ('error' in parsed)
      return v1Error(
        `com.atlassian.confluence.api.service.exceptions.BadRequestException: Could not parse cql : ${cql}`,
      );
    const limitRaw = parseIntParam(q.get('limit'), 25);
    if (limitRaw === null)
      return v1Error(
        "com.atlassian.confluence.api.service.exceptions.BadRequestException: 'limit' is not a valid integer",
      );
    const limit = Math.min(Math.max(limitRaw, 1), 100);
    let offset = 0;
    const cursor = q.get('cursor');
    if (cursor) {
      const c = decodeCursor(cursor);
      if (!c || typeof c['o'] !== 'number')
        return v1Error('com.atlassian.confluence.api.service.exceptions.BadRequestException: Invalid cursor');
      offset = c['o'];
    }
    const spaceByKey = new Map(fake.confluence.spaces.map((s) => [s.key.toLowerCase(), s]));
    const wantedSpaces = parsed.container.map((k) => spaceByKey.get(k.toLowerCase())?.id ?? `unknown:${k}`);
    // `lastmodified >= now("-15m")`: current pages whose version was made since (the fake's now).
    const since = /\blastmodified\s*>=\s*now\("-(\d+)m"\)/i.exec(parsed.where);
    const sinceMs = since ? fake.now() - Number(since[1]) * 60_000 : undefined;
    const modifiedSince = (p: FakePage): boolean => {
      if (sinceMs === undefined) return true;
      const d = fake.confluenceContent.detail(p.id);
      return d !== undefined && d.status === 'current' && Date.parse(d.versionCreatedAt) >= sinceMs;
    };
    const all = fake.confluence.pages.filter(
      (p) =>
        modifiedSince(p) &&
        (wantedSpaces.length === 0 || wantedSpaces.includes(p.spaceId)) &&
        parsed.text.every((t) => includesCI(p.title, t) || includesCI(p.excerpt, t)) &&
        parsed.title.every((t) => includesCI(p.title, t)),
    );
    const page = all.slice(offset, offset + limit);
    const hasNext = offset + page.length < all.length;
    const excerptMode = q.get('excerpt') ?? 'highlight';
    const terms = [...parsed.text, ...parsed.title];
    const expandSpace = listParam(q, 'expand').includes('content.space');
    const links: Json = { base: siteWiki(), context: '/wiki' };
    if (hasNext) {
      const p = new URLSearchParams();
      p.set('next', 'true');
      p.set('cursor', encodeCursor({ o: offset + page.length }));
      p.set('limit', String(limit));
      p.set('cql', cql);
      for (const [k, v] of q) if (!['next', 'cursor', 'limit', 'cql', 'prev'].includes(k)) p.append(k, v);
      links['next'] = `/rest/api/search?${p.toString()}`;
    }
    links['self'] = `${siteWiki()}/rest/api/search?cql=${encodeURIComponent(cql)}`;
    send(ctx.res, 200, {
      results: page.map((p) => {
        const space = fake.confluence.spaces.find((s) => s.id === p.spaceId);
        const webui = pageWebui(p, space);
        return {
          content: {
            id: p.id,
            type: 'page',
            status: 'current',
            title: p.title,
            ...(expandSpace && space
              ? {
                  space: {
                    id: Number(space.id),
                    key: space.key,
                    name: space.name,
                    type: space.type,
                    status: 'current',
                    _expandable: { settings: '', metadata: '', operations: '', lookAndFeel: '', identifiers: '', permissions: '', icon: '', description: '', theme: '', history: '', homepage: '' },
                    _links: { webui: `/spaces/${space.key}`, self: `${siteWiki()}/rest/api/space/${space.key}` },
                  },
                }
              : {}),
            childTypes: {},
            macroRenderedOutput: {},
            restrictions: {},
            _expandable: {
              container: '',
              metadata: '',
              extensions: '',
              operations: '',
              children: '',
              history: `/rest/api/content/${p.id}/history`,
              ancestors: '',
              body: '',
              version: '',
              descendants: '',
              ...(expandSpace || !space ? {} : { space: `/rest/api/space/${space.key}` }),
            },
            _links: {
              webui,
              self: `${siteWiki()}/rest/api/content/${p.id}`,
              tinyui: `/x/${Buffer.from(p.id).toString('base64url')}`,
            },
          },
          title: excerptMode === 'highlight' ? highlight(p.title, terms) : p.title,
          excerpt: excerptMode === 'none' ? '' : excerptMode === 'highlight' ? highlight(p.excerpt, terms) : p.excerpt,
          url: webui,
          resultGlobalContainer: { title: space?.name ?? '', displayUrl: `/spaces/${space?.key ?? ''}` },
          breadcrumbs: [],
          entityType: 'content',
          iconCssClass: 'aui-icon content-type-page',
          lastModified: '2026-11-18T09:00:00.000Z',
          friendlyLastModified: 'Nov 18, 2026',
          score: 0,
        };
      }),
      start: offset,
      limit,
      size: page.length,
      totalSize: all.length,
      cqlQuery: cql,
      searchDuration: 17,
      _links: links,
    });
  }

  // --- Jira: assign, transitions, delete, create metadata, links, boards and sprints -------

  /** A v3 rich-text value must be an ADF doc, a v2 one a string: answers Jira's 400 itself and false otherwise. */
  function richTextOk(ctx: Ctx, api: 2 | 3, value: unknown, field: string): boolean {
    const ok =
      api === 2
        ? typeof value === 'string'
        : isObject(value) && value['type'] === 'doc' && value['version'] === 1 && Array.isArray(value['content']);
    if (!ok) {
      jiraError(ctx.res, 400, [], {
        [field]: api === 2 ? 'Operation value must be a string' : 'Operation value must be an Atlassian Document (see the Atlassian Document Format).',
      });
    }
    return ok;
  }

  function userByAccount(api: 2 | 3, body: Json): { found: boolean; name: string | null } {
    if (api === 3) {
      const id = body['accountId'];
      if (id === null) return { found: true, name: null };
      const name = fake.jira.users.find((n) => accountIdFor(n) === id);
      return { found: name !== undefined, name: name ?? null };
    }
    const login = body['name'];
    if (login === null) return { found: true, name: null };
    const name = fake.jira.users.find((n) => emailFor(n).split('@')[0] === login);
    return { found: name !== undefined, name: name ?? null };
  }

  function jiraAssign(ctx: Ctx, api: 2 | 3): void {
    const issue = findIssue(ctx, ctx.params['issueIdOrKey'] ?? '');
    if (!issue) return;
    const field = api === 3 ? 'accountId' : 'name';
    if (!isObject(ctx.body) || !(field in ctx.body)) return jiraError(ctx.res, 400, [`The request body must name the user (${field}).`]);
    const { found, name } = userByAccount(api, ctx.body);
    if (!found) return jiraError(ctx.res, 400, [], { assignee: `User '${String(ctx.body[field])}' cannot be assigned issues.` });
    issue.assignee = name;
    issue.updated = jiraTimestamp(Date.now());
    send(ctx.res, 204, undefined);
  }

  /** Data Center: a user by key. */
  function jiraUserByKey(ctx: Ctx): void {
    const key = ctx.query.get('key') ?? '';
    const name = fake.jira.users.find((n) => userJson(n, ctx, 2)['key'] === key);
    if (!name) return jiraError(ctx.res, 404, [`The user with the key '${key}' does not exist`]);
    send(ctx.res, 200, userJson(name, ctx, 2));
  }

  interface FakeTransition {
    id: string;
    name: string;
    to: string;
    global?: boolean;
    /** the screen's fields, FieldMetadata as Jira answers them under expand=transitions.fields */
    fields?: Json;
  }
  const RESOLUTIONS = [
    { id: '10000', name: 'Done' },
    { id: '10001', name: "Won't Do" },
  ];
  const RESOLUTION_FIELD: Json = {
    resolution: {
      required: true,
      schema: { type: 'resolution', system: 'resolution' },
      name: 'Resolution',
      key: 'resolution',
      hasDefaultValue: false,
      operations: ['set'],
      allowedValues: RESOLUTIONS.map((r) => ({ self: `https://acme.atlassian.net/rest/api/3/resolution/${r.id}`, ...r, description: '' })),
    },
  };
  /** The workflow: per status, and one global Close (so "close" is ambiguous from To Do). */
  const WORKFLOW: Record<string, FakeTransition[]> = {
    'To Do': [
      { id: '11', name: 'Start progress', to: 'In Progress' },
      { id: '61', name: 'Close', to: 'Done' },
    ],
    'In Progress': [
      { id: '21', name: 'Done', to: 'Done', fields: RESOLUTION_FIELD },
      { id: '31', name: 'Stop progress', to: 'To Do' },
    ],
    Done: [{ id: '41', name: 'Reopen', to: 'To Do' }],
  };
  const GLOBAL_CLOSE: FakeTransition = { id: '51', name: 'Close', to: 'Done', global: true };
  const transitionsOf = (issue: FakeIssue): FakeTransition[] => [...(WORKFLOW[issue.status] ?? []), ...(issue.status === 'Done' ? [] : [GLOBAL_CLOSE])];

  function statusJson(name: string, ctx: Ctx, api: 2 | 3): Json {
    const info = STATUS_INFO[name] ?? { id: '1', cat: { id: 4, key: 'indeterminate', colorName: 'yellow', name: 'In Progress' } };
    const apiBase = `${ctx.base}/rest/api/${api}`;
    return {
      self: `${apiBase}/status/${info.id}`,
      description: '',
      iconUrl: `${ctx.base}/images/icons/statuses/generic.png`,
      name,
      id: info.id,
      statusCategory: { self: `${apiBase}/statuscategory/${info.cat.id}`, ...info.cat },
    };
  }

  function jiraTransitions(ctx: Ctx, api: 2 | 3): void {
    const issue = findIssue(ctx, ctx.params['issueIdOrKey'] ?? '');
    if (!issue) return;
    const withFields = listParam(ctx.query, 'expand').includes('transitions.fields');
    send(ctx.res, 200, {
      expand: 'transitions',
      transitions: transitionsOf(issue).map((tr) => ({
        id: tr.id,
        name: tr.name,
        to: statusJson(tr.to, ctx, api),
        hasScreen: tr.fields !== undefined,
        isGlobal: tr.global === true,
        isInitial: false,
        isAvailable: true,
        isConditional: false,
        isLooped: false,
        ...(withFields ? { fields: tr.fields ?? {} } : {}),
      })),
    });
  }

  function jiraDoTransition(ctx: Ctx, api: 2 | 3): void {
    const issue = findIssue(ctx, ctx.params['issueIdOrKey'] ?? '');
    if (!issue) return;
    const b = ctx.body;
    const id = isObject(b) && isObject(b['transition']) ? b['transition']['id'] : undefined;
    if (typeof id !== 'string') return jiraError(ctx.res, 400, ['Missing transition id.']);
    const tr = transitionsOf(issue).find((x) => x.id === id);
    if (!tr) return jiraError(ctx.res, 400, [`Transition id '${id}' is not valid for this issue.`]);
    const fields = isObject(b) && isObject(b['fields']) ? b['fields'] : {};
    const onScreen = Object.keys(tr.fields ?? {});
    const errors: Record<string, string> = {};
    for (const f of Object.keys(fields)) {
      if (!onScreen.includes(f)) errors[f] = `Field '${f}' cannot be set. It is not on the appropriate screen, or unknown.`;
    }
    for (const [f, meta] of Object.entries(tr.fields ?? {})) {
      if (isObject(meta) && meta['required'] === true && !isObject(fields[f])) errors[f] = `${String(meta['name'])} is required.`;
    }
    const resolution = fields['resolution'];
    if (isObject(resolution) && !RESOLUTIONS.some((r) => r.name === resolution['name'] || r.id === resolution['id'])) {
      errors['resolution'] = 'The resolution is not valid.';
    }
    if (Object.keys(errors).length > 0) return jiraError(ctx.res, 400, [], errors);
    const update = isObject(b) && isObject(b['update']) ? b['update'] : {};
    const comments = Array.isArray(update['comment']) ? update['comment'] : [];
    for (const op of comments) {
      const body = isObject(op) && isObject(op['add']) ? op['add']['body'] : undefined;
      if (!richTextOk(ctx, api, body, 'comment')) return;
    }
    for (const op of comments) fake.jiraWork.comments.push({ issue: issue.key, body: (op as { add: { body: unknown } }).add.body });
    issue.status = tr.to;
    issue.updated = jiraTimestamp(Date.now());
    send(ctx.res, 204, undefined);
  }

  function jiraDeleteIssue(ctx: Ctx): void {
    const issue = findIssue(ctx, ctx.params['issueIdOrKey'] ?? '');
    if (!issue) return;
    const flag = ctx.query.get('deleteSubtasks') ?? 'false';
    if (flag !== 'true' && flag !== 'false') return jiraError(ctx.res, 400, ["deleteSubtasks must be 'true' or 'false'."]);
    const subtasks = fake.jiraWork.subtasks[issue.key] ?? [];
    if (subtasks.length > 0 && flag !== 'true') {
      return jiraError(ctx.res, 400, [`The issue ${issue.key} has subtasks; set deleteSubtasks to true to delete them with it.`]);
    }
    const gone = new Set([issue.key, ...subtasks]);
    fake.jira.issues = fake.jira.issues.filter((i) => !gone.has(i.key));
    fake.jiraWork.links = fake.jiraWork.links.filter((l) => !gone.has(l.inward) && !gone.has(l.outward));
    delete fake.jiraWork.subtasks[issue.key];
    send(ctx.res, 204, undefined);
  }

  const SUBTASK_TYPE = { id: '10005', name: 'Subtask', hierarchyLevel: -1, description: 'A piece of work within another issue.' };
  const createTypes = () => [...ISSUE_TYPES, SUBTASK_TYPE];
  const PRIORITY_REFS = PRIORITIES.map((name, i) => ({ id: String(i + 1), name }));

  /** The create screen of one issue type in a project, as FieldCreateMetadata. */
  function createFieldsOf(project: FakeProject, type: { id: string; name: string }, ctx: Ctx, api: 2 | 3): Json[] {
    const apiBase = `${ctx.base}/rest/api/${api}`;
    const field = (fieldId: string, name: string, required: boolean, schema: Json, extra: Json = {}): Json => ({
      required,
      schema,
      name,
      key: fieldId,
      fieldId,
      hasDefaultValue: false,
      operations: ['set'],
      ...extra,
    });
    const fields: Json[] = [
      field('summary', 'Summary', true, { type: 'string', system: 'summary' }),
      field('issuetype', 'Issue Type', true, { type: 'issuetype', system: 'issuetype' }, {
        allowedValues: [{ self: `${apiBase}/issuetype/${type.id}`, id: type.id, name: type.name, subtask: type.id === SUBTASK_TYPE.id }],
      }),
      field('project', 'Project', true, { type: 'project', system: 'project' }, {
        allowedValues: [{ self: `${apiBase}/project/${project.id}`, id: project.id, key: project.key, name: project.name }],
      }),
      field('reporter', 'Reporter', true, { type: 'user', system: 'reporter' }, { hasDefaultValue: true, autoCompleteUrl: `${apiBase}/user/search?query=` }),
      field('description', 'Description', false, { type: 'string', system: 'description' }),
      field('labels', 'Labels', false, { type: 'array', items: 'string', system: 'labels' }, { operations: ['add', 'set', 'remove'] }),
      field('priority', 'Priority', false, { type: 'priority', system: 'priority' }, {
        hasDefaultValue: true,
        allowedValues: PRIORITY_REFS.map((p) => ({ self: `${apiBase}/priority/${p.id}`, ...p })),
        defaultValue: { self: `${apiBase}/priority/3`, id: '3', name: 'Medium' },
      }),
      field('assignee', 'Assignee', false, { type: 'user', system: 'assignee' }, { autoCompleteUrl: `${apiBase}/user/assignable/search?project=${project.key}&query=` }),
    ];
    if (type.name === 'Bug') {
      fields.push(
        field('customfield_10030', 'Severity', true, { type: 'option', custom: 'com.atlassian.jira.plugin.system.customfieldtypes:select', customId: 10030 }, {
          allowedValues: ['Sev 1', 'Sev 2', 'Sev 3'].map((value, i) => ({ self: `${apiBase}/customFieldOption/${10100 + i}`, value, id: String(10100 + i) })),
        }),
      );
    }
    if (type.id === SUBTASK_TYPE.id) fields.push(field('parent', 'Parent', true, { type: 'issuelink', system: 'parent' }));
    return fields;
  }

  /** startAt/maxResults (at most 200) of a createmeta page, or answers Jira's 400 itself. */
  function createMetaPage<A>(ctx: Ctx, all: A[], api: 2 | 3, listName: 'issueTypes' | 'fields'): void {
    const startAt = parseIntParam(ctx.query.get('startAt'), 0);
    const max = parseIntParam(ctx.query.get('maxResults'), 50);
    if (startAt === null || max === null || startAt < 0 || max < 0) return jiraError(ctx.res, 400, ['startAt and maxResults must be positive numbers.']);
    const maxResults = Math.min(max, 200);
    const page = all.slice(startAt, startAt + maxResults);
    // Data Center 9 pages these lists as `values` (with isLast); Cloud names them.
    send(
      ctx.res,
      200,
      api === 3
        ? { maxResults, startAt, total: all.length, [listName]: page }
        : { maxResults, startAt, total: all.length, isLast: startAt + page.length >= all.length, values: page },
    );
  }

  function createMetaProject(ctx: Ctx): FakeProject | undefined {
    const ref = ctx.params['projectIdOrKey'] ?? '';
    const project = fake.jira.projects.find((p) => p.key === ref || p.id === ref);
    // The document lists 400 (not 404) for this endpoint.
    if (!project) jiraError(ctx.res, 400, [`No project could be found with key '${ref}'.`]);
    return project;
  }

  function jiraCreateMetaTypes(ctx: Ctx, api: 2 | 3): void {
    const project = createMetaProject(ctx);
    if (!project) return;
    const apiBase = `${ctx.base}/rest/api/${api}`;
    const types = createTypes().map((t) => ({
      self: `${apiBase}/issuetype/${t.id}`,
      id: t.id,
      // Cloud's IssueTypeIssueCreateMetadata has no description (its own example shows one); Data Center's does.
      ...(api === 2 ? { description: t.description } : {}),
      iconUrl: `${ctx.base}/rest/api/2/universal_avatar/view/type/issuetype/avatar/${t.id}?size=medium`,
      name: t.name,
      subtask: t.id === SUBTASK_TYPE.id,
      hierarchyLevel: t.hierarchyLevel,
    }));
    createMetaPage(ctx, types, api, 'issueTypes');
  }

  function jiraCreateMetaFields(ctx: Ctx, api: 2 | 3): void {
    const project = createMetaProject(ctx);
    if (!project) return;
    const typeId = ctx.params['issueTypeId'] ?? '';
    const type = createTypes().find((t) => t.id === typeId);
    if (!type) return jiraError(ctx.res, 400, [`The issue type with id '${typeId}' does not exist or is not available in ${project.key}.`]);
    createMetaPage(ctx, createFieldsOf(project, type, ctx, api), api, 'fields');
  }

  const LINK_TYPES = [
    { id: '10000', name: 'Blocks', inward: 'is blocked by', outward: 'blocks' },
    { id: '10001', name: 'Cloners', inward: 'is cloned by', outward: 'clones' },
    { id: '10002', name: 'Duplicate', inward: 'is duplicated by', outward: 'duplicates' },
    { id: '10003', name: 'Relates', inward: 'relates to', outward: 'relates to' },
  ];
  const linkTypeJson = (lt: (typeof LINK_TYPES)[number], ctx: Ctx, api: 2 | 3): Json => ({ ...lt, self: `${ctx.base}/rest/api/${api}/issueLinkType/${lt.id}` });

  function jiraLinkTypes(ctx: Ctx, api: 2 | 3): void {
    send(ctx.res, 200, { issueLinkTypes: LINK_TYPES.map((lt) => linkTypeJson(lt, ctx, api)) });
  }

  const issueByRef = (ref: unknown): FakeIssue | undefined => {
    if (!isObject(ref)) return undefined;
    return fake.jira.issues.find((i) => (ref['id'] !== undefined ? i.id === String(ref['id']) : i.key.toUpperCase() === String(ref['key']).toUpperCase()));
  };

  function jiraLinkIssues(ctx: Ctx, api: 2 | 3): void {
    const b = ctx.body;
    if (!isObject(b) || !isObject(b['type']) || !isObject(b['inwardIssue']) || !isObject(b['outwardIssue'])) {
      return jiraError(ctx.res, 400, ['type, inwardIssue and outwardIssue are required.']);
    }
    const typeRef = b['type'];
    const type = LINK_TYPES.find((lt) => (typeRef['id'] !== undefined ? lt.id === typeRef['id'] : lt.name === typeRef['name']));
    if (!type) return jiraError(ctx.res, 404, [`No issue link type with name '${String(typeRef['name'] ?? typeRef['id'])}' found.`]);
    const inward = issueByRef(b['inwardIssue']);
    const outward = issueByRef(b['outwardIssue']);
    if (!inward || !outward) return jiraError(ctx.res, 404, ['Issue does not exist or you do not have permission to see it.']);
    if (b['comment'] !== undefined) {
      const body = isObject(b['comment']) ? b['comment']['body'] : undefined;
      if (!richTextOk(ctx, api, body, 'comment')) return;
      // "optionally add a comment to the from (outward) issue" (the document's words)
      fake.jiraWork.comments.push({ issue: outward.key, body });
    }
    const id = String(Math.max(10299, ...fake.jiraWork.links.map((l) => Number(l.id))) + 1);
    fake.jiraWork.links.push({ id, type: type.name, inward: inward.key, outward: outward.key });
    send(ctx.res, 201, undefined);
  }

  function findLink(ctx: Ctx): FakeIssueLink | undefined {
    const link = fake.jiraWork.links.find((l) => l.id === ctx.params['linkId']);
    if (!link) jiraError(ctx.res, 404, ['No issue link with id exists.']);
    return link;
  }

  function linkedIssueByKeyJson(key: string, ctx: Ctx, api: 2 | 3): Json {
    const issue = fake.jira.issues.find((i) => i.key === key);
    const f = issue ? (issueJson(issue, ctx, api, new Set(['summary', 'status'])) as { fields: Json }).fields : {};
    const type = ISSUE_TYPES.find((t) => t.name === issue?.issueType);
    return {
      id: issue?.id ?? '0',
      key,
      self: `${ctx.base}/rest/api/${api}/issue/${issue?.id ?? key}`,
      fields: {
        ...f,
        ...(type ? { issuetype: { self: `${ctx.base}/rest/api/${api}/issuetype/${type.id}`, id: type.id, name: type.name, subtask: false, hierarchyLevel: type.hierarchyLevel } } : {}),
      },
    };
  }

  function jiraGetLink(ctx: Ctx, api: 2 | 3): void {
    const link = findLink(ctx);
    if (!link) return;
    const type = LINK_TYPES.find((lt) => lt.name === link.type) ?? LINK_TYPES[3]!;
    send(ctx.res, 200, {
      id: link.id,
      self: `${ctx.base}/rest/api/${api}/issueLink/${link.id}`,
      type: linkTypeJson(type, ctx, api),
      inwardIssue: linkedIssueByKeyJson(link.inward, ctx, api),
      outwardIssue: linkedIssueByKeyJson(link.outward, ctx, api),
    });
  }

  function jiraDeleteLink(ctx: Ctx): void {
    const link = findLink(ctx);
    if (!link) return;
    fake.jiraWork.links = fake.jiraWork.links.filter((l) => l !== link);
    send(ctx.res, 204, undefined);
  }

  function jiraRemoteLinks(ctx: Ctx, api: 2 | 3): void {
    const issue = findIssue(ctx, ctx.params['issueIdOrKey'] ?? '');
    if (!issue) return;
    send(
      ctx.res,
      200,
      fake.jiraWork.remoteLinks
        .filter((l) => l.issue === issue.key)
        .map((l) => ({
          id: l.id,
          self: `${ctx.base}/rest/api/${api}/issue/${issue.key}/remotelink/${l.id}`,
          ...(l.globalId !== undefined ? { globalId: l.globalId } : {}),
          ...(l.relationship !== undefined ? { relationship: l.relationship } : {}),
          object: {
            url: l.url,
            title: l.title,
            ...(l.summary !== undefined ? { summary: l.summary } : {}),
            icon: { url16x16: `${ctx.base}/favicon.ico`, title: l.title },
          },
        })),
    );
  }

  function jiraAddRemoteLink(ctx: Ctx, api: 2 | 3): void {
    const issue = findIssue(ctx, ctx.params['issueIdOrKey'] ?? '');
    if (!issue) return;
    const object = isObject(ctx.body) && isObject(ctx.body['object']) ? ctx.body['object'] : undefined;
    const errors: Record<string, string> = {};
    if (typeof object?.['url'] !== 'string' || object['url'] === '') errors['url'] = "'url' is required.";
    if (typeof object?.['title'] !== 'string' || object['title'] === '') errors['title'] = "'title' is required.";
    if (Object.keys(errors).length > 0 || !object) return jiraError(ctx.res, 400, [], errors);
    const id = Math.max(9999, ...fake.jiraWork.remoteLinks.map((l) => l.id)) + 1;
    fake.jiraWork.remoteLinks.push({
      id,
      issue: issue.key,
      url: object['url'] as string,
      title: object['title'] as string,
      ...(typeof object['summary'] === 'string' ? { summary: object['summary'] } : {}),
    });
    send(ctx.res, 201, { id, self: `${ctx.base}/rest/api/${api}/issue/${issue.key}/remotelink/${id}` });
  }

  function boardJson(b: FakeBoard, ctx: Ctx): Json {
    const project = fake.jira.projects.find((p) => p.key === b.projectKey);
    return {
      id: b.id,
      self: `${ctx.base}/rest/agile/1.0/board/${b.id}`,
      name: b.name,
      type: b.type,
      location: project
        ? {
            projectId: Number(project.id),
            displayName: `${project.name} (${project.key})`,
            projectName: project.name,
            projectKey: project.key,
            projectTypeKey: 'software',
            avatarURI: `${ctx.base}/secure/projectavatar?size=small&pid=${project.id}`,
            name: `${project.name} (${project.key})`,
          }
        : { userAccountId: accountIdFor('Mia Krystof'), displayName: 'Mia Krystof', name: 'Mia Krystof' },
      isPrivate: false,
    };
  }

  /** startAt/maxResults of an agile list, or answers its 400 itself. */
  function agilePage<A>(ctx: Ctx, all: A[]): { page: A[]; startAt: number; maxResults: number; isLast: boolean } | undefined {
    const startAt = parseIntParam(ctx.query.get('startAt'), 0);
    const max = parseIntParam(ctx.query.get('maxResults'), 50);
    if (startAt === null || max === null || startAt < 0 || max < 0) {
      jiraError(ctx.res, 400, ['startAt and maxResults must be positive numbers.']);
      return undefined;
    }
    const maxResults = Math.min(max, 50);
    const page = all.slice(startAt, startAt + maxResults);
    return { page, startAt, maxResults, isLast: startAt + page.length >= all.length };
  }

  function agileBoards(ctx: Ctx): void {
    const ref = ctx.query.get('projectKeyOrId');
    const project = ref === null ? undefined : fake.jira.projects.find((p) => p.key === ref || p.id === ref);
    if (ref !== null && !project) return jiraError(ctx.res, 400, [`No project could be found with key or id '${ref}'.`]);
    const name = ctx.query.get('name');
    const all = fake.jiraWork.boards.filter((b) => (!project || b.projectKey === project.key) && (name === null || includesCI(b.name, name)));
    const p = agilePage(ctx, all);
    if (!p) return;
    send(ctx.res, 200, { maxResults: p.maxResults, startAt: p.startAt, total: all.length, isLast: p.isLast, values: p.page.map((b) => boardJson(b, ctx)) });
  }

  function findBoard(ctx: Ctx): FakeBoard | undefined {
    const board = fake.jiraWork.boards.find((b) => String(b.id) === ctx.params['boardId']);
    if (!board) jiraError(ctx.res, 404, ['Board does not exist or you do not have permission to see it.']);
    return board;
  }

  function agileBoard(ctx: Ctx): void {
    const board = findBoard(ctx);
    if (board) send(ctx.res, 200, boardJson(board, ctx));
  }

  function agileSprints(ctx: Ctx): void {
    const board = findBoard(ctx);
    if (!board) return;
    if (board.type !== 'scrum') return jiraError(ctx.res, 400, ['The board does not support sprints']);
    const states = listParam(ctx.query, 'state');
    if (states.some((st) => !['active', 'future', 'closed'].includes(st))) return jiraError(ctx.res, 400, ['state must be active, future or closed.']);
    const all = fake.jiraWork.sprints.filter((sp) => sp.boardId === board.id && (states.length === 0 || states.includes(sp.state)));
    const p = agilePage(ctx, all);
    if (!p) return;
    send(ctx.res, 200, {
      maxResults: p.maxResults,
      startAt: p.startAt,
      isLast: p.isLast,
      values: p.page.map((sp) => ({
        id: sp.id,
        self: `${ctx.base}/rest/agile/1.0/sprint/${sp.id}`,
        state: sp.state,
        name: sp.name,
        ...(sp.startDate ? { startDate: sp.startDate } : {}),
        ...(sp.endDate ? { endDate: sp.endDate } : {}),
        ...(sp.state === 'closed' && sp.endDate ? { completeDate: sp.endDate } : {}),
        originBoardId: sp.boardId,
        ...(sp.goal ? { goal: sp.goal } : {}),
      })),
    });
  }

  function findSprint(ctx: Ctx): FakeSprint | undefined {
    const sprint = fake.jiraWork.sprints.find((sp) => String(sp.id) === ctx.params['sprintId']);
    if (!sprint) jiraError(ctx.res, 404, ['Sprint does not exist or you do not have permission to see it.']);
    return sprint;
  }

  function agileSprintIssues(ctx: Ctx, api: 2 | 3): void {
    const sprint = findSprint(ctx);
    if (!sprint) return;
    const jql = ctx.query.get('jql');
    const matching = jql ? runJql(ctx, jql, false) : fake.jira.issues;
    if (!matching) return;
    const all = sprint.issues.map((k) => matching.find((i) => i.key === k)).filter((i): i is FakeIssue => i !== undefined);
    const p = agilePage(ctx, all);
    if (!p) return;
    const fields = selectFields(listParam(ctx.query, 'fields'), true);
    send(ctx.res, 200, {
      expand: 'schema,names',
      startAt: p.startAt,
      maxResults: p.maxResults,
      total: all.length,
      issues: p.page.map((i) => issueJson(i, ctx, api, fields)),
    });
  }

  function agileMoveToSprint(ctx: Ctx): void {
    const sprint = findSprint(ctx);
    if (!sprint) return;
    const issues = isObject(ctx.body) ? ctx.body['issues'] : undefined;
    if (!Array.isArray(issues) || !issues.every((x) => typeof x === 'string') || issues.length === 0) {
      return jiraError(ctx.res, 400, ['issues must be a list of issue keys or ids.']);
    }
    if (issues.length > 50) return jiraError(ctx.res, 400, ['At most 50 issues can be moved in one operation.']);
    if (sprint.state === 'closed') return jiraError(ctx.res, 400, ['Issues can only be moved to open or active sprints.']);
    const found = (issues as string[]).map((ref) => fake.jira.issues.find((i) => i.id === ref || i.key === ref));
    const unknown = (issues as string[]).filter((_, n) => !found[n]);
    if (unknown.length > 0) return jiraError(ctx.res, 400, [`Issue does not exist or you do not have permission to see it: ${unknown.join(', ')}`]);
    const keys = found.map((i) => i!.key);
    for (const sp of fake.jiraWork.sprints) sp.issues = sp.issues.filter((k) => !keys.includes(k));
    sprint.issues.push(...keys);
    send(ctx.res, 204, undefined);
  }

  // --- routing -----------------------------------------------------------------------------

  interface Route {
    method: string;
    path: string;
    product: 'jira' | 'confluence';
    modes: Mode[];
    scope: string;
    handle: (ctx: Ctx) => void;
  }
  const pageRoutes = confluencePageRoutes({ fake, send, siteWiki, webui: pageWebui, homepageOf });
  fake.confluenceContent = pageRoutes.content;
  const webhookRoutes = jiraWebhookRoutes<Ctx>(fake, {
    send,
    jiraError: (res, status, messages) => jiraError(res, status, messages),
    cloudIdOf: (c) => /\/ex\/jira\/([^/]+)$/.exec(c.base)?.[1] ?? '',
    clientSecret,
    jiraTimestamp,
  });
  fake.jiraWebhooks = webhookRoutes.webhooks;
  const cloud: Mode[] = ['oauth', 'basic'];
  const routes: Route[] = [
    ...pageRoutes.routes,
    ...webhookRoutes.routes,
    {
      method: 'GET',
      path: '/rest/api/3/myself',
      product: 'jira',
      modes: cloud,
      scope: 'read:jira-user',
      handle: (c) => jiraMyself(c, 3),
    },
    {
      method: 'GET',
      path: '/rest/api/3/project/search',
      product: 'jira',
      modes: cloud,
      scope: 'read:jira-work',
      handle: jiraProjectSearch,
    },
    {
      method: 'GET',
      path: '/rest/api/3/search/jql',
      product: 'jira',
      modes: cloud,
      scope: 'read:jira-work',
      handle: jiraSearchJql,
    },
    {
      method: 'POST',
      path: '/rest/api/3/search/jql',
      product: 'jira',
      modes: cloud,
      scope: 'read:jira-work',
      handle: jiraSearchJql,
    },
    ...['GET', 'POST'].map((method): Route => ({
      method,
      path: '/rest/api/3/search',
      product: 'jira',
      modes: cloud,
      scope: 'read:jira-work',
      handle: (c) =>
        jiraError(c.res, 410, [
          'The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046',
        ]),
    })),
    {
      method: 'POST',
      path: '/rest/api/3/issue',
      product: 'jira',
      modes: cloud,
      scope: 'write:jira-work',
      handle: (c) => jiraCreateIssue(c, 3),
    },
    ...([3, 2] as const).flatMap((api): Route[] => [
      {
        method: 'GET',
        path: `/rest/api/${api}/issue/{issueIdOrKey}`,
        product: 'jira',
        modes: api === 3 ? cloud : ['pat'],
        scope: api === 3 ? 'read:jira-work' : '',
        handle: (c) => jiraGetIssue(c, api),
      },
      {
        method: 'PUT',
        path: `/rest/api/${api}/issue/{issueIdOrKey}`,
        product: 'jira',
        modes: api === 3 ? cloud : ['pat'],
        scope: api === 3 ? 'write:jira-work' : '',
        handle: (c) => jiraEditIssue(c, api),
      },
      {
        method: 'GET',
        path: `/rest/api/${api}/issue/{issueIdOrKey}/editmeta`,
        product: 'jira',
        modes: api === 3 ? cloud : ['pat'],
        scope: api === 3 ? 'read:jira-work' : '',
        handle: jiraEditMeta,
      },
      {
        method: 'GET',
        path: `/rest/api/${api}/issue/{issueIdOrKey}/comment`,
        product: 'jira',
        modes: api === 3 ? cloud : ['pat'],
        scope: api === 3 ? 'read:jira-work' : '',
        handle: (c) => jiraComments(c, api),
      },
      {
        method: 'POST',
        path: `/rest/api/${api}/issue/{issueIdOrKey}/comment`,
        product: 'jira',
        modes: api === 3 ? cloud : ['pat'],
        scope: api === 3 ? 'write:jira-work' : '',
        handle: (c) => jiraAddComment(c, api),
      },
      {
        method: 'PUT',
        path: `/rest/api/${api}/issue/{issueIdOrKey}/comment/{id}`,
        product: 'jira',
        modes: api === 3 ? cloud : ['pat'],
        scope: api === 3 ? 'write:jira-work' : '',
        handle: (c) => jiraEditComment(c, api),
      },
      {
        method: 'DELETE',
        path: `/rest/api/${api}/issue/{issueIdOrKey}/comment/{id}`,
        product: 'jira',
        modes: api === 3 ? cloud : ['pat'],
        scope: api === 3 ? 'write:jira-work' : '',
        handle: jiraDeleteComment,
      },
      {
        method: 'GET',
        path: `/rest/api/${api}/user/search`,
        product: 'jira',
        modes: api === 3 ? cloud : ['pat'],
        scope: api === 3 ? 'read:jira-user' : '',
        handle: (c) => jiraUsers(c, api, false),
      },
      {
        method: 'GET',
        path: `/rest/api/${api}/user/assignable/search`,
        product: 'jira',
        modes: api === 3 ? cloud : ['pat'],
        scope: api === 3 ? 'read:jira-user' : '',
        handle: (c) => jiraUsers(c, api, true),
      },
    ]),
    {
      method: 'GET',
      path: '/rest/api/2/myself',
      product: 'jira',
      modes: ['pat'],
      scope: '',
      handle: (c) => jiraMyself(c, 2),
    },
    {
      method: 'GET',
      path: '/rest/api/2/project',
      product: 'jira',
      modes: ['pat'],
      scope: '',
      handle: (c) =>
        send(
          c.res,
          200,
          fake.jira.projects.map((p) => ({ ...projectJson(p, c, 2), archived: false })),
        ),
    },
    { method: 'GET', path: '/rest/api/2/search', product: 'jira', modes: ['pat'], scope: '', handle: jiraSearchV2 },
    { method: 'POST', path: '/rest/api/2/search', product: 'jira', modes: ['pat'], scope: '', handle: jiraSearchV2 },
    {
      method: 'POST',
      path: '/rest/api/2/issue',
      product: 'jira',
      modes: ['pat'],
      scope: '',
      handle: (c) => jiraCreateIssue(c, 2),
    },
    {
      method: 'GET',
      path: '/wiki/api/v2/spaces',
      product: 'confluence',
      modes: cloud,
      scope: 'read:space:confluence',
      handle: confSpaces,
    },
    {
      method: 'POST',
      path: '/wiki/api/v2/pages',
      product: 'confluence',
      modes: cloud,
      scope: 'write:page:confluence',
      handle: confCreatePage,
    },
    {
      method: 'GET',
      path: '/wiki/rest/api/search',
      product: 'confluence',
      modes: cloud,
      scope: 'search:confluence',
      handle: confSearchV1,
    },
    ...([3, 2] as const).flatMap((api): Route[] => {
      const modes: Mode[] = api === 3 ? cloud : ['pat'];
      const read = api === 3 ? 'read:jira-work' : '';
      const write = api === 3 ? 'write:jira-work' : '';
      const jira = (method: string, path: string, scope: string, handle: (c: Ctx) => void): Route => ({
        method,
        path: `/rest/api/${api}${path}`,
        product: 'jira',
        modes,
        scope,
        handle,
      });
      return [
        jira('PUT', '/issue/{issueIdOrKey}/assignee', write, (c) => jiraAssign(c, api)),
        jira('GET', '/issue/{issueIdOrKey}/transitions', read, (c) => jiraTransitions(c, api)),
        jira('POST', '/issue/{issueIdOrKey}/transitions', write, (c) => jiraDoTransition(c, api)),
        jira('DELETE', '/issue/{issueIdOrKey}', write, jiraDeleteIssue),
        jira('GET', '/issue/createmeta/{projectIdOrKey}/issuetypes', read, (c) => jiraCreateMetaTypes(c, api)),
        jira('GET', '/issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId}', read, (c) => jiraCreateMetaFields(c, api)),
        jira('GET', '/issueLinkType', read, (c) => jiraLinkTypes(c, api)),
        jira('POST', '/issueLink', write, (c) => jiraLinkIssues(c, api)),
        jira('GET', '/issueLink/{linkId}', read, (c) => jiraGetLink(c, api)),
        jira('DELETE', '/issueLink/{linkId}', write, jiraDeleteLink),
        jira('GET', '/issue/{issueIdOrKey}/remotelink', read, (c) => jiraRemoteLinks(c, api)),
        jira('POST', '/issue/{issueIdOrKey}/remotelink', write, (c) => jiraAddRemoteLink(c, api)),
        jira('GET', '/attachment/content/{id}', read, jiraAttachmentContent),
        jira('POST', '/issue/{issueIdOrKey}/attachments', write, (c) => jiraAddAttachments(c, api)),
        jira('DELETE', '/attachment/{id}', write, jiraDeleteAttachment),
      ];
    }),
    { method: 'GET', path: '/rest/api/2/user', product: 'jira', modes: ['pat'], scope: '', handle: jiraUserByKey },
    ...worklogRoutes(fake, { findIssue, userJson, send, jiraError, emailFor }),
    ...((): Route[] => {
      // Jira Software: the same paths on Cloud (through the gateway or the site) and on Data Center.
      const modes: Mode[] = [...cloud, 'pat'];
      const agile = (method: string, path: string, scope: string, handle: (c: Ctx) => void): Route => ({
        method,
        path: `/rest/agile/1.0${path}`,
        product: 'jira',
        modes,
        scope,
        handle,
      });
      return [
        agile('GET', '/board', 'read:board-scope:jira-software', agileBoards),
        agile('GET', '/board/{boardId}', 'read:board-scope:jira-software', agileBoard),
        agile('GET', '/board/{boardId}/sprint', 'read:sprint:jira-software', agileSprints),
        agile('GET', '/sprint/{sprintId}/issue', 'read:sprint:jira-software', (c) => agileSprintIssues(c, c.mode === 'pat' ? 2 : 3)),
        agile('POST', '/sprint/{sprintId}/issue', 'write:sprint:jira-software', agileMoveToSprint),
      ];
    })(),
  ];

  const unauthorized = (res: ServerResponse, message = 'Unauthorized'): void => send(res, 401, { code: 401, message });
  const notFound = (res: ServerResponse): void => send(res, 404, { code: 404, message: 'Not Found' });

  function takeFault(method: string, rawPath: string, inner: string): Fault | undefined {
    const idx = faults.findIndex(
      ({ fault }) =>
        (fault.method === undefined || fault.method.toUpperCase() === method) &&
        (rawPath.startsWith(fault.path) || inner.startsWith(fault.path)),
    );
    if (idx < 0) return undefined;
    const q = faults[idx];
    if (!q) return undefined;
    q.remaining--;
    if (q.remaining <= 0) faults.splice(idx, 1);
    return q.fault;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const u = new URL(req.url ?? '/', 'http://fake.invalid');
    const rawPath = u.pathname;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size <= MAX_BODY) chunks.push(buf);
    }
    const rawBody = Buffer.concat(chunks);
    const text = rawBody.toString('utf8');
    let body: unknown = text === '' ? undefined : text;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        /* keep the raw string */
      }
    }
    const record: RecordedRequest = {
      method,
      path: rawPath,
      query: new URLSearchParams(u.searchParams),
      headers: req.headers,
      body,
      at: Date.now(),
    };
    fake.requests.push(record);
    answering.set(res, record);

    const gw = /^\/ex\/(jira|confluence)\/([^/]+)(\/.*)?$/.exec(rawPath);
    const inner = gw ? (gw[3] ?? '/') : rawPath;

    const fault = takeFault(method, rawPath, inner);
    if (fault) record.faulted = fault.kind !== 'delay';
    if (fault) {
      if (fault.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      if (fault.kind === 'status') {
        const fb = fault.body ?? { code: fault.status, message: http.STATUS_CODES[fault.status] ?? 'Error' };
        send(res, fault.status, fb, fault.headers);
        return;
      }
      if (fault.kind === 'malformed') {
        send(res, 200, fault.body, { 'content-type': fault.contentType ?? JSON_TYPE });
        return;
      }
      await new Promise((r) => setTimeout(r, fault.ms));
      if (res.destroyed) return;
    }

    const ctx: Ctx = {
      method,
      inner,
      query: u.searchParams,
      body,
      rawBody,
      base: fake.url,
      mode: 'basic',
      email: undefined,
      res,
      params: {},
      headers: req.headers,
    };

    if (rawPath === '/oauth/token' && method === 'POST') return handleToken(ctx);
    // Atlassian's media service, where a download redirects: the token in the URL is the credential.
    const media = /^\/media\/file\/(\d+)$/.exec(rawPath);
    if (media && method === 'GET') {
      const attachment = fake.jira.issues.flatMap((i) => i.attachments ?? []).find((a) => a.id === media[1]);
      if (!attachment || u.searchParams.get('token') !== sha(attachment.id).slice(0, 16)) return notFound(res);
      res.writeHead(200, { 'content-type': attachment.mimeType, 'content-length': String(attachment.content.length) });
      res.end(attachment.content);
      return;
    }
    if (rawPath === '/oauth/token/accessible-resources' && method === 'GET') {
      return handleAccessibleResources(ctx, req.headers.authorization);
    }

    const authz = req.headers.authorization ?? '';
    const bearer = /^Bearer\s+(.+)$/i.exec(authz)?.[1]?.trim();
    const basic = /^Basic\s+(.+)$/i.exec(authz)?.[1]?.trim();
    let grant: Grant | null = null;

    if (gw) {
      const product = gw[1] as 'jira' | 'confluence';
      ctx.mode = 'oauth';
      grant = bearer ? liveGrantFor(bearer) : null;
      if (!grant) return unauthorized(res);
      if (!fake.sites.some((s) => s.id === gw[2])) return notFound(res);
      if (
        (product === 'jira' && !inner.startsWith('/rest/')) ||
        (product === 'confluence' && !inner.startsWith('/wiki/'))
      ) {
        return notFound(res);
      }
      ctx.base = `${fake.url}/ex/${product}/${gw[2]}`;
    } else if (rawPath.startsWith('/rest/api/2/') || (rawPath.startsWith('/rest/agile/') && bearer !== undefined)) {
      ctx.mode = 'pat';
      if (!bearer || !fake.pats.has(bearer)) return unauthorized(res);
    } else if (rawPath.startsWith('/rest/') || rawPath.startsWith('/wiki/')) {
      ctx.mode = 'basic';
      const decoded = basic ? Buffer.from(basic, 'base64').toString('utf8') : '';
      const sep = decoded.indexOf(':');
      const email = sep > 0 ? decoded.slice(0, sep) : '';
      const tok = sep > 0 ? decoded.slice(sep + 1) : '';
      if (!email || fake.apiTokens.get(email) !== tok) return unauthorized(res);
      ctx.email = email;
    } else {
      return notFound(res);
    }

    const candidates = routes.filter((r) => matchPath(r.path, inner) !== undefined && r.modes.includes(ctx.mode));
    const route = candidates.find((r) => r.method === method);
    if (route) ctx.params = matchPath(route.path, inner) ?? {};
    if (!route) {
      if (candidates.length > 0) {
        send(res, 405, { errorMessages: [`Method ${method} is not allowed for ${inner}`], errors: {} });
        return;
      }
      return notFound(res);
    }
    if (gw && route.product !== gw[1]) return notFound(res);
    if (grant && route.scope && !grant.scopes.includes(route.scope)) {
      return unauthorized(res, 'Unauthorized; scope does not match');
    }
    route.handle(ctx);
  }

  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) send(res, 500, { code: 500, message: String(err) });
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  (fake as { url: string }).url = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;
  fake.close = () => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
    return closing;
  };
  return fake;
}
