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
    const body = (await list.json()) as { items: Array<{ connector: string; connected: boolean; auth_type: string; cloud_id: string }> };
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
