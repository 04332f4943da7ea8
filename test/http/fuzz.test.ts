/**
 * The service's own OpenAPI document drives a fuzzer (fast-check, a fixed seed, a bounded
 * number of runs): every operation gets random and boundary values in its path, query,
 * headers (its documented ones, a request id, a trace context, an Accept) and body, wrong
 * types and content types, broken encodings, duplicate keys, `__proto__`, huge numbers and
 * invalid UTF-8, for a connected tenant, an unconnected one and a malformed one. The
 * connection's own writes (PATCH, DELETE) act on tenants of their own, reconnected when a
 * write forgot them. Nothing is injected at the fake Atlassian, so no answer may be a 5xx;
 * every error must be the standard body with a request id; and every status must be
 * documented for its route (the contract check of test/support/api-contract.ts throws
 * otherwise). `/mcp` gets JSON-RPC messages and batches of every kind; a second property
 * repeats the first with Atlassian failing.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import type { NewApiKey } from '../../src/application/api-keys.js';
import type { Scope } from '../../src/domain/caller.js';
import { ERROR_CODES } from '../../src/domain/errors.js';
import type { TenantId } from '../../src/domain/tenant.js';
import { checkResponse } from '../support/api-contract.js';
import { startFakeAtlassian, type FakeAtlassian, type Fault } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';

type Json = Record<string, unknown>;

interface Parameter {
  readonly name: string;
  readonly in: string;
  readonly example?: unknown;
  readonly schema?: { readonly enum?: readonly unknown[] };
}
interface Operation {
  readonly method: string;
  readonly path: string;
  readonly parameters: readonly Parameter[];
  /** Documented header parameters other than X-Tenant-Id (Idempotency-Key, a webhook's delivery id). */
  readonly headerParams: readonly Parameter[];
  /** Changes or forgets the tenant's connection: fuzzed on tenants of its own, so the others keep theirs. */
  readonly writesConnection: boolean;
  readonly bodyExample: Json | undefined;
  readonly bodyFields: readonly string[];
  readonly multipart: boolean;
  /** Open to every caller when callers authenticate (its security is the empty requirement). */
  readonly public: boolean;
}

/** Values that have broken parsers before. */
const NASTY = [
  '',
  ' ',
  '..',
  '../../etc/passwd',
  '%2e%2e%2f',
  '%ff',
  '%',
  '%00',
  '__proto__',
  'constructor',
  'x'.repeat(5000),
  '\u0000',
  '\ud800',
  '😀',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  'project = ENG) OR (1=1',
  'ENG-1',
  'OPS-1',
  '1',
  '-1',
  '0',
  '1e309',
  '99999999999999999999999',
  'true',
  'null',
  '[]',
  '{}',
];

const text = fc.oneof(fc.constantFrom(...NASTY), fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }));
const scalar = fc.oneof(
  text,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(1e308, -0, Number.MAX_SAFE_INTEGER + 2, 2 ** 64, -1, 0, 101, 1_000_000),
);
const value: fc.Arbitrary<unknown> = fc.oneof(scalar, fc.array(scalar, { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 8 }), scalar, { maxKeys: 4 }));

/** A JSON text that is not what JSON.stringify would write. */
const rawBodies = (example: Json | undefined): string[] => {
  const e = JSON.stringify(example ?? {});
  const first = Object.keys(example ?? {})[0] ?? 'a';
  return [
    e.slice(0, Math.max(1, e.length - 3)),
    `{"${first}":1,"${first}":"twice"}`,
    `{"__proto__":{"polluted":true}}`,
    `{"constructor":{"prototype":{"polluted":true}}}`,
    `{"${first}":1e99999}`,
    `{"${first}":${'['.repeat(5000)}${']'.repeat(5000)}}`,
    '',
    'null',
    '[]',
    '"a string"',
    '\ufeff{}',
  ];
};

/** A header value undici will send: visible ASCII, spaces and tabs only (anything else is the client's error, not ours). */
const headerText = fc.oneof(
  fc.constantFrom('', ' ', 'x'.repeat(8000), '__proto__', '../..', '%ff', '1', '-1', '1e309', 'null', '{}', '\t'),
  fc.string({ maxLength: 60 }).map((v) => v.replace(/[^\x20-\x7e\t]/g, '')),
);

/** Headers every route may get, besides its documented ones: a caller's request id, a trace context, an Accept. */
const commonHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    'x-request-id': fc.oneof(headerText, fc.constantFrom('req-1', 'a'.repeat(300))),
    traceparent: fc.oneof(
      fc.constant('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'),
      fc.constant('00-00000000000000000000000000000000-0000000000000000-01'),
      fc.constant('ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'),
      headerText,
    ),
    accept: fc.constantFrom('application/json', 'text/html', '*/*', '', 'application/xml;q=0.1', 'text/event-stream'),
  },
  { requiredKeys: [] },
);

const headerOf = (headers: Record<string, string | string[] | undefined>, name: string): string | null => {
  const v = headers[name];
  return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
};

/** encodeURIComponent, with a lone surrogate sent as its (invalid UTF-8) WTF-8 bytes. */
const enc = (v: string): string => {
  try {
    return encodeURIComponent(v);
  } catch {
    return `${encodeURIComponent(v.replace(/[\ud800-\udfff]/g, ''))}%ED%A0%80`;
  }
};

interface Request {
  readonly op: Operation;
  readonly tenant: string | undefined;
  readonly path: string;
  readonly query: string;
  readonly body: string | Buffer | undefined;
  readonly headers: Record<string, string>;
}

const requestFor = (op: Operation): fc.Arbitrary<Request> => {
  const pathValue = (p: Parameter) =>
    fc.oneof(
      // The example, or one of the values an enum allows.
      { weight: 3, arbitrary: fc.constantFrom(...(p.example !== undefined ? [p.example] : (p.schema?.enum ?? ['x']))).map((v) => enc(String(v))) },
      { weight: 2, arbitrary: text.map(enc) },
      // Unencoded: broken percent-escapes and traversal reach the router as they are.
      { weight: 1, arbitrary: fc.constantFrom('%ff', '%', '..', '%2e%2e', 'a%2Fb', '%00', '%E0%A4%A') },
    );
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryNames = op.parameters.filter((p) => p.in === 'query').map((p) => p.name);
  const path = fc.tuple(...pathParams.map(pathValue)).map((values) => {
    let i = 0;
    return op.path.replace(/\{[^}]+\}/g, () => values[i++] ?? 'x');
  });
  const queries = fc
    .array(
      fc.tuple(fc.oneof(queryNames.length > 0 ? fc.constantFrom(...queryNames) : fc.constant('q'), fc.constantFrom('projct', '__proto__', 'limit', 'cursor', '')), fc.oneof(text, fc.integer().map(String))),
      { maxLength: 4 },
    )
    .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')}`));
  // Often none at all, so the requests that are otherwise right get past the query check.
  const query = fc.oneof({ weight: 1, arbitrary: fc.constant('') }, { weight: 2, arbitrary: queries });
  const takesBody = ['post', 'put', 'patch'].includes(op.method);
  type Body = { body: string | Buffer | undefined; contentType: string | undefined; encoding: string | undefined };
  const multipartBodies: fc.Arbitrary<Body> = fc
    .tuple(
      fc.constantFrom('file', 'files', 'upload', ''),
      fc.oneof(text, fc.constantFrom('a.txt', '../../etc/passwd', 'x'.repeat(300), 'é.bin', '')),
      fc.uint8Array({ maxLength: 64 }),
      fc.constantFrom('whole', 'truncated', 'no closing boundary', 'no boundary parameter', 'other boundary'),
    )
    .map(([field, filename, bytes, shape]) => {
      const head = `--FzB\r\nContent-Disposition: form-data; name="${field}"; filename="${filename.replace(/["\r\n]/g, '')}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
      const whole = Buffer.concat([Buffer.from(head), Buffer.from(bytes), Buffer.from('\r\n--FzB--\r\n')]);
      const body =
        shape === 'truncated' ? whole.subarray(0, Math.max(1, Math.floor(whole.length / 2))) : shape === 'no closing boundary' ? Buffer.concat([Buffer.from(head), Buffer.from(bytes)]) : whole;
      const contentType = shape === 'no boundary parameter' ? 'multipart/form-data' : shape === 'other boundary' ? 'multipart/form-data; boundary=Other' : 'multipart/form-data; boundary=FzB';
      return { body, contentType, encoding: undefined };
    });
  const body: fc.Arbitrary<Body> = takesBody
    ? fc.oneof(
        // Multipart routes (uploads) get multipart bodies, well and badly formed, besides everything below.
        ...(op.multipart ? [{ weight: 4, arbitrary: multipartBodies }] : []),
        // The example with one field replaced by anything.
        fc.tuple(op.bodyFields.length > 0 ? fc.constantFrom(...op.bodyFields) : fc.constant('x'), value).map(([field, v]) => ({
          body: JSON.stringify({ ...op.bodyExample, [field]: v }),
          contentType: 'application/json',
          encoding: undefined,
        })),
        value.map((v) => ({ body: JSON.stringify(v), contentType: 'application/json', encoding: undefined })),
        fc.constantFrom(...rawBodies(op.bodyExample)).map((b) => ({ body: b, contentType: 'application/json', encoding: undefined })),
        // Invalid UTF-8 inside a string.
        fc.constant({ body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x22, 0x7d]), contentType: 'application/json', encoding: undefined }),
        fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/json; charset=latin1', 'application/xml').map((ct) => ({
          body: JSON.stringify(op.bodyExample ?? {}),
          contentType: ct,
          encoding: undefined,
        })),
        fc.constantFrom('gzip', 'deflate', 'br', 'compress').map((enc) => ({ body: 'not compressed at all', contentType: 'application/json', encoding: enc })),
        fc.constant({ body: gzipSync(Buffer.from(JSON.stringify(op.bodyExample ?? {}))), contentType: 'application/json', encoding: 'gzip' }),
        fc.constant({ body: undefined, contentType: undefined, encoding: undefined }),
      )
    : fc.oneof({ weight: 5, arbitrary: fc.constant({ body: undefined, contentType: undefined, encoding: undefined }) }, { weight: 1, arbitrary: fc.constant({ body: '{"unexpected":true}', contentType: 'application/json', encoding: undefined }) });
  // A connection write acts on tenants of its own: connected (fzw, reconnected when it was
  // forgotten) and unconnected (nobodyw), so fz stays connected and nobody unconnected.
  const [connected, unconnected] = op.writesConnection ? ['fzw', 'nobodyw'] : ['fz', 'nobody'];
  const tenant = fc.constantFrom<string | undefined>(connected, connected, unconnected, undefined, 'bad tenant!', 'x'.repeat(200));
  const documentedHeaders = fc.record(
    Object.fromEntries(op.headerParams.map((p) => [p.name.toLowerCase(), fc.oneof({ weight: 2, arbitrary: fc.constant(String(p.example ?? 'key-1')) }, headerText)])),
    { requiredKeys: [] },
  );
  return fc.record({ path, query, body, tenant, extra: commonHeaders, documented: documentedHeaders }).map(({ path: p, query: q, body: b, tenant: tn, extra, documented }) => ({
    op,
    tenant: tn,
    path: p,
    query: q,
    body: b.body,
    headers: {
      ...extra,
      ...(documented as Record<string, string>),
      ...(tn !== undefined ? { 'x-tenant-id': tn } : {}),
      ...(b.contentType ? { 'content-type': b.contentType } : {}),
      ...(b.encoding ? { 'content-encoding': b.encoding } : {}),
    },
  }));
};

/** Every operation of the service's OpenAPI document but /mcp, with what the fuzzer needs of it. */
const operationsOf = (doc: { paths: Record<string, Record<string, Json>> }): Operation[] =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      // Not the MCP endpoint: its JSON-RPC bodies get a property of their own.
      .filter(() => path !== '/mcp')
      .map(([method, op]) => {
        const content = ((op['requestBody'] as Json | undefined)?.['content'] ?? {}) as Record<string, Json>;
        const json = content['application/json'];
        const schema = (json?.['schema'] ?? {}) as Json;
        return {
          method,
          path,
          parameters: ((op['parameters'] ?? []) as Parameter[]).filter((p) => p.in !== 'header'),
          headerParams: ((op['parameters'] ?? []) as Parameter[]).filter((p) => p.in === 'header' && p.name.toLowerCase() !== 'x-tenant-id'),
          writesConnection: path === '/connectors/{connector}/connection' && method !== 'get',
          bodyExample: json?.['example'] as Json | undefined,
          bodyFields: Object.keys((schema['properties'] ?? {}) as Json),
          multipart: 'multipart/form-data' in content,
          public: JSON.stringify(op['security']) === '[{}]',
        };
      }),
  );

/** Sends one fuzzed request and checks its answer: documented for its route, errors in the standard body. Its status. */
const exercise = async (base: string, req: Request): Promise<{ status: number; where: string }> => {
  // undici's request sends what fetch would refuse to (a body on a GET, any path bytes).
  const url = `${base}${req.path}${req.query}`;
  const answer = await request(url, {
    method: req.op.method.toUpperCase() as 'GET',
    headers: req.headers,
    ...(req.body !== undefined ? { body: req.body } : {}),
  });
  const body = await answer.body.text();
  const res = { status: answer.statusCode, headers: { get: (name: string) => headerOf(answer.headers, name) } };
  const where = `${req.op.method.toUpperCase()} ${req.path}${req.query.slice(0, 200)} -> ${res.status} ${body.slice(0, 300)}`;
  // Documented for its route (throws a ContractViolation otherwise).
  // The URL as sent: undici resolves dot segments the way new URL() does.
  checkResponse({ method: req.op.method, url }, { status: res.status, header: res.headers.get, body });
  if (res.status >= 400) {
    expect(res.headers.get('x-request-id'), where).toBeTruthy();
    const error = JSON.parse(body) as Json;
    expect(error['status'], where).toBe('error');
    expect(ERROR_CODES, where).toContain(error['code']);
    expect(typeof error['message'] === 'string' && error['message'] !== '', where).toBe(true);
    expect(body, where).not.toMatch(/at .+\.(ts|js):\d+|Bearer [A-Za-z0-9]/);
  }
  return { status: res.status, where };
};

describe('the API under fuzzing', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let operations: Operation[];
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    // Retries wait no real time, so the failing-upstream runs stay quick.
    svc = await startTestService({ env: oauthEnv(fake, { ENABLE_JIRA_PAT: 'true' }), overrides: { retrySleep: async () => undefined } });
    for (const tenant of ['fz', 'fzw']) expect((await connect(svc.url, fake, { tenant })).status).toBe(302);
    const doc = (await (await fetch(`${svc.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, Json>> };
    operations = operationsOf(doc);
    expect(operations.length).toBeGreaterThan(40);
    // The documented headers and the connection writes are among what is fuzzed.
    expect(operations.filter((op) => op.headerParams.length > 0).length).toBeGreaterThan(10);
    expect(operations.filter((op) => op.writesConnection).map((op) => op.method).sort()).toEqual(['delete', 'patch']);
  });

  /** fzw, the tenant connection writes act on, connected again when a write forgot or broke its connection. */
  const reconnectIfGone = async (req: Request): Promise<void> => {
    if (!req.op.writesConnection || req.tenant !== 'fzw') return;
    const view = (await (await fetch(`${svc.url}/connectors/jira/connection`, { headers: { 'x-tenant-id': 'fzw' } })).json()) as Json;
    if (view['connected'] !== true) expect((await connect(svc.url, fake, { tenant: 'fzw' })).status).toBe(302);
  };
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  it('answers every request with a documented status below 500, and every error in the standard body', async () => {
    const seen = new Map<string, Set<number>>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...operations).chain((op) => requestFor(op)),
        async (req) => {
          await reconnectIfGone(req);
          const { status, where } = await exercise(svc.url, req);
          expect(status, where).toBeLessThan(500);
          const key = `${req.op.method} ${req.op.path}`;
          if (!seen.has(key)) seen.set(key, new Set());
          seen.get(key)!.add(status);
        },
      ),
      { seed: 20261201, numRuns: Number(process.env['FUZZ_RUNS'] ?? 1500), interruptAfterTimeLimit: 120_000, markInterruptAsFailure: false },
    );
    // The runs reached most operations, and found both successes and refusals.
    expect(seen.size).toBeGreaterThan(operations.length * 0.8);
    const statuses = new Set([...seen.values()].flatMap((s) => [...s]));
    expect([...statuses].some((s) => s < 300)).toBe(true);
    expect([...statuses].some((s) => s >= 400)).toBe(true);
    // A connection was forgotten and reconnected along the way (a write reached its target).
    expect([...(seen.get('delete /connectors/{connector}/connection') ?? [])]).toContain(204);
    // No prototype was polluted by a body.
    expect(({} as Json)['polluted']).toBeUndefined();
  }, 180_000);

  it('/mcp: any JSON-RPC message, batch or header answers a documented status, a well-formed JSON-RPC answer or the standard body, never an internal error', async () => {
    const listed = await request(`${svc.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'x-tenant-id': 'fz' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    const tools = ((await listed.body.json()) as { result: { tools: Array<{ name: string; inputSchema: { properties?: Json; required?: string[] } }> } }).result.tools;
    expect(tools.length).toBeGreaterThan(40);
    const needingNothing = tools.filter((tool) => (tool.inputSchema.required ?? []).length === 0).map((tool) => tool.name);
    expect(needingNothing).toContain('jira_list_projects');
    // A tool's arguments: some of its own fields with any value, or anything at all.
    const toolCall = fc.oneof(
      // A call that is right as it is (a tool that needs no arguments), to reach the tools' own answers.
      { weight: 2, arbitrary: fc.constantFrom(...needingNothing).map((name) => ({ name, inputSchema: { properties: {} } })) },
      { weight: 4, arbitrary: fc.constantFrom(...tools) },
      { weight: 1, arbitrary: fc.constantFrom(...NASTY.slice(0, 12)).map((name) => ({ name, inputSchema: { properties: {} } })) },
    ).chain((tool) => {
      const fields = Object.keys(tool.inputSchema.properties ?? {});
      const args = fc.oneof(
        { weight: 4, arbitrary: fields.length > 0 ? fc.dictionary(fc.constantFrom(...fields), fc.oneof(text, value), { maxKeys: fields.length }) : fc.constant({}) },
        // Plausible values, and none (right for the tools that need none).
        { weight: 2, arbitrary: fields.length > 0 ? fc.dictionary(fc.constantFrom(...fields), fc.constantFrom('OPS-1', 'OPS', 'ENG', '10001', 10, true, 'hello'), { maxKeys: 3 }) : fc.constant({}) },
        { weight: 2, arbitrary: fc.constant({}) },
        { weight: 1, arbitrary: value },
      );
      return fc.record({ name: fc.oneof({ weight: 9, arbitrary: fc.constant<unknown>(tool.name) }, { weight: 1, arbitrary: value }), arguments: args }, { requiredKeys: ['name'] });
    });
    const id = fc.oneof(fc.integer(), fc.string({ maxLength: 6 }), fc.constant(null), fc.double(), fc.constant({ nested: 1 }));
    const message: fc.Arbitrary<unknown> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ jsonrpc: fc.constant('2.0'), id, method: fc.constant('tools/call'), params: toolCall }) },
      { weight: 1, arbitrary: fc.record({ jsonrpc: fc.constant('2.0'), id, method: fc.constantFrom('tools/list', 'ping', 'resources/list', 'prompts/list', 'logging/setLevel', 'completion/complete', 'no/such', '') }) },
      {
        weight: 1,
        arbitrary: fc.record({
          jsonrpc: fc.constant('2.0'),
          id,
          method: fc.constant('initialize'),
          params: fc.oneof(fc.constant({ protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } }), value),
        }),
      },
      // Notifications, responses to requests the server never sent, and messages that are not JSON-RPC 2.0.
      { weight: 1, arbitrary: fc.record({ jsonrpc: fc.constant('2.0'), method: fc.constantFrom('notifications/initialized', 'notifications/cancelled', 'notifications/x'), params: value }) },
      { weight: 1, arbitrary: fc.record({ jsonrpc: fc.constant('2.0'), id, result: value }) },
      { weight: 1, arbitrary: fc.record({ jsonrpc: fc.constantFrom('1.0', 2, ''), id, method: fc.constant('tools/list') }) },
      { weight: 1, arbitrary: value },
    );
    const body = fc.oneof(
      { weight: 6, arbitrary: message.map((m) => JSON.stringify(m)) },
      { weight: 2, arbitrary: fc.array(message, { minLength: 1, maxLength: 4 }).map((m) => JSON.stringify(m)) },
      { weight: 1, arbitrary: fc.constantFrom('[]', JSON.stringify(Array.from({ length: 101 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'ping' })))) },
      { weight: 1, arbitrary: fc.constantFrom(...rawBodies({ jsonrpc: '2.0', id: 1, method: 'tools/list' })) },
    );
    const headers = fc.record(
      {
        accept: fc.oneof({ weight: 6, arbitrary: fc.constant('application/json, text/event-stream') }, { weight: 1, arbitrary: fc.constantFrom('application/json', 'text/event-stream', '*/*', '') }),
        'content-type': fc.oneof({ weight: 6, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/json; charset=utf-8', 'APPLICATION/JSON') }),
        'mcp-protocol-version': fc.constantFrom(undefined, undefined, '2025-06-18', '2025-03-26', '1999-01-01', 'x'.repeat(300)),
        origin: fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('http://evil.example', 'null') }),
        'x-tenant-id': fc.constantFrom(undefined, 'fz', 'fz', 'fz', 'nobody', 'bad tenant!'),
      },
    ).map((hs) => Object.fromEntries(Object.entries(hs).filter(([, v]) => v !== undefined)) as Record<string, string>);
    const statuses = new Set<number>();
    const toolOutcomes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(body, headers, async (sent, hs) => {
        const url = `${svc.url}/mcp`;
        const answer = await request(url, { method: 'POST', headers: hs, body: sent, headersTimeout: 15_000, bodyTimeout: 15_000 });
        const text = await answer.body.text();
        const where = `POST /mcp ${JSON.stringify(hs)} ${sent.slice(0, 300)} -> ${answer.statusCode} ${text.slice(0, 300)}`;
        checkResponse({ method: 'post', url }, { status: answer.statusCode, header: (name) => headerOf(answer.headers, name), body: text });
        expect(answer.statusCode, where).toBeLessThan(500);
        statuses.add(answer.statusCode);
        expect(text, where).not.toMatch(/at .+\.(ts|js):\d+|Bearer [A-Za-z0-9]/);
        if (answer.statusCode >= 400) {
          const error = JSON.parse(text) as Json;
          expect(error['status'], where).toBe('error');
          expect(ERROR_CODES, where).toContain(error['code']);
          return;
        }
        // One answer per request (a message with a method and an id), in order; none for the rest.
        const messages = (Array.isArray(JSON.parse(sent)) ? JSON.parse(sent) : [JSON.parse(sent)]) as Json[];
        const asked = messages.filter((m) => typeof m['method'] === 'string' && 'id' in m && m['method'] !== 'notifications/cancelled').map((m) => m['id']);
        if (answer.statusCode === 202) {
          expect(asked, where).toEqual([]);
          return;
        }
        const parsed = JSON.parse(text) as Json | Json[];
        const answers = Array.isArray(parsed) ? parsed : [parsed];
        expect(answers.map((a) => a['id']), where).toEqual(asked);
        for (const a of answers) {
          expect(a['jsonrpc'], where).toBe('2.0');
          expect('result' in a !== 'error' in a, where).toBe(true);
          const error = a['error'] as { code: unknown; message: unknown } | undefined;
          if (error) {
            expect(Number.isInteger(error.code) && typeof error.message === 'string', where).toBe(true);
            // -32603 is the JSON-RPC internal error: a handler that threw.
            expect(error.code, where).not.toBe(-32603);
            toolOutcomes.add(`rpc ${String(error.code)}`);
            continue;
          }
          const result = a['result'] as { isError?: boolean; content?: Array<{ text: string }> };
          if (result.isError) {
            const failure = JSON.parse(result.content?.[0]?.text ?? '') as Json;
            expect(failure['status'], where).toBe('error');
            expect(ERROR_CODES.filter((c) => c !== 'INTERNAL_ERROR'), where).toContain(failure['code']);
            toolOutcomes.add(String(failure['code']));
          } else if (result.content) toolOutcomes.add('tool ok');
        }
      }),
      { seed: 20261208, numRuns: Number(process.env['FUZZ_MCP_RUNS'] ?? 800), interruptAfterTimeLimit: 60_000, markInterruptAsFailure: false },
    );
    // Tools ran, refused bad arguments, and the protocol refused what is not MCP.
    expect(statuses).toContain(200);
    expect(statuses).toContain(400);
    expect([...toolOutcomes]).toEqual(expect.arrayContaining(['tool ok', 'VALIDATION', 'NOT_CONNECTED', 'rpc -32602']));
  }, 90_000);

  it('when Atlassian fails (5xx, a 429, garbage, a cut connection), still answers documented statuses in the standard body, never a 500 of ours', async () => {
    const failures: Fault[] = [
      { kind: 'status', path: '', status: 500 },
      { kind: 'status', path: '', status: 503 },
      { kind: 'status', path: '', status: 429, headers: { 'retry-after': '0' } },
      { kind: 'malformed', path: '', body: '<html>upstream proxy error</html>', contentType: 'text/html' },
      { kind: 'malformed', path: '', body: '{"issues": 7, "values": "x", "results": null}' },
      { kind: 'malformed', path: '', body: '{"truncated": ' },
      { kind: 'reset', path: '' },
    ];
    const statuses = new Set<number>();
    try {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...operations).chain((op) => requestFor(op)), fc.constantFrom(...failures), async (req, failure) => {
          fake.clearFaults();
          await reconnectIfGone(req);
          // Every product API call fails this way (the OAuth endpoints answer as usual).
          for (const path of ['/rest/', '/wiki/']) fake.inject({ ...failure, path, times: 1_000_000 } as Fault);
          const { status, where } = await exercise(svc.url, req);
          expect(status, where).not.toBe(500);
          statuses.add(status);
        }),
        { seed: 20261207, numRuns: Number(process.env['FUZZ_FAILING_RUNS'] ?? 400), interruptAfterTimeLimit: 60_000, markInterruptAsFailure: false },
      );
    } finally {
      fake.clearFaults();
    }
    // The failures reached the service: it answered Atlassian's trouble as its own 502 or 429.
    expect([...statuses].some((s) => s === 502)).toBe(true);
    expect([...statuses].some((s) => s === 429)).toBe(true);
  }, 120_000);
});

describe('the API under fuzzing with AUTH_MODE=api_key: any credential, any X-Tenant-Id', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let operations: Operation[];
  /** The keys of each tenant by scope set, and the ones no request should get past authentication with. */
  const keys: Record<string, Record<'read' | 'write' | 'admin', string>> = {};
  let operatorKey = '';
  let revokedKey = '';
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    svc = await startTestService({ env: oauthEnv(fake, { AUTH_MODE: 'api_key', ENABLE_JIRA_PAT: 'true' }), overrides: { retrySleep: async () => undefined } });
    const issue = async (input: NewApiKey): Promise<{ key: string; id: string }> => {
      const r = await svc.service.useCases.apiKeys.create(input)();
      if (E.isLeft(r)) throw new Error(r.left.message);
      return { key: r.right.key, id: r.right.view.id };
    };
    for (const tenant of ['fz', 'fzw', 'nobody', 'nobodyw']) {
      const of = async (scopes: Scope[]) => (await issue({ tenantId: tenant as TenantId, scopes })).key;
      keys[tenant] = { read: await of(['read']), write: await of(['read', 'write']), admin: await of(['read', 'write', 'admin']) };
    }
    operatorKey = (await issue({ operator: true, scopes: ['admin'], name: 'ops' })).key;
    const revoked = await issue({ tenantId: 'fz' as TenantId, scopes: ['read', 'write', 'admin'] });
    revokedKey = revoked.key;
    const gone = await svc.service.useCases.apiKeys.revoke(revoked.id)();
    if (E.isLeft(gone)) throw new Error(gone.left.message);
    for (const tenant of ['fz', 'fzw']) expect((await connect(svc.url, fake, { headers: { authorization: `Bearer ${keys[tenant]!.admin}` } })).status).toBe(302);
    operations = operationsOf((await (await fetch(`${svc.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, Json>> });
    expect(operations.length).toBeGreaterThan(40);
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  /** The request as fuzzed, with an Authorization header: the named tenant's key of some scope, or a credential that is wrong. */
  /** Which credential a fuzzed request carries. */
  type CredentialChoice = 'own' | 'own, no tenant header' | 'none' | 'garbage' | 'basic' | 'operator' | 'revoked' | 'another tenant';
  const withCredential = (req: Request, choice: CredentialChoice, scope: 'read' | 'write' | 'admin'): Request => {
    const own = req.tenant !== undefined ? keys[req.tenant]?.[scope] : undefined;
    const { 'x-tenant-id': named, ...rest } = req.headers;
    const authorization: Record<CredentialChoice, string | undefined> = {
      own: own ? `Bearer ${own}` : `Bearer ${keys['fz']!.admin}`,
      'own, no tenant header': own ? `Bearer ${own}` : undefined,
      none: undefined,
      garbage: `Bearer ibk_${'x'.repeat(40)}`,
      basic: 'Basic Zm9vOmJhcg==',
      operator: `Bearer ${operatorKey}`,
      revoked: `Bearer ${revokedKey}`,
      'another tenant': `Bearer ${keys[req.tenant === 'nobody' ? 'fz' : 'nobody']!.admin}`,
    };
    const header = authorization[choice];
    return {
      ...req,
      headers: {
        ...rest,
        ...(choice !== 'own, no tenant header' && named !== undefined ? { 'x-tenant-id': named } : {}),
        ...(header !== undefined ? { authorization: header } : {}),
      },
    };
  };

  it('answers every request with a documented status below 500 (401 and 403 among them), and every error in the standard body', async () => {
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...operations).chain((op) => requestFor(op)),
        fc.constantFrom('own', 'own', 'own', 'own, no tenant header', 'own, no tenant header', 'none', 'garbage', 'basic', 'operator', 'revoked', 'another tenant' as const),
        fc.constantFrom('read' as const, 'write' as const, 'admin' as const),
        async (fuzzed, choice, scope) => {
          const req = withCredential(fuzzed, choice, scope);
          if (req.op.writesConnection && req.tenant === 'fzw') {
            const auth = { authorization: `Bearer ${keys['fzw']!.admin}` };
            const view = (await (await fetch(`${svc.url}/connectors/jira/connection`, { headers: auth })).json()) as Json;
            if (view['connected'] !== true) expect((await connect(svc.url, fake, { headers: auth })).status).toBe(302);
          }
          const { status, where } = await exercise(svc.url, req);
          expect(status, where).toBeLessThan(500);
          if (['none', 'garbage', 'basic', 'revoked'].includes(choice) && !req.op.public && status !== 404 && status !== 405) {
            // Past the public routes, no wrong credential gets further than 401 (a bad tenant header can be refused first).
            expect([400, 401, 413], where).toContain(status);
          }
          statuses.add(status);
        },
      ),
      { seed: 20261209, numRuns: Number(process.env['FUZZ_AUTH_RUNS'] ?? 1000), interruptAfterTimeLimit: 90_000, markInterruptAsFailure: false },
    );
    expect([...statuses]).toEqual(expect.arrayContaining([200, 400, 401, 403]));
  }, 150_000);
});
