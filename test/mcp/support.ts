/** Helpers shared by the MCP tests: reading tool results, and the tool list both transports must serve. */
import { expect } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { FakeIssue } from '../support/fake-atlassian.js';

/** The catalog's operations, in catalog order. */
export const TOOL_NAMES = [
  'jira_list_projects',
  'jira_search_issues',
  'jira_create_issue',
  'jira_get_issue',
  'jira_update_issue',
  'jira_list_comments',
  'jira_add_comment',
  'jira_edit_comment',
  'jira_delete_comment',
  'jira_assign_issue',
  'jira_list_transitions',
  'jira_transition_issue',
  'jira_delete_issue',
  'jira_current_user',
  'jira_search_users',
  'jira_assignable_users',
  'jira_list_issue_types',
  'jira_list_create_fields',
  'jira_list_link_types',
  'jira_link_issues',
  'jira_delete_issue_link',
  'jira_list_remote_links',
  'jira_add_remote_link',
  'jira_list_boards',
  'jira_list_sprints',
  'jira_list_sprint_issues',
  'jira_move_issues_to_sprint',
  'jira_get_attachment',
  'jira_add_attachment',
  'jira_delete_attachment',
  'jira_list_worklogs',
  'jira_add_worklog',
  'confluence_list_spaces',
  'confluence_search',
  'confluence_create_page',
  'confluence_get_page',
  'confluence_find_page',
  'confluence_update_page',
  'confluence_append_to_page',
  'confluence_list_children',
  'confluence_list_descendants',
  'confluence_list_ancestors',
  'confluence_move_page',
  'confluence_delete_page',
  'confluence_list_comments',
  'confluence_add_comment',
  'confluence_reply_to_comment',
  'confluence_list_labels',
  'confluence_add_labels',
  'confluence_remove_label',
  'confluence_list_attachments',
  'confluence_get_attachment',
  'confluence_add_attachment',
  'confluence_get_space',
];
export const WRITE_TOOLS = [
  'jira_create_issue',
  'jira_update_issue',
  'jira_add_comment',
  'jira_edit_comment',
  'jira_delete_comment',
  'jira_assign_issue',
  'jira_transition_issue',
  'jira_delete_issue',
  'jira_link_issues',
  'jira_delete_issue_link',
  'jira_add_remote_link',
  'jira_move_issues_to_sprint',
  'jira_add_attachment',
  'jira_delete_attachment',
  'jira_add_worklog',
  'confluence_create_page',
  'confluence_update_page',
  'confluence_append_to_page',
  'confluence_move_page',
  'confluence_delete_page',
  'confluence_add_comment',
  'confluence_reply_to_comment',
  'confluence_add_labels',
  'confluence_remove_label',
  'confluence_add_attachment',
];
export const READ_TOOLS = TOOL_NAMES.filter((n) => !WRITE_TOOLS.includes(n));

/** A tool as GET /connectors/tools (InvokeTool.list) describes it. */
export interface ToolDescription {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly input_schema: Record<string, unknown>;
  readonly output_schema: Record<string, unknown>;
  readonly read_only: boolean;
  readonly destructive: boolean;
  readonly idempotent: boolean;
}

export interface ErrorBody {
  status: 'error';
  code: string;
  message: string;
  retry_after?: number;
  details?: Record<string, string>;
}

/**
 * Asserts that an MCP tool list is exactly the given descriptions: same order, names,
 * descriptions and input schemas, with the annotations derived from read_only.
 */
export function expectSameTools(listed: readonly Tool[], described: readonly ToolDescription[]): void {
  expect(listed.map((t) => t.name)).toEqual(described.map((d) => d.name));
  for (const d of described) {
    const t = listed.find((x) => x.name === d.name)!;
    expect(t.title, d.name).toBe(d.title);
    expect(t.description, d.name).toBe(d.description);
    expect(t.inputSchema, d.name).toEqual(d.input_schema);
    expect(t.outputSchema, d.name).toEqual(d.output_schema);
    expect(t.outputSchema?.type, d.name).toBe('object');
    expect(t.annotations, d.name).toEqual({
      title: d.title,
      readOnlyHint: d.read_only,
      destructiveHint: d.destructive,
      idempotentHint: d.idempotent,
      openWorldHint: true,
    });
  }
}

/** What Client.callTool resolves to (its type also admits the pre-2024-11 `toolResult` form). */
export type CallOutcome = Awaited<ReturnType<Client['callTool']>>;

const asCallToolResult = (outcome: CallOutcome): CallToolResult => {
  if (!Array.isArray(outcome.content)) throw new Error(`not a tools/call result: ${JSON.stringify(outcome)}`);
  return outcome as CallToolResult;
};

/** The JSON in a result's single text content item; checks structuredContent carries the same value. */
export function textJson(outcome: CallOutcome): unknown {
  const result = asCallToolResult(outcome);
  expect(result.content).toHaveLength(1);
  const item = result.content[0]!;
  expect(item.type).toBe('text');
  const parsed: unknown = JSON.parse((item as { text: string }).text);
  expect(result.structuredContent).toEqual(parsed);
  return parsed;
}

/** A successful tool result's value (not isError). */
export function okResult<T = Record<string, unknown>>(result: CallOutcome): T {
  expect(result.isError ?? false, JSON.stringify(result.content)).toBe(false);
  return textJson(result) as T;
}

/**
 * A failed tool result: isError, and the standard error body with this code as its text.
 * No structuredContent: that must match the tool's outputSchema, which describes results.
 */
export function errorResult(result: CallOutcome, code: string): ErrorBody {
  expect(result.isError, JSON.stringify(result.content)).toBe(true);
  const { content, structuredContent } = asCallToolResult(result);
  expect(structuredContent).toBeUndefined();
  expect(content).toHaveLength(1);
  expect(content[0]?.type).toBe('text');
  const body = JSON.parse((content[0] as { text: string }).text) as ErrorBody;
  expect(body.status).toBe('error');
  expect(body.code).toBe(code);
  expect(typeof body.message).toBe('string');
  expect(body.message.length).toBeGreaterThan(0);
  // The same keys the HTTP error body has, no more.
  const allowed = ['status', 'code', 'message', 'retry_after', 'details'];
  expect(Object.keys(body).filter((k) => !allowed.includes(k))).toEqual([]);
  if (code !== 'RATE_LIMITED') expect(body.retry_after).toBeUndefined();
  return body;
}

/** A seeded issue no default fake issue resembles, so a search for it finds exactly it. */
export const zebraIssue = (): FakeIssue => ({
  id: '29999',
  key: 'OPS-999',
  summary: 'Zebra crossing sensor drops packets',
  status: 'In Progress',
  issueType: 'Bug',
  assignee: 'Priya Raman',
  updated: '2026-11-21T08:00:00.000+0000',
  projectKey: 'OPS',
});
