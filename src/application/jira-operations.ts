import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { decodeCursor, pageOf, type Page } from '../domain/cursor.js';
import { AppError } from '../domain/errors.js';
import { isAdfDoc, type AdfDoc } from '../domain/markup/adf.js';
import { convertMarkdown } from '../domain/markup/index.js';
import type { CreatedIssue, IssueSummary, Project } from '../domain/operations.js';
import { buildIssueSearchJql } from '../domain/query-language.js';
import type { TenantId } from '../domain/tenant.js';
import { DEFAULT_LIMIT, type CreateIssueInput, type ListProjectsInput, type SearchIssuesInput } from './operation-inputs.js';
import type { JiraGateway } from './ports/atlassian-gateways.js';
import type { AccessProvider } from './ports/access-provider.js';
import { withAccess } from './with-access.js';

export interface JiraPorts {
  readonly refresh: AccessProvider;
  readonly jira: JiraGateway;
}


/** `jira_list_projects` / `GET /connectors/jira/projects`. */
export class ListProjects {
  constructor(private readonly ports: JiraPorts) {}

  execute(tenantId: TenantId, input: ListProjectsInput): TE.TaskEither<AppError, Page<Project>> {
    return pipe(
      TE.fromEither(decodeCursor('jira-projects', input.cursor)),
      TE.flatMap((cursor) =>
        withAccess(this.ports.refresh, tenantId, 'jira')((ctx) =>
          this.ports.jira.listProjects(ctx, { query: input.query, startAt: cursor?.startAt ?? 0, limit: input.limit ?? DEFAULT_LIMIT }),
        ),
      ),
      TE.map(pageOf('jira-projects')),
    );
  }
}

/** `jira_search_issues` / `GET /connectors/jira/search`: free text becomes quoted JQL, or the caller's JQL. */
export class SearchIssues {
  constructor(private readonly ports: JiraPorts) {}

  execute(tenantId: TenantId, input: SearchIssuesInput): TE.TaskEither<AppError, Page<IssueSummary>> {
    const jql = input.jql ?? (input.q !== undefined ? buildIssueSearchJql({ text: input.q, project: input.project }) : undefined);
    if (jql === undefined) return TE.left(AppError.validation('Give q (free text) or jql.'));
    if (input.jql !== undefined && input.q !== undefined) return TE.left(AppError.validation('Give q or jql, not both.'));
    return pipe(
      TE.fromEither(decodeCursor('jira-search', input.cursor)),
      TE.flatMap((cursor) =>
        withAccess(this.ports.refresh, tenantId, 'jira')((ctx) =>
          this.ports.jira.searchIssues(ctx, {
            jql,
            token: cursor?.token,
            startAt: cursor?.startAt ?? 0,
            limit: input.limit ?? DEFAULT_LIMIT,
          }),
        ),
      ),
      TE.map(pageOf('jira-search')),
    );
  }
}

type CreateIssueDescription = AdfDoc | string | undefined;

/** `jira_create_issue` / `POST /connectors/jira/create`: Markdown to ADF (Cloud) or wiki markup (Data Center). */
export class CreateIssue {
  constructor(private readonly ports: JiraPorts) {}

  execute(tenantId: TenantId, input: CreateIssueInput): TE.TaskEither<AppError, CreatedIssue> {
    if (input.description !== undefined && input.description_adf !== undefined) {
      return TE.left(AppError.validation('Give description (Markdown) or description_adf, not both.'));
    }
    const adf = input.description_adf;
    if (adf !== undefined && !isAdfDoc(adf)) {
      return TE.left(AppError.validation('description_adf must be an Atlassian Document Format doc: {"type":"doc","version":1,"content":[...]}.'));
    }
    if (input.labels?.some((l) => /\s/.test(l))) return TE.left(AppError.validation('labels must not contain spaces.'));
    return withAccess(this.ports.refresh, tenantId, 'jira')((ctx) => {
      const description = pipe(
        E.right<AppError, string | undefined>(input.description),
        E.flatMap((md): E.Either<AppError, CreateIssueDescription> => {
          if (adf !== undefined) return E.right(ctx.flavour === 'cloud' ? adf : undefined);
          if (md === undefined || md.trim() === '') return E.right(undefined);
          // An over-limit description is a VALIDATION naming the limit.
          return ctx.flavour === 'cloud' ? convertMarkdown(md, 'adf') : convertMarkdown(md, 'wiki');
        }),
      );
      if (E.isLeft(description)) return TE.left(description.left);
      if (adf !== undefined && ctx.flavour === 'data_center') {
        return TE.left(AppError.validation('description_adf needs Jira Cloud; Data Center takes description (Markdown).'));
      }
      return this.ports.jira.createIssue(ctx, {
        projectKey: input.project_key,
        summary: input.summary.trim(),
        issueType: input.issue_type ?? 'Task',
        description: description.right,
        labels: input.labels,
        priority: input.priority,
      });
    });
  }
}
