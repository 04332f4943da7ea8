import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import type { CompleteJiraAuthorization } from '../../../application/complete-jira-authorization.js';
import type { StartJiraAuthorization, AuthorizationStart } from '../../../application/start-jira-authorization.js';
import { annotate } from '../../../domain/json-schema.js';
import { OAUTH_STATE_COOKIE } from '../../../domain/oauth-state.js';
import type { TenantId } from '../../../domain/tenant.js';
import { errorResponses, json, route, type RouteResult, type RouteSpec } from '../route-spec.js';

const NO_STORE = { 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' } as const;
const COOKIE_PATH = '/auth/jira';

/**
 * The state cookie's Set-Cookie header, written here because the `cookies` package behind
 * Koa writes Expires but never Max-Age. `null` clears the cookie. The value (the signed
 * state) is base64url and dots, so it needs no escaping.
 */
const stateCookie = (value: string | null, maxAgeSeconds: number): Record<string, string> => ({
  'Set-Cookie': [
    `${OAUTH_STATE_COOKIE}=${value ?? ''}`,
    `Max-Age=${value === null ? 0 : maxAgeSeconds}`,
    `Expires=${new Date(value === null ? 0 : Date.now() + maxAgeSeconds * 1000).toUTCString()}`,
    `Path=${COOKIE_PATH}`,
    'Secure',
    'HttpOnly',
    'SameSite=None',
  ].join('; '),
});

const BoolFlag = annotate(t.keyof({ true: null, false: null, '1': null, '0': null }), {
  description: 'true to answer with a 307 redirect to Atlassian instead of JSON.',
});

const LoginQuery = t.exact(
  t.partial({
    redirect: BoolFlag,
    return_url: annotate(t.string, {
      description: 'Where the browser returns after consent; must be on APP_FRONTEND_URL or an explicit CORS origin.',
    }),
  }),
);

const CallbackQuery = t.exact(
  t.partial({
    state: t.string,
    code: t.string,
    error: t.string,
    error_description: t.string,
  }),
);

const URL_BODY = { type: 'object', required: ['url'], properties: { url: { type: 'string', format: 'uri' } } };

export function authRoutes(deps: {
  start: StartJiraAuthorization;
  complete: CompleteJiraAuthorization;
  redirectUris: () => { redirect_uri: string | null; redirect_uris: string[]; configured: boolean };
}): RouteSpec[] {
  const begin = (tenantId: TenantId, returnUrl: string | undefined) => deps.start.execute({ tenantId, returnUrl });
  const withCookie = (start: AuthorizationStart, result: RouteResult): RouteResult => ({
    ...result,
    headers: { ...result.headers, ...stateCookie(start.stateCookie, start.maxAgeSeconds) },
  });
  return [
    route({
      method: 'get',
      path: '/auth/jira/login',
      operationId: 'jiraLogin',
      summary: "Starts Atlassian OAuth 2.0 (3LO): answers Atlassian's consent URL (or redirects there) and sets the signed state cookie.",
      tags: ['auth'],
      tenantScoped: true,
      scope: 'admin',
      alwaysHeaders: NO_STORE,
      query: LoginQuery,
      responses: {
        200: { description: 'The consent URL.', schema: URL_BODY },
        307: { description: 'Redirect to Atlassian (redirect=true).' },
        400: { description: 'OAuth not configured (names the missing variables) or a return_url that is not allowed (VALIDATION).' },
      },
      handle: ({ tenantId, query }) =>
        pipe(
          begin(tenantId, query.return_url),
          TE.map((start) =>
            withCookie(
              start,
              query.redirect === 'true' || query.redirect === '1'
                ? { status: 307, location: start.url, body: { url: start.url } }
                : json(200, { url: start.url }),
            ),
          ),
        ),
    }),
    route({
      method: 'get',
      path: '/auth/jira/callback',
      operationId: 'jiraCallback',
      summary: 'Atlassian redirects here after consent: verifies the state, exchanges the code, stores the connection(s), redirects to the frontend.',
      description: 'The tenant comes from the signed state, never from this request\'s headers.',
      tags: ['auth'],
      tenantScoped: false,
      // Atlassian sends the browser here; the signed state says which tenant started the sign-in.
      public: true,
      // Atlassian builds this URL; a parameter it adds one day must not break sign-ins.
      lenientQuery: true,
      alwaysHeaders: NO_STORE,
      query: CallbackQuery,
      responses: {
        302: { description: 'To return_url, or APP_FRONTEND_URL/login?connected=jira (with error=... when the user declined).' },
        ...errorResponses([400, 403, 422, 429, 502, 504], {
          400: 'The code parameter is missing, or Atlassian refused the code (VALIDATION).',
          403: 'The consent granted access to no site (FORBIDDEN).',
          422: 'Missing, unsigned, tampered, expired, mismatched or already-used state (VALIDATION).',
          502: "Atlassian's token endpoint or accessible-resources failed, or refused the client credentials (VENDOR_ERROR).",
        }),
      },
      handle: ({ query, cookie, requestId }) =>
        pipe(
          deps.complete.execute({
            requestId,
            state: query.state,
            code: query.code,
            error: query.error,
            stateCookie: cookie(OAUTH_STATE_COOKIE),
          }),
          TE.map((outcome) => ({ status: 302, location: outcome.redirectTo, headers: stateCookie(null, 0) })),
        ),
    }),
    route({
      method: 'get',
      path: '/health/authorize-url',
      operationId: 'authorizeUrl',
      summary: 'The Atlassian consent URL, without redirecting (sets the state cookie like /auth/jira/login).',
      tags: ['auth'],
      tenantScoped: true,
      scope: 'admin',
      alwaysHeaders: NO_STORE,
      responses: { 200: { description: 'The consent URL.', schema: URL_BODY } },
      handle: ({ tenantId }) =>
        pipe(
          begin(tenantId, undefined),
          TE.map((start) => withCookie(start, json(200, { url: start.url }))),
        ),
    }),
    route({
      method: 'get',
      path: '/health/redirect-uri',
      operationId: 'redirectUri',
      summary: 'The active OAuth redirect URI(s); must equal the callback URL in the Atlassian developer console.',
      tags: ['auth'],
      tenantScoped: false,
      responses: {
        200: {
          description: 'The redirect URI and whether OAuth is configured.',
          schema: {
            type: 'object',
            properties: {
              redirect_uri: { type: ['string', 'null'] },
              redirect_uris: { type: 'array', items: { type: 'string' } },
              configured: { type: 'boolean' },
            },
          },
        },
      },
      handle: () => TE.right(json(200, deps.redirectUris())),
    }),
  ];
}
