import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import type { AccessContext } from '../../domain/credentials.js';
import type { AdfDoc } from '../../domain/markup/adf.js';
import type { IssueChange, IssueIdentity, JiraUser } from '../../domain/jira.js';
import type { CommentRecord, IssueRecord, JiraAttachment } from '../../domain/jira-issue.js';
import type { CreatedIssue, Project } from '../../domain/operations.js';
import type { WorklogRecord } from '../../domain/jira-worklog.js';
import { WorklogJson, WorklogPageJson, worklogRecord } from './jira-worklog-json.js';
import type { JiraGateway, UpstreamPage } from '../../application/ports/atlassian-gateways.js';
import type { AtlassianCaller } from './atlassian-call.js';
import { nullable } from './codecs.js';
import { AttachmentJson, attachmentOf, CommentJson, CommentPageJson, commentRecord, IssueJson, issueRecord } from './jira-issue-json.js';
import type { FileDownload, FileUpload } from '../../domain/files.js';
import { pipe } from 'fp-ts/lib/function.js';
import type { Board, Sprint, SprintState } from '../../domain/jira-agile.js';
import type { CreateIssueType, FieldMeta } from '../../domain/jira-create-meta.js';
import type { IssueLinkType, RemoteLink, Transition } from '../../domain/jira-issue-actions.js';
import { AppError } from '../../domain/errors.js';
import {
  BoardJson,
  BoardsJson,
  CreateFieldsJson,
  CreateIssueTypesJson,
  IssueLinkJson,
  LinkTypesJson,
  NoContent,
  offsetPage,
  RemoteLinkCreatedJson,
  RemoteLinksJson,
  SprintsJson,
  toBoard,
  toCreateIssueType,
  toFieldMeta,
  toLinkType,
  toRemoteLink,
  toSprint,
  toTransition,
  TransitionsJson,
} from './jira-work-json.js';


const ProjectJson = t.type({ id: t.string, key: t.string, name: t.string });
const ProjectSearchPage = t.intersection([
  t.type({ values: t.array(ProjectJson) }),
  t.partial({ isLast: t.boolean, startAt: t.number, total: t.number }),
]);
const ProjectList = t.array(ProjectJson);

const EnhancedSearchPage = t.intersection([
  t.type({ issues: t.array(IssueJson) }),
  t.partial({ nextPageToken: nullable(t.string), isLast: t.boolean }),
]);
const LegacySearchPage = t.intersection([
  t.type({ issues: t.array(IssueJson) }),
  t.partial({ startAt: t.number, maxResults: t.number, total: t.number }),
]);
const CreatedIssueJson = t.type({ id: t.string, key: t.string });

const UserJson = t.intersection([
  t.type({ displayName: t.string }),
  t.partial({ accountId: t.string, key: t.string, name: t.string, emailAddress: nullable(t.string), active: t.boolean }),
]);
const UserList = t.array(UserJson);
const IssueProjectJson = t.type({ id: t.string, key: t.string, fields: t.type({ project: t.type({ key: t.string }) }) });
const EditMetaJson = t.type({ fields: t.record(t.string, t.unknown) });

/** Cloud names a user by accountId; Data Center by user key (the login name when there is none). */
const toUser = (u: t.TypeOf<typeof UserJson>): JiraUser => ({
  account_id: u.accountId ?? u.key ?? u.name ?? '',
  display_name: u.displayName,
  email: u.emailAddress ?? null,
  active: u.active ?? true,
});

/** A page of a list Jira answers as a bare array: there is more when the page came back full. */
const arrayPage = <A>(items: readonly A[], startAt: number, limit: number): UpstreamPage<A> => ({
  items,
  next: items.length >= limit ? { startAt: startAt + items.length } : null,
});

/** `/rest/api/3` on Cloud, `/rest/api/2` on Data Center. */
/** What Jira answers an upload: the files it attached. */
const AddedAttachments = t.array(AttachmentJson);

const api = (ctx: AccessContext): string => (ctx.flavour === 'data_center' ? '/rest/api/2' : '/rest/api/3');

const browseUrl = (ctx: AccessContext, key: string): string => `${ctx.siteUrl}/browse/${encodeURIComponent(key)}`;

const toProject = (ctx: AccessContext, p: t.TypeOf<typeof ProjectJson>): Project => ({
  id: p.id,
  key: p.key,
  name: p.name,
  url: browseUrl(ctx, p.key),
});

/**
 * Jira Cloud REST v3 (`/rest/api/3`, enhanced JQL search) through the OAuth gateway or
 * a site URL, and Jira Data Center REST v2 (`/rest/api/2`) for personal access tokens.
 */
export class UndiciJiraGateway implements JiraGateway {
  constructor(private readonly caller: AtlassianCaller) {}

  listProjects(
    ctx: AccessContext,
    q: { query?: string | undefined; keys?: readonly string[]; startAt: number; limit: number },
  ): TE.TaskEither<AppError, UpstreamPage<Project>> {
    if (ctx.flavour === 'data_center') {
      // Data Center lists every project at once; filter and page here.
      return TE.map((all: t.TypeOf<typeof ProjectList>) => {
        const needle = q.query?.toLowerCase();
        const keys = q.keys?.map((k) => k.toUpperCase());
        const matching = all.filter(
          (p) =>
            (!needle || p.key.toLowerCase().includes(needle) || p.name.toLowerCase().includes(needle)) &&
            (!keys || keys.includes(p.key.toUpperCase())),
        );
        const slice = matching.slice(q.startAt, q.startAt + q.limit);
        const end = q.startAt + slice.length;
        return { items: slice.map((p) => toProject(ctx, p)), next: end < matching.length ? { startAt: end } : null };
      })(this.caller.call(ctx, { method: 'GET', path: '/rest/api/2/project', ok: [200], codec: ProjectList, what: 'the project list' }));
    }
    return TE.map((page: t.TypeOf<typeof ProjectSearchPage>) => {
      const end = q.startAt + page.values.length;
      const last = page.isLast ?? (page.total !== undefined ? end >= page.total : page.values.length < q.limit);
      return { items: page.values.map((p) => toProject(ctx, p)), next: last || page.values.length === 0 ? null : { startAt: end } };
    })(this.caller.call(ctx, {
        method: 'GET',
        path: '/rest/api/3/project/search',
        searchParams: { startAt: q.startAt, maxResults: q.limit, query: q.query, ...(q.keys ? { keys: q.keys } : {}) },
        ok: [200],
        codec: ProjectSearchPage,
        what: 'the project list',
      }),
    );
  }

  searchIssues(
    ctx: AccessContext,
    q: { jql: string; fields: readonly string[]; token?: string | undefined; startAt: number; limit: number },
  ): TE.TaskEither<AppError, UpstreamPage<IssueRecord>> {
    const fields = q.fields.join(',');
    if (ctx.flavour === 'data_center') {
      return TE.map((page: t.TypeOf<typeof LegacySearchPage>) => {
        const end = q.startAt + page.issues.length;
        const more = page.total !== undefined ? end < page.total : page.issues.length === q.limit;
        return { items: page.issues.map(issueRecord), next: more && page.issues.length > 0 ? { startAt: end } : null };
      })(
        this.caller.call(ctx, {
          method: 'GET',
          path: '/rest/api/2/search',
          searchParams: { jql: q.jql, startAt: q.startAt, maxResults: q.limit, fields },
          ok: [200],
          codec: LegacySearchPage,
          what: 'the issue search',
        }),
      );
    }
    return TE.map((page: t.TypeOf<typeof EnhancedSearchPage>) => ({
      items: page.issues.map(issueRecord),
      next: page.isLast === false && page.nextPageToken ? { token: page.nextPageToken } : null,
    }))(
      this.caller.call(ctx, {
        method: 'GET',
        path: '/rest/api/3/search/jql',
        searchParams: { jql: q.jql, maxResults: q.limit, fields, nextPageToken: q.token },
        ok: [200],
        codec: EnhancedSearchPage,
        what: 'the issue search',
      }),
    );
  }

  getIssue(ctx: AccessContext, idOrKey: string, fields: readonly string[]): TE.TaskEither<AppError, IssueRecord> {
    return TE.map(issueRecord)(
      this.caller.call(ctx, {
        method: 'GET',
        path: `${api(ctx)}/issue/${encodeURIComponent(idOrKey)}`,
        searchParams: { fields: [...new Set([...fields, 'project'])].join(',') },
        ok: [200],
        codec: IssueJson,
        what: `the issue ${idOrKey}`,
      }),
    );
  }

  listComments(
    ctx: AccessContext,
    idOrKey: string,
    q: { startAt: number; limit: number; newestFirst: boolean },
  ): TE.TaskEither<AppError, UpstreamPage<CommentRecord> & { total: number }> {
    return TE.map((page: t.TypeOf<typeof CommentPageJson>) => {
      const end = q.startAt + page.comments.length;
      const total = page.total ?? end;
      return { items: page.comments.map(commentRecord), total, next: end < total && page.comments.length > 0 ? { startAt: end } : null };
    })(
      this.caller.call(ctx, {
        method: 'GET',
        path: `${api(ctx)}/issue/${encodeURIComponent(idOrKey)}/comment`,
        searchParams: { startAt: q.startAt, maxResults: q.limit, orderBy: q.newestFirst ? '-created' : 'created' },
        ok: [200],
        codec: CommentPageJson,
        what: `the comments of ${idOrKey}`,
      }),
    );
  }

  currentUser(ctx: AccessContext): TE.TaskEither<AppError, JiraUser> {
    return TE.map(toUser)(
      this.caller.call(ctx, { method: 'GET', path: `${api(ctx)}/myself`, ok: [200], codec: UserJson, what: 'the current user' }),
    );
  }

  searchUsers(ctx: AccessContext, q: { query: string; startAt: number; limit: number }): TE.TaskEither<AppError, UpstreamPage<JiraUser>> {
    // Data Center searches by `username` (which matches names and emails too).
    const search = ctx.flavour === 'data_center' ? { username: q.query } : { query: q.query };
    return TE.map((users: t.TypeOf<typeof UserList>) => arrayPage(users.map(toUser), q.startAt, q.limit))(
      this.caller.call(ctx, {
        method: 'GET',
        path: `${api(ctx)}/user/search`,
        searchParams: { ...search, startAt: q.startAt, maxResults: q.limit },
        ok: [200],
        codec: UserList,
        what: 'the user search',
      }),
    );
  }

  assignableUsers(
    ctx: AccessContext,
    q: { project?: string | undefined; issue?: string | undefined; query?: string | undefined; startAt: number; limit: number },
  ): TE.TaskEither<AppError, UpstreamPage<JiraUser>> {
    const search = q.query === undefined ? {} : ctx.flavour === 'data_center' ? { username: q.query } : { query: q.query };
    const scope = q.project !== undefined ? { project: q.project } : { issueKey: q.issue };
    return TE.map((users: t.TypeOf<typeof UserList>) => arrayPage(users.map(toUser), q.startAt, q.limit))(
      this.caller.call(ctx, {
        method: 'GET',
        path: `${api(ctx)}/user/assignable/search`,
        searchParams: { ...scope, ...search, startAt: q.startAt, maxResults: q.limit },
        ok: [200],
        codec: UserList,
        what: 'the assignable users',
      }),
    );
  }

  identifyIssue(ctx: AccessContext, idOrKey: string): TE.TaskEither<AppError, IssueIdentity> {
    return TE.map((issue: t.TypeOf<typeof IssueProjectJson>) => ({ id: issue.id, key: issue.key, project: issue.fields.project.key }))(
      this.caller.call(ctx, {
        method: 'GET',
        path: `${api(ctx)}/issue/${encodeURIComponent(idOrKey)}`,
        searchParams: { fields: 'project' },
        ok: [200],
        codec: IssueProjectJson,
        what: `the issue ${idOrKey}`,
      }),
    );
  }

  editableFields(ctx: AccessContext, idOrKey: string): TE.TaskEither<AppError, ReadonlySet<string>> {
    return TE.map((meta: t.TypeOf<typeof EditMetaJson>) => new Set(Object.keys(meta.fields)))(
      this.caller.call(ctx, {
        method: 'GET',
        path: `${api(ctx)}/issue/${encodeURIComponent(idOrKey)}/editmeta`,
        ok: [200],
        codec: EditMetaJson,
        what: `the edit screen of ${idOrKey}`,
      }),
    );
  }

  editIssue(ctx: AccessContext, idOrKey: string, change: IssueChange): TE.TaskEither<AppError, void> {
    const fields: Record<string, unknown> = {};
    const update: Record<string, unknown[]> = {};
    if (change.summary !== undefined) fields['summary'] = change.summary;
    if (change.description !== undefined) fields['description'] = change.description;
    if (change.priority !== undefined) fields['priority'] = change.priority === null ? null : { name: change.priority };
    if (change.assignee !== undefined) {
      fields['assignee'] = change.assignee === null ? null : ctx.flavour === 'data_center' ? { name: change.assignee } : { accountId: change.assignee };
    }
    if (change.parent !== undefined) fields['parent'] = change.parent === null ? null : { key: change.parent };
    if (change.components !== undefined) fields['components'] = change.components.map((name) => ({ name }));
    if (change.dueDate !== undefined) fields['duedate'] = change.dueDate;
    for (const [id, value] of Object.entries(change.customFields ?? {})) fields[id] = value;
    if (change.labels?.set !== undefined) fields['labels'] = change.labels.set;
    const verbs = [...(change.labels?.add ?? []).map((add) => ({ add })), ...(change.labels?.remove ?? []).map((remove) => ({ remove }))];
    if (verbs.length > 0) update['labels'] = verbs;
    return TE.map(() => undefined)(
      this.caller.call(ctx, {
        method: 'PUT',
        path: `${api(ctx)}/issue/${encodeURIComponent(idOrKey)}`,
        json: { ...(Object.keys(fields).length > 0 ? { fields } : {}), ...(verbs.length > 0 ? { update } : {}) },
        ok: [204],
        codec: t.unknown,
        what: `the change to ${idOrKey}`,
      }),
    );
  }

  addComment(
    ctx: AccessContext,
    idOrKey: string,
    comment: { body: unknown; visibility: { type: 'role' | 'group'; value: string } | null },
  ): TE.TaskEither<AppError, CommentRecord> {
    return TE.map(commentRecord)(
      this.caller.call(ctx, {
        method: 'POST',
        path: `${api(ctx)}/issue/${encodeURIComponent(idOrKey)}/comment`,
        json: { body: comment.body, ...(comment.visibility ? { visibility: comment.visibility } : {}) },
        ok: [200, 201],
        codec: CommentJson,
        what: `the comment on ${idOrKey}`,
      }),
    );
  }

  editComment(
    ctx: AccessContext,
    idOrKey: string,
    commentId: string,
    comment: { body: unknown; visibility?: { type: 'role' | 'group'; value: string } | null | undefined },
  ): TE.TaskEither<AppError, CommentRecord> {
    return TE.map(commentRecord)(
      this.caller.call(ctx, {
        method: 'PUT',
        path: `${api(ctx)}/issue/${encodeURIComponent(idOrKey)}/comment/${encodeURIComponent(commentId)}`,
        json: { body: comment.body, ...(comment.visibility !== undefined ? { visibility: comment.visibility } : {}) },
        ok: [200],
        codec: CommentJson,
        what: `the change to comment ${commentId}`,
      }),
    );
  }

  deleteComment(ctx: AccessContext, idOrKey: string, commentId: string): TE.TaskEither<AppError, void> {
    return TE.map(() => undefined)(
      this.caller.call(ctx, {
        method: 'DELETE',
        path: `${api(ctx)}/issue/${encodeURIComponent(idOrKey)}/comment/${encodeURIComponent(commentId)}`,
        ok: [204],
        codec: t.unknown,
        what: `the deletion of comment ${commentId}`,
      }),
    );
  }

  createIssue(
    ctx: AccessContext,
    issue: {
      projectKey: string;
      summary: string;
      issueType: string;
      description?: AdfDoc | string | undefined;
      labels?: readonly string[] | undefined;
      priority?: string | undefined;
      assignee?: string | undefined;
      parent?: string | undefined;
      components?: readonly string[] | undefined;
      dueDate?: string | undefined;
      customFields?: Readonly<Record<string, unknown>> | undefined;
    },
  ): TE.TaskEither<AppError, CreatedIssue> {
    const fields: Record<string, unknown> = {
      project: { key: issue.projectKey },
      summary: issue.summary,
      issuetype: { name: issue.issueType },
    };
    if (issue.description !== undefined) fields['description'] = issue.description;
    if (issue.labels !== undefined) fields['labels'] = issue.labels;
    if (issue.priority !== undefined) fields['priority'] = { name: issue.priority };
    if (issue.assignee !== undefined && ctx.flavour === 'cloud') fields['assignee'] = { accountId: issue.assignee };
    if (issue.parent !== undefined) fields['parent'] = /^\d+$/.test(issue.parent) ? { id: issue.parent } : { key: issue.parent };
    if (issue.components !== undefined) fields['components'] = issue.components.map((name) => ({ name }));
    if (issue.dueDate !== undefined) fields['duedate'] = issue.dueDate;
    for (const [id, value] of Object.entries(issue.customFields ?? {})) fields[id] = value;
    const version = ctx.flavour === 'data_center' ? '2' : '3';
    // Data Center sets users by name; the service names its users by key (what user search answers).
    const assignee: TE.TaskEither<AppError, Record<string, unknown>> =
      issue.assignee !== undefined && ctx.flavour === 'data_center' ? TE.map((name: string) => ({ assignee: { name } }))(this.userNameOf(ctx, issue.assignee, 'assignee')) : TE.right({});
    return pipe(
      assignee,
      TE.flatMap((user) =>
        this.caller.call(ctx, {
          method: 'POST',
          path: `/rest/api/${version}/issue`,
          json: { fields: { ...fields, ...user } },
          ok: [200, 201],
          codec: CreatedIssueJson,
          what: 'the issue creation',
        }),
      ),
      TE.map((created) => ({ id: created.id, key: created.key, url: browseUrl(ctx, created.key) })),
    );
  }

  /** A Data Center user's name from their key; VALIDATION when there is no such user. */
  private userNameOf(ctx: AccessContext, key: string, field = 'account_id'): TE.TaskEither<AppError, string> {
    return pipe(
      this.caller.call(ctx, {
        method: 'GET',
        path: '/rest/api/2/user',
        searchParams: { key },
        ok: [200],
        codec: t.type({ name: t.string }),
        what: 'the user to assign',
      }),
      TE.mapLeft((e) => (e.code === 'NOT_FOUND' ? AppError.validation(`${field} names no Jira user; find one with jira_search_users.`) : e)),
      TE.map((user) => user.name),
    );
  }

  assignIssue(ctx: AccessContext, q: { issue: string; accountId: string | null }): TE.TaskEither<AppError, void> {
    const assign = (body: Record<string, string | null>): TE.TaskEither<AppError, void> =>
      TE.map(() => undefined)(
        this.caller.call(ctx, {
          method: 'PUT',
          path: `${api(ctx)}/issue/${encodeURIComponent(q.issue)}/assignee`,
          json: body,
          ok: [204],
          codec: NoContent,
          what: `the assignment of ${q.issue}`,
        }),
      );
    if (ctx.flavour === 'cloud') return assign({ accountId: q.accountId });
    if (q.accountId === null) return assign({ name: null });
    // Data Center assigns by user name; the service names its users by key (what user search answers).
    return TE.flatMap((name: string) => assign({ name }))(this.userNameOf(ctx, q.accountId));
  }

  listTransitions(ctx: AccessContext, issue: string): TE.TaskEither<AppError, readonly Transition[]> {
    return TE.map((body: t.TypeOf<typeof TransitionsJson>) => body.transitions.map(toTransition))(
      this.caller.call(ctx, {
        method: 'GET',
        path: `${api(ctx)}/issue/${encodeURIComponent(issue)}/transitions`,
        searchParams: { expand: 'transitions.fields' },
        ok: [200],
        codec: TransitionsJson,
        what: `the transitions of ${issue}`,
      }),
    );
  }

  transitionIssue(
    ctx: AccessContext,
    q: { issue: string; transitionId: string; comment?: AdfDoc | string | undefined; fields?: Readonly<Record<string, unknown>> | undefined },
  ): TE.TaskEither<AppError, void> {
    return TE.map(() => undefined)(
      this.caller.call(ctx, {
        method: 'POST',
        path: `${api(ctx)}/issue/${encodeURIComponent(q.issue)}/transitions`,
        json: {
          transition: { id: q.transitionId },
          ...(q.fields !== undefined ? { fields: q.fields } : {}),
          ...(q.comment !== undefined ? { update: { comment: [{ add: { body: q.comment } }] } } : {}),
        },
        ok: [204],
        codec: NoContent,
        what: `the transition of ${q.issue}`,
      }),
    );
  }

  deleteIssue(ctx: AccessContext, q: { issue: string; deleteSubtasks: boolean }): TE.TaskEither<AppError, void> {
    return TE.map(() => undefined)(
      this.caller.call(ctx, {
        method: 'DELETE',
        path: `${api(ctx)}/issue/${encodeURIComponent(q.issue)}`,
        searchParams: { deleteSubtasks: q.deleteSubtasks ? 'true' : 'false' },
        ok: [204],
        codec: NoContent,
        what: `the deletion of ${q.issue}`,
      }),
    );
  }

  createIssueTypes(ctx: AccessContext, q: { project: string; startAt: number; limit: number }): TE.TaskEither<AppError, UpstreamPage<CreateIssueType>> {
    return TE.map((page: t.TypeOf<typeof CreateIssueTypesJson>) => {
      const types = page.issueTypes ?? page.values ?? [];
      return offsetPage(types.map(toCreateIssueType), q.startAt, q.limit, page);
    })(
      this.caller.call(ctx, {
        method: 'GET',
        path: `${api(ctx)}/issue/createmeta/${encodeURIComponent(q.project)}/issuetypes`,
        searchParams: { startAt: q.startAt, maxResults: q.limit },
        ok: [200],
        codec: CreateIssueTypesJson,
        what: `the issue types of ${q.project}`,
      }),
    );
  }

  createFields(
    ctx: AccessContext,
    q: { project: string; issueTypeId: string; startAt: number; limit: number },
  ): TE.TaskEither<AppError, UpstreamPage<FieldMeta>> {
    return TE.map((page: t.TypeOf<typeof CreateFieldsJson>) => {
      const fields = page.fields ?? page.results ?? page.values ?? [];
      return offsetPage(fields.map((f) => toFieldMeta(f.fieldId ?? f.key ?? f.name, f)), q.startAt, q.limit, page);
    })(
      this.caller.call(ctx, {
        method: 'GET',
        path: `${api(ctx)}/issue/createmeta/${encodeURIComponent(q.project)}/issuetypes/${encodeURIComponent(q.issueTypeId)}`,
        searchParams: { startAt: q.startAt, maxResults: q.limit },
        ok: [200],
        codec: CreateFieldsJson,
        what: `the create fields of issue type ${q.issueTypeId} in ${q.project}`,
      }),
    );
  }

  listLinkTypes(ctx: AccessContext): TE.TaskEither<AppError, readonly IssueLinkType[]> {
    return TE.map((body: t.TypeOf<typeof LinkTypesJson>) => body.issueLinkTypes.map(toLinkType))(
      this.caller.call(ctx, { method: 'GET', path: `${api(ctx)}/issueLinkType`, ok: [200], codec: LinkTypesJson, what: 'the issue link types' }),
    );
  }

  linkIssues(ctx: AccessContext, q: { type: string; inward: string; outward: string; comment?: AdfDoc | string | undefined }): TE.TaskEither<AppError, void> {
    const ref = (idOrKey: string) => (/^\d+$/.test(idOrKey) ? { id: idOrKey } : { key: idOrKey });
    return TE.map(() => undefined)(
      this.caller.call(ctx, {
        method: 'POST',
        path: `${api(ctx)}/issueLink`,
        json: {
          type: { name: q.type },
          inwardIssue: ref(q.inward),
          outwardIssue: ref(q.outward),
          ...(q.comment !== undefined ? { comment: { body: q.comment } } : {}),
        },
        ok: [200, 201],
        codec: NoContent,
        what: `the link between ${q.inward} and ${q.outward}`,
      }),
    );
  }

  issueLinkEnds(ctx: AccessContext, linkId: string): TE.TaskEither<AppError, { inward: string; outward: string }> {
    return TE.map((link: t.TypeOf<typeof IssueLinkJson>) => ({
      inward: link.inwardIssue.key ?? link.inwardIssue.id ?? '',
      outward: link.outwardIssue.key ?? link.outwardIssue.id ?? '',
    }))(
      this.caller.call(ctx, {
        method: 'GET',
        path: `${api(ctx)}/issueLink/${encodeURIComponent(linkId)}`,
        ok: [200],
        codec: IssueLinkJson,
        what: `the issue link ${linkId}`,
      }),
    );
  }

  deleteIssueLink(ctx: AccessContext, linkId: string): TE.TaskEither<AppError, void> {
    return TE.map(() => undefined)(
      this.caller.call(ctx, {
        method: 'DELETE',
        path: `${api(ctx)}/issueLink/${encodeURIComponent(linkId)}`,
        ok: [200, 204],
        codec: NoContent,
        what: `the deletion of issue link ${linkId}`,
      }),
    );
  }

  remoteLinks(ctx: AccessContext, issue: string): TE.TaskEither<AppError, readonly RemoteLink[]> {
    return TE.map((links: t.TypeOf<typeof RemoteLinksJson>) => links.map(toRemoteLink))(
      this.caller.call(ctx, {
        method: 'GET',
        path: `${api(ctx)}/issue/${encodeURIComponent(issue)}/remotelink`,
        ok: [200],
        codec: RemoteLinksJson,
        what: `the remote links of ${issue}`,
      }),
    );
  }

  addRemoteLink(ctx: AccessContext, q: { issue: string; url: string; title: string; summary?: string | undefined }): TE.TaskEither<AppError, string> {
    return TE.map((created: t.TypeOf<typeof RemoteLinkCreatedJson>) => String(created.id))(
      this.caller.call(ctx, {
        method: 'POST',
        path: `${api(ctx)}/issue/${encodeURIComponent(q.issue)}/remotelink`,
        json: { object: { url: q.url, title: q.title, ...(q.summary !== undefined ? { summary: q.summary } : {}) } },
        ok: [200, 201],
        codec: RemoteLinkCreatedJson,
        what: `the remote link on ${q.issue}`,
      }),
    );
  }

  listBoards(ctx: AccessContext, q: { project?: string | undefined; name?: string | undefined; startAt: number; limit: number }): TE.TaskEither<AppError, UpstreamPage<Board>> {
    return TE.map((page: t.TypeOf<typeof BoardsJson>) => offsetPage(page.values.map(toBoard), q.startAt, q.limit, page))(
      this.caller.call(ctx, {
        method: 'GET',
        path: `${AGILE}/board`,
        searchParams: { projectKeyOrId: q.project, name: q.name, startAt: q.startAt, maxResults: q.limit },
        ok: [200],
        codec: BoardsJson,
        what: 'the board list',
      }),
    );
  }

  projectOfBoard(ctx: AccessContext, boardId: string): TE.TaskEither<AppError, string | null> {
    return TE.map((board: t.TypeOf<typeof BoardJson>) => board.location?.projectKey ?? null)(
      this.caller.call(ctx, { method: 'GET', path: `${AGILE}/board/${encodeURIComponent(boardId)}`, ok: [200], codec: BoardJson, what: `the board ${boardId}` }),
    );
  }

  listSprints(
    ctx: AccessContext,
    q: { boardId: string; states?: readonly SprintState[] | undefined; startAt: number; limit: number },
  ): TE.TaskEither<AppError, UpstreamPage<Sprint>> {
    return TE.map((page: t.TypeOf<typeof SprintsJson>) => offsetPage(page.values.map(toSprint), q.startAt, q.limit, page))(
      this.caller.call(ctx, {
        method: 'GET',
        path: `${AGILE}/board/${encodeURIComponent(q.boardId)}/sprint`,
        searchParams: { state: q.states?.join(','), startAt: q.startAt, maxResults: q.limit },
        ok: [200],
        codec: SprintsJson,
        what: `the sprints of board ${q.boardId}`,
      }),
    );
  }

  sprintIssues(
    ctx: AccessContext,
    q: { sprintId: string; jql?: string | undefined; fields: readonly string[]; startAt: number; limit: number },
  ): TE.TaskEither<AppError, UpstreamPage<IssueRecord>> {
    return TE.map((page: t.TypeOf<typeof LegacySearchPage>) => offsetPage(page.issues.map(issueRecord), q.startAt, q.limit, page))(
      this.caller.call(ctx, {
        method: 'GET',
        path: `${AGILE}/sprint/${encodeURIComponent(q.sprintId)}/issue`,
        searchParams: { jql: q.jql, fields: q.fields.join(','), startAt: q.startAt, maxResults: q.limit },
        ok: [200],
        codec: LegacySearchPage,
        what: `the issues of sprint ${q.sprintId}`,
      }),
    );
  }

  moveIssuesToSprint(ctx: AccessContext, q: { sprintId: string; issues: readonly string[] }): TE.TaskEither<AppError, void> {
    return TE.map(() => undefined)(
      this.caller.call(ctx, {
        method: 'POST',
        path: `${AGILE}/sprint/${encodeURIComponent(q.sprintId)}/issue`,
        json: { issues: q.issues },
        ok: [204],
        codec: NoContent,
        what: `the move of issues into sprint ${q.sprintId}`,
      }),
    );
  }

  downloadAttachment(ctx: AccessContext, q: { id: string; filename: string; maxBytes: number }): TE.TaskEither<AppError, FileDownload> {
    return this.caller.download(ctx, {
      path: `${api(ctx)}/attachment/content/${encodeURIComponent(q.id)}`,
      // The bytes themselves, not a 303 to Atlassian's media service.
      searchParams: { redirect: 'false' },
      filename: q.filename,
      maxBytes: q.maxBytes,
      what: `the attachment ${q.id}`,
    });
  }

  addAttachment(ctx: AccessContext, q: { issue: string; file: FileUpload }): TE.TaskEither<AppError, readonly JiraAttachment[]> {
    return TE.map((added: t.TypeOf<typeof AddedAttachments>) => added.map(attachmentOf))(
      this.caller.call(ctx, {
        method: 'POST',
        path: `${api(ctx)}/issue/${encodeURIComponent(q.issue)}/attachments`,
        form: { field: 'file', filename: q.file.filename, mediaType: q.file.mediaType, content: q.file.content },
        // Jira refuses multipart requests without it (its XSRF check).
        headers: { 'x-atlassian-token': 'no-check' },
        ok: [200],
        codec: AddedAttachments,
        what: `the upload of ${q.file.filename} to ${q.issue}`,
      }),
    );
  }

  deleteAttachment(ctx: AccessContext, id: string): TE.TaskEither<AppError, void> {
    return TE.map(() => undefined)(
      this.caller.call(ctx, {
        method: 'DELETE',
        path: `${api(ctx)}/attachment/${encodeURIComponent(id)}`,
        ok: [204],
        codec: NoContent,
        what: `the deletion of attachment ${id}`,
      }),
    );
  }

  listWorklogs(ctx: AccessContext, issue: string, q: { startAt: number; limit: number }): TE.TaskEither<AppError, UpstreamPage<WorklogRecord> & { total: number }> {
    return TE.map((page: t.TypeOf<typeof WorklogPageJson>) => {
      const end = q.startAt + page.worklogs.length;
      const total = page.total ?? end;
      return { items: page.worklogs.map(worklogRecord), total, next: end < total && page.worklogs.length > 0 ? { startAt: end } : null };
    })(
      this.caller.call(ctx, {
        method: 'GET',
        path: `${api(ctx)}/issue/${encodeURIComponent(issue)}/worklog`,
        searchParams: { startAt: q.startAt, maxResults: q.limit },
        ok: [200],
        codec: WorklogPageJson,
        what: `the worklogs of ${issue}`,
      }),
    );
  }

  addWorklog(ctx: AccessContext, issue: string, w: { timeSpent: string; started: string; comment?: AdfDoc | string | undefined }): TE.TaskEither<AppError, WorklogRecord> {
    return TE.map(worklogRecord)(
      this.caller.call(ctx, {
        method: 'POST',
        path: `${api(ctx)}/issue/${encodeURIComponent(issue)}/worklog`,
        json: { timeSpent: w.timeSpent, started: w.started, ...(w.comment !== undefined ? { comment: w.comment } : {}) },
        ok: [200, 201],
        codec: WorklogJson,
        what: `the worklog on ${issue}`,
      }),
    );
  }
}

/** Jira Software's REST API, the same path on Cloud and Data Center. */
const AGILE = '/rest/agile/1.0';
