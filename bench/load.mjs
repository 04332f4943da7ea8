// Closed-loop load generator: CONCURRENCY keep-alive connections each sending
// requests back to back for DURATION_MS, after a warm-up. Prints one JSON line.
import http from 'node:http';

const target = new URL(process.env.TARGET);
const concurrency = Number(process.env.CONCURRENCY ?? 32);
const durationMs = Number(process.env.DURATION_MS ?? 4000);
const warmupMs = Number(process.env.WARMUP_MS ?? 1000);
const headers = JSON.parse(process.env.HEADERS ?? '{}');
// A POST body (the MCP benchmark); GET without one.
const body = process.env.BODY;
const method = body === undefined ? 'GET' : 'POST';
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

const once = () =>
  new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const req = http.request(target, { agent, headers, method }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ok: res.statusCode === 200, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    });
    req.on('error', () => resolve({ ok: false, ms: 0 }));
    req.end(body);
  });

async function run(ms, record) {
  const stopAt = Date.now() + ms;
  const latencies = [];
  let errors = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < stopAt) {
        const r = await once();
        if (!r.ok) errors += 1;
        else if (record) latencies.push(r.ms);
      }
    }),
  );
  return { latencies, errors };
}

await run(warmupMs, false);
const t0 = Date.now();
const { latencies, errors } = await run(durationMs, true);
const elapsed = (Date.now() - t0) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
process.stdout.write(
  `${JSON.stringify({ requests: latencies.length, errors, rps: latencies.length / elapsed, p50: pct(50), p99: pct(99) })}\n`,
);
