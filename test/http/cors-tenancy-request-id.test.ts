import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorResponse, expectStandardError, rawRequest, requestLogLine } from '../support/http.js';
import { startTestService, type TestService } from '../support/service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const preflight = (url: string, origin: string, method = 'DELETE') =>
  fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'x-tenant-id, content-type',
    },
  });

describe('CORS', () => {
  let svc: TestService | undefined;
  afterEach(async () => {
    await svc?.close();
    svc = undefined;
  });

  it('defaults to * without credentials, on simple requests', async () => {
    svc = await startTestService();
    const res = await fetch(`${svc.url}/healthz`, { headers: { origin: 'https://evil.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('access-control-expose-headers') ?? '').toMatch(/X-Request-Id/i);
  });

  it('defaults to * without credentials, on preflight', async () => {
    svc = await startTestService();
    const res = await preflight(`${svc.url}/connectors/jira/connection`, 'https://evil.example');
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('access-control-allow-methods') ?? '').toContain('DELETE');
    expect((res.headers.get('access-control-allow-headers') ?? '').toLowerCase()).toContain('x-tenant-id');
  });

  it('stays * without credentials when the list is an explicit *', async () => {
    svc = await startTestService({ env: { BACKEND_CORS_ORIGINS: '*' } });
    const res = await fetch(`${svc.url}/healthz`, { headers: { origin: 'https://evil.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  describe('with BACKEND_CORS_ORIGINS', () => {
    const env = { BACKEND_CORS_ORIGINS: 'https://app.example, https://admin.example' };

    it.each(['https://app.example', 'https://admin.example'])(
      'echoes the listed origin %s with credentials',
      async (origin) => {
        svc = await startTestService({ env });
        const res = await fetch(`${svc.url}/healthz`, { headers: { origin } });
        expect(res.status).toBe(200);
        expect(res.headers.get('access-control-allow-origin')).toBe(origin);
        expect(res.headers.get('access-control-allow-credentials')).toBe('true');
        expect((res.headers.get('vary') ?? '').toLowerCase()).toContain('origin');

        const pre = await preflight(`${svc.url}/connectors`, origin, 'GET');
        expect(pre.status).toBe(204);
        expect(pre.headers.get('access-control-allow-origin')).toBe(origin);
        expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
      },
    );

    it('gives an unlisted origin no allow-origin, on simple requests and preflight', async () => {
      svc = await startTestService({ env });
      for (const origin of ['https://evil.example', 'https://app.example.evil.example', 'http://app.example']) {
        const res = await fetch(`${svc.url}/healthz`, { headers: { origin } });
        expect(res.status).toBe(200);
        expect(res.headers.get('access-control-allow-origin')).toBeNull();
        expect(res.headers.get('access-control-allow-credentials')).toBeNull();
        const pre = await preflight(`${svc.url}/connectors`, origin);
        expect(pre.headers.get('access-control-allow-origin')).toBeNull();
        expect(pre.headers.get('access-control-allow-credentials')).toBeNull();
        await pre.arrayBuffer();
      }
    });
  });

  it('uses NEXT_PUBLIC_BACKEND_CORS_ORIGINS when BACKEND_CORS_ORIGINS is absent', async () => {
    svc = await startTestService({ env: { NEXT_PUBLIC_BACKEND_CORS_ORIGINS: 'https://next.example' } });
    const ok = await fetch(`${svc.url}/healthz`, { headers: { origin: 'https://next.example' } });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://next.example');
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    const other = await fetch(`${svc.url}/healthz`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('prefers BACKEND_CORS_ORIGINS over NEXT_PUBLIC_BACKEND_CORS_ORIGINS', async () => {
    svc = await startTestService({
      env: { BACKEND_CORS_ORIGINS: 'https://app.example', NEXT_PUBLIC_BACKEND_CORS_ORIGINS: 'https://next.example' },
    });
    const next = await fetch(`${svc.url}/healthz`, { headers: { origin: 'https://next.example' } });
    expect(next.headers.get('access-control-allow-origin')).toBeNull();
    const app = await fetch(`${svc.url}/healthz`, { headers: { origin: 'https://app.example' } });
    expect(app.headers.get('access-control-allow-origin')).toBe('https://app.example');
  });
});

describe('tenancy and request ids', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(() => svc.close());

  let counter = 0;
  const nextId = () => `test-req-${(counter += 1)}`;

  it('uses tenant "default" when X-Tenant-Id is absent', async () => {
    const reqId = nextId();
    const res = await fetch(`${svc.url}/connectors`, { headers: { 'x-request-id': reqId } });
    expect(res.status).toBe(200);
    expect(requestLogLine(svc.logLines, reqId)['tenant']).toBe('default');
  });

  it('uses the given tenant, up to 128 characters of the allowed set', async () => {
    const allowed = 'AZaz09._:-';
    const tenant = allowed.repeat(13).slice(0, 128);
    expect(tenant).toHaveLength(128);
    for (const t of [tenant, 'acme', 'a', 'org:acme.team_1-x']) {
      const reqId = nextId();
      const res = await fetch(`${svc.url}/connectors`, { headers: { 'x-request-id': reqId, 'x-tenant-id': t } });
      expect(res.status).toBe(200);
      expect(requestLogLine(svc.logLines, reqId)['tenant']).toBe(t);
    }
  });

  it.each([
    ['empty', ''],
    ['129 characters', 'a'.repeat(129)],
    ['a space', 'a b'],
    ['a slash', 'a/b'],
    ['a non-ASCII letter', 'ü'],
    ['a comma', 'a,b'],
    ['a star', '*'],
  ])('refuses an X-Tenant-Id with %s: 400 VALIDATION', async (_what, value) => {
    const res = await rawRequest(svc.url, { path: '/connectors', headers: { 'x-tenant-id': value } });
    const body = expectStandardError(
      { status: res.status, contentType: res.headers['content-type'], text: res.text },
      400,
      'VALIDATION',
    );
    expect(body.message).toContain('X-Tenant-Id');
  });

  it('refuses a bad X-Tenant-Id on every tenant-scoped route', async () => {
    for (const [method, p] of [
      ['GET', '/connectors/jira/connection'],
      ['DELETE', '/connectors/jira/connection'],
    ] as const) {
      await expectErrorResponse(
        await fetch(`${svc.url}${p}`, { method, headers: { 'x-tenant-id': 'a/b' } }),
        400,
        'VALIDATION',
      );
    }
  });

  it('refuses two X-Tenant-Id headers', async () => {
    const u = new URL(svc.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: u.hostname,
          port: u.port,
          path: '/connectors',
          headers: ['x-tenant-id', 'tenant-a', 'x-tenant-id', 'tenant-b'],
        },
        (r) => {
          r.resume();
          r.on('end', () => resolve(r.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(400);
  });

  it('echoes a sane X-Request-Id and logs it as req_id with the request fields', async () => {
    const reqId = 'Abc-123_x.y:z';
    const res = await fetch(`${svc.url}/connectors/jira/connection`, {
      headers: { 'x-request-id': reqId, 'x-tenant-id': 'tenant-log' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe(reqId);
    const line = requestLogLine(svc.logLines, reqId);
    expect(line).toMatchObject({
      msg: 'request',
      req_id: reqId,
      method: 'GET',
      route: '/connectors/:connector/connection',
      status: 200,
      tenant: 'tenant-log',
    });
    expect(typeof line['duration_ms']).toBe('number');
    expect(line['duration_ms'] as number).toBeGreaterThanOrEqual(0);
    expect(line['duration_ms'] as number).toBeLessThan(10_000);
  });

  it('keeps a 128-character request id', async () => {
    const reqId = 'r'.repeat(128);
    const res = await fetch(`${svc.url}/healthz`, { headers: { 'x-request-id': reqId } });
    expect(res.headers.get('x-request-id')).toBe(reqId);
  });

  it.each([
    ['300 characters', 'x'.repeat(300)],
    ['129 characters', 'x'.repeat(129)],
    ['spaces', 'id with spaces'],
    ['a tab', 'id\twith-tab'],
    ['a quote and braces', '"}{"level":"fatal'],
    ['a slash', '../../etc'],
    ['non-ASCII', 'idé'],
  ])('replaces an X-Request-Id with %s by a generated one', async (_what, given) => {
    const res = await rawRequest(svc.url, { path: '/healthz', headers: { 'x-request-id': given } });
    expect(res.status).toBe(200);
    const echoed = res.headers['x-request-id'];
    expect(echoed).toMatch(UUID);
    expect(echoed).not.toBe(given);
    expect(requestLogLine(svc.logLines, String(echoed))['req_id']).toBe(echoed);
    expect(svc.logText()).not.toContain(given);
  });

  it('generates a fresh request id for each request without one', async () => {
    const a = (await fetch(`${svc.url}/healthz`)).headers.get('x-request-id');
    const b = (await fetch(`${svc.url}/healthz`)).headers.get('x-request-id');
    expect(a).toMatch(UUID);
    expect(b).toMatch(UUID);
    expect(a).not.toBe(b);
  });

  it('logs non-tenant routes with tenant null and unknown routes with route null', async () => {
    const r1 = nextId();
    await (await fetch(`${svc.url}/healthz`, { headers: { 'x-request-id': r1 } })).arrayBuffer();
    expect(requestLogLine(svc.logLines, r1)).toMatchObject({
      route: '/healthz',
      status: 200,
      tenant: null,
      method: 'GET',
    });
    const r2 = nextId();
    await (await fetch(`${svc.url}/nowhere`, { method: 'DELETE', headers: { 'x-request-id': r2 } })).arrayBuffer();
    expect(requestLogLine(svc.logLines, r2)).toMatchObject({ route: null, status: 404, method: 'DELETE' });
    const r3 = nextId();
    await (
      await fetch(`${svc.url}/connectors`, { headers: { 'x-request-id': r3, 'x-tenant-id': 'a b' } })
    ).arrayBuffer();
    expect(requestLogLine(svc.logLines, r3)).toMatchObject({ route: '/connectors', status: 400, tenant: null });
  });
});
