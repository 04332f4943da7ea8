/**
 * What the fake's create issue (`POST /rest/api/{3,2}/issue`) does with the fields beyond
 * project, summary, type, description, labels and priority: assignee, parent, components,
 * due date and custom fields, checked as Jira checks them (errors keyed by field id, as
 * Jira's 400 body has them), including the fields the create screen requires (the same
 * screen the fake's createmeta describes: a Bug needs customfield_10030, a Subtask a parent).
 */
import type { FakeAtlassian, FakeIssue } from './fake-atlassian.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface CreateDeps {
  accountIdFor(name: string): string;
  emailFor(name: string): string;
}

/** The create's problems with these fields, by field id; empty when it may go ahead. */
export function createFieldErrors(fake: FakeAtlassian, deps: CreateDeps, fields: Json, issueType: string, api: 2 | 3): Record<string, string> {
  const errors: Record<string, string> = {};
  const assignee = fields['assignee'];
  if (assignee !== undefined && assignee !== null && userOf(fake, deps, assignee, api) === undefined) {
    errors['assignee'] = `User '${String(isObject(assignee) ? (assignee['accountId'] ?? assignee['name']) : assignee)}' cannot be assigned issues.`;
  }
  const parent = fields['parent'];
  if (parent !== undefined && parentOf(fake, parent) === undefined) errors['parent'] = 'Could not find issue by id or key.';
  const components = fields['components'];
  if (components !== undefined && !(Array.isArray(components) && components.every((c) => isObject(c) && typeof c['name'] === 'string'))) {
    errors['components'] = 'Component name must be given.';
  }
  const due = fields['duedate'];
  if (due !== undefined && due !== null && (typeof due !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(due))) errors['duedate'] = 'Error parsing date string: yyyy-MM-dd expected.';
  if (issueType === 'Bug' && (fields['customfield_10030'] === undefined || fields['customfield_10030'] === null)) errors['customfield_10030'] = 'Severity is required.';
  if (issueType === 'Subtask' && parent === undefined) errors['parent'] = 'Parent is required.';
  return errors;
}

/** Sets the fields on the new issue (after createFieldErrors found nothing). */
export function applyCreateFields(fake: FakeAtlassian, deps: CreateDeps, fields: Json, issue: FakeIssue, api: 2 | 3): void {
  if (fields['assignee'] !== undefined) issue.assignee = userOf(fake, deps, fields['assignee'], api) ?? null;
  const parent = fields['parent'] !== undefined ? parentOf(fake, fields['parent']) : undefined;
  if (parent) {
    issue.parentKey = parent.key;
    if (issue.issueType === 'Subtask') (fake.jiraWork.subtasks[parent.key] ??= []).push(issue.key);
  }
  if (Array.isArray(fields['components'])) issue.components = fields['components'].filter(isObject).map((c) => String(c['name']));
  if (typeof fields['duedate'] === 'string') issue.dueDate = fields['duedate'];
  if (Array.isArray(fields['labels'])) issue.labels = fields['labels'].map(String);
  if (isObject(fields['priority'])) issue.priority = String(fields['priority']['name']);
  for (const [id, value] of Object.entries(fields)) if (id.startsWith('customfield_')) (issue.customFields ??= {})[id] = value;
}

/** A user field's value: `{accountId}` on Cloud, `{name}` on Data Center; the user's display name. */
function userOf(fake: FakeAtlassian, deps: CreateDeps, value: unknown, api: 2 | 3): string | undefined {
  if (!isObject(value)) return undefined;
  return fake.jira.users.find((u) => (api === 3 ? deps.accountIdFor(u) === value['accountId'] : deps.emailFor(u).split('@')[0] === value['name']));
}

function parentOf(fake: FakeAtlassian, value: unknown): FakeIssue | undefined {
  if (!isObject(value)) return undefined;
  return fake.jira.issues.find((i) => (value['key'] !== undefined ? i.key === value['key'] : i.id === String(value['id'])));
}
