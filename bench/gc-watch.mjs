// A diagnostic for the benchmarks (`BENCH_SERVICE_NODE_ARGS="--import ./bench/gc-watch.mjs"`):
// every 2.5 s the service writes to stderr its resident memory, V8 heap sizes and its
// garbage collections so far (count, total and longest pause, by kind). It showed the two
// states the search benchmark lands in (docs/performance.md, "Two states under the search
// load"). Not loaded by any benchmark on its own.
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { setInterval } from 'node:timers';
import v8 from 'node:v8';

const KINDS = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};
const seen = {};
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = KINDS[entry.detail?.kind] ?? String(entry.detail?.kind);
    const s = (seen[kind] ??= { count: 0, ms: 0, longest: 0 });
    s.count += 1;
    s.ms += entry.duration;
    s.longest = Math.max(s.longest, entry.duration);
  }
}).observe({ entryTypes: ['gc'] });

const mib = (bytes) => Math.round(bytes / 1048576);
setInterval(() => {
  const heap = v8.getHeapStatistics();
  const memory = process.memoryUsage();
  const gcs = Object.entries(seen)
    .map(([kind, s]) => `${kind} ${s.count} (${s.ms.toFixed(0)} ms, longest ${s.longest.toFixed(1)} ms)`)
    .join(', ');
  process.stderr.write(
    `gc-watch pid ${process.pid}: rss ${mib(memory.rss)} MiB, heap ${mib(heap.used_heap_size)}/${mib(heap.total_heap_size)} MiB, external ${mib(memory.external)} MiB, array buffers ${mib(memory.arrayBuffers)} MiB; ${gcs}\n`,
  );
}, 2500).unref();
