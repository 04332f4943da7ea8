import type * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type * as t from 'io-ts';
import { decodeStrictWith } from '../domain/decode.js';
import { AppError } from '../domain/errors.js';
import { toJsonSchema, type JsonSchema } from '../domain/json-schema.js';
import type { TenantId } from '../domain/tenant.js';
import type { CreatePage, ListSpaces, SearchContent } from './confluence-operations.js';
import type { CreateIssue, ListProjects, SearchIssues } from './jira-operations.js';
import {
  CreateIssueInput,
  CreatePageInput,
  ListProjectsInput,
  ListSpacesInput,
  SearchContentInput,
  SearchIssuesInput,
} from './operation-inputs.js';

/** A use case offered to AI agents: its arguments are decoded by the same codec as the REST route. */
export interface ToolDefinition {
  readonly name: string;
  readonly description: string;
  readonly input: t.Type<unknown, unknown, unknown>;
  /** Write tools are hidden and refused when the operator sets TOOLS_READ_ONLY=true. */
  readonly writes: boolean;
  readonly run: (tenantId: TenantId, args: unknown) => TE.TaskEither<AppError, unknown>;
}

export interface ToolDescription {
  readonly name: string;
  readonly description: string;
  readonly input_schema: JsonSchema;
  readonly read_only: boolean;
}

const tool = <A>(
  name: string,
  description: string,
  input: t.Type<A, unknown, unknown>,
  writes: boolean,
  run: (tenantId: TenantId, args: A) => TE.TaskEither<AppError, unknown>,
): ToolDefinition => ({
  name,
  description,
  input: input as t.Type<unknown, unknown, unknown>,
  writes,
  run: run as (tenantId: TenantId, args: unknown) => TE.TaskEither<AppError, unknown>,
});

export function atlassianTools(useCases: {
  listProjects: ListProjects;
  searchIssues: SearchIssues;
  createIssue: CreateIssue;
  listSpaces: ListSpaces;
  searchContent: SearchContent;
  createPage: CreatePage;
}): ToolDefinition[] {
  return [
    tool('jira_list_projects', 'List the Jira projects the connection can see, optionally filtered by key or name.', ListProjectsInput, false, (tn, a) =>
      useCases.listProjects.execute(tn, a),
    ),
    tool(
      'jira_search_issues',
      'Search Jira issues by free text (q, optionally within a project) or by your own JQL; newest first for free text.',
      SearchIssuesInput,
      false,
      (tn, a) => useCases.searchIssues.execute(tn, a),
    ),
    tool(
      'jira_create_issue',
      'Create a Jira issue. The description is Markdown and becomes Atlassian Document Format.',
      CreateIssueInput,
      true,
      (tn, a) => useCases.createIssue.execute(tn, a),
    ),
    tool('confluence_list_spaces', 'List the Confluence spaces the connection can see.', ListSpacesInput, false, (tn, a) =>
      useCases.listSpaces.execute(tn, a),
    ),
    tool(
      'confluence_search',
      'Search Confluence content by free text (q, optionally within a space) or by your own CQL.',
      SearchContentInput,
      false,
      (tn, a) => useCases.searchContent.execute(tn, a),
    ),
    tool(
      'confluence_create_page',
      'Create a Confluence page in a space (by key or id). The body is Markdown unless body_format says storage or atlas_doc_format.',
      CreatePageInput,
      true,
      (tn, a) => useCases.createPage.execute(tn, a),
    ),
  ];
}

/** Lists and runs tools for a tenant; the one place the read-only switch is enforced. */
export class InvokeTool {
  private readonly byName: ReadonlyMap<string, ToolDefinition>;
  private readonly decoders: ReadonlyMap<string, (args: unknown) => E.Either<AppError, unknown>>;

  constructor(private readonly ports: { tools: readonly ToolDefinition[]; readOnly: boolean }) {
    this.byName = new Map(ports.tools.map((d) => [d.name, d]));
    this.decoders = new Map(ports.tools.map((d) => [d.name, decodeStrictWith(d.input, 'arguments')]));
  }

  list(): readonly ToolDescription[] {
    return this.ports.tools
      .filter((d) => !(this.ports.readOnly && d.writes))
      .map((d) => ({ name: d.name, description: d.description, input_schema: toJsonSchema(d.input), read_only: !d.writes }));
  }

  /** Whether a tool of this name exists, listed or hidden by read-only mode. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  execute(tenantId: TenantId, name: string, args: unknown): TE.TaskEither<AppError, { tool: string; result: unknown }> {
    const definition = this.byName.get(name);
    if (!definition) return TE.left(AppError.notFound(`Unknown tool; available: ${this.list().map((d) => d.name).join(', ')}.`));
    if (this.ports.readOnly && definition.writes) {
      return TE.left(AppError.forbidden(`${name} writes to Atlassian and this service runs with TOOLS_READ_ONLY=true.`));
    }
    return pipe(
      TE.fromEither((this.decoders.get(name) ?? decodeStrictWith(definition.input, 'arguments'))(args ?? {})),
      TE.flatMap((decoded) => definition.run(tenantId, decoded)),
      TE.map((result) => ({ tool: name, result })),
    );
  }
}
