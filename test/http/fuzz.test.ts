/**
 * The service's own OpenAPI document drives a fuzzer (fast-check, a fixed seed, a bounded
 * number of runs): every operation gets random and boundary values in its path, query and
 * body, wrong types and content types, broken encodings, duplicate keys, `__proto__`, huge
 * numbers and invalid UTF-8, for a connected tenant, an unconnected one and a malformed one.
 * Nothing is injected at the fake Atlassian, so no answer may be a 5xx; every error must be
 * the standard body with a request id; and every status must be documented for its route
 * (the contract check of test/support/api-contract.ts throws from fetch otherwise).
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/domain/errors.js';
import { checkResponse } from '../support/api-contract.js';
import { startFakeAtlassian, type FakeAtlassian, type Fault } from '../support/fake-atlassian.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';

type Json = Record<string, unknown>;

interface Parameter {
  readonly name: string;
  readonly in: string;
  readonly example?: unknown;
}
interface Operation {
  readonly method: string;
  readonly path: string;
  readonly parameters: readonly Parameter[];
  readonly bodyExample: Json | undefined;
  readonly bodyFields: readonly string[];
  readonly multipart: boolean;
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
      { weight: 3, arbitrary: fc.constant(enc(String(p.example ?? 'x'))) },
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
  const query = fc
    .array(
      fc.tuple(fc.oneof(queryNames.length > 0 ? fc.constantFrom(...queryNames) : fc.constant('q'), fc.constantFrom('projct', '__proto__', 'limit', 'cursor', '')), fc.oneof(text, fc.integer().map(String))),
      { maxLength: 4 },
    )
    .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')}`));
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
  const tenant = fc.constantFrom<string | undefined>('fz', 'fz', 'nobody', undefined, 'bad tenant!', 'x'.repeat(200));
  return fc.record({ path, query, body, tenant }).map(({ path: p, query: q, body: b, tenant: tn }) => ({
    op,
    tenant: tn,
    path: p,
    query: q,
    body: b.body,
    headers: {
      ...(tn !== undefined ? { 'x-tenant-id': tn } : {}),
      ...(b.contentType ? { 'content-type': b.contentType } : {}),
      ...(b.encoding ? { 'content-encoding': b.encoding } : {}),
    },
  }));
};

describe('the API under fuzzing', () => {
  let fake: FakeAtlassian;
  let svc: TestService;
  let operations: Operation[];
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    // Retries wait no real time, so the failing-upstream runs stay quick.
    svc = await startTestService({ env: oauthEnv(fake, { ENABLE_JIRA_PAT: 'true' }), overrides: { retrySleep: async () => undefined } });
    expect((await connect(svc.url, fake, { tenant: 'fz' })).status).toBe(302);
    const doc = (await (await fetch(`${svc.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, Json>> };
    operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        // Not the MCP endpoint (its own protocol has its own tests) and not disconnecting the fuzzed tenant.
        .filter(([method]) => path !== '/mcp' && !(path === '/connectors/{connector}/connection' && method !== 'get'))
        .map(([method, op]) => {
          const content = ((op['requestBody'] as Json | undefined)?.['content'] ?? {}) as Record<string, Json>;
          const json = content['application/json'];
          const schema = (json?.['schema'] ?? {}) as Json;
          return {
            method,
            path,
            parameters: ((op['parameters'] ?? []) as Parameter[]).filter((p) => p.in !== 'header'),
            bodyExample: json?.['example'] as Json | undefined,
            bodyFields: Object.keys((schema['properties'] ?? {}) as Json),
            multipart: 'multipart/form-data' in content,
          };
        }),
    );
    expect(operations.length).toBeGreaterThan(40);
  });
  afterAll(async () => {
    await svc.close();
    await fake.close();
  });

  /** Sends one fuzzed request and checks its answer: documented for its route, errors in the standard body. Its status. */
  const exercise = async (req: Request): Promise<{ status: number; where: string }> => {
    // undici's request sends what fetch would refuse to (a body on a GET, any path bytes).
    const url = `${svc.url}${req.path}${req.query}`;
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

  it('answers every request with a documented status below 500, and every error in the standard body', async () => {
    const seen = new Map<string, Set<number>>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...operations).chain((op) => requestFor(op)),
        async (req) => {
          const { status, where } = await exercise(req);
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
    // No prototype was polluted by a body.
    expect(({} as Json)['polluted']).toBeUndefined();
  }, 180_000);

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
          // Every product API call fails this way (the OAuth endpoints answer as usual).
          for (const path of ['/rest/', '/wiki/']) fake.inject({ ...failure, path, times: 1_000_000 } as Fault);
          const { status, where } = await exercise(req);
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
