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
import type { AttachmentRecord, CommentRecord as ConfluenceCommentRecord, PageInContext, PageLabel, PageRecord, PageSummaryRecord, SpaceRecord } from '../../domain/confluence.js';
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

/** Spaces, search and page creation (the first Confluence operations). */
export interface ConfluenceSpacesAndContent {
  listSpaces(
    ctx: AccessContext,
    /** `keys`: only these spaces (CONFLUENCE_SPACES_FILTER). */
    q: { readonly cursor?: string | undefined; readonly limit: number; readonly keys?: readonly string[] },
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

/*
 * Confluence pages and what hangs off them: more Confluence roles. The declaration of
 * ConfluenceGateway below merges with the one above, so the service's adapter implements
 * these too. Page, comment and attachment ids reach here validated (digits, or att + digits).
 */

export interface ConfluencePageReading {
  /** One page; the body in `representation` ('' when none is asked), its labels and version. */
  getPage(ctx: AccessContext, id: string, q: { readonly representation: 'storage' | 'atlas_doc_format' | 'none' }): TE.TaskEither<AppError, PageRecord>;
  /**
   * One page (NOT_FOUND when there is no such page, or the id is not a page's), its body in
   * `representation`, labels and version, with its space and ancestors (titled): one call.
   * A page that Atlassian answers exactly as before may come back as the same, deeply frozen
   * value: readers never change it, and may keep what they make of a frozen one by its identity.
   */
  pageInContext(ctx: AccessContext, id: string, q: { readonly representation: 'storage' | 'atlas_doc_format' }): TE.TaskEither<AppError, PageInContext>;
  /** The page of a space with exactly this title (current pages only); NOT_FOUND when there is none. */
  pageIdByTitle(ctx: AccessContext, q: { readonly spaceId: string; readonly title: string }): TE.TaskEither<AppError, string>;
  /** The ids of the pages above it, from the top of the space down to its parent. */
  ancestorIds(ctx: AccessContext, id: string): TE.TaskEither<AppError, readonly string[]>;
  /** Titles (and spaces) of the pages with these ids (at most 250). */
  pagesById(ctx: AccessContext, ids: readonly string[]): TE.TaskEither<AppError, readonly PageSummaryRecord[]>;
  getSpace(ctx: AccessContext, id: string): TE.TaskEither<AppError, SpaceRecord>;
  /** The space with this key; NOT_FOUND when there is none. */
  spaceByKey(ctx: AccessContext, key: string): TE.TaskEither<AppError, SpaceRecord>;
}

export interface ConfluencePageWriting {
  /**
   * Replaces the page's title, body and/or parent as version `version` (the current number
   * plus one). Confluence answers a version that is no longer the next one with 409: a
   * CONFLICT. Sent once, never retried.
   */
  updatePage(
    ctx: AccessContext,
    page: {
      readonly id: string;
      readonly status: string;
      readonly title: string;
      readonly spaceId: string;
      readonly parentId?: string | undefined;
      readonly body: { readonly representation: 'storage' | 'atlas_doc_format'; readonly value: string };
      readonly version: { readonly number: number; readonly message?: string | undefined; readonly minorEdit?: boolean | undefined };
    },
  ): TE.TaskEither<AppError, PageRecord>;
  /** To the trash (not purged). */
  deletePage(ctx: AccessContext, id: string): TE.TaskEither<AppError, void>;
}

export interface ConfluencePageTree {
  children(ctx: AccessContext, q: { readonly id: string; readonly cursor?: string | undefined; readonly limit: number }): TE.TaskEither<AppError, UpstreamPage<PageSummaryRecord>>;
  /** Descendant pages up to `depth` levels down (v1), each with its ancestor ids. */
  descendants(ctx: AccessContext, q: { readonly id: string; readonly depth: number; readonly startAt: number; readonly limit: number }): TE.TaskEither<AppError, UpstreamPage<PageSummaryRecord>>;
}

export interface ConfluenceComments {
  footerComments(ctx: AccessContext, q: { readonly pageId: string; readonly cursor?: string | undefined; readonly limit: number }): TE.TaskEither<AppError, UpstreamPage<ConfluenceCommentRecord>>;
  /** One footer comment (to find the page a reply goes on). */
  footerComment(ctx: AccessContext, id: string): TE.TaskEither<AppError, ConfluenceCommentRecord>;
  /** A top-level comment on a page, or a reply to a comment; the body in storage format. */
  addFooterComment(
    ctx: AccessContext,
    q: { readonly pageId?: string | undefined; readonly parentCommentId?: string | undefined; readonly storage: string },
  ): TE.TaskEither<AppError, ConfluenceCommentRecord>;
}

export interface ConfluenceLabels {
  pageLabels(ctx: AccessContext, q: { readonly pageId: string; readonly cursor?: string | undefined; readonly limit: number }): TE.TaskEither<AppError, UpstreamPage<PageLabel>>;
  /** v1: adds global labels; answers the page's labels after. */
  addLabels(ctx: AccessContext, q: { readonly pageId: string; readonly names: readonly string[] }): TE.TaskEither<AppError, readonly string[]>;
  /** v1: removes one label. */
  removeLabel(ctx: AccessContext, q: { readonly pageId: string; readonly name: string }): TE.TaskEither<AppError, void>;
}

export interface ConfluenceAttachments {
  pageAttachments(ctx: AccessContext, q: { readonly pageId: string; readonly cursor?: string | undefined; readonly limit: number }): TE.TaskEither<AppError, UpstreamPage<AttachmentRecord>>;
  attachment(ctx: AccessContext, id: string): TE.TaskEither<AppError, AttachmentRecord>;
  /** The bytes from the attachment's downloadLink (relative to /wiki), streamed, never through a redirect. */
  downloadPageAttachment(ctx: AccessContext, q: { readonly downloadLink: string; readonly filename: string; readonly maxBytes: number }): TE.TaskEither<AppError, FileDownload>;
  /** v1 multipart upload (sent once, never retried); answers what Confluence attached. */
  uploadPageAttachment(ctx: AccessContext, q: { readonly pageId: string; readonly file: FileUpload; readonly minorEdit: boolean }): TE.TaskEither<AppError, AttachmentRecord>;
}

export interface ConfluenceGateway extends ConfluenceSpacesAndContent, ConfluencePageReading, ConfluencePageWriting, ConfluencePageTree, ConfluenceComments, ConfluenceLabels, ConfluenceAttachments {}

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
