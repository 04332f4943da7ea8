// Benchmarks, each against a baseline measured in the same run (ratios, not absolute
// numbers, are what carry over between machines). Run with `npm run bench`.
//   1. start-up: process start to the first 200 from GET /healthz, vs a bare node:http server.
//   2. search: GET /connectors/jira/search through the full service vs bench/minimal-proxy.mjs,
//      both calling the same upstream (50 issues). Servers on core 0, load generator and
//      upstream on core 1, runs interleaved, medians printed.
//   Set BENCH_DATABASE_URL=postgresql://... (a database of its own: its tables are emptied)
//   to run the service of 2 and 3 on PostgreSQL.
//   3. mcp: the same search as an MCP tools/call on POST /mcp (stateless, pooled MCP servers)
//      vs the REST route, on one service process: what the protocol costs. Bar: >= 0.9.
//   6. proxy: GET /connectors/jira/proxy/rest/api/3/search/jql through the full service vs
//      bench/minimal-proxy.mjs piping the same upstream call; bar: at least 0.7 of its throughput.
//   7. issue: GET /connectors/jira/issues/ENG-1?comments=20 (a 20 KB ADF description and 20
//      comments, rendered to Markdown) through the full service vs bench/minimal-issue-proxy.mjs
//      answering the raw issue and comments from the same two upstream calls. Bar: >= 0.5.
//   4. markup: Markdown -> ADF and ADF -> Markdown (dist/src/domain/markup) on the CommonMark
//      spec's 652 examples, a 1 MB and a 5 MB document, vs the marklassian package on the same
//      inputs, in this process, runs interleaved, medians. Bar: the 5 MB document in under 2 s.
//   5. page: GET /connectors/confluence/pages/{id} with a 100 KB storage body rendered to
//      Markdown (with its ancestors and space) through the whole service, vs
//      bench/minimal-page-proxy.mjs returning the raw page, both on bench/upstream-confluence.mjs.
//      Bar: at least 0.5 of the proxy's throughput.
//   8. observability: the search on a plain service vs one with /metrics on (scraped each
//      second) and an OpenTelemetry SDK recording every span; bar: at least 0.95 of the plain one.
//   9. ratelimit: the search of 2 with RATE_LIMIT_PER_TENANT on (never refusing) vs off, on two
//      service processes, interleaved: the throughput ratio. With BENCH_DATABASE_URL the limiter
//      is RATE_LIMIT_SHARED (one statement per request on PostgreSQL); without, in memory.
//  10. healthz: GET /healthz through the whole middleware stack, with its log line, vs a raw
//      node:http server answering the same body; bar: at least 0.4 of its throughput.
//  11. floor (only when named): bench/stack-floor.mjs, the design's stack doing the least the
//      search, proxy and page routes need (the page without a body, in Markdown, and reused by
//      its bytes), vs the same minimal proxies; its MCP tools/call vs its REST route and its
//      watched vs its plain search, as the service's bars pair them; and its bundle's start-up
//      vs the bare server: the best any service on this stack reaches here. With
//      BENCH_DATABASE_URL its connection row is read from PostgreSQL, as the service's is;
//      BENCH_FLOOR_ONLY=search,mcp,... runs some of its cases.
//   BENCH_SERVICE_NODE_ARGS passes node flags to the service alone (e.g. --cpu-prof).
//   Every service runs with UPSTREAM_CONCURRENCY_PER_TENANT sized to the load's connections
//   (BENCH_CONCURRENCY, 32): the cap takes and frees a slot on every call, but no call waits
//   for one. All the load is one tenant's, and at the default of 8 the run would measure the
//   cap holding 24 of 32 calls back, not the service's speed (docs/performance.md, "The
//   tenant cap in the benchmarks"). BENCH_UPSTREAM_CONCURRENCY=8 measures with the default.
import { spawn } from 'node:child_process';
import { setInterval, clearInterval } from 'node:timers';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const dist = (p) => path.join(root, 'dist', 'src', p);
// What `npm start` runs; BENCH_MAIN=another/bundle/main.mjs measures another build (an A/B
// of two bundles, alternated run by run).
const MAIN = process.env.BENCH_MAIN ?? path.join(root, 'dist', 'bundle', 'main.mjs');
const BENCH_KEY = randomBytes(32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 4000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
// The per-tenant cap on calls to Atlassian, sized to the load so that nothing queues (see the top).
const UPSTREAM_CONCURRENCY = process.env.BENCH_UPSTREAM_CONCURRENCY ?? String(CONCURRENCY);
const haveTaskset = fs.existsSync('/usr/bin/taskset') && os.cpus().length >= 2;
const pinned = (core, cmd, args) => (haveTaskset ? ['taskset', ['-c', String(core), cmd, ...args]] : [cmd, args]);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const CLK_TCK = 100;
/** Resident memory of a process, in MiB. */
const rssMiB = (pid) => {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return line ? Number(line.split(/\s+/)[1]) / 1024 : NaN;
};
const cpuMs = (pid) => {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
};

async function waitFor(url, deadlineMs = 10_000) {
  const started = performance.now();
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.status === 200) return performance.now() - started;
    } catch {
      /* not yet */
    }
    if (performance.now() - started > deadlineMs) throw new Error(`no 200 from ${url}`);
    await sleep(2);
  }
}

/** Every process a benchmark starts, so a failed run leaves none behind. */
const children = new Set();

function start(core, cmd, args, env, { quiet = true } = {}) {
  const [c, a] = pinned(core, cmd, args);
  // BENCH_STDOUT_DIR=dir keeps what the quiet processes write (V8's --trace-gc-nvp lines, the
  // log) in dir/<script>.<pid>, with `.otel` for a service started with an OpenTelemetry setup.
  const keep = quiet && process.env.BENCH_STDOUT_DIR;
  const child = spawn(c, a, { env: { ...process.env, ...env }, stdio: ['ignore', keep ? 'pipe' : quiet ? 'ignore' : 'pipe', 'inherit'] });
  if (keep) {
    const script = path.basename(args.findLast((x) => x.endsWith('.mjs') || x.endsWith('.js')) ?? cmd);
    const file = path.join(keep, `${script}${args.some((x) => x.startsWith(path.join(here, 'otel'))) ? '.otel' : ''}.${child.pid}`);
    child.stdout.pipe(fs.createWriteStream(file));
  }
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function startupBench(tmp) {
  const service = [];
  const bare = [];
  for (let i = 0; i < ROUNDS; i += 1) {
    for (const kind of ['service', 'bare']) {
      const port = await freePort();
      const t0 = performance.now();
      const child =
        kind === 'service'
          ? start(0, process.execPath, [MAIN], {
              PORT: String(port),
              HOST: '127.0.0.1',
              INTEGRATION_DB_URL: `sqlite:///${path.join(tmp, `startup-${i}.db`)}`,
              LOG_LEVEL: 'warn',
            })
          : start(0, process.execPath, ['-e', `require('http').createServer((q,s)=>s.end('{"status":"ok"}')).listen(${port},'127.0.0.1')`], {});
      await waitFor(`http://127.0.0.1:${port}/healthz`);
      const ms = performance.now() - t0;
      (kind === 'service' ? service : bare).push(ms);
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }
  return { service: median(service), bare: median(bare) };
}

async function seedConnection(location, key, upstreamUrl, connector = 'jira') {
  const { openDatabase } = await import(dist('adapters/kysely/database.js'));
  const { KyselyConnectionStore } = await import(dist('adapters/kysely/kysely-connection-store.js'));
  const { AesGcmCipher } = await import(dist('adapters/crypto/aes-gcm-cipher.js'));
  const opened = await openDatabase(location);
  // A PostgreSQL database outlives the run: start from empty tables, so the key fingerprint
  // a previous run stored does not stop the service (BENCH_DATABASE_URL is the bench's own).
  if (location.dialect === 'postgres') {
    await opened.db.deleteFrom('connections').execute();
    await opened.db.deleteFrom('service_meta').execute();
  }
  const store = new KyselyConnectionStore(opened.db);
  const cipher = new AesGcmCipher(key);
  const now = new Date();
  const r = await store.save(
    {
      tenantId: 'bench',
      connector,
      authType: 'oauth',
      status: 'active',
      siteUrl: 'https://acme.atlassian.net',
      cloudId: '11111111-1111-4111-8111-111111111111',
      sites: [{ cloudId: '11111111-1111-4111-8111-111111111111', name: 'acme', url: 'https://acme.atlassian.net', scopes: [] }],
      scopes: connector === 'jira' ? ['read:jira-work', 'offline_access'] : ['read:page:confluence', 'read:space:confluence', 'read:content.metadata:confluence', 'offline_access'],
      grantId: 'bench-grant',
      expiresAt: new Date(now.getTime() + 24 * 3600_000),
      refreshedAt: now,
      credentials: cipher.encrypt(JSON.stringify({ kind: 'oauth', access_token: 'bench-access-token', refresh_token: 'bench-refresh' })),
    },
    now,
  )();
  if (r._tag !== 'Right') throw new Error('could not seed the benchmark connection');
  await opened.close();
  void upstreamUrl;
}

function load(target, headers, body) {
  return new Promise((resolve, reject) => {
    const [c, a] = pinned(1, process.execPath, [path.join(here, 'load.mjs')]);
    const child = spawn(c, a, {
      env: {
        ...process.env,
        TARGET: target,
        HEADERS: JSON.stringify(headers),
        DURATION_MS: String(DURATION_MS),
        CONCURRENCY: String(CONCURRENCY),
        ...(body === undefined ? {} : { BODY: body }),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load generator exited ${code}`))));
  });
}

/** The upstream (core 1) and the service (core 0) with a seeded tenant "bench". */
async function startServiceWithUpstream(tmp, name, { script = 'upstream.mjs', connector = 'jira', env = {}, nodeArgs: extraArgs = [] } = {}) {
  const upstream = start(1, process.execPath, [path.join(here, script)], {}, { quiet: false });
  const upstreamUrl = await new Promise((resolve) => upstream.stdout.once('data', (d) => resolve(JSON.parse(String(d)).url)));

  // One key for the whole run: on PostgreSQL both benchmarks share the database, and its
  // stored key fingerprint must match.
  const key = BENCH_KEY;
  // BENCH_DATABASE_URL (postgresql://...) runs the service on PostgreSQL instead of a SQLite file.
  const pgUrl = process.env.BENCH_DATABASE_URL;
  const dbFile = path.join(tmp, `${name}.db`);
  const location = pgUrl ? { dialect: 'postgres', url: pgUrl, display: 'BENCH_DATABASE_URL' } : { dialect: 'sqlite', filename: dbFile };
  await seedConnection(location, key, upstreamUrl, connector);

  const servicePort = await freePort();
  // BENCH_SERVICE_NODE_ARGS: node flags for the service alone, e.g. --cpu-prof --cpu-prof-dir=/tmp/prof.
  const nodeArgs = (process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const service = start(0, process.execPath, [...nodeArgs, ...extraArgs, MAIN], {
    ...env,
    PORT: String(servicePort),
    HOST: '127.0.0.1',
    INTEGRATION_DB_URL: pgUrl ?? `sqlite:///${dbFile}`,
    INTEGRATION_ENCRYPTION_KEY: key.toString('base64'),
    ATLASSIAN_API_BASE_URL: upstreamUrl,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    LOG_PRETTY: 'false',
    UPSTREAM_CONCURRENCY_PER_TENANT: UPSTREAM_CONCURRENCY,
    ...env,
  });
  await waitFor(`http://127.0.0.1:${servicePort}/healthz`);
  return { upstream, upstreamUrl, service, servicePort };
}

const summary = (rs) => ({
  rps: median(rs.map((r) => r.rps)),
  p50: median(rs.map((r) => r.p50)),
  p99: median(rs.map((r) => r.p99)),
  cpuMsPerReq: median(rs.map((r) => r.cpuPerReq)),
  rssMiB: median(rs.map((r) => r.rss)),
  errors: rs.reduce((n, r) => n + r.errors, 0),
});

async function searchBench(tmp) {
  const { upstream, upstreamUrl, service, servicePort } = await startServiceWithUpstream(tmp, 'search');
  const proxyPort = await freePort();
  const proxy = start(0, process.execPath, [path.join(here, 'minimal-proxy.mjs')], { PORT: String(proxyPort), UPSTREAM_URL: upstreamUrl });
  const query = '/connectors/jira/search?q=cache%20invalidation&limit=50';
  // Not a fixed sleep: on a loaded machine the proxy can take longer than that to listen.
  await waitFor(`http://127.0.0.1:${proxyPort}${query}`);
  const check = await fetch(`http://127.0.0.1:${servicePort}${query}`, { headers: { 'x-tenant-id': 'bench' } });
  const checkBody = await check.json();
  if (check.status !== 200 || checkBody.items?.length !== 50) throw new Error(`service answered ${check.status}: ${JSON.stringify(checkBody).slice(0, 300)}`);
  const proxyBody = await (await fetch(`http://127.0.0.1:${proxyPort}${query}`)).json();
  // Same values, in any key order (the service's mapping lists `url` after `key`).
  if (!isDeepStrictEqual(proxyBody, checkBody)) throw new Error('the minimal proxy and the service disagree on the answer');

  const results = { service: [], proxy: [] };
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [name, child, port, headers] of [
      ['service', service, servicePort, { 'x-tenant-id': 'bench' }],
      ['proxy', proxy, proxyPort, {}],
    ]) {
      const cpu0 = cpuMs(child.pid);
      const r = await load(`http://127.0.0.1:${port}${query}`, headers);
      const cpu1 = cpuMs(child.pid);
      results[name].push({ ...r, cpuPerReq: (cpu1 - cpu0) / Math.max(1, r.requests), rss: rssMiB(child.pid) });
    }
  }
  for (const c of [service, proxy, upstream]) c.kill('SIGTERM');
  return { service: summary(results.service), proxy: summary(results.proxy), rounds: results };
}

/**
 * What watching costs: the same search on two services over one upstream, one plain, one
 * with /metrics on (METRICS_PORT, and a scrape each second) and an OpenTelemetry SDK
 * recording every span (bench/otel-setup.mjs). Interleaved rounds, medians. Bar: the
 * watched service keeps at least 0.95 of the plain one's throughput.
 */
async function observabilityBench(tmp) {
  const plain = await startServiceWithUpstream(tmp, 'plain');
  const metricsPort = await freePort();
  // BENCH_WATCH=metrics or tracing measures one of the two alone.
  const watch = process.env.BENCH_WATCH ?? 'both';
  const withMetrics = watch !== 'tracing';
  const watched = await startServiceWithUpstream(tmp, 'watched', {
    env: withMetrics ? { METRICS_PORT: String(metricsPort), METRICS_HOST: '127.0.0.1' } : {},
    // BENCH_OTEL_SETUP=another file of bench/ to start it with (bench/otel-load-only.mjs).
    nodeArgs: watch !== 'metrics' ? ['--import', path.join(here, process.env.BENCH_OTEL_SETUP ?? 'otel-setup.mjs')] : [],
  });
  const query = '/connectors/jira/search?q=cache%20invalidation&limit=50';
  for (const s of [plain, watched]) {
    const check = await fetch(`http://127.0.0.1:${s.servicePort}${query}`, { headers: { 'x-tenant-id': 'bench' } });
    if (check.status !== 200) throw new Error(`service answered ${check.status}: ${(await check.text()).slice(0, 300)}`);
  }
  if (withMetrics) {
    const scrape = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    if (scrape.status !== 200 || !(await scrape.text()).includes('integration_backend_http_request_duration_seconds')) throw new Error('the watched service serves no metrics');
  }
  const scraper = setInterval(() => withMetrics && void fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text(), () => undefined), 1000);
  const results = { plain: [], watched: [] };
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [name, s] of [
        ['plain', plain],
        ['watched', watched],
      ]) {
        const cpu0 = cpuMs(s.service.pid);
        const r = await load(`http://127.0.0.1:${s.servicePort}${query}`, { 'x-tenant-id': 'bench' });
        const cpu1 = cpuMs(s.service.pid);
        results[name].push({ ...r, cpuPerReq: (cpu1 - cpu0) / Math.max(1, r.requests), rss: rssMiB(s.service.pid) });
      }
    }
  } finally {
    clearInterval(scraper);
    for (const s of [plain, watched]) for (const c of [s.service, s.upstream]) c.kill('SIGTERM');
  }
  return { plain: summary(results.plain), watched: summary(results.watched) };
}

/**
 * The proxy route against the minimal proxy's pass-through, on the same upstream call (the
 * enhanced JQL search, 50 issues): what tenant lookup, credentials, path rules and the
 * streamed answer cost over piping bytes.
 */
async function proxyBench(tmp) {
  const { upstream, upstreamUrl, service, servicePort } = await startServiceWithUpstream(tmp, 'proxy');
  const proxyPort = await freePort();
  const proxy = start(0, process.execPath, [path.join(here, 'minimal-proxy.mjs')], { PORT: String(proxyPort), UPSTREAM_URL: upstreamUrl });
  await sleep(200);
  const call = `/connectors/jira/proxy/rest/api/3/search/jql?jql=${encodeURIComponent('text ~ "cache invalidation" ORDER BY updated DESC')}&maxResults=50&fields=summary,status,issuetype,assignee,updated`;
  const check = await fetch(`http://127.0.0.1:${servicePort}${call}`, { headers: { 'x-tenant-id': 'bench' } });
  const checkText = await check.text();
  if (check.status !== 200 || JSON.parse(checkText).issues?.length !== 50) throw new Error(`service answered ${check.status}: ${checkText.slice(0, 300)}`);
  // On a loaded machine the minimal proxy may take longer than the sleep to listen.
  let proxyText;
  for (let tries = 0; proxyText === undefined; tries += 1) {
    try {
      proxyText = await (await fetch(`http://127.0.0.1:${proxyPort}${call}`)).text();
    } catch (err) {
      if (tries > 100) throw err;
      await sleep(100);
    }
  }
  if (proxyText !== checkText) throw new Error('the minimal proxy and the service disagree on the answer');
  const results = { service: [], proxy: [] };
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [name, child, port, headers] of [
      ['service', service, servicePort, { 'x-tenant-id': 'bench' }],
      ['proxy', proxy, proxyPort, {}],
    ]) {
      const cpu0 = cpuMs(child.pid);
      const r = await load(`http://127.0.0.1:${port}${call}`, headers);
      const cpu1 = cpuMs(child.pid);
      results[name].push({ ...r, cpuPerReq: (cpu1 - cpu0) / Math.max(1, r.requests), rss: rssMiB(child.pid) });
    }
  }
  for (const c of [service, proxy, upstream]) c.kill('SIGTERM');
  return { service: summary(results.service), proxy: summary(results.proxy) };
}

async function issueBench(tmp) {
  const { upstream, upstreamUrl, service, servicePort } = await startServiceWithUpstream(tmp, 'issue');
  const proxyPort = await freePort();
  const proxy = start(0, process.execPath, [path.join(here, 'minimal-issue-proxy.mjs')], { PORT: String(proxyPort), UPSTREAM_URL: upstreamUrl });
  await sleep(200);

  const query = '/connectors/jira/issues/ENG-1?comments=20';
  const check = await fetch(`http://127.0.0.1:${servicePort}${query}`, { headers: { 'x-tenant-id': 'bench' } });
  const got = await check.json();
  if (check.status !== 200 || got.comments?.items?.length !== 20 || typeof got.description !== 'string' || !got.description.includes('## Step 1')) {
    throw new Error(`service answered ${check.status}: ${JSON.stringify(got).slice(0, 300)}`);
  }
  const raw = await (await fetch(`http://127.0.0.1:${proxyPort}${query}`)).json();
  if (raw.key !== 'ENG-1' || raw.comments?.comments?.length !== 20) throw new Error('the minimal issue proxy did not answer the raw issue');
  const sizes = { adf: JSON.stringify(raw.fields.description).length, markdown: got.description.length, answer: JSON.stringify(got).length, raw: JSON.stringify(raw).length };

  const results = { service: [], proxy: [] };
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [name, child, port, headers] of [
      ['service', service, servicePort, { 'x-tenant-id': 'bench' }],
      ['proxy', proxy, proxyPort, {}],
    ]) {
      const cpu0 = cpuMs(child.pid);
      const r = await load(`http://127.0.0.1:${port}${query}`, headers);
      const cpu1 = cpuMs(child.pid);
      results[name].push({ ...r, cpuPerReq: (cpu1 - cpu0) / Math.max(1, r.requests), rss: rssMiB(child.pid) });
    }
  }
  for (const c of [service, proxy, upstream]) c.kill('SIGTERM');
  return { service: summary(results.service), proxy: summary(results.proxy), sizes };
}

/**
 * What RATE_LIMIT_PER_TENANT costs: the search of 2 through a service with the limit on (a
 * limit so high it never refuses, so only its bookkeeping is measured) vs the same service
 * with it off, interleaved. With BENCH_DATABASE_URL the limit is RATE_LIMIT_SHARED (one
 * INSERT ... ON CONFLICT DO UPDATE per request on PostgreSQL); without it, the in-memory bucket.
 */
async function rateLimitBench(tmp) {
  const shared = process.env.BENCH_DATABASE_URL ? 'true' : 'false';
  const limited = { RATE_LIMIT_PER_TENANT: '1000000', RATE_LIMIT_BURST: '1000000', RATE_LIMIT_SHARED: shared };
  const off = await startServiceWithUpstream(tmp, 'ratelimit-off');
  const on = await startServiceWithUpstream(tmp, 'ratelimit-on', { env: limited });
  const query = '/connectors/jira/search?q=cache%20invalidation&limit=50';
  for (const s of [off, on]) {
    const check = await fetch(`http://127.0.0.1:${s.servicePort}${query}`, { headers: { 'x-tenant-id': 'bench' } });
    if (check.status !== 200) throw new Error(`service answered ${check.status}: ${(await check.text()).slice(0, 300)}`);
    await check.arrayBuffer().catch(() => undefined);
  }
  await sleep(200);
  const results = { off: [], on: [] };
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [name, s] of [
      ['off', off],
      ['on', on],
    ]) {
      const cpu0 = cpuMs(s.service.pid);
      const r = await load(`http://127.0.0.1:${s.servicePort}${query}`, { 'x-tenant-id': 'bench' });
      const cpu1 = cpuMs(s.service.pid);
      results[name].push({ ...r, cpuPerReq: (cpu1 - cpu0) / Math.max(1, r.requests), rss: rssMiB(s.service.pid) });
    }
  }
  for (const s of [off, on]) for (const c of [s.service, s.upstream]) c.kill('SIGTERM');
  return { shared: shared === 'true', off: summary(results.off), on: summary(results.on) };
}

/**
 * GET /healthz through the whole middleware stack (request id, security headers, CORS, the
 * caller, the router, the request's log line) vs a raw node:http server answering the same
 * body: what the stack costs on the cheapest route.
 */
async function healthzBench(tmp) {
  const { upstream, service, servicePort } = await startServiceWithUpstream(tmp, 'healthz');
  const rawPort = await freePort();
  const expected = await (await fetch(`http://127.0.0.1:${servicePort}/healthz`)).text();
  const raw = start(0, process.execPath, ['-e', `const b=${JSON.stringify(expected)};require('http').createServer((q,s)=>{s.writeHead(200,{'content-type':'application/json; charset=utf-8','content-length':Buffer.byteLength(b)});s.end(b)}).listen(${rawPort},'127.0.0.1')`], {});
  await waitFor(`http://127.0.0.1:${rawPort}/healthz`);
  const results = { service: [], raw: [] };
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [name, child, port] of [
      ['service', service, servicePort],
      ['raw', raw, rawPort],
    ]) {
      const cpu0 = cpuMs(child.pid);
      const r = await load(`http://127.0.0.1:${port}/healthz`, {});
      const cpu1 = cpuMs(child.pid);
      results[name].push({ ...r, cpuPerReq: (cpu1 - cpu0) / Math.max(1, r.requests), rss: rssMiB(child.pid) });
    }
  }
  for (const c of [service, upstream, raw]) c.kill('SIGTERM');
  return { service: summary(results.service), raw: summary(results.raw), body: expected };
}

async function mcpBench(tmp) {
  const { upstream, service, servicePort } = await startServiceWithUpstream(tmp, 'mcp');
  const rest = `http://127.0.0.1:${servicePort}/connectors/jira/search?q=cache%20invalidation&limit=50`;
  const mcp = `http://127.0.0.1:${servicePort}/mcp`;
  const call = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: 'jira_search_issues', arguments: { q: 'cache invalidation', limit: 50 } },
  });
  const mcpHeaders = { 'x-tenant-id': 'bench', 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  await sleep(200);
  const restBody = await (await fetch(rest, { headers: { 'x-tenant-id': 'bench' } })).json();
  const answer = await fetch(mcp, { method: 'POST', headers: mcpHeaders, body: call });
  const mcpBody = await answer.json();
  if (answer.status !== 200 || JSON.stringify(mcpBody.result?.structuredContent) !== JSON.stringify(restBody)) {
    throw new Error(`/mcp and the REST route disagree: ${answer.status} ${JSON.stringify(mcpBody).slice(0, 300)}`);
  }
  const results = { rest: [], mcp: [] };
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [name, target, headers, body] of [
      ['rest', rest, { 'x-tenant-id': 'bench' }, undefined],
      ['mcp', mcp, mcpHeaders, call],
    ].filter(([name]) => !process.env.BENCH_MCP_SIDE || name === process.env.BENCH_MCP_SIDE)) {
      const cpu0 = cpuMs(service.pid);
      const r = await load(target, headers, body);
      const cpu1 = cpuMs(service.pid);
      results[name].push({ ...r, cpuPerReq: (cpu1 - cpu0) / Math.max(1, r.requests), rss: rssMiB(service.pid) });
    }
  }
  for (const c of [service, upstream]) c.kill('SIGTERM');
  return { rest: summary(results.rest), mcp: summary(results.mcp) };
}

async function pageBench(tmp) {
  const { upstream, upstreamUrl, service, servicePort } = await startServiceWithUpstream(tmp, 'page', { script: 'upstream-confluence.mjs', connector: 'confluence' });
  const proxyPort = await freePort();
  const proxy = start(0, process.execPath, [path.join(here, 'minimal-page-proxy.mjs')], { PORT: String(proxyPort), UPSTREAM_URL: upstreamUrl });
  await sleep(200);
  const query = '/connectors/confluence/pages/98311';
  const check = await fetch(`http://127.0.0.1:${servicePort}${query}`, { headers: { 'x-tenant-id': 'bench' } });
  const page = await check.json();
  if (check.status !== 200 || page.body_format !== 'markdown' || !page.body.startsWith('# Export pipeline handbook') || page.ancestors?.[0]?.title !== 'Engineering home') {
    throw new Error(`service answered ${check.status}: ${JSON.stringify(page).slice(0, 300)}`);
  }
  const raw = await (await fetch(`http://127.0.0.1:${proxyPort}${query}`)).json();
  if (raw.body.storage.value.length < 100 * 1024) throw new Error('the minimal proxy did not answer the 100 KB page');
  const results = { service: [], proxy: [] };
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [name, child, port, headers] of [
      ['service', service, servicePort, { 'x-tenant-id': 'bench' }],
      ['proxy', proxy, proxyPort, {}],
    ]) {
      const cpu0 = cpuMs(child.pid);
      const r = await load(`http://127.0.0.1:${port}${query}`, headers);
      const cpu1 = cpuMs(child.pid);
      results[name].push({ ...r, cpuPerReq: (cpu1 - cpu0) / Math.max(1, r.requests), rss: rssMiB(child.pid) });
    }
  }
  for (const c of [service, proxy, upstream]) c.kill('SIGTERM');
  return { service: summary(results.service), proxy: summary(results.proxy), storageBytes: raw.body.storage.value.length, markdownBytes: page.body.length };
}

/**
 * The stack floor (bench/stack-floor.mjs): the stack the design names doing the least each
 * benchmarked route needs, against the same minimal proxies on the same upstreams. Its ratios
 * are the ceiling of any service on this stack here; start-up is its bundle (built the way
 * scripts/bundle.mjs builds the service) against the bare node:http server.
 */
async function floorBench(tmp) {
  // Beside the project, so the bundle's require() of its external packages resolves.
  const bundled = path.join(root, 'bench', `.stack-floor-${process.pid}.mjs`);
  try {
    return await floorRuns(tmp, bundled);
  } finally {
    if (process.env.BENCH_FLOOR_SOURCEMAP && fs.existsSync(`${bundled}.map`)) fs.renameSync(`${bundled}.map`, process.env.BENCH_FLOOR_SOURCEMAP);
    fs.rmSync(bundled, { force: true });
  }
}

/**
 * The floor's own pairs, each a ratio of two of its own runs as the service's benchmarks are:
 * mcp, the search as an MCP tools/call against the REST route on one floor process; and
 * observability, a floor with metrics (scraped each second) and an OpenTelemetry SDK recording
 * every span against a plain floor, on one upstream.
 */
async function floorPairs(tmp, bundled) {
  if (!floorCase('mcp') && !floorCase('observability')) return [];
  const search = '/connectors/jira/search?q=cache%20invalidation&limit=50';
  const mcpCall = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'jira_search_issues', arguments: { q: 'cache invalidation', limit: 50 } } });
  const mcpHeaders = { 'x-tenant-id': 'bench', 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const rows = [];
  const upstream = start(1, process.execPath, [path.join(here, 'upstream.mjs')], {}, { quiet: false });
  const upstreamUrl = await new Promise((resolve) => upstream.stdout.once('data', (d) => resolve(JSON.parse(String(d)).url)));
  const floorAt = async (name, env, nodeArgs = []) => {
    const port = await freePort();
    const child = start(0, process.execPath, [...(process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter((a) => a !== ''), ...nodeArgs, bundled], { PORT: String(port), UPSTREAM_URL: upstreamUrl, FLOOR_DB: path.join(tmp, `floor-${name}.db`), ...env });
    await waitFor(`http://127.0.0.1:${port}/healthz`);
    return { child, port };
  };
  const measure = async (pairs) => {
    const results = Object.fromEntries(pairs.map(([who]) => [who, []]));
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [who, child, target, headers, body] of pairs) {
        const cpu0 = cpuMs(child.pid);
        const r = await load(target, headers, body);
        const cpu1 = cpuMs(child.pid);
        results[who].push({ ...r, cpuPerReq: (cpu1 - cpu0) / Math.max(1, r.requests), rss: rssMiB(child.pid) });
      }
    }
    return Object.fromEntries(Object.entries(results).map(([who, rs]) => [who, summary(rs)]));
  };
  const started = [upstream];
  try {
    if (floorCase('mcp')) {
      const withMcp = await floorAt('mcp', { FLOOR_MCP: '1' });
      started.push(withMcp.child);
      const rest = `http://127.0.0.1:${withMcp.port}${search}`;
      const mcp = `http://127.0.0.1:${withMcp.port}/mcp`;
      const restBody = await (await fetch(rest, { headers: { 'x-tenant-id': 'bench' } })).text();
      const answer = await fetch(mcp, { method: 'POST', headers: mcpHeaders, body: mcpCall });
      const mcpBody = await answer.json();
      if (answer.status !== 200 || !isDeepStrictEqual(mcpBody.result?.structuredContent, JSON.parse(restBody)) || mcpBody.result.content[0].text !== restBody) {
        throw new Error(`the floor's /mcp and its REST route disagree: ${answer.status} ${JSON.stringify(mcpBody).slice(0, 300)}`);
      }
      const m = await measure([
        ['rest', withMcp.child, rest, { 'x-tenant-id': 'bench' }],
        ['mcp', withMcp.child, mcp, mcpHeaders, mcpCall],
      ]);
      rows.push({ name: 'mcp', bar: 0.9, floor: m.mcp, proxy: m.rest, labels: ['floor MCP', 'floor REST'] });
      await stopped(withMcp.child);
    }
    if (!floorCase('observability')) return rows;

    const metricsPort = await freePort();
    const plain = await floorAt('plain', {});
    started.push(plain.child);
    // BENCH_WATCH=metrics: without the OpenTelemetry SDK (its spans are then the API's no-ops);
    // BENCH_WATCH=tracing: the SDK and the spans without prom-client, as the service benchmark's.
    const watch = process.env.BENCH_WATCH ?? 'both';
    const sdk = watch === 'metrics' ? [] : ['--import', path.join(here, 'otel-setup.mjs')];
    const watched = await floorAt('watched', watch === 'tracing' ? { FLOOR_OBSERVE: 'tracing' } : { FLOOR_OBSERVE: '1', METRICS_PORT: String(metricsPort) }, sdk);
    started.push(watched.child);
    await fetch(`http://127.0.0.1:${watched.port}${search}`, { headers: { 'x-tenant-id': 'bench' } });
    if (watch !== 'tracing') {
      const scrape = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      if (scrape.status !== 200 || !(await scrape.text()).includes('floor_http_request_duration_seconds_count{route="/connectors/jira/search"')) throw new Error('the observed floor serves no request metrics');
    }
    const scraper = setInterval(() => watch !== 'tracing' && void fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text(), () => undefined), 1000);
    try {
      const o = await measure([
        ['plain', plain.child, `http://127.0.0.1:${plain.port}${search}`, { 'x-tenant-id': 'bench' }],
        ['watched', watched.child, `http://127.0.0.1:${watched.port}${search}`, { 'x-tenant-id': 'bench' }],
      ]);
      rows.push({ name: 'observability', bar: 0.95, floor: o.watched, proxy: o.plain, labels: ['floor watched', 'floor plain'] });
    } finally {
      clearInterval(scraper);
    }
  } finally {
    await Promise.all(started.map(stopped));
  }
  return rows;
}

/** BENCH_FLOOR_ONLY=search,proxy,page,page-markdown,page-bytes,mcp,observability,startup (any of them): those alone. */
const floorCase = (name) => {
  const only = process.env.BENCH_FLOOR_ONLY;
  return !only || only.split(',').map((n) => n.trim()).includes(name);
};

/** A child process ended: SIGTERM, then SIGKILL if it is still there after 5 s. */
const stopped = (child) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => {
        const hard = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(hard);
          resolve();
        });
        child.kill('SIGTERM');
      });

async function floorRuns(tmp, bundled) {
  const { build } = await import('esbuild');
  const { asciiComments, bundleOptions } = await import('../scripts/bundle-options.mjs');
  // As scripts/bundle.mjs builds the service, from the same options; licence notices dropped.
  await build({
    ...bundleOptions(root),
    entryPoints: [path.join(here, 'stack-floor.mjs')],
    outfile: bundled,
    // BENCH_FLOOR_SOURCEMAP=<file>: the bundle's source map kept there, for bench/profile-summary.mjs.
    ...(process.env.BENCH_FLOOR_SOURCEMAP ? { sourcemap: 'external' } : {}),
    legalComments: 'none',
    // Left out of the bundle, so the plain floor's start-up parses none of them: the MCP SDK,
    // prom-client and the OpenTelemetry API (loaded only by FLOOR_MCP and FLOOR_OBSERVE), the
    // service's Markdown converter in dist/ (the page in Markdown alone) and pg (PostgreSQL
    // alone, as the service's bundle splits it into a chunk of its own).
    external: ['better-sqlite3', 'pg', '@modelcontextprotocol/sdk', 'prom-client', '@opentelemetry/api', '../dist/*'],
  });
  if (!(await asciiComments(bundled))) throw new Error('the stack floor bundle has a non-ASCII character outside a comment');
  const rows = [];
  const cases = [
    ['search', 'upstream.mjs', 'minimal-proxy.mjs', '/connectors/jira/search?q=cache%20invalidation&limit=50', process.env.BENCH_DATABASE_URL ? 0.65 : 0.75],
    ['proxy', 'upstream.mjs', 'minimal-proxy.mjs', `/connectors/jira/proxy/rest/api/3/search/jql?jql=${encodeURIComponent('text ~ "cache invalidation" ORDER BY updated DESC')}&maxResults=50&fields=summary,status,issuetype,assignee,updated`, 0.7],
    ['page', 'upstream-confluence.mjs', 'minimal-page-proxy.mjs', '/connectors/confluence/pages/98311', 0.5],
    ['page-markdown', 'upstream-confluence.mjs', 'minimal-page-proxy.mjs', '/connectors/confluence/pages/98311?body-format=markdown', 0.5],
    ['page-bytes', 'upstream-confluence.mjs', 'minimal-page-proxy.mjs', '/connectors/confluence/pages/98311?body-format=markdown&reuse=bytes', 0.5],
  ];
  for (const [name, upstreamScript, baselineScript, query, bar] of cases.filter(([name]) => floorCase(name))) {
    const upstream = start(1, process.execPath, [path.join(here, upstreamScript)], {}, { quiet: false });
    const upstreamUrl = await new Promise((resolve) => upstream.stdout.once('data', (d) => resolve(JSON.parse(String(d)).url)));
    const [floorPort, proxyPort] = [await freePort(), await freePort()];
    const floor = start(0, process.execPath, [...(process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter((a) => a !== ''), bundled], {
      PORT: String(floorPort),
      UPSTREAM_URL: upstreamUrl,
      FLOOR_DB: path.join(tmp, `floor-${name}.db`),
      // On PostgreSQL like the service when BENCH_DATABASE_URL is set (its own table there).
      ...(process.env.BENCH_DATABASE_URL ? { FLOOR_DATABASE_URL: process.env.BENCH_DATABASE_URL } : {}),
    });
    const proxy = start(0, process.execPath, [path.join(here, baselineScript)], { PORT: String(proxyPort), UPSTREAM_URL: upstreamUrl });
    try {
      await waitFor(`http://127.0.0.1:${floorPort}/healthz`);
      await waitFor(`http://127.0.0.1:${proxyPort}${query}`);
      const [a, b] = await Promise.all([floorPort, proxyPort].map(async (port) => (await fetch(`http://127.0.0.1:${port}${query}`, { headers: { 'x-tenant-id': 'bench' } })).text()));
      const [fa, pb] = [JSON.parse(a), JSON.parse(b)];
      const same =
        name === 'page'
          ? fa.id === pb.id && fa.title === pb.title && fa.version === pb.version.number && fa.body_chars === pb.body.storage.value.length
          : name === 'page-markdown' || name === 'page-bytes'
            ? fa.id === pb.id && fa.title === pb.title && fa.version === pb.version.number && fa.body_format === 'markdown' && fa.body.startsWith('# Export pipeline handbook') && fa.body.length > 40_000
            : isDeepStrictEqual(fa, pb);
      if (!same) throw new Error(`the stack floor and the minimal proxy disagree on ${name}`);
      // The measured requests of page-bytes are the reuse the case is about, not a parse each time.
      if (name === 'page-bytes') {
        const again = await fetch(`http://127.0.0.1:${floorPort}${query}`, { headers: { 'x-tenant-id': 'bench' } });
        if (again.headers.get('x-floor-reused') !== 'true' || (await again.text()) !== a) throw new Error('the stack floor did not reuse its page answer');
      }
      const results = { floor: [], proxy: [] };
      for (let round = 0; round < ROUNDS; round += 1) {
        for (const [who, child, port] of [
          ['floor', floor, floorPort],
          ['proxy', proxy, proxyPort],
        ]) {
          const cpu0 = cpuMs(child.pid);
          const r = await load(`http://127.0.0.1:${port}${query}`, { 'x-tenant-id': 'bench' });
          const cpu1 = cpuMs(child.pid);
          results[who].push({ ...r, cpuPerReq: (cpu1 - cpu0) / Math.max(1, r.requests), rss: rssMiB(child.pid) });
        }
      }
      rows.push({ name, bar, floor: summary(results.floor), proxy: summary(results.proxy) });
    } finally {
      // Gone before the next case starts, so no case measures beside the last one's processes
      // (one that ignores SIGTERM for 5 s is killed).
      await Promise.all([floor, proxy, upstream].map(stopped));
    }
  }
  rows.push(...(await floorPairs(tmp, bundled)));
  const startup = { floor: [], bare: [] };
  for (let i = 0; i < (floorCase('startup') ? ROUNDS : 0); i += 1) {
    for (const kind of ['floor', 'bare']) {
      const port = await freePort();
      const t0 = performance.now();
      const child =
        kind === 'floor'
          ? start(0, process.execPath, [bundled], { PORT: String(port), FLOOR_DB: path.join(tmp, `floor-startup-${i}.db`) })
          : start(0, process.execPath, ['-e', `require('http').createServer((q,s)=>s.end('{"status":"ok"}')).listen(${port},'127.0.0.1')`], {});
      await waitFor(`http://127.0.0.1:${port}/healthz`);
      startup[kind].push(performance.now() - t0);
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }
  return { rows, startup: { floor: median(startup.floor), bare: median(startup.bare) } };
}

/** A document of about `bytes` characters: the CommonMark spec (a real, varied Markdown document), repeated. */
function specDocument(text, bytes) {
  return text.repeat(Math.ceil(bytes / text.length)).slice(0, bytes);
}

async function markupBench() {
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  const spec = require('commonmark-spec');
  const ours = await import(dist('domain/markup/index.js'));
  const { markdownToAdf: marklassian } = await import('marklassian');
  const rounds = Number(process.env.BENCH_MARKUP_ROUNDS ?? 3);
  const examples = spec.tests.map((t) => t.markdown.replace(/→/g, '\t'));
  const inputs = [
    ['spec examples (652)', examples],
    ['1 MB document', [specDocument(spec.text, 1_000_000)]],
    ['5 MB document', [specDocument(spec.text, 5_000_000)]],
  ];
  const time = (fn, docs) => {
    const t0 = performance.now();
    for (const d of docs) fn(d);
    return performance.now() - t0;
  };
  const rows = [];
  for (const [name, docs] of inputs) {
    // Warm both up on a slice, then interleave the measured runs.
    time(ours.markdownToAdf, docs.slice(0, 50).map((d) => d.slice(0, 20_000)));
    time(marklassian, docs.slice(0, 50).map((d) => d.slice(0, 20_000)));
    const adfs = docs.map((d) => ours.markdownToAdf(d));
    const r = { ours: [], marklassian: [], toMd: [], stringify: [] };
    for (let i = 0; i < rounds; i += 1) {
      r.ours.push(time(ours.markdownToAdf, docs));
      r.marklassian.push(time(marklassian, docs));
      r.toMd.push(time(ours.adfToMarkdown, adfs));
      r.stringify.push(time((a) => JSON.parse(JSON.stringify(a)), adfs));
    }
    rows.push({ name, chars: docs.reduce((n, d) => n + d.length, 0), ours: median(r.ours), marklassian: median(r.marklassian), toMd: median(r.toMd), stringify: median(r.stringify) });
  }
  return { rows, parserFloor: await micromarkFloor(inputs[2][1][0], rounds) };
}

/**
 * The parser's floor under the 5 MB bar: the parse the issue names and nothing else,
 * `mdast-util-from-markdown` with the GFM syntax extensions the service loads and
 * `mdast-util-gfm`, on the pieces readMarkdown cuts the document into. No normalisation, no
 * ADF: no conversion built on that parse can be faster.
 */
async function micromarkFloor(text, rounds) {
  const { fromMarkdown } = await import('mdast-util-from-markdown');
  const { gfmFromMarkdown } = await import('mdast-util-gfm');
  const extensions = await Promise.all([
    import('micromark-extension-gfm-footnote').then((m) => m.gfmFootnote()),
    import('micromark-extension-gfm-strikethrough').then((m) => m.gfmStrikethrough()),
    import('micromark-extension-gfm-table').then((m) => m.gfmTable()),
    import('micromark-extension-gfm-task-list-item').then((m) => m.gfmTaskListItem()),
  ]);
  const options = { extensions, mdastExtensions: [gfmFromMarkdown()] };
  const { prepareMarkdown, CHUNK_CHARS } = await import(dist('domain/markup/markdown.js'));
  const prepared = prepareMarkdown(text);
  const pieces = [];
  let start = 0;
  for (const cut of prepared.cuts) {
    if (cut.at - start < CHUNK_CHARS) continue;
    pieces.push(prepared.text.slice(start, cut.at));
    start = cut.at;
  }
  pieces.push(prepared.text.slice(start));
  fromMarkdown(text.slice(0, 20_000), options);
  const times = [];
  for (let i = 0; i < rounds; i += 1) {
    const t0 = performance.now();
    for (const piece of pieces) fromMarkdown(piece, options);
    times.push(performance.now() - t0);
  }
  return { ms: median(times), pieces: pieces.length };
}

const fmt = (n, d = 2) => n.toFixed(d).padStart(9);

/** One line per measured server: throughput, latency, CPU per request and resident memory. */
function table(rows) {
  console.log(`${''.padEnd(14)}${'req/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'cpu ms/req'.padStart(11)}${'rss MiB'.padStart(9)}`);
  for (const [name, s] of rows) {
    console.log(`${name.padEnd(14)}${fmt(s.rps, 0)}${fmt(s.p50)}${fmt(s.p99)}${fmt(s.cpuMsPerReq, 3).padStart(11)}${fmt(s.rssMiB, 0)}`);
  }
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ib-bench-'));
try {
  const only = process.argv[2];
  console.log(
    'services run with UPSTREAM_CONCURRENCY_PER_TENANT=%s (one tenant, %d connections: %s)',
    UPSTREAM_CONCURRENCY,
    CONCURRENCY,
    Number(UPSTREAM_CONCURRENCY) === 0 || Number(UPSTREAM_CONCURRENCY) >= CONCURRENCY ? 'no call waits for a slot' : 'calls wait for a slot, the cap is measured too',
  );
  if (!only || only === 'startup') {
    const s = await startupBench(tmp);
    console.log('\n== start-up: process start to first 200 from /healthz (median of %d) ==', ROUNDS);
    console.log(`service        ${s.service.toFixed(0)} ms`);
    console.log(`bare node:http ${s.bare.toFixed(0)} ms`);
    const startRatio = s.service / s.bare;
    console.log(`ratio service/bare ${startRatio.toFixed(2)}   bar: at most 2.5 -> ${startRatio <= 2.5 ? 'PASS' : 'FAIL'}`);
  }
  if (!only || only === 'ratelimit') {
    const r = await rateLimitBench(tmp);
    const kind = r.shared ? 'RATE_LIMIT_SHARED on PostgreSQL' : 'in memory (set BENCH_DATABASE_URL for the shared limiter)';
    console.log('\n== GET /connectors/jira/search with RATE_LIMIT_PER_TENANT %s vs off, %d connections, %d x %d ms interleaved (medians) ==', kind, CONCURRENCY, ROUNDS, DURATION_MS);
    console.log(`${''.padEnd(14)}${'req/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'cpu ms/req'.padStart(11)}${'errors'.padStart(8)}`);
    for (const [name, s] of [['limit on', r.on], ['limit off', r.off]]) {
      console.log(`${name.padEnd(14)}${fmt(s.rps, 0)}${fmt(s.p50)}${fmt(s.p99)}${fmt(s.cpuMsPerReq, 3).padStart(11)}${String(s.errors).padStart(8)}`);
    }
    const ratio = r.on.rps / r.off.rps;
    console.log(`throughput ratio limiter on/off ${ratio.toFixed(2)}`);
  }
  if (!only || only === 'search') {
    const r = await searchBench(tmp);
    console.log('\n== GET /connectors/jira/search, 50 issues, %d connections, %d x %d ms interleaved (medians) ==', CONCURRENCY, ROUNDS, DURATION_MS);
    table([['full service', r.service], ['minimal proxy', r.proxy]]);
    const ratio = r.service.rps / r.proxy.rps;
    const bar = process.env.BENCH_DATABASE_URL ? 0.65 : 0.75;
    console.log(`throughput ratio service/proxy ${ratio.toFixed(2)}   bar: >= ${bar} -> ${ratio >= bar ? 'PASS' : 'FAIL'}`);
    console.log(`cpu per request ratio service/proxy ${(r.service.cpuMsPerReq / r.proxy.cpuMsPerReq).toFixed(2)}`);
    const rss = r.service.rssMiB / r.proxy.rssMiB;
    console.log(`resident memory under load, ratio service/proxy ${rss.toFixed(2)}   bar: at most 1.15 -> ${rss <= 1.15 ? 'PASS' : 'FAIL'}`);
    if (r.service.errors + r.proxy.errors > 0) console.log(`errors: service ${r.service.errors}, proxy ${r.proxy.errors}`);
  }
  if (!only || only === 'observability') {
    const r = await observabilityBench(tmp);
    console.log('\n== GET /connectors/jira/search with /metrics and tracing on vs off, %d connections, %d x %d ms interleaved (medians) ==', CONCURRENCY, ROUNDS, DURATION_MS);
    table([['watched', r.watched], ['plain', r.plain]]);
    const ratio = r.watched.rps / r.plain.rps;
    console.log(`throughput ratio watched/plain ${ratio.toFixed(2)}   bar: >= 0.95 -> ${ratio >= 0.95 ? 'PASS' : 'FAIL'}`);
    if (r.watched.errors + r.plain.errors > 0) console.log(`errors: watched ${r.watched.errors}, plain ${r.plain.errors}`);
  }
  if (!only || only === 'proxy') {
    const r = await proxyBench(tmp);
    console.log('\n== GET /connectors/jira/proxy/rest/api/3/search/jql (50 issues) vs the minimal pass-through, %d connections, %d x %d ms interleaved (medians) ==', CONCURRENCY, ROUNDS, DURATION_MS);
    table([['proxy route', r.service], ['minimal proxy', r.proxy]]);
    const ratio = r.service.rps / r.proxy.rps;
    console.log(`throughput ratio proxy route/minimal proxy ${ratio.toFixed(2)}   bar: >= 0.7 -> ${ratio >= 0.7 ? 'PASS' : 'FAIL'}`);
    console.log(`cpu per request ratio proxy route/minimal proxy ${(r.service.cpuMsPerReq / r.proxy.cpuMsPerReq).toFixed(2)}`);
    if (r.service.errors + r.proxy.errors > 0) console.log(`errors: proxy route ${r.service.errors}, minimal proxy ${r.proxy.errors}`);
  }
  if (!only || only === 'issue') {
    const r = await issueBench(tmp);
    console.log('\n== GET /connectors/jira/issues/ENG-1?comments=20, %d connections, %d x %d ms interleaved (medians) ==', CONCURRENCY, ROUNDS, DURATION_MS);
    console.log(`description ${r.sizes.adf} chars of ADF -> ${r.sizes.markdown} of Markdown; answer ${r.sizes.answer} bytes (raw proxy answer ${r.sizes.raw})`);
    table([['full service', r.service], ['minimal proxy', r.proxy]]);
    const ratio = r.service.rps / r.proxy.rps;
    console.log(`throughput ratio service/proxy ${ratio.toFixed(2)}   bar: >= 0.5 -> ${ratio >= 0.5 ? 'PASS' : 'FAIL'}`);
    console.log(`cpu per request ratio service/proxy ${(r.service.cpuMsPerReq / r.proxy.cpuMsPerReq).toFixed(2)}`);
    if (r.service.errors + r.proxy.errors > 0) console.log(`errors: service ${r.service.errors}, proxy ${r.proxy.errors}`);
  }
  if (!only || only === 'healthz') {
    const r = await healthzBench(tmp);
    console.log('\n== GET /healthz through the whole stack (with its log line) vs a raw node:http server, %d connections, %d x %d ms interleaved (medians) ==', CONCURRENCY, ROUNDS, DURATION_MS);
    table([['service', r.service], ['raw node:http', r.raw]]);
    // A raw server answers faster than one load generator process can ask: its throughput is the
    // generator's, not its own. What each can serve on its core is 1 / (CPU per request).
    const ratio = r.service.rps / r.raw.rps;
    const capacity = r.raw.cpuMsPerReq / r.service.cpuMsPerReq;
    console.log(`throughput ratio service/raw ${ratio.toFixed(2)} (the load generator may be the limit of both)`);
    console.log(`capacity ratio service/raw (CPU per request, raw/service) ${capacity.toFixed(2)}   bar: >= 0.4 -> ${capacity >= 0.4 ? 'PASS' : 'FAIL'}`);
    if (r.service.errors + r.raw.errors > 0) console.log(`errors: service ${r.service.errors}, raw ${r.raw.errors}`);
  }
  if (!only || only === 'mcp') {
    const r = await mcpBench(tmp);
    console.log('\n== jira_search_issues as MCP tools/call on POST /mcp vs GET /connectors/jira/search, one service (medians) ==');
    table([['REST route', r.rest], ['MCP /mcp', r.mcp]]);
    const mcpRatio = r.mcp.rps / r.rest.rps;
    console.log(`throughput ratio mcp/rest ${mcpRatio.toFixed(2)}   bar: >= 0.9 -> ${mcpRatio >= 0.9 ? 'PASS' : 'FAIL'}`);
    console.log(`cpu per request ratio mcp/rest ${(r.mcp.cpuMsPerReq / r.rest.cpuMsPerReq).toFixed(2)}`);
    if (r.rest.errors + r.mcp.errors > 0) console.log(`errors: rest ${r.rest.errors}, mcp ${r.mcp.errors}`);
  }
  if (!only || only === 'page') {
    const r = await pageBench(tmp);
    console.log(
      '\n== GET /connectors/confluence/pages/{id}, %d KB storage -> %d KB Markdown, %d connections, %d x %d ms interleaved (medians) ==',
      Math.round(r.storageBytes / 1024),
      Math.round(r.markdownBytes / 1024),
      CONCURRENCY,
      ROUNDS,
      DURATION_MS,
    );
    table([['full service', r.service], ['minimal proxy', r.proxy]]);
    const ratio = r.service.rps / r.proxy.rps;
    console.log(`throughput ratio service/proxy ${ratio.toFixed(2)}   bar: >= 0.5 -> ${ratio >= 0.5 ? 'PASS' : 'FAIL'}`);
    if (r.service.errors + r.proxy.errors > 0) console.log(`errors: service ${r.service.errors}, proxy ${r.proxy.errors}`);
  }
  if (only === 'floor') {
    const r = await floorBench(tmp);
    console.log('\n== the stack floor (bench/stack-floor.mjs) vs the minimal proxies, %d connections, %d x %d ms interleaved (medians), connection row on %s ==', CONCURRENCY, ROUNDS, DURATION_MS, process.env.BENCH_DATABASE_URL ? 'PostgreSQL' : 'SQLite');
    for (const row of r.rows) {
      console.log(`-- ${row.name}`);
      const [mine, theirs] = row.labels ?? ['stack floor', 'minimal proxy'];
      table([[mine, row.floor], [theirs, row.proxy]]);
      console.log(`throughput ratio ${mine} / ${theirs} ${(row.floor.rps / row.proxy.rps).toFixed(2)}   (the service's bar: ${row.bar})`);
      if (row.name === 'search') console.log(`resident memory under load, ratio floor/proxy ${(row.floor.rssMiB / row.proxy.rssMiB).toFixed(2)}   (the service's bar: 1.15)`);
      if (row.floor.errors + row.proxy.errors > 0) console.log(`errors: stack floor ${row.floor.errors}, minimal proxy ${row.proxy.errors}`);
    }
    if (floorCase('startup')) console.log(`start-up: stack floor ${r.startup.floor.toFixed(0)} ms, bare node:http ${r.startup.bare.toFixed(0)} ms, ratio ${(r.startup.floor / r.startup.bare).toFixed(2)}   (the service's bar: 2.5)`);
  }
  if (!only || only === 'markup') {
    const { rows, parserFloor } = await markupBench();
    console.log('\n== markup: Markdown -> ADF and ADF -> Markdown vs marklassian (Markdown -> ADF), medians of %s ==', process.env.BENCH_MARKUP_ROUNDS ?? 3);
    console.log(`${''.padEnd(22)}${'chars'.padStart(10)}${'md->adf'.padStart(10)}${'marklassian'.padStart(12)}${'ratio'.padStart(7)}${'adf->md'.padStart(10)}${'ratio'.padStart(7)}${'JSON copy'.padStart(10)}`);
    for (const r of rows) {
      console.log(
        `${r.name.padEnd(22)}${String(r.chars).padStart(10)}${r.ours.toFixed(0).padStart(8)}ms${r.marklassian.toFixed(0).padStart(10)}ms${(r.ours / r.marklassian).toFixed(2).padStart(7)}` +
          `${r.toMd.toFixed(0).padStart(8)}ms${(r.toMd / r.marklassian).toFixed(2).padStart(7)}${r.stringify.toFixed(0).padStart(8)}ms`,
      );
    }
    console.log('ratios: ours / marklassian on the same input (marklassian has no ADF -> Markdown: that ratio is against its Markdown -> ADF); JSON copy = JSON.parse(JSON.stringify(adf)), a floor');
    const big = rows.find((r) => r.name.startsWith('5 MB'));
    console.log(`5 MB document Markdown -> ADF ${big.ours.toFixed(0)} ms   bar: under 2000 ms -> ${big.ours < 2000 ? 'PASS' : 'FAIL'}`);
    console.log(`parser floor: mdast-util-from-markdown with GFM alone on the same ${parserFloor.pieces} pieces ${parserFloor.ms.toFixed(0)} ms`);
  }
} finally {
  // Only those not signalled yet: a second SIGTERM would kill a service still stopping
  // gracefully, before it writes the profile BENCH_SERVICE_NODE_ARGS=--cpu-prof asked for.
  // (One that ignores the first is left running; the benchmarks' own children do not.)
  for (const child of children) if (!child.killed) child.kill('SIGTERM');
  fs.rmSync(tmp, { recursive: true, force: true });
}
