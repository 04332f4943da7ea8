import * as t from 'io-ts';
import type { TenantId } from './tenant.js';

/**
 * The secret part of a connection, as it is before sealing. Only the credential
 * use cases open it; it never leaves the service.
 */
export const Credentials = t.union([
  t.type({ kind: t.literal('oauth'), access_token: t.string, refresh_token: t.union([t.string, t.null]) }),
  t.type({ kind: t.literal('api_token'), email: t.string, token: t.string }),
  t.type({ kind: t.literal('pat'), token: t.string }),
]);
export type Credentials = t.TypeOf<typeof Credentials>;

/** What Atlassian's token endpoint hands us. */
export interface TokenSet {
  readonly accessToken: string;
  /** Absent when the grant lacks `offline_access`. */
  readonly refreshToken: string | null;
  readonly expiresInSeconds: number;
  readonly scopes: readonly string[];
}

/** Everything an adapter needs to call Atlassian for one connection. */
export interface AccessContext {
  /** `https://api.atlassian.com/ex/jira/{cloudId}` (OAuth) or the site / server base URL. */
  readonly baseUrl: string;
  /** The browsable site, for building links to issues and pages. */
  readonly siteUrl: string;
  readonly authorization: string;
  readonly authType: 'oauth' | 'api_token' | 'pat';
  /** Data Center speaks /rest/api/2 and wiki markup. */
  readonly flavour: 'cloud' | 'data_center';
  /** The connection version this context was read from (to detect a refresh by someone else). */
  readonly version: number;
  /** True when the base URL came from a caller: the HTTP client must pin it to public addresses. */
  readonly callerSuppliedHost: boolean;
  /**
   * The tenant the connection belongs to: its upstream calls share the tenant's
   * UPSTREAM_CONCURRENCY_PER_TENANT slots. Absent (a context built by hand): no cap applies.
   */
  readonly tenantId?: TenantId;
}

/** The header a Cloud API token travels in: Basic base64(email:token). */
export const basicAuthorization = (email: string, token: string): string =>
  `Basic ${Buffer.from(`${email}:${token}`).toString('base64')}`;

export const CONFLUENCE_SCOPE = /confluence/;
export const grantsConfluence = (scopes: readonly string[]): boolean => scopes.some((s) => CONFLUENCE_SCOPE.test(s));
