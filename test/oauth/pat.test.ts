/**
 * API token / personal access token connections (ENABLE_JIRA_PAT): saved only after one
 * /myself check, refused for base URLs that must not receive a token (with the real
 * DnsSiteUrlGuard), for tokens Atlassian rejects, and for redirects, with nothing stored.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { expectErrorResponse } from '../support/http.js';
import { loopbackHttp } from '../operations/support.js';
import { startTestService, type TestService } from '../support/service.js';
import { connectionOf, patchConnection, permissiveGuard } from './support.js';

const myselfCalls = (fake: FakeAtlassian) => fake.requests.filter((r) => /\/rest\/api\/[23]\/myself$/.test(r.path));

async function expectNothingStored(svc: TestService, tenant: string): Promise<void> {
  const conn = await connectionOf(svc.url, tenant, 'jira');
  expect(conn.connected).toBe(false);
  expect(conn.status).toBe('not_connected');
}

describe('PAT / API token connections with a guard that admits the fake', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: { ENABLE_JIRA_PAT: 'true' }, overrides: { siteUrlGuard: permissiveGuard, atlassianHttp: loopbackHttp() } });
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  it('{pat, base_url, email} saves an api_token connection after one Basic /rest/api/3/myself call', async () => {
    const token = 'ATATT3xFfGF0-api-token-0123456789';
    fake.apiTokens.set('mia@example.com', token);
    const before = myselfCalls(fake).length;
    const res = await patchConnection(svc.url, 'pat-cloud', { pat: token, base_url: `${fake.url}/`, email: 'mia@example.com' });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(token);
    const view = JSON.parse(text) as { connected: boolean; auth_type: string; status: string; site_url: string; cloud_id: string | null };
    expect(view).toMatchObject({ connected: true, auth_type: 'api_token', status: 'active', site_url: fake.url, cloud_id: null });
    const calls = myselfCalls(fake).slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.path).toBe('/rest/api/3/myself');
    expect(calls[0]!.headers.authorization).toBe(`Basic ${Buffer.from(`mia@example.com:${token}`).toString('base64')}`);
    expect((await connectionOf(svc.url, 'pat-cloud', 'jira')).auth_type).toBe('api_token');
  });

  it('Confluence: {pat, base_url, email} saves an api_token connection after one Basic v2 spaces call, and it works', async () => {
    const token = 'ATATT3xFfGF0-confluence-token-0123456789';
    fake.apiTokens.set('noah@example.com', token);
    const mark = fake.requests.length;
    const res = await patchConnection(svc.url, 'conf-cloud', { pat: token, base_url: fake.url, email: 'noah@example.com' }, 'confluence');
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({ connector: 'confluence', connected: true, auth_type: 'api_token', site_url: fake.url });
    const checks = fake.requests.slice(mark);
    expect(checks.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /wiki/api/v2/spaces']);
    expect(checks[0]!.headers.authorization).toBe(`Basic ${Buffer.from(`noah@example.com:${token}`).toString('base64')}`);
    const spaces = await fetch(`${svc.url}/connectors/confluence/spaces`, { headers: { 'x-tenant-id': 'conf-cloud' } });
    expect(spaces.status).toBe(200);
    expect(((await spaces.json()) as { items: unknown[] }).items.length).toBeGreaterThan(0);
  });

  it('Confluence refuses a Data Center PAT (no email) with 400 and stores nothing', async () => {
    const mark = fake.requests.length;
    const res = await patchConnection(svc.url, 'conf-dc', { pat: 'some-pat', base_url: fake.url }, 'confluence');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toContain('Cloud API token');
    expect(fake.requests.length).toBe(mark);
    expect((await connectionOf(svc.url, 'conf-dc', 'confluence')).connected).toBe(false);
  });

  it('{pat, base_url} saves a Data Center pat connection after one Bearer /rest/api/2/myself call', async () => {
    const pat = 'NjM2ODk4-data-center-pat-0123456789';
    fake.pats.add(pat);
    const before = myselfCalls(fake).length;
    const res = await patchConnection(svc.url, 'pat-dc', { pat, base_url: fake.url });
    expect(res.status).toBe(200);
    const view = (await res.json()) as { auth_type: string; site_url: string };
    expect(view.auth_type).toBe('pat');
    expect(view.site_url).toBe(fake.url);
    const calls = myselfCalls(fake).slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.path).toBe('/rest/api/2/myself');
    expect(calls[0]!.headers.authorization).toBe(`Bearer ${pat}`);
  });

  it('a token Atlassian rejects -> 400, nothing stored', async () => {
    const before = myselfCalls(fake).length;
    const dc = await patchConnection(svc.url, 'pat-bad', { pat: 'not-a-valid-pat', base_url: fake.url });
    const body = await expectErrorResponse(dc, 400, 'VALIDATION');
    expect(body.message).toContain('rejected the token');
    expect(body.message).not.toContain('not-a-valid-pat');
    const cloud = await patchConnection(svc.url, 'pat-bad', { pat: 'wrong-api-token', base_url: fake.url, email: 'nobody@example.com' });
    await expectErrorResponse(cloud, 400, 'VALIDATION');
    expect(myselfCalls(fake).length - before).toBe(2);
    await expectNothingStored(svc, 'pat-bad');
  });

  it('a base_url that redirects is not followed: 400, nothing stored, the target never sees the token', async () => {
    const pat = 'redirected-pat-0123456789';
    fake.pats.add(pat);
    fake.apiTokens.set('mia@example.com', pat);
    const hits: string[] = [];
    const redirector = http.createServer((req, res) => {
      hits.push(req.url ?? '');
      res.writeHead(302, { location: `${fake.url}${req.url ?? '/'}` });
      res.end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', () => resolve()));
    const base = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}`;
    try {
      const before = myselfCalls(fake).length;
      const dc = await patchConnection(svc.url, 'pat-redirect', { pat, base_url: base });
      const body = await expectErrorResponse(dc, 400, 'VALIDATION');
      expect(body.message).toContain('redirects');
      const cloud = await patchConnection(svc.url, 'pat-redirect', { pat, base_url: base, email: 'mia@example.com' });
      await expectErrorResponse(cloud, 400, 'VALIDATION');
      expect(hits).toEqual(['/rest/api/2/myself', '/rest/api/3/myself']);
      expect(myselfCalls(fake).length).toBe(before);
      await expectNothingStored(svc, 'pat-redirect');
    } finally {
      await new Promise<void>((resolve) => redirector.close(() => resolve()));
    }
  });

  it('base_url is required with pat', async () => {
    const res = await patchConnection(svc.url, 'pat-nobase', { pat: 'x-0123456789' });
    const body = await expectErrorResponse(res, 400, 'VALIDATION');
    expect(body.message).toContain('base_url');
    await expectNothingStored(svc, 'pat-nobase');
  });
});

describe('PAT base_url refused by the real DnsSiteUrlGuard', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    // localhost is "allowed" by name, so the address check has to catch it.
    svc = await startTestService({ env: { ENABLE_JIRA_PAT: 'true', ALLOWED_ATLASSIAN_HOSTS: 'localhost' } });
    fake.pats.add('valid-pat-0123456789');
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  it.each([
    ['http://', 'http://acme.atlassian.net'],
    ['the fake itself (http, IP literal)', 'FAKE'],
    ['loopback by name', 'https://localhost'],
    ['loopback IP', 'https://127.0.0.1'],
    ['10.x', 'https://10.0.0.5'],
    ['cloud metadata', 'https://169.254.169.254'],
    ['IPv6 loopback', 'https://[::1]'],
    ['a public IP literal', 'https://93.184.216.34'],
    ['a host not allowed', 'https://jira.evil.example'],
    ['a look-alike host', 'https://acme.atlassian.net.evil.example'],
    ['userinfo', 'https://user:secret@acme.atlassian.net'],
    ['empty userinfo', 'https://@acme.atlassian.net'],
  ])('%s -> 400, nothing stored, no token sent', async (_why, raw) => {
    const baseUrl = raw === 'FAKE' ? fake.url : raw;
    const before = fake.requests.length;
    const res = await patchConnection(svc.url, 'guarded', { pat: 'valid-pat-0123456789', base_url: baseUrl });
    const body = await expectErrorResponse(res, 400, 'VALIDATION');
    expect(body.message).toContain('base_url');
    expect(body.message).not.toContain('valid-pat');
    expect(fake.requests.length).toBe(before);
    await expectNothingStored(svc, 'guarded');
  });
});

describe('PAT disabled', () => {
  it('ENABLE_JIRA_PAT unset -> 403 FORBIDDEN, nothing stored', async () => {
    const fake = await startFakeAtlassian();
    const svc = await startTestService({ overrides: { siteUrlGuard: permissiveGuard, atlassianHttp: loopbackHttp() } });
    try {
      fake.pats.add('valid-pat-0123456789');
      const res = await patchConnection(svc.url, 'off', { pat: 'valid-pat-0123456789', base_url: fake.url });
      const body = await expectErrorResponse(res, 403, 'FORBIDDEN');
      expect(body.message).toContain('ENABLE_JIRA_PAT');
      expect(fake.requests).toHaveLength(0);
      await expectNothingStored(svc, 'off');
    } finally {
      await svc.close();
      await fake.close();
    }
  });
});
