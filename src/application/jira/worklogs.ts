/** Time logged on an issue: worklogs listed (comments in Markdown) and added in Jira's time notation. */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import type { Page } from '../../domain/cursor.js';
import type { AppError } from '../../domain/errors.js';
import { annotate } from '../../domain/json-schema.js';
import type { AdfDoc } from '../../domain/markup/adf.js';
import { convertMarkdown } from '../../domain/markup/index.js';
import type { TenantId } from '../../domain/tenant.js';
import {
  DURATION_HINT,
  jiraTimestampOf,
  parseJiraDuration,
  renderWorklog,
  toJiraTimestamp,
  type JiraWorklog,
} from '../../domain/jira-worklog.js';
import type { JiraPorts } from '../jira-operations.js';
import { boundedString, cursor, issueIdOrKey, limit } from '../operation-inputs.js';
import { readPage } from '../paged-read.js';
import type { Clock } from '../ports/clock.js';
import type { JiraIssueLookup, JiraWorklogs } from '../ports/atlassian-gateways.js';
import { withAccess } from '../with-access.js';
import { RichTextFormatCodec } from './fields.js';
import { checkFormat } from './format.js';
import { issueInScope } from './scope.js';

export const ListWorklogsInput = t.exact(
  t.intersection([
    t.type({ issue: issueIdOrKey('The issue whose logged time to list: its key (e.g. ENG-42) or id.') }),
    t.partial({ format: RichTextFormatCodec, cursor, limit }),
  ]),
);
export type ListWorklogsInput = t.TypeOf<typeof ListWorklogsInput>;

const timeSpent = annotate(
  new t.Type<string, string, unknown>(
    'Jira time notation',
    (u): u is string => typeof u === 'string' && E.isRight(parseJiraDuration(u)),
    (u, c) => {
      if (typeof u !== 'string' || u.length > 40) return t.failure(u, c, DURATION_HINT);
      const parsed = parseJiraDuration(u);
      return E.isRight(parsed) ? t.success(parsed.right.notation) : t.failure(u, c, parsed.left);
    },
    t.identity,
  ),
  {
    type: 'string',
    maxLength: 40,
    pattern: '^\\s*\\d{1,4}(\\.\\d{1,2})?[wdhmWDHM](\\s+\\d{1,4}(\\.\\d{1,2})?[wdhmWDHM]){0,3}\\s*$',
    description: 'The time spent in Jira notation: "1h 30m", "2d", "45m", "1.5h" (units w, d, h, m, largest first).',
  },
);

const started = annotate(
  new t.Type<string, string, unknown>(
    'a date-time with offset',
    (u): u is string => typeof u === 'string' && toJiraTimestamp(u) !== undefined,
    (u, c) => {
      const jira = typeof u === 'string' && u.length <= 40 ? toJiraTimestamp(u) : undefined;
      return jira !== undefined
        ? t.success(jira)
        : t.failure(
            u,
            c,
            'an ISO 8601 date-time with its offset, e.g. 2026-12-01T10:00:00Z or 2026-12-01T10:00:00.000+0100',
          );
    },
    t.identity,
  ),
  {
    type: 'string',
    maxLength: 40,
    pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}',
    description:
      'When the work started: an ISO 8601 date-time with its offset, e.g. 2026-12-01T10:00:00Z (default: now).',
  },
);

export const AddWorklogInput = t.exact(
  t.intersection([
    t.type({ issue: issueIdOrKey('The issue to log time on: its key (e.g. ENG-42) or id.'), time_spent: timeSpent }),
    t.partial({
      started,
      comment: boundedString(
        'comment',
        1,
        32_767,
        'What was done, in Markdown (ADF on Cloud, wiki markup on Data Center).',
      ),
    }),
  ]),
);
export type AddWorklogInput = t.TypeOf<typeof AddWorklogInput>;

/** `jira_list_worklogs`: the time logged on an issue, oldest first, comments in Markdown. */
export class ListWorklogs {
  private readonly page: ReturnType<typeof readPage<JiraWorklog>>;

  constructor(private readonly ports: JiraPorts<JiraWorklogs & JiraIssueLookup>) {
    this.page = readPage<JiraWorklog>(ports.refresh, 'jira', 'jira-worklogs');
  }

  execute(tenantId: TenantId, input: ListWorklogsInput): TE.TaskEither<AppError, Page<JiraWorklog>> {
    const format = input.format ?? 'markdown';
    return this.page(tenantId, input, (ctx, at) =>
      pipe(
        TE.fromEither(checkFormat(format, ctx)),
        TE.flatMap(() => issueInScope(this.ports, ctx, input.issue)),
        TE.flatMap(() => this.ports.jira.listWorklogs(ctx, input.issue, { startAt: at.startAt, limit: at.limit })),
        TE.map((page) => ({ items: page.items.map((w) => renderWorklog(w, format)), next: page.next })),
      ),
    );
  }
}

/** `jira_add_worklog`: logs time (Jira notation), started now unless given, with a Markdown comment. */
export class AddWorklog {
  constructor(private readonly ports: JiraPorts<JiraWorklogs & JiraIssueLookup> & { readonly clock: Clock }) {}

  execute(tenantId: TenantId, input: AddWorklogInput): TE.TaskEither<AppError, JiraWorklog> {
    return withAccess(
      this.ports.refresh,
      tenantId,
      'jira',
    )((ctx) =>
      pipe(
        TE.fromEither<AppError, AdfDoc | string | undefined>(
          input.comment === undefined || input.comment.trim() === ''
            ? E.right(undefined)
            : ctx.flavour === 'cloud'
              ? convertMarkdown(input.comment, 'adf')
              : convertMarkdown(input.comment, 'wiki'),
        ),
        TE.tap(() => issueInScope(this.ports, ctx, input.issue)),
        TE.flatMap((comment) =>
          this.ports.jira.addWorklog(ctx, input.issue, {
            timeSpent: input.time_spent,
            started: input.started ?? jiraTimestampOf(this.ports.clock.now()),
            ...(comment !== undefined ? { comment } : {}),
          }),
        ),
        TE.map((w) => renderWorklog(w, 'markdown')),
      ),
    );
  }
}
