/** The Jira operations of the catalog. */
import { PageOf } from '../../domain/cursor.js';
import { JiraIssue } from '../../domain/jira-issue.js';
import { CreatedIssue, Project } from '../../domain/operations.js';
import { CreateIssue, ListProjects, SearchIssues } from '../jira-operations.js';
import { CreateIssueInput, ListProjectsInput, SearchIssuesInput } from '../operation-inputs.js';
import { operation, useCase } from './operation.js';

const SITE = 'https://acme.atlassian.net';
const SCOPES_READ = ['read:jira-work'];
const SCOPES_WRITE = ['write:jira-work'];

export const jiraOperations = [
  operation({
    name: 'jira_list_projects',
    title: 'List Jira projects',
    summary:
      'List the Jira projects the connection can see, optionally filtered by key or name (query). Use it to find the project_key that creating or searching issues needs.',
    connector: 'jira',
    input: ListProjectsInput,
    output: PageOf(Project, 'projects'),
    http: { method: 'get', path: '/connectors/jira/projects', operationId: 'listJiraProjects' },
    writes: false,
    scopes: SCOPES_READ,
    example: {
      input: { query: 'plat', limit: 10 },
      output: { items: [{ id: '10000', key: 'ACME', name: 'Acme Platform', url: `${SITE}/browse/ACME` }], next_cursor: null },
    },
    run: useCase(ListProjects),
  }),
  operation({
    name: 'jira_search_issues',
    title: 'Search Jira issues',
    summary:
      'Search Jira issues by free text (q, optionally within one project), newest first, or by your own bounded JQL (jql). Pages with next_cursor.',
    connector: 'jira',
    input: SearchIssuesInput,
    output: PageOf(JiraIssue, 'issues'),
    http: { method: 'get', path: '/connectors/jira/search', operationId: 'searchJiraIssues' },
    writes: false,
    scopes: SCOPES_READ,
    example: {
      input: { q: 'login timeout', project: 'OPS', limit: 2 },
      output: {
        items: [
          {
            id: '20001',
            key: 'OPS-2',
            summary: 'Fix login timeout',
            status: 'In Progress',
            issue_type: 'Bug',
            assignee: 'Mia Krystof',
            updated: '2026-11-20T10:15:30.000+0000',
            url: `${SITE}/browse/OPS-2`,
          },
        ],
        next_cursor: null,
      },
    },
    run: useCase(SearchIssues),
  }),
  operation({
    name: 'jira_create_issue',
    title: 'Create a Jira issue',
    summary:
      "Create a Jira issue in a project (project_key) with a summary, and optionally its type, description (Markdown, becomes ADF on Cloud or wiki markup on Data Center), labels, priority, assignee (accountId), parent (a subtask's parent or an epic), components, due date and custom fields by id. A field the type's create screen requires but the input lacks is refused with a 400 naming it and its allowed values (see jira_list_create_fields). Answers the new key and link.",
    connector: 'jira',
    input: CreateIssueInput,
    output: CreatedIssue,
    http: { method: 'post', path: '/connectors/jira/create', operationId: 'createJiraIssue', status: 201 },
    writes: true,
    scopes: SCOPES_WRITE,
    example: {
      input: {
        project_key: 'OPS',
        summary: 'Login times out after 30 s',
        issue_type: 'Bug',
        description: 'Steps:\n\n1. Open the app\n2. Wait',
        labels: ['login'],
        assignee: '5b10ac8d82e05b22cc7d4ef5',
        parent: 'OPS-1',
        components: ['Backend'],
        due_date: '2026-12-24',
        fields: { customfield_10030: { id: '10101' } },
      },
      output: { id: '20042', key: 'OPS-43', url: `${SITE}/browse/OPS-43` },
    },
    run: useCase(CreateIssue),
  }),
];
