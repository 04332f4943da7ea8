import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/composition/config.js';

const problems = (env: Record<string, string>): string => {
  const r = loadConfig(env);
  return E.isLeft(r) ? r.left : '';
};

describe('AUTH_* configuration', () => {
  it('defaults to open mode with the tenant_id claim, 30 s of skew and no HSTS', () => {
    const r = loadConfig({});
    if (E.isLeft(r)) throw new Error(r.left);
    expect(r.right.auth).toEqual({
      mode: 'open',
      jwt: { jwksUrl: '', issuer: '', audience: '', algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'], tenantClaim: 'tenant_id', clockSkewSeconds: 30, jwksCooldownSeconds: 30 },
      resourceUrl: '',
    });
    expect(r.right.hsts).toBe(false);
  });

  it('refuses an unknown mode, and jwt mode without its JWKS URL, issuer and audience', () => {
    expect(problems({ AUTH_MODE: 'basic' })).toMatch(/AUTH_MODE must be one of open, api_key, jwt/);
    expect(problems({ AUTH_MODE: 'jwt' })).toMatch(/AUTH_MODE=jwt needs AUTH_JWKS_URL, AUTH_ISSUER, AUTH_AUDIENCE/);
    expect(problems({ AUTH_MODE: 'jwt', AUTH_JWKS_URL: 'ftp://x', AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a' })).toMatch(/AUTH_JWKS_URL must be an http\(s\) URL/);
  });

  it('never accepts none or an HS* algorithm', () => {
    for (const alg of ['none', 'HS256', 'HS512', 'RS256,HS384']) {
      expect(problems({ AUTH_JWT_ALGORITHMS: alg })).toMatch(/AUTH_JWT_ALGORITHMS may name only RS256, .* \(never none or HS\*\)/);
    }
    expect(problems({ AUTH_JWT_ALGORITHMS: 'ES256,EdDSA' })).toBe('');
  });
});
