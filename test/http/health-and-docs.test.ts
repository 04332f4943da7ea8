import fs from 'node:fs';
import * as TE from 'fp-ts/lib/TaskEither.js';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryConnectionStore } from '../../src/adapters/memory/in-memory-connection-store.js';
import { AppError } from '../../src/domain/errors.js';
import { expectErrorResponse, expectStandardError, rawRequest } from '../support/http.js';
import { startTestService, type TestService } from '../support/service.js';

// ajv / ajv-formats are CommonJS with `module.exports.default`; under NodeNext take `.default`.
const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const PKG = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

class FailingPingStore extends InMemoryConnectionStore {
  override ping(): TE.TaskEither<AppError, void> {
    return TE.left(AppError.internal('database is down', { cause: new Error('SQLITE_CANTOPEN /var/db/secret.db') }));
  }
}

const mutableClock = (start: Date) => {
  let now = start.getTime();
  return { now: () => new Date(now), advance: (ms: number) => void (now += ms) };
};

describe('health endpoints', () => {
  let svc: TestService | undefined;
  afterEach(async () => {
    await svc?.close();
    svc = undefined;
  });

  it.each(['/healthz', '/health'])('GET %s answers 200 {"status":"ok"}', async (p) => {
    svc = await startTestService();
    const res = await fetch(`${svc.url}${p}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('GET / reports service, package version, uptime, a reachable database and unconfigured OAuth by default', async () => {
    const clock = mutableClock(new Date('2025-01-02T03:04:05.000Z'));
    svc = await startTestService({ overrides: { clock } });
    clock.advance(42_400);
    const res = await fetch(`${svc.url}/`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      service: 'integration-backend',
      version: PKG.version,
      uptime_seconds: 42,
      database: { reachable: true, dialect: 'sqlite' },
      connectors: [
        { id: 'jira', oauth_configured: false },
        { id: 'confluence', oauth_configured: false },
      ],
      time: '2025-01-02T03:04:47.400Z',
      upstream: { app: { near_limit: false, penalty_until: null }, sites_tracked: 0, sites_near_limit: 0, sites_in_penalty: 0, lowest_remaining: null },
    });
    expect(PKG.name).toBe('integration-backend');
  });

  it('GET / answers 503 degraded with reachable false when the store does not answer, and leaks nothing', async () => {
    svc = await startTestService({ overrides: { connections: new FailingPingStore() } });
    const res = await fetch(`${svc.url}/`);
    expect(res.status).toBe(503);
    const text = await res.text();
    const body = JSON.parse(text) as Json;
    expect(body['status']).toBe('degraded');
    expect(body['database']).toEqual({ reachable: false, dialect: 'custom' });
    expect(text).not.toContain('SQLITE_CANTOPEN');
    expect(text).not.toContain('secret.db');
  });

  it('GET / says oauth_configured only when both client id and redirect URI are set, never the secret', async () => {
    const secret = 'cl13nt-s3cr3t-VALUE-9f8e7d6c';
    svc = await startTestService({
      env: {
        JIRA_OAUTH_CLIENT_ID: 'client-id-abc',
        JIRA_REDIRECT_URI: 'http://localhost:3001/auth/jira/callback',
        JIRA_OAUTH_CLIENT_SECRET: secret,
      },
    });
    const res = await fetch(`${svc.url}/`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect((JSON.parse(text) as Json)['connectors']).toEqual([
      { id: 'jira', oauth_configured: true },
      { id: 'confluence', oauth_configured: true },
    ]);
    expect(text).not.toContain(secret);
    expect(text).not.toContain('client-id-abc');
    const doc = await (await fetch(`${svc.url}/openapi.json`)).text();
    expect(doc).not.toContain(secret);
    expect(svc.logText()).not.toContain(secret);
  });

  it('GET / keeps oauth_configured false with only the client id set', async () => {
    svc = await startTestService({ env: { JIRA_OAUTH_CLIENT_ID: 'client-id-abc' } });
    const body = (await (await fetch(`${svc.url}/`)).json()) as Json;
    expect(body['connectors']).toEqual([
      { id: 'jira', oauth_configured: false },
      { id: 'confluence', oauth_configured: false },
    ]);
  });
});

describe('OpenAPI document and docs', () => {
  let svc: TestService;
  let doc: Json;
  beforeAll(async () => {
    svc = await startTestService();
    const res = await fetch(`${svc.url}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    doc = (await res.json()) as Json;
  });
  afterAll(() => svc.close());

  const operations = (): { path: string; method: string; op: Json }[] => {
    const out: { path: string; method: string; op: Json }[] = [];
    for (const [p, item] of Object.entries(doc['paths'] as Json)) {
      for (const [m, op] of Object.entries(item as Json)) out.push({ path: p, method: m, op: op as Json });
    }
    return out;
  };

  /**
   * A concrete URL path for a documented template: each path parameter filled with its first
   * enum value, or (a catalog operation's id or key) the value its declared example uses.
   */
  const concretePath = (p: string, op: Json): string =>
    p.replace(/\{([^}]+)\}/g, (_, name: string) => {
      const param = ((op['parameters'] as Json[] | undefined) ?? []).find(
        (x) => x['in'] === 'path' && x['name'] === name,
      );
      const values = isObject(param?.['schema']) ? (param['schema']['enum'] as string[] | undefined) : undefined;
      const example = values?.[0] ?? param?.['example'];
      expect(example, `an example value for path parameter ${name} of ${p}`).toBeTypeOf('string');
      return encodeURIComponent(String(example));
    });

  it('is OpenAPI 3.1.0 with the package version', () => {
    expect(doc['openapi']).toBe('3.1.0');
    expect(doc['info']).toMatchObject({ title: 'integration-backend', version: PKG.version });
  });

  it('passes a structural check of the OpenAPI 3.1 shape', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    const ref = {
      type: 'object',
      required: ['$ref'],
      properties: { $ref: { type: 'string', pattern: '^#/components/schemas/' } },
    };
    const media = {
      type: 'object',
      minProperties: 1,
      additionalProperties: { type: 'object', required: ['schema'], properties: { schema: { type: 'object' } } },
    };
    const operation = {
      type: 'object',
      required: ['operationId', 'summary', 'tags', 'responses'],
      additionalProperties: false,
      properties: {
        operationId: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]*$' },
        summary: { type: 'string', minLength: 1 },
        description: { type: 'string' },
        tags: { type: 'array', minItems: 1, items: { type: 'string' } },
        parameters: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'in', 'schema'],
            additionalProperties: false,
            properties: {
              name: { type: 'string', minLength: 1 },
              in: { enum: ['path', 'query', 'header', 'cookie'] },
              required: { type: 'boolean' },
              description: { type: 'string' },
              schema: { type: 'object' },
              // OpenAPI 3.1 Parameter Object: an example value.
              example: {},
            },
            // Specification extensions (the proxy's `x-multi-segment`).
            patternProperties: { '^x-': {} },
            if: { properties: { in: { const: 'path' } } },
            then: { required: ['required'], properties: { required: { const: true } } },
          },
        },
        requestBody: {
          type: 'object',
          required: ['content'],
          properties: { required: { type: 'boolean' }, content: media },
        },
        responses: {
          type: 'object',
          minProperties: 1,
          propertyNames: { pattern: '^([1-5][0-9]{2}|default)$' },
          additionalProperties: {
            type: 'object',
            required: ['description'],
            additionalProperties: false,
            properties: {
              description: { type: 'string', minLength: 1 },
              headers: { type: 'object' },
              content: {
                anyOf: [
                  media,
                  {
                    type: 'object',
                    properties: { 'application/json': { type: 'object', properties: { schema: ref } } },
                  },
                ],
              },
            },
          },
        },
      },
    };
    const documentSchema = {
      type: 'object',
      required: ['openapi', 'info', 'paths', 'components'],
      properties: {
        openapi: { const: '3.1.0' },
        info: {
          type: 'object',
          required: ['title', 'version'],
          properties: { title: { type: 'string' }, version: { type: 'string' }, description: { type: 'string' } },
        },
        paths: {
          type: 'object',
          minProperties: 1,
          propertyNames: { pattern: '^/' },
          additionalProperties: {
            type: 'object',
            minProperties: 1,
            propertyNames: { enum: [...HTTP_METHODS] },
            additionalProperties: operation,
          },
        },
        components: {
          type: 'object',
          required: ['schemas'],
          properties: { schemas: { type: 'object', required: ['Error'], properties: { Error: { type: 'object' } } } },
        },
      },
    };
    const validate = ajv.compile(documentSchema);
    expect(validate(doc) ? [] : validate.errors).toEqual([]);

    const ids = operations().map((o) => o.op['operationId']);
    expect(new Set(ids).size).toBe(ids.length);
    // Every {param} in a path template is declared as a path parameter, and vice versa.
    for (const { path: p, op } of operations()) {
      const inTemplate = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const declared = ((op['parameters'] as Json[] | undefined) ?? [])
        .filter((x) => x['in'] === 'path')
        .map((x) => x['name'])
        .sort();
      expect(declared, p).toEqual(inTemplate);
    }
  });

  it('has JSON Schemas (request and response) that all compile under draft 2020-12', () => {
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
    addFormats(ajv);
    const rewrite = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(rewrite);
      if (!isObject(v)) return v;
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [
          k,
          k === '$ref' && typeof x === 'string'
            ? x.replace('#/components/schemas/', 'urn:openapi:components#/$defs/')
            : rewrite(x),
        ]),
      );
    };
    const components = (doc['components'] as Json)['schemas'] as Json;
    ajv.addSchema({ $id: 'urn:openapi:components', $defs: rewrite(components) });
    let compiled = 0;
    const compileAll = (where: string, content: unknown) => {
      if (!isObject(content)) return;
      for (const [type, m] of Object.entries(content)) {
        const schema = (m as Json)['schema'];
        expect(() => ajv.compile(rewrite(schema) as Json), `${where} ${type}`).not.toThrow();
        compiled += 1;
      }
    };
    for (const { path: p, method, op } of operations()) {
      compileAll(`${method} ${p} request`, (op['requestBody'] as Json | undefined)?.['content']);
      for (const [status, r] of Object.entries(op['responses'] as Json))
        compileAll(`${method} ${p} ${status}`, (r as Json)['content']);
      for (const param of (op['parameters'] as Json[] | undefined) ?? []) {
        expect(
          () => ajv.compile(rewrite(param['schema']) as Json),
          `${method} ${p} param ${String(param['name'])}`,
        ).not.toThrow();
      }
    }
    expect(compiled).toBeGreaterThan(operations().length);

    // The Error schema accepts a real error body and rejects a malformed one.
    const validateError = ajv.getSchema('urn:openapi:components#/$defs/Error');
    expect(validateError?.({ status: 'error', code: 'NOT_FOUND', message: 'x' })).toBe(true);
    expect(validateError?.({ status: 'error', code: 'NOPE', message: 'x' })).toBe(false);
    expect(validateError?.({ status: 'ok', code: 'NOT_FOUND', message: 'x' })).toBe(false);
  });

  it('documents exactly the routes the app is built from', () => {
    const routes = svc.service.routes;
    const served = routes.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort();
    const documented = operations()
      .map((o) => `${o.method.toUpperCase()} ${o.path}`)
      .sort();
    expect(documented).toEqual(served);
    expect(new Set(served).size).toBe(served.length);
    expect(documented).toEqual(
      expect.arrayContaining([
        'GET /healthz',
        'GET /health',
        'GET /',
        'GET /openapi.json',
        'GET /docs',
        'GET /connectors',
        'GET /connectors/{connector}/connection',
        'DELETE /connectors/{connector}/connection',
      ]),
    );
  });

  it('serves every documented operation, with exactly the documented methods on each path', async () => {
    for (const { path: p, method, op } of operations()) {
      const url = `${svc.url}${concretePath(p, op)}`;
      const res = await fetch(url, { method: method.toUpperCase() });
      await res.arrayBuffer();
      expect([404, 405], `${method.toUpperCase()} ${p} -> ${res.status}`).not.toContain(res.status);
      expect(
        Object.keys(op['responses'] as Json),
        `${method.toUpperCase()} ${p} answered an undocumented ${res.status}`,
      ).toContain(String(res.status));
    }
    for (const [p, item] of Object.entries(doc['paths'] as Json)) {
      const documented = Object.keys(item as Json).map((m) => m.toUpperCase());
      const concrete = concretePath(p, (item as Json)[Object.keys(item as Json)[0] ?? ''] as Json);
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => !documented.includes(m))) {
        const res = await fetch(`${svc.url}${concrete}`, { method });
        await expectErrorResponse(res, 405, 'VALIDATION');
        expect(
          (res.headers.get('allow') ?? '')
            .split(',')
            .map((s) => s.trim())
            .sort(),
          `${method} ${p}`,
        ).toEqual([...documented].sort());
      }
    }
  });

  it.each([
    '/nope',
    '/connectors/jira',
    '/connectors/jira/connection/extra',
    '/openapi.yaml',
    '/healthz/extra',
    '/docs/a/b',
  ])('answers 404 for the undocumented path %s', async (p) => {
    await expectErrorResponse(await fetch(`${svc.url}${p}`), 404, 'NOT_FOUND');
  });

  it('gives every operation a 500, and every documented 4xx and 5xx the standard Error schema (no catch-all default)', () => {
    for (const { path: p, method, op } of operations()) {
      const responses = op['responses'] as Json;
      expect(responses['500'], `${method} ${p} 500`).toBeDefined();
      // The proxy answers whatever Atlassian answered: its statuses are ours (the Error schema)
      // or Atlassian's as it sent them, and any other status is its documented default.
      const proxy = p === '/connectors/{connector}/proxy/{path}';
      // Each status a route can answer is listed, so "documented" means something.
      if (proxy) expect(responses['default'], `${method} ${p} default`).toBeDefined();
      else expect(responses['default'], `${method} ${p} default`).toBeUndefined();
      for (const [status, response] of Object.entries(responses)) {
        if (status === 'default' || Number(status) < 400) continue;
        // The exceptions: a degraded GET / and a not-ready GET /readyz answer 503 with their report itself, as health checkers expect.
        if ((p === '/' || p === '/readyz') && status === '503') continue;
        const schema = ((response as Json)['content'] as Record<string, Json> | undefined)?.['application/json']?.['schema'] as Json | undefined;
        const alternatives = proxy && Array.isArray(schema?.['anyOf']) ? (schema['anyOf'] as Json[]) : [schema];
        expect(alternatives, `${method} ${p} ${status}`).toContainEqual({ $ref: '#/components/schemas/Error' });
      }
    }
  });

  it('GET /docs serves the Swagger UI page that loads the local bundle', async () => {
    const res = await fetch(`${svc.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('swagger-ui-bundle.js');
    expect(html).toContain('/docs/init.js');
    const init = await fetch(`${svc.url}/docs/init.js`);
    expect(init.status).toBe(200);
    expect(await init.text()).toContain("url: '/openapi.json'");
  });

  it('serves /docs/swagger-ui-bundle.js as JavaScript from the installed package', async () => {
    const res = await fetch(`${svc.url}/docs/swagger-ui-bundle.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/javascript/);
    const js = await res.text();
    expect(js.length).toBeGreaterThan(100_000);
    expect(js).toContain('SwaggerUIBundle');
  });

  it.each([
    '/docs/../package.json',
    '/docs/..%2Fpackage.json',
    '/docs/..%2F..%2Fpackage.json',
    '/docs/unknown.js',
    '/docs/package.json',
  ])('refuses %s with the standard 404 body', async (p) => {
    const res = await rawRequest(svc.url, { path: p });
    const body = expectStandardError(
      { status: res.status, contentType: res.headers['content-type'], text: res.text },
      404,
      'NOT_FOUND',
    );
    expect(res.text).not.toContain('"dependencies"');
    expect(body.message).not.toContain(process.cwd());
  });
});
