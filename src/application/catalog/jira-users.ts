/** Catalog: Jira users. */
import { PageOf } from '../../domain/cursor.js';
import { JiraUser } from '../../domain/jira.js';
import { AssignableUsers, AssignableUsersInput, CurrentUserInput, GetCurrentUser, SearchUsers, SearchUsersInput } from '../jira/users.js';
import { operation, useCase } from './operation.js';

const MIA = { account_id: '5b10ac8d82e05b22cc7d4ef5', display_name: 'Mia Krystof', email: 'mia.krystof@example.com', active: true };

export const jiraUserOperations = [
  operation({
    name: 'jira_current_user',
    title: 'Who am I in Jira',
    summary: 'The Jira user this connection acts as (account id, name, email). Use its account_id to assign issues to "me".',
    connector: 'jira',
    input: CurrentUserInput,
    output: JiraUser,
    http: { method: 'get', path: '/connectors/jira/myself', operationId: 'getJiraCurrentUser' },
    writes: false,
    scopes: ['read:jira-user'],
    example: { input: {}, output: MIA },
    run: useCase(GetCurrentUser),
  }),
  operation({
    name: 'jira_search_users',
    title: 'Find Jira users',
    summary: 'Find Jira users by part of their name or email (query). Answers account ids, which assigning and mentioning take.',
    connector: 'jira',
    input: SearchUsersInput,
    output: PageOf(JiraUser, 'users'),
    http: { method: 'get', path: '/connectors/jira/users', operationId: 'searchJiraUsers' },
    writes: false,
    scopes: ['read:jira-user'],
    example: { input: { query: 'mia' }, output: { items: [MIA], next_cursor: null } },
    run: useCase(SearchUsers),
  }),
  operation({
    name: 'jira_assignable_users',
    title: 'Who can be assigned',
    summary:
      'The users an issue (issue) or the issues of a project (project) can be assigned to, optionally narrowed by part of a name or email (query). Give project or issue.',
    connector: 'jira',
    input: AssignableUsersInput,
    output: PageOf(JiraUser, 'users'),
    http: { method: 'get', path: '/connectors/jira/users/assignable', operationId: 'listJiraAssignableUsers' },
    writes: false,
    scopes: ['read:jira-user', 'read:jira-work'],
    example: { input: { issue: 'OPS-2', query: 'mi' }, output: { items: [MIA], next_cursor: null } },
    run: useCase(AssignableUsers),
  }),
];
