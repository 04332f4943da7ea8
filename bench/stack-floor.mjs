// The stack floor (`node bench/run.mjs floor`): the least a service built on the stack the
// design names (koa, @koa/router, koa-bodyparser, @koa/cors, tsyringe, kysely on
// better-sqlite3 or PostgreSQL, io-ts, fp-ts, pino, undici; the MCP SDK, prom-client and the
// OpenTelemetry API for the MCP and watched variants) can do for the benchmarked routes. Per
// request: one koa middleware chain, one indexed SELECT of a connection row (SQLite, or
// PostgreSQL with FLOOR_DATABASE_URL), one undici call upstream, one pino log line. No tenant
// rules, credentials, error mapping, limits or budgets. It answers what the minimal proxies
// answer, so its ratio against them is the best any service on this stack could reach on
// this machine: the gap between the floor and the bars is the stack's, the gap between the
// service and the floor is ours.
import 'reflect-metadata';
import Koa from 'koa';
import Router from '@koa/router';
import bodyParser from 'koa-bodyparser';
import cors from '@koa/cors';
import { container } from 'tsyringe';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import Database from 'better-sqlite3';
import pino from 'pino';
import * as t from 'io-ts';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import { Agent } from 'undici';

const upstream = process.env.UPSTREAM_URL ?? 'http://127.0.0.1:9';
const cloudId = '11111111-1111-4111-8111-111111111111';
const site = 'https://acme.atlassian.net';
const FIELDS = 'summary,status,issuetype,assignee,updated';

// FLOOR_DATABASE_URL (postgresql://...): the same row on a PostgreSQL pool of the service's
// size (10) instead of SQLite, for the service's PostgreSQL bar.
const pgUrl = process.env.FLOOR_DATABASE_URL;
const CREATE =
  'CREATE TABLE IF NOT EXISTS floor_connections (tenant_id TEXT PRIMARY KEY, version INTEGER NOT NULL, token TEXT NOT NULL)';
let db;
if (pgUrl) {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: pgUrl, max: 10 });
  pool.on('error', () => undefined);
  await pool.query(CREATE);
  await pool.query(
    "INSERT INTO floor_connections VALUES ('bench', 1, 'bench-access-token') ON CONFLICT (tenant_id) DO NOTHING",
  );
  db = new Kysely({ dialect: new PostgresDialect({ pool }) });
} else {
  const sqlite = new Database(process.env.FLOOR_DB ?? ':memory:');
  sqlite.exec(CREATE);
  sqlite.prepare('INSERT OR REPLACE INTO floor_connections VALUES (?, 1, ?)').run('bench', 'bench-access-token');
  // Kysely's SQLite driver prepares every statement anew; prepared statements kept by their
  // SQL text, as the service keeps them.
  const prepared = new Map();
  const database = {
    close: () => sqlite.close(),
    prepare: (sql) => prepared.get(sql) ?? prepared.set(sql, sqlite.prepare(sql)).get(sql),
  };
  db = new Kysely({ dialect: new SqliteDialect({ database }) });
}
const log = pino({ base: { service: 'stack-floor' } });
const agent = new Agent({ keepAliveTimeout: 60_000, connections: 256 });
container.register('db', { useValue: db });
const Query = t.type({ q: t.string });

// Control characters are exactly what JQL literals must not carry.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/g;
const quote = (s) => `"${s.replace(CONTROL, ' ').replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

// Built and compiled once, as the service's stamp query is; each request runs it with its tenant.
const rowQuery = container
  .resolve('db')
  .selectFrom('floor_connections')
  .select(['version', 'token'])
  .where('tenant_id', '=', '')
  .compile();
const token = (tenant) =>
  pipe(
    TE.tryCatch(
      async () => (await container.resolve('db').executeQuery({ ...rowQuery, parameters: [tenant] })).rows[0],
      () => 'database',
    ),
    TE.chain((row) => (row ? TE.right(row.token) : TE.left('unknown tenant'))),
  );

// FLOOR_OBSERVE=1 (started with `--import bench/otel-setup.mjs`; =tracing for the spans alone,
// without prom-client): what watching needs at the least, as the service does it: a request
// histogram by route, method and status and an upstream one on a prom-client registry served
// on METRICS_PORT, a server span per request (W3C traceparent read), a span for the work and a
// client span per upstream call (its traceparent sent), each with its parent passed by hand
// (see `spanned`). Loaded only then, so the plain floor's start-up carries none of it.
const observed =
  process.env.FLOOR_OBSERVE === 'tracing'
    ? await (async () => {
        const api = await import('@opentelemetry/api');
        const none = { observe: () => undefined };
        return { api, tracer: api.trace.getTracer('stack-floor'), requests: none, upstreamCalls: none };
      })()
    : process.env.FLOOR_OBSERVE === '1'
      ? await (async () => {
          const api = await import('@opentelemetry/api');
          const { default: client } = await import('prom-client');
          const registry = new client.Registry();
          client.collectDefaultMetrics({ register: registry });
          const requests = new client.Histogram({
            name: 'floor_http_request_duration_seconds',
            help: 'requests',
            labelNames: ['route', 'method', 'status'],
            registers: [registry],
          });
          const upstreamCalls = new client.Histogram({
            name: 'floor_upstream_duration_seconds',
            help: 'upstream calls',
            labelNames: ['operation', 'status'],
            registers: [registry],
          });
          const { createServer } = await import('node:http');
          createServer(async (_req, res) => {
            res.setHeader('content-type', registry.contentType);
            res.end(await registry.metrics());
          }).listen(Number(process.env.METRICS_PORT ?? 0), '127.0.0.1');
          return { api, tracer: api.trace.getTracer('stack-floor'), requests, upstreamCalls };
        })()
      : undefined;

/**
 * `work(span, itsContext)` inside a span under `parent` when observed; `work()` otherwise. The
 * parent's context is passed by hand and no span is ever made active, so the SDK's
 * AsyncLocalStorage context manager is never entered (on Node 20 entering it turns on a hook
 * for every promise): the least tracing with this parentage costs.
 */
const spanned = (name, kind, work, parent) => {
  if (!observed) return work(undefined, undefined);
  const span = observed.tracer.startSpan(name, { kind }, parent);
  return work(span, observed.api.trace.setSpan(parent, span)).finally(() => span.end());
};

/**
 * One answer read whole on undici's dispatcher, as the service reads its answers
 * (src/adapters/undici/http-transport.ts): no body stream, the chunks joined once.
 */
const requestWhole = (options) =>
  new Promise((resolve, reject) => {
    let statusCode = 0;
    let headers = {};
    const chunks = [];
    agent.dispatch(options, {
      onRequestStart() {},
      onResponseStart(_c, status, h) {
        statusCode = status;
        headers = h;
      },
      onResponseData(_c, chunk) {
        chunks.push(chunk);
      },
      onResponseEnd() {
        const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        resolve({ statusCode, headers, body: { bytes, text: () => bytes.toString('utf8') } });
      },
      onResponseError(_c, err) {
        reject(err);
      },
    });
  });

const call = async (tenant, url, trace) => {
  const got = await token(tenant)();
  if (got._tag === 'Left') throw Object.assign(new Error(got.left), { status: 404, expose: true });
  const headers = { authorization: `Bearer ${got.right}`, accept: 'application/json' };
  return spanned(
    'GET upstream',
    2,
    async (span, here) => {
      const started = performance.now();
      if (span) observed.api.propagation.inject(here, headers);
      const res = await requestWhole({ origin: upstream, path: url, method: 'GET', headers });
      span?.setAttribute('http.response.status_code', res.statusCode);
      observed?.upstreamCalls.observe(
        { operation: 'upstream', status: String(res.statusCode) },
        (performance.now() - started) / 1000,
      );
      return res;
    },
    trace,
  );
};

/** The search's answer: what the service's REST route and its MCP tool both answer. */
const search = (tenant, q, limit, trace) =>
  spanned(
    'search',
    0,
    async (_span, here) => {
      const params = new URLSearchParams({
        jql: `text ~ ${quote(q)} ORDER BY updated DESC`,
        maxResults: String(limit),
        fields: FIELDS,
      });
      const res = await call(tenant, `/ex/jira/${cloudId}/rest/api/3/search/jql?${params}`, here);
      const page = JSON.parse(res.body.text());
      const items = page.issues.map((i) => ({
        id: i.id,
        key: i.key,
        summary: i.fields.summary ?? '',
        status: i.fields.status?.name ?? null,
        issue_type: i.fields.issuetype?.name ?? null,
        assignee: i.fields.assignee?.displayName ?? null,
        updated: i.fields.updated ?? null,
        url: `${site}/browse/${encodeURIComponent(i.key)}`,
      }));
      return {
        items,
        next_cursor: page.isLast
          ? null
          : Buffer.from(JSON.stringify({ list: 'jira-search', token: page.nextPageToken })).toString('base64url'),
      };
    },
    trace,
  );

const tenantOf = (ctx) => ctx.get('x-tenant-id') || 'bench';

const router = new Router();
router.get('/healthz', (ctx) => {
  ctx.body = { status: 'ok' };
});
router.get('/connectors/jira/search', async (ctx) => {
  const query = Query.decode({ q: ctx.query.q ?? '' });
  if (query._tag === 'Left') ctx.throw(400, 'q');
  ctx.body = await search(tenantOf(ctx), query.right.q, Number(ctx.query.limit ?? 50), ctx.state.trace);
});
router.get('/connectors/jira/proxy/*path', async (ctx) => {
  const res = await call(tenantOf(ctx), `/ex/jira/${cloudId}${ctx.url.slice('/connectors/jira/proxy'.length)}`);
  ctx.status = res.statusCode;
  ctx.set('x-upstream-status', String(res.statusCode));
  for (const name of ['content-type', 'content-length'])
    if (res.headers[name] !== undefined) ctx.set(name, String(res.headers[name]));
  // Read whole, as the service does with an answer under 1 MiB: one write, not a pipe.
  ctx.body = res.body.bytes;
});
// The page's body as Markdown, rendered once per page version with the service's own converter
// (dist/, loaded on first use): every later request is a cache hit, though its answer is still
// encoded each time (see `reuse=bytes` below for the least of all).
const renderedPages = new Map();
/** By page id: Atlassian's last answer's bytes and the answer made from them (`reuse=bytes`). */
const answeredPages = new Map();
const markdownOf = async (page) => {
  const key = `${page.id}\u0000${page.version?.number}`;
  let md = renderedPages.get(key);
  if (md === undefined) {
    const { storageToMarkdown } = await import('../dist/src/domain/markup/confluence-storage.js');
    md = storageToMarkdown(page.body?.storage?.value ?? '');
    renderedPages.set(key, md);
  }
  return md;
};
router.get('/connectors/confluence/pages/:id', async (ctx) => {
  const res = await call(
    tenantOf(ctx),
    `/ex/confluence/${cloudId}/wiki/api/v2/pages/${encodeURIComponent(ctx.params.id)}?body-format=storage`,
  );
  // With `reuse=bytes`: Atlassian's answer compared byte for byte with the last one for this
  // page, and the answer made from it then sent again, nothing parsed or encoded: the least a
  // service can do for a page read again unchanged.
  if (ctx.query.reuse === 'bytes') {
    const bytes = res.body.bytes;
    const last = answeredPages.get(ctx.params.id);
    ctx.type = 'application/json';
    if (last && last.bytes.equals(bytes)) {
      ctx.set('x-floor-reused', 'true');
      ctx.body = last.answer;
      return;
    }
    const page = JSON.parse(bytes.toString('utf8'));
    const answer = Buffer.from(
      JSON.stringify({
        id: page.id,
        title: page.title,
        version: page.version?.number ?? null,
        body_format: 'markdown',
        body: await markdownOf(page),
      }),
    );
    answeredPages.set(ctx.params.id, { bytes, answer });
    ctx.body = answer;
    return;
  }
  // Parsed, as any service that reads the page must otherwise. Without `body-format=markdown`
  // answered without its body: less than any answer that carries the page (run.mjs checks the
  // id, title and version). With it, the body as Markdown from the cache above.
  const page = JSON.parse(res.body.text());
  ctx.body = {
    id: page.id,
    title: page.title,
    version: page.version?.number ?? null,
    ...(ctx.query['body-format'] === 'markdown'
      ? { body_format: 'markdown', body: await markdownOf(page) }
      : { body_chars: page.body?.storage?.value?.length ?? 0 }),
  };
});

// FLOOR_MCP=1: the search as an MCP tools/call on POST /mcp, through the official SDK's
// protocol layer (its JSON-RPC message checks, request dispatch and the tools/call request and
// result validation), statelessly: a pool of servers answering one request at a time each,
// over a transport that hands a response straight back, and the tool's JSON text reused for
// structuredContent. That is less than the SDK's own stateless transport does per request.
const mcp =
  process.env.FLOOR_MCP === '1'
    ? await (async () => {
        const { Server } = await import('@modelcontextprotocol/sdk/server/index.js');
        const { CallToolRequestSchema } = await import('@modelcontextprotocol/sdk/types.js');
        const { AjvJsonSchemaValidator } = await import('@modelcontextprotocol/sdk/validation/ajv');
        const validator = new AjvJsonSchemaValidator();
        const idle = [];
        const checkOut = async () => {
          const pooled = idle.pop();
          if (pooled) return pooled;
          const now = { tenant: undefined, json: undefined, answer: undefined };
          const server = new Server(
            { name: 'stack-floor', version: '1.0.0' },
            { capabilities: { tools: {} }, jsonSchemaValidator: validator },
          );
          server.setRequestHandler(CallToolRequestSchema, async (request) => {
            const args = request.params.arguments ?? {};
            const result = await search(now.tenant, String(args.q ?? ''), Number(args.limit ?? 50));
            now.json = JSON.stringify(result);
            return { content: [{ type: 'text', text: now.json }], structuredContent: result };
          });
          const transport = {
            start: () => Promise.resolve(),
            close: () => Promise.resolve(),
            send: (message) => {
              now.answer?.(message);
              return Promise.resolve();
            },
          };
          await server.connect(transport);
          return { transport, now };
        };
        return async (ctx) => {
          // The SDK's protocol layer checks the message with its own schemas (isJSONRPCRequest);
          // this only keeps what it would drop unanswered (a notification, a stray response)
          // from waiting for ever.
          const message = ctx.request.body;
          if (message?.jsonrpc !== '2.0' || typeof message.method !== 'string' || message.id === undefined)
            ctx.throw(400, 'not a JSON-RPC request');
          const pooled = await checkOut();
          pooled.now.tenant = tenantOf(ctx);
          try {
            const answer = await new Promise((resolve) => {
              pooled.now.answer = resolve;
              pooled.transport.onmessage(message, { requestInfo: { headers: ctx.req.headers } });
            });
            ctx.type = 'application/json';
            const json = JSON.stringify({ ...answer, result: { ...answer.result, structuredContent: 0 } });
            ctx.body =
              pooled.now.json === undefined
                ? JSON.stringify(answer)
                : json.replace('"structuredContent":0', () => `"structuredContent":${pooled.now.json}`);
          } finally {
            Object.assign(pooled.now, { tenant: undefined, json: undefined, answer: undefined });
            idle.push(pooled);
          }
        };
      })()
    : undefined;
if (mcp) router.post('/mcp', mcp);

const app = new Koa();
app.use(async (ctx, next) => {
  const started = performance.now();
  const answer = async (span) => {
    try {
      await next();
    } finally {
      const ms = performance.now() - started;
      if (observed) {
        const route = ctx._matchedRoute ?? 'unmatched';
        span.updateName(`${ctx.method} ${route}`);
        span.setAttribute('http.response.status_code', ctx.status);
        observed.requests.observe({ route, method: ctx.method, status: String(ctx.status) }, ms / 1000);
      }
      log.info(
        {
          method: ctx.method,
          path: ctx.path,
          status: ctx.status,
          ms,
          request_id: ctx.get('x-request-id') || undefined,
          trace_id: span?.spanContext().traceId,
        },
        'request',
      );
    }
  };
  if (!observed) return answer(undefined);
  const { api, tracer } = observed;
  const parent = api.propagation.extract(api.ROOT_CONTEXT, ctx.req.headers);
  const span = tracer.startSpan(ctx.method, { kind: 1 }, parent);
  ctx.state.trace = api.trace.setSpan(parent, span);
  try {
    return await answer(span);
  } finally {
    span.end();
  }
});
app.use(cors());
app.use(bodyParser());
app.use(router.routes());
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}`, msg: 'listening' })}\n`);
});
server.keepAliveTimeout = 60_000;
process.on('SIGTERM', () => process.exit(0));
