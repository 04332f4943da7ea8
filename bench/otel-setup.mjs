// Loaded with `node --import` by the observability benchmark: an OpenTelemetry SDK that
// records every span (AlwaysOn sampling) and exports them in batches to an exporter that
// drops them, so the benchmark measures what creating, recording and batching spans costs
// the service, not a collector's network. OTEL_TRACES_SAMPLER (read by the SDK) samples
// fewer; BENCH_OTEL_CONTEXT=none registers no context manager at all (the API's no-op one:
// parentage then holds only where spans are given their parent by hand, as in the floor).
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

let exported = 0;
const dropping = {
  export(spans, done) {
    exported += spans.length;
    done({ code: 0 });
  },
  shutdown: () => Promise.resolve(),
};
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropping, { maxQueueSize: 8192 })] }));
if (process.env.BENCH_OTEL_CONTEXT !== 'none') context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
process.on('exit', () => process.stderr.write(`otel-setup: ${exported} spans exported\n`));
