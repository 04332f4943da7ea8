/**
 * The OAuth use cases built with `new`, no container and no HTTP: in-memory stores, the real
 * HMAC signer and AES-GCM cipher, a controllable clock and an in-memory Atlassian.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { AesGcmCipher } from '../../src/adapters/crypto/aes-gcm-cipher.js';
import { HmacStateSigner } from '../../src/adapters/crypto/hmac-state-signer.js';
import { InMemoryConnectionStore } from '../../src/adapters/memory/in-memory-connection-store.js';
import { InMemoryOAuthNonceStore } from '../../src/adapters/memory/in-memory-stores.js';
import { CompleteJiraAuthorization } from '../../src/application/complete-jira-authorization.js';
import type { OAuthSettings } from '../../src/application/oauth-settings.js';
import type { AtlassianAuthorization } from '../../src/application/ports/atlassian-authorization.js';
import { silentLogger } from '../../src/application/ports/logger.js';
import { CredentialCache } from '../../src/application/credential-cache.js';
import { GrantRefresher } from '../../src/application/grant-refresher.js';
import { StoredCredentialAccess } from '../../src/application/stored-credential-access.js';
import { StartJiraAuthorization } from '../../src/application/start-jira-authorization.js';
import type { Site } from '../../src/domain/connection.js';
import type { TokenSet } from '../../src/domain/credentials.js';
import { AppError } from '../../src/domain/errors.js';
import type { TenantId } from '../../src/domain/tenant.js';

const SITES: Site[] = [
  { cloudId: 'cloud-a', name: 'acme', url: 'https://acme.atlassian.net', scopes: ['read:jira-work', 'read:page:confluence'] },
  { cloudId: 'cloud-b', name: 'beta', url: 'https://beta.atlassian.net', scopes: ['read:jira-work', 'read:page:confluence'] },
];
const ALL_SCOPES = ['read:jira-work', 'write:jira-work', 'offline_access', 'read:page:confluence'];

/** An in-memory Atlassian authorization server with rotating refresh tokens. */
class MemoryAtlassian implements AtlassianAuthorization {
  readonly codes = new Map<string, { redirectUri: string; challenge: string | null; scopes: string[] }>();
  readonly exchanges: Array<{ code: string; redirectUri: string; codeVerifier: string | null }> = [];
  readonly refreshCalls: string[] = [];
  private readonly liveRefresh = new Set<string>();
  readonly liveAccess = new Set<string>();
  revoked = false;
  /** A refresh that fails as Atlassian's 5xx would (a transient VENDOR_ERROR). */
  failing = false;
  ttlSeconds = 60;

  issueCode(redirectUri: string, challenge: string | null = null, scopes = ALL_SCOPES): string {
    const code = `code-${randomBytes(6).toString('hex')}`;
    this.codes.set(code, { redirectUri, challenge, scopes });
    return code;
  }

  private mint(scopes: readonly string[]): TokenSet {
    const t: TokenSet = {
      accessToken: `at-${randomBytes(8).toString('hex')}`,
      refreshToken: `rt-${randomBytes(8).toString('hex')}`,
      expiresInSeconds: this.ttlSeconds,
      scopes,
    };
    this.liveAccess.add(t.accessToken);
    this.liveRefresh.add(t.refreshToken!);
    return t;
  }

  exchangeCode(input: { code: string; redirectUri: string; codeVerifier: string | null }): TE.TaskEither<AppError, TokenSet> {
    this.exchanges.push(input);
    const c = this.codes.get(input.code);
    const s256 = input.codeVerifier === null ? null : createHash('sha256').update(input.codeVerifier).digest('base64url');
    if (!c || c.redirectUri !== input.redirectUri || c.challenge !== s256) return TE.left(AppError.validation('bad code'));
    this.codes.delete(input.code);
    return TE.right(this.mint(c.scopes));
  }

  refresh(refreshToken: string): TE.TaskEither<AppError, TokenSet> {
    return async () => {
      this.refreshCalls.push(refreshToken);
      await new Promise((r) => setTimeout(r, 20));
      if (this.failing) return E.left(AppError.vendor('Atlassian answered the token call with 503.'));
      if (this.revoked || !this.liveRefresh.delete(refreshToken)) return E.left(AppError.tokenExpired('invalid_grant'));
      return E.right(this.mint(ALL_SCOPES));
    };
  }

  accessibleResources(accessToken: string): TE.TaskEither<AppError, readonly Site[]> {
    return this.liveAccess.has(accessToken) ? TE.right(SITES) : TE.left(AppError.vendor('401'));
  }
}

const tenant = (t: string) => t as TenantId;
const REDIRECT = 'https://integration.example/auth/jira/callback';

const settings = (over: Partial<OAuthSettings> = {}): OAuthSettings => ({
  clientId: 'client',
  redirectUri: REDIRECT,
  scopes: ALL_SCOPES,
  authBaseUrl: 'https://auth.example',
  apiBaseUrl: 'https://api.example',
  pkce: false,
  frontendUrl: 'https://app.example',
  allowedReturnOrigins: ['https://app.example'],
  preferredSiteUrl: '',
  stateTtlSeconds: 600,
  ...over,
});

const right = <A>(e: E.Either<AppError, A>): A => {
  if (E.isLeft(e)) throw new Error(`expected Right, got ${e.left.code}: ${e.left.message}`);
  return e.right;
};

describe('OAuth use cases built with new', () => {
  let now: number;
  let clock: { now: () => Date };
  let atlassian: MemoryAtlassian;
  let connections: InMemoryConnectionStore;
  let cipher: AesGcmCipher;
  let signer: HmacStateSigner;
  const build = (over: Partial<OAuthSettings> = {}, skewSeconds = 300) => {
    const s = settings(over);
    return {
      start: new StartJiraAuthorization({ settings: s, signer, clock }),
      complete: new CompleteJiraAuthorization({
        settings: s,
        signer,
        nonces: new InMemoryOAuthNonceStore(),
        authorization: atlassian,
        cipher,
        connections,
        clock,
      }),
      refresh: credentialLifecycle(skewSeconds),
    };
  };
  /** The service's credential lifecycle as the composition root wires it: cache, refresher, access provider. */
  const credentialLifecycle = (skewSeconds: number) => {
    const credentials = new CredentialCache({ cipher, logger: silentLogger });
    const refresher = new GrantRefresher({
      connections,
      lease: connections,
      authorization: atlassian,
      cipher,
      credentials,
      clock,
      logger: silentLogger,
      settings: { skewSeconds, pollMs: 5 },
    });
    const access = new StoredCredentialAccess({
      connections,
      refresher,
      credentials,
      clock,
      settings: { skewSeconds, apiBaseUrl: 'https://api.example' },
    });
    return {
      access: access.access.bind(access),
      afterUnauthorized: access.afterUnauthorized.bind(access),
      rotate: refresher.rotate.bind(refresher),
    };
  };

  beforeEach(() => {
    now = Date.parse('2026-11-20T10:00:00.000Z');
    clock = { now: () => new Date(now) };
    atlassian = new MemoryAtlassian();
    connections = new InMemoryConnectionStore();
    cipher = new AesGcmCipher(randomBytes(32));
    signer = new HmacStateSigner(randomBytes(32));
  });

  const connectTenant = async (uc: ReturnType<typeof build>, t: string, returnUrl?: string) => {
    const started = right(await uc.start.execute({ tenantId: tenant(t), returnUrl })());
    const url = new URL(started.url);
    const challenge = url.searchParams.get('code_challenge');
    const code = atlassian.issueCode(REDIRECT, challenge);
    return { started, outcome: await uc.complete.execute({ state: url.searchParams.get('state') ?? '', code, stateCookie: started.stateCookie })() };
  };

  it('connects: sealed credentials for both products, first site active, redirect to the frontend', async () => {
    const uc = build();
    const { outcome } = await connectTenant(uc, 't1');
    const done = right(outcome);
    expect(done.redirectTo).toBe('https://app.example/login?connected=jira');
    expect(done.connections.map((c) => [c.connector, c.cloud_id, c.sites.length])).toEqual([
      ['jira', 'cloud-a', 2],
      ['confluence', 'cloud-a', 2],
    ]);
    const row = right(await connections.find(tenant('t1'), 'jira')())!;
    const [token] = [...atlassian.liveAccess];
    expect(row.credentials).not.toContain(token);
    expect(JSON.parse(right(cipher.decrypt(row.credentials!)))).toMatchObject({ kind: 'oauth', access_token: token });
  });

  it('PKCE: the verifier from the signed state reaches the token exchange and matches the challenge', async () => {
    const uc = build({ pkce: true });
    const { started, outcome } = await connectTenant(uc, 't-pkce');
    right(outcome);
    const challenge = new URL(started.url).searchParams.get('code_challenge');
    const verifier = atlassian.exchanges[0]!.codeVerifier!;
    expect(createHash('sha256').update(verifier).digest('base64url')).toBe(challenge);
    expect(started.url).not.toContain(verifier);
  });

  it('refuses an expired state (clock past 10 minutes) and a replayed one', async () => {
    const uc = build();
    const started = right(await uc.start.execute({ tenantId: tenant('t2') })());
    const state = new URL(started.url).searchParams.get('state') ?? '';
    now += 600_001;
    const late = await uc.complete.execute({ state, code: atlassian.issueCode(REDIRECT), stateCookie: started.stateCookie })();
    expect(E.isLeft(late) && [late.left.code, late.left.reason]).toEqual(['VALIDATION', 'invalid_oauth_state']);
    expect(E.isLeft(late) && late.left.message).toContain('expired');

    now -= 600_001;
    const ok = await uc.complete.execute({ state, code: atlassian.issueCode(REDIRECT), stateCookie: started.stateCookie })();
    right(ok);
    const again = await uc.complete.execute({ state, code: atlassian.issueCode(REDIRECT), stateCookie: started.stateCookie })();
    expect(E.isLeft(again) && again.left.message).toContain('already completed');
    expect(atlassian.exchanges).toHaveLength(1);
  });

  /** Moves the clock past the tenant's stored token's expiry. */
  const expire = async (t: string) => {
    const row = right(await connections.find(tenant(t), 'jira')())!;
    now = row.expiresAt!.getTime() + 1000;
  };

  it('200 concurrent access() calls with an expired token -> they wait for one refresh, one rotated token for all', async () => {
    const uc = build();
    right((await connectTenant(uc, 't3')).outcome);
    await expire('t3');
    const results = await Promise.all(Array.from({ length: 200 }, () => uc.refresh.access(tenant('t3'), 'jira')()));
    expect(atlassian.refreshCalls).toHaveLength(1);
    const auths = new Set(results.map((r) => right(r).authorization));
    expect(auths.size).toBe(1);
    const ctx = right(results[0]!);
    expect(ctx.baseUrl).toBe('https://api.example/ex/jira/cloud-a');
    // The rotated pair was stored before it was handed out.
    const row = right(await connections.find(tenant('t3'), 'jira')())!;
    const stored = JSON.parse(right(cipher.decrypt(row.credentials!))) as { access_token: string };
    expect(ctx.authorization).toBe(`Bearer ${stored.access_token}`);
    expect(row.refreshedAt?.getTime()).toBe(now);
  });

  it('a fresh token is handed out without a refresh; after a 401 someone else already fixed, no second refresh', async () => {
    const uc = build({}, 30);
    right((await connectTenant(uc, 't4')).outcome);
    const stale = right(await uc.refresh.access(tenant('t4'), 'jira')());
    expect(atlassian.refreshCalls).toHaveLength(0);
    right(await uc.refresh.rotate(tenant('t4'), 'jira')());
    expect(atlassian.refreshCalls).toHaveLength(1);
    const after = right(await uc.refresh.afterUnauthorized(tenant('t4'), 'jira', stale)());
    expect(atlassian.refreshCalls).toHaveLength(1);
    expect(after.authorization).not.toBe(stale.authorization);
    // A 401 on the current token does refresh, once.
    right(await uc.refresh.afterUnauthorized(tenant('t4'), 'jira', after)());
    expect(atlassian.refreshCalls).toHaveLength(2);
  });

  it('a token within the skew that has not expired: handed out at once while one refresh runs beside the calls, and a failed refresh fails none of them', async () => {
    const uc = build();
    right((await connectTenant(uc, 't6')).outcome);
    const row = right(await connections.find(tenant('t6'), 'jira')())!;
    const current = `Bearer ${JSON.parse(right(cipher.decrypt(row.credentials!))).access_token}`;
    // 60 s left, skew 300 s: due for a refresh, still good. The refresh fails as a 503 would.
    atlassian.failing = true;
    const results = await Promise.all(Array.from({ length: 50 }, () => uc.refresh.access(tenant('t6'), 'jira')()));
    expect(results.map((r) => right(r).authorization)).toEqual(Array(50).fill(current));
    // Answered without waiting for it: one refresh for all of them, on its way or done.
    const settled = async (calls: number) => {
      for (let i = 0; i < 100 && atlassian.refreshCalls.length < calls; i += 1) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 60));
    };
    await settled(1);
    expect(atlassian.refreshCalls).toHaveLength(1);
    expect(right(await connections.find(tenant('t6'), 'jira')())!.status).toBe('active');
    // Working again: the next caller starts a refresh that succeeds, and later callers get the new token.
    atlassian.failing = false;
    expect(right(await uc.refresh.access(tenant('t6'), 'jira')()).authorization).toBe(current);
    await settled(2);
    expect(atlassian.refreshCalls).toHaveLength(2);
    const renewed = right(await uc.refresh.access(tenant('t6'), 'jira')()).authorization;
    expect(renewed).not.toBe(current);
    expect(atlassian.refreshCalls).toHaveLength(2);
    // An expired token, though, waits: and a failing refresh fails it.
    atlassian.failing = true;
    await expire('t6');
    const late = await uc.refresh.access(tenant('t6'), 'jira')();
    expect(E.isLeft(late) && late.left.code).toBe('VENDOR_ERROR');
  });

  it('invalid_grant -> TOKEN_EXPIRED, both rows needs_reauth, one attempt only', async () => {
    const uc = build();
    right((await connectTenant(uc, 't5')).outcome);
    await expire('t5');
    atlassian.revoked = true;
    const results = await Promise.all(Array.from({ length: 20 }, () => uc.refresh.access(tenant('t5'), 'jira')()));
    for (const r of results) expect(E.isLeft(r) && r.left.code).toBe('TOKEN_EXPIRED');
    expect(atlassian.refreshCalls).toHaveLength(1);
    for (const c of ['jira', 'confluence'] as const) expect(right(await connections.find(tenant('t5'), c)())!.status).toBe('needs_reauth');
    const later = await uc.refresh.access(tenant('t5'), 'confluence')();
    expect(E.isLeft(later) && later.left.message).toContain('reconnect');
    expect(atlassian.refreshCalls).toHaveLength(1);
  });
});
