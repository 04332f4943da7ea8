/**
 * One declaration behind every operation: each REST route of an operation, each OpenAPI
 * entry, each tool of GET /connectors/tools and each MCP tool comes from the catalog
 * (src/application/catalog), and nothing else adds one. A route, tool or document entry
 * written by hand beside the catalog fails here. Also: every field's description is its
 * own, and query strings are decoded as strictly as bodies.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS, pathParameters, takesBody } from '../../src/application/catalog/index.js';
import { toolInputSchema, toolOutputSchema } from '../../src/application/tools.js';
import { toJsonSchema } from '../../src/domain/json-schema.js';
import { expectErrorResponse } from '../support/http.js';
import { startTestService, type TestService } from '../support/service.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The service's own routes, which are not Atlassian operations and so not in the catalog. */
const SERVICE_ROUTES = [
  'GET /',
  'GET /healthz',
  'GET /health',
  'GET /readyz',
  'GET /openapi.json',
  'GET /docs',
  'GET /docs/{asset}',
  'GET /auth/jira/login',
  'GET /auth/jira/callback',
  'GET /health/authorize-url',
  'GET /health/redirect-uri',
  'GET /connectors',
  'GET /connectors/{connector}/connection',
  'PATCH /connectors/{connector}/connection',
  'DELETE /connectors/{connector}/connection',
  'GET /connectors/tools',
  'POST /connectors/tools/invoke',
  'POST /mcp',
  // The proxy: REST only, never a tool; one path with the Atlassian path as its parameter.
  'GET /connectors/{connector}/proxy/{path}',
  'POST /connectors/{connector}/proxy/{path}',
  'PUT /connectors/{connector}/proxy/{path}',
  'DELETE /connectors/{connector}/proxy/{path}',
  'GET /auth/keys',
  'POST /auth/keys',
  'DELETE /auth/keys/{id}',
  // Events (docs/events.md): the pull feed and the tenant's webhook endpoint.
  'GET /events',
  'GET /connectors/webhook',
  'PUT /connectors/webhook',
  'DELETE /connectors/webhook',
  // Jira's deliveries (docs/events-inbound.md): called by Atlassian, checked by their JWT.
  'POST /webhooks/jira',
];

const key = (method: string, path: string) => `${method.toUpperCase()} ${path}`;
const DECLARED = OPERATIONS.map((o) => key(o.http.method, o.http.path)).sort();

describe('one catalog behind every operation route, tool and OpenAPI entry', () => {
  let svc: TestService;
  let doc: Json;
  beforeAll(async () => {
    svc = await startTestService();
    doc = (await (await fetch(`${svc.url}/openapi.json`)).json()) as Json;
  });
  afterAll(() => svc.close());

  it('declares each operation once: unique names, operation ids and routes', () => {
    for (const list of [OPERATIONS.map((o) => o.name), OPERATIONS.map((o) => o.http.operationId), DECLARED]) {
      expect(new Set(list).size).toBe(list.length);
    }
    expect(OPERATIONS.length).toBeGreaterThanOrEqual(6);
  });

  it('serves a route for every declared operation and no route that is neither declared nor one of the service routes', () => {
    const served = svc.service.routes.map((r) => key(r.method, r.path));
    expect(served.filter((r) => !SERVICE_ROUTES.includes(r)).sort()).toEqual(DECLARED);
    expect(SERVICE_ROUTES.filter((r) => !served.includes(r))).toEqual([]);
  });

  it('documents every declared operation from its declaration, and nothing else under the jira and confluence tags', () => {
    const paths = doc['paths'] as Record<string, Record<string, Json>>;
    const tagged: string[] = [];
    for (const [p, item] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(item)) {
        if ((op['tags'] as string[]).some((t) => t === 'jira' || t === 'confluence')) tagged.push(key(method, p));
      }
    }
    expect(tagged.sort()).toEqual(DECLARED);
    for (const o of OPERATIONS) {
      const op = paths[o.http.path]?.[o.http.method];
      expect(op, o.name).toBeDefined();
      expect(op!['operationId']).toBe(o.http.operationId);
      expect(op!['summary']).toBe(o.title);
      expect(op!['description']).toContain(o.summary);
      expect(op!['tags']).toEqual([o.connector]);
      // Its inputs are the input codec's fields: path parameters, then the query or the body. An
      // upload's REST form takes the fields of its declaration and the file as a multipart part.
      const upload = o.file?.direction === 'upload' ? o.file : undefined;
      const input = toJsonSchema(upload ? upload.fields : o.input);
      const fields = [...Object.keys((input['properties'] ?? {}) as Json), ...(upload ? ['file'] : [])].sort();
      const parameters = ((op!['parameters'] ?? []) as Json[]).filter((p) => p['in'] !== 'header');
      expect(parameters.filter((p) => p['in'] === 'path').map((p) => p['name'])).toEqual(pathParameters(o.http.path));
      const body = (op!['requestBody'] as Json | undefined)?.['content'] as Record<string, Json> | undefined;
      const bodyType = upload ? 'multipart/form-data' : 'application/json';
      const bodyFields = Object.keys(((body?.[bodyType]?.['schema'] as Json | undefined)?.['properties'] ?? {}) as Json);
      expect([...parameters.map((p) => p['name'] as string), ...bodyFields].sort(), o.name).toEqual(fields);
      expect(bodyFields.length > 0, o.name).toBe(takesBody(o.http.method));
      // Its success is the output codec's schema (a 204 has no body; its output is the tool's
      // result); a download's is the file itself.
      const success = (op!['responses'] as Record<string, Json>)[String(o.http.status ?? 200)];
      const content = success?.['content'] as Record<string, Json> | undefined;
      expect(success, o.name).toBeDefined();
      if (o.http.status === 204) expect(content, o.name).toBeUndefined();
      else if (o.file?.direction === 'download') expect(content?.['*/*']?.['schema'], o.name).toEqual({ type: 'string', format: 'binary' });
      else expect(content?.['application/json']?.['schema'], o.name).toEqual(toJsonSchema(o.output));
    }
  });

  it('lists every declared operation as a tool over REST and over MCP, with its title and schemas, and no other tool', async () => {
    const listed = ((await (await fetch(`${svc.url}/connectors/tools`)).json()) as { tools: Json[] }).tools;
    expect(listed.map((t) => t['name'])).toEqual(OPERATIONS.map((o) => o.name));
    const client = new Client({ name: 'catalog-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', svc.url)));
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(OPERATIONS.map((o) => o.name));
      for (const o of OPERATIONS) {
        const rest = listed.find((t) => t['name'] === o.name)!;
        const mcp = tools.find((t) => t.name === o.name)!;
        expect(rest['title']).toBe(o.title);
        expect(mcp.title).toBe(o.title);
        expect(rest['description']).toBe(o.summary);
        expect(mcp.description).toBe(o.summary);
        expect(rest['input_schema']).toEqual(toolInputSchema(o));
        expect(mcp.inputSchema).toEqual(toolInputSchema(o));
        // A write tool's arguments are its operation's input and the optional idempotency_key.
        const { idempotency_key: key, ...inputProperties } = (mcp.inputSchema.properties ?? {}) as Record<string, unknown>;
        expect(key !== undefined).toBe(o.writes);
        expect(inputProperties).toEqual(toJsonSchema(o.input)['properties'] ?? {});
        expect(mcp.outputSchema).toEqual(toolOutputSchema(o));
        expect(rest['output_schema']).toEqual(toolOutputSchema(o));
        expect(mcp.annotations).toMatchObject({ readOnlyHint: !o.writes, destructiveHint: o.destructive ?? false });
      }
    } finally {
      await client.close();
    }
  });
});

describe('every description in the API belongs to the field it is on', () => {
  let svc: TestService;
  let doc: Json;
  let toolSchemas: Json[];
  beforeAll(async () => {
    svc = await startTestService();
    doc = (await (await fetch(`${svc.url}/openapi.json`)).json()) as Json;
    const tools = ((await (await fetch(`${svc.url}/connectors/tools`)).json()) as { tools: Json[] }).tools;
    toolSchemas = tools.flatMap((t) => [t['input_schema'] as Json, t['output_schema'] as Json]);
  });
  afterAll(() => svc.close());

  /** description -> the names of the fields and parameters that carry it. */
  const carriers = (roots: readonly unknown[]): Map<string, Set<string>> => {
    const found = new Map<string, Set<string>>();
    const note = (description: unknown, name: string) => {
      if (typeof description !== 'string') return;
      (found.get(description) ?? found.set(description, new Set()).get(description)!).add(name);
    };
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (!isObject(node)) return;
      if (isObject(node['properties'])) for (const [name, schema] of Object.entries(node['properties'])) note((schema as Json)['description'], name);
      if (typeof node['name'] === 'string' && typeof node['in'] === 'string') note(node['description'], node['name']);
      Object.values(node).forEach(walk);
    };
    roots.forEach(walk);
    return found;
  };

  it('finds no description on two differently named fields (a shared codec leaking its description)', () => {
    const shared = [...carriers([doc['paths'], doc['components'], ...toolSchemas])].filter(([, names]) => names.size > 1);
    expect(shared.map(([d, names]) => `${[...names].join(', ')}: "${d}"`)).toEqual([]);
  });

  it('keeps the tool-name description on tool alone, not on cloud_id, pat, base_url, email, return_url, state or code', () => {
    const found = carriers([doc['paths'], ...toolSchemas]);
    expect([...(found.get('A tool name from GET /connectors/tools.') ?? [])]).toEqual(['tool']);
    for (const [description, names] of found) {
      for (const name of ['cloud_id', 'pat', 'base_url', 'email', 'return_url', 'state', 'code']) {
        if (names.has(name)) expect(description, name).not.toMatch(/tool/i);
      }
    }
  });

  it('notices a leak: the check fails on a document where one description sits on two fields', () => {
    const leaky = { properties: { cloud_id: { description: 'A tool name.' }, pat: { description: 'A tool name.' } } };
    expect([...carriers([leaky])].filter(([, names]) => names.size > 1)).toHaveLength(1);
  });
});

describe('query strings are decoded as strictly as bodies', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(() => svc.close());

  it.each([
    ['/connectors/jira/search?q=x&projct=ENG', 'projct'],
    ['/connectors/confluence/spaces?limit=5&cursr=abc', 'cursr'],
    ['/connectors?verbose=1', 'verbose'],
    ['/connectors/tools?x=1', 'x'],
  ])('GET %s answers 400 VALIDATION naming %s, before anything is looked up', async (path, name) => {
    const body = await expectErrorResponse(await fetch(`${svc.url}${path}`), 400, 'VALIDATION');
    expect(body.message).toContain(`unknown field ${name}`);
  });

  it('refuses a query string on a route that takes a body', async () => {
    const res = await fetch(`${svc.url}/connectors/jira/create?dry_run=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ project_key: 'ENG', summary: 'x' }),
    });
    expect((await expectErrorResponse(res, 400, 'VALIDATION')).message).toContain('unknown field dry_run');
  });

  it('leaves the routes others build lenient: health probes and the OAuth callback', async () => {
    expect((await fetch(`${svc.url}/healthz?probe=lb-1`)).status).toBe(200);
    // The callback refuses a missing state (422), not the unknown parameter.
    expect((await fetch(`${svc.url}/auth/jira/callback?code=abc&session_state=xyz`, { redirect: 'manual' })).status).toBe(422);
  });
});
