/**
 * The issue-changing use cases with in-memory gateways: what each one decides by itself
 * (which user a query means, which transition a name means, Markdown to ADF or wiki markup,
 * JIRA_PROJECTS_FILTER, the order of calls, refusals before any call).
 */
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { ListBoards, ListSprintIssues, ListSprints, MoveIssuesToSprint } from '../../src/application/jira/agile.js';
import { ListCreateFields, ListIssueTypes } from '../../src/application/jira/create-meta.js';
import { AssignIssue, chooseAssignee, chooseTransition, DeleteIssue, ListTransitions, TransitionIssue } from '../../src/application/jira/issue-actions.js';
import { DeleteIssueLink, LinkIssues } from '../../src/application/jira/links.js';
import type { AccessProvider } from '../../src/application/ports/access-provider.js';
import type { JiraGateway, UpstreamPage } from '../../src/application/ports/atlassian-gateways.js';
import type { IssueIdentity } from '../../src/domain/jira.js';
import type { AccessContext } from '../../src/domain/credentials.js';
import { AppError } from '../../src/domain/errors.js';
import type { Board } from '../../src/domain/jira-agile.js';
import type { JiraUser } from '../../src/domain/jira.js';
import type { Transition } from '../../src/domain/jira-issue-actions.js';
import type { KeyFilter } from '../../src/domain/scope-filter.js';
import type { TenantId } from '../../src/domain/tenant.js';
import { gatewayOf } from '../support/gateways.js';

const TENANT = 'acme' as TenantId;
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
const access = (ctx: AccessContext = context()): AccessProvider => ({ access: () => TE.right(ctx), afterUnauthorized: () => TE.right(ctx) });

const user = (name: string, over: Partial<JiraUser> = {}): JiraUser => ({
  account_id: `id-${name.split(' ')[0]!.toLowerCase()}`,
  display_name: name,
  email: `${name.split(' ')[0]!.toLowerCase()}@example.com`,
  active: true,
  ...over,
});
const transition = (id: string, name: string, to = 'Done'): Transition => ({ id, name, to_status: to, to_category: 'done', has_screen: false, fields: [] });

/** Records every call by method; answers what the test set up. Methods it lacks fail the test through gatewayOf. */
class MemoryJira {
  readonly calls: Array<{ method: string; args: unknown[] }> = [];
  users: JiraUser[] = [user('Mia Krystof'), user('Noah Lindqvist')];
  transitions: Transition[] = [transition('11', 'Start progress', 'In Progress'), transition('51', 'Close')];
  boards: Board[] = [
    { id: '1', name: 'OPS board', type: 'scrum', project_key: 'OPS' },
    { id: '2', name: 'WEB board', type: 'scrum', project_key: 'WEB' },
    { id: '5', name: 'Mine', type: 'kanban', project_key: null },
  ];
  projects: Record<string, string> = { '20001': 'OPS', '20002': 'WEB' };
  private record<A>(method: string, args: unknown[], value: A): TE.TaskEither<AppError, A> {
    this.calls.push({ method, args });
    return TE.right(value);
  }
  methods = () => this.calls.map((c) => c.method);
  assignableUsers(_ctx: AccessContext, q: { query?: string }) {
    const needle = (q.query ?? '').toLowerCase();
    return this.record('assignableUsers', [q], { items: this.users.filter((u) => u.display_name.toLowerCase().includes(needle)), next: null });
  }
  assignIssue(ctx: AccessContext, q: unknown) {
    return this.record('assignIssue', [q, ctx.flavour], undefined);
  }
  listTransitions(_ctx: AccessContext, issue: string) {
    return this.record('listTransitions', [issue], this.transitions);
  }
  transitionIssue(_ctx: AccessContext, q: unknown) {
    return this.record('transitionIssue', [q], undefined);
  }
  deleteIssue(_ctx: AccessContext, q: unknown) {
    return this.record('deleteIssue', [q], undefined);
  }
  identifyIssue(_ctx: AccessContext, id: string): TE.TaskEither<AppError, IssueIdentity> {
    this.calls.push({ method: 'identifyIssue', args: [id] });
    const p = this.projects[id];
    return p ? TE.right({ id, key: `${p}-1`, project: p }) : TE.left(AppError.notFound('Atlassian answered 404'));
  }
  linkIssues(_ctx: AccessContext, q: unknown) {
    return this.record('linkIssues', [q], undefined);
  }
  issueLinkEnds(_ctx: AccessContext, id: string) {
    return this.record('issueLinkEnds', [id], id === '1' ? { inward: 'OPS-1', outward: 'OPS-2' } : { inward: 'OPS-1', outward: 'WEB-2' });
  }
  deleteIssueLink(_ctx: AccessContext, id: string) {
    return this.record('deleteIssueLink', [id], undefined);
  }
  createIssueTypes(_ctx: AccessContext, q: unknown) {
    return this.record('createIssueTypes', [q], { items: [], next: null });
  }
  createFields(_ctx: AccessContext, q: unknown) {
    return this.record('createFields', [q], { items: [], next: { startAt: 50 } });
  }
  listBoards(_ctx: AccessContext, q: unknown): TE.TaskEither<AppError, UpstreamPage<Board>> {
    return this.record('listBoards', [q], { items: this.boards, next: { startAt: 3 } });
  }
  projectOfBoard(_ctx: AccessContext, id: string) {
    return this.record('projectOfBoard', [id], this.boards.find((b) => b.id === id)?.project_key ?? null);
  }
  listSprints(_ctx: AccessContext, q: unknown) {
    return this.record('listSprints', [q], { items: [], next: null });
  }
  sprintIssues(_ctx: AccessContext, q: unknown) {
    return this.record('sprintIssues', [q], { items: [], next: null });
  }
  moveIssuesToSprint(_ctx: AccessContext, q: unknown) {
    return this.record('moveIssuesToSprint', [q], undefined);
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

describe('the issue-changing use cases', () => {
  let jira: MemoryJira;
  const OPS: KeyFilter = { keys: ['OPS'] };
  beforeEach(() => {
    jira = new MemoryJira();
  });
  const ports = (over: { projects?: KeyFilter; ctx?: AccessContext } = {}) => ({
    refresh: access(over.ctx),
    jira: gatewayOf<JiraGateway>(jira),
    ...(over.projects ? { projects: over.projects } : {}),
  });

  describe('chooseAssignee', () => {
    it('takes the only active match, or the one exact name or email among several', () => {
      expect(chooseAssignee('mi', [user('Mia Krystof'), user('Old Mike', { active: false })])).toMatchObject({ display_name: 'Mia Krystof' });
      expect(chooseAssignee('noah@example.com', [user('Noah Lindqvist'), user('Noah Ark', { email: 'ark@example.com' })])).toMatchObject({ display_name: 'Noah Lindqvist' });
      expect(chooseAssignee('MIA KRYSTOF', [user('Mia Krystof'), user('Mia Krystoffersen', { account_id: 'x' })])).toMatchObject({ display_name: 'Mia Krystof' });
    });

    it('refuses no match, and several, naming at most five', () => {
      expect(chooseAssignee('zz', [])).toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/No assignable user/) });
      const many = Array.from({ length: 6 }, (_, i) => user(`Ann ${i}`, { account_id: `a${i}` }));
      const refused = chooseAssignee('ann', many) as AppError;
      expect(refused.code).toBe('VALIDATION');
      expect(refused.message.match(/\(a\d\)/g)).toEqual(['(a0)', '(a1)', '(a2)', '(a3)', '(a4)']);
    });
  });

  describe('chooseTransition', () => {
    const available = [transition('11', 'Start progress'), transition('51', 'Close'), transition('61', 'close', 'Closed')];
    it('takes an id first, then a name in any case and spacing', () => {
      expect(chooseTransition('61', available)).toMatchObject({ id: '61' });
      expect(chooseTransition('  START progress ', available)).toMatchObject({ id: '11' });
    });
    it('refuses an ambiguous name naming the ids, and an unknown one listing the choices', () => {
      expect((chooseTransition('CLOSE', available) as AppError).message).toContain('Close (id 51) to Done; close (id 61) to Closed');
      expect((chooseTransition('Ship', available) as AppError).message).toContain('choose one of: Start progress (id 11); Close (id 51); close (id 61)');
      expect((chooseTransition('Ship', []) as AppError).message).toContain('none is available');
    });
  });

  it('AssignIssue resolves a query through assignable users of the issue, then assigns that account', async () => {
    const done = right(await new AssignIssue(ports()).execute(TENANT, { issue: 'OPS-1', query: 'noah' })());
    expect(done).toEqual({ issue: 'OPS-1', account_id: 'id-noah', display_name: 'Noah Lindqvist' });
    expect(jira.calls).toEqual([
      { method: 'assignableUsers', args: [{ issue: 'OPS-1', query: 'noah', startAt: 0, limit: 6 }] },
      { method: 'assignIssue', args: [{ issue: 'OPS-1', accountId: 'id-noah' }, 'cloud'] },
    ]);
  });

  it('AssignIssue refuses both or neither of account_id and query, and an issue outside the filter, calling nothing', async () => {
    expect(left(await new AssignIssue(ports()).execute(TENANT, { issue: 'OPS-1' })()).code).toBe('VALIDATION');
    expect(left(await new AssignIssue(ports()).execute(TENANT, { issue: 'OPS-1', account_id: null, query: 'mia' })()).code).toBe('VALIDATION');
    expect(left(await new AssignIssue(ports({ projects: OPS })).execute(TENANT, { issue: 'WEB-1', account_id: null })()).code).toBe('NOT_FOUND');
    expect(jira.calls).toEqual([]);
  });

  it('TransitionIssue lists first, then posts the chosen id; the Markdown comment becomes ADF on Cloud and wiki markup on Data Center', async () => {
    right(await new TransitionIssue(ports()).execute(TENANT, { issue: 'OPS-1', transition: 'close', comment: '**done**' })());
    expect(jira.methods()).toEqual(['listTransitions', 'transitionIssue']);
    const cloud = jira.calls[1]!.args[0] as { transitionId: string; comment: { type: string } };
    expect(cloud.transitionId).toBe('51');
    expect(cloud.comment).toMatchObject({ type: 'doc', version: 1 });
    right(await new TransitionIssue(ports({ ctx: context({ flavour: 'data_center' }) })).execute(TENANT, { issue: 'OPS-1', transition: '11', comment: '**done**' })());
    expect((jira.calls[3]!.args[0] as { comment: string }).comment).toBe('*done*');
    // A blank comment is not sent.
    right(await new TransitionIssue(ports()).execute(TENANT, { issue: 'OPS-1', transition: '11', comment: '  ' })());
    expect((jira.calls[5]!.args[0] as { comment?: unknown }).comment).toBeUndefined();
  });

  it('TransitionIssue refuses an unknown transition after listing, without posting', async () => {
    const refused = left(await new TransitionIssue(ports()).execute(TENANT, { issue: 'OPS-1', transition: 'Ship' })());
    expect(refused.message).toContain('Start progress (id 11); Close (id 51)');
    expect(jira.methods()).toEqual(['listTransitions']);
  });

  it('ListTransitions and DeleteIssue look a numeric id up under the filter, and refuse it outside', async () => {
    expect(left(await new ListTransitions(ports({ projects: OPS })).execute(TENANT, { issue: '20002' })()).code).toBe('NOT_FOUND');
    right(await new DeleteIssue(ports({ projects: OPS })).execute(TENANT, { issue: '20001', delete_subtasks: true })());
    expect(jira.calls).toEqual([
      { method: 'identifyIssue', args: ['20002'] },
      { method: 'identifyIssue', args: ['20001'] },
      { method: 'deleteIssue', args: [{ issue: '20001', deleteSubtasks: true }] },
    ]);
  });

  it('LinkIssues checks both ends against the filter; DeleteIssueLink looks the link up only under a filter', async () => {
    expect(left(await new LinkIssues(ports({ projects: OPS })).execute(TENANT, { type: 'Blocks', inward_issue: 'OPS-1', outward_issue: 'WEB-1' })()).code).toBe('NOT_FOUND');
    expect(jira.calls).toEqual([]);
    right(await new DeleteIssueLink(ports()).execute(TENANT, { link_id: '2' })());
    expect(jira.methods()).toEqual(['deleteIssueLink']);
    expect(left(await new DeleteIssueLink(ports({ projects: OPS })).execute(TENANT, { link_id: '2' })())).toMatchObject({
      code: 'NOT_FOUND',
      message: 'Jira has no issue link 2 that this connection may see.',
    });
    right(await new DeleteIssueLink(ports({ projects: OPS })).execute(TENANT, { link_id: '1' })());
    expect(jira.methods()).toEqual(['deleteIssueLink', 'issueLinkEnds', 'issueLinkEnds', 'deleteIssueLink']);
  });

  it('ListIssueTypes and ListCreateFields refuse a project outside the filter before any call, and page with a cursor', async () => {
    expect(left(await new ListIssueTypes(ports({ projects: OPS })).execute(TENANT, { project: 'WEB' })()).code).toBe('NOT_FOUND');
    expect(jira.calls).toEqual([]);
    const page = right(await new ListCreateFields(ports()).execute(TENANT, { project: 'OPS', issue_type_id: '10002', limit: 50 })());
    expect(page.next_cursor).not.toBeNull();
    right(await new ListCreateFields(ports()).execute(TENANT, { project: 'OPS', issue_type_id: '10002', cursor: page.next_cursor! })());
    expect(jira.calls[1]!.args[0]).toEqual({ project: 'OPS', issueTypeId: '10002', startAt: 50, limit: 25 });
  });

  it('ListBoards leaves out boards located elsewhere (and in user locations) under the filter, keeping the upstream cursor', async () => {
    const all = right(await new ListBoards(ports()).execute(TENANT, {})());
    expect(all.items).toHaveLength(3);
    const ops = right(await new ListBoards(ports({ projects: OPS })).execute(TENANT, {})());
    expect(ops.items.map((b) => b.id)).toEqual(['1']);
    expect(ops.next_cursor).not.toBeNull();
    expect(left(await new ListBoards(ports({ projects: OPS })).execute(TENANT, { project: 'WEB' })()).code).toBe('NOT_FOUND');
  });

  it('ListSprints asks for the board only under a filter, and passes the states once each', async () => {
    right(await new ListSprints(ports()).execute(TENANT, { board_id: '2', state: 'active,future,active' })());
    expect(jira.calls).toEqual([{ method: 'listSprints', args: [{ boardId: '2', states: ['active', 'future'], startAt: 0, limit: 25 }] }]);
    expect(left(await new ListSprints(ports({ projects: OPS })).execute(TENANT, { board_id: '2' })()).code).toBe('NOT_FOUND');
    expect(left(await new ListSprints(ports({ projects: OPS })).execute(TENANT, { board_id: '5' })()).code).toBe('NOT_FOUND');
    expect(jira.methods().slice(1)).toEqual(['projectOfBoard', 'projectOfBoard']);
  });

  it('ListSprintIssues sends the filter as JQL, and no JQL without one', async () => {
    right(await new ListSprintIssues(ports()).execute(TENANT, { sprint_id: '2' })());
    right(await new ListSprintIssues(ports({ projects: { keys: ['OPS', 'W"EB'] } })).execute(TENANT, { sprint_id: '2' })());
    expect(jira.calls.map((c) => (c.args[0] as { jql?: string }).jql)).toEqual([undefined, 'project in ("OPS", "W\\"EB")']);
  });

  it('MoveIssuesToSprint refuses a repeated issue and more than 50, and every issue must be within the filter', async () => {
    expect(left(await new MoveIssuesToSprint(ports()).execute(TENANT, { sprint_id: '3', issues: ['OPS-1', 'ops-1'] })()).code).toBe('VALIDATION');
    const many = Array.from({ length: 51 }, (_, i) => `OPS-${i + 1}`);
    expect(left(await new MoveIssuesToSprint(ports()).execute(TENANT, { sprint_id: '3', issues: many })()).code).toBe('VALIDATION');
    expect(left(await new MoveIssuesToSprint(ports({ projects: OPS })).execute(TENANT, { sprint_id: '3', issues: ['OPS-1', 'WEB-2'] })()).code).toBe('NOT_FOUND');
    expect(jira.calls).toEqual([]);
    right(await new MoveIssuesToSprint(ports({ projects: OPS })).execute(TENANT, { sprint_id: '3', issues: ['OPS-1', '20001'] })());
    expect(jira.methods()).toEqual(['identifyIssue', 'moveIssuesToSprint']);
  });
});
