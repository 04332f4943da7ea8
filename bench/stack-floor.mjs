// The stack floor (`node bench/run.mjs floor`): the least a service built on the stack the
// design names (koa, @koa/router, koa-bodyparser, @koa/cors, tsyringe, kysely on
// better-sqlite3, io-ts, fp-ts, pino, undici) can do for the benchmarked routes. Per request:
// one koa middleware chain, one indexed SELECT of a connection row (SQLite, or PostgreSQL with
// FLOOR_DATABASE_URL), one undici call upstream, one pino log line. No tenant rules, credentials, error mapping, limits, tracing, metrics or
// Markdown. It answers what the minimal proxies answer, so its ratio against them is the
// best any service on this stack could reach on this machine: the gap between the floor and
// the bars is the stack's, the gap between the service and the floor is ours.
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
  db = new Kysely({ dialect: new SqliteDialect({ database: sqlite }) });
}
const log = pino({ base: { service: 'stack-floor' } });
const agent = new Agent({ keepAliveTimeout: 60_000, connections: 256 });
container.register('db', { useValue: db });
const Query = t.type({ q: t.string });

// Control characters are exactly what JQL literals must not carry.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/g;
const quote = (s) => `"${s.replace(CONTROL, ' ').replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

const token = (tenant) =>
  pipe(
    TE.tryCatch(
      () =>
        container
          .resolve('db')
          .selectFrom('floor_connections')
          .select(['version', 'token'])
          .where('tenant_id', '=', tenant)
          .executeTakeFirst(),
      () => 'database',
    ),
    TE.chain((row) => (row ? TE.right(row.token) : TE.left('unknown tenant'))),
  );

const call = async (ctx, url) => {
  const got = await token(ctx.get('x-tenant-id') || 'bench')();
  if (got._tag === 'Left') ctx.throw(404, got.left);
  return agent.request({
    origin: upstream,
    path: url,
    method: 'GET',
    headers: { authorization: `Bearer ${got.right}`, accept: 'application/json' },
  });
};

const router = new Router();
router.get('/healthz', (ctx) => {
  ctx.body = { status: 'ok' };
});
router.get('/connectors/jira/search', async (ctx) => {
  const query = Query.decode({ q: ctx.query.q ?? '' });
  if (query._tag === 'Left') ctx.throw(400, 'q');
  const limit = Number(ctx.query.limit ?? 50);
  const params = new URLSearchParams({
    jql: `text ~ ${quote(query.right.q)} ORDER BY updated DESC`,
    maxResults: String(limit),
    fields: FIELDS,
  });
  const res = await call(ctx, `/ex/jira/${cloudId}/rest/api/3/search/jql?${params}`);
  const page = JSON.parse(await res.body.text());
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
  ctx.body = {
    items,
    next_cursor: page.isLast
      ? null
      : Buffer.from(JSON.stringify({ list: 'jira-search', token: page.nextPageToken })).toString('base64url'),
  };
});
router.get('/connectors/jira/proxy/*path', async (ctx) => {
  const res = await call(ctx, `/ex/jira/${cloudId}${ctx.url.slice('/connectors/jira/proxy'.length)}`);
  ctx.status = res.statusCode;
  ctx.set('x-upstream-status', String(res.statusCode));
  for (const name of ['content-type', 'content-length'])
    if (res.headers[name] !== undefined) ctx.set(name, String(res.headers[name]));
  // Read whole, as the service does with an answer under 1 MiB: one write, not a pipe.
  ctx.body = Buffer.from(await res.body.arrayBuffer());
});
router.get('/connectors/confluence/pages/:id', async (ctx) => {
  const res = await call(
    ctx,
    `/ex/confluence/${cloudId}/wiki/api/v2/pages/${encodeURIComponent(ctx.params.id)}?body-format=storage`,
  );
  // Parsed, as any service that reads the page must, and answered without its body: less than
  // any answer that carries the page, so a floor (run.mjs checks the id, title and version).
  const page = JSON.parse(await res.body.text());
  ctx.body = {
    id: page.id,
    title: page.title,
    version: page.version?.number ?? null,
    body_chars: page.body?.storage?.value?.length ?? 0,
  };
});

const app = new Koa();
app.use(async (ctx, next) => {
  const started = performance.now();
  try {
    await next();
  } finally {
    log.info(
      {
        method: ctx.method,
        path: ctx.path,
        status: ctx.status,
        ms: performance.now() - started,
        request_id: ctx.get('x-request-id') || undefined,
      },
      'request',
    );
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
