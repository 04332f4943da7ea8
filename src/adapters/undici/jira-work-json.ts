/**
 * What Jira answers for transitions, create metadata, issue links, remote links, boards and
 * sprints, as shape-only io-ts codecs (the caller's fast path relies on that), and the
 * mapping onto the service's values. Cloud (`/rest/api/3`) and Data Center (`/rest/api/2`)
 * answer the same shapes here, except that Data Center's create metadata pages its lists
 * as `values` where Cloud says `issueTypes` and `fields`.
 */
import * as t from 'io-ts';
import type { UpstreamPage } from '../../application/ports/atlassian-gateways.js';
import type { Board, Sprint } from '../../domain/jira-agile.js';
import type { AllowedValue, CreateIssueType, FieldMeta } from '../../domain/jira-create-meta.js';
import type { IssueLinkType, RemoteLink, Transition } from '../../domain/jira-issue-actions.js';
import { nullable } from './codecs.js';

const OffsetPage = t.partial({ startAt: t.number, maxResults: t.number, total: t.number, isLast: t.boolean });

/** FieldMetadata (transition screens) and FieldCreateMetadata (create screens). */
export const FieldJson = t.intersection([
  t.type({ name: t.string }),
  t.partial({
    fieldId: t.string,
    key: t.string,
    required: t.boolean,
    hasDefaultValue: t.boolean,
    schema: t.intersection([t.type({ type: t.string }), t.partial({ items: t.string, system: t.string, custom: t.string })]),
    operations: t.array(t.string),
    allowedValues: t.array(t.unknown),
  }),
]);

export const TransitionsJson = t.type({
  transitions: t.array(
    t.intersection([
      t.type({ id: t.string, name: t.string }),
      t.partial({
        hasScreen: t.boolean,
        to: t.partial({ name: t.string, statusCategory: t.partial({ key: t.string }) }),
        fields: t.record(t.string, FieldJson),
      }),
    ]),
  ),
});

const IssueTypeJson = t.intersection([t.type({ id: t.string, name: t.string }), t.partial({ subtask: t.boolean, hierarchyLevel: t.number })]);
/** Cloud: `issueTypes`; Data Center 9: `values`. */
export const CreateIssueTypesJson = t.intersection([OffsetPage, t.partial({ issueTypes: t.array(IssueTypeJson), values: t.array(IssueTypeJson) })]);
/** Cloud: `fields` (the document also names `results`); Data Center 9: `values`. */
export const CreateFieldsJson = t.intersection([
  OffsetPage,
  t.partial({ fields: t.array(FieldJson), results: t.array(FieldJson), values: t.array(FieldJson) }),
]);

export const LinkTypesJson = t.type({ issueLinkTypes: t.array(t.type({ id: t.string, name: t.string, inward: t.string, outward: t.string })) });
const LinkedIssueJson = t.partial({ id: t.string, key: t.string });
export const IssueLinkJson = t.type({ inwardIssue: LinkedIssueJson, outwardIssue: LinkedIssueJson });

export const RemoteLinksJson = t.array(
  t.intersection([
    t.type({ id: t.number, object: t.intersection([t.type({ url: t.string, title: t.string }), t.partial({ summary: nullable(t.string) })]) }),
    t.partial({ globalId: nullable(t.string), relationship: nullable(t.string) }),
  ]),
);
export const RemoteLinkCreatedJson = t.type({ id: t.number });

export const BoardJson = t.intersection([
  t.type({ id: t.number, name: t.string }),
  t.partial({ type: t.string, location: t.partial({ projectKey: t.string }) }),
]);
export const BoardsJson = t.intersection([OffsetPage, t.type({ values: t.array(BoardJson) })]);

const SprintJson = t.intersection([
  t.type({ id: t.number, name: t.string, state: t.string }),
  t.partial({ startDate: nullable(t.string), endDate: nullable(t.string), goal: nullable(t.string), originBoardId: nullable(t.number) }),
]);
export const SprintsJson = t.intersection([OffsetPage, t.type({ values: t.array(SprintJson) })]);

/** No body (204), or one we do not read. */
export const NoContent = t.unknown;

/** A page read at `startAt`: the last one when Jira says so, or the total is reached, or it came back short. */
export const offsetPage = <A>(
  items: readonly A[],
  startAt: number,
  limit: number,
  page: { readonly isLast?: boolean | undefined; readonly total?: number | undefined },
  received = items.length,
): UpstreamPage<A> => {
  const end = startAt + received;
  const last = page.isLast ?? (page.total !== undefined ? end >= page.total : received < limit);
  return { items, next: last || received === 0 ? null : { startAt: end } };
};

const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);

/** An allowed value is any object: options have `value`, priorities `name`, projects `key`, users `displayName`. */
const toAllowedValue = (v: unknown): AllowedValue => {
  if (typeof v !== 'object' || v === null) return { id: null, name: str(v) };
  const o = v as Record<string, unknown>;
  return { id: str(o['id']) ?? str(o['accountId']), name: str(o['name']) ?? str(o['value']) ?? str(o['displayName']) ?? str(o['key']) };
};

export const toFieldMeta = (id: string, f: t.TypeOf<typeof FieldJson>): FieldMeta => ({
  field_id: f.fieldId ?? f.key ?? id,
  name: f.name,
  required: f.required ?? false,
  has_default_value: f.hasDefaultValue ?? false,
  schema: { type: f.schema?.type ?? 'any', items: f.schema?.items ?? null, system: f.schema?.system ?? null, custom: f.schema?.custom ?? null },
  operations: f.operations ?? [],
  allowed_values: f.allowedValues ? f.allowedValues.map(toAllowedValue) : null,
});

export const toTransition = (tr: t.TypeOf<typeof TransitionsJson>['transitions'][number]): Transition => ({
  id: tr.id,
  name: tr.name,
  to_status: tr.to?.name ?? null,
  to_category: tr.to?.statusCategory?.key ?? null,
  has_screen: tr.hasScreen ?? false,
  fields: Object.entries(tr.fields ?? {}).map(([id, f]) => toFieldMeta(id, f)),
});

export const toCreateIssueType = (it: t.TypeOf<typeof IssueTypeJson>): CreateIssueType => ({
  id: it.id,
  name: it.name,
  subtask: it.subtask ?? false,
  hierarchy_level: it.hierarchyLevel ?? null,
});

export const toLinkType = (lt: t.TypeOf<typeof LinkTypesJson>['issueLinkTypes'][number]): IssueLinkType => ({
  id: lt.id,
  name: lt.name,
  inward: lt.inward,
  outward: lt.outward,
});

export const toRemoteLink = (l: t.TypeOf<typeof RemoteLinksJson>[number]): RemoteLink => ({
  id: String(l.id),
  url: l.object.url,
  title: l.object.title,
  summary: l.object.summary ?? null,
  relationship: l.relationship ?? null,
  global_id: l.globalId ?? null,
});

export const toBoard = (b: t.TypeOf<typeof BoardJson>): Board => ({
  id: String(b.id),
  name: b.name,
  type: b.type ?? 'unknown',
  project_key: b.location?.projectKey ?? null,
});

export const toSprint = (s: t.TypeOf<typeof SprintJson>): Sprint => ({
  id: String(s.id),
  name: s.name,
  state: s.state,
  start_date: s.startDate ?? null,
  end_date: s.endDate ?? null,
  goal: s.goal ?? null,
  board_id: s.originBoardId === null || s.originBoardId === undefined ? null : String(s.originBoardId),
});
