import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { HmacStateSigner } from '../../src/adapters/crypto/hmac-state-signer.js';
import { StartJiraAuthorization } from '../../src/application/start-jira-authorization.js';
import type { TenantId } from '../../src/domain/tenant.js';

const settings = {
  clientId: 'client',
  redirectUri: 'https://svc.example/auth/jira/callback',
  scopes: ['read:jira-work', 'offline_access'],
  authBaseUrl: 'https://auth.atlassian.com',
  apiBaseUrl: 'https://api.atlassian.com',
  pkce: false,
  frontendUrl: 'https://app.example',
  allowedReturnOrigins: ['https://app.example'],
  preferredSiteUrl: '',
  stateTtlSeconds: 600,
};

const start = (authBaseUrl: string) =>
  new StartJiraAuthorization({
    settings: { ...settings, authBaseUrl },
    signer: new HmacStateSigner('secret'),
    clock: { now: () => new Date('2026-11-27T12:00:00Z') },
  }).execute({ tenantId: 'acme' as TenantId })();

describe('StartJiraAuthorization', () => {
  it("builds the consent URL on Atlassian's authorize endpoint", async () => {
    const r = await start('https://auth.atlassian.com');
    expect(E.isRight(r) && new URL(r.right.url).origin + new URL(r.right.url).pathname).toBe('https://auth.atlassian.com/authorize');
  });

  it('keeps a path prefix of a stand-in authorization server', async () => {
    const r = await start('https://gateway.example/atlassian-auth');
    expect(E.isRight(r) && new URL(r.right.url).pathname).toBe('/atlassian-auth/authorize');
  });
});
