/** Drives the OAuth flow of a running test service against the fake Atlassian, like a browser would. */
import type { FakeAtlassian } from './fake-atlassian.js';
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from './fake-atlassian.js';

export const oauthEnv = (fake: FakeAtlassian, extra: Record<string, string> = {}): Record<string, string> => ({
  JIRA_OAUTH_CLIENT_ID: DEFAULT_CLIENT_ID,
  JIRA_OAUTH_CLIENT_SECRET: DEFAULT_CLIENT_SECRET,
  JIRA_REDIRECT_URI: 'https://integration.example/auth/jira/callback',
  ATLASSIAN_AUTH_BASE_URL: fake.url,
  ATLASSIAN_API_BASE_URL: fake.url,
  APP_FRONTEND_URL: 'https://app.example',
  STATE_SIGNING_SECRET: 'test-state-secret-0123456789abcdef',
  ...extra,
});

/** The `name=value` part of the state cookie a login answer set. */
export const stateCookieOf = (res: Response): string => {
  const header = res.headers.getSetCookie().find((c) => c.startsWith('jira_oauth_state='));
  if (!header) throw new Error('no jira_oauth_state cookie was set');
  return header.split(';')[0]!;
};

export interface LoginResult {
  readonly authorizeUrl: URL;
  readonly cookie: string;
  readonly state: string;
}

/** `headers`: more request headers for the login, e.g. a caller's Authorization under AUTH_MODE=api_key or jwt. */
export async function login(serviceUrl: string, opts: { tenant?: string; returnUrl?: string; headers?: Record<string, string> } = {}): Promise<LoginResult> {
  const url = new URL('/auth/jira/login', serviceUrl);
  if (opts.returnUrl) url.searchParams.set('return_url', opts.returnUrl);
  const res = await fetch(url, { headers: { ...(opts.tenant ? { 'x-tenant-id': opts.tenant } : {}), ...opts.headers } });
  if (res.status !== 200) throw new Error(`login answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { url: string };
  const authorizeUrl = new URL(body.url);
  return { authorizeUrl, cookie: stateCookieOf(res), state: authorizeUrl.searchParams.get('state') ?? '' };
}

/** Login, "consent" at the fake (a code it will accept), and the callback. Returns the callback response. */
export async function connect(
  serviceUrl: string,
  fake: FakeAtlassian,
  opts: { tenant?: string; returnUrl?: string; scopes?: string[]; headers?: Record<string, string> } = {},
): Promise<Response> {
  const started = await login(serviceUrl, opts);
  const code = fake.issueAuthorizationCode(opts.scopes ? { scopes: opts.scopes } : {});
  const callback = new URL('/auth/jira/callback', serviceUrl);
  callback.searchParams.set('state', started.state);
  callback.searchParams.set('code', code);
  return fetch(callback, { headers: { cookie: started.cookie }, redirect: 'manual' });
}
