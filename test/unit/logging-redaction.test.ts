import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACTED } from '../../src/adapters/pino/pino-logger.js';
import { parseLogLines, requestLogLine } from '../support/http.js';
import { captureLog, startTestService, type TestService } from '../support/service.js';

const SECRETS = {
  authorization: 'Bearer AUTHZ-SECRET-a1b2c3',
  cookie: 'COOKIE-SECRET-d4e5f6',
  setCookie: 'SETCOOKIE-SECRET-g7h8i9',
  accessToken: 'ACCESS-SECRET-j1k2l3',
  refreshToken: 'REFRESH-SECRET-m4n5o6',
  clientSecret: 'CLIENTSECRET-SECRET-p7q8r9',
  password: 'PASSWORD-SECRET-s1t2u3',
  pat: 'PAT-SECRET-v4w5x6',
  apiToken: 'APITOKEN-SECRET-y7z8a9',
  deep: 'DEEP-SECRET-b1c2d3',
  deeper: 'DEEPER-SECRET-e4f5g6',
  inArray: 'ARRAY-SECRET-h7i8j9',
  inArrayDeep: 'ARRAYDEEP-SECRET-k1l2m3',
  upper: 'UPPERCASE-SECRET-n4o5p6',
  codeVerifier: 'VERIFIER-SECRET-q7r8s9',
  code: 'OAUTHCODE-SECRET-t1u2v3',
  credentials: 'SEALED-SECRET-w4x5y6',
};

const VISIBLE = [
  'VISIBLE-accept-json',
  'VISIBLE-tenant-acme',
  'VISIBLE-deep-note',
  'VISIBLE-array-name',
  'VISIBLE-top-message',
];

describe('createPinoLogger redaction', () => {
  const logged = () => {
    const { lines, log } = captureLog('debug');
    log.info(
      {
        headers: {
          authorization: SECRETS.authorization,
          cookie: SECRETS.cookie,
          'set-cookie': [SECRETS.setCookie],
          accept: VISIBLE[0],
        },
        access_token: SECRETS.accessToken,
        refresh_token: SECRETS.refreshToken,
        client_secret: SECRETS.clientSecret,
        password: SECRETS.password,
        pat: SECRETS.pat,
        apiToken: SECRETS.apiToken,
        Authorization: SECRETS.upper,
        code_verifier: SECRETS.codeVerifier,
        code: SECRETS.code,
        credentials: SECRETS.credentials,
        tenant: VISIBLE[1],
        nested: {
          level1: {
            level2: {
              level3: {
                access_token: SECRETS.deep,
                note: VISIBLE[2],
                level4: { level5: { refresh_token: SECRETS.deeper } },
              },
            },
          },
        },
        list: [
          { password: SECRETS.inArray },
          { name: VISIBLE[3] },
          [{ inner: { client_secret: SECRETS.inArrayDeep } }],
        ],
        count: 3,
        ok: true,
      },
      VISIBLE[4],
    );
    return lines;
  };

  it('writes one JSON line', () => {
    const lines = logged();
    expect(lines).toHaveLength(1);
    expect(() => JSON.parse(lines[0] ?? '')).not.toThrow();
  });

  it('drops every secret value, at any depth and inside arrays', () => {
    const text = logged().join('\n');
    for (const [name, value] of Object.entries(SECRETS)) {
      expect(text, `${name} leaked`).not.toContain(value);
    }
    // The distinctive part of every value, in case a formatter trimmed a prefix.
    for (const value of Object.values(SECRETS)) expect(text).not.toContain(value.split('-').slice(-1)[0]);
  });

  it('keeps the non-secret fields and the shape', () => {
    const lines = logged();
    const text = lines.join('\n');
    for (const v of VISIBLE) expect(text).toContain(v);
    const line = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(line).toMatchObject({
      level: 'info',
      service: 'integration-backend',
      msg: VISIBLE[4],
      tenant: VISIBLE[1],
      count: 3,
      ok: true,
      access_token: REDACTED,
      headers: { authorization: REDACTED, cookie: REDACTED, 'set-cookie': REDACTED, accept: VISIBLE[0] },
      nested: { level1: { level2: { level3: { access_token: REDACTED, note: VISIBLE[2] } } } },
      list: [{ password: REDACTED }, { name: VISIBLE[3] }, [{ inner: { client_secret: REDACTED } }]],
    });
  });

  it('redacts the fields logged through a child logger and the fields of logged errors', () => {
    const { lines, log } = captureLog('debug');
    log
      .child({ component: 'VISIBLE-child' })
      .info({ password: SECRETS.password, req: { cookie: SECRETS.cookie } }, 'child');
    log.error({ err: Object.assign(new Error('refresh failed'), { refresh_token: SECRETS.refreshToken }) }, 'failed');
    const text = lines.join('\n');
    expect(text).toContain('VISIBLE-child');
    expect(text).toContain('refresh failed');
    expect(text).not.toContain(SECRETS.password);
    expect(text).not.toContain(SECRETS.cookie);
    expect(text).not.toContain(SECRETS.refreshToken);
  });

  // Known gap: pino applies no formatter to a child's own bindings, so
  // `log.child({ authorization })` would print it. Nothing in src passes secrets as bindings today.

  it('survives a cycle without hanging or leaking', () => {
    const { lines, log } = captureLog('debug');
    const a: Record<string, unknown> = { name: 'cyclic', token: SECRETS.accessToken };
    a['self'] = a;
    log.info({ a }, 'cycle');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(SECRETS.accessToken);
    expect(lines[0]).toContain('cyclic');
  });
});

describe('the HTTP path logs no credentials', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(() => svc.close());

  it.each([
    // ?code= and &state= are parameters /connectors does not take: refused, naming them but not their values.
    ['/connectors', 400],
    ['/healthz', 200],
    ['/does-not-exist', 404],
  ])('GET %s with Authorization, Cookie and ?code= logs none of them', async (p, status) => {
    const bearer = 'BEARER-DISTINCTIVE-7f3a9c2e';
    const state = 'STATECOOKIE-DISTINCTIVE-4b8d1e6a';
    const code = 'QUERYCODE-DISTINCTIVE-9e2c5f1b';
    const reqId = `redact-${p.replace(/\W/g, '')}`;
    const res = await fetch(`${svc.url}${p}?code=${code}&state=${state}`, {
      headers: {
        authorization: `Bearer ${bearer}`,
        cookie: `jira_oauth_state=${state}; other=${bearer}`,
        'x-request-id': reqId,
      },
    });
    expect(res.status).toBe(status);
    const body = await res.text();
    expect(requestLogLine(svc.logLines, reqId)['status']).toBe(status);
    const text = svc.logText();
    for (const secret of [bearer, state, code]) {
      expect(text).not.toContain(secret);
      expect(body).not.toContain(secret);
    }
    expect(parseLogLines(svc.logLines).length).toBeGreaterThan(0);
  });
});
