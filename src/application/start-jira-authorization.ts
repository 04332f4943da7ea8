import { createHash, randomBytes } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { AppError } from '../domain/errors.js';
import type { OAuthState } from '../domain/oauth-state.js';
import type { TenantId } from '../domain/tenant.js';
import { missingOAuthSettings, type OAuthSettings } from './oauth-settings.js';
import type { Clock } from './ports/clock.js';
import type { StateSigner } from './ports/state-signer.js';

export interface AuthorizationStart {
  readonly url: string;
  /** The signed state, for the `jira_oauth_state` cookie. */
  readonly stateCookie: string;
  readonly maxAgeSeconds: number;
}

const base64url = (b: Buffer): string => b.toString('base64url');

/**
 * Accepts a return_url only when its origin is one the operator named (the frontend or
 * an explicit CORS origin). Relative, scheme-relative, userinfo and look-alike URLs fail.
 */
export const checkReturnUrl = (raw: string, allowedOrigins: readonly string[]): E.Either<AppError, string> => {
  const refuse = E.left(
    AppError.validation('return_url must be an absolute http(s) URL on the frontend origin (APP_FRONTEND_URL) or an allowed CORS origin.'),
  );
  // Whitespace, control characters and backslashes are how parsers get talked into other hosts.
  // eslint-disable-next-line no-control-regex
  if (raw.length > 2048 || /[\s\u0000-\u001f\u007f\\]/.test(raw)) return refuse;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return refuse;
  if (url.username !== '' || url.password !== '') return refuse;
  const allowed = new Set(
    allowedOrigins.flatMap((o) => {
      try {
        return [new URL(o).origin];
      } catch {
        return [];
      }
    }),
  );
  return allowed.has(url.origin) ? E.right(url.toString()) : refuse;
};

/** Builds Atlassian's consent URL and the signed state that will vouch for the callback. */
export class StartJiraAuthorization {
  constructor(private readonly ports: { settings: OAuthSettings; signer: StateSigner; clock: Clock }) {}

  execute(input: { tenantId: TenantId; returnUrl?: string | undefined }): TE.TaskEither<AppError, AuthorizationStart> {
    const { settings, signer, clock } = this.ports;
    const missing = missingOAuthSettings(settings);
    if (missing.length > 0) {
      return TE.left(AppError.validation(`Jira OAuth is not configured: set ${missing.join(' and ')}.`));
    }
    let returnUrl: string | null = null;
    if (input.returnUrl !== undefined && input.returnUrl !== '') {
      const checked = checkReturnUrl(input.returnUrl, settings.allowedReturnOrigins);
      if (E.isLeft(checked)) return TE.left(checked.left);
      returnUrl = checked.right;
    }
    const nonce = base64url(randomBytes(18));
    const codeVerifier = settings.pkce ? base64url(randomBytes(48)) : null;
    const state: OAuthState = {
      v: 1,
      tenant: input.tenantId,
      nonce,
      exp: Math.floor(clock.now().getTime() / 1000) + settings.stateTtlSeconds,
      return_url: returnUrl,
      redirect_uri: settings.redirectUri,
      code_verifier: codeVerifier,
    };
    const url = new URL(`${settings.authBaseUrl}/authorize`);
    url.searchParams.set('audience', 'api.atlassian.com');
    url.searchParams.set('client_id', settings.clientId);
    url.searchParams.set('scope', settings.scopes.join(' '));
    url.searchParams.set('redirect_uri', settings.redirectUri);
    // The URL carries only the nonce; the verifier and return_url stay in the signed cookie.
    url.searchParams.set('state', nonce);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('prompt', 'consent');
    if (codeVerifier) {
      url.searchParams.set('code_challenge', base64url(createHash('sha256').update(codeVerifier).digest()));
      url.searchParams.set('code_challenge_method', 'S256');
    }
    return TE.right({
      url: url.toString(),
      stateCookie: signer.sign(JSON.stringify(state)),
      maxAgeSeconds: settings.stateTtlSeconds,
    });
  }
}
