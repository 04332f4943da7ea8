/**
 * Validates requests and responses against Atlassian's official OpenAPI documents
 * (Jira Cloud platform v3, Confluence Cloud v2) with ajv.
 *
 * Specs are read once from `test/fixtures/atlassian-specs/*.json.gz` (copies kept in the
 * repository; see the README there). Operation schemas are compiled lazily and cached.
 *
 * OpenAPI 3.0 -> JSON Schema conversions applied to every schema:
 * - `nullable: true` becomes a type union with `null` (or `anyOf [..., {type:null}]` without `type`);
 * - `oneOf` becomes `anyOf`: the Confluence spec uses `oneOf` over object schemas that have
 *   no `required` and no `additionalProperties:false` (e.g. PageBodyWrite | PageNestedBodyWrite
 *   for `POST /pages` body), so every valid value matches both branches and `oneOf` would fail;
 * - `example`, `examples`, `xml`, `externalDocs`, `discriminator` and `x-*` keys are dropped;
 * - `$ref: #/components/schemas/X` is rewritten to the shared `<spec>#/definitions/X`.
 * Formats come from ajv-formats (incl. int32/int64/double/byte); the non-standard formats
 * `url` (Jira) and `string` (Confluence) are registered as `uri` and no-op respectively.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

type Json = Record<string, unknown>;

// ajv / ajv-formats are CommonJS with `module.exports.default`; under NodeNext the default
// import is the module object, so take `.default` (present at runtime too).
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

const SPECS_DIR = fileURLToPath(new URL('../fixtures/atlassian-specs/', import.meta.url));

const JIRA_FILE = 'jira-platform-swagger-v3.v3.json';
const CONFLUENCE_FILE = 'confluence-v2-openapi-v2.v3.json';
const JIRA_SOFTWARE_FILE = 'jira-software-swagger.v3.json';
const CONFLUENCE_V1_FILE = 'confluence-v1-swagger.v3.json';

const DROP_KEYS = new Set(['example', 'examples', 'xml', 'externalDocs', 'discriminator', 'nullable']);

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

interface OperationRef {
  template: string;
  method: string;
  op: Json;
  pathItem: Json;
}

interface PathEntry {
  template: string;
  segments: string[]; // '' marks a template variable
  item: Json;
}

class SpecValidator {
  private readonly doc: Json;
  private readonly ajv: InstanceType<typeof Ajv>;
  private readonly paths: PathEntry[];
  private readonly cache = new Map<string, ValidateFunction | null>();
  private readonly definitions: Record<string, unknown>;

  constructor(
    private readonly id: string,
    file: string,
    /** prefixes stripped from concrete paths before matching, in order */
    private readonly stripPrefixes: RegExp[],
    /** the spec's server base path (Confluence: /wiki/api/v2); concrete paths must start with it */
    private readonly basePath: string,
  ) {
    this.doc = JSON.parse(gunzipSync(readFileSync(path.join(SPECS_DIR, `${file}.gz`))).toString('utf8')) as Json;
    const components = isObject(this.doc['components']) ? this.doc['components'] : {};
    const schemas = isObject(components['schemas']) ? components['schemas'] : {};
    this.definitions = {};
    for (const [name, s] of Object.entries(schemas)) this.definitions[name] = this.convert(s);
    this.ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, logger: false });
    addFormats(this.ajv);
    this.ajv.addFormat('url', true);
    this.ajv.addFormat('string', true);
    this.ajv.addSchema({ $id: this.id, definitions: this.definitions });
    const rawPaths = isObject(this.doc['paths']) ? this.doc['paths'] : {};
    this.paths = Object.entries(rawPaths)
      .filter((e): e is [string, Json] => isObject(e[1]))
      .map(([template, item]) => ({
        template,
        item,
        segments: template
          .split('/')
          .slice(1)
          .map((s) => (/^\{[^}]+\}$/.test(s) ? '' : s)),
      }));
  }

  /** OpenAPI 3.0 schema -> JSON Schema (draft-07 as understood by ajv). */
  private convert(schema: unknown): unknown {
    if (Array.isArray(schema)) return schema.map((s) => this.convert(s));
    if (!isObject(schema)) return schema;
    const out: Json = {};
    for (const [k, v] of Object.entries(schema)) {
      if (DROP_KEYS.has(k) || k.startsWith('x-')) continue;
      if (k === '$ref' && typeof v === 'string') {
        out[k] = v.startsWith('#/components/schemas/')
          ? `${this.id}#/definitions/${v.slice('#/components/schemas/'.length)}`
          : v;
      } else if (k === 'properties' || k === 'patternProperties' || k === 'definitions') {
        const props: Json = {};
        if (isObject(v)) for (const [pk, pv] of Object.entries(v)) props[pk] = this.convert(pv);
        out[k] = props;
      } else if (k === 'oneOf') {
        out['anyOf'] = this.convert(v);
      } else if (k === 'items' || k === 'additionalProperties' || k === 'not' || k === 'allOf' || k === 'anyOf') {
        out[k] = this.convert(v);
      } else {
        out[k] = v;
      }
    }
    if (schema['nullable'] === true) {
      if (typeof out['type'] === 'string') {
        out['type'] = [out['type'], 'null'];
        if (Array.isArray(out['enum']) && !out['enum'].includes(null)) out['enum'] = [...out['enum'], null];
        return out;
      }
      return { anyOf: [out, { type: 'null' }] };
    }
    return out;
  }

  /** Resolves a non-schema `$ref` (`#/components/requestBodies/...`, etc.) inside the document. */
  private resolve(node: unknown): unknown {
    let cur = node;
    for (let i = 0; i < 10 && isObject(cur) && typeof cur['$ref'] === 'string'; i++) {
      const ref = cur['$ref'];
      if (!ref.startsWith('#/')) return undefined;
      let target: unknown = this.doc;
      for (const part of ref.slice(2).split('/')) {
        const key = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
        target = isObject(target) ? target[key] : undefined;
      }
      cur = target;
    }
    return cur;
  }

  /** Follows schema `$ref`s among the converted definitions (to learn a parameter's type). */
  private derefSchema(schema: unknown): Json {
    let cur = schema;
    const prefix = `${this.id}#/definitions/`;
    for (let i = 0; i < 10 && isObject(cur) && typeof cur['$ref'] === 'string'; i++) {
      const ref = cur['$ref'];
      cur = ref.startsWith(prefix) ? this.definitions[ref.slice(prefix.length)] : undefined;
    }
    return isObject(cur) ? cur : {};
  }

  normalizePath(p: string): string | null {
    let s = p.replace(/^[a-z]+:\/\/[^/]+/i, '').replace(/[?#].*$/, '');
    for (const re of this.stripPrefixes) s = s.replace(re, '');
    if (this.basePath) {
      if (s === this.basePath) return '/';
      if (!s.startsWith(`${this.basePath}/`)) return null;
      s = s.slice(this.basePath.length);
    }
    if (s.length > 1) s = s.replace(/\/+$/, '');
    return s;
  }

  findOperation(method: string, concretePath: string): OperationRef | string {
    const m = method.toLowerCase();
    const p = this.normalizePath(concretePath);
    if (p === null) return `not in spec: ${method.toUpperCase()} ${concretePath} (outside ${this.basePath})`;
    let best: PathEntry | undefined = this.paths.find((e) => e.template === p);
    if (!best) {
      const segs = p.split('/').slice(1);
      let bestScore: number[] | undefined;
      for (const e of this.paths) {
        if (e.segments.length !== segs.length) continue;
        let ok = true;
        const score: number[] = [];
        for (let i = 0; i < segs.length; i++) {
          const t = e.segments[i];
          const s = segs[i];
          if (t === '') {
            if (!s) ok = false;
            score.push(0);
          } else if (t === s) {
            score.push(1);
          } else {
            ok = false;
          }
          if (!ok) break;
        }
        if (!ok) continue;
        // prefer literal segments, earliest first
        if (!bestScore || compareScore(score, bestScore) > 0) {
          best = e;
          bestScore = score;
        }
      }
    }
    if (!best) return `not in spec: ${method.toUpperCase()} ${concretePath}`;
    const op = best.item[m];
    if (!isObject(op)) return `not in spec: ${method.toUpperCase()} ${best.template} (path exists, method does not)`;
    return { template: best.template, method: m, op, pathItem: best.item };
  }

  private compile(key: string, schema: unknown): ValidateFunction | null {
    if (this.cache.has(key)) return this.cache.get(key) ?? null;
    const fn = schema === undefined ? null : this.ajv.compile(this.convert(schema) as Json);
    this.cache.set(key, fn);
    return fn;
  }

  private jsonSchemaOf(content: unknown): unknown {
    if (!isObject(content)) return undefined;
    const key =
      Object.keys(content).find((k) => k === 'application/json') ??
      Object.keys(content).find((k) => k.includes('json')) ??
      Object.keys(content).find((k) => k === '*/*');
    if (key === undefined) return undefined;
    const media = content[key];
    return isObject(media) ? media['schema'] : undefined;
  }

  validateResponse(method: string, p: string, status: number, body: unknown): string[] {
    const found = this.findOperation(method, p);
    if (typeof found === 'string') return [found];
    const responses = isObject(found.op['responses']) ? found.op['responses'] : {};
    const statusKey = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => k in responses);
    if (statusKey === undefined) {
      return [
        `status ${status} not documented for ${found.method.toUpperCase()} ${found.template} (documented: ${Object.keys(responses).join(', ')})`,
      ];
    }
    const response = this.resolve(responses[statusKey]);
    const schema = isObject(response) ? this.jsonSchemaOf(response['content']) : undefined;
    const fn = this.compile(`res ${found.method} ${found.template} ${statusKey}`, schema);
    if (!fn) return []; // documented status without a JSON schema: nothing to check
    return fn(body) ? [] : formatErrors(fn.errors);
  }

  /**
   * A multipart/form-data request: the operation must take one, and the parts named by its
   * schema's properties (or `file` for an array of MultipartFile) must be there.
   */
  validateMultipartRequest(method: string, p: string, partNames: readonly string[]): string[] {
    const found = this.findOperation(method, p);
    if (typeof found === 'string') return [found];
    const rb = this.resolve(found.op['requestBody']);
    const content = isObject(rb) && isObject(rb['content']) ? rb['content'] : {};
    const where = `${found.method.toUpperCase()} ${found.template}`;
    if (!('multipart/form-data' in content)) return [`${where} takes no multipart/form-data body`];
    if (partNames.length === 0) return ['the multipart body has no parts'];
    const media = content['multipart/form-data'];
    const schema = this.resolve(isObject(media) ? media['schema'] : undefined);
    if (isObject(schema) && isObject(schema['properties'])) {
      const known = Object.keys(schema['properties']);
      const required = Array.isArray(schema['required']) ? schema['required'].filter((r): r is string => typeof r === 'string') : [];
      return [
        ...required.filter((r) => !partNames.includes(r)).map((r) => `missing the part "${r}"`),
        ...partNames.filter((n) => !known.includes(n)).map((n) => `the part "${n}" is not in the schema (${known.join(', ')})`),
      ];
    }
    // Jira's schema is a bare array of files; its description names the part.
    const named = /parameter that contains the attachments must be `([^`]+)`/.exec(String(found.op['description'] ?? ''))?.[1];
    return named ? partNames.filter((n) => n !== named).map((n) => `the part "${n}" should be "${named}" (the description)`) : [];
  }

  validateRequestBody(method: string, p: string, body: unknown): string[] {
    const found = this.findOperation(method, p);
    if (typeof found === 'string') return [found];
    const rb = this.resolve(found.op['requestBody']);
    if (!isObject(rb)) {
      return body === undefined ? [] : [`${found.method.toUpperCase()} ${found.template} takes no request body`];
    }
    if (body === undefined) return rb['required'] === true ? ['request body is required'] : [];
    const schema = this.jsonSchemaOf(rb['content']);
    const fn = this.compile(`req ${found.method} ${found.template}`, schema);
    if (!fn) return [`${found.method.toUpperCase()} ${found.template} has no JSON request body schema`];
    return fn(body) ? [] : formatErrors(fn.errors);
  }

  validateQuery(method: string, p: string, query: URLSearchParams): string[] {
    const found = this.findOperation(method, p);
    if (typeof found === 'string') return [found];
    const params = new Map<string, Json>();
    const all = [
      ...(Array.isArray(found.pathItem['parameters']) ? found.pathItem['parameters'] : []),
      ...(Array.isArray(found.op['parameters']) ? found.op['parameters'] : []),
    ];
    for (const raw of all) {
      const param = this.resolve(raw);
      if (isObject(param) && param['in'] === 'query' && typeof param['name'] === 'string') {
        params.set(param['name'], param);
      }
    }
    const errors: string[] = [];
    for (const name of new Set(query.keys())) {
      if (!params.has(name)) errors.push(`unknown query parameter "${name}"`);
    }
    for (const [name, param] of params) {
      const values = query.getAll(name);
      if (values.length === 0) {
        if (param['required'] === true) errors.push(`missing required query parameter "${name}"`);
        continue;
      }
      const fn = this.compile(`query ${found.method} ${found.template} ${name}`, param['schema'] ?? {});
      if (!fn) continue;
      const schema = this.derefSchema(this.convert(param['schema']));
      let value: unknown;
      if (schema['type'] === 'array') {
        // Atlassian accepts both repeated parameters and comma-separated lists
        const itemSchema = this.derefSchema(schema['items']);
        value = values.flatMap((v) => v.split(',')).map((v) => coerce(v, itemSchema['type']));
      } else {
        if (values.length > 1) errors.push(`query parameter "${name}" given ${values.length} times`);
        value = coerce(values[0] ?? '', schema['type']);
      }
      if (!fn(value)) errors.push(...formatErrors(fn.errors).map((e) => `query "${name}": ${e}`));
    }
    return errors;
  }

  validateSchema(name: string, value: unknown): string[] {
    if (!(name in this.definitions)) return [`no schema named ${name}`];
    const fn = this.compile(`schema ${name}`, { $ref: `#/components/schemas/${name}` });
    if (!fn) return [];
    return fn(value) ? [] : formatErrors(fn.errors);
  }
}

function compareScore(a: number[], b: number[]): number {
  const sa = a.reduce((x, y) => x + y, 0);
  const sb = b.reduce((x, y) => x + y, 0);
  if (sa !== sb) return sa - sb;
  for (let i = 0; i < a.length; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

function coerce(v: string, type: unknown): unknown {
  if (type === 'integer' || type === 'number') {
    return /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(v) ? Number(v) : v;
  }
  if (type === 'boolean') return v === 'true' ? true : v === 'false' ? false : v;
  return v;
}

function formatErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const where = e.instancePath || '(root)';
    const extra =
      'additionalProperty' in e.params
        ? `: ${String(e.params['additionalProperty'])}`
        : 'allowedValues' in e.params
          ? `: ${JSON.stringify(e.params['allowedValues'])}`
          : '';
    return `${where} ${e.message ?? e.keyword}${extra}`;
  });
}

let jira: SpecValidator | undefined;
let confluence: SpecValidator | undefined;

function jiraSpecInstance(): SpecValidator {
  jira ??= new SpecValidator('jira-v3', JIRA_FILE, [/^\/ex\/jira\/[^/]+(?=\/)/], '');
  return jira;
}

function confluenceSpecInstance(): SpecValidator {
  // servers: https://{your-domain}/wiki/api/v2 -> the spec's paths are relative to /wiki/api/v2
  confluence ??= new SpecValidator(
    'confluence-v2',
    CONFLUENCE_FILE,
    [/^\/ex\/confluence\/[^/]+(?=\/)/],
    '/wiki/api/v2',
  );
  return confluence;
}

/** `path` may be a spec template (`/rest/api/3/search/jql`), a concrete path, a gateway path
 * (`/ex/jira/{cloudId}/rest/api/3/...`) or a full URL; the query string is ignored. */
export function validateJiraResponse(method: string, path: string, status: number, body: unknown): string[] {
  return jiraSpecInstance().validateResponse(method, path, status, body);
}
export function validateJiraRequestBody(method: string, path: string, body: unknown): string[] {
  return jiraSpecInstance().validateRequestBody(method, path, body);
}
export function validateJiraQuery(method: string, path: string, query: URLSearchParams): string[] {
  return jiraSpecInstance().validateQuery(method, path, query);
}
/** Validates a value against `#/components/schemas/<name>` of the Jira spec (e.g. `StatusDetails`). */
export function validateJiraSchema(name: string, value: unknown): string[] {
  return jiraSpecInstance().validateSchema(name, value);
}

/** `path` is the full site path (`/wiki/api/v2/spaces`, also with `/ex/confluence/{cloudId}`),
 * or a full URL; anything outside `/wiki/api/v2` (e.g. v1 search) is reported as not in spec. */
export function validateConfluenceResponse(method: string, path: string, status: number, body: unknown): string[] {
  return confluenceSpecInstance().validateResponse(method, path, status, body);
}
export function validateConfluenceRequestBody(method: string, path: string, body: unknown): string[] {
  return confluenceSpecInstance().validateRequestBody(method, path, body);
}
export function validateConfluenceQuery(method: string, path: string, query: URLSearchParams): string[] {
  return confluenceSpecInstance().validateQuery(method, path, query);
}
export function validateConfluenceSchema(name: string, value: unknown): string[] {
  return confluenceSpecInstance().validateSchema(name, value);
}

let jiraSoftware: SpecValidator | undefined;
let confluenceV1: SpecValidator | undefined;

/** Jira Software (`/rest/agile/1.0`), also behind the OAuth gateway's `/ex/jira/{cloudId}`. */
export function jiraSoftwareSpec(): SpecValidator {
  jiraSoftware ??= new SpecValidator('jira-software', JIRA_SOFTWARE_FILE, [/^\/ex\/jira\/[^/]+(?=\/)/], '');
  return jiraSoftware;
}

/** Confluence v1 (`/wiki/rest/api`): search, label writes, attachment uploads. */
export function confluenceV1Spec(): SpecValidator {
  confluenceV1 ??= new SpecValidator('confluence-v1', CONFLUENCE_V1_FILE, [/^\/ex\/confluence\/[^/]+(?=\/)/], '');
  return confluenceV1;
}

export const jiraSpec = (): SpecValidator => jiraSpecInstance();
export const confluenceSpec = (): SpecValidator => confluenceSpecInstance();
export type { SpecValidator };
