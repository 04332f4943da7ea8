/** Catalog: what creating a Jira issue takes (issue types, and the fields of one). */
import { PageOf } from '../../domain/cursor.js';
import { CreateIssueType, FieldMeta } from '../../domain/jira-create-meta.js';
import { ListCreateFields, ListCreateFieldsInput, ListIssueTypes, ListIssueTypesInput } from '../jira/create-meta.js';
import { operation, useCase } from './operation.js';

export const jiraCreateMetaOperations = [
  operation({
    name: 'jira_list_issue_types',
    title: 'Issue types of a Jira project',
    summary:
      'The issue types a project offers for creating issues (Task, Bug, Story, ...), with their ids. Then jira_list_create_fields tells what one of them needs.',
    connector: 'jira',
    input: ListIssueTypesInput,
    output: PageOf(CreateIssueType, 'issue types'),
    http: { method: 'get', path: '/connectors/jira/projects/{project}/issue-types', operationId: 'listJiraCreateIssueTypes' },
    writes: false,
    scopes: ['read:jira-work'],
    example: {
      input: { project: 'OPS' },
      output: { items: [{ id: '10002', name: 'Bug', subtask: false, hierarchy_level: 0 }], next_cursor: null },
    },
    run: useCase(ListIssueTypes),
  }),
  operation({
    name: 'jira_list_create_fields',
    title: 'Fields for creating a Jira issue',
    summary:
      'The fields of the create screen for one issue type of a project: which are required, their allowed values and kinds. Use it to fill a create correctly, e.g. a required custom field.',
    connector: 'jira',
    input: ListCreateFieldsInput,
    output: PageOf(FieldMeta, 'fields'),
    http: { method: 'get', path: '/connectors/jira/projects/{project}/issue-types/{issue_type_id}/fields', operationId: 'listJiraCreateFields' },
    writes: false,
    scopes: ['read:jira-work'],
    example: {
      input: { project: 'OPS', issue_type_id: '10002' },
      output: {
        items: [
          {
            field_id: 'priority',
            name: 'Priority',
            required: false,
            has_default_value: true,
            schema: { type: 'priority', items: null, system: 'priority', custom: null },
            operations: ['set'],
            allowed_values: [
              { id: '1', name: 'Highest' },
              { id: '3', name: 'Medium' },
            ],
          },
        ],
        next_cursor: null,
      },
    },
    run: useCase(ListCreateFields),
  }),
];
