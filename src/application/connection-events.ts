import { createHash, randomUUID } from 'node:crypto';
import { toConnectionView, type Connection } from '../domain/connection.js';
import type { EventType, NewEvent } from '../domain/events.js';

export type ConnectionEventType = Extract<EventType, `connection.${string}`>;

/**
 * A connection event: the connection's public view (never a token) as data. The id is
 * random unless given (one that names a time window de-duplicates repeats of it).
 */
export const connectionEvent = (type: ConnectionEventType, conn: Connection, at: Date, id: string = randomUUID()): NewEvent => ({
  id,
  type,
  tenantId: conn.tenantId,
  connector: conn.connector,
  occurredAt: at,
  data: { ...toConnectionView(conn) },
});

/** How often at most one connection.refresh_failed is recorded per connection. */
export const REFRESH_FAILED_WINDOW_MS = 5 * 60_000;

/** The id of a refresh failure: the same for every failure of one connection in one window, so they are one event. */
export const refreshFailedId = (conn: Connection, at: Date): string => {
  const hex = createHash('sha256')
    .update(`connection.refresh_failed\u0000${conn.tenantId}\u0000${conn.connector}\u0000${Math.floor(at.getTime() / REFRESH_FAILED_WINDOW_MS)}`)
    .digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};
