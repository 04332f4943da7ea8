/** Catalog: Jira Software boards and sprints. */
import { PageOf } from '../../domain/cursor.js';
import { Board, MovedToSprint, Sprint } from '../../domain/jira-agile.js';
import { JiraIssue } from '../../domain/jira-issue.js';
import {
  ListBoards,
  ListBoardsInput,
  ListSprintIssues,
  ListSprintIssuesInput,
  ListSprints,
  ListSprintsInput,
  MoveIssuesToSprint,
  MoveIssuesToSprintInput,
} from '../jira/agile.js';
import { operation, useCase } from './operation.js';

const SITE = 'https://acme.atlassian.net';

export const jiraAgileOperations = [
  operation({
    name: 'jira_list_boards',
    title: 'List Jira boards',
    summary: "The Jira Software boards (scrum, kanban) the connection can see, optionally of one project (project) or by name. Use a board's id to list its sprints.",
    connector: 'jira',
    input: ListBoardsInput,
    output: PageOf(Board, 'boards'),
    http: { method: 'get', path: '/connectors/jira/boards', operationId: 'listJiraBoards' },
    writes: false,
    scopes: ['read:board-scope:jira-software'],
    example: { input: { project: 'OPS' }, output: { items: [{ id: '1', name: 'OPS board', type: 'scrum', project_key: 'OPS' }], next_cursor: null } },
    run: useCase(ListBoards),
  }),
  operation({
    name: 'jira_list_sprints',
    title: 'Sprints of a Jira board',
    summary: 'The sprints of a scrum board, optionally only active, future or closed ones (state). Use the active sprint\'s id to list or move its issues.',
    connector: 'jira',
    input: ListSprintsInput,
    output: PageOf(Sprint, 'sprints'),
    http: { method: 'get', path: '/connectors/jira/boards/{board_id}/sprints', operationId: 'listJiraSprints' },
    writes: false,
    scopes: ['read:sprint:jira-software', 'read:board-scope:jira-software'],
    example: {
      input: { board_id: '1', state: 'active' },
      output: {
        items: [
          {
            id: '2',
            name: 'OPS Sprint 2',
            state: 'active',
            start_date: '2026-11-16T09:00:00.000Z',
            end_date: '2026-11-30T17:00:00.000Z',
            goal: 'Ship the login fix',
            board_id: '1',
          },
        ],
        next_cursor: null,
      },
    },
    run: useCase(ListSprints),
  }),
  operation({
    name: 'jira_list_sprint_issues',
    title: 'Issues of a Jira sprint',
    summary: 'The issues in a sprint, in rank order, with the same fields as jira_search_issues. Pages with next_cursor.',
    connector: 'jira',
    input: ListSprintIssuesInput,
    output: PageOf(JiraIssue, 'issues'),
    http: { method: 'get', path: '/connectors/jira/sprints/{sprint_id}/issues', operationId: 'listJiraSprintIssues' },
    writes: false,
    scopes: ['read:sprint:jira-software', 'read:issue-details:jira', 'read:jql:jira'],
    example: {
      input: { sprint_id: '2', limit: 1 },
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
    run: useCase(ListSprintIssues),
  }),
  operation({
    name: 'jira_move_issues_to_sprint',
    title: 'Move Jira issues into a sprint',
    summary: 'Move 1 to 50 issues into an active or future sprint (out of the backlog or another sprint). Repeating it changes nothing more.',
    connector: 'jira',
    input: MoveIssuesToSprintInput,
    output: MovedToSprint,
    http: { method: 'post', path: '/connectors/jira/sprints/{sprint_id}/issues', operationId: 'moveJiraIssuesToSprint' },
    writes: true,
    idempotent: true,
    scopes: ['write:sprint:jira-software'],
    example: { input: { sprint_id: '3', issues: ['OPS-7', 'OPS-8'] }, output: { sprint_id: '3', issues: ['OPS-7', 'OPS-8'] } },
    run: useCase(MoveIssuesToSprint),
  }),
];
