/**
 * Create metadata: which issue types a project offers, and what one type's create screen
 * asks for, so a caller (or an agent) can fill in a create correctly. A project outside
 * JIRA_PROJECTS_FILTER is NOT_FOUND.
 */
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import type { Page } from '../../domain/cursor.js';
import type { AppError } from '../../domain/errors.js';
import type { CreateIssueType, FieldMeta } from '../../domain/jira-create-meta.js';
import type { TenantId } from '../../domain/tenant.js';
import type { JiraPorts } from '../jira-operations.js';
import { cursor, limit, numericId, projectKey } from '../operation-inputs.js';
import { readPage } from '../paged-read.js';
import type { JiraCreateMetadata } from '../ports/atlassian-gateways.js';
import { projectInScope } from './scope.js';

const project = projectKey('The project to create issues in (its key), e.g. ENG.');

export const ListIssueTypesInput = t.exact(t.intersection([t.type({ project }), t.partial({ cursor, limit })]));
export type ListIssueTypesInput = t.TypeOf<typeof ListIssueTypesInput>;

export const ListCreateFieldsInput = t.exact(
  t.intersection([
    t.type({
      project,
      issue_type_id: numericId('issue_type_id', 'The issue type (its id, from jira_list_issue_types).'),
    }),
    t.partial({ cursor, limit }),
  ]),
);
export type ListCreateFieldsInput = t.TypeOf<typeof ListCreateFieldsInput>;

/** `jira_list_issue_types`: the issue types a project offers for creating issues. */
export class ListIssueTypes {
  private readonly page: ReturnType<typeof readPage<CreateIssueType>>;

  constructor(private readonly ports: JiraPorts<JiraCreateMetadata>) {
    this.page = readPage<CreateIssueType>(ports.refresh, 'jira', 'jira-create-issue-types');
  }

  execute(tenantId: TenantId, input: ListIssueTypesInput): TE.TaskEither<AppError, Page<CreateIssueType>> {
    return pipe(
      projectInScope(this.ports.projects, input.project),
      TE.flatMap(() =>
        this.page(tenantId, input, (ctx, at) =>
          this.ports.jira.createIssueTypes(ctx, { project: input.project, startAt: at.startAt, limit: at.limit }),
        ),
      ),
    );
  }
}

/** `jira_list_create_fields`: the fields of one issue type's create screen, required ones marked. */
export class ListCreateFields {
  private readonly page: ReturnType<typeof readPage<FieldMeta>>;

  constructor(private readonly ports: JiraPorts<JiraCreateMetadata>) {
    this.page = readPage<FieldMeta>(ports.refresh, 'jira', 'jira-create-fields');
  }

  execute(tenantId: TenantId, input: ListCreateFieldsInput): TE.TaskEither<AppError, Page<FieldMeta>> {
    return pipe(
      projectInScope(this.ports.projects, input.project),
      TE.flatMap(() =>
        this.page(tenantId, input, (ctx, at) =>
          this.ports.jira.createFields(ctx, {
            project: input.project,
            issueTypeId: input.issue_type_id,
            startAt: at.startAt,
            limit: at.limit,
          }),
        ),
      ),
    );
  }
}
