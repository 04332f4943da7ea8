/**
 * Links between issues (typed: blocks, duplicates, relates to, ...) and from an issue to a
 * web page (remote links). Under JIRA_PROJECTS_FILTER both ends of an issue link must be
 * within it; a link id is looked up first to learn its ends.
 */
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import type { AppError } from '../../domain/errors.js';
import type {
  AddedRemoteLink,
  DeletedIssueLink,
  IssueLinkType,
  LinkedIssues,
  RemoteLink,
} from '../../domain/jira-issue-actions.js';
import { isFiltered, NO_FILTER } from '../../domain/scope-filter.js';
import type { TenantId } from '../../domain/tenant.js';
import type { JiraPorts } from '../jira-operations.js';
import { boundedString, issueIdOrKey, numericId } from '../operation-inputs.js';
import type { JiraIssueLinks, JiraIssueLookup } from '../ports/atlassian-gateways.js';
import { withAccess } from '../with-access.js';
import { httpUrl, jiraRichText, markdown } from './inputs.js';
import { issueInScope, noSuchIssue } from './scope.js';

export const ListLinkTypesInput = t.exact(t.type({}));
export type ListLinkTypesInput = t.TypeOf<typeof ListLinkTypesInput>;

export const LinkIssuesInput = t.exact(
  t.intersection([
    t.type({
      type: boundedString(
        'type',
        1,
        255,
        'The link type name, e.g. Blocks, Relates or Duplicate (see jira_list_link_types).',
      ),
      inward_issue: issueIdOrKey(
        "The link's inward issue (key or id): it reads the type's inward phrase, e.g. is blocked by.",
      ),
      outward_issue: issueIdOrKey(
        "The link's outward issue (key or id): it reads the type's outward phrase, e.g. blocks.",
      ),
    }),
    // Atlassian: the comment goes on the "from (outward) issue".
    t.partial({ comment: markdown('comment', 'A comment to add to the outward issue with the link, in Markdown.') }),
  ]),
);
export type LinkIssuesInput = t.TypeOf<typeof LinkIssuesInput>;

export const DeleteIssueLinkInput = t.exact(
  t.type({ link_id: numericId('link_id', "The issue link to delete (its id, from the issue's issuelinks field).") }),
);
export type DeleteIssueLinkInput = t.TypeOf<typeof DeleteIssueLinkInput>;

const issue = issueIdOrKey('The issue whose web links these are (key or id).');

export const ListRemoteLinksInput = t.exact(t.type({ issue }));
export type ListRemoteLinksInput = t.TypeOf<typeof ListRemoteLinksInput>;

export const AddRemoteLinkInput = t.exact(
  t.intersection([
    t.type({
      issue,
      url: httpUrl('The web address to link (http or https).'),
      title: boundedString('title', 1, 255, 'The text the link shows on the issue.'),
    }),
    t.partial({ summary: boundedString('summary', 1, 1000, 'A line shown under the link title.') }),
  ]),
);
export type AddRemoteLinkInput = t.TypeOf<typeof AddRemoteLinkInput>;

/** `jira_list_link_types`: the kinds of link the site has (their names are what linking takes). */
export class ListLinkTypes {
  constructor(private readonly ports: JiraPorts<JiraIssueLinks>) {}

  execute(
    tenantId: TenantId,
    _input: ListLinkTypesInput,
  ): TE.TaskEither<AppError, { items: readonly IssueLinkType[] }> {
    return withAccess(
      this.ports.refresh,
      tenantId,
      'jira',
    )((ctx) => TE.map((items: readonly IssueLinkType[]) => ({ items }))(this.ports.jira.listLinkTypes(ctx)));
  }
}

/** `jira_link_issues`: links two issues with a link type; Jira answers no id, so the answer is what was linked. */
export class LinkIssues {
  constructor(private readonly ports: JiraPorts<JiraIssueLinks & JiraIssueLookup>) {}

  execute(tenantId: TenantId, input: LinkIssuesInput): TE.TaskEither<AppError, LinkedIssues> {
    return withAccess(
      this.ports.refresh,
      tenantId,
      'jira',
    )((ctx) =>
      pipe(
        issueInScope(this.ports, ctx, input.inward_issue),
        TE.flatMap(() => issueInScope(this.ports, ctx, input.outward_issue)),
        TE.flatMap(() =>
          this.ports.jira.linkIssues(ctx, {
            type: input.type.trim(),
            inward: input.inward_issue,
            outward: input.outward_issue,
            comment: jiraRichText(ctx, input.comment),
          }),
        ),
        TE.map(() => ({
          type: input.type.trim(),
          inward_issue: input.inward_issue,
          outward_issue: input.outward_issue,
        })),
      ),
    );
  }
}

/** `jira_delete_issue_link`: removes one link (the issues stay). */
export class DeleteIssueLink {
  constructor(private readonly ports: JiraPorts<JiraIssueLinks & JiraIssueLookup>) {}

  execute(tenantId: TenantId, input: DeleteIssueLinkInput): TE.TaskEither<AppError, DeletedIssueLink> {
    const filtered = isFiltered(this.ports.projects ?? NO_FILTER);
    return withAccess(
      this.ports.refresh,
      tenantId,
      'jira',
    )((ctx) =>
      pipe(
        // Under a filter the link's two issues are looked up: both must be within it.
        filtered
          ? pipe(
              this.ports.jira.issueLinkEnds(ctx, input.link_id),
              TE.flatMap((ends) =>
                pipe(
                  issueInScope(this.ports, ctx, ends.inward),
                  TE.flatMap(() => issueInScope(this.ports, ctx, ends.outward)),
                ),
              ),
              TE.mapLeft((e) => (e.code === 'NOT_FOUND' ? noSuchIssueLink(input.link_id) : e)),
            )
          : TE.right(undefined),
        TE.flatMap(() => this.ports.jira.deleteIssueLink(ctx, input.link_id)),
        TE.map(() => ({ deleted: input.link_id })),
      ),
    );
  }
}

const noSuchIssueLink = (id: string): AppError => ({
  ...noSuchIssue(id),
  message: `Jira has no issue link ${id} that this connection may see.`,
});

/** `jira_list_remote_links`: the web links on an issue. */
export class ListRemoteLinks {
  constructor(private readonly ports: JiraPorts<JiraIssueLinks & JiraIssueLookup>) {}

  execute(tenantId: TenantId, input: ListRemoteLinksInput): TE.TaskEither<AppError, { items: readonly RemoteLink[] }> {
    return withAccess(
      this.ports.refresh,
      tenantId,
      'jira',
    )((ctx) =>
      pipe(
        issueInScope(this.ports, ctx, input.issue),
        TE.flatMap(() => this.ports.jira.remoteLinks(ctx, input.issue)),
        TE.map((items) => ({ items })),
      ),
    );
  }
}

/** `jira_add_remote_link`: links a web page from an issue. */
export class AddRemoteLink {
  constructor(private readonly ports: JiraPorts<JiraIssueLinks & JiraIssueLookup>) {}

  execute(tenantId: TenantId, input: AddRemoteLinkInput): TE.TaskEither<AppError, AddedRemoteLink> {
    return withAccess(
      this.ports.refresh,
      tenantId,
      'jira',
    )((ctx) =>
      pipe(
        issueInScope(this.ports, ctx, input.issue),
        TE.flatMap(() =>
          this.ports.jira.addRemoteLink(ctx, {
            issue: input.issue,
            url: input.url,
            title: input.title.trim(),
            summary: input.summary,
          }),
        ),
        TE.map((id) => ({ id, issue: input.issue, url: input.url, title: input.title.trim() })),
      ),
    );
  }
}
