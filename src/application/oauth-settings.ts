/** What the OAuth use cases need to know of the operator's configuration. */
export interface OAuthSettings {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  /** `https://auth.atlassian.com` or a stand-in. */
  readonly authBaseUrl: string;
  /** `https://api.atlassian.com` or a stand-in: the gateway for OAuth API calls. */
  readonly apiBaseUrl: string;
  readonly pkce: boolean;
  /** Where the browser goes after the callback when no return_url was given. */
  readonly frontendUrl: string;
  /** Origins a return_url may point to: the frontend's and the explicit CORS origins. */
  readonly allowedReturnOrigins: readonly string[];
  /** ATLASSIAN_CLOUD_BASE_URL: the site to make active when a grant covers several. */
  readonly preferredSiteUrl: string;
  readonly stateTtlSeconds: number;
}

export const missingOAuthSettings = (s: Pick<OAuthSettings, 'clientId' | 'redirectUri'>): string[] => [
  ...(s.clientId === '' ? ['JIRA_OAUTH_CLIENT_ID'] : []),
  ...(s.redirectUri === '' ? ['JIRA_REDIRECT_URI'] : []),
];
