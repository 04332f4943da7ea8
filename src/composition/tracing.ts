/**
 * A span per use case: each catalog operation runs in an internal span named after it
 * (`operation jira_get_issue`), the child of the request's span and the parent of its calls
 * to Atlassian. Only the OpenTelemetry API is used; without an SDK registered by the host
 * (docs/operations.md, "Traces") every span is a no-op.
 */
import { SpanStatusCode, trace } from '@opentelemetry/api';
import * as E from 'fp-ts/lib/Either.js';
import type { BoundOperation, Execute } from '../application/catalog/index.js';

const tracer = trace.getTracer('integration-backend/operations');

const tracedExecute =
  <I, O>(name: string, execute: Execute<I, O>): Execute<I, O> =>
  (tenantId, input, call) =>
  () =>
    tracer.startActiveSpan(
      `operation ${name}`,
      { attributes: { 'integration_backend.operation': name } },
      async (span) => {
        try {
          const outcome = await execute(tenantId, input, call)();
          if (E.isLeft(outcome)) {
            span.setAttribute('integration_backend.error_code', outcome.left.code);
            if (outcome.left.code === 'INTERNAL_ERROR' || outcome.left.code === 'VENDOR_ERROR')
              span.setStatus({ code: SpanStatusCode.ERROR });
          }
          return outcome;
        } finally {
          span.end();
        }
      },
    );

/** The operations, each running in its span. */
export const tracedOperations = (operations: readonly BoundOperation[]): BoundOperation[] =>
  operations.map((op) => ({
    ...op,
    execute: tracedExecute(op.spec.name, op.execute),
    ...(op.transfer ? { transfer: tracedExecute(op.spec.name, op.transfer) } : {}),
  }));
