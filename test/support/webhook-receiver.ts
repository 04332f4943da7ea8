/**
 * A product's webhook endpoint on 127.0.0.1: it verifies every delivery with the
 * `standardwebhooks` package's Webhook.verify (the specification's reference code, not
 * ours) and records what it accepted. `mode` says how it answers.
 */
import http, { type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

export type ReceiverMode =
  | { kind: 'ok' }
  | { kind: 'status'; status: number }
  | { kind: 'slow'; ms: number }
  | { kind: 'redirect'; to: string };

export interface ReceivedEvent {
  readonly id: string;
  readonly type: string;
  readonly tenant: string;
  readonly time: string;
  readonly connector: string;
  readonly data: Record<string, unknown>;
}

export interface WebhookReceiver {
  readonly url: string;
  /** Verified and answered 2xx, in arrival order. */
  readonly accepted: ReceivedEvent[];
  /** Every request that reached it (verified or not), with the path and how it was answered. */
  readonly hits: Array<{ path: string; id: string | undefined; verified: boolean; status: number; rawBody: string; startedAt: number; endedAt: number }>;
  /** How many requests are being answered right now (to see concurrency). */
  inFlight: number;
  maxInFlight: number;
  mode: ReceiverMode;
  secret: string;
  close(): Promise<void>;
}

export async function startWebhookReceiver(secret: string, port = 0): Promise<WebhookReceiver> {
  const sockets = new Set<Socket>();
  const receiver: WebhookReceiver = {
    url: '',
    accepted: [],
    hits: [],
    inFlight: 0,
    maxInFlight: 0,
    mode: { kind: 'ok' },
    secret,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const startedAt = performance.now();
        receiver.inFlight += 1;
        receiver.maxInFlight = Math.max(receiver.maxInFlight, receiver.inFlight);
        const rawBody = Buffer.concat(chunks).toString('utf8');
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));
        let verified = false;
        let payload: ReceivedEvent | undefined;
        try {
          payload = new Webhook(receiver.secret).verify(rawBody, headers) as ReceivedEvent;
          verified = true;
        } catch {
          // Refused: answered 401 below.
        }
        const mode = receiver.mode;
        let status = verified ? 204 : 401;
        if (verified && mode.kind === 'slow') await new Promise((r) => setTimeout(r, mode.ms));
        if (verified && mode.kind === 'status') status = mode.status;
        if (verified && mode.kind === 'redirect') status = 302;
        receiver.hits.push({ path: req.url ?? '', id: headers['webhook-id'], verified, status, rawBody, startedAt, endedAt: performance.now() });
        if (verified && status >= 200 && status < 300 && payload) receiver.accepted.push(payload);
        receiver.inFlight -= 1;
        if (res.destroyed) return;
        res.writeHead(status, mode.kind === 'redirect' ? { location: mode.to } : {});
        res.end();
      })();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  (receiver as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return receiver;
}

/** Waits until `check` holds, polling every 20 ms, for at most `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error('timed out waiting for a condition');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A fixed Standard Webhooks secret for tests. */
export const TEST_WEBHOOK_SECRET = `whsec_${Buffer.from('integration-backend-test-secret!').toString('base64')}`;
