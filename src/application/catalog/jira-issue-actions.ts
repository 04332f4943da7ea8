/** Catalog: changing one Jira issue (assign, transition, delete). */
import { AssignedIssue, DeletedIssue, ListOf, Transition, TransitionedIssue } from '../../domain/jira-issue-actions.js';
import {
  AssignIssue,
  AssignIssueInput,
  DeleteIssue,
  DeleteIssueInput,
  ListTransitions,
  ListTransitionsInput,
  TransitionIssue,
  TransitionIssueInput,
} from '../jira/issue-actions.js';
import { operation, useCase } from './operation.js';

const START_PROGRESS = {
  id: '11',
  name: 'Start progress',
  to_status: 'In Progress',
  to_category: 'indeterminate',
  has_screen: false,
  fields: [],
};

export const jiraIssueActionOperations = [
  operation({
    name: 'jira_assign_issue',
    title: 'Assign a Jira issue',
    summary:
      'Assign an issue to a user by account_id, or to the one assignable user whose name or email matches query (several or no matches: refused, naming up to 5 candidates); account_id null unassigns. Repeating it changes nothing more.',
    connector: 'jira',
    input: AssignIssueInput,
    output: AssignedIssue,
    http: { method: 'put', path: '/connectors/jira/issues/{issue}/assignee', operationId: 'assignJiraIssue' },
    writes: true,
    idempotent: true,
    scopes: ['write:jira-work', 'read:jira-user'],
    example: {
      input: { issue: 'OPS-2', query: 'mia' },
      output: { issue: 'OPS-2', account_id: '5b10ac8d82e05b22cc7d4ef5', display_name: 'Mia Krystof' },
    },
    run: useCase(AssignIssue),
  }),
  operation({
    name: 'jira_list_transitions',
    title: 'Where a Jira issue can move',
    summary:
      "The workflow transitions an issue can take now: each one's id, name, target status (and its category) and the fields its screen asks for (required ones marked). Use before jira_transition_issue.",
    connector: 'jira',
    input: ListTransitionsInput,
    output: ListOf(Transition, 'transitions available now'),
    http: { method: 'get', path: '/connectors/jira/issues/{issue}/transitions', operationId: 'listJiraTransitions' },
    writes: false,
    scopes: ['read:jira-work'],
    example: { input: { issue: 'OPS-1' }, output: { items: [START_PROGRESS] } },
    run: useCase(ListTransitions),
  }),
  operation({
    name: 'jira_transition_issue',
    title: 'Move a Jira issue through its workflow',
    summary:
      'Make a workflow transition on an issue (change its status), by transition id or name (case-insensitive; an unknown or ambiguous one is refused, listing the choices), optionally with a Markdown comment and values for the fields of its screen.',
    connector: 'jira',
    input: TransitionIssueInput,
    output: TransitionedIssue,
    http: { method: 'post', path: '/connectors/jira/issues/{issue}/transitions', operationId: 'transitionJiraIssue' },
    writes: true,
    idempotent: false,
    scopes: ['read:jira-work', 'write:jira-work'],
    example: {
      input: { issue: 'OPS-1', transition: 'start progress', comment: 'Picked up **today**.' },
      output: { issue: 'OPS-1', transition_id: '11', transition_name: 'Start progress', status: 'In Progress' },
    },
    run: useCase(TransitionIssue),
  }),
  operation({
    name: 'jira_delete_issue',
    title: 'Delete a Jira issue',
    summary:
      'Delete an issue for good (Jira has no trash). delete_subtasks must be given: an issue with subtasks is refused unless it is true, which deletes them too. Prefer a transition (e.g. to Done) unless deleting is really meant.',
    connector: 'jira',
    input: DeleteIssueInput,
    output: DeletedIssue,
    http: { method: 'delete', path: '/connectors/jira/issues/{issue}', operationId: 'deleteJiraIssue', status: 204 },
    writes: true,
    destructive: true,
    idempotent: false,
    scopes: ['write:jira-work'],
    example: { input: { issue: 'OPS-7', delete_subtasks: false }, output: { deleted: 'OPS-7', subtasks_deleted: false } },
    run: useCase(DeleteIssue),
  }),
];
