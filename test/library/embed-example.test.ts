/**
 * examples/embed-search.mjs is documentation that must keep working: it runs here as a
 * real `node` process (importing the package by name, from dist/) against the fake
 * Atlassian on loopback, and the test checks both what it printed and what reached Jira.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  startFakeAtlassian,
  type FakeAtlassian,
  type FakeIssue,
  type RecordedRequest,
} from '../support/fake-atlassian.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const EXAMPLE = path.join(ROOT, 'examples/embed-search.mjs');
const EMAIL = 'noah.lindqvist@example.com';
const TOKEN = 'cloud-api-token-for-the-example';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the example as its own process with only the variables given (plus PATH). */
const runExample = (args: readonly string[], env: Record<string, string>): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [EXAMPLE, ...args], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });

const issue = (n: number, summary: string, status: string): FakeIssue => ({
  id: String(30_000 + n),
  key: `ZOO-${n}`,
  summary,
  status,
  issueType: 'Task',
  assignee: null,
  updated: `2026-11-2${n}T10:00:00.000+0000`,
  projectKey: 'ZOO',
});

const SEEDED = [
  issue(1, 'Quokka enclosure gate sticks', 'To Do'),
  issue(2, 'Feed the otters', 'Done'),
  issue(3, 'Quokka photo booth is crowded', 'In Progress'),
  issue(4, 'Count the QUOKKA population', 'Done'),
];

describe('examples/embed-search.mjs against the fake Atlassian', () => {
  let fake: FakeAtlassian;
  let env: Record<string, string>;
  let mark = 0;
  const sent = (): RecordedRequest[] => fake.requests.slice(mark);

  beforeAll(async () => {
    fake = await startFakeAtlassian();
    fake.jira.projects.push({ id: '10099', key: 'ZOO', name: 'Zoo' });
    fake.jira.issues.splice(0, fake.jira.issues.length, ...SEEDED);
    fake.apiTokens.set(EMAIL, TOKEN);
    env = { JIRA_BASE_URL: `${fake.url}/`, JIRA_EMAIL: EMAIL, JIRA_API_TOKEN: TOKEN };
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => {
    mark = fake.requests.length;
  });

  it('prints key, status and summary of each matching issue, sending quoted JQL with Basic auth to the site', async () => {
    const run = await runExample(['quokka'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.trimEnd().split('\n')).toEqual([
      'ZOO-1\tTo Do\tQuokka enclosure gate sticks',
      'ZOO-3\tIn Progress\tQuokka photo booth is crowded',
      'ZOO-4\tDone\tCount the QUOKKA population',
      'next cursor: none (last page)',
    ]);

    const reqs = sent();
    expect(reqs).toHaveLength(1);
    const req = reqs[0]!;
    expect(req.method).toBe('GET');
    // The site URL itself (trailing slash of JIRA_BASE_URL dropped), not the OAuth gateway.
    expect(req.path).toBe('/rest/api/3/search/jql');
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}`);
    expect(req.query.get('jql')).toBe('text ~ "quokka" ORDER BY updated DESC');
    expect(req.query.get('maxResults')).toBe('25');
  });

  it('quotes hostile text into one JQL literal instead of letting it add clauses', async () => {
    const run = await runExample(['gate" OR project = "OPS'], env);
    expect(sent().map((r) => r.query.get('jql'))).toEqual([
      'text ~ "gate\\" OR project = \\"OPS" ORDER BY updated DESC',
    ]);
    // The fake's toy JQL parser may refuse it (400); either way the example reports, never crashes.
    if (run.code !== 0) {
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^VALIDATION: Atlassian refused the issue search/);
    }
  });

  it('passes --jql through unchanged and pages with the printed cursor', async () => {
    const jql = 'project = "ZOO" ORDER BY key ASC';
    const first = await runExample(['--jql', jql, '--limit', '3'], env);
    expect(first.code, first.stderr).toBe(0);
    const lines = first.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 3).map((l) => l.split('\t')[0])).toEqual(['ZOO-1', 'ZOO-2', 'ZOO-3']);
    const cursor = /^next cursor: ([A-Za-z0-9_-]+)$/.exec(lines[3] ?? '')?.[1];
    expect(cursor, first.stdout).toBeDefined();

    const second = await runExample(['--jql', jql, '--limit', '3', '--cursor', cursor!], env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout.trimEnd().split('\n')).toEqual([
      'ZOO-4\tDone\tCount the QUOKKA population',
      'next cursor: none (last page)',
    ]);

    const reqs = sent();
    expect(reqs.map((r) => r.query.get('jql'))).toEqual([jql, jql]);
    expect(reqs.map((r) => r.query.get('maxResults'))).toEqual(['3', '3']);
    expect(reqs[0]?.query.has('nextPageToken')).toBe(false);
    // The opaque cursor carried Jira's own nextPageToken back to Jira.
    expect(reqs[1]?.query.get('nextPageToken')).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('exits 1 naming the problem when Atlassian answers 401, without retrying the call', async () => {
    const run = await runExample(['quokka'], { ...env, JIRA_API_TOKEN: 'revoked-token' });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^TOKEN_EXPIRED: Atlassian refused JIRA_EMAIL \/ JIRA_API_TOKEN \(401\)/);
    // The token itself is never echoed.
    expect(run.stderr).not.toContain('revoked-token');
    const reqs = sent();
    expect(reqs).toHaveLength(1);
    expect(reqs[0]?.path).toBe('/rest/api/3/search/jql');
  });

  it('exits 1 with the AppError when Jira fails, and 2 (calling nobody) when configuration is missing', async () => {
    fake.inject({
      kind: 'status',
      path: '/rest/api/3/search/jql',
      status: 404,
      body: { errorMessages: ['No such site'], errors: {} },
      times: 1,
    });
    const failed = await runExample(['quokka'], env);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^NOT_FOUND: Atlassian answered 404 for the issue search: No such site/);

    mark = fake.requests.length;
    const missing = await runExample(['quokka'], { JIRA_BASE_URL: fake.url });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Set JIRA_BASE_URL, JIRA_EMAIL and JIRA_API_TOKEN.');
    const noQuery = await runExample([], env);
    expect(noQuery.code).toBe(2);
    expect(noQuery.stderr).toContain('Give search text or --jql.');
    expect(sent()).toEqual([]);
  });
});
