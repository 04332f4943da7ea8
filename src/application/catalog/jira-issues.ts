/** Catalog: reading and changing one Jira issue. */
import { UpdatedIssue } from '../../domain/jira.js';
import { UpdateIssue, UpdateIssueInput } from '../jira/issues.js';
import { operation, useCase } from './operation.js';

const SITE = 'https://acme.atlassian.net';

export const jiraIssueOperations = [
  operation({
    name: 'jira_update_issue',
    title: 'Update a Jira issue',
    summary:
      "Change an issue's summary, description (Markdown), labels (set, add, remove), priority, assignee (accountId), parent, components, due date or custom fields (by id). Only what you give changes; a field the issue's edit screen does not offer is refused before anything changes.",
    connector: 'jira',
    input: UpdateIssueInput,
    output: UpdatedIssue,
    http: { method: 'patch', path: '/connectors/jira/issues/{issue}', operationId: 'updateJiraIssue' },
    writes: true,
    idempotent: true,
    scopes: ['write:jira-work', 'read:jira-work'],
    example: {
      input: { issue: 'OPS-2', summary: 'Login times out after 30 s', labels: { add: ['auth'] }, due_date: '2026-12-24' },
      output: { key: 'OPS-2', url: `${SITE}/browse/OPS-2`, updated_fields: ['summary', 'labels', 'duedate'] },
    },
    run: useCase(UpdateIssue),
  }),
];
