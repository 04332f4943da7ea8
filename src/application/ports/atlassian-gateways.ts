import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { AdfDoc } from '../../domain/markup/adf.js';
import type { AccessContext } from '../../domain/credentials.js';
import type { AppError } from '../../domain/errors.js';
import type { IssueChange, IssueIdentity, JiraUser } from '../../domain/jira.js';
import type { CommentRecord, IssueRecord, JiraAttachment } from '../../domain/jira-issue.js';
import type { FileDownload, FileUpload } from '../../domain/files.js';
import type { Board, Sprint, SprintState } from '../../domain/jira-agile.js';
import type { CreateIssueType, FieldMeta } from '../../domain/jira-create-meta.js';
import type { IssueLinkType, RemoteLink, Transition } from '../../domain/jira-issue-actions.js';
import type { ContentHit, CreatedIssue, CreatedPage, Project, Space } from '../../domain/operations.js';
import type { WorklogRecord } from '../../domain/jira-worklog.js';

/** One page of an upstream list, with the upstream's own continuation (made opaque by the use case). */
export interface UpstreamPage<A> {
  readonly items: readonly A[];
  readonly next: { readonly token?: string; readonly startAt?: number } | null;
}

/*
 * Jira over its REST API, as roles: each use case depends on the roles it calls, so a test's
 * in-memory gateway implements only those. A 401 comes back as TOKEN_EXPIRED with reason
 * `upstream_unauthorized`, so the caller can refresh once and retry once.
 */

export interface JiraProjects {
  listProjects(
    ctx: AccessContext,
    q: {
      readonly query?: string | undefined;
      /** Only these project keys (JIRA_PROJECTS_FILTER). */
      readonly keys?: readonly string[];
      readonly startAt: number;
      readonly limit: number;
    },
  ): TE.TaskEither<AppError, UpstreamPage<Project>>;
}

export interface JiraIssueSearch {
  /** Issues matching the JQL, each with the Jira fields named in `fields` (ids such as summary, issuetype, customfield_10010). */
  searchIssues(
    ctx: AccessContext,
    q: { readonly jql: string; readonly fields: readonly string[]; readonly token?: string | undefined; readonly startAt: number; readonly limit: number },
  ): TE.TaskEither<AppError, UpstreamPage<IssueRecord>>;
}

export interface JiraIssueReading {
  /** One issue with the Jira fields named in `fields` (and its project). */
  getIssue(ctx: AccessContext, idOrKey: string, fields: readonly string[]): TE.TaskEither<AppError, IssueRecord>;
  /** A page of an issue's comments, newest or oldest first, and how many there are. */
  listComments(
    ctx: AccessContext,
    idOrKey: string,
    q: { readonly startAt: number; readonly limit: number; readonly newestFirst: boolean },
  ): TE.TaskEither<AppError, UpstreamPage<CommentRecord> & { readonly total: number }>;
}

export interface JiraUserDirectory {
  /** The Jira user the context's credentials act as. */
  currentUser(ctx: AccessContext): TE.TaskEither<AppError, JiraUser>;
  searchUsers(ctx: AccessContext, q: { readonly query: string; readonly startAt: number; readonly limit: number }): TE.TaskEither<AppError, UpstreamPage<JiraUser>>;
  /** Users who can be assigned issues of a project, or one issue. */
  assignableUsers(
    ctx: AccessContext,
    q: {
      readonly project?: string | undefined;
      readonly issue?: string | undefined;
      readonly query?: string | undefined;
      readonly startAt: number;
      readonly limit: number;
    },
  ): TE.TaskEither<AppError, UpstreamPage<JiraUser>>;
}

export interface JiraIssueLookup {
  /** An issue's id, key and project key, from its key or id; NOT_FOUND when there is no such issue. */
  identifyIssue(ctx: AccessContext, idOrKey: string): TE.TaskEither<AppError, IssueIdentity>;
}

/** Writing comments; bodies are already in the site's format (ADF on Cloud, wiki markup on Data Center). */
export interface JiraCommentWriting {
  addComment(
    ctx: AccessContext,
    idOrKey: string,
    comment: { readonly body: unknown; readonly visibility: { readonly type: 'role' | 'group'; readonly value: string } | null },
  ): TE.TaskEither<AppError, CommentRecord>;
  /** Replaces the body; `visibility` undefined leaves it as it is, null clears it. */
  editComment(
    ctx: AccessContext,
    idOrKey: string,
    commentId: string,
    comment: { readonly body: unknown; readonly visibility?: { readonly type: 'role' | 'group'; readonly value: string } | null | undefined },
  ): TE.TaskEither<AppError, CommentRecord>;
  deleteComment(ctx: AccessContext, idOrKey: string, commentId: string): TE.TaskEither<AppError, void>;
}

/** What a change to an issue sets: Jira's field ids and the verbs for labels. */
export interface JiraIssueEditing {
  /** The ids of the fields the issue's edit screen offers (`editmeta`). */
  editableFields(ctx: AccessContext, idOrKey: string): TE.TaskEither<AppError, ReadonlySet<string>>;
  editIssue(ctx: AccessContext, idOrKey: string, change: IssueChange): TE.TaskEither<AppError, void>;
}

export interface JiraIssueCreation {
  createIssue(
    ctx: AccessContext,
    issue: {
      readonly projectKey: string;
      readonly summary: string;
      readonly issueType: string;
      /** ADF for Cloud, wiki markup for Data Center. */
      readonly description?: AdfDoc | string | undefined;
      readonly labels?: readonly string[] | undefined;
      readonly priority?: string | undefined;
      /** Cloud accountId, Data Center user key. */
      readonly assignee?: string | undefined;
      /** The parent issue's key or id. */
      readonly parent?: string | undefined;
      readonly components?: readonly string[] | undefined;
      /** YYYY-MM-DD */
      readonly dueDate?: string | undefined;
      /** Custom field values by id, sent as given. */
      readonly customFields?: Readonly<Record<string, unknown>> | undefined;
    },
  ): TE.TaskEither<AppError, CreatedIssue>;
}

/** Every Jira role: what the service's adapter implements. */
export interface JiraGateway
  extends JiraProjects,
    JiraIssueSearch,
    JiraIssueReading,
    JiraUserDirectory,
    JiraIssueLookup,
    JiraIssueCreation,
    JiraIssueEditing,
    JiraCommentWriting {}

export interface ConfluenceGateway {
  listSpaces(
    ctx: AccessContext,
    q: { readonly cursor?: string | undefined; readonly limit: number },
  ): TE.TaskEither<AppError, UpstreamPage<Space>>;
  searchContent(
    ctx: AccessContext,
    q: { readonly cql: string; readonly cursor?: string | undefined; readonly limit: number },
  ): TE.TaskEither<AppError, UpstreamPage<ContentHit>>;
  /** The space id for a key; NOT_FOUND when there is no such space. */
  spaceIdForKey(ctx: AccessContext, key: string): TE.TaskEither<AppError, string>;
  createPage(
    ctx: AccessContext,
    page: {
      readonly spaceId: string;
      readonly title: string;
      readonly parentId?: string | undefined;
      readonly representation: 'storage' | 'atlas_doc_format';
      readonly value: string;
    },
  ): TE.TaskEither<AppError, CreatedPage>;
}

/*
 * Changing issues, their links, create metadata and Jira Software boards and sprints: more
 * Jira roles. The declaration of JiraGateway below merges with the one above, so the
 * service's adapter implements these too.
 */

export interface JiraIssueAssignment {
  /** Assigns the issue to the user (Cloud accountId, Data Center user key); null unassigns. */
  assignIssue(ctx: AccessContext, q: { readonly issue: string; readonly accountId: string | null }): TE.TaskEither<AppError, void>;
}

export interface JiraIssueTransitions {
  /** The transitions the issue can take now, with the fields of their screens. */
  listTransitions(ctx: AccessContext, issue: string): TE.TaskEither<AppError, readonly Transition[]>;
  transitionIssue(
    ctx: AccessContext,
    q: {
      readonly issue: string;
      readonly transitionId: string;
      /** ADF for Cloud, wiki markup for Data Center. */
      readonly comment?: AdfDoc | string | undefined;
      readonly fields?: Readonly<Record<string, unknown>> | undefined;
    },
  ): TE.TaskEither<AppError, void>;
}

export interface JiraIssueDeletion {
  deleteIssue(ctx: AccessContext, q: { readonly issue: string; readonly deleteSubtasks: boolean }): TE.TaskEither<AppError, void>;
}

export interface JiraCreateMetadata {
  /** The issue types a project offers for creating issues. */
  createIssueTypes(
    ctx: AccessContext,
    q: { readonly project: string; readonly startAt: number; readonly limit: number },
  ): TE.TaskEither<AppError, UpstreamPage<CreateIssueType>>;
  /** The fields of one issue type's create screen in a project. */
  createFields(
    ctx: AccessContext,
    q: { readonly project: string; readonly issueTypeId: string; readonly startAt: number; readonly limit: number },
  ): TE.TaskEither<AppError, UpstreamPage<FieldMeta>>;
}

export interface JiraIssueLinks {
  listLinkTypes(ctx: AccessContext): TE.TaskEither<AppError, readonly IssueLinkType[]>;
  linkIssues(
    ctx: AccessContext,
    q: {
      /** The link type's name. */
      readonly type: string;
      readonly inward: string;
      readonly outward: string;
      /** ADF for Cloud, wiki markup for Data Center. */
      readonly comment?: AdfDoc | string | undefined;
    },
  ): TE.TaskEither<AppError, void>;
  /** The keys of the two issues an issue link joins; NOT_FOUND when there is no such link. */
  issueLinkEnds(ctx: AccessContext, linkId: string): TE.TaskEither<AppError, { readonly inward: string; readonly outward: string }>;
  deleteIssueLink(ctx: AccessContext, linkId: string): TE.TaskEither<AppError, void>;
  remoteLinks(ctx: AccessContext, issue: string): TE.TaskEither<AppError, readonly RemoteLink[]>;
  /** Answers the new remote link's id. */
  addRemoteLink(
    ctx: AccessContext,
    q: { readonly issue: string; readonly url: string; readonly title: string; readonly summary?: string | undefined },
  ): TE.TaskEither<AppError, string>;
}

/** Jira Software (`/rest/agile/1.0`). */
export interface JiraAgile {
  listBoards(
    ctx: AccessContext,
    q: { readonly project?: string | undefined; readonly name?: string | undefined; readonly startAt: number; readonly limit: number },
  ): TE.TaskEither<AppError, UpstreamPage<Board>>;
  /** The key of the project a board is located in (null for a user location); NOT_FOUND when there is no such board. */
  projectOfBoard(ctx: AccessContext, boardId: string): TE.TaskEither<AppError, string | null>;
  listSprints(
    ctx: AccessContext,
    q: { readonly boardId: string; readonly states?: readonly SprintState[] | undefined; readonly startAt: number; readonly limit: number },
  ): TE.TaskEither<AppError, UpstreamPage<Sprint>>;
  sprintIssues(
    ctx: AccessContext,
    q: { readonly sprintId: string; readonly jql?: string | undefined; readonly fields: readonly string[]; readonly startAt: number; readonly limit: number },
  ): TE.TaskEither<AppError, UpstreamPage<IssueRecord>>;
  /** At most 50 issues per call (Atlassian's limit). */
  moveIssuesToSprint(ctx: AccessContext, q: { readonly sprintId: string; readonly issues: readonly string[] }): TE.TaskEither<AppError, void>;
}

/** The files attached to issues. */
export interface JiraAttachments {
  /**
   * The attachment's bytes, streamed from the tenant's site (never through a redirect);
   * more than `maxBytes` ends the stream with a 413 VALIDATION.
   */
  downloadAttachment(ctx: AccessContext, q: { readonly id: string; readonly filename: string; readonly maxBytes: number }): TE.TaskEither<AppError, FileDownload>;
  /** Attaches one file to the issue (sent once, never retried); answers what Jira attached. */
  addAttachment(ctx: AccessContext, q: { readonly issue: string; readonly file: FileUpload }): TE.TaskEither<AppError, readonly JiraAttachment[]>;
  deleteAttachment(ctx: AccessContext, id: string): TE.TaskEither<AppError, void>;
}

export interface JiraGateway extends JiraIssueAssignment, JiraIssueTransitions, JiraIssueDeletion, JiraCreateMetadata, JiraIssueLinks, JiraAgile, JiraAttachments, JiraWorklogs {}

/** Time logged on issues; comments already in the site's format (ADF on Cloud, wiki markup on Data Center). */
export interface JiraWorklogs {
  /** A page of an issue's worklogs, oldest first, and how many there are. */
  listWorklogs(
    ctx: AccessContext,
    issue: string,
    q: { readonly startAt: number; readonly limit: number },
  ): TE.TaskEither<AppError, UpstreamPage<WorklogRecord> & { readonly total: number }>;
  /** Logs time (sent once, never retried); answers the new worklog. */
  addWorklog(
    ctx: AccessContext,
    issue: string,
    worklog: { readonly timeSpent: string; readonly started: string; readonly comment?: AdfDoc | string | undefined },
  ): TE.TaskEither<AppError, WorklogRecord>;
}
