/**
 * Drift check against Atlassian's official OpenAPI documents: run every operation route
 * (OAuth mode) and validate EVERY request that reached the fake Jira/Confluence APIs
 * (query parameters and JSON bodies), and every success answer the service received
 * (captured by a recording proxy in front of the fake's API gateway).
 *
 * Only v1 Confluence search and the OAuth endpoints are outside the specs; the test
 * asserts they are the only requests it skips.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import {
  validateConfluenceQuery,
  validateConfluenceRequestBody,
  validateConfluenceResponse,
  validateJiraQuery,
  validateJiraRequestBody,
  validateJiraResponse,
} from '../support/openapi-validator.js';
import { startTestService, type TestService } from '../support/service.js';
import { expectTrafficConforms } from '../support/spec-traffic.js';
import { client, qs, type Client } from './support.js';

interface Exchange {
  method: string;
  path: string;
  status: number;
  body: unknown;
}

/** Forwards everything to `target` and records each answer. */
async function startRecordingProxy(target: string): Promise<{ url: string; exchanges: Exchange[]; close: () => Promise<void> }> {
  const exchanges: Exchange[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', target);
      const upstream = http.request(url, { method: req.method, headers: { ...req.headers, host: url.host } }, (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (c: Buffer) => parts.push(c));
        answer.on('end', () => {
          const buf = Buffer.concat(parts);
          let body: unknown;
          try {
            body = JSON.parse(buf.toString('utf8'));
          } catch {
            body = buf.toString('utf8');
          }
          exchanges.push({ method: req.method ?? 'GET', path: url.pathname, status: answer.statusCode ?? 0, body });
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(buf);
        });
      });
      upstream.on('error', () => res.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exchanges,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const JIRA = /^\/ex\/jira\/[^/]+\/rest\/api\/3\//;
const CONFLUENCE_V2 = /^\/ex\/confluence\/[^/]+\/wiki\/api\/v2\//;
const CONFLUENCE_V1_SEARCH = /^\/ex\/confluence\/[^/]+\/wiki\/rest\/api\/search$/;
const OAUTH = /^\/oauth\/token(\/accessible-resources)?$/;

describe('requests and answers conform to the official Atlassian specs', () => {
  let fake: FakeAtlassian;
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
  let svc: TestService;
  let api: Client;

  beforeAll(async () => {
    fake = await startFakeAtlassian();
    proxy = await startRecordingProxy(fake.url);
    svc = await startTestService({ env: oauthEnv(fake, { ATLASSIAN_API_BASE_URL: proxy.url }) });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
    api = client(svc.url, 'acme');
  });
  afterAll(async () => {
    await svc.close();
    await proxy.close();
    await fake.close();
  });

  it('every Jira/Confluence request and success answer validates', async () => {
    const ok = async (p: Promise<{ status: number; text: string; body: { next_cursor?: string | null } }>, status = 200) => {
      const res = await p;
      expect(res.status, res.text).toBe(status);
      return res.body;
    };
    // Jira
    const projects = await ok(api.get('/connectors/jira/projects?limit=1&query=a'));
    await ok(api.get(`/connectors/jira/projects${qs({ limit: 1, query: 'a', cursor: projects.next_cursor ?? undefined })}`));
    await ok(api.get('/connectors/jira/projects'));
    const search = await ok(api.get(`/connectors/jira/search${qs({ q: 'cache "quoted" \\ x', limit: 2 })}`));
    expect(search.next_cursor).toBeNull();
    const bounded = await ok(api.get(`/connectors/jira/search${qs({ jql: 'project = "OPS" ORDER BY key ASC', limit: 10 })}`));
    await ok(api.get(`/connectors/jira/search${qs({ jql: 'project = "OPS" ORDER BY key ASC', limit: 10, cursor: bounded.next_cursor ?? undefined })}`));
    await ok(api.get(`/connectors/jira/search${qs({ q: 'cache', project: 'WEB' })}`));
    const me = (await ok(api.get('/connectors/jira/myself'))) as { account_id?: string };
    await ok(
      api.post('/connectors/jira/create', {
        project_key: 'OPS',
        summary: 'Spec check',
        issue_type: 'Bug',
        description: '# Heading\n\nSome **bold**, `code`, ~~gone~~ and a [link](https://example.com).\n\n1. one\n2. two\n\n> quoted\n\n---\n\n```js\nx()\n```',
        labels: ['spec', 'check'],
        priority: 'High',
        assignee: me.account_id,
        components: ['Backend'],
        due_date: '2026-12-24',
        fields: { customfield_10030: { id: '10101' } },
      }),
      201,
    );
    await ok(
      api.post('/connectors/jira/create', {
        project_key: 'WEB',
        summary: 'Own ADF',
        description_adf: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'as is' }] }] },
      }),
      201,
    );
    // Worklogs (and Jira's 404 for an issue that does not exist)
    const worklogs = await ok(api.get('/connectors/jira/issues/OPS-2/worklogs?limit=2'));
    await ok(api.get(`/connectors/jira/issues/OPS-2/worklogs${qs({ limit: 2, cursor: worklogs.next_cursor ?? undefined })}`));
    await ok(api.post('/connectors/jira/issues/OPS-2/worklogs', { time_spent: '1h 30m', started: '2026-12-01T10:00:00+01:00', comment: 'Spec **check**' }), 201);
    expect((await api.get('/connectors/jira/issues/OPS-999/worklogs')).status).toBe(404);
    // Confluence
    const spaces = await ok(api.get('/connectors/confluence/spaces?limit=1'));
    await ok(api.get(`/connectors/confluence/spaces${qs({ limit: 1, cursor: spaces.next_cursor ?? undefined })}`));
    const hits = await ok(api.get(`/connectors/confluence/search${qs({ q: 'guide', limit: 2 })}`));
    await ok(api.get(`/connectors/confluence/search${qs({ q: 'guide', limit: 2, cursor: hits.next_cursor ?? undefined })}`));
    await ok(api.get(`/connectors/confluence/search${qs({ q: 'runbook', space: 'OPS' })}`));
    await ok(api.get(`/connectors/confluence/search${qs({ cql: 'type = page' })}`));
    await ok(api.post('/connectors/confluence/create', { space_key: 'ENG', title: 'Spec page', body: '# Title\n\n- a\n- **b**' }), 201);
    await ok(
      api.post('/connectors/confluence/create', { space_id: '98306', parent_id: '98311', title: 'Spec storage', body: '<p>raw</p>', body_format: 'storage' }),
      201,
    );
    await ok(
      api.post('/connectors/confluence/create', {
        space_id: '98305',
        title: 'Spec ADF',
        body: JSON.stringify({ type: 'doc', version: 1, content: [] }),
        body_format: 'atlas_doc_format',
      }),
      201,
    );
    // Tools
    await ok(api.post('/connectors/tools/invoke', { tool: 'jira_search_issues', arguments: { q: 'login', limit: 3 } }));
    await ok(api.post('/connectors/tools/invoke', { tool: 'confluence_list_spaces', arguments: {} }));

    // Requests
    const problems: string[] = [];
    const skipped = new Set<string>();
    const validated = new Set<string>();
    for (const r of fake.requests) {
      const where = `${r.method} ${r.path}?${r.query.toString()}`;
      if (JIRA.test(r.path)) {
        validated.add(`${r.method} ${r.path.replace(/^\/ex\/jira\/[^/]+/, '')}`);
        problems.push(...validateJiraQuery(r.method, r.path, r.query).map((e) => `${where}: ${e}`));
        problems.push(...validateJiraRequestBody(r.method, r.path, r.body).map((e) => `${where} body: ${e}`));
      } else if (CONFLUENCE_V2.test(r.path)) {
        validated.add(`${r.method} ${r.path.replace(/^\/ex\/confluence\/[^/]+/, '')}`);
        problems.push(...validateConfluenceQuery(r.method, r.path, r.query).map((e) => `${where}: ${e}`));
        problems.push(...validateConfluenceRequestBody(r.method, r.path, r.body).map((e) => `${where} body: ${e}`));
      } else if (CONFLUENCE_V1_SEARCH.test(r.path)) {
        skipped.add(`${r.method} /wiki/rest/api/search`);
      } else if (OAUTH.test(r.path)) {
        skipped.add(`${r.method} ${r.path}`);
      } else {
        problems.push(`${where}: neither validated nor an allowed exception`);
      }
    }
    expect(problems).toEqual([]);
    expect([...skipped].sort()).toEqual(['GET /oauth/token/accessible-resources', 'GET /wiki/rest/api/search', 'POST /oauth/token']);
    expect([...validated].sort()).toEqual([
      'GET /rest/api/3/issue/OPS-2/worklog',
      'GET /rest/api/3/issue/OPS-999/worklog',
      // A create reads the project's create metadata first (issue types, then the type's fields).
      'GET /rest/api/3/issue/createmeta/OPS/issuetypes',
      'GET /rest/api/3/issue/createmeta/OPS/issuetypes/10002',
      'GET /rest/api/3/issue/createmeta/WEB/issuetypes',
      'GET /rest/api/3/issue/createmeta/WEB/issuetypes/10001',
      'GET /rest/api/3/myself',
      'GET /rest/api/3/project/search',
      'GET /rest/api/3/search/jql',
      'GET /wiki/api/v2/spaces',
      'POST /rest/api/3/issue',
      'POST /rest/api/3/issue/OPS-2/worklog',
      'POST /wiki/api/v2/pages',
    ]);

    // Success answers the service received through the gateway
    let checked = 0;
    for (const x of proxy.exchanges) {
      if (x.status < 200 || x.status > 299) continue;
      const where = `${x.method} ${x.path} -> ${x.status}`;
      if (JIRA.test(x.path)) problems.push(...validateJiraResponse(x.method, x.path, x.status, x.body).map((e) => `${where}: ${e}`));
      else if (CONFLUENCE_V2.test(x.path)) problems.push(...validateConfluenceResponse(x.method, x.path, x.status, x.body).map((e) => `${where}: ${e}`));
      else continue;
      checked += 1;
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(15);
    expect(proxy.exchanges.some((x) => x.path.endsWith('/rest/api/3/search') )).toBe(false);
  });

  it('the Confluence page operations (v2, and v1 for page reads, descendants, label writes and uploads) send and get what the documents say, the 409 of a stale version included', async () => {
    const mark = fake.requests.length;
    const ok = async (p: Promise<{ status: number; text: string; body: { next_cursor?: string | null; id?: string } }>, status = 200) => {
      const res = await p;
      expect(res.status, res.text).toBe(status);
      return res.body;
    };
    await ok(api.get('/connectors/confluence/pages/1000007'));
    await ok(api.get('/connectors/confluence/pages/1000001?format=adf'));
    await ok(api.get(`/connectors/confluence/pages${qs({ space_key: 'ENG', title: 'Onboarding guide 1' })}`));
    await ok(api.patch('/connectors/confluence/pages/1000013', { title: 'Spec update', body: '# H\n\ntext', version: 1, version_message: 'spec', minor_edit: true }));
    expect((await api.patch('/connectors/confluence/pages/1000013', { body: 'stale', version: 1 })).status).toBe(409);
    fake.inject({ kind: 'status', path: '/wiki/api/v2/pages/1000016', method: 'PUT', status: 409, body: { errors: [{ status: 409, code: 'CONFLICT', title: 'Version must be incremented on update.', detail: null }] } });
    expect((await api.post('/connectors/confluence/pages/1000016/append', { markdown: 'more' })).status).toBe(409);
    await ok(api.post('/connectors/confluence/pages/1000016/append', { markdown: 'more' }));
    // Someone saves the page while our PUT is on its way: Confluence's (the fake's) own 409.
    fake.inject({ kind: 'delay', path: '/wiki/api/v2/pages/1000019', method: 'PUT', ms: 300 });
    const racing = api.patch('/connectors/confluence/pages/1000019', { body: 'mine' });
    while (!fake.requests.some((r) => r.method === 'PUT' && r.path.endsWith('/pages/1000019'))) await new Promise((r) => setTimeout(r, 10));
    fake.confluenceContent.detail('1000019')!.version = 4;
    const raced = await racing;
    expect(raced.status, raced.text).toBe(409);
    expect(raced.body).toMatchObject({ code: 'CONFLICT', details: { current_version: '4' } });
    await ok(api.get('/connectors/confluence/pages/1000001/children?limit=1'));
    await ok(api.get('/connectors/confluence/pages/1000001/descendants?depth=3&limit=1'));
    await ok(api.get('/connectors/confluence/pages/1000007/ancestors'));
    await ok(api.post('/connectors/confluence/pages/1000010/move', { parent_id: '1000001' }));
    const comment = await ok(api.post('/connectors/confluence/pages/1000001/comments', { body: 'A **comment**' }), 201);
    await ok(api.post(`/connectors/confluence/comments/${comment.id ?? ''}/replies`, { body: 'A reply' }), 201);
    await ok(api.get('/connectors/confluence/pages/1000001/comments'));
    await ok(api.get('/connectors/confluence/pages/1000001/labels'));
    await ok(api.post('/connectors/confluence/pages/1000001/labels', { labels: ['spec'] }));
    await ok(api.delete('/connectors/confluence/pages/1000001/labels/spec'), 204);
    await ok(api.get('/connectors/confluence/pages/1000001/attachments'));
    await ok(api.post('/connectors/tools/invoke', { tool: 'confluence_add_attachment', arguments: { page: '1000001', filename: 'spec.txt', content_base64: 'aGk=' } }));
    await ok(api.get('/connectors/confluence/spaces/ENG'));
    await ok(api.get(`/connectors/confluence/search${qs({ q: 'guide', type: 'page', space: 'ENG' })}`));
    await ok(api.delete('/connectors/confluence/pages/1000028'), 204);
    const report = expectTrafficConforms(fake.requests.slice(mark));
    expect([...report.validated].sort()).toEqual([
      'DELETE /pages/{id}',
      'DELETE /wiki/rest/api/content/{id}/label/{label}',
      'GET /pages',
      'GET /pages/{id}',
      'GET /pages/{id}/ancestors',
      'GET /pages/{id}/attachments',
      'GET /pages/{id}/children',
      'GET /pages/{id}/footer-comments',
      'GET /pages/{id}/labels',
      'GET /footer-comments/{comment-id}',
      'GET /spaces',
      'GET /spaces/{id}',
      'GET /wiki/rest/api/content/{id}',
      'GET /wiki/rest/api/content/{id}/descendant/{type}',
      'GET /wiki/rest/api/search',
      'POST /footer-comments',
      'POST /wiki/rest/api/content/{id}/child/attachment',
      'POST /wiki/rest/api/content/{id}/label',
      'PUT /pages/{id}',
    ].sort());
    // Confluence's own 409 for a stale version, held to the document (as its 400, see ERRATA).
    expect(fake.requests.slice(mark).some((r) => r.method === 'PUT' && r.response?.status === 409 && !r.faulted)).toBe(true);
  });

  it("holds every request and every answer of the fake's own (errors too) to the documents, v1 search included", () => {
    const report = expectTrafficConforms(fake.requests);
    expect([...report.skipped].sort()).toEqual(['GET /oauth/token/accessible-resources', 'POST /oauth/token']);
    expect(report.validated).toContain('GET /wiki/rest/api/search');
  });

  it('the Jira dynamic webhook calls (register, refresh, list, delete) and the fake\'s answers conform to the Jira platform document', async () => {
    const mark = fake.requests.length;
    const { accessToken } = fake.issueTokens({ scopes: ['read:jira-work', 'manage:jira-webhook'] });
    const base = `${fake.url}/ex/jira/${fake.sites[0]!.id}/rest/api/3/webhook`;
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expect(res.status, `${method} ${path}`).toBeLessThan(300);
      const text = await res.text();
      return text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
    };
    // What the service sends (src/adapters/undici/undici-inbound-gateway.ts), and the list it never needs but the fake offers.
    const registered = await call('POST', '', {
      url: 'https://integration.example/webhooks/jira',
      webhooks: [{ events: ['jira:issue_created', 'jira:issue_updated', 'jira:issue_deleted', 'comment_created', 'comment_updated', 'comment_deleted'], jqlFilter: 'project in ("ACME", "OPS")' }],
    });
    const id = (registered?.['webhookRegistrationResult'] as Array<{ createdWebhookId: number }>)[0]!.createdWebhookId;
    await call('PUT', '/refresh', { webhookIds: [id] });
    await call('GET', '?startAt=0&maxResults=50');
    await call('DELETE', '', { webhookIds: [id] });
    const report = expectTrafficConforms(fake.requests.slice(mark));
    expect([...report.validated].sort()).toEqual(['DELETE /rest/api/3/webhook', 'GET /rest/api/3/webhook', 'POST /rest/api/3/webhook', 'PUT /rest/api/3/webhook/refresh']);
  });

  it('the validator does catch drift (a removed endpoint, an unknown parameter, a bad body)', () => {
    expect(validateJiraQuery('GET', '/rest/api/3/search/jql', new URLSearchParams({ jql: 'x', startAt: '5' }))).not.toEqual([]);
    expect(validateJiraRequestBody('POST', '/rest/api/3/issue', { fields: 'nope' })).not.toEqual([]);
    expect(validateConfluenceRequestBody('POST', '/wiki/api/v2/pages', { spaceId: 1, body: { representation: 'html', value: 'x' } })).not.toEqual([]);
    expect(validateConfluenceQuery('GET', '/wiki/api/v2/spaces', new URLSearchParams({ spaceKey: 'ENG' }))).not.toEqual([]);
  });
});
