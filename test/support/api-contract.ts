/**
 * The one response validator of the HTTP test suite: every response a test receives from
 * a service under test is checked against that service's own /openapi.json. The status
 * must be documented for the operation (an unknown path must be a 404, a known path with
 * another method a 405 with Allow), the media type must be one documented for that status,
 * a JSON body must match its schema, and a 429 must carry Retry-After. A violation throws
 * from `fetch` (or `rawRequest`), so the test that received it fails, naming the problem.
 *
 * `test/support/contract-setup.ts` (a vitest setup file) wraps the global fetch; services
 * started by `startTestService` or seen through `waitForListening` are watched.
 */
import Ajv2020Module, { type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv / ajv-formats are CommonJS with `module.exports.default`; under NodeNext take `.default`.
const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export class ContractViolation extends Error {
  override readonly name = 'ContractViolation';
}

interface Route {
  readonly template: string;
  readonly pattern: RegExp;
  readonly literals: number;
  readonly operations: Readonly<Record<string, Json>>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** `#/components/schemas/X` -> `urn:openapi:api#/$defs/X`, so response schemas compile beside the components. */
const rewriteRefs = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (!isObject(node)) return node;
  return Object.fromEntries(
    Object.entries(node).map(([k, v]) => [
      k,
      k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/') ? `urn:openapi:api#/$defs/${v.slice('#/components/schemas/'.length)}` : rewriteRefs(v),
    ]),
  );
};

class DocumentValidator {
  private readonly routes: readonly Route[];
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(document: Json) {
    addFormats(this.ajv);
    const components = isObject(document['components']) ? document['components'] : {};
    this.ajv.addSchema({ $id: 'urn:openapi:api', $defs: rewriteRefs(components['schemas'] ?? {}) });
    const paths = isObject(document['paths']) ? document['paths'] : {};
    this.routes = Object.entries(paths).map(([template, item]) => {
      const segments = template.split('/');
      // A path parameter documented with `x-multi-segment: true` takes the rest of the path (the proxy's).
      const multi = new Set(
        Object.values(item as Record<string, Json>)
          .flatMap((op) => (Array.isArray(op['parameters']) ? (op['parameters'] as Json[]) : []))
          .filter((p) => p['in'] === 'path' && p['x-multi-segment'] === true)
          .map((p) => `{${String(p['name'])}}`),
      );
      return {
        template,
        pattern: new RegExp(`^${segments.map((s) => (multi.has(s) ? '.+' : /^\{[^}]+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}$`),
        literals: segments.filter((s) => !s.startsWith('{')).length,
        operations: item as Record<string, Json>,
      };
    });
  }

  private route(pathname: string): Route | undefined {
    return this.routes.filter((r) => r.pattern.test(pathname)).sort((a, b) => b.literals - a.literals)[0];
  }

  private schemaCheck(id: string, schema: unknown, value: unknown): string[] {
    let fn = this.compiled.get(id);
    if (!fn) {
      fn = this.ajv.compile(rewriteRefs(schema) as Json);
      this.compiled.set(id, fn);
    }
    return fn(value) ? [] : (fn.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '(body)'} ${e.message ?? e.keyword}${'additionalProperty' in e.params ? `: ${String(e.params['additionalProperty'])}` : ''}`);
  }

  /** Problems with one response; empty when it is what the document says. */
  check(method: string, pathname: string, status: number, header: (name: string) => string | null, body: string): string[] {
    const m = method.toLowerCase();
    const mediaType = (header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const parse = (): { ok: true; value: unknown } | { ok: false } => {
      try {
        return { ok: true, value: JSON.parse(body) as unknown };
      } catch {
        return { ok: false };
      }
    };
    const isErrorBody = (): string[] => {
      const parsed = parse();
      if (mediaType !== 'application/json' || !parsed.ok) return [`expected the standard error body as JSON, got ${mediaType || 'no content type'}`];
      return this.schemaCheck('#error', { $ref: '#/components/schemas/Error' }, parsed.value);
    };
    // Answered by Node before any route (oversized headers or URL), documented in info.description.
    if (status === 431) return isErrorBody();
    const route = this.route(pathname);
    if (!route) return status === 404 ? isErrorBody() : [`no documented path matches ${pathname}, yet it answered ${status} (expected 404)`];
    const operation = route.operations[m];
    if (!operation) {
      if (status !== 405) return [`${method} is not documented on ${route.template}, yet it answered ${status} (expected 405)`];
      const allow = (header('allow') ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean).sort();
      const documented = Object.keys(route.operations).filter((k) => METHODS.includes(k)).sort();
      const problems = isErrorBody();
      if (allow.join(',') !== documented.join(',')) problems.push(`Allow: ${allow.join(', ')} but the document lists ${documented.join(', ')}`);
      return problems;
    }
    const where = `${method} ${route.template} -> ${status}`;
    const responses = isObject(operation['responses']) ? operation['responses'] : {};
    const response = responses[String(status)] ?? responses['default'];
    if (!isObject(response)) return [`${where}: status not documented (documented: ${Object.keys(responses).join(', ')})`];
    const problems: string[] = [];
    if (status === 429 && !/^\d+$/.test(header('retry-after') ?? '')) problems.push(`${where}: no Retry-After header`);
    const content = isObject(response['content']) ? response['content'] : undefined;
    if (!content) {
      if (body.length > 0 && status !== 302 && status !== 307) problems.push(`${where}: documented without a body, answered ${body.length} bytes of ${mediaType}`);
      return problems;
    }
    // A route that serves files documents */* (or type/*).
    const media = content[mediaType] ?? content[`${mediaType.split('/')[0]}/*`] ?? content['*/*'];
    if (!isObject(media)) return [...problems, `${where}: media type ${mediaType || '(none)'} not documented (documented: ${Object.keys(content).join(', ')})`];
    if (mediaType === 'application/json') {
      const parsed = parse();
      if (!parsed.ok) return [...problems, `${where}: body is not JSON`];
      problems.push(...this.schemaCheck(`${m} ${route.template} ${status}`, media['schema'] ?? {}, parsed.value).map((e) => `${where}: ${e}`));
    }
    return problems;
  }
}

const watched = new Map<string, DocumentValidator>();

/** Checks every response from `url`'s origin against `document` from now on. */
export function watchService(url: string, document: Json): void {
  watched.set(new URL(url).origin, new DocumentValidator(document));
}

/** Like watchService, for a service in another process: fetches its /openapi.json first. */
export async function watchServiceAt(url: string): Promise<void> {
  const res = await originalFetch(new URL('/openapi.json', url));
  watchService(url, (await res.json()) as Json);
}

export function unwatchService(url: string): void {
  watched.delete(new URL(url).origin);
}

/** Throws a ContractViolation when a response from a watched service breaks its document. */
export function checkResponse(
  request: { method: string; url: string; /** The path as sent, when it is not normalised (`/docs/../x`). */ rawPath?: string },
  response: { status: number; header: (name: string) => string | null; body: string },
): void {
  const url = new URL(request.url);
  const validator = watched.get(url.origin);
  const method = request.method.toUpperCase();
  if (!validator || method === 'HEAD' || method === 'OPTIONS') return;
  const pathname = request.rawPath?.replace(/[?#].*$/, '') ?? url.pathname;
  const problems = validator.check(method, pathname, response.status, response.header, response.body);
  if (problems.length > 0) {
    throw new ContractViolation(`${method} ${pathname} answered against /openapi.json: ${problems.join('; ')}\n${response.body.slice(0, 500)}`);
  }
}

let originalFetch: typeof fetch = globalThis.fetch;

/** Wraps the global fetch once per test process (the vitest setup file calls it). */
export function installContractCheck(): void {
  if ((globalThis.fetch as { contractChecked?: boolean }).contractChecked) return;
  originalFetch = globalThis.fetch;
  const checked = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const res = await originalFetch(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    // A followed redirect hides the answer that was ours; only direct answers are checked.
    if (res.redirected || !watched.has(new URL(url).origin)) return res;
    const body = await res.clone().text();
    checkResponse({ method, url }, { status: res.status, header: (name) => res.headers.get(name), body });
    return res;
  };
  globalThis.fetch = Object.assign(checked, { contractChecked: true }) as typeof fetch;
}
