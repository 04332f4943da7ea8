#!/usr/bin/env node
/**
 * Embedding the core: search Jira Cloud with an API token from a plain Node script.
 * No server, no database, no DI container: one use case, one gateway, and an
 * AccessProvider written here in a few lines.
 *
 *   export JIRA_BASE_URL=https://your-site.atlassian.net
 *   export JIRA_EMAIL=you@example.com
 *   export JIRA_API_TOKEN=...   # https://id.atlassian.com/manage-profile/security/api-tokens
 *
 *   node examples/embed-search.mjs "login timeout"                # free text, quoted into JQL
 *   node examples/embed-search.mjs "login" --project OPS --limit 5
 *   node examples/embed-search.mjs --jql 'project = OPS ORDER BY key'
 *   node examples/embed-search.mjs "login" --cursor <next cursor printed by the previous run>
 *
 * Prints one line per issue (key, status, summary, tab-separated), then the next cursor.
 * Exit codes: 0 done, 1 the search failed (the AppError's code and message on stderr),
 * 2 wrong usage or missing configuration. See docs/embedding.md.
 */
import { parseArgs } from 'node:util';
import * as TE from 'fp-ts/lib/TaskEither.js';
import {
  AppError,
  DEFAULT_TENANT,
  SearchIssues,
  SearchIssuesInput,
  basicAuthorization,
  decodeStrictWith,
} from 'integration-backend';
import { createAtlassianGateways } from 'integration-backend/atlassian';

const usage = (problem) => {
  console.error(
    `${problem}\nUsage: node examples/embed-search.mjs "<text>" | --jql "<JQL>" [--project KEY] [--limit N] [--cursor C]`,
  );
  process.exit(2);
};

// 1. Configuration and arguments.
const { JIRA_BASE_URL, JIRA_EMAIL, JIRA_API_TOKEN } = process.env;
if (!JIRA_BASE_URL || !JIRA_EMAIL || !JIRA_API_TOKEN) usage('Set JIRA_BASE_URL, JIRA_EMAIL and JIRA_API_TOKEN.');
if (!URL.canParse(JIRA_BASE_URL)) usage(`JIRA_BASE_URL is not a URL: ${JIRA_BASE_URL}`);
const siteUrl = JIRA_BASE_URL.replace(/\/+$/, '');

let args;
try {
  args = parseArgs({
    allowPositionals: true,
    options: {
      jql: { type: 'string' },
      project: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
    },
  });
} catch (err) {
  usage(err.message);
}
const { values, positionals } = args;
// The input codec the REST route and the agent tool use: it checks lengths, the limit range, and q-or-jql.
const input = decodeStrictWith(SearchIssuesInput, 'search')({ q: positionals.join(' ') || undefined, ...values });
if (input._tag === 'Left') usage(input.left.message);
if (input.right.q === undefined && input.right.jql === undefined) usage('Give search text or --jql.');

// 2. The AccessProvider port: where the use cases get a credential for a tenant. The
//    service's implementation (StoredCredentialAccess) reads encrypted rows and refreshes OAuth
//    tokens; a script that holds one API token answers with it, whatever the tenant.
const context = {
  baseUrl: siteUrl, // where the REST paths go: the site itself for an API token
  siteUrl, // for links to issues
  authorization: basicAuthorization(JIRA_EMAIL, JIRA_API_TOKEN), // "Basic base64(email:token)"
  authType: 'api_token',
  flavour: 'cloud', // Jira Cloud: /rest/api/3 and the enhanced JQL search
  version: 1,
  // The URL is our own configuration, not a caller's input, so the HTTP client need not
  // restrict it to public addresses (true would refuse localhost and private networks).
  callerSuppliedHost: false,
};
const access = {
  access: () => TE.right(context),
  // Called once when Atlassian answers 401. An API token cannot be refreshed: give up.
  afterUnauthorized: () =>
    TE.left(
      AppError.tokenExpired(
        'Atlassian refused JIRA_EMAIL / JIRA_API_TOKEN (401); check both, or create a new API token.',
      ),
    ),
};

// 3. Wire the use case to our Jira gateway (undici, with retries within a 15 s budget) and run it.
const gateways = createAtlassianGateways({ timeoutMs: 10_000 });
try {
  const searchIssues = new SearchIssues({ refresh: access, jira: gateways.jira });
  // Use cases never throw: they return a TaskEither, i.e. a function to a Promise of Left | Right.
  const result = await searchIssues.execute(DEFAULT_TENANT, input.right)();
  if (result._tag === 'Left') {
    console.error(`${result.left.code}: ${result.left.message}`);
    process.exitCode = 1;
  } else {
    const { items, next_cursor } = result.right;
    for (const issue of items) console.log([issue.key, issue.status ?? '-', issue.summary].join('\t'));
    if (items.length === 0) console.log('(no issues)');
    console.log(`next cursor: ${next_cursor ?? 'none (last page)'}`);
  }
} finally {
  await gateways.close(); // closes the kept-alive connections, so the process can exit
}
