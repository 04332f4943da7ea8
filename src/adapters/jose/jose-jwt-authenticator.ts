/**
 * AUTH_MODE=jwt: bearer JWTs of the product's own identity provider, verified by jose
 * against the provider's JWKS (fetched from AUTH_JWKS_URL, cached, fetched again when a
 * token names a key id it does not know, at most once per cooldown). Only the configured
 * asymmetric algorithms are accepted: never `none`, never HS* (a public key is no secret).
 */
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { CallerAuthenticator } from '../../application/ports/caller-authenticator.js';
import type { Logger } from '../../application/ports/logger.js';
import { isScope, unauthenticated, type Caller, type Scope } from '../../domain/caller.js';
import type { AppError } from '../../domain/errors.js';
import { TenantId } from '../../domain/tenant.js';

export interface JwtSettings {
  readonly jwksUrl: string;
  readonly issuer: string;
  readonly audience: string;
  readonly algorithms: readonly string[];
  readonly tenantClaim: string;
  readonly clockSkewSeconds: number;
  /** How long fetched keys are kept (default 10 minutes). */
  readonly cacheMaxAgeMs?: number;
  /** The least time between two JWKS fetches, whatever tokens arrive (default 30 s). */
  readonly cooldownMs?: number;
  /** How long a JWKS fetch may take (default 5 s). */
  readonly timeoutMs?: number;
}

/** The scopes of a token: `scope` (space-separated, RFC 8693 / 9068) or `scp` (a list or a string); only read, write, admin count. */
export const scopesOf = (payload: JWTPayload): Scope[] => {
  const raw = payload['scope'] ?? payload['scp'];
  const names = typeof raw === 'string' ? raw.split(/\s+/) : Array.isArray(raw) ? raw.filter((s): s is string => typeof s === 'string') : [];
  return [...new Set(names.filter(isScope))];
};

export class JoseJwtAuthenticator implements CallerAuthenticator {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(
    private readonly settings: JwtSettings,
    private readonly logger: Logger,
  ) {
    this.jwks = createRemoteJWKSet(new URL(settings.jwksUrl), {
      cacheMaxAge: settings.cacheMaxAgeMs ?? 10 * 60_000,
      cooldownDuration: settings.cooldownMs ?? 30_000,
      timeoutDuration: settings.timeoutMs ?? 5_000,
    });
  }

  authenticate(credential: string): TE.TaskEither<AppError, Caller> {
    return async () => {
      try {
        const { payload } = await jwtVerify(credential, this.jwks, {
          issuer: this.settings.issuer,
          audience: this.settings.audience,
          algorithms: [...this.settings.algorithms],
          clockTolerance: this.settings.clockSkewSeconds,
          requiredClaims: ['exp'],
        });
        const tenant = payload[this.settings.tenantClaim];
        if (typeof tenant !== 'string' || !TenantId.is(tenant)) {
          this.logger.info({ reason: 'no usable tenant claim', claim: this.settings.tenantClaim }, 'JWT refused');
          return E.left(unauthenticated());
        }
        const subject = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub.slice(0, 200) : 'unknown';
        return E.right({ tenantId: tenant, id: `jwt:${subject}`, kind: 'jwt' as const, scopes: scopesOf(payload), operator: false });
      } catch (err) {
        // The reason goes to the log (never the token); the caller reads the one message of every refusal.
        const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : 'ERR_UNKNOWN';
        this.logger.info({ reason: code }, 'JWT refused');
        return E.left(unauthenticated());
      }
    };
  }
}
