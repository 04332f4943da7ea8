import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import type { Site } from '../../domain/connection.js';
import type { TokenSet } from '../../domain/credentials.js';
import { AppError } from '../../domain/errors.js';
import type { AtlassianAuthorization, AtlassianTokenVerifier } from '../../application/ports/atlassian-authorization.js';
import { NO_METRICS, type ServiceMetrics } from '../../application/ports/metrics.js';
import { observeUpstreamCall } from './atlassian-call.js';
import { headerOf, parseJson, transportError, type AtlassianHttp, type TransportFailure } from './http-transport.js';

const TokenResponse = t.intersection([
  t.type({ access_token: t.string, expires_in: t.number }),
  t.partial({ refresh_token: t.string, scope: t.string, token_type: t.string }),
]);

const AccessibleResources = t.array(
  t.intersection([
    t.type({ id: t.string, url: t.string }),
    t.partial({ name: t.string, scopes: t.array(t.string), avatarUrl: t.string }),
  ]),
);

const Myself = t.partial({ displayName: t.string, accountId: t.string, name: t.string });
const SpacesPage = t.type({ results: t.UnknownArray });

const toTokenSet = (body: t.TypeOf<typeof TokenResponse>): TokenSet => ({
  accessToken: body.access_token,
  refreshToken: body.refresh_token ?? null,
  expiresInSeconds: body.expires_in,
  scopes: (body.scope ?? '').split(' ').filter((s) => s !== ''),
});

const oauthError = (body: unknown): string | undefined =>
  typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string'
    ? (body as { error: string }).error
    : undefined;

/** Atlassian's authorization server, accessible-resources and the token check, over undici. */
export class UndiciAtlassianAuthorization implements AtlassianAuthorization, AtlassianTokenVerifier {
  constructor(
    private readonly http: AtlassianHttp,
    private readonly settings: { authBaseUrl: string; apiBaseUrl: string; clientId: string; clientSecret: string },
    /** Where each call is timed and counted (upstream histogram, Atlassian's 429s), as the operations' calls are. */
    private readonly metrics: ServiceMetrics = NO_METRICS,
  ) {}

  exchangeCode(input: { code: string; redirectUri: string; codeVerifier: string | null }): TE.TaskEither<AppError, TokenSet> {
    return this.token(
      {
        grant_type: 'authorization_code',
        client_id: this.settings.clientId,
        client_secret: this.settings.clientSecret,
        code: input.code,
        redirect_uri: input.redirectUri,
        ...(input.codeVerifier ? { code_verifier: input.codeVerifier } : {}),
      },
      () => AppError.validation('Atlassian refused the authorization code (it may have expired or been used); sign in again.'),
    );
  }

  refresh(refreshToken: string): TE.TaskEither<AppError, TokenSet> {
    return this.token(
      {
        grant_type: 'refresh_token',
        client_id: this.settings.clientId,
        client_secret: this.settings.clientSecret,
        refresh_token: refreshToken,
      },
      () => AppError.tokenExpired('Atlassian refused the refresh token (invalid_grant); reconnect through /auth/jira/login.'),
    );
  }

  accessibleResources(accessToken: string): TE.TaskEither<AppError, readonly Site[]> {
    return pipe(
      TE.mapLeft((failure: TransportFailure) => transportError(failure, 'the accessible resources'))(
        observeUpstreamCall(this.metrics, 'GET', '/oauth/token/accessible-resources', (traceHeaders) =>
          this.http.trusted.send({
            method: 'GET',
            url: `${this.settings.apiBaseUrl}/oauth/token/accessible-resources`,
            headers: { ...traceHeaders, authorization: `Bearer ${accessToken}` },
          }),
        ),
      ),
      TE.flatMap((res) => {
        if (res.status !== 200) {
          return TE.left(AppError.vendor(`Atlassian answered ${res.status} when listing accessible sites.`));
        }
        return pipe(
          AccessibleResources.decode(parseJson(res)),
          E.mapLeft(() => AppError.vendor('Atlassian answered the accessible resources with an unexpected body.')),
          E.map((list) =>
            list.map((r): Site => ({ cloudId: r.id, name: r.name ?? r.url, url: r.url.replace(/\/+$/, ''), scopes: r.scopes ?? [] })),
          ),
          TE.fromEither,
        );
      }),
    );
  }

  verify(input: {
    product: 'jira' | 'confluence';
    baseUrl: string;
    authorization: string;
    flavour: 'cloud' | 'data_center';
  }): TE.TaskEither<AppError, { displayName: string | null }> {
    const path =
      input.product === 'confluence'
        ? '/wiki/api/v2/spaces?limit=1'
        : input.flavour === 'cloud'
          ? '/rest/api/3/myself'
          : '/rest/api/2/myself';
    return pipe(
      TE.mapLeft((failure: TransportFailure) => transportError(failure, 'the token check'))(
        observeUpstreamCall(this.metrics, 'GET', path.split('?')[0]!, (traceHeaders) =>
          this.http.pinned.send({ method: 'GET', url: `${input.baseUrl}${path}`, headers: { ...traceHeaders, authorization: input.authorization } }),
        ),
      ),
      TE.flatMap((res) => {
        if (res.status === 401 || res.status === 403) {
          return TE.left(AppError.validation('Atlassian rejected the token for this base_url; nothing was saved.'));
        }
        if (res.status >= 300 && res.status < 400) {
          return TE.left(AppError.validation('base_url redirects elsewhere; give the final Atlassian address.'));
        }
        if (res.status !== 200) {
          return TE.left(AppError.vendor(`Atlassian answered ${res.status} to the token check; nothing was saved.`));
        }
        const body = parseJson(res);
        if (input.product === 'confluence') {
          return SpacesPage.is(body)
            ? TE.right({ displayName: null })
            : TE.left(AppError.vendor('Atlassian answered the token check with an unexpected body.'));
        }
        return pipe(
          Myself.decode(body),
          E.mapLeft(() => AppError.vendor('Atlassian answered the token check with an unexpected body.')),
          E.map((me) => ({ displayName: me.displayName ?? me.name ?? me.accountId ?? null })),
          TE.fromEither,
        );
      }),
    );
  }

  private token(body: Record<string, string>, refused: () => AppError): TE.TaskEither<AppError, TokenSet> {
    return pipe(
      TE.mapLeft((failure: TransportFailure) => transportError(failure, 'the token request'))(
        observeUpstreamCall(this.metrics, 'POST', '/oauth/token', (traceHeaders) =>
          this.http.trusted.send({ method: 'POST', url: `${this.settings.authBaseUrl}/oauth/token`, json: body, headers: traceHeaders }),
        ),
      ),
      TE.flatMap((res) => {
        const json = parseJson(res);
        if (res.status === 200) {
          return pipe(
            TokenResponse.decode(json),
            E.mapLeft(() => AppError.vendor('Atlassian answered the token request with an unexpected body.')),
            E.map(toTokenSet),
            TE.fromEither,
          );
        }
        const error = oauthError(json);
        if (error === 'invalid_grant' || error === 'unauthorized_client' || res.status === 403) return TE.left(refused());
        if (error === 'access_denied' || error === 'invalid_client' || res.status === 401) {
          return TE.left(AppError.vendor('Atlassian refused this app\'s client credentials; check JIRA_OAUTH_CLIENT_ID and JIRA_OAUTH_CLIENT_SECRET.'));
        }
        if (res.status === 429) {
          const retry = Number(headerOf(res, 'retry-after'));
          return TE.left(AppError.rateLimited('Atlassian is rate limiting token requests.', Number.isFinite(retry) && retry > 0 ? retry : 5));
        }
        return TE.left(AppError.vendor(`Atlassian answered ${res.status} to the token request.`));
      }),
    );
  }
}
