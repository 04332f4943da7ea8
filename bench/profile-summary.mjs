// Reads a V8 CPU profile (`--cpu-prof`) of the service or of the stack floor and prints where
// its busy time went: by package, by source file and by function (self time), and our own
// functions inclusive of what they called synchronously. Positions inside a bundle are mapped
// back to their sources through its source map (Node's own `module.SourceMap`), so the
// service's `dist/bundle/service.cjs` reads as `src/...` and `node_modules/...`.
//
//   BENCH_SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" node bench/run.mjs search
//   node bench/profile-summary.mjs /tmp/prof                      # the largest profile there
//   node bench/profile-summary.mjs /tmp/prof --per-request 1.4    # times in ms per request
//
//   # the floor, with its bundle's map written beside the profile:
//   BENCH_FLOOR_SOURCEMAP=/tmp/floor.map BENCH_FLOOR_ONLY=search BENCH_SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/proff" node bench/run.mjs floor
//   node bench/profile-summary.mjs /tmp/proff --map /tmp/floor.map
//
// Percentages are of the busy time (the profile's idle samples left out). With
// `--per-request <cpu ms>` (the benchmark's "cpu ms/req" of the same run) each line also says
// how much of a request that is, so two profiles of different throughput compare line by line.
import fs from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const [value] = args.splice(i, 2).slice(1);
  return value;
};
const mapFile = option('--map') ?? path.join(here, '..', 'dist', 'bundle', 'service.cjs.map');
const perRequest = Number(option('--per-request') ?? Number.NaN);
const top = Number(option('--top') ?? 30);
const [target] = args;
if (!target) {
  console.error('usage: node bench/profile-summary.mjs <profile or folder> [--map file.map] [--per-request ms] [--top n]');
  process.exit(2);
}

const file = fs.statSync(target).isDirectory()
  ? fs
      .readdirSync(target)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => path.join(target, f))
      .sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0]
  : target;
if (!file) throw new Error(`no .cpuprofile in ${target}`);
const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
const map = fs.existsSync(mapFile) ? new SourceMap(JSON.parse(fs.readFileSync(mapFile, 'utf8'))) : undefined;

const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);

/** A frame's source (`src/...`, `nm:<package path>`, `node:...`) and line, mapped through the bundle's map. */
const located = new Map();
const where = (id) => {
  let got = located.get(id);
  if (got) return got;
  const { url, lineNumber, columnNumber, functionName } = nodes.get(id).callFrame;
  let source = url === '' ? '(native)' : url;
  let line = lineNumber + 1;
  const bundled = map && (url.endsWith('service.cjs') || url.includes('.stack-floor'));
  if (bundled) {
    const entry = map.findEntry(lineNumber, columnNumber);
    if (entry && entry.originalSource) {
      source = entry.originalSource;
      line = entry.originalLine + 1;
    }
  }
  source = source.replace(/^.*node_modules\//, 'nm:').replace(/^file:\/\//, '').replace(/^.*?\/(src|bench)\//, '$1/');
  got = { source, line, name: functionName || '(anonymous)' };
  located.set(id, got);
  return got;
};
const packageOf = (source) => {
  if (source.startsWith('nm:')) {
    const parts = source.slice(3).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (source.startsWith('src/')) return source.split('/').slice(0, 3).join('/');
  return source;
};

const self = new Map();
let busy = 0;
for (let i = 0; i < profile.samples.length; i += 1) {
  const id = profile.samples[i];
  const dt = profile.timeDeltas[i] ?? 0;
  if (nodes.get(id).callFrame.functionName === '(idle)') continue;
  self.set(id, (self.get(id) ?? 0) + dt);
  busy += dt;
}

const add = (m, k, v) => m.set(k, (m.get(k) ?? 0) + v);
const byPackage = new Map();
const byFile = new Map();
const byFunction = new Map();
for (const [id, t] of self) {
  const w = where(id);
  add(byPackage, packageOf(w.source), t);
  add(byFile, w.source, t);
  add(byFunction, `${w.name} ${w.source}:${w.line}`, t);
}
// Our functions (src/), each counted once per sample it is on the stack of.
const inclusive = new Map();
for (let i = 0; i < profile.samples.length; i += 1) {
  let id = profile.samples[i];
  if (nodes.get(id).callFrame.functionName === '(idle)') continue;
  const seen = new Set();
  for (; id !== undefined; id = parentOf.get(id)) {
    const w = where(id);
    if (!w.source.startsWith('src/')) continue;
    const k = `${w.name} ${w.source}:${w.line}`;
    if (seen.has(k)) continue;
    seen.add(k);
    add(inclusive, k, profile.timeDeltas[i] ?? 0);
  }
}

const show = (title, m) => {
  console.log(`\n== ${title}`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const share = v / busy;
    const ms = Number.isFinite(perRequest) ? `${(share * perRequest).toFixed(3).padStart(7)} ms  ` : '';
    console.log(`${(100 * share).toFixed(1).padStart(5)} %  ${ms}${k}`);
  }
};
console.log(`${file}: ${(busy / 1000).toFixed(0)} ms busy${map ? `, mapped through ${mapFile}` : ''}`);
show('self time by package', byPackage);
show('self time by file', byFile);
show('self time by function', byFunction);
show('our functions, inclusive (synchronous callees)', inclusive);
