// A diagnostic for the observability benchmark (`BENCH_OTEL_SETUP=otel-load-only.mjs
// BENCH_WATCH=tracing node bench/run.mjs observability`): the "watched" service is started
// with the OpenTelemetry SDK's packages loaded, as bench/otel-setup.mjs loads them, but with
// nothing registered. No span is recorded and the service takes its no-SDK path, so what
// differs from the plain service is the loading alone (docs/performance.md, "What the watched
// service pays for").
import '@opentelemetry/api';
import '@opentelemetry/context-async-hooks';
import '@opentelemetry/core';
import '@opentelemetry/sdk-trace-base';
