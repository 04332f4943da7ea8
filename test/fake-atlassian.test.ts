import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  makeIssues,
  startFakeAtlassian,
  type FakeAtlassian,
  type FakeAtlassianOptions,
} from './support/fake-atlassian.js';
import {
  validateConfluenceQuery,
  validateConfluenceRequestBody,
  validateConfluenceResponse,
  validateJiraQuery,
  validateJiraRequestBody,
  validateJiraResponse,
  validateJiraSchema,
} from './support/openapi-validator.js';

const REDIRECT = 'https://app.example.com/oauth/callback';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Got {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

async function call(url: string, init: RequestInit = {}): Promise<Got> {
  const res = await fetch(url, {
    ...init,
    headers: { accept: 'application/json', ...(init.headers as Record<string, string> | undefined) },
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    /* raw */
  }
  return { status: res.status, headers: res.headers, body, text };
}

function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Got> {
  return call(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });
}

function tokenRequest(fake: FakeAtlassian, body: Record<string, unknown>): Promise<Got> {
  return postJson(`${fake.url}/oauth/token`, body);
}

async function exchange(
  fake: FakeAtlassian,
  scopes?: string[],
): Promise<{ access_token: string; refresh_token: string }> {
  const code = fake.issueAuthorizationCode(scopes ? { scopes } : {});
  const r = await tokenRequest(fake, {
    grant_type: 'authorization_code',
    client_id: DEFAULT_CLIENT_ID,
    client_secret: DEFAULT_CLIENT_SECRET,
    code,
    redirect_uri: REDIRECT,
  });
  expect(r.status).toBe(200);
  return r.body;
}

function refresh(fake: FakeAtlassian, refreshToken: string): Promise<Got> {
  return tokenRequest(fake, {
    grant_type: 'refresh_token',
    client_id: DEFAULT_CLIENT_ID,
    client_secret: DEFAULT_CLIENT_SECRET,
    refresh_token: refreshToken,
  });
}

const bearer = (t: string): Record<string, string> => ({ authorization: `Bearer ${t}` });

let fake: FakeAtlassian;
let at: string;
let jira: string; // gateway base for Jira
let wiki: string; // gateway base for Confluence

async function setup(opts?: FakeAtlassianOptions): Promise<void> {
  fake = await startFakeAtlassian(opts);
  at = (await exchange(fake)).access_token;
  const cloudId = fake.sites[0]?.id ?? '';
  jira = `${fake.url}/ex/jira/${cloudId}`;
  wiki = `${fake.url}/ex/confluence/${cloudId}`;
}

afterEach(async () => {
  await fake?.close();
});

describe('OAuth 2.0 (3LO)', () => {
  beforeEach(() => setup());

  it('exchanges a code once; reuse and unknown codes get 403 invalid_grant', async () => {
    const code = fake.issueAuthorizationCode();
    const body = {
      grant_type: 'authorization_code',
      client_id: DEFAULT_CLIENT_ID,
      client_secret: DEFAULT_CLIENT_SECRET,
      code,
      redirect_uri: REDIRECT,
    };
    const ok = await tokenRequest(fake, body);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(typeof ok.body.access_token).toBe('string');
    expect(typeof ok.body.refresh_token).toBe('string');
    expect(ok.body.scope.split(' ')).toEqual(
      expect.arrayContaining(['read:jira-work', 'write:page:confluence', 'offline_access']),
    );

    const reused = await tokenRequest(fake, body);
    expect(reused.status).toBe(403);
    expect(reused.body.error).toBe('invalid_grant');
    const unknown = await tokenRequest(fake, { ...body, code: 'nope' });
    expect(unknown.status).toBe(403);
    expect(unknown.body.error).toBe('invalid_grant');
    expect(fake.tokenGrants.authorizationCode).toBe(2); // setup() + this one
  });

  it('rejects a wrong client secret (401 access_denied) and missing parameters (400)', async () => {
    const code = fake.issueAuthorizationCode();
    const wrong = await tokenRequest(fake, {
      grant_type: 'authorization_code',
      client_id: DEFAULT_CLIENT_ID,
      client_secret: 'bad',
      code,
      redirect_uri: REDIRECT,
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('access_denied');
    const missing = await tokenRequest(fake, {
      grant_type: 'authorization_code',
      client_id: DEFAULT_CLIENT_ID,
      client_secret: DEFAULT_CLIENT_SECRET,
      code,
    });
    expect(missing.status).toBe(400);
    // the code was not consumed by the failed attempts
    const ok = await tokenRequest(fake, {
      grant_type: 'authorization_code',
      client_id: DEFAULT_CLIENT_ID,
      client_secret: DEFAULT_CLIENT_SECRET,
      code,
      redirect_uri: REDIRECT,
    });
    expect(ok.status).toBe(200);
  });

  it('lists accessible resources for a live token', async () => {
    const r = await call(`${fake.url}/oauth/token/accessible-resources`, { headers: bearer(at) });
    expect(r.status).toBe(200);
    expect(r.body).toHaveLength(2);
    expect(r.body[0]).toEqual({
      id: '11111111-1111-4111-8111-111111111111',
      name: 'acme',
      url: 'https://acme.atlassian.net',
      scopes: expect.arrayContaining(['read:jira-work', 'search:confluence']),
      avatarUrl: expect.any(String),
    });
    const anon = await call(`${fake.url}/oauth/token/accessible-resources`);
    expect(anon.status).toBe(401);
  });

  it('rotates refresh tokens; a rotated-out token still works inside the grace period', async () => {
    const t = await exchange(fake);
    const r1 = await refresh(fake, t.refresh_token);
    expect(r1.status).toBe(200);
    expect(r1.body.refresh_token).not.toBe(t.refresh_token);
    expect(r1.body.access_token).not.toBe(t.access_token);
    const r2 = await refresh(fake, t.refresh_token); // reuse inside grace
    expect(r2.status).toBe(200);
    expect(r2.body.refresh_token).not.toBe(r1.body.refresh_token);
    expect(fake.tokenGrants.refresh).toBe(2);
    expect((await call(`${jira}/rest/api/3/myself`, { headers: bearer(r2.body.access_token) })).status).toBe(200);
    const unknown = await refresh(fake, 'fake-rt-unknown');
    expect(unknown.status).toBe(403);
    expect(unknown.body.error).toBe('invalid_grant');
    expect(fake.tokenGrants.rejectedRefresh).toBe(1);
  });

  it('revokes the whole grant when a rotated-out token is reused after the grace period', async () => {
    await fake.close();
    await setup({ refreshGraceMs: 50 });
    const t = await exchange(fake);
    const r1 = await refresh(fake, t.refresh_token);
    expect(r1.status).toBe(200);
    expect((await call(`${jira}/rest/api/3/myself`, { headers: bearer(r1.body.access_token) })).status).toBe(200);
    await sleep(120);
    const late = await refresh(fake, t.refresh_token);
    expect(late.status).toBe(403);
    expect(late.body.error).toBe('invalid_grant');
    expect(fake.isGrantRevoked(r1.body.access_token)).toBe(true);
    expect(fake.isGrantRevoked(at)).toBe(false); // other grants are unaffected
    const denied = await call(`${jira}/rest/api/3/myself`, { headers: bearer(r1.body.access_token) });
    expect(denied.status).toBe(401);
    expect(denied.body).toEqual({ code: 401, message: 'Unauthorized' });
    expect((await refresh(fake, r1.body.refresh_token)).status).toBe(403); // the newest token died too
    expect(fake.tokenGrants.rejectedRefresh).toBe(2);
  });

  it('expires access tokens after accessTokenTtlSeconds', async () => {
    await fake.close();
    await setup({ accessTokenTtlSeconds: 0.05 });
    expect((await call(`${jira}/rest/api/3/myself`, { headers: bearer(at) })).status).toBe(200);
    await sleep(100);
    const r = await call(`${jira}/rest/api/3/myself`, { headers: bearer(at) });
    expect(r.status).toBe(401);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('revokeAll() kills every token; scope mismatch gives 401', async () => {
    const jiraOnly = await exchange(fake, ['read:jira-work', 'offline_access']);
    const r = await call(`${wiki}/wiki/api/v2/spaces`, { headers: bearer(jiraOnly.access_token) });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ code: 401, message: 'Unauthorized; scope does not match' });
    fake.revokeAll();
    expect(fake.isGrantRevoked()).toBe(true);
    expect((await call(`${jira}/rest/api/3/project/search`, { headers: bearer(at) })).status).toBe(401);
  });
});

describe('Jira Cloud v3', () => {
  beforeEach(() => setup());

  it('answers 401 without a token and 404 for an unknown cloud id or route', async () => {
    const anon = await call(`${jira}/rest/api/3/myself`);
    expect(anon.status).toBe(401);
    expect(anon.body).toEqual({ code: 401, message: 'Unauthorized' });
    expect(anon.headers.get('content-type')).toMatch(/^application\/json/);
    expect(
      (
        await call(`${fake.url}/ex/jira/99999999-0000-0000-0000-000000000000/rest/api/3/myself`, {
          headers: bearer(at),
        })
      ).status,
    ).toBe(404);
    const unknown = await call(`${jira}/rest/api/3/nope`, { headers: bearer(at) });
    expect(unknown.status).toBe(404);
    expect(typeof unknown.body).toBe('object');
  });

  it('GET /myself matches the spec', async () => {
    const r = await call(`${jira}/rest/api/3/myself`, { headers: bearer(at) });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ accountId: expect.any(String), displayName: 'Mia Krystof', active: true });
    expect(validateJiraResponse('GET', '/rest/api/3/myself', 200, r.body)).toEqual([]);
  });

  it('GET /project/search pages, filters, and matches the spec', async () => {
    const q = new URLSearchParams({ startAt: '0', maxResults: '2' });
    expect(validateJiraQuery('GET', '/rest/api/3/project/search', q)).toEqual([]);
    const r = await call(`${jira}/rest/api/3/project/search?${q}`, { headers: bearer(at) });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ startAt: 0, maxResults: 2, total: 3, isLast: false });
    expect(r.body.values.map((p: { key: string }) => p.key)).toEqual(['ACME', 'OPS']);
    expect(validateJiraResponse('GET', `/ex/jira/x/rest/api/3/project/search`, 200, r.body)).toEqual([]);
    const next = await call(r.body.nextPage, { headers: bearer(at) });
    expect(next.body).toMatchObject({ startAt: 2, isLast: true, values: [{ key: 'WEB' }] });
    expect(next.body.nextPage).toBeUndefined();
    expect(validateJiraResponse('GET', '/rest/api/3/project/search', 200, next.body)).toEqual([]);

    const filtered = await call(`${jira}/rest/api/3/project/search?query=website`, { headers: bearer(at) });
    expect(filtered.body.values.map((p: { key: string }) => p.key)).toEqual(['WEB']);
    const capped = await call(`${jira}/rest/api/3/project/search?maxResults=500`, { headers: bearer(at) });
    expect(capped.body.maxResults).toBe(100);
    expect(
      validateJiraQuery('GET', '/rest/api/3/project/search', new URLSearchParams({ maxResults: '500' })),
    ).not.toEqual([]);
  });

  it('GET /search/jql paginates over all 120 issues exactly once, with only the requested fields', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const q = new URLSearchParams({
        jql: 'updated >= -365d ORDER BY updated DESC',
        maxResults: '25',
        fields: 'summary,status,issuetype,assignee,updated',
      });
      if (token) q.set('nextPageToken', token);
      expect(validateJiraQuery('GET', '/rest/api/3/search/jql', q)).toEqual([]);
      const r = await call(`${jira}/rest/api/3/search/jql?${q}`, { headers: bearer(at) });
      expect(r.status).toBe(200);
      expect(validateJiraResponse('GET', '/rest/api/3/search/jql', 200, r.body)).toEqual([]);
      for (const issue of r.body.issues) {
        seen.push(issue.key);
        expect(Object.keys(issue.fields).sort()).toEqual(['assignee', 'issuetype', 'status', 'summary', 'updated']);
        expect(issue.fields.updated).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}$/);
        expect(validateJiraSchema('StatusDetails', issue.fields.status)).toEqual([]);
        expect(validateJiraSchema('IssueTypeDetails', issue.fields.issuetype)).toEqual([]);
        if (issue.fields.assignee !== null)
          expect(validateJiraSchema('UserDetails', issue.fields.assignee)).toEqual([]);
      }
      expect(r.body.isLast).toBe(r.body.nextPageToken === undefined);
      token = r.body.nextPageToken;
      pages++;
    } while (token && pages < 20);
    expect(pages).toBe(5);
    expect(seen).toHaveLength(120);
    expect(new Set(seen).size).toBe(120);
    expect(new Set(seen)).toEqual(new Set(fake.jira.issues.map((i) => i.key)));
  });

  it('POST /search/jql filters by text and project and matches the spec', async () => {
    const body = {
      jql: 'project = "ACME" AND text ~ "login timeout" ORDER BY updated DESC',
      maxResults: 50,
      fields: ['summary', 'status'],
    };
    expect(validateJiraRequestBody('POST', '/rest/api/3/search/jql', body)).toEqual([]);
    const r = await postJson(`${jira}/rest/api/3/search/jql`, body, bearer(at));
    expect(r.status).toBe(200);
    expect(validateJiraResponse('POST', '/rest/api/3/search/jql', 200, r.body)).toEqual([]);
    expect(r.body.issues.length).toBeGreaterThan(0);
    for (const i of r.body.issues) {
      expect(i.key).toMatch(/^ACME-/);
      expect(i.fields.summary.toLowerCase()).toContain('login timeout');
    }
    expect(r.body.isLast).toBe(true);
    expect(r.body.nextPageToken).toBeUndefined();

    const quoted = await postJson(
      `${jira}/rest/api/3/search/jql`,
      { jql: 'text ~ "\\"quoted\\""', fields: ['summary'] },
      bearer(at),
    );
    expect(quoted.body.issues.map((i: { fields: { summary: string } }) => i.fields.summary)).toEqual([
      'Handle "quoted" titles in export',
    ]);

    const defaults = await postJson(
      `${jira}/rest/api/3/search/jql`,
      { jql: 'project = OPS', maxResults: 1 },
      bearer(at),
    );
    expect(defaults.body.issues[0]).toEqual({
      expand: '',
      id: expect.any(String),
      key: 'OPS-1',
      self: expect.stringContaining('/rest/api/3/issue/'),
      fields: {},
    });
    expect(typeof defaults.body.nextPageToken).toBe('string');
  });

  it('rejects unbounded and malformed JQL and the removed /search with 410', async () => {
    const unbounded = await call(`${jira}/rest/api/3/search/jql?jql=${encodeURIComponent('ORDER BY created DESC')}`, {
      headers: bearer(at),
    });
    expect(unbounded.status).toBe(400);
    expect(unbounded.body).toEqual({
      errorMessages: ['Unbounded JQL queries are not allowed here. Please add a search restriction to your query.'],
      errors: {},
    });
    expect(validateJiraResponse('GET', '/rest/api/3/search/jql', 400, unbounded.body)).toEqual([]);
    const unknownProject = await postJson(`${jira}/rest/api/3/search/jql`, { jql: 'project = "NOPE"' }, bearer(at));
    expect(unknownProject.status).toBe(400);
    const unterminated = await postJson(`${jira}/rest/api/3/search/jql`, { jql: 'text ~ "oops' }, bearer(at));
    expect(unterminated.status).toBe(400);
    for (const method of ['GET', 'POST']) {
      const gone = await call(`${jira}/rest/api/3/search?jql=project%3DACME`, {
        method,
        headers: { ...bearer(at), 'content-type': 'application/json' },
        ...(method === 'POST' ? { body: '{}' } : {}),
      });
      expect(gone.status).toBe(410);
      expect(gone.body.errors).toEqual({});
      expect(gone.body.errorMessages[0]).toMatch(
        /^The requested API has been removed\. Please migrate to the \/rest\/api\/3\/search\/jql API/,
      );
    }
  });

  it('POST /issue creates (201) and validates (400) per the spec', async () => {
    const body = {
      fields: {
        project: { key: 'OPS' },
        summary: 'Rotate the on-call schedule',
        issuetype: { name: 'Task' },
        description: {
          type: 'doc',
          version: 1,
          content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Please.' }] }],
        },
      },
    };
    expect(validateJiraRequestBody('POST', '/rest/api/3/issue', body)).toEqual([]);
    const r = await postJson(`${jira}/rest/api/3/issue`, body, bearer(at));
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ id: expect.any(String), key: 'OPS-41', self: `${jira}/rest/api/3/issue/${r.body.id}` });
    expect(validateJiraResponse('POST', '/rest/api/3/issue', 201, r.body)).toEqual([]);
    expect(fake.jira.createdIssues).toEqual([body]);

    const bad = await postJson(
      `${jira}/rest/api/3/issue`,
      { fields: { project: { id: '10000' }, summary: '', issuetype: { id: '10001' } } },
      bearer(at),
    );
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ errorMessages: [], errors: { summary: 'You must specify a summary of the issue.' } });
    expect(validateJiraResponse('POST', '/rest/api/3/issue', 400, bad.body)).toEqual([]);
    const worse = await postJson(
      `${jira}/rest/api/3/issue`,
      { fields: { project: { key: 'NOPE' }, summary: 'x', description: 'plain text' } },
      bearer(at),
    );
    expect(worse.status).toBe(400);
    expect(Object.keys(worse.body.errors).sort()).toEqual(['description', 'issuetype', 'project']);
  });

  it('accepts Basic API-token auth on the site paths', async () => {
    fake.apiTokens.set('dev@example.com', 'tok-123');
    const basic = (u: string, p: string): Record<string, string> => ({
      authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`,
    });
    const ok = await call(`${fake.url}/rest/api/3/myself`, { headers: basic('dev@example.com', 'tok-123') });
    expect(ok.status).toBe(200);
    expect(ok.body.emailAddress).toBe('dev@example.com');
    expect(validateJiraResponse('GET', '/rest/api/3/myself', 200, ok.body)).toEqual([]);
    expect((await call(`${fake.url}/rest/api/3/myself`, { headers: basic('dev@example.com', 'wrong') })).status).toBe(
      401,
    );
    expect((await call(`${fake.url}/rest/api/3/myself`, { headers: bearer(at) })).status).toBe(401);
    const spaces = await call(`${fake.url}/wiki/api/v2/spaces`, { headers: basic('dev@example.com', 'tok-123') });
    expect(spaces.status).toBe(200);
  });
});

describe('Jira Data Center (/rest/api/2, PAT)', () => {
  beforeEach(async () => {
    await setup();
    fake.pats.add('pat-abc');
  });

  it('serves myself, project, search and issue create', async () => {
    const h = bearer('pat-abc');
    expect((await call(`${fake.url}/rest/api/2/myself`, { headers: bearer('pat-wrong') })).status).toBe(401);
    const me = await call(`${fake.url}/rest/api/2/myself`, { headers: h });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      name: expect.any(String),
      key: expect.any(String),
      displayName: expect.any(String),
      active: true,
    });
    const projects = await call(`${fake.url}/rest/api/2/project`, { headers: h });
    expect(projects.body.map((p: { key: string }) => p.key)).toEqual(['ACME', 'OPS', 'WEB']);
    const search = await call(
      `${fake.url}/rest/api/2/search?jql=project%3DWEB&startAt=30&maxResults=20&fields=summary`,
      { headers: h },
    );
    expect(search.body).toMatchObject({ startAt: 30, maxResults: 20, total: 40 });
    expect(search.body.issues).toHaveLength(10);
    expect(Object.keys(search.body.issues[0].fields)).toEqual(['summary']);
    const created = await postJson(
      `${fake.url}/rest/api/2/issue`,
      {
        fields: {
          project: { key: 'ACME' },
          summary: 'DC issue',
          issuetype: { name: 'Bug' },
          description: 'h1. wiki markup',
          // A Bug's create screen requires Severity (see createmeta).
          customfield_10030: { id: '10101' },
        },
      },
      h,
    );
    expect(created.status).toBe(201);
    expect(created.body.key).toBe('ACME-41');
    const adf = await postJson(
      `${fake.url}/rest/api/2/issue`,
      {
        fields: {
          project: { key: 'ACME' },
          summary: 'x',
          issuetype: { name: 'Bug' },
          description: { type: 'doc', version: 1, content: [] },
        },
      },
      h,
    );
    expect(adf.status).toBe(400);
  });
});

describe('Confluence Cloud', () => {
  beforeEach(() => setup());

  it('GET /wiki/api/v2/spaces pages with a Link header and matches the spec', async () => {
    const q = new URLSearchParams({ limit: '2' });
    expect(validateConfluenceQuery('GET', '/wiki/api/v2/spaces', q)).toEqual([]);
    const r = await call(`${wiki}/wiki/api/v2/spaces?${q}`, { headers: bearer(at) });
    expect(r.status).toBe(200);
    expect(validateConfluenceResponse('GET', `/ex/confluence/x/wiki/api/v2/spaces`, 200, r.body)).toEqual([]);
    expect(r.body.results.map((s: { key: string }) => s.key)).toEqual(['ENG', 'OPS']);
    expect(r.body.results[0]).toMatchObject({
      id: '98305',
      type: 'global',
      status: 'current',
      _links: { webui: '/spaces/ENG' },
    });
    const next: string = r.body._links.next;
    expect(next).toMatch(/^\/wiki\/api\/v2\/spaces\?cursor=[^&]+&limit=2$/);
    expect(r.body._links.base).toBe(`${fake.url}/wiki`);
    expect(r.headers.get('link')).toContain(`<${next}>; rel="next"`);
    const page2 = await call(`${wiki}${next}`, { headers: bearer(at) });
    expect(page2.body.results).toHaveLength(1);
    expect(page2.body._links.next).toBeUndefined();
    expect(page2.headers.get('link')).toBeNull();
    expect(validateConfluenceResponse('GET', '/wiki/api/v2/spaces', 200, page2.body)).toEqual([]);
    const keyed = await call(`${wiki}/wiki/api/v2/spaces?keys=OPS,ENG`, { headers: bearer(at) });
    expect(keyed.body.results).toHaveLength(2);
    expect(validateConfluenceQuery('GET', '/wiki/api/v2/spaces', new URLSearchParams({ limit: '251' }))).not.toEqual(
      [],
    );
  });

  it('POST /wiki/api/v2/pages answers 200 with the page, 404 for unknown spaces, 413 over 5 MB', async () => {
    const body = {
      spaceId: '98305',
      status: 'current',
      title: 'Release notes 1.2',
      body: { representation: 'storage', value: '<p>Shipped.</p>' },
    };
    expect(validateConfluenceRequestBody('POST', '/wiki/api/v2/pages', body)).toEqual([]);
    const r = await postJson(`${wiki}/wiki/api/v2/pages`, body, bearer(at));
    expect(r.status).toBe(200);
    expect(validateConfluenceResponse('POST', '/wiki/api/v2/pages', 200, r.body)).toEqual([]);
    expect(r.body).toMatchObject({
      status: 'current',
      title: 'Release notes 1.2',
      spaceId: '98305',
      parentId: '98310',
      version: { number: 1 },
      body: { storage: { representation: 'storage', value: '<p>Shipped.</p>' } },
      _links: { webui: `/spaces/ENG/pages/${r.body.id}/Release+notes+1.2`, base: `${fake.url}/wiki` },
    });
    expect(fake.confluence.createdPages).toEqual([body]);
    const dup = await postJson(`${wiki}/wiki/api/v2/pages`, body, bearer(at));
    expect(dup.status).toBe(400);

    const missing = await postJson(`${wiki}/wiki/api/v2/pages`, { ...body, spaceId: '424242' }, bearer(at));
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      errors: [{ status: 404, code: 'NOT_FOUND', title: expect.any(String), detail: null }],
    });
    expect(validateConfluenceResponse('POST', '/wiki/api/v2/pages', 404, missing.body)).toEqual([]);
    const untitled = await postJson(
      `${wiki}/wiki/api/v2/pages`,
      { spaceId: '98305', body: { representation: 'storage', value: '' } },
      bearer(at),
    );
    expect(untitled.status).toBe(400);
    expect(untitled.body.errors[0].status).toBe(400);

    const huge = await postJson(
      `${wiki}/wiki/api/v2/pages`,
      { ...body, title: 'Huge', body: { representation: 'storage', value: 'x'.repeat(5 * 1024 * 1024 + 1) } },
      bearer(at),
    );
    expect(huge.status).toBe(413);
    expect(validateConfluenceResponse('POST', '/wiki/api/v2/pages', 413, huge.body)).toEqual([]);
  });

  it('GET /wiki/rest/api/search (v1) filters by text and space and paginates via _links.next', async () => {
    const cql = 'type = page AND space = "OPS" AND text ~ "runbook"';
    const r = await call(`${wiki}/wiki/rest/api/search?cql=${encodeURIComponent(cql)}&limit=2`, {
      headers: bearer(at),
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      start: 0,
      limit: 2,
      size: 2,
      cqlQuery: cql,
      _links: { base: `${fake.url}/wiki`, context: '/wiki' },
    });
    const first = r.body.results[0];
    expect(first.content).toMatchObject({
      type: 'page',
      status: 'current',
      _links: { webui: expect.stringMatching(/^\/spaces\/OPS\/pages\//) },
    });
    expect(first.resultGlobalContainer).toEqual({ title: 'Operations Handbook', displayUrl: '/spaces/OPS' });
    expect(first.title).toMatch(/^Incident @@@hl@@@runbook@@@endhl@@@ \d+$/); // Confluence highlights matches in title and excerpt
    expect(first.content.title).not.toContain('@@@');

    const all: string[] = [];
    let url: string | undefined = `${wiki}/wiki/rest/api/search?cql=${encodeURIComponent('text ~ "guide"')}&limit=2`;
    while (url) {
      const p: Got = await call(url, { headers: bearer(at) });
      expect(p.status).toBe(200);
      all.push(...p.body.results.map((x: { content: { id: string } }) => x.content.id));
      url = p.body._links.next ? `${wiki}${p.body._links.context}${p.body._links.next}` : undefined;
    }
    const expected = fake.confluence.pages
      .filter((p) => /guide/i.test(p.title) || /guide/i.test(p.excerpt))
      .map((p) => p.id);
    expect(all).toEqual(expected);
    expect(expected.length).toBeGreaterThan(2);
    expect(validateConfluenceResponse('GET', '/wiki/rest/api/search', 200, r.body)).toEqual([
      expect.stringMatching(/^not in spec/),
    ]);
  });
});

describe('faults', () => {
  beforeEach(() => setup());

  it('status fault: one-shot 429 with Retry-After, then normal', async () => {
    fake.inject({
      kind: 'status',
      path: '/rest/api/3/search/jql',
      status: 429,
      headers: { 'Retry-After': '7' },
      body: { errorMessages: ['Rate limit exceeded.'], errors: {} },
    });
    const url = `${jira}/rest/api/3/search/jql?jql=project%3DACME`;
    const limited = await call(url, { headers: bearer(at) });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.body.errorMessages).toEqual(['Rate limit exceeded.']);
    expect((await call(url, { headers: bearer(at) })).status).toBe(200);
  });

  it('honours times and method, and clearFaults()', async () => {
    fake.inject({ kind: 'status', path: '/wiki/api/v2/pages', method: 'POST', status: 503, times: 2 });
    fake.inject({ kind: 'status', path: '/rest/api/3/myself', status: 500, times: 5 });
    expect((await call(`${wiki}/wiki/api/v2/pages`, { headers: bearer(at) })).status).toBe(200); // GET (the page list): not matched by the POST fault
    const body = { spaceId: '98306', title: 'Faulty', body: { representation: 'storage', value: '<p/>' } };
    expect((await postJson(`${wiki}/wiki/api/v2/pages`, body, bearer(at))).status).toBe(503);
    expect((await postJson(`${wiki}/wiki/api/v2/pages`, body, bearer(at))).status).toBe(503);
    expect((await postJson(`${wiki}/wiki/api/v2/pages`, body, bearer(at))).status).toBe(200);
    expect((await call(`${jira}/rest/api/3/myself`, { headers: bearer(at) })).status).toBe(500);
    fake.clearFaults();
    expect((await call(`${jira}/rest/api/3/myself`, { headers: bearer(at) })).status).toBe(200);
  });

  it('delay fault delays the answer', async () => {
    fake.inject({ kind: 'delay', path: '/rest/api/3/myself', ms: 150 });
    const t0 = performance.now();
    const r = await call(`${jira}/rest/api/3/myself`, { headers: bearer(at) });
    expect(r.status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('reset fault makes fetch fail; malformed fault returns the given text', async () => {
    fake.inject({ kind: 'reset', path: '/oauth/token' });
    await expect(
      fetch(`${fake.url}/oauth/token`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }),
    ).rejects.toThrow();
    fake.inject({ kind: 'malformed', path: '/wiki/api/v2/spaces', body: '{"results": [' });
    const r = await call(`${wiki}/wiki/api/v2/spaces`, { headers: bearer(at) });
    expect(r.status).toBe(200);
    expect(r.text).toBe('{"results": [');
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(fake.requests.some((x) => x.path === '/oauth/token' && x.method === 'POST')).toBe(true);
  });

  it('records requests with path, query, headers and parsed body', async () => {
    await postJson(`${jira}/rest/api/3/search/jql?x=1`, { jql: 'project = ACME' }, bearer(at));
    const last = fake.requests.at(-1);
    expect(last).toMatchObject({
      method: 'POST',
      path: expect.stringMatching(/\/ex\/jira\/[^/]+\/rest\/api\/3\/search\/jql$/),
      body: { jql: 'project = ACME' },
    });
    expect(last?.query.get('x')).toBe('1');
    expect(last?.headers.authorization).toBe(`Bearer ${at}`);
    expect((await call(`${fake.url}/nowhere`)).status).toBe(404);
  });
});

describe('seed helpers and the validator itself', () => {
  it('makeIssues(n, key) seeds exactly n issues in one project', () => {
    const issues = makeIssues(50, 'BEN');
    expect(issues).toHaveLength(50);
    expect(new Set(issues.map((i) => i.key)).size).toBe(50);
    expect(issues.every((i) => i.projectKey === 'BEN' && i.key.startsWith('BEN-'))).toBe(true);
  });

  it('catches wrong bodies, queries and unknown paths', () => {
    expect(validateJiraResponse('GET', '/rest/api/3/search/jql', 200, { issues: 'x', isLast: true })).not.toEqual([]);
    expect(validateJiraResponse('GET', '/rest/api/3/search/jql', 200, { issues: [], isLast: 'yes' })).not.toEqual([]);
    expect(
      validateJiraResponse('GET', '/rest/api/3/search/jql', 200, { issues: [], isLast: true, total: 3 }),
    ).not.toEqual([]);
    expect(
      validateJiraResponse('GET', '/rest/api/3/project/search', 200, {
        values: [{ id: '1', projectTypeKey: 'bogus' }],
      }),
    ).not.toEqual([]);
    expect(validateJiraResponse('POST', '/rest/api/3/issue', 201, { id: 1, key: 'A-1' })).not.toEqual([]);
    expect(validateJiraRequestBody('POST', '/rest/api/3/search/jql', { jql: 'x', fields: 'summary' })).not.toEqual([]);
    expect(validateJiraQuery('GET', '/rest/api/3/search/jql', new URLSearchParams({ jql: 'x', startAt: '0' }))).toEqual(
      ['unknown query parameter "startAt"'],
    );
    expect(
      validateConfluenceResponse('GET', '/wiki/api/v2/spaces', 200, { results: [{ id: 1, type: 'team' }] }),
    ).not.toEqual([]);
    expect(validateConfluenceRequestBody('POST', '/wiki/api/v2/pages', { title: 'no space' })).not.toEqual([]);
    expect(validateJiraResponse('POST', '/oauth/token', 200, {})[0]).toMatch(/^not in spec/);
    expect(validateJiraResponse('GET', '/rest/api/3/search', 410, {})[0]).toMatch(/^status 410 not documented/);
  });
});
