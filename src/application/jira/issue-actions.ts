/**
 * Changing one issue: assigning it (by account id, or a user found by a query), moving it
 * through its workflow, and deleting it. Each checks JIRA_PROJECTS_FILTER first: an issue
 * outside it is NOT_FOUND, as if it did not exist.
 */
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import { AppError } from '../../domain/errors.js';
import type { JiraUser } from '../../domain/jira.js';
import type { AssignedIssue, DeletedIssue, Transition, TransitionedIssue } from '../../domain/jira-issue-actions.js';
import { annotate } from '../../domain/json-schema.js';
import type { TenantId } from '../../domain/tenant.js';
import type { JiraPorts } from '../jira-operations.js';
import { boundedString, issueIdOrKey } from '../operation-inputs.js';
import type {
  JiraIssueAssignment,
  JiraIssueDeletion,
  JiraIssueLookup,
  JiraIssueTransitions,
  JiraUserDirectory,
} from '../ports/atlassian-gateways.js';
import { withAccess } from '../with-access.js';
import { flag, jiraRichText, markdown, nullableAccountId } from './inputs.js';
import { issueInScope } from './scope.js';

const issue = issueIdOrKey('The issue: its key (e.g. ENG-42) or numeric id.');

export const AssignIssueInput = t.exact(
  t.intersection([
    t.type({ issue }),
    t.partial({
      account_id: nullableAccountId(
        'Assign to this user (Cloud accountId, Data Center user key, as jira_search_users answers); null unassigns.',
      ),
      query: boundedString(
        'query',
        1,
        200,
        'Or: assign to the one assignable user whose name or email matches this text.',
      ),
    }),
  ]),
);
export type AssignIssueInput = t.TypeOf<typeof AssignIssueInput>;

export const ListTransitionsInput = t.exact(t.type({ issue }));
export type ListTransitionsInput = t.TypeOf<typeof ListTransitionsInput>;

export const TransitionIssueInput = t.exact(
  t.intersection([
    t.type({
      issue,
      transition: boundedString(
        'transition',
        1,
        255,
        'The transition to make: its id, or its name (case-insensitive), from jira_list_transitions.',
      ),
    }),
    t.partial({
      comment: markdown(
        'comment',
        'A comment to add with the transition, in Markdown (ADF on Cloud, wiki markup on Data Center).',
      ),
      fields: annotate(t.UnknownRecord, {
        type: 'object',
        description:
          'Values for the fields of the transition screen, keyed by field id as Jira takes them, e.g. {"resolution": {"name": "Done"}}.',
      }),
    }),
  ]),
);
export type TransitionIssueInput = t.TypeOf<typeof TransitionIssueInput>;

export const DeleteIssueInput = t.exact(
  t.type({
    issue,
    delete_subtasks: flag(
      "Whether to delete the issue's subtasks too; an issue with subtasks is refused without it. Say it either way.",
    ),
  }),
);
export type DeleteIssueInput = t.TypeOf<typeof DeleteIssueInput>;

/** How many candidates a refusal names. */
const SHOWN = 5;
const named = (u: JiraUser): string => `${u.display_name} (${u.account_id})`;

/** The one user a query means: the only match, or the only exact match of name or email among several. */
export const chooseAssignee = (query: string, candidates: readonly JiraUser[]): JiraUser | AppError => {
  const active = candidates.filter((u) => u.active);
  if (active.length === 1) return active[0]!;
  const q = query.trim().toLowerCase();
  const exact = active.filter(
    (u) => u.display_name.toLowerCase() === q || u.email?.toLowerCase() === q || u.account_id === query,
  );
  if (exact.length === 1) return exact[0]!;
  if (active.length === 0)
    return AppError.validation(
      'No assignable user matches query; try part of another name or an email, or give account_id.',
    );
  const shown = (exact.length > 1 ? exact : active).slice(0, SHOWN).map(named);
  return AppError.validation(
    `query matches several assignable users; give account_id, or a query that matches one: ${shown.join('; ')}.`,
  );
};

/** `jira_assign_issue`: assigns by account id or a user query, or unassigns. */
export class AssignIssue {
  constructor(private readonly ports: JiraPorts<JiraIssueAssignment & JiraUserDirectory & JiraIssueLookup>) {}

  execute(tenantId: TenantId, input: AssignIssueInput): TE.TaskEither<AppError, AssignedIssue> {
    const byId = input.account_id !== undefined;
    if (byId === (input.query !== undefined)) {
      return TE.left(AppError.validation('Give exactly one of account_id (null unassigns) or query.'));
    }
    return withAccess(
      this.ports.refresh,
      tenantId,
      'jira',
    )((ctx) =>
      pipe(
        issueInScope(this.ports, ctx, input.issue),
        TE.flatMap((): TE.TaskEither<AppError, { account_id: string | null; display_name: string | null }> => {
          if (byId) return TE.right({ account_id: input.account_id ?? null, display_name: null });
          const query = input.query!;
          return pipe(
            // One more than is shown, so the refusal can tell "several" from "these five".
            this.ports.jira.assignableUsers(ctx, { issue: input.issue, query, startAt: 0, limit: SHOWN + 1 }),
            TE.flatMap((page) => {
              const chosen = chooseAssignee(query, page.items);
              return 'code' in chosen
                ? TE.left(chosen)
                : TE.right({ account_id: chosen.account_id, display_name: chosen.display_name });
            }),
          );
        }),
        TE.flatMap((assignee) =>
          TE.map(() => ({ issue: input.issue, ...assignee }))(
            this.ports.jira.assignIssue(ctx, { issue: input.issue, accountId: assignee.account_id }),
          ),
        ),
      ),
    );
  }
}

/** `jira_list_transitions`: where the issue can go from here, and what each step asks for. */
export class ListTransitions {
  constructor(private readonly ports: JiraPorts<JiraIssueTransitions & JiraIssueLookup>) {}

  execute(tenantId: TenantId, input: ListTransitionsInput): TE.TaskEither<AppError, { items: readonly Transition[] }> {
    return withAccess(
      this.ports.refresh,
      tenantId,
      'jira',
    )((ctx) =>
      pipe(
        issueInScope(this.ports, ctx, input.issue),
        TE.flatMap(() => this.ports.jira.listTransitions(ctx, input.issue)),
        TE.map((items) => ({ items })),
      ),
    );
  }
}

const choices = (available: readonly Transition[]): string =>
  available.length === 0
    ? 'none is available to this connection now'
    : `choose one of: ${available.map((tr) => `${tr.name} (id ${tr.id})`).join('; ')}`;

/** The transition the caller means: one with that id, else the one with that name (any case). */
export const chooseTransition = (wanted: string, available: readonly Transition[]): Transition | AppError => {
  const byId = available.find((tr) => tr.id === wanted);
  if (byId) return byId;
  const byName = available.filter((tr) => tr.name.trim().toLowerCase() === wanted.trim().toLowerCase());
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) {
    return AppError.validation(
      `transition names ${byName.length} transitions; give its id instead: ${byName.map((tr) => `${tr.name} (id ${tr.id}) to ${tr.to_status ?? 'an unnamed status'}`).join('; ')}.`,
    );
  }
  return AppError.validation(`The issue has no transition matching transition; ${choices(available)}.`);
};

/** `jira_transition_issue`: looks up the issue's transitions, picks the one asked for, and makes it. */
export class TransitionIssue {
  constructor(private readonly ports: JiraPorts<JiraIssueTransitions & JiraIssueLookup>) {}

  execute(tenantId: TenantId, input: TransitionIssueInput): TE.TaskEither<AppError, TransitionedIssue> {
    return withAccess(
      this.ports.refresh,
      tenantId,
      'jira',
    )((ctx) =>
      pipe(
        issueInScope(this.ports, ctx, input.issue),
        TE.flatMap(() => this.ports.jira.listTransitions(ctx, input.issue)),
        TE.flatMap((available) => {
          const chosen = chooseTransition(input.transition, available);
          return 'code' in chosen ? TE.left(chosen) : TE.right(chosen);
        }),
        TE.flatMap((chosen) =>
          TE.map((): TransitionedIssue => ({
            issue: input.issue,
            transition_id: chosen.id,
            transition_name: chosen.name,
            status: chosen.to_status,
          }))(
            this.ports.jira.transitionIssue(ctx, {
              issue: input.issue,
              transitionId: chosen.id,
              comment: jiraRichText(ctx, input.comment),
              fields: input.fields,
            }),
          ),
        ),
      ),
    );
  }
}

/** `jira_delete_issue`: deletes the issue (and its subtasks only when asked to). */
export class DeleteIssue {
  constructor(private readonly ports: JiraPorts<JiraIssueDeletion & JiraIssueLookup>) {}

  execute(tenantId: TenantId, input: DeleteIssueInput): TE.TaskEither<AppError, DeletedIssue> {
    return withAccess(
      this.ports.refresh,
      tenantId,
      'jira',
    )((ctx) =>
      pipe(
        issueInScope(this.ports, ctx, input.issue),
        TE.flatMap(() =>
          this.ports.jira.deleteIssue(ctx, { issue: input.issue, deleteSubtasks: input.delete_subtasks }),
        ),
        TE.map(() => ({ deleted: input.issue, subtasks_deleted: input.delete_subtasks })),
      ),
    );
  }
}
