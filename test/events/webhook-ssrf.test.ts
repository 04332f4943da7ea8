/**
 * The webhook URL's SSRF rules: those of a caller's Atlassian base URL (https only, no
 * private, loopback or link-local addresses), checked on PUT and again on the address
 * connected to at delivery; WEBHOOK_ALLOW_HTTP_LOOPBACK=true allows http and loopback only.
 */
import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantId } from '../../src/domain/tenant.js';
import { tenantHeaders } from '../oauth/support.js';
import { startTestService, type TestService } from '../support/service.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const put = (svc: TestService, tenant: string, url: string) =>
  fetch(`${svc.url}/connectors/webhook`, { method: 'PUT', headers: { ...tenantHeaders(tenant), 'content-type': 'application/json' }, body: JSON.stringify({ url }) });

describe('webhook URLs without WEBHOOK_ALLOW_HTTP_LOOPBACK', () => {
  let svc: TestService;
  let receiver: WebhookReceiver;
  /** hooks.example.test: public when the URL is set, then it "rebinds" to loopback (the receiver). */
  let rebound = false;
  const lookups: string[] = [];
  beforeAll(async () => {
    receiver = await startWebhookReceiver('whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    svc = await startTestService({
      env: { WEBHOOK_TIMEOUT_MS: '500' },
      overrides: {
        eventDispatch: { start: false },
        webhookLookup: async (host) => {
          lookups.push(host);
          if (host === 'hooks.example.test') return [{ address: rebound ? '127.0.0.1' : '93.184.216.34', family: 4 }];
          if (host === 'private.example.test') return [{ address: '10.1.2.3', family: 4 }];
          if (host === 'metadata.example.test') return [{ address: '169.254.169.254', family: 4 }];
          if (host === 'localhost') return [{ address: '127.0.0.1', family: 4 }];
          throw new Error('ENOTFOUND');
        },
      },
    });
  });
  afterAll(async () => {
    await svc.close();
    await receiver.close();
  });

  it.each([
    ['http://hooks.example.test/x', 'https'],
    ['http://127.0.0.1:9/hooks', 'https'],
    ['https://127.0.0.1/hooks', 'address'],
    ['https://[::1]/hooks', 'address'],
    ['https://10.0.0.8/hooks', 'address'],
    ['https://169.254.169.254/latest', 'address'],
    ['https://localhost/hooks', 'address'],
    ['https://private.example.test/hooks', 'address'],
    ['https://metadata.example.test/hooks', 'address'],
    ['https://user:pw@hooks.example.test/x', 'credentials'],
    ['https://nowhere.example.test/x', 'resolved'],
    ['not a url', 'https'],
  ])('refuses %s with 400 VALIDATION', async (url, why) => {
    const res = await put(svc, 'ssrf', url);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; message: string };
    expect(body.code).toBe('VALIDATION');
    expect(body.message).toContain(why);
  });

  it('does not call a URL whose DNS turned private after it was set', async () => {
    const res = await put(svc, 'rebind', 'https://hooks.example.test/hooks');
    expect(res.status).toBe(200);
    rebound = true;
    const id = randomUUID();
    const recorded = await svc.service.adapters.events.record([
      { id, type: 'connection.deleted', tenantId: 'rebind' as TenantId, connector: 'jira', occurredAt: new Date(), data: {} },
    ])();
    expect(E.isRight(recorded)).toBe(true);
    lookups.length = 0;
    expect(await svc.service.useCases.dispatcher!.runOnce()).toBe(1);
    expect(lookups).toContain('hooks.example.test'); // looked up again at delivery
    const listed = await svc.service.adapters.deliveries!.listDeliveries({ tenantId: 'rebind' as TenantId, limit: 10 })();
    expect(E.isRight(listed) && listed.right[0]).toMatchObject({ status: 'pending', lastResult: 'refused_address' });
    expect(receiver.hits).toHaveLength(0);
  });
});

describe('WEBHOOK_ALLOW_HTTP_LOOPBACK=true', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ env: { WEBHOOK_ALLOW_HTTP_LOOPBACK: 'true' }, overrides: { eventDispatch: { start: false } } });
  });
  afterAll(() => svc.close());

  it('allows http to loopback, still refuses private and link-local addresses', async () => {
    expect((await put(svc, 'dev', 'http://127.0.0.1:8080/hooks')).status).toBe(200);
    expect((await put(svc, 'dev', 'http://10.0.0.8/hooks')).status).toBe(400);
    expect((await put(svc, 'dev', 'http://169.254.169.254/hooks')).status).toBe(400);
    const del = await fetch(`${svc.url}/connectors/webhook`, { method: 'DELETE', headers: tenantHeaders('dev') });
    expect(del.status).toBe(204);
    const view = (await (await fetch(`${svc.url}/connectors/webhook`, { headers: tenantHeaders('dev') })).json()) as Record<string, unknown>;
    expect(view).toMatchObject({ source: 'none', url: null });
  });
});
