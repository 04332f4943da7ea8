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
const WITHOUT_DOCUMENT = [/^\/oauth\/token(\/accessible-resources)?$/, /^\/rest\/api\/2\//];

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
    problems.push(...doc.validateQuery(r.method, r.path, r.query).map((e) => `${where}: ${e}`));
    problems.push(...doc.validateRequestBody(r.method, r.path, r.body).map((e) => `${where} body: ${e}`));
    const answer = r.response;
    if (answer && !r.faulted && answer.status !== 401) {
      // 401 is the gateway's (a dead or scope-less token), which the documents leave out.
      problems.push(...doc.validateResponse(r.method, r.path, answer.status, answer.body).map((e) => `${where} -> ${answer.status}: ${e}`));
    }
  }
  return { problems, validated, skipped };
}

/** Fails with every request or answer that strays from its document. */
export function expectTrafficConforms(requests: readonly RecordedRequest[]): TrafficReport {
  const report = checkTraffic(requests);
  expect(report.problems).toEqual([]);
  return report;
}
