/**
 * `integration-backend/memory`: in-process adapters for tests, demos and embedders that
 * keep connections elsewhere. Nothing here survives a restart.
 */
export { InMemoryConnectionStore } from '../adapters/memory/in-memory-connection-store.js';
export { InMemoryOAuthNonceStore, InMemoryServiceMetaStore } from '../adapters/memory/in-memory-stores.js';
export { InMemoryIdempotencyStore } from '../adapters/memory/in-memory-idempotency-store.js';
export { InMemoryAuditLog } from '../adapters/memory/in-memory-audit-log.js';
export { systemClock } from '../adapters/system/system-clock.js';
