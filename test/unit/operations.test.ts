/**
 * The operation use cases with in-memory gateways and access: no HTTP, no database, no
 * fake server. What each use case decides (JQL/CQL, cursors, defaults, conversions,
 * refusals) is checked here; the HTTP tests check the same operations end to end.
 */
import { DEFAULT_FILE_LIMITS } from '../../src/domain/files.js';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { bindOperations, OPERATIONS } from '../../src/application/catalog/index.js';
import { CreatePage, ListSpaces, SearchContent } from '../../src/application/confluence-operations.js';
import { CreateIssue, ListProjects, SearchIssues } from '../../src/application/jira-operations.js';
import type { AccessProvider } from '../../src/application/ports/access-provider.js';
import type {
  JiraCreateMetadata,
  JiraIssueLookup,
  ConfluenceGateway,
  ConfluencePageReading,
  ConfluenceSpacesAndContent,
  JiraGateway,
  JiraIssueCreation,
  JiraIssueSearch,
  JiraProjects,
  UpstreamPage,
} from '../../src/application/ports/atlassian-gateways.js';
import { gatewayOf } from '../support/gateways.js';
import { InvokeTool } from '../../src/application/tools.js';
import type { AccessContext } from '../../src/domain/credentials.js';
import { encodeCursor } from '../../src/domain/cursor.js';
import { AppError } from '../../src/domain/errors.js';
import type { IssueRecord } from '../../src/domain/jira-issue.js';
import type { CreateIssueType, FieldMeta } from '../../src/domain/jira-create-meta.js';
import type { ContentHit, CreatedIssue, CreatedPage, Project, Space } from '../../src/domain/operations.js';
import { NO_FILTER } from '../../src/domain/scope-filter.js';
import type { TenantId } from '../../src/domain/tenant.js';

const TENANT = 'acme' as TenantId;
const SUMMARY = ['summary', 'status', 'issuetype', 'assignee', 'updated'];

/** An access context as the service builds one (Object Mother). */
const context = (over: Partial<AccessContext> = {}): AccessContext => ({
  baseUrl: 'https://api.example/ex/jira/cloud-1',
  siteUrl: 'https://acme.atlassian.net',
  authorization: 'Bearer token-1',
  authType: 'oauth',
  flavour: 'cloud',
  version: 1,
  callerSuppliedHost: false,
  ...over,
});

/** An AccessProvider that always has a context, and counts refreshes after a 401. */
class FixedAccess implements AccessProvider {
  afterUnauthorizedCalls = 0;
  constructor(
    private ctx: AccessContext,
    private readonly refreshed: AccessContext | AppError = context({ authorization: 'Bearer token-2', version: 2 }),
  ) {}
  access(): TE.TaskEither<AppError, AccessContext> {
    return TE.right(this.ctx);
  }
  afterUnauthorized(): TE.TaskEither<AppError, AccessContext> {
    this.afterUnauthorizedCalls += 1;
    if ('code' in this.refreshed) return TE.left(this.refreshed);
    this.ctx = this.refreshed;
    return TE.right(this.refreshed);
  }
}

const project = (key: string): Project => ({ id: `id-${key}`, key, name: `Project ${key}`, url: `https://acme.atlassian.net/browse/${key}` });
/** An issue as the gateway reads it from Jira (the record the use cases render). */
const issue = (key: string): IssueRecord => ({
  id: `id-${key}`,
  key,
  summary: `Summary of ${key}`,
  status: { name: 'To Do', category: 'To Do' },
  issueType: 'Task',
  assignee: null,
  updated: null,
});

/** A JiraGateway in memory: records every call, answers what the test set up. */
class MemoryJira implements JiraProjects, JiraIssueSearch, JiraIssueCreation, JiraCreateMetadata, JiraIssueLookup {
  readonly calls: Array<{ method: string; ctx: AccessContext; args: unknown }> = [];
  projects: UpstreamPage<Project> = { items: [project('ENG')], next: null };
  issues: UpstreamPage<IssueRecord> = { items: [issue('ENG-1')], next: null };
  /** Answers 401 (as the gateway reports it) this many times first. */
  unauthorized = 0;

  private answer<A>(method: string, ctx: AccessContext, args: unknown, value: A): TE.TaskEither<AppError, A> {
    this.calls.push({ method, ctx, args });
    if (this.unauthorized > 0) {
      this.unauthorized -= 1;
      return TE.left(AppError.tokenExpired('Atlassian answered 401.', { reason: 'upstream_unauthorized' }));
    }
    return TE.right(value);
  }
  listProjects(ctx: AccessContext, q: unknown) {
    return this.answer('listProjects', ctx, q, this.projects);
  }
  searchIssues(ctx: AccessContext, q: unknown) {
    return this.answer('searchIssues', ctx, q, this.issues);
  }
  createIssue(ctx: AccessContext, fields: unknown): TE.TaskEither<AppError, CreatedIssue> {
    return this.answer('createIssue', ctx, fields, { id: '10001', key: 'ENG-2', url: 'https://acme.atlassian.net/browse/ENG-2' });
  }
  /** Create metadata (not recorded in calls): ENG offers Task, whose screen requires only what every create gives. */
  createIssueTypes(): TE.TaskEither<AppError, UpstreamPage<CreateIssueType>> {
    return TE.right({ items: [{ id: '10001', name: 'Task', subtask: false, hierarchy_level: 0 }], next: null });
  }
  createFields(): TE.TaskEither<AppError, UpstreamPage<FieldMeta>> {
    return TE.right({ items: [], next: null });
  }
  identifyIssue(): TE.TaskEither<AppError, never> {
    return TE.left(AppError.internal('no parent is given in these tests'));
  }
}

class MemoryConfluence implements ConfluenceSpacesAndContent, Pick<ConfluencePageReading, 'getSpace'> {
  readonly calls: Array<{ method: string; args: unknown }> = [];
  spaces: UpstreamPage<Space> = { items: [{ id: '98305', key: 'ENG', name: 'Engineering', type: 'global', url: 'https://acme.atlassian.net/wiki/spaces/ENG' }], next: null };
  hits: UpstreamPage<ContentHit> = { items: [], next: null };
  getSpace(_ctx: AccessContext, id: string) {
    this.calls.push({ method: 'getSpace', args: id });
    return TE.right({ id, key: 'ENG', name: 'Engineering', type: 'global', homepageId: null, description: '', webui: null });
  }
  listSpaces(_ctx: AccessContext, q: unknown) {
    this.calls.push({ method: 'listSpaces', args: q });
    return TE.right(this.spaces);
  }
  searchContent(_ctx: AccessContext, q: unknown) {
    this.calls.push({ method: 'searchContent', args: q });
    return TE.right(this.hits);
  }
  spaceIdForKey(_ctx: AccessContext, key: string): TE.TaskEither<AppError, string> {
    this.calls.push({ method: 'spaceIdForKey', args: key });
    return key === 'ENG' ? TE.right('98305') : TE.left(AppError.notFound(`No Confluence space has the key ${key}.`));
  }
  createPage(_ctx: AccessContext, page: unknown): TE.TaskEither<AppError, CreatedPage> {
    this.calls.push({ method: 'createPage', args: page });
    return TE.right({ id: '98400', title: 'T', url: 'https://acme.atlassian.net/wiki/x' });
  }
}

const right = <A>(e: E.Either<AppError, A>): A => {
  if (E.isLeft(e)) throw new Error(`expected Right, got ${e.left.code}: ${e.left.message}`);
  return e.right;
};
const left = <A>(e: E.Either<AppError, A>): AppError => {
  if (E.isRight(e)) throw new Error('expected Left');
  return e.left;
};

describe('Jira use cases', () => {
  let jira: MemoryJira;
  let access: FixedAccess;
  beforeEach(() => {
    jira = new MemoryJira();
    access = new FixedAccess(context());
  });
  const ports = () => ({ refresh: access, jira, clock: { now: () => new Date('2026-12-01T10:00:00.000Z') } });

  it('ListProjects asks for 25 from the start, and a next page from the offset its cursor carries', async () => {
    jira.projects = { items: [project('ENG')], next: { startAt: 1 } };
    const first = right(await new ListProjects(ports()).execute(TENANT, { query: 'en' })());
    expect(jira.calls[0]?.args).toEqual({ query: 'en', startAt: 0, limit: 25 });
    expect(first.items.map((p) => p.key)).toEqual(['ENG']);
    expect(first.next_cursor).toBe(encodeCursor({ list: 'jira-projects', startAt: 1 }));
    jira.projects = { items: [project('OPS')], next: null };
    const second = right(await new ListProjects(ports()).execute(TENANT, { cursor: first.next_cursor!, limit: 5 })());
    expect(jira.calls[1]?.args).toEqual({ query: undefined, startAt: 1, limit: 5 });
    expect(second.next_cursor).toBeNull();
  });

  it('refuses a cursor from another list before calling Jira', async () => {
    const foreign = encodeCursor({ list: 'confluence-spaces', token: 'abc' });
    expect(left(await new ListProjects(ports()).execute(TENANT, { cursor: foreign })()).code).toBe('VALIDATION');
    expect(left(await new SearchIssues(ports()).execute(TENANT, { q: 'x', cursor: 'not base64url!' })()).code).toBe('VALIDATION');
    expect(jira.calls).toEqual([]);
  });

  it('SearchIssues quotes free text into JQL, newest first, and keeps the project inside quotes', async () => {
    right(await new SearchIssues(ports()).execute(TENANT, { q: 'say "hi" \\ there', project: 'ENG" OR project = "X' })());
    expect(jira.calls[0]?.args).toEqual({
      jql: 'text ~ "say \\"hi\\" \\\\ there" AND project = "ENG\\" OR project = \\"X" ORDER BY updated DESC',
      fields: ['summary', 'status', 'issuetype', 'assignee', 'updated'],
      token: undefined,
      startAt: 0,
      limit: 25,
    });
  });

  it('SearchIssues passes the caller JQL as is and pages with the upstream token', async () => {
    jira.issues = { items: [issue('ENG-1')], next: { token: 'next-token-1' } };
    const first = right(await new SearchIssues(ports()).execute(TENANT, { jql: 'project = ENG ORDER BY key', limit: 1 })());
    const second = right(await new SearchIssues(ports()).execute(TENANT, { jql: 'project = ENG ORDER BY key', cursor: first.next_cursor! })());
    expect(jira.calls.map((c) => c.args)).toEqual([
      { jql: 'project = ENG ORDER BY key', fields: SUMMARY, token: undefined, startAt: 0, limit: 1 },
      { jql: 'project = ENG ORDER BY key', fields: SUMMARY, token: 'next-token-1', startAt: 0, limit: 25 },
    ]);
    expect(second.items).toEqual([
      { id: 'id-ENG-1', key: 'ENG-1', url: 'https://acme.atlassian.net/browse/ENG-1', summary: 'Summary of ENG-1', status: 'To Do', issue_type: 'Task', assignee: null, updated: null },
    ]);
  });

  it('SearchIssues needs exactly one of q and jql', async () => {
    expect(left(await new SearchIssues(ports()).execute(TENANT, {})()).message).toBe('Give q (free text) or jql.');
    expect(left(await new SearchIssues(ports()).execute(TENANT, { q: 'a', jql: 'b' })()).message).toBe('Give q or jql, not both.');
    expect(jira.calls).toEqual([]);
  });

  it('CreateIssue turns Markdown into ADF on Cloud, with Task as the default type and a trimmed summary', async () => {
    const created = right(await new CreateIssue(ports()).execute(TENANT, { project_key: 'ENG', summary: '  Broken  ', description: 'Some **bold**' })());
    expect(created.key).toBe('ENG-2');
    const sent = jira.calls[0]?.args as { summary: string; issueType: string; description: { type: string; content: unknown[] } };
    expect(sent.summary).toBe('Broken');
    expect(sent.issueType).toBe('Task');
    expect(sent.description.type).toBe('doc');
    expect(JSON.stringify(sent.description)).toContain('"strong"');
  });

  it('CreateIssue writes wiki markup for Data Center and refuses ADF there', async () => {
    access = new FixedAccess(context({ flavour: 'data_center', authType: 'pat' }));
    right(await new CreateIssue(ports()).execute(TENANT, { project_key: 'ENG', summary: 'x', description: 'Some **bold**' })());
    expect((jira.calls[0]?.args as { description: string }).description).toBe('Some *bold*');
    const adf = { type: 'doc', version: 1, content: [] };
    expect(left(await new CreateIssue(ports()).execute(TENANT, { project_key: 'ENG', summary: 'x', description_adf: adf })()).message).toMatch(/Data Center/);
    expect(jira.calls).toHaveLength(1);
  });

  it('CreateIssue refuses both description forms, a non-ADF document and labels with spaces, calling nobody', async () => {
    const uc = new CreateIssue(ports());
    const adf = { type: 'doc', version: 1, content: [] };
    expect(left(await uc.execute(TENANT, { project_key: 'ENG', summary: 'x', description: 'a', description_adf: adf })()).code).toBe('VALIDATION');
    expect(left(await uc.execute(TENANT, { project_key: 'ENG', summary: 'x', description_adf: { type: 'paragraph' } })()).code).toBe('VALIDATION');
    expect(left(await uc.execute(TENANT, { project_key: 'ENG', summary: 'x', labels: ['two words'] })()).code).toBe('VALIDATION');
    expect(jira.calls).toEqual([]);
  });

  it('after a 401 the call is retried once with the refreshed context; a second 401 asks to reconnect', async () => {
    jira.unauthorized = 1;
    right(await new ListProjects(ports()).execute(TENANT, {})());
    expect(access.afterUnauthorizedCalls).toBe(1);
    expect(jira.calls.map((c) => c.ctx.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);

    jira.unauthorized = 2;
    const error = left(await new ListProjects(ports()).execute(TENANT, {})());
    expect(error.code).toBe('TOKEN_EXPIRED');
    expect(error.message).toMatch(/reconnect/);
    expect(access.afterUnauthorizedCalls).toBe(2);
  });
});

describe('Confluence use cases', () => {
  let confluence: MemoryConfluence;
  const ports = () => ({ refresh: new FixedAccess(context()), confluence });
  beforeEach(() => {
    confluence = new MemoryConfluence();
  });

  it('ListSpaces forwards the Confluence cursor it was given back', async () => {
    confluence.spaces = { ...confluence.spaces, next: { token: 'cf-cursor' } };
    const first = right(await new ListSpaces(ports()).execute(TENANT, { limit: 1 })());
    right(await new ListSpaces(ports()).execute(TENANT, { cursor: first.next_cursor! })());
    expect(confluence.calls.map((c) => c.args)).toEqual([
      { cursor: undefined, limit: 1 },
      { cursor: 'cf-cursor', limit: 25 },
    ]);
  });

  it('SearchContent quotes free text into CQL within a space, or passes the caller CQL; one of them only', async () => {
    right(await new SearchContent(ports()).execute(TENANT, { q: 'run "book"', space: 'OPS' })());
    right(await new SearchContent(ports()).execute(TENANT, { cql: 'type = page' })());
    expect(confluence.calls.map((c) => (c.args as { cql: string }).cql)).toEqual(['text ~ "run \\"book\\"" AND space = "OPS"', 'type = page']);
    expect(left(await new SearchContent(ports()).execute(TENANT, {})()).code).toBe('VALIDATION');
    expect(left(await new SearchContent(ports()).execute(TENANT, { q: 'a', cql: 'b' })()).code).toBe('VALIDATION');
    expect(confluence.calls).toHaveLength(2);
  });

  it('CreatePage resolves space_key, converts Markdown to storage, and sends storage or ADF as given', async () => {
    right(await new CreatePage(ports()).execute(TENANT, { space_key: 'ENG', title: ' Plan ', body: '# Plan' })());
    expect(confluence.calls.map((c) => c.method)).toEqual(['spaceIdForKey', 'createPage']);
    expect(confluence.calls[1]?.args).toEqual({ spaceId: '98305', title: 'Plan', parentId: undefined, representation: 'storage', value: '<h1>Plan</h1>' });
    right(await new CreatePage(ports()).execute(TENANT, { space_id: '7', title: 'Raw', body: '<p>x</p>', body_format: 'storage', parent_id: '9' })());
    expect(confluence.calls[2]?.args).toEqual({ spaceId: '7', title: 'Raw', parentId: '9', representation: 'storage', value: '<p>x</p>' });
    const adf = JSON.stringify({ type: 'doc', version: 1, content: [] });
    right(await new CreatePage(ports()).execute(TENANT, { space_id: '7', title: 'Adf', body: adf, body_format: 'atlas_doc_format' })());
    expect(confluence.calls[3]?.args).toMatchObject({ representation: 'atlas_doc_format', value: adf });
  });

  it('CreatePage needs exactly one of space_key and space_id, JSON for ADF, and a space that exists', async () => {
    const uc = new CreatePage(ports());
    expect(left(await uc.execute(TENANT, { title: 'T', body: 'b' })()).code).toBe('VALIDATION');
    expect(left(await uc.execute(TENANT, { space_key: 'ENG', space_id: '1', title: 'T', body: 'b' })()).code).toBe('VALIDATION');
    expect(left(await uc.execute(TENANT, { space_id: '1', title: 'T', body: '{not json', body_format: 'atlas_doc_format' })()).code).toBe('VALIDATION');
    expect(confluence.calls).toEqual([]);
    const missing = left(await uc.execute(TENANT, { space_key: 'NOPE', title: 'T', body: 'b' })());
    expect(missing).toMatchObject({ code: 'NOT_FOUND' });
    expect(confluence.calls.map((c) => c.method)).toEqual(['spaceIdForKey']);
  });
});

describe('the catalog as tools', () => {
  const tools = (readOnly: boolean) =>
    new InvokeTool({
      readOnly,
      operations: bindOperations(OPERATIONS, {
        refresh: new FixedAccess(context()),
        jira: gatewayOf<JiraGateway>(new MemoryJira()),
        confluence: gatewayOf<ConfluenceGateway>(new MemoryConfluence()),
        projects: NO_FILTER,
        spaces: NO_FILTER,
        files: DEFAULT_FILE_LIMITS,
        clock: { now: () => new Date('2026-12-01T10:00:00.000Z') },
      }),
    });

  it('runs an operation by name with strictly decoded arguments', async () => {
    const ran = right(await tools(false).execute(TENANT, 'jira_list_projects', { query: 'en', limit: '3' })());
    expect(ran).toEqual({ tool: 'jira_list_projects', result: { items: [project('ENG')], next_cursor: null } });
    expect(left(await tools(false).execute(TENANT, 'jira_list_projects', { qeury: 'typo' })()).message).toMatch(/unknown field qeury/);
  });

  it('hides and refuses the write tools under read-only, and names an unknown tool as NOT_FOUND', async () => {
    const ro = tools(true);
    expect(ro.list().map((t) => t.name)).toEqual(OPERATIONS.filter((o) => !o.writes).map((o) => o.name));
    expect(left(await ro.execute(TENANT, 'jira_create_issue', { project_key: 'ENG', summary: 'x' })()).code).toBe('FORBIDDEN');
    expect(ro.has('jira_create_issue')).toBe(true);
    expect(left(await ro.execute(TENANT, 'no_such_tool', {})()).code).toBe('NOT_FOUND');
  });
});
