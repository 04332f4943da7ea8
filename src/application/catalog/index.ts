/** The operation catalog: every Jira and Confluence operation the service offers, once. */
import { confluenceOperations } from './confluence.js';
import { jiraOperations } from './jira.js';
import { jiraIssueOperations } from './jira-issues.js';
import { jiraUserOperations } from './jira-users.js';
import type { Operation } from './operation.js';

export const OPERATIONS: readonly Operation<unknown, unknown>[] = [...jiraOperations, ...jiraIssueOperations, ...jiraUserOperations, ...confluenceOperations];

export * from './operation.js';
