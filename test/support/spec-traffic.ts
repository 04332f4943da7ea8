/**
 * Holds what the fake Atlassian saw and answered to Atlassian's published OpenAPI documents:
 * every request's query parameters and JSON body, and every answer the fake gave of its
 * own accord (success and error bodies alike; answers a test injected as a fault are the
 * test's, not the fake's, and are left out). Any test file that exercises operations can
 * end with `expectTrafficConforms(fake.requests)`.
 *
 * Which document: `/rest/api/3` Jira Cloud platform, `/rest/agile/1.0` Jira Software,
 * `/wiki/api/v2` Confluence v2, `/wiki/rest/api` Confluence v1, each also behind the OAuth
 * gateway's `/ex/{product}/{cloudId}`. Data Center's `/rest/api/2` has no published
 * document here, and the OAuth endpoints none at all: those are reported as skipped.
 */
import { expect } from 'vitest';
import type { RecordedRequest } from './fake-atlassian.js';
import { confluenceSpec, confluenceV1Spec, jiraSoftwareSpec, jiraSpec, type SpecValidator } from './openapi-validator.js';

const DOCUMENTS: ReadonlyArray<readonly [RegExp, () => SpecValidator]> = [
  [/^(\/ex\/jira\/[^/]+)?\/rest\/api\/3\//, jiraSpec],
  [/^(\/ex\/jira\/[^/]+)?\/rest\/agile\/1\.0\//, jiraSoftwareSpec],
  [/^(\/ex\/confluence\/[^/]+)?\/wiki\/api\/v2\//, confluenceSpec],
  [/^(\/ex\/confluence\/[^/]+)?\/wiki\/rest\/api\//, confluenceV1Spec],
];
// An attachment's downloadLink (`/wiki/download/attachments/...`) is where Atlassian's
// documents say the bytes are; it is not an API path, and no document describes it.
const WITHOUT_DOCUMENT = [/^\/oauth\/token(\/accessible-resources)?$/, /^\/rest\/api\/2\//, /^(\/ex\/confluence\/[^/]+)?\/wiki\/download\//];

export interface TrafficReport {
  readonly problems: string[];
  /** `METHOD /template` of every request held to a document. */
  readonly validated: Set<string>;
  readonly skipped: Set<string>;
}

const unprefixed = (p: string): string => p.replace(/^\/ex\/(jira|confluence)\/[^/]+/, '');

export function checkTraffic(requests: readonly RecordedRequest[]): TrafficReport {
  const problems: string[] = [];
  const validated = new Set<string>();
  const skipped = new Set<string>();
  for (const r of requests) {
    const where = `${r.method} ${r.path}?${r.query.toString()}`;
    const doc = DOCUMENTS.find(([re]) => re.test(r.path))?.[1]();
    if (!doc) {
      if (WITHOUT_DOCUMENT.some((re) => re.test(r.path))) skipped.add(`${r.method} ${unprefixed(r.path)}`);
      else problems.push(`${where}: no document covers this path`);
      continue;
    }
    const found = doc.findOperation(r.method, r.path);
    validated.add(typeof found === 'string' ? `${r.method} ${unprefixed(r.path)}` : `${r.method} ${found.template}`);
    const erratum = typeof found === 'string' ? undefined : ERRATA.find((e) => e.method === r.method && e.template === found.template);
    const query = erratum?.query ? erratum.query(r.query, (e) => problems.push(`${where}: ${e}`)) : r.query;
    problems.push(...doc.validateQuery(r.method, r.path, query).map((e) => `${where}: ${e}`));
    const contentType = String(r.headers['content-type'] ?? '');
    if (contentType.startsWith('multipart/form-data')) {
      problems.push(...doc.validateMultipartRequest(r.method, r.path, partNames(r.body)).map((e) => `${where} body: ${e}`));
    } else {
      const body = erratum?.requestBody ? erratum.requestBody(r.body) : r.body;
      problems.push(...doc.validateRequestBody(r.method, r.path, body).map((e) => `${where} body: ${e}`));
    }
    const answer = r.response;
    if (answer && !r.faulted && answer.status !== 401) {
      // 401 is the gateway's (a dead or scope-less token), which the documents leave out.
      const answers = erratum?.answerItems && answer.status < 300 ? erratum.answerItems(answer.body) : [answer.body];
      const status = erratum?.statusAs?.[answer.status] ?? answer.status;
      for (const one of answers) {
        problems.push(...doc.validateResponse(r.method, r.path, status, one).map((e) => `${where} -> ${answer.status}: ${e}`));
      }
    }
  }
  return { problems, validated, skipped };
}

/** The names of a multipart body's parts, from its Content-Disposition headers. */
const partNames = (body: unknown): string[] =>
  typeof body === 'string' ? [...body.matchAll(/^content-disposition:\s*form-data;\s*name="([^"]*)"/gim)].map((m) => m[1] ?? '') : [];

/** Fails with every request or answer that strays from its document. */
export function expectTrafficConforms(requests: readonly RecordedRequest[]): TrafficReport {
  const report = checkTraffic(requests);
  expect(report.problems).toEqual([]);
  return report;
}

/**
 * Where a document contradicts Atlassian's own words about the same operation, the words win
 * and the check is adjusted here, for that operation only (each entry says why):
 * - the query parameters named are checked as the text describes them and then left out;
 * - a request body is rewritten to what the schema can express;
 * - an answer the document types as one object is checked item by item.
 */
interface Erratum {
  readonly method: string;
  readonly template: string;
  readonly why: string;
  readonly query?: (query: URLSearchParams, problem: (message: string) => void) => URLSearchParams;
  readonly requestBody?: (body: unknown) => unknown;
  readonly answerItems?: (body: unknown) => unknown[];
  /** An answer status the text documents but the responses leave out, checked as the status named. */
  readonly statusAs?: Readonly<Record<number, number>>;
}

/** A parameter the description calls a comma-separated list of these words, where the schema says `object`. */
const wordList =
  (name: string, words: RegExp) =>
  (query: URLSearchParams, problem: (message: string) => void): URLSearchParams => {
    const rest = new URLSearchParams(query);
    for (const value of query.getAll(name)) {
      if (!value.split(',').every((w) => words.test(w))) problem(`query "${name}": ${JSON.stringify(value)} is not a comma-separated list of ${words.source}`);
    }
    rest.delete(name);
    return rest;
  };

const ERRATA: readonly Erratum[] = [
  {
    method: 'PUT',
    template: '/pages/{id}',
    why: 'The body says to set version.number to the current one plus one; Confluence answers any other number with 409 and its error body, which the responses (200, 400, 401, 404) leave out. Checked as the 400 error answer; the v1 PUT /content/{id} documents the same 409.',
    statusAs: { 409: 400 },
  },
  {
    method: 'GET',
    template: '/wiki/rest/api/content/{id}/descendant/{type}',
    why: 'depth is typed as an enum of all, root and "<any positive integer argument in the range of 1 and 100>"; the description: "the maximum value supported is 100".',
    query: wordList('depth', /^(all|root|[1-9][0-9]?|100)$/),
  },
  {
    method: 'PUT',
    template: '/rest/api/3/issue/{issueIdOrKey}/assignee',
    why: 'The description says accountId null unassigns; the User schema types accountId as a string only.',
    requestBody: (body) => {
      if (typeof body !== 'object' || body === null || (body as Record<string, unknown>)['accountId'] !== null) return body;
      const { accountId: _unassign, ...rest } = body as Record<string, unknown>;
      return rest;
    },
  },
  {
    method: 'GET',
    template: '/rest/api/3/issue/{issueIdOrKey}/remotelink',
    why: "The 200 schema is one RemoteIssueLink, but without globalId Jira answers a list of them (the document's own example is a list).",
    answerItems: (body) => (Array.isArray(body) ? body : [body]),
  },
  {
    method: 'GET',
    template: '/rest/agile/1.0/board/{boardId}/sprint',
    why: 'state is typed as an object in the 2022 document; its description: "future, active, closed ... separated by commas".',
    query: wordList('state', /^(future|active|closed)$/),
  },
  {
    method: 'GET',
    template: '/rest/agile/1.0/sprint/{sprintId}/issue',
    why: 'fields is typed as a list of objects in the 2022 document; its description: "The list of fields to return", i.e. field ids.',
    query: wordList('fields', /^[A-Za-z0-9_*-]+$/),
  },
];
