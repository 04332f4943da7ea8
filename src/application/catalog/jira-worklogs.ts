/** Catalog: time logged on a Jira issue. */
import { PageOf } from '../../domain/cursor.js';
import { JiraWorklog } from '../../domain/jira-worklog.js';
import { AddWorklog, AddWorklogInput, ListWorklogs, ListWorklogsInput } from '../jira/worklogs.js';
import { operation, useCase } from './operation.js';

const WORKLOG = {
  id: '10100',
  author: 'Mia Krystof',
  author_account_id: '5b10ac8d82e05b22cc7d4ef5',
  started: '2026-12-01T10:00:00.000+0000',
  time_spent: '1h 30m',
  time_spent_seconds: 5400,
  comment: 'Reproduced the **timeout** on staging.',
  created: '2026-12-01T11:30:00.000+0000',
  updated: '2026-12-01T11:30:00.000+0000',
};

export const jiraWorklogOperations = [
  operation({
    name: 'jira_list_worklogs',
    title: 'List the time logged on a Jira issue',
    summary:
      "An issue's worklogs, oldest first: who logged how much time (Jira notation and seconds), when the work started, and the comment in Markdown. Pages with next_cursor.",
    connector: 'jira',
    input: ListWorklogsInput,
    output: PageOf(JiraWorklog, 'worklogs'),
    http: { method: 'get', path: '/connectors/jira/issues/{issue}/worklogs', operationId: 'listJiraWorklogs' },
    writes: false,
    scopes: ['read:jira-work'],
    example: { input: { issue: 'OPS-2', limit: 10 }, output: { items: [WORKLOG], next_cursor: null } },
    run: useCase(ListWorklogs),
  }),
  operation({
    name: 'jira_add_worklog',
    title: 'Log time on a Jira issue',
    summary:
      'Log time spent on an issue in Jira notation (time_spent "1h 30m", "2d", "45m"), started at a given ISO date-time (default now), with an optional Markdown comment. Each call adds another worklog.',
    connector: 'jira',
    input: AddWorklogInput,
    output: JiraWorklog,
    http: { method: 'post', path: '/connectors/jira/issues/{issue}/worklogs', operationId: 'addJiraWorklog', status: 201 },
    writes: true,
    scopes: ['write:jira-work'],
    example: {
      input: { issue: 'OPS-2', time_spent: '1h 30m', started: '2026-12-01T10:00:00Z', comment: 'Reproduced the **timeout** on staging.' },
      output: WORKLOG,
    },
    run: useCase(AddWorklog),
  }),
];
