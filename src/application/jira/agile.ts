/**
 * Jira Software boards and sprints: the boards of a project, the sprints of a board, the
 * issues of a sprint (the same issue shape as search), and moving issues into a sprint.
 * Under JIRA_PROJECTS_FILTER boards located elsewhere are left out (and a board id of one
 * is NOT_FOUND), sprint issues of other projects are left out by the JQL Jira filters
 * with, and only issues within the filter can be moved.
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as A from 'fp-ts/lib/ReadonlyArray.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import type { AccessContext } from '../../domain/credentials.js';
import type { Page } from '../../domain/cursor.js';
import { AppError } from '../../domain/errors.js';
import {
  SPRINT_STATES,
  type Board,
  type MovedToSprint,
  type Sprint,
  type SprintState,
} from '../../domain/jira-agile.js';
import { annotate } from '../../domain/json-schema.js';
import { allowsProject, isFiltered, NO_FILTER, restrictJql } from '../../domain/scope-filter.js';
import type { TenantId } from '../../domain/tenant.js';
import type { JiraPorts } from '../jira-operations.js';
import { boundedString, cursor, issueIdOrKey, limit, numericId, projectKey } from '../operation-inputs.js';
import { readPage } from '../paged-read.js';
import type { JiraAgile, JiraIssueLookup, UpstreamPage } from '../ports/atlassian-gateways.js';
import { issueRenderer, SUMMARY_FIELDS, type IssueRecord, type JiraIssue } from '../../domain/jira-issue.js';
import { jiraFieldsOf } from './fields.js';
import { withAccess } from '../with-access.js';
import { issueInScope, projectInScope } from './scope.js';

/** Atlassian moves at most this many issues into a sprint per call. */
export const MAX_ISSUES_PER_MOVE = 50;

const STATES = new RegExp(`^(${SPRINT_STATES.join('|')})(,(${SPRINT_STATES.join('|')}))*$`);
const sprintStates = annotate(
  new t.Type<string, string, unknown>(
    'sprint states',
    (u): u is string => typeof u === 'string' && STATES.test(u),
    (u, c) =>
      typeof u === 'string' && STATES.test(u)
        ? t.success(u)
        : t.failure(u, c, 'active, future or closed, or several of them separated by commas'),
    t.identity,
  ),
  {
    type: 'string',
    pattern: STATES.source,
    description:
      'Only sprints in these states: active, future or closed, or several separated by commas (default: all).',
  },
);

export const ListBoardsInput = t.exact(
  t.partial({
    project: projectKey('Only the boards of this project (its key).'),
    name: boundedString('name', 1, 255, 'Only boards whose name contains this text.'),
    cursor,
    limit,
  }),
);
export type ListBoardsInput = t.TypeOf<typeof ListBoardsInput>;

export const ListSprintsInput = t.exact(
  t.intersection([
    t.type({
      board_id: numericId('board_id', 'The board (its id, from jira_list_boards); only scrum boards have sprints.'),
    }),
    t.partial({ state: sprintStates, cursor, limit }),
  ]),
);
export type ListSprintsInput = t.TypeOf<typeof ListSprintsInput>;

const sprintId = numericId('sprint_id', 'The sprint (its id, from jira_list_sprints).');

export const ListSprintIssuesInput = t.exact(
  t.intersection([t.type({ sprint_id: sprintId }), t.partial({ cursor, limit })]),
);
export type ListSprintIssuesInput = t.TypeOf<typeof ListSprintIssuesInput>;

const issueList = annotate(t.array(issueIdOrKey('An issue to move (key or id).')), {
  type: 'array',
  items: { type: 'string', pattern: '^(?:[A-Z][A-Z0-9_]+-[1-9][0-9]{0,17}|[1-9][0-9]{0,17})$' },
  minItems: 1,
  maxItems: MAX_ISSUES_PER_MOVE,
  uniqueItems: true,
  description: `The issues to move into the sprint (keys or ids), 1 to ${MAX_ISSUES_PER_MOVE}.`,
});

export const MoveIssuesToSprintInput = t.exact(t.type({ sprint_id: sprintId, issues: issueList }));
export type MoveIssuesToSprintInput = t.TypeOf<typeof MoveIssuesToSprintInput>;

/** `jira_list_boards`: boards, of one project or all the connection may see (within the filter). */
export class ListBoards {
  private readonly page: ReturnType<typeof readPage<Board>>;

  constructor(private readonly ports: JiraPorts<JiraAgile>) {
    this.page = readPage<Board>(ports.refresh, 'jira', 'jira-boards');
  }

  execute(tenantId: TenantId, input: ListBoardsInput): TE.TaskEither<AppError, Page<Board>> {
    const filter = this.ports.projects ?? NO_FILTER;
    return pipe(
      input.project !== undefined
        ? TE.map(() => undefined)(projectInScope(filter, input.project))
        : TE.right(undefined),
      TE.flatMap(() =>
        this.page(tenantId, input, (ctx, at) =>
          pipe(
            this.ports.jira.listBoards(ctx, {
              project: input.project,
              name: input.name,
              startAt: at.startAt,
              limit: at.limit,
            }),
            // A board of another project (or of a user) is not listed; the page may come back short.
            TE.map((page) =>
              isFiltered(filter)
                ? {
                    ...page,
                    items: page.items.filter((b) => b.project_key !== null && allowsProject(filter, b.project_key)),
                  }
                : page,
            ),
          ),
        ),
      ),
    );
  }
}

/** NOT_FOUND for a board located outside the filter (only asked when a filter is set). */
const boardInScope = (
  ports: JiraPorts<JiraAgile>,
  ctx: AccessContext,
  boardId: string,
): TE.TaskEither<AppError, void> => {
  const filter = ports.projects ?? NO_FILTER;
  if (!isFiltered(filter)) return TE.right(undefined);
  return pipe(
    ports.jira.projectOfBoard(ctx, boardId),
    TE.flatMap((project) =>
      project !== null && allowsProject(filter, project)
        ? TE.right(undefined)
        : TE.left(AppError.notFound(`Jira has no board ${boardId} that this connection may use.`)),
    ),
  );
};

/** `jira_list_sprints`: the sprints of a board, optionally by state. */
export class ListSprints {
  private readonly page: ReturnType<typeof readPage<Sprint>>;

  constructor(private readonly ports: JiraPorts<JiraAgile>) {
    this.page = readPage<Sprint>(ports.refresh, 'jira', 'jira-sprints');
  }

  execute(tenantId: TenantId, input: ListSprintsInput): TE.TaskEither<AppError, Page<Sprint>> {
    const states = input.state === undefined ? undefined : ([...new Set(input.state.split(','))] as SprintState[]);
    return this.page(tenantId, input, (ctx, at) =>
      pipe(
        boardInScope(this.ports, ctx, input.board_id),
        TE.flatMap(() =>
          this.ports.jira.listSprints(ctx, { boardId: input.board_id, states, startAt: at.startAt, limit: at.limit }),
        ),
      ),
    );
  }
}

/** `jira_list_sprint_issues`: the issues of a sprint, in rank order, as search answers them. */
export class ListSprintIssues {
  private readonly page: ReturnType<typeof readPage<JiraIssue>>;

  constructor(private readonly ports: JiraPorts<JiraAgile>) {
    this.page = readPage<JiraIssue>(ports.refresh, 'jira', 'jira-sprint-issues');
  }

  execute(tenantId: TenantId, input: ListSprintIssuesInput): TE.TaskEither<AppError, Page<JiraIssue>> {
    const filter = this.ports.projects ?? NO_FILTER;
    // Under a filter Jira itself leaves out the other projects' issues: `project in ("A", "B")`.
    const jql = isFiltered(filter) ? restrictJql(filter, '') : E.right(undefined);
    if (E.isLeft(jql)) return TE.left(jql.left);
    const selection = { fields: SUMMARY_FIELDS, custom: [] };
    return this.page(tenantId, input, (ctx, at) =>
      TE.map((page: UpstreamPage<IssueRecord>) => ({
        ...page,
        items: page.items.map(issueRenderer({ siteUrl: ctx.siteUrl, fields: selection.fields, format: 'markdown' })),
      }))(
        this.ports.jira.sprintIssues(ctx, {
          sprintId: input.sprint_id,
          jql: jql.right,
          fields: jiraFieldsOf(selection),
          startAt: at.startAt,
          limit: at.limit,
        }),
      ),
    );
  }
}

/** `jira_move_issues_to_sprint`: moves up to 50 issues into an open or active sprint (again: no change). */
export class MoveIssuesToSprint {
  constructor(private readonly ports: JiraPorts<JiraAgile & JiraIssueLookup>) {}

  execute(tenantId: TenantId, input: MoveIssuesToSprintInput): TE.TaskEither<AppError, MovedToSprint> {
    if (new Set(input.issues.map((i) => i.toUpperCase())).size !== input.issues.length) {
      return TE.left(AppError.validation('issues names an issue twice.'));
    }
    if (input.issues.length === 0 || input.issues.length > MAX_ISSUES_PER_MOVE) {
      return TE.left(
        AppError.validation(
          `issues must name 1 to ${MAX_ISSUES_PER_MOVE} issues (Jira moves at most ${MAX_ISSUES_PER_MOVE} per call).`,
        ),
      );
    }
    return withAccess(
      this.ports.refresh,
      tenantId,
      'jira',
    )((ctx) =>
      pipe(
        A.traverse(TE.ApplicativeSeq)((issue: string) => issueInScope(this.ports, ctx, issue))(input.issues),
        TE.flatMap(() => this.ports.jira.moveIssuesToSprint(ctx, { sprintId: input.sprint_id, issues: input.issues })),
        TE.map(() => ({ sprint_id: input.sprint_id, issues: input.issues })),
      ),
    );
  }
}
