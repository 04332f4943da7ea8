/** Who is who in Jira: the connection's own user, user search, and who an issue can be assigned to. */
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import type { Page } from '../../domain/cursor.js';
import { AppError } from '../../domain/errors.js';
import type { JiraUser } from '../../domain/jira.js';
import type { TenantId } from '../../domain/tenant.js';
import { boundedString, cursor, issueIdOrKey, limit, projectKey } from '../operation-inputs.js';
import { readPage } from '../paged-read.js';
import type { JiraPorts } from '../jira-operations.js';
import type { JiraIssueLookup, JiraUserDirectory } from '../ports/atlassian-gateways.js';
import { withAccess } from '../with-access.js';
import { issueInScope, projectInScope } from './scope.js';

export const CurrentUserInput = t.exact(t.type({}));
export type CurrentUserInput = t.TypeOf<typeof CurrentUserInput>;

export const SearchUsersInput = t.exact(
  t.intersection([
    t.type({ query: boundedString('query', 1, 200, 'Part of a name or an email address.') }),
    t.partial({ cursor, limit }),
  ]),
);
export type SearchUsersInput = t.TypeOf<typeof SearchUsersInput>;

export const AssignableUsersInput = t.exact(
  t.partial({
    project: projectKey('Who can be assigned issues of this project (its key); give project or issue.'),
    issue: issueIdOrKey('Who can be assigned this issue (key or id); give project or issue.'),
    query: boundedString('query', 1, 200, 'Part of a name or an email address.'),
    cursor,
    limit,
  }),
);
export type AssignableUsersInput = t.TypeOf<typeof AssignableUsersInput>;

/** `jira_current_user`: the Jira user the connection acts as. */
export class GetCurrentUser {
  constructor(private readonly ports: JiraPorts<JiraUserDirectory>) {}

  execute(tenantId: TenantId, _input: CurrentUserInput): TE.TaskEither<AppError, JiraUser> {
    return withAccess(this.ports.refresh, tenantId, 'jira')((ctx) => this.ports.jira.currentUser(ctx));
  }
}

/** `jira_search_users`: users by name or email. */
export class SearchUsers {
  private readonly page: ReturnType<typeof readPage<JiraUser>>;

  constructor(private readonly ports: JiraPorts<JiraUserDirectory>) {
    this.page = readPage<JiraUser>(ports.refresh, 'jira', 'jira-users');
  }

  execute(tenantId: TenantId, input: SearchUsersInput): TE.TaskEither<AppError, Page<JiraUser>> {
    return this.page(tenantId, input, (ctx, at) =>
      this.ports.jira.searchUsers(ctx, { query: input.query, startAt: at.startAt, limit: at.limit }),
    );
  }
}

/** `jira_assignable_users`: who an issue, or issues of a project, can be assigned to. */
export class AssignableUsers {
  private readonly page: ReturnType<typeof readPage<JiraUser>>;

  constructor(private readonly ports: JiraPorts<JiraUserDirectory & JiraIssueLookup>) {
    this.page = readPage<JiraUser>(ports.refresh, 'jira', 'jira-assignable-users');
  }

  execute(tenantId: TenantId, input: AssignableUsersInput): TE.TaskEither<AppError, Page<JiraUser>> {
    if ((input.project === undefined) === (input.issue === undefined))
      return TE.left(AppError.validation('Give exactly one of project or issue.'));
    const scope = input.project !== undefined ? { project: input.project } : { issue: input.issue! };
    return this.page(tenantId, input, (ctx, at) =>
      pipe(
        scope.project !== undefined
          ? TE.map(() => undefined)(projectInScope(this.ports.projects, scope.project))
          : issueInScope(this.ports, ctx, scope.issue!),
        TE.flatMap(() =>
          this.ports.jira.assignableUsers(ctx, { ...scope, query: input.query, startAt: at.startAt, limit: at.limit }),
        ),
      ),
    );
  }
}
