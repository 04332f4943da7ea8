import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';

describe('OAuth connect, end to end against the fake Atlassian', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake) });
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  it('stores Jira and Confluence connections for the tenant in the state and redirects to the frontend', async () => {
    const res = await connect(svc.url, fake, { tenant: 'acme' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://app.example/login?connected=jira');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const list = await fetch(`${svc.url}/connectors`, { headers: { 'x-tenant-id': 'acme' } });
    const body = (await list.json()) as {
      items: Array<{ connector: string; connected: boolean; auth_type: string; cloud_id: string }>;
    };
    expect(body.items.map((i) => [i.connector, i.connected, i.auth_type])).toEqual([
      ['jira', true, 'oauth'],
      ['confluence', true, 'oauth'],
    ]);
    expect(body.items[0]?.cloud_id).toBe(fake.sites[0]?.id);
    expect(fake.tokenGrants.authorizationCode).toBe(1);
  });

  it('rotate forces exactly one refresh and keeps the connection usable', async () => {
    const before = fake.tokenGrants.refresh;
    const res = await fetch(`${svc.url}/connectors/jira/connection`, {
      method: 'PATCH',
      headers: { 'x-tenant-id': 'acme', 'content-type': 'application/json' },
      body: JSON.stringify({ rotate: true }),
    });
    expect(res.status).toBe(200);
    expect(fake.tokenGrants.refresh).toBe(before + 1);
  });
});

describe('operations smoke', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake) });
    await connect(svc.url, fake, { tenant: 'acme' });
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });
  const get = async (path: string) => {
    const res = await fetch(`${svc.url}${path}`, { headers: { 'x-tenant-id': 'acme' } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${svc.url}${path}`, { method: 'POST', headers: { 'x-tenant-id': 'acme', 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  it('answers every operation', async () => {
    const projects = await get('/connectors/jira/projects?limit=2');
    expect(projects.status).toBe(200);
    const search = await get('/connectors/jira/search?q=cache&limit=5');
    expect(search.status, JSON.stringify(search.body)).toBe(200);
    expect((search.body['items'] as unknown[]).length).toBe(5);
    const created = await post('/connectors/jira/create', { project_key: fake.jira.projects[0]!.key, summary: 'Hello', description: '# Title\n\n**bold** text' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const spaces = await get('/connectors/confluence/spaces');
    expect(spaces.status, JSON.stringify(spaces.body)).toBe(200);
    const csearch = await get('/connectors/confluence/search?q=page');
    expect(csearch.status, JSON.stringify(csearch.body)).toBe(200);
    const page = await post('/connectors/confluence/create', { space_key: fake.confluence.spaces[0]!.key, title: 'New page', body: 'Hello *world*' });
    expect(page.status, JSON.stringify(page.body)).toBe(201);
    const tools = await get('/connectors/tools');
    expect((tools.body['tools'] as unknown[]).length).toBe(6);
    const invoked = await post('/connectors/tools/invoke', { tool: 'jira_search_issues', arguments: { q: 'cache', limit: 2 } });
    expect(invoked.status, JSON.stringify(invoked.body)).toBe(200);
  });
});
