import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import type { ConnectionChangeListener, ConnectionChanges } from '../../application/ports/connection-store.js';
import { CONNECTION_CHANGES_CHANNEL } from './migrations.js';
import type { Database } from './schema.js';

export interface PostgresConnectionChangesOptions {
  /** The database's libpq URL: the listener holds a connection of its own, outside the pool. */
  readonly url: string;
  /** The service's database: probes are sent through its pool, as any other instance's write would be. */
  readonly db: Kysely<Database>;
  /** How often the listener proves it still hears (default 30 s). */
  readonly probeEveryMs?: number;
  /** How long a probe may take to come back before the listener is taken for deaf (default 5 s). */
  readonly probeTimeoutMs?: number;
  /** The first wait before listening again after a loss, doubled up to `retryMaxMs` (defaults 500 ms, 30 s). */
  readonly retryMs?: number;
  readonly retryMaxMs?: number;
  /** Told when the feed becomes live, when it stops being live and when an attempt to listen fails, with why (for the log). */
  readonly onState?: (live: boolean, reason: string) => void;
}

const PROBE_PREFIX = 'probe:';

/**
 * Changes to connection rows as PostgreSQL tells them: migration 0011's trigger notifies
 * `integration_backend_connections` with `["tenant", "connector"]` on every committed write of
 * a row (a TRUNCATE tells `*`), and this adapter LISTENs on a connection of its own.
 *
 * It is `live` only once the trigger is there and enabled and it has heard a probe of its own
 * sent through the service's pool, the way another instance's write reaches the server; so a
 * pooler that drops notifications, a listener that hears nothing or a trigger someone disabled
 * never leaves it live. It checks both again every `probeEveryMs`. When the
 * connection errors or ends, or a probe does not come back in time, it stops being live at once
 * (`lost` is told: the cache goes back to reading stamps) and listens again after a growing
 * wait. A notification it cannot read is taken as `lost` too.
 */
export class PostgresConnectionChanges implements ConnectionChanges {
  private isLive = false;
  private readonly listeners: ConnectionChangeListener[] = [];
  private client: pg.Client | undefined;
  private closed = false;
  private retryDelay: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private probe: { readonly payload: string; readonly client: pg.Client; readonly answer: Promise<boolean>; readonly heard: () => void } | undefined;

  constructor(private readonly options: PostgresConnectionChangesOptions) {
    this.retryDelay = options.retryMs ?? 500;
  }

  get live(): boolean {
    return this.isLive;
  }

  watch(listener: ConnectionChangeListener): void {
    this.listeners.push(listener);
  }

  /**
   * This instance has just written a connection row: until its notification comes back, no
   * cached row is vouched for (told as `lost`), so a read after one's own write sees it at once.
   */
  writtenHere(): void {
    for (const l of this.listeners) l.lost();
  }

  /** Listens, and resolves once live or once the first attempt has failed (then it tries again in the background). Never rejects. */
  start(): Promise<void> {
    return this.listen();
  }

  /** Stops listening for good. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.probeTimer);
    const client = this.client;
    this.client = undefined;
    this.setLive(false, 'closed');
    await client?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const { default: pgModule } = await import('pg');
    if (this.closed) return;
    const client = new pgModule.Client({ connectionString: this.options.url, keepAlive: true, connectionTimeoutMillis: 10_000 });
    this.client = client;
    client.on('error', (err) => this.drop(client, `the listening connection failed: ${err.message}`));
    client.on('end', () => this.drop(client, 'the listening connection ended'));
    client.on('notification', (msg) => {
      if (this.client === client && msg.channel === CONNECTION_CHANGES_CHANNEL) this.told(msg.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CONNECTION_CHANGES_CHANNEL}`);
      await this.checkTrigger();
      if (!(await this.sendProbe(client))) throw new Error(`a probe sent through the pool was not heard within ${this.options.probeTimeoutMs ?? 5_000} ms`);
    } catch (err) {
      this.drop(client, err instanceof Error ? err.message : String(err));
      return;
    }
    if (this.client !== client || this.closed) return;
    this.retryDelay = this.options.retryMs ?? 500;
    this.setLive(true, 'listening');
    clearInterval(this.probeTimer);
    this.probeTimer = setInterval(() => {
      void this.checkTrigger().then(
        () =>
          this.sendProbe(client).then((heard) => {
            if (!heard) this.drop(client, `a probe was not heard within ${this.options.probeTimeoutMs ?? 5_000} ms`);
          }),
        (err: unknown) => this.drop(client, err instanceof Error ? err.message : String(err)),
      );
    }, this.options.probeEveryMs ?? 30_000);
    this.probeTimer.unref();
  }

  /**
   * The probe proves notifications reach this listener, not that writes send them: the trigger
   * must be there and enabled too (dropped or disabled, say for a bulk load, writes go untold).
   */
  private async checkTrigger(): Promise<void> {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_trigger
      where tgrelid = 'connections'::regclass and tgname = 'connections_changed' and tgenabled <> 'D'`.execute(this.options.db);
    if (rows[0]?.n !== 1) throw new Error('the trigger connections_changed on connections (migration 0011) is missing or disabled, so writes are not told');
  }

  /** Sends a probe through the pool and answers whether this client heard it in time (one probe at a time per client). */
  private sendProbe(client: pg.Client): Promise<boolean> {
    if (this.probe?.client === client) return this.probe.answer;
    const payload = `${PROBE_PREFIX}${randomUUID()}`;
    let heard = (): void => undefined;
    const answer = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => settle(false), this.options.probeTimeoutMs ?? 5_000);
      timer.unref();
      const settle = (ok: boolean): void => {
        clearTimeout(timer);
        if (this.probe?.payload === payload) this.probe = undefined;
        resolve(ok && this.client === client);
      };
      heard = () => settle(true);
      sql`select pg_notify(${CONNECTION_CHANGES_CHANNEL}, ${payload})`.execute(this.options.db).catch(() => settle(false));
    });
    this.probe = { payload, client, answer, heard };
    return answer;
  }

  private told(payload: string): void {
    if (payload.startsWith(PROBE_PREFIX)) {
      // Another instance's probe says nothing about rows.
      if (this.probe?.payload === payload) this.probe.heard();
      return;
    }
    const row = parseRow(payload);
    if (row) for (const l of this.listeners) l.changed(row[0], row[1]);
    else for (const l of this.listeners) l.lost();
  }

  /** The client is done with: not live from now, and listening again later unless closed. */
  private drop(client: pg.Client, reason: string): void {
    if (this.client !== client) return;
    this.client = undefined;
    clearInterval(this.probeTimer);
    const was = this.isLive;
    this.setLive(false, reason);
    // A failed attempt is reported too (a loss already was, by setLive).
    if (!was && !this.closed) this.options.onState?.(false, reason);
    // An error after this point must not crash the process; the client is ended either way.
    client.removeAllListeners('error');
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    if (this.closed) return;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(delay * 2, this.options.retryMaxMs ?? 30_000);
    this.retryTimer = setTimeout(() => void this.listen(), delay);
    this.retryTimer.unref();
  }

  private setLive(live: boolean, reason: string): void {
    const was = this.isLive;
    this.isLive = live;
    // Going deaf is told even when it was not live yet: a read begun meanwhile must not be trusted.
    if (!live) for (const l of this.listeners) l.lost();
    if (was !== live) this.options.onState?.(live, reason);
  }
}

/** `["tenant", "connector"]` as the trigger writes it; undefined for anything else. */
const parseRow = (payload: string): readonly [string, string] | undefined => {
  try {
    const value: unknown = JSON.parse(payload);
    return Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string' ? [value[0], value[1]] : undefined;
  } catch {
    return undefined;
  }
};
