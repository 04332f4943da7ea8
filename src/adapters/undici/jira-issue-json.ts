/**
 * Jira's issue JSON (v3 on Cloud, v2 on Data Center) read into the core's IssueRecord and
 * CommentRecord. The codecs check only the shapes we use; every field is optional, because
 * Jira answers only the fields it was asked for.
 */
import * as t from 'io-ts';
import type { CommentRecord, IssueRecord, JiraAttachment, UserRecord } from '../../domain/jira-issue.js';
import { nullable } from './codecs.js';

const UserJson = t.intersection([t.type({ displayName: t.string }), t.partial({ accountId: t.string, key: t.string, name: t.string })]);
const Named = t.partial({ name: t.string });
const LinkedJson = t.intersection([
  t.type({ key: t.string }),
  t.partial({ fields: t.partial({ summary: nullable(t.string), status: nullable(Named) }) }),
]);
const LinkJson = t.intersection([
  t.type({ id: t.string, type: t.partial({ name: t.string, inward: t.string, outward: t.string }) }),
  t.partial({ inwardIssue: LinkedJson, outwardIssue: LinkedJson }),
]);
export const AttachmentJson = t.intersection([
  t.type({ id: t.union([t.string, t.number]), filename: t.string }),
  t.partial({ size: t.number, mimeType: nullable(t.string), created: nullable(t.union([t.string, t.number])), author: nullable(UserJson) }),
]);

export const IssueFieldsJson = t.partial({
  summary: nullable(t.string),
  status: nullable(t.partial({ name: t.string, statusCategory: nullable(Named) })),
  issuetype: nullable(Named),
  priority: nullable(Named),
  assignee: nullable(UserJson),
  reporter: nullable(UserJson),
  labels: nullable(t.array(t.string)),
  components: nullable(t.array(Named)),
  parent: nullable(LinkedJson),
  subtasks: nullable(t.array(LinkedJson)),
  issuelinks: nullable(t.array(LinkJson)),
  duedate: nullable(t.string),
  created: nullable(t.string),
  updated: nullable(t.string),
  description: t.unknown,
  attachment: nullable(t.array(AttachmentJson)),
  project: nullable(t.partial({ key: t.string })),
});

export const IssueJson = t.type({ id: t.string, key: t.string, fields: t.UnknownRecord });

export const CommentJson = t.intersection([
  t.type({ id: t.string }),
  t.partial({
    author: nullable(UserJson),
    body: t.unknown,
    created: nullable(t.string),
    updated: nullable(t.string),
    visibility: nullable(t.partial({ type: t.string, value: t.string, identifier: t.string })),
  }),
]);
export const CommentPageJson = t.intersection([
  t.type({ comments: t.array(CommentJson) }),
  t.partial({ startAt: t.number, maxResults: t.number, total: t.number }),
]);

/** Cloud names a user by accountId; Data Center by user key (the login name when there is none). */
export const userRecord = (u: t.TypeOf<typeof UserJson> | null | undefined): UserRecord | null =>
  u ? { accountId: u.accountId ?? u.key ?? u.name ?? '', displayName: u.displayName } : null;

const related = (l: t.TypeOf<typeof LinkedJson>) => ({ key: l.key, summary: l.fields?.summary ?? null, status: l.fields?.status?.name ?? null });

/** An issue answer read into a record: only the fields it carried are set. */
export const issueRecord = (issue: t.TypeOf<typeof IssueJson>): IssueRecord => {
  const raw = issue.fields;
  // The type guard is the cheap check (search answers many issues); only an answer of an
  // unexpected shape pays for decode, and a field that fails it leaves the record empty.
  const f: t.TypeOf<typeof IssueFieldsJson> = IssueFieldsJson.is(raw) ? raw : ((d) => (d._tag === 'Right' ? d.right : {}))(IssueFieldsJson.decode(raw));
  const has = (name: string): boolean => Object.hasOwn(raw, name);
  const custom = Object.entries(raw).filter(([k]) => k.startsWith('customfield_'));
  return {
    id: issue.id,
    key: issue.key,
    ...(f.project?.key ? { project: f.project.key } : {}),
    ...(has('summary') ? { summary: f.summary ?? null } : {}),
    ...(has('status') ? { status: f.status ? { name: f.status.name ?? '', category: f.status.statusCategory?.name ?? null } : null } : {}),
    ...(has('issuetype') ? { issueType: f.issuetype?.name ?? null } : {}),
    ...(has('priority') ? { priority: f.priority?.name ?? null } : {}),
    ...(has('assignee') ? { assignee: userRecord(f.assignee) } : {}),
    ...(has('reporter') ? { reporter: userRecord(f.reporter) } : {}),
    ...(has('labels') ? { labels: f.labels ?? [] } : {}),
    ...(has('components') ? { components: (f.components ?? []).flatMap((c) => (c.name ? [c.name] : [])) } : {}),
    ...(has('parent') ? { parent: f.parent ? related(f.parent) : null } : {}),
    ...(has('subtasks') ? { subtasks: (f.subtasks ?? []).map(related) } : {}),
    ...(has('issuelinks')
      ? {
          links: (f.issuelinks ?? []).flatMap((l) => {
            const other = l.outwardIssue ?? l.inwardIssue;
            if (!other) return [];
            return [{ id: l.id, type: l.type.name ?? '', relation: (l.outwardIssue ? l.type.outward : l.type.inward) ?? '', issue: related(other) }];
          }),
        }
      : {}),
    ...(has('duedate') ? { dueDate: f.duedate ?? null } : {}),
    ...(has('created') ? { created: f.created ?? null } : {}),
    ...(has('updated') ? { updated: f.updated ?? null } : {}),
    ...(has('description') ? { description: f.description ?? null } : {}),
    ...(has('attachment')
      ? {
          attachments: (f.attachment ?? []).map(attachmentOf),
        }
      : {}),
    ...(custom.length > 0 ? { customFields: Object.fromEntries(custom) } : {}),
  };
};

/** Jira's attachment JSON (in an issue's fields, or the answer to an upload). */
export const attachmentOf = (a: t.TypeOf<typeof AttachmentJson>): JiraAttachment => ({
  id: String(a.id),
  filename: a.filename,
  size: a.size ?? 0,
  media_type: a.mimeType ?? null,
  // Jira answers an upload's created as epoch milliseconds, an issue's as an ISO string.
  created: typeof a.created === 'number' ? new Date(a.created).toISOString() : (a.created ?? null),
  author: a.author?.displayName ?? null,
});

export const commentRecord = (c: t.TypeOf<typeof CommentJson>): CommentRecord => {
  const v = c.visibility;
  const type = v?.type === 'role' || v?.type === 'group' ? v.type : undefined;
  return {
    id: c.id,
    author: userRecord(c.author),
    body: c.body ?? null,
    created: c.created ?? null,
    updated: c.updated ?? null,
    visibility: type ? { type, value: v?.value ?? v?.identifier ?? '' } : null,
  };
};
