import * as t from 'io-ts';

/** What the signed `jira_oauth_state` cookie carries between login and callback. */
export const OAuthState = t.type({
  v: t.literal(1),
  tenant: t.string,
  nonce: t.string,
  /** Seconds since the epoch. */
  exp: t.number,
  return_url: t.union([t.string, t.null]),
  redirect_uri: t.string,
  code_verifier: t.union([t.string, t.null]),
});
export type OAuthState = t.TypeOf<typeof OAuthState>;

export const OAUTH_STATE_TTL_SECONDS = 600;
export const OAUTH_STATE_COOKIE = 'jira_oauth_state';
