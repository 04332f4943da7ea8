import type { ConnectorId } from './connector.js';
import type { TenantId } from './tenant.js';

/** How the service authenticates to Atlassian for this connection. */
export type AuthType = 'oauth' | 'api_token' | 'pat';
export type ConnectionStatus = 'active' | 'needs_reauth';

/** One Atlassian Cloud site a grant covers (from accessible-resources). */
export interface Site {
  readonly cloudId: string;
  readonly name: string;
  readonly url: string;
  readonly scopes: readonly string[];
}

/**
 * A tenant's connection to one connector. `credentials` is always sealed by the
 * Cipher port; nothing outside the credential use cases ever sees it opened.
 */
export interface Connection {
  readonly tenantId: TenantId;
  readonly connector: ConnectorId;
  readonly authType: AuthType;
  readonly status: ConnectionStatus;
  /** The active site (OAuth) or the base URL (API token, PAT). */
  readonly siteUrl: string | null;
  readonly cloudId: string | null;
  readonly sites: readonly Site[];
  readonly scopes: readonly string[];
  /** Connections created from one OAuth consent share a grant and refresh together. */
  readonly grantId: string | null;
  readonly expiresAt: Date | null;
  readonly refreshedAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Incremented on every write; updates name the version they read. */
  readonly version: number;
  readonly credentials: string | null;
}

/** What a caller may see of a connection: never a token. */
export interface ConnectionView {
  readonly connector: ConnectorId;
  readonly connected: boolean;
  readonly auth_type: AuthType | null;
  readonly status: ConnectionStatus | 'not_connected';
  readonly site_url: string | null;
  readonly cloud_id: string | null;
  readonly sites: ReadonlyArray<{ cloud_id: string; name: string; url: string }>;
  readonly scopes: readonly string[];
  readonly expires_at: string | null;
  readonly refreshed_at: string | null;
  readonly updated_at: string | null;
}

export const notConnectedView = (connector: ConnectorId): ConnectionView => ({
  connector,
  connected: false,
  auth_type: null,
  status: 'not_connected',
  site_url: null,
  cloud_id: null,
  sites: [],
  scopes: [],
  expires_at: null,
  refreshed_at: null,
  updated_at: null,
});

export const toConnectionView = (c: Connection): ConnectionView => ({
  connector: c.connector,
  connected: true,
  auth_type: c.authType,
  status: c.status,
  site_url: c.siteUrl,
  cloud_id: c.cloudId,
  sites: c.sites.map((s) => ({ cloud_id: s.cloudId, name: s.name, url: s.url })),
  scopes: [...c.scopes],
  expires_at: c.expiresAt?.toISOString() ?? null,
  refreshed_at: c.refreshedAt?.toISOString() ?? null,
  updated_at: c.updatedAt.toISOString(),
});

/** Whether a connection's access token stays valid for more than `skewSeconds` (token connections never expire). */
export const tokenIsFresh = (conn: Connection, now: Date, skewSeconds: number): boolean =>
  conn.authType !== 'oauth' || conn.expiresAt === null || conn.expiresAt.getTime() - now.getTime() > skewSeconds * 1000;
