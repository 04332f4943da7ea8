/**
 * Before an issue is created: does the project offer the issue type, and does the create
 * give every field the type's create screen requires? Read from create metadata (issue
 * types of the project, fields of the type), cached per tenant, site, project and issue
 * type for CREATE_META_TTL_MS, so a create costs no extra call most of the time. A missing
 * field is a 400 naming it, with its allowed values, instead of Jira's raw 400.
 */
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type { AccessContext } from '../../domain/credentials.js';
import { AppError } from '../../domain/errors.js';
import { missingRequiredFields, type CreateIssueType, type FieldMeta } from '../../domain/jira-create-meta.js';
import type { TenantId } from '../../domain/tenant.js';
import type { Clock } from '../ports/clock.js';
import type { JiraCreateMetadata, UpstreamPage } from '../ports/atlassian-gateways.js';

/** How long create metadata is trusted: a changed screen shows within five minutes. */
export const CREATE_META_TTL_MS = 5 * 60_000;
/** Entries kept at most (the oldest go first). */
const MAX_ENTRIES = 2000;
/** Pages of create metadata read at most for one list (200 items each). */
const MAX_PAGES = 10;
const PAGE = 200;

/** Values kept until they are `ttlMs` old, by the clock. */
export class ExpiringCache<V> {
  private readonly entries = new Map<string, { readonly value: V; readonly until: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly maxEntries = MAX_ENTRIES,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until > this.clock.now().getTime()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, until: this.clock.now().getTime() + this.ttlMs });
  }

  /** The cached value, or what `read` answers (cached when it succeeds). */
  through(key: string, read: () => TE.TaskEither<AppError, V>): TE.TaskEither<AppError, V> {
    const cached = this.get(key);
    return cached !== undefined
      ? TE.right(cached)
      : TE.tap((value: V) => TE.fromIO(() => this.set(key, value)))(read());
  }
}

/** Every item of an offset-paged list, up to MAX_PAGES pages. */
const allPages = <A>(
  read: (startAt: number) => TE.TaskEither<AppError, UpstreamPage<A>>,
): TE.TaskEither<AppError, readonly A[]> => {
  const from = (startAt: number, pages: number, sofar: readonly A[]): TE.TaskEither<AppError, readonly A[]> =>
    pipe(
      read(startAt),
      TE.flatMap((page) => {
        const items = [...sofar, ...page.items];
        const next = page.next?.startAt;
        return next !== undefined && next > startAt && pages + 1 < MAX_PAGES && page.items.length > 0
          ? from(next, pages + 1, items)
          : TE.right(items);
      }),
    );
  return from(0, 0, []);
};

/** How a caller of jira_create_issue gives a Jira field (undefined: it cannot). */
const INPUT_OF: Readonly<Record<string, string>> = {
  description: 'description',
  labels: 'labels',
  priority: 'priority',
  assignee: 'assignee',
  parent: 'parent',
  components: 'components',
  duedate: 'due_date',
};
const inputOf = (fieldId: string): string | undefined =>
  fieldId.startsWith('customfield_') ? `fields.${fieldId}` : INPUT_OF[fieldId];

const describeField = (f: FieldMeta): string => {
  const values = (f.allowed_values ?? []).map((v) => v.name ?? v.id).filter((v): v is string => v !== null);
  const shown =
    values.length > 0 ? `; allowed: ${values.slice(0, 10).join(', ')}${values.length > 10 ? ', ...' : ''}` : '';
  const input = inputOf(f.field_id);
  return `${f.name} (${input ?? `${f.field_id}, which jira_create_issue cannot set`}${shown})`;
};

export class CreateRequirements {
  private readonly types: ExpiringCache<readonly CreateIssueType[]>;
  private readonly fields: ExpiringCache<readonly FieldMeta[]>;

  constructor(
    private readonly jira: JiraCreateMetadata,
    clock: Clock,
  ) {
    this.types = new ExpiringCache(clock, CREATE_META_TTL_MS);
    this.fields = new ExpiringCache(clock, CREATE_META_TTL_MS);
  }

  /**
   * Right when the create may go to Jira, with the issue type's name as the project spells
   * it: the project offers the type (matched without regard to case) and `values` (the
   * create's fields by Jira field id) give every required field without a default.
   * When the metadata cannot be read (an older Data Center without the endpoints, a
   * project Jira does not know), Jira is left to judge the create itself.
   */
  check(
    tenantId: TenantId,
    ctx: AccessContext,
    q: { readonly project: string; readonly issueType: string; readonly values: Readonly<Record<string, unknown>> },
  ): TE.TaskEither<AppError, string> {
    const base = `${tenantId}\u0000${ctx.siteUrl}\u0000${q.project.toUpperCase()}`;
    const types = this.types.through(base, () =>
      allPages((startAt) => this.jira.createIssueTypes(ctx, { project: q.project, startAt, limit: PAGE })),
    );
    return pipe(
      unlessUnavailable(types),
      TE.flatMap((offered) => {
        if (offered === undefined) return TE.right(q.issueType);
        const wanted = q.issueType.trim().toLowerCase();
        const type = offered.find((t) => t.name.toLowerCase() === wanted);
        if (type === undefined) {
          return TE.left(
            AppError.validation(
              `issue_type: ${q.project} offers no issue type "${q.issueType}"; it offers ${offered.map((t) => t.name).join(', ') || 'none'} (see jira_list_issue_types).`,
              { details: { issue_type: `Not an issue type of ${q.project}.` } },
            ),
          );
        }
        const fields = this.fields.through(`${base}\u0000${type.id}`, () =>
          allPages((startAt) =>
            this.jira.createFields(ctx, { project: q.project, issueTypeId: type.id, startAt, limit: PAGE }),
          ),
        );
        return pipe(
          unlessUnavailable(fields),
          TE.flatMap((screen) => {
            if (screen === undefined) return TE.right(type.name);
            const missing = missingRequiredFields(screen, q.values).flatMap((m) =>
              screen.filter((f) => f.field_id === m.field_id).slice(0, 1),
            );
            if (missing.length === 0) return TE.right(type.name);
            return TE.left(
              AppError.validation(
                `A ${type.name} in ${q.project} needs ${missing.map(describeField).join(', ')}; nothing was created. jira_list_create_fields (issue_type_id ${type.id}) describes the fields.`,
                {
                  details: Object.fromEntries(
                    missing.map((f) => [inputOf(f.field_id) ?? f.field_id, `${f.name} is required.`]),
                  ),
                },
              ),
            );
          }),
        );
      }),
    );
  }
}

/** The metadata, or undefined when Jira has none to give (NOT_FOUND, or a 400 for the project). */
const unlessUnavailable = <A>(read: TE.TaskEither<AppError, A>): TE.TaskEither<AppError, A | undefined> =>
  TE.orElse((e: AppError) =>
    e.code === 'NOT_FOUND' || e.code === 'VALIDATION' ? TE.right<AppError, A | undefined>(undefined) : TE.left(e),
  )(TE.map((a: A): A | undefined => a)(read));
