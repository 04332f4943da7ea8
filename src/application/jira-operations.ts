import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type { Page } from '../domain/cursor.js';
import { AppError } from '../domain/errors.js';
import { isAdfDoc, type AdfDoc } from '../domain/markup/adf.js';
import { convertMarkdown } from '../domain/markup/index.js';
import type { CreatedIssue, Project } from '../domain/operations.js';
import { issueRenderer, SUMMARY_FIELDS, type JiraIssue } from '../domain/jira-issue.js';
import { buildIssueSearchJql } from '../domain/query-language.js';
import { allowsProject, NO_FILTER, restrictJql, type KeyFilter } from '../domain/scope-filter.js';
import type { TenantId } from '../domain/tenant.js';
import type { CreateIssueInput, ListProjectsInput, SearchIssuesInput } from './operation-inputs.js';
import { checkFormat } from './jira/format.js';
import { jiraFieldsOf } from './jira/fields.js';
import { issueInScope, noSuchProject } from './jira/scope.js';
import { readPage } from './paged-read.js';
import type {
  JiraCreateMetadata,
  JiraGateway,
  JiraIssueCreation,
  JiraIssueLookup,
  JiraIssueSearch,
  JiraProjects,
} from './ports/atlassian-gateways.js';
import type { Clock } from './ports/clock.js';
import { CreateRequirements } from './jira/create-requirements.js';
import { cachedRichText } from './jira/rich-text.js';
import type { AccessProvider } from './ports/access-provider.js';
import { withAccess } from './with-access.js';

/** What a Jira use case is built from; `G` is the gateway roles it calls. */
export interface JiraPorts<G = JiraGateway> {
  readonly refresh: AccessProvider;
  readonly jira: G;
  /** JIRA_PROJECTS_FILTER: the projects every operation is limited to (default: all). */
  readonly projects?: KeyFilter;
}

/** `jira_list_projects` / `GET /connectors/jira/projects`. */
export class ListProjects {
  private readonly page: ReturnType<typeof readPage<Project>>;

  constructor(private readonly ports: JiraPorts<JiraProjects>) {
    this.page = readPage<Project>(ports.refresh, 'jira', 'jira-projects');
  }

  execute(tenantId: TenantId, input: ListProjectsInput): TE.TaskEither<AppError, Page<Project>> {
    const keys = this.ports.projects?.keys;
    return this.page(tenantId, input, (ctx, at) =>
      this.ports.jira.listProjects(ctx, {
        query: input.query,
        startAt: at.startAt,
        limit: at.limit,
        ...(keys?.length ? { keys } : {}),
      }),
    );
  }
}

/** `jira_search_issues` / `GET /connectors/jira/search`: free text becomes quoted JQL, or the caller's JQL. */
export class SearchIssues {
  private readonly page: ReturnType<typeof readPage<JiraIssue>>;

  constructor(private readonly ports: JiraPorts<JiraIssueSearch>) {
    this.page = readPage<JiraIssue>(ports.refresh, 'jira', 'jira-search');
  }

  execute(tenantId: TenantId, input: SearchIssuesInput): TE.TaskEither<AppError, Page<JiraIssue>> {
    const jql =
      input.jql ?? (input.q !== undefined ? buildIssueSearchJql({ text: input.q, project: input.project }) : undefined);
    if (jql === undefined) return TE.left(AppError.validation('Give q (free text) or jql.'));
    if (input.jql !== undefined && input.q !== undefined)
      return TE.left(AppError.validation('Give q or jql, not both.'));
    const limited = restrictJql(this.ports.projects ?? NO_FILTER, jql);
    if (E.isLeft(limited)) return TE.left(limited.left);
    const selection = input.fields ?? { fields: SUMMARY_FIELDS, custom: [] };
    if (selection.fields.includes('comments')) {
      return TE.left(
        AppError.validation(
          'fields: comments is not available in a search; read them with jira_get_issue or jira_list_comments.',
        ),
      );
    }
    const format = input.format ?? 'markdown';
    // One async step rather than a chain of combinators: the most frequent Jira read (docs/performance.md).
    return this.page(tenantId, input, (ctx, at) => async () => {
      const checked = checkFormat(format, ctx);
      if (E.isLeft(checked)) return checked;
      const page = await this.ports.jira.searchIssues(ctx, {
        jql: limited.right,
        fields: jiraFieldsOf(selection),
        token: at.token,
        startAt: at.startAt,
        limit: at.limit,
      })();
      if (E.isLeft(page)) return page;
      const render = issueRenderer({
        siteUrl: ctx.siteUrl,
        fields: selection.fields,
        customFields: selection.custom,
        format,
        richText: cachedRichText(tenantId),
      });
      return E.right({ ...page.right, items: page.right.items.map(render) });
    });
  }
}

type CreateIssueDescription = AdfDoc | string | undefined;

/**
 * `jira_create_issue` / `POST /connectors/jira/create`: Markdown to ADF (Cloud) or wiki markup
 * (Data Center). The project's create metadata (cached a few minutes) is checked first: an
 * issue type it does not offer, or a required field the input leaves out, is a 400 naming
 * it, and Jira is not asked to create anything.
 */
export class CreateIssue {
  private readonly requirements: CreateRequirements;

  constructor(
    private readonly ports: JiraPorts<JiraIssueCreation & JiraCreateMetadata & JiraIssueLookup> & {
      readonly clock: Clock;
    },
  ) {
    this.requirements = new CreateRequirements(ports.jira, ports.clock);
  }

  execute(tenantId: TenantId, input: CreateIssueInput): TE.TaskEither<AppError, CreatedIssue> {
    if (input.description !== undefined && input.description_adf !== undefined) {
      return TE.left(AppError.validation('Give description (Markdown) or description_adf, not both.'));
    }
    const adf = input.description_adf;
    if (adf !== undefined && !isAdfDoc(adf)) {
      return TE.left(
        AppError.validation(
          'description_adf must be an Atlassian Document Format doc: {"type":"doc","version":1,"content":[...]}.',
        ),
      );
    }
    if (input.labels?.some((l) => /\s/.test(l))) return TE.left(AppError.validation('labels must not contain spaces.'));
    if (!allowsProject(this.ports.projects ?? NO_FILTER, input.project_key))
      return TE.left(noSuchProject(input.project_key));
    return withAccess(
      this.ports.refresh,
      tenantId,
      'jira',
    )((ctx) => {
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
        return TE.left(
          AppError.validation('description_adf needs Jira Cloud; Data Center takes description (Markdown).'),
        );
      }
      const issue = {
        projectKey: input.project_key,
        summary: input.summary.trim(),
        issueType: input.issue_type ?? 'Task',
        description: description.right,
        labels: input.labels,
        priority: input.priority,
        assignee: input.assignee,
        parent: input.parent,
        components: input.components,
        dueDate: input.due_date,
        customFields: input.fields,
      };
      // What the create gives, by Jira field id, for the create screen's required fields.
      const values: Record<string, unknown> = {
        project: issue.projectKey,
        summary: issue.summary,
        issuetype: issue.issueType,
        description: issue.description,
        labels: issue.labels,
        priority: issue.priority,
        assignee: issue.assignee,
        parent: issue.parent,
        components: issue.components,
        duedate: issue.dueDate,
        ...issue.customFields,
      };
      return pipe(
        // A parent outside JIRA_PROJECTS_FILTER is as unknown as one that does not exist.
        input.parent !== undefined ? issueInScope(this.ports, ctx, input.parent) : TE.right(undefined),
        TE.flatMap(() =>
          this.requirements.check(tenantId, ctx, { project: issue.projectKey, issueType: issue.issueType, values }),
        ),
        TE.flatMap((issueType) => this.ports.jira.createIssue(ctx, { ...issue, issueType })),
      );
    });
  }
}
