import type { Connection } from './connection.js';
import { basicAuthorization, type AccessContext, type Credentials } from './credentials.js';

/**
 * Everything an adapter needs to call Atlassian for one connection, from the stored row
 * and its opened credentials: OAuth goes through the API gateway (`/ex/{product}/{cloudId}`),
 * an API token or PAT to the saved base URL, which came from a caller.
 */
export const accessContextOf = (conn: Connection, creds: Credentials, apiBaseUrl: string): AccessContext => {
  const siteUrl = conn.siteUrl ?? '';
  switch (creds.kind) {
    case 'oauth':
      return {
        baseUrl: `${apiBaseUrl}/ex/${conn.connector}/${conn.cloudId ?? ''}`,
        siteUrl,
        authorization: `Bearer ${creds.access_token}`,
        authType: 'oauth',
        flavour: 'cloud',
        version: conn.version,
        callerSuppliedHost: false,
        tenantId: conn.tenantId,
      };
    case 'api_token':
      return {
        baseUrl: siteUrl,
        siteUrl,
        authorization: basicAuthorization(creds.email, creds.token),
        authType: 'api_token',
        flavour: 'cloud',
        version: conn.version,
        callerSuppliedHost: true,
        tenantId: conn.tenantId,
      };
    case 'pat':
      return {
        baseUrl: siteUrl,
        siteUrl,
        authorization: `Bearer ${creds.token}`,
        authType: 'pat',
        flavour: 'data_center',
        version: conn.version,
        callerSuppliedHost: true,
        tenantId: conn.tenantId,
      };
  }
};
