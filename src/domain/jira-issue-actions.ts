/**
 * The results of changing an issue: assigning, transitioning, deleting, and linking it to
 * other issues or to web pages, as io-ts codecs (their JSON Schemas document the
 * operations' outputs) and the types derived from them.
 */
import * as t from 'io-ts';
import { FieldMeta } from './jira-create-meta.js';
import { annotate } from './json-schema.js';

const text = (description: string) => annotate(t.string, { description });
const nullableText = (description: string) => annotate(t.union([t.string, t.null]), { description });

/** A list Jira answers in one piece (no paging). */
export const ListOf = <C extends t.Mixed>(item: C, what: string): t.Type<{ readonly items: readonly t.TypeOf<C>[] }, unknown, unknown> =>
  t.readonly(t.type({ items: annotate(t.readonlyArray(item), { description: `The ${what}.` }) }), `ListOf${item.name}`) as unknown as t.Type<
    { readonly items: readonly t.TypeOf<C>[] },
    unknown,
    unknown
  >;

export const AssignedIssue = t.readonly(
  t.type({
    issue: text('The issue that was assigned, as given.'),
    account_id: nullableText('Who the issue is assigned to now (accountId; user key on Data Center); null when it was unassigned.'),
    display_name: nullableText("The new assignee's name when the service found them by query; null otherwise."),
  }),
  'AssignedIssue',
);
export type AssignedIssue = t.TypeOf<typeof AssignedIssue>;

/** A transition the issue can take now. */
export const Transition = t.readonly(
  t.type({
    id: text('The transition id.'),
    name: text('The transition name, e.g. Start progress: what transitioning by name takes.'),
    to_status: nullableText('The status the issue moves to.'),
    to_category: nullableText("That status's category: new, indeterminate or done."),
    has_screen: annotate(t.boolean, { description: 'Whether the transition shows a screen, whose fields can be given.' }),
    fields: annotate(t.readonlyArray(FieldMeta), { description: 'The fields of its screen; the required ones must be given (fields).' }),
  }),
  'Transition',
);
export type Transition = t.TypeOf<typeof Transition>;

export const TransitionedIssue = t.readonly(
  t.type({
    issue: text('The issue that was transitioned, as given.'),
    transition_id: text('The id of the transition that was made.'),
    transition_name: text('The name of the transition that was made.'),
    status: nullableText('The status the issue moved to.'),
  }),
  'TransitionedIssue',
);
export type TransitionedIssue = t.TypeOf<typeof TransitionedIssue>;

export const DeletedIssue = t.readonly(
  t.type({
    deleted: text('The issue that was deleted, as given.'),
    subtasks_deleted: annotate(t.boolean, { description: 'Whether its subtasks were deleted with it (delete_subtasks).' }),
  }),
  'DeletedIssue',
);
export type DeletedIssue = t.TypeOf<typeof DeletedIssue>;

export const IssueLinkType = t.readonly(
  t.type({
    id: text('The link type id.'),
    name: text('The link type name, e.g. Blocks: what linking issues takes as type.'),
    inward: text("How the link reads from the inward issue's side, e.g. is blocked by."),
    outward: text("How the link reads from the outward issue's side, e.g. blocks."),
  }),
  'IssueLinkType',
);
export type IssueLinkType = t.TypeOf<typeof IssueLinkType>;

/** What was linked (Jira answers a new link with no body, so no link id). */
export const LinkedIssues = t.readonly(
  t.type({
    type: text('The link type name used.'),
    inward_issue: text('The issue linked as the inward issue.'),
    outward_issue: text('The issue linked as the outward issue.'),
  }),
  'LinkedIssues',
);
export type LinkedIssues = t.TypeOf<typeof LinkedIssues>;

export const DeletedIssueLink = t.readonly(t.type({ deleted: text('The id of the issue link that was deleted.') }), 'DeletedIssueLink');
export type DeletedIssueLink = t.TypeOf<typeof DeletedIssueLink>;

/** A link from an issue to something outside Jira (a web page, a support ticket, ...). */
export const RemoteLink = t.readonly(
  t.type({
    id: text('The remote link id.'),
    url: text('Where the remote link points.'),
    title: text('The remote link title.'),
    summary: nullableText('More words about the remote link, if any.'),
    relationship: nullableText('How the remote link relates to the issue, e.g. mentioned in; null when not said.'),
    global_id: nullableText("The link's global id, unique per issue, if it has one."),
  }),
  'RemoteLink',
);
export type RemoteLink = t.TypeOf<typeof RemoteLink>;

export const AddedRemoteLink = t.readonly(
  t.type({
    id: text('The id of the new remote link.'),
    issue: text('The issue the remote link was added to, as given.'),
    url: text('The address the new remote link points to.'),
    title: text('The title of the new remote link.'),
  }),
  'AddedRemoteLink',
);
export type AddedRemoteLink = t.TypeOf<typeof AddedRemoteLink>;
