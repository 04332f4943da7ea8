/** The operation catalog: every Jira and Confluence operation the service offers, once. */
import { confluenceOperations } from './confluence.js';
import { confluencePageOperations } from './confluence-pages.js';
import { jiraOperations } from './jira.js';
import { jiraIssueOperations } from './jira-issues.js';
import { jiraUserOperations } from './jira-users.js';
import { jiraAgileOperations } from './jira-agile.js';
import { jiraCreateMetaOperations } from './jira-create-meta.js';
import { jiraIssueActionOperations } from './jira-issue-actions.js';
import { jiraLinkOperations } from './jira-links.js';
import { jiraAttachmentOperations } from './jira-attachments.js';
import { jiraWorklogOperations } from './jira-worklogs.js';
import type { Operation } from './operation.js';

export const OPERATIONS: readonly Operation<unknown, unknown>[] = [
  ...jiraOperations,
  ...jiraIssueOperations,
  ...jiraIssueActionOperations,
  ...jiraUserOperations,
  ...jiraCreateMetaOperations,
  ...jiraLinkOperations,
  ...jiraAgileOperations,
  ...jiraAttachmentOperations,
  ...jiraWorklogOperations,
  ...confluenceOperations,
  ...confluencePageOperations,
];

export * from './operation.js';
