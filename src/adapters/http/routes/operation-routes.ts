import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import type { CreatePage, ListSpaces, SearchContent } from '../../../application/confluence-operations.js';
import type { CreateIssue, ListProjects, SearchIssues } from '../../../application/jira-operations.js';
import {
  CreateIssueInput,
  CreatePageInput,
  ListProjectsInput,
  ListSpacesInput,
  SearchContentInput,
  SearchIssuesInput,
} from '../../../application/operation-inputs.js';
import type { InvokeTool } from '../../../application/tools.js';
import { annotate, type JsonSchema } from '../../../domain/json-schema.js';
import { json, route, type ResponseSpec, type RouteSpec } from '../route-spec.js';

const str = { type: 'string' };
const nullableStr = { type: ['string', 'null'] };
const page = (item: JsonSchema): JsonSchema => ({
  type: 'object',
  required: ['items', 'next_cursor'],
  properties: { items: { type: 'array', items: item }, next_cursor: { ...nullableStr, description: 'Pass as cursor for the next page; null on the last.' } },
});
const object = (props: Record<string, JsonSchema>): JsonSchema => ({ type: 'object', required: Object.keys(props), properties: props });

const PROJECT = object({ id: str, key: str, name: str, url: str });
const ISSUE = object({ id: str, key: str, summary: str, status: nullableStr, issue_type: nullableStr, assignee: nullableStr, updated: nullableStr, url: str });
const CREATED_ISSUE = object({ id: str, key: str, url: str });
const SPACE = object({ id: str, key: str, name: str, type: str, url: str });
const HIT = object({ id: str, title: str, type: str, space: nullableStr, excerpt: str, url: str });
const CREATED_PAGE = object({ id: str, title: str, url: str });

/** The answers every Atlassian-backed operation can give besides success. */
const UPSTREAM: Readonly<Record<number, ResponseSpec>> = {
  400: { description: 'Invalid input, or Atlassian refused it (VALIDATION, with its field messages in details).' },
  401: { description: 'The Atlassian grant is gone or refresh failed (TOKEN_EXPIRED): reconnect.' },
  403: { description: 'Atlassian refused the scope or permission (FORBIDDEN).' },
  404: { description: 'The Atlassian object does not exist (NOT_FOUND).' },
  409: { description: 'The tenant has no connection for this connector (NOT_CONNECTED).' },
  429: {
    description: 'Atlassian is rate limiting (RATE_LIMITED); retry_after in the body and Retry-After header.',
    headers: { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } } },
  },
  502: { description: 'Atlassian failed or answered something malformed (VENDOR_ERROR).' },
  504: { description: 'Atlassian did not answer in time (VENDOR_ERROR).' },
};

const InvokeBody = t.exact(
  t.intersection([
    t.type({ tool: annotate(t.string, { description: 'A tool name from GET /connectors/tools.' }) }),
    t.partial({ arguments: annotate(t.UnknownRecord, { type: 'object', description: "The tool's arguments (its input_schema)." }) }),
  ]),
);

export function operationRoutes(deps: {
  listProjects: ListProjects;
  searchIssues: SearchIssues;
  createIssue: CreateIssue;
  listSpaces: ListSpaces;
  searchContent: SearchContent;
  createPage: CreatePage;
  tools: InvokeTool;
}): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/connectors/jira/projects',
      operationId: 'listJiraProjects',
      summary: 'Jira projects (from /rest/api/3/project/search).',
      tags: ['jira'],
      tenantScoped: true,
      query: ListProjectsInput,
      responses: { 200: { description: 'A page of projects.', schema: page(PROJECT) }, ...UPSTREAM },
      handle: ({ tenantId, query }) => pipe(deps.listProjects.execute(tenantId, query), TE.map((p) => json(200, p))),
    }),
    route({
      method: 'get',
      path: '/connectors/jira/search',
      operationId: 'searchJiraIssues',
      summary: 'Search issues with free text (q) or JQL, through the enhanced search /rest/api/3/search/jql.',
      tags: ['jira'],
      tenantScoped: true,
      query: SearchIssuesInput,
      responses: { 200: { description: 'A page of issues.', schema: page(ISSUE) }, ...UPSTREAM },
      handle: ({ tenantId, query }) => pipe(deps.searchIssues.execute(tenantId, query), TE.map((p) => json(200, p))),
    }),
    route({
      method: 'post',
      path: '/connectors/jira/create',
      operationId: 'createJiraIssue',
      summary: 'Create an issue; description is Markdown, converted to ADF (Cloud) or wiki markup (Data Center).',
      tags: ['jira'],
      tenantScoped: true,
      body: CreateIssueInput,
      responses: { 201: { description: 'Created.', schema: CREATED_ISSUE }, ...UPSTREAM },
      handle: ({ tenantId, body }) => pipe(deps.createIssue.execute(tenantId, body), TE.map((r) => json(201, r))),
    }),
    route({
      method: 'get',
      path: '/connectors/confluence/spaces',
      operationId: 'listConfluenceSpaces',
      summary: 'Confluence spaces (from /wiki/api/v2/spaces).',
      tags: ['confluence'],
      tenantScoped: true,
      query: ListSpacesInput,
      responses: { 200: { description: 'A page of spaces.', schema: page(SPACE) }, ...UPSTREAM },
      handle: ({ tenantId, query }) => pipe(deps.listSpaces.execute(tenantId, query), TE.map((p) => json(200, p))),
    }),
    route({
      method: 'get',
      path: '/connectors/confluence/search',
      operationId: 'searchConfluence',
      summary: 'Search content with free text (q) or CQL (via /wiki/rest/api/search; v2 has no search).',
      tags: ['confluence'],
      tenantScoped: true,
      query: SearchContentInput,
      responses: { 200: { description: 'A page of results.', schema: page(HIT) }, ...UPSTREAM },
      handle: ({ tenantId, query }) => pipe(deps.searchContent.execute(tenantId, query), TE.map((p) => json(200, p))),
    }),
    route({
      method: 'post',
      path: '/connectors/confluence/create',
      operationId: 'createConfluencePage',
      summary: 'Create a page (via /wiki/api/v2/pages); body is Markdown unless body_format says otherwise.',
      tags: ['confluence'],
      tenantScoped: true,
      body: CreatePageInput,
      responses: { 201: { description: 'Created.', schema: CREATED_PAGE }, ...UPSTREAM },
      handle: ({ tenantId, body }) => pipe(deps.createPage.execute(tenantId, body), TE.map((r) => json(201, r))),
    }),
    route({
      method: 'get',
      path: '/connectors/tools',
      operationId: 'listTools',
      summary: 'The agent tools, each with a JSON Schema of its arguments (generated from the REST codecs).',
      tags: ['tools'],
      tenantScoped: false,
      responses: {
        200: {
          description: 'The tools.',
          schema: object({
            tools: { type: 'array', items: object({ name: str, description: str, input_schema: { type: 'object' }, read_only: { type: 'boolean' } }) },
          }),
        },
      },
      handle: () => TE.right(json(200, { tools: deps.tools.list() })),
    }),
    route({
      method: 'post',
      path: '/connectors/tools/invoke',
      operationId: 'invokeTool',
      summary: 'Run a tool for the caller tenant: the same use case as the REST route.',
      tags: ['tools'],
      tenantScoped: true,
      body: InvokeBody,
      responses: {
        200: {
          description: 'The tool ran.',
          schema: object({ status: { const: 'ok' }, tool: str, result: {} }),
        },
        ...UPSTREAM,
        403: { description: 'A write tool while TOOLS_READ_ONLY=true, or Atlassian refused (FORBIDDEN).' },
        404: { description: 'Unknown tool, or the Atlassian object does not exist.' },
      },
      handle: ({ tenantId, body }) =>
        pipe(
          deps.tools.execute(tenantId, body.tool, body.arguments ?? {}),
          TE.map((r) => json(200, { status: 'ok', ...r })),
        ),
    }),
  ];
}
