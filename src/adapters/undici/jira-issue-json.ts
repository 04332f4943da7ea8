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

type Raw = Readonly<Record<string, unknown>>;

const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const textOr = (v: unknown): string | null => (typeof v === 'string' ? v : null);
/** `{ name }` of a status, type, priority or component; null when absent or of another shape. */
const nameOf = (v: unknown): string | null => (isObject(v) && typeof v['name'] === 'string' ? v['name'] : null);
const userOf = (v: unknown): UserRecord | null => (UserJson.is(v) ? userRecord(v) : null);
const listOf = <A>(v: unknown, codec: t.Type<A, unknown, unknown>): A[] => (Array.isArray(v) ? v.filter((x): x is A => codec.is(x)) : []);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * An issue answer read into a record: only the fields it carried are set, each checked on
 * its own (a field of an unexpected shape reads as null or empty, never a crash). Written
 * out field by field rather than as one io-ts check and a spread per field: a search maps
 * 50 issues per request, and that was a tenth of its CPU (docs/performance.md).
 */
export const issueRecord = (issue: t.TypeOf<typeof IssueJson>): IssueRecord => {
  const raw = issue.fields;
  const out: Mutable<IssueRecord> = { id: issue.id, key: issue.key };
  let custom: Record<string, unknown> | undefined;
  for (const name of Object.keys(raw)) {
    const v = raw[name];
    switch (name) {
      case 'project':
        if (isObject(v) && typeof v['key'] === 'string' && v['key'] !== '') out.project = v['key'];
        break;
      case 'summary':
        out.summary = textOr(v);
        break;
      case 'status':
        out.status = isObject(v) ? { name: typeof v['name'] === 'string' ? v['name'] : '', category: nameOf(v['statusCategory']) } : null;
        break;
      case 'issuetype':
        out.issueType = nameOf(v);
        break;
      case 'priority':
        out.priority = nameOf(v);
        break;
      case 'assignee':
        out.assignee = userOf(v);
        break;
      case 'reporter':
        out.reporter = userOf(v);
        break;
      case 'labels':
        out.labels = Array.isArray(v) ? v.filter((l): l is string => typeof l === 'string') : [];
        break;
      case 'components':
        out.components = Array.isArray(v) ? v.map(nameOf).filter((n): n is string => n !== null && n !== '') : [];
        break;
      case 'parent':
        out.parent = LinkedJson.is(v) ? related(v) : null;
        break;
      case 'subtasks':
        out.subtasks = listOf(v, LinkedJson).map(related);
        break;
      case 'issuelinks':
        out.links = listOf(v, LinkJson).flatMap((l) => {
          const other = l.outwardIssue ?? l.inwardIssue;
          if (!other) return [];
          return [{ id: l.id, type: l.type.name ?? '', relation: (l.outwardIssue ? l.type.outward : l.type.inward) ?? '', issue: related(other) }];
        });
        break;
      case 'duedate':
        out.dueDate = textOr(v);
        break;
      case 'created':
        out.created = textOr(v);
        break;
      case 'updated':
        out.updated = textOr(v);
        break;
      case 'description':
        out.description = v ?? null;
        break;
      case 'attachment':
        out.attachments = listOf(v, AttachmentJson).map(attachmentOf);
        break;
      default:
        if (name.startsWith('customfield_')) (custom ??= {})[name] = v;
    }
  }
  if (custom) out.customFields = custom;
  return out;
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
