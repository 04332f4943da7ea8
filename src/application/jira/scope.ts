/**
 * JIRA_PROJECTS_FILTER for operations on one issue or project: outside the filter, the
 * answer is the same NOT_FOUND as for something that does not exist, so a caller learns
 * nothing about the rest of the site.
 */
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type { AccessContext } from '../../domain/credentials.js';
import { AppError } from '../../domain/errors.js';
import { allowsProject, isFiltered, NO_FILTER, projectOfIssueKey, type KeyFilter } from '../../domain/scope-filter.js';
import type { JiraGateway } from '../ports/atlassian-gateways.js';

export const noSuchProject = (key: string): AppError =>
  AppError.notFound(`Jira has no project ${key} that this connection may use.`);
export const noSuchIssue = (idOrKey: string): AppError =>
  AppError.notFound(`Jira has no issue ${idOrKey} that this connection may see.`);

/** Right when the project is within the filter. */
export const projectInScope = (filter: KeyFilter | undefined, key: string): TE.TaskEither<AppError, string> =>
  allowsProject(filter ?? NO_FILTER, key) ? TE.right(key) : TE.left(noSuchProject(key));

/**
 * Right when the issue's project is within the filter. A key names its project; a numeric
 * id is looked up first (only when a filter is set).
 */
export const issueInScope = (
  ports: { readonly jira: Pick<JiraGateway, 'identifyIssue'>; readonly projects?: KeyFilter | undefined },
  ctx: AccessContext,
  idOrKey: string,
): TE.TaskEither<AppError, void> => {
  const filter = ports.projects ?? NO_FILTER;
  if (!isFiltered(filter)) return TE.right(undefined);
  const fromKey = projectOfIssueKey(idOrKey);
  return pipe(
    fromKey !== undefined
      ? TE.right(fromKey)
      : TE.map((issue: { project: string }) => issue.project)(ports.jira.identifyIssue(ctx, idOrKey)),
    TE.flatMap((project) => (allowsProject(filter, project) ? TE.right(undefined) : TE.left(noSuchIssue(idOrKey)))),
  );
};
