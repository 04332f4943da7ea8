/** Catalog: reading and changing one Jira issue. */
import { PageOf } from '../../domain/cursor.js';
import { UpdatedIssue } from '../../domain/jira.js';
import { JiraComment, JiraIssue } from '../../domain/jira-issue.js';
import {
  AddComment,
  AddCommentInput,
  DeleteComment,
  DeleteCommentInput,
  DeletedComment,
  EditComment,
  EditCommentInput,
  ListComments,
  ListCommentsInput,
} from '../jira/comments.js';
import { GetIssue, GetIssueInput, UpdateIssue, UpdateIssueInput } from '../jira/issues.js';
import { operation, useCase } from './operation.js';

const SITE = 'https://acme.atlassian.net';
const MIA = { author: 'Mia Krystof', author_account_id: '5b10ac8d82e05b22cc7d4ef5' };
const COMMENT = {
  id: '10210',
  ...MIA,
  body: 'Reproduced on **staging**; see the logs.',
  created: '2026-11-21T09:00:00.000+0000',
  updated: '2026-11-21T09:00:00.000+0000',
  visibility: null,
};

export const jiraIssueOperations = [
  operation({
    name: 'jira_get_issue',
    title: 'Read a Jira issue',
    summary:
      'Read one issue by key or id: summary, status, type, priority, people, labels, components, parent, subtasks, links, dates, the description and latest comments in Markdown, and the attachment list. Use fields= to read less, or to read custom fields (customfield_10010).',
    connector: 'jira',
    input: GetIssueInput,
    output: JiraIssue,
    http: { method: 'get', path: '/connectors/jira/issues/{issue}', operationId: 'getJiraIssue' },
    writes: false,
    scopes: ['read:jira-work'],
    example: {
      input: { issue: 'OPS-2', fields: 'summary,status,assignee,description,comments', comments: 1 },
      output: {
        id: '20001',
        key: 'OPS-2',
        url: `${SITE}/browse/OPS-2`,
        summary: 'Fix login timeout',
        status: 'In Progress',
        assignee: 'Mia Krystof',
        description: 'Users are logged out after **30 s**.',
        comments: { items: [COMMENT], total: 3 },
      },
    },
    run: useCase(GetIssue),
  }),
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
  operation({
    name: 'jira_list_comments',
    title: 'List the comments of a Jira issue',
    summary: "An issue's comments in Markdown, newest first (order=oldest for the thread from its start), with their authors and visibility. Pages with next_cursor.",
    connector: 'jira',
    input: ListCommentsInput,
    output: PageOf(JiraComment, 'comments'),
    http: { method: 'get', path: '/connectors/jira/issues/{issue}/comments', operationId: 'listJiraComments' },
    writes: false,
    scopes: ['read:jira-work'],
    example: { input: { issue: 'OPS-2', limit: 1 }, output: { items: [COMMENT], next_cursor: null } },
    run: useCase(ListComments),
  }),
  operation({
    name: 'jira_add_comment',
    title: 'Comment on a Jira issue',
    summary: 'Add a comment in Markdown to an issue, optionally visible only to a project role or a group (visibility).',
    connector: 'jira',
    input: AddCommentInput,
    output: JiraComment,
    http: { method: 'post', path: '/connectors/jira/issues/{issue}/comments', operationId: 'addJiraComment', status: 201 },
    writes: true,
    scopes: ['write:jira-work'],
    example: { input: { issue: 'OPS-2', body: 'Reproduced on **staging**; see the logs.' }, output: COMMENT },
    run: useCase(AddComment),
  }),
  operation({
    name: 'jira_edit_comment',
    title: 'Edit a Jira comment',
    summary: "Replace a comment's text (Markdown), and its visibility when given.",
    connector: 'jira',
    input: EditCommentInput,
    output: JiraComment,
    http: { method: 'put', path: '/connectors/jira/issues/{issue}/comments/{comment}', operationId: 'editJiraComment' },
    writes: true,
    idempotent: true,
    scopes: ['write:jira-work'],
    example: { input: { issue: 'OPS-2', comment: '10210', body: 'Reproduced on **staging** and production.' }, output: { ...COMMENT, body: 'Reproduced on **staging** and production.' } },
    run: useCase(EditComment),
  }),
  operation({
    name: 'jira_delete_comment',
    title: 'Delete a Jira comment',
    summary: 'Delete a comment from an issue. It cannot be undone.',
    connector: 'jira',
    input: DeleteCommentInput,
    output: DeletedComment,
    http: { method: 'delete', path: '/connectors/jira/issues/{issue}/comments/{comment}', operationId: 'deleteJiraComment', status: 204 },
    writes: true,
    destructive: true,
    idempotent: true,
    scopes: ['write:jira-work'],
    example: { input: { issue: 'OPS-2', comment: '10210' }, output: { deleted: true, comment: '10210' } },
    run: useCase(DeleteComment),
  }),
];
