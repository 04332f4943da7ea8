import * as E from 'fp-ts/lib/Either.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConnectionDraft, ConnectionStore } from '../../src/application/ports/connection-store.js';
import type { Connection } from '../../src/domain/connection.js';
import type { TenantId } from '../../src/domain/tenant.js';
import { expectErrorResponse, requestLogLine } from '../support/http.js';
import { startTestService, type TestService } from '../support/service.js';

const A = 'tenant-a' as TenantId;
const B = 'tenant-b' as TenantId;
const CREDENTIALS = 'v1.SEALED-CREDENTIALS-do-not-leak-5e6f7a8b';
const SAVED_AT = new Date('2025-05-06T07:08:09.010Z');

const NOT_CONNECTED = (connector: string) => ({
  connector,
  connected: false,
  auth_type: null,
  status: 'not_connected',
  site_url: null,
  cloud_id: null,
  sites: [],
  scopes: [],
  expires_at: null,
  refreshed_at: null,
  updated_at: null,
});

const JIRA_VIEW = {
  connector: 'jira',
  connected: true,
  auth_type: 'oauth',
  status: 'active',
  site_url: 'https://acme.atlassian.net',
  cloud_id: 'cloud-acme',
  sites: [{ cloud_id: 'cloud-acme', name: 'acme', url: 'https://acme.atlassian.net' }],
  scopes: ['read:jira-work', 'write:jira-work', 'offline_access'],
  expires_at: '2025-05-06T08:08:09.000Z',
  refreshed_at: '2025-05-06T07:08:00.000Z',
  updated_at: SAVED_AT.toISOString(),
};

const jiraDraft = (tenantId: TenantId): ConnectionDraft => ({
  tenantId,
  connector: 'jira',
  authType: 'oauth',
  status: 'active',
  siteUrl: 'https://acme.atlassian.net',
  cloudId: 'cloud-acme',
  sites: [{ cloudId: 'cloud-acme', name: 'acme', url: 'https://acme.atlassian.net', scopes: ['read:jira-work'] }],
  scopes: ['read:jira-work', 'write:jira-work', 'offline_access'],
  grantId: 'grant-secret-id-1',
  expiresAt: new Date('2025-05-06T08:08:09.000Z'),
  refreshedAt: new Date('2025-05-06T07:08:00.000Z'),
  credentials: CREDENTIALS,
});

describe('connector routes', () => {
  let svc: TestService;
  let store: ConnectionStore;
  beforeEach(async () => {
    svc = await startTestService();
    store = svc.service.adapters.connections;
  });
  afterEach(() => svc.close());

  const get = (p: string, tenant?: string) =>
    fetch(`${svc.url}${p}`, { headers: tenant ? { 'x-tenant-id': tenant } : {} });
  const del = (p: string, tenant?: string) =>
    fetch(`${svc.url}${p}`, { method: 'DELETE', headers: tenant ? { 'x-tenant-id': tenant } : {} });
  const seed = async (tenantId: TenantId): Promise<Connection> => {
    const r = await store.save(jiraDraft(tenantId), SAVED_AT)();
    if (E.isLeft(r)) throw new Error(r.left.message);
    return r.right;
  };
  const findRow = async (tenantId: TenantId) => {
    const r = await store.find(tenantId, 'jira')();
    expect(E.isRight(r)).toBe(true);
    return E.isRight(r) ? r.right : 'error';
  };

  it('lists jira and confluence as not connected for an empty store', async () => {
    for (const tenant of [undefined, A]) {
      const res = await get('/connectors', tenant);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toEqual({ items: [NOT_CONNECTED('jira'), NOT_CONNECTED('confluence')] });
    }
  });

  it('shows tenant A its connection, without credentials, and tenant B nothing', async () => {
    await seed(A);
    const resA = await get('/connectors', A);
    expect(resA.status).toBe(200);
    const textA = await resA.text();
    expect(JSON.parse(textA)).toEqual({ items: [JIRA_VIEW, NOT_CONNECTED('confluence')] });
    expect(textA).not.toContain(CREDENTIALS);
    expect(textA).not.toContain('SEALED');
    expect(textA).not.toContain('credentials');
    expect(textA).not.toContain('grant-secret-id-1');

    const resB = await get('/connectors', B);
    expect(await resB.json()).toEqual({ items: [NOT_CONNECTED('jira'), NOT_CONNECTED('confluence')] });
    const resDefault = await get('/connectors');
    expect(await resDefault.json()).toEqual({ items: [NOT_CONNECTED('jira'), NOT_CONNECTED('confluence')] });
  });

  it('GET /connectors/jira/connection answers per tenant', async () => {
    await seed(A);
    const resA = await get('/connectors/jira/connection', A);
    expect(resA.status).toBe(200);
    const textA = await resA.text();
    expect(JSON.parse(textA)).toEqual(JIRA_VIEW);
    expect(textA).not.toContain(CREDENTIALS);

    const resB = await get('/connectors/jira/connection', B);
    expect(resB.status).toBe(200);
    expect(await resB.json()).toEqual(NOT_CONNECTED('jira'));

    const conf = await get('/connectors/confluence/connection', A);
    expect(conf.status).toBe(200);
    expect(await conf.json()).toEqual(NOT_CONNECTED('confluence'));
  });

  it("DELETE as tenant B answers 204 and leaves A's row alone", async () => {
    const a = await seed(A);
    const res = await del('/connectors/jira/connection', B);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(await findRow(A)).toEqual(a);
    expect(await (await get('/connectors/jira/connection', A)).json()).toEqual(JIRA_VIEW);
  });

  it('DELETE as A answers 204, the row is gone, and a second DELETE is still 204', async () => {
    await seed(A);
    await seed(B);
    const first = await del('/connectors/jira/connection', A);
    expect(first.status).toBe(204);
    expect(await first.text()).toBe('');
    expect(await findRow(A)).toBeUndefined();
    expect(await (await get('/connectors/jira/connection', A)).json()).toEqual(NOT_CONNECTED('jira'));
    expect(await (await get('/connectors', A)).json()).toEqual({
      items: [NOT_CONNECTED('jira'), NOT_CONNECTED('confluence')],
    });

    const again = await del('/connectors/jira/connection', A);
    expect(again.status).toBe(204);

    // B's connection survived A's disconnect.
    expect(await (await get('/connectors/jira/connection', B)).json()).toEqual(JIRA_VIEW);
  });

  it('DELETE logs the tenant it acted for', async () => {
    await seed(A);
    const res = await fetch(`${svc.url}/connectors/jira/connection`, {
      method: 'DELETE',
      headers: { 'x-tenant-id': A, 'x-request-id': 'delete-log-1' },
    });
    expect(res.status).toBe(204);
    expect(requestLogLine(svc.logLines, 'delete-log-1')).toMatchObject({ tenant: A, status: 204, method: 'DELETE' });
    expect(svc.logText()).not.toContain(CREDENTIALS);
  });

  it.each(['bogus', 'JIRA', 'jira%20', '__proto__'])(
    'answers 404 NOT_FOUND for the connector %s',
    async (connector) => {
      await seed(A);
      const g = await expectErrorResponse(await get(`/connectors/${connector}/connection`, A), 404, 'NOT_FOUND');
      expect(g.message).toMatch(/jira or confluence/);
      await expectErrorResponse(await del(`/connectors/${connector}/connection`, A), 404, 'NOT_FOUND');
      expect(await findRow(A)).not.toBeUndefined();
    },
  );
});
