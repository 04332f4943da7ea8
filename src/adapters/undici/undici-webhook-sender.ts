/**
 * Sends one signed event to a webhook endpoint: the Standard Webhooks headers, signed with
 * the `standardwebhooks` package (the specification's reference implementation), over an
 * undici agent whose every connection goes to an address checked at that moment (a host
 * whose DNS turned private since the URL was set is never called). Redirects are never
 * followed (a 3xx is an answer like any other), the whole attempt has a deadline, and no
 * more than a small part of the answer is read.
 */
import type dns from 'node:dns';
import { Webhook } from 'standardwebhooks';
import type { WebhookAnswer, WebhookRequest, WebhookSender } from '../../application/ports/event-deliveries.js';
import { checkWebhookUrlSyntax, resolveAllowed, type WebhookAddressRules } from './webhook-address.js';
import { codeOf } from './http-transport.js';
import { LazyAgents } from './undici-module.js';

/** The most of an answer's body that is read (then the connection is dropped): only the status matters. */
const ANSWER_READ_BYTES = 64 * 1024;

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

export class UndiciWebhookSender implements WebhookSender {
  /** Made when the first event goes out (undici loads then, not at start). */
  private readonly agents: LazyAgents<'webhooks'>;

  constructor(private readonly settings: WebhookAddressRules & { readonly timeoutMs: number }) {
    const lookup = (hostname: string, options: dns.LookupOptions, callback: LookupCallback): void => {
      void resolveAllowed(settings, hostname).then((r) => {
        if (typeof r === 'string') return callback(Object.assign(new Error(r), { code: 'ENOTPUBLIC' }), '');
        const list = r.map((a) => ({ address: a.address, family: a.family }));
        if (options.all) return callback(null, list);
        return callback(null, list[0]!.address, list[0]!.family);
      });
    };
    this.agents = new LazyAgents(({ Agent }) => ({
      webhooks: new Agent({
        keepAliveTimeout: 10_000,
        connections: 64,
        connect: { timeout: settings.timeoutMs, lookup: lookup as never },
        headersTimeout: settings.timeoutMs,
        bodyTimeout: settings.timeoutMs,
      }),
    }));
  }

  async send(request: WebhookRequest): Promise<WebhookAnswer> {
    const url = checkWebhookUrlSyntax(this.settings, request.url);
    if (typeof url === 'string') return { kind: 'failed', reason: url.includes('address') ? 'refused_address' : 'invalid_url' };
    const signature = new Webhook(request.secret).sign(request.id, request.timestamp, request.body);
    const deadline = AbortSignal.timeout(this.settings.timeoutMs);
    try {
      const res = await (await this.agents.get()).agents.webhooks.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'integration-backend-webhooks',
          'webhook-id': request.id,
          'webhook-timestamp': String(Math.floor(request.timestamp.getTime() / 1000)),
          'webhook-signature': signature,
        },
        body: request.body,
        signal: deadline,
      });
      await res.body.dump({ limit: ANSWER_READ_BYTES }).catch(() => undefined);
      return { kind: 'answered', status: res.statusCode };
    } catch (err) {
      if (deadline.aborted) return { kind: 'failed', reason: 'timeout' };
      const code = codeOf(err);
      if (code === 'ENOTPUBLIC') return { kind: 'failed', reason: 'refused_address' };
      if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return { kind: 'failed', reason: 'timeout' };
      return { kind: 'failed', reason: 'network' };
    }
  }

  async close(): Promise<void> {
    await this.agents.destroy();
  }
}
