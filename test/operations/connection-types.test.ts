/**
 * Every connection type reaches the right Atlassian address with the right credentials:
 * OAuth through the api.atlassian.com gateway, a Cloud API token (Basic) against the site,
 * a Data Center PAT (Bearer) against the server's /rest/api/2 with wiki markup. And a token
 * connection whose host is not public is refused before anything is sent.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import {
  API_TOKEN,
  API_TOKEN_EMAIL,
  PAT,
  apiRequests,
  client,
  expectError,
  loopbackHttp,
  qs,
  seedTokenConnection,
  type Client,
} from './support.js';

const SEARCH_FIELDS = 'summary,status,issuetype,assignee,updated';

describe('OAuth connections go through the gateway', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let api: Client;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake) });
    expect((await connect(svc.url, fake, { tenant: 'acme' })).status).toBe(302);
    api = client(svc.url, 'acme');
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  it('sends every operation to /ex/{product}/{cloudId} with the Bearer access token', async () => {
    const mark = fake.requests.length;
    const cloudId = fake.sites[0]!.id;
    expect((await api.get('/connectors/jira/projects')).status).toBe(200);
    expect((await api.get('/connectors/jira/search?q=cache')).status).toBe(200);
    expect((await api.post('/connectors/jira/create', { project_key: 'OPS', summary: 'S' })).status).toBe(201);
    expect((await api.get('/connectors/confluence/spaces')).status).toBe(200);
    expect((await api.get('/connectors/confluence/search?q=guide')).status).toBe(200);
    expect((await api.post('/connectors/confluence/create', { space_id: '98305', title: 'P', body: 'x' })).status).toBe(201);
    const reqs = apiRequests(fake, mark);
    expect(reqs.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /ex/jira/${cloudId}/rest/api/3/project/search`,
      `GET /ex/jira/${cloudId}/rest/api/3/search/jql`,
      // A create reads the project's create metadata first.
      `GET /ex/jira/${cloudId}/rest/api/3/issue/createmeta/OPS/issuetypes`,
      `GET /ex/jira/${cloudId}/rest/api/3/issue/createmeta/OPS/issuetypes/10001`,
      `POST /ex/jira/${cloudId}/rest/api/3/issue`,
      `GET /ex/confluence/${cloudId}/wiki/api/v2/spaces`,
      `GET /ex/confluence/${cloudId}/wiki/rest/api/search`,
      `POST /ex/confluence/${cloudId}/wiki/api/v2/pages`,
    ]);
    for (const r of reqs) {
      expect(r.headers.authorization).toMatch(/^Bearer fake-at-/);
      expect(r.headers.accept).toBe('application/json');
    }
  });
});

describe('Cloud API token connections (Basic) against the site URL', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let api: Client;
  let mark = 0;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ overrides: { atlassianHttp: loopbackHttp() } });
    await seedTokenConnection(svc, fake, { tenant: 'tok', connector: 'jira', kind: 'api_token' });
    await seedTokenConnection(svc, fake, { tenant: 'tok', connector: 'confluence', kind: 'api_token' });
    api = client(svc.url, 'tok');
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });
  beforeEach(() => {
    mark = fake.requests.length;
  });
  const sent = () => apiRequests(fake, mark);
  const basic = `Basic ${Buffer.from(`${API_TOKEN_EMAIL}:${API_TOKEN}`).toString('base64')}`;

  it('lists projects from {site}/rest/api/3/project/search with links on the site', async () => {
    const res = await api.get('/connectors/jira/projects?limit=2');
    expect(res.status, res.text).toBe(200);
    expect(res.body.items[0]).toEqual({ id: '10000', key: 'ACME', name: 'Acme Platform', url: `${fake.url}/browse/ACME` });
    expect(sent().map((r) => `${r.method} ${r.path}`)).toEqual(['GET /rest/api/3/project/search']);
    expect(sent()[0]?.headers.authorization).toBe(basic);
  });

  it('searches {site}/rest/api/3/search/jql and creates on {site}/rest/api/3/issue with ADF', async () => {
    const search = await api.get('/connectors/jira/search?q=cache&limit=2');
    expect(search.status, search.text).toBe(200);
    expect(search.body.items).toHaveLength(2);
    expect(search.body.items[0].url).toBe(`${fake.url}/browse/${search.body.items[0].key as string}`);
    const created = await api.post('/connectors/jira/create', { project_key: 'OPS', summary: 'Token issue', description: 'Hello **there**' });
    expect(created.status, created.text).toBe(201);
    expect(created.body.url).toBe(`${fake.url}/browse/${created.body.key as string}`);
    // The create metadata is read before the create (and then cached).
    const reqs = sent().filter((r) => !r.path.includes('/issue/createmeta/'));
    expect(sent().map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /rest/api/3/search/jql',
      'GET /rest/api/3/issue/createmeta/OPS/issuetypes',
      'GET /rest/api/3/issue/createmeta/OPS/issuetypes/10001',
      'POST /rest/api/3/issue',
    ]);
    expect(reqs[0]?.query.get('jql')).toBe('text ~ "cache" ORDER BY updated DESC');
    expect(reqs[1]?.body).toEqual({
      fields: {
        project: { key: 'OPS' },
        summary: 'Token issue',
        issuetype: { name: 'Task' },
        description: {
          type: 'doc',
          version: 1,
          content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Hello ' }, { type: 'text', text: 'there', marks: [{ type: 'strong' }] }] }],
        },
      },
    });
    for (const r of reqs) expect(r.headers.authorization).toBe(basic);
  });

  it('reaches Confluence on {site}/wiki/... with Basic', async () => {
    expect((await api.get('/connectors/confluence/spaces')).status).toBe(200);
    const hits = await api.get('/connectors/confluence/search?q=runbook&limit=1');
    expect(hits.status, hits.text).toBe(200);
    expect(hits.body.items[0].url).toMatch(new RegExp(`^${fake.url}/wiki/spaces/`));
    expect((await api.post('/connectors/confluence/create', { space_key: 'OPS', title: 'Token page', body: 'x' })).status).toBe(201);
    expect(sent().map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /wiki/api/v2/spaces',
      'GET /wiki/rest/api/search',
      'GET /wiki/api/v2/spaces',
      'POST /wiki/api/v2/pages',
    ]);
    for (const r of sent()) expect(r.headers.authorization).toBe(basic);
  });

  it('a rejected API token is 401 TOKEN_EXPIRED without any refresh', async () => {
    const grants = fake.tokenGrants.refresh;
    fake.apiTokens.set(API_TOKEN_EMAIL, 'rotated-elsewhere');
    try {
      expectError(await api.get('/connectors/jira/projects'), 401, 'TOKEN_EXPIRED');
    } finally {
      fake.apiTokens.set(API_TOKEN_EMAIL, API_TOKEN);
    }
    expect(fake.tokenGrants.refresh).toBe(grants);
    expect(sent()).toHaveLength(1);
  });
});

describe('Data Center PAT connections (Bearer) against the base URL, /rest/api/2', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let api: Client;
  let mark = 0;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ overrides: { atlassianHttp: loopbackHttp() } });
    await seedTokenConnection(svc, fake, { tenant: 'dc', connector: 'jira', kind: 'pat' });
    api = client(svc.url, 'dc');
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });
  beforeEach(() => {
    mark = fake.requests.length;
  });
  const sent = () => apiRequests(fake, mark);

  it('lists projects from /rest/api/2/project and pages them locally', async () => {
    const keys: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 5; i += 1) {
      const res = await api.get(`/connectors/jira/projects${qs({ limit: 1, cursor })}`);
      expect(res.status, res.text).toBe(200);
      keys.push(...(res.body.items as Array<{ key: string }>).map((p) => p.key));
      if (res.body.next_cursor === null) break;
      cursor = res.body.next_cursor as string;
    }
    expect(keys).toEqual(['ACME', 'OPS', 'WEB']);
    expect(new Set(sent().map((r) => `${r.method} ${r.path}`))).toEqual(new Set(['GET /rest/api/2/project']));
    for (const r of sent()) expect(r.headers.authorization).toBe(`Bearer ${PAT}`);
    const filtered = await api.get('/connectors/jira/projects?query=web');
    expect(filtered.body).toEqual({ items: [{ id: '10002', key: 'WEB', name: 'Website Redesign', url: `${fake.url}/browse/WEB` }], next_cursor: null });
  });

  it('searches /rest/api/2/search with startAt paging over every match exactly once', async () => {
    const jql = 'project = "OPS" ORDER BY key ASC';
    const keys: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i += 1) {
      const res = await api.get(`/connectors/jira/search${qs({ jql, limit: 15, cursor })}`);
      expect(res.status, res.text).toBe(200);
      keys.push(...(res.body.items as Array<{ key: string }>).map((p) => p.key));
      if (res.body.next_cursor === null) break;
      cursor = res.body.next_cursor as string;
    }
    const ops = fake.jira.issues.filter((i) => i.projectKey === 'OPS').map((i) => i.key);
    expect(keys).toEqual(ops);
    const reqs = sent();
    expect(reqs.every((r) => r.method === 'GET' && r.path === '/rest/api/2/search')).toBe(true);
    expect(reqs.map((r) => r.query.get('startAt'))).toEqual(['0', '15', '30']);
    expect(reqs.every((r) => r.query.get('jql') === jql && r.query.get('fields') === SEARCH_FIELDS)).toBe(true);
    const q = await api.get('/connectors/jira/search?q=cache&limit=1');
    expect(q.status, q.text).toBe(200);
    expect(apiRequests(fake, mark + reqs.length)[0]?.query.get('jql')).toBe('text ~ "cache" ORDER BY updated DESC');
  });

  it('creates on /rest/api/2/issue with the description as wiki markup', async () => {
    const res = await api.post('/connectors/jira/create', {
      project_key: 'WEB',
      summary: 'DC issue',
      description: '# Title\n\nSome **bold** and a [link](https://example.com).\n\n- a\n- b',
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.url).toBe(`${fake.url}/browse/${res.body.key as string}`);
    const reqs = sent().filter((r) => !r.path.includes('/issue/createmeta/'));
    expect(sent().map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /rest/api/2/issue/createmeta/WEB/issuetypes',
      'GET /rest/api/2/issue/createmeta/WEB/issuetypes/10001',
      'POST /rest/api/2/issue',
    ]);
    expect(reqs[0]?.headers.authorization).toBe(`Bearer ${PAT}`);
    expect(reqs[0]?.body).toEqual({
      fields: {
        project: { key: 'WEB' },
        summary: 'DC issue',
        issuetype: { name: 'Task' },
        description: 'h1. Title\n\nSome *bold* and a [link|https://example.com].\n\n* a\n* b',
      },
    });
  });

  it('refuses description_adf on Data Center with 400 and sends nothing', async () => {
    const res = await api.post('/connectors/jira/create', {
      project_key: 'WEB',
      summary: 'x',
      description_adf: { type: 'doc', version: 1, content: [] },
    });
    expectError(res, 400, 'VALIDATION');
    expect(sent()).toEqual([]);
  });
});

describe('token connections to non-public hosts are refused', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  const delays: number[] = [];
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({
      overrides: {
        retrySleep: async (ms) => {
          delays.push(ms);
        },
      },
    });
    // A host name that resolves to loopback, and a loopback IP literal (which skips the
    // lookup and is refused by the request hook instead).
    const siteUrl = fake.url.replace('127.0.0.1', 'localhost');
    await seedTokenConnection(svc, fake, { tenant: 'tok', connector: 'jira', kind: 'api_token', siteUrl });
    await seedTokenConnection(svc, fake, { tenant: 'tok', connector: 'confluence', kind: 'api_token', siteUrl });
    await seedTokenConnection(svc, fake, { tenant: 'dc', connector: 'jira', kind: 'pat', siteUrl });
    await seedTokenConnection(svc, fake, { tenant: 'ip', connector: 'jira', kind: 'api_token', siteUrl: fake.url });
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  it.each([
    ['API token, Jira', 'tok', 'GET', '/connectors/jira/projects', undefined],
    ['API token, Confluence', 'tok', 'GET', '/connectors/confluence/spaces', undefined],
    ['PAT, search', 'dc', 'GET', '/connectors/jira/search?q=x', undefined],
    ['PAT, create', 'dc', 'POST', '/connectors/jira/create', { project_key: 'OPS', summary: 'x' }],
    ['API token, loopback IP literal', 'ip', 'GET', '/connectors/jira/projects', undefined],
    // The proxy goes through the same pinned client: a caller's path never reaches a private address.
    ['API token, Jira proxy', 'tok', 'GET', '/connectors/jira/proxy/rest/api/3/myself', undefined],
    ['API token, Confluence proxy', 'tok', 'GET', '/connectors/confluence/proxy/wiki/api/v2/spaces', undefined],
    ['PAT, proxy POST', 'dc', 'POST', '/connectors/jira/proxy/rest/api/2/issue', { fields: { summary: 'x' } }],
    ['API token, loopback IP literal, proxy', 'ip', 'GET', '/connectors/jira/proxy/rest/api/3/myself', undefined],
  ])('%s: 400 VALIDATION, nothing reaches the fake, no retries', async (_name, tenant, method, path, body) => {
    const mark = fake.requests.length;
    delays.length = 0;
    const api = client(svc.url, tenant);
    const res = method === 'GET' ? await api.get(path) : await api.post(path, body);
    const err = expectError(res, 400, 'VALIDATION');
    expect(err.message).toMatch(/non-public/);
    expect(fake.requests.length).toBe(mark);
    expect(delays).toEqual([]);
  });
});
