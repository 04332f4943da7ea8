/**
 * The stored connections `integration-backend connections list` is tested against, on SQLite
 * (test/cli/cli.test.ts) and on PostgreSQL (test/postgres/cli.pg.test.ts): tenant acme with
 * OAuth connections to jira and confluence, tenant globex.eu-1 with an API-token connection
 * to jira, sealed with the given key and saved through KyselyConnectionStore at SEEDED_AT;
 * and what the CLI shows for them, as a table and as JSON.
 */
import * as E from 'fp-ts/lib/Either.js';
import { expect } from 'vitest';
import { AesGcmCipher } from '../../src/adapters/crypto/aes-gcm-cipher.js';
import { openDatabase, type DatabaseLocation } from '../../src/adapters/kysely/database.js';
import { KyselyConnectionStore } from '../../src/adapters/kysely/kysely-connection-store.js';
import type { ConnectionDraft } from '../../src/application/ports/connection-store.js';
import type { Credentials } from '../../src/domain/credentials.js';
import type { TenantId } from '../../src/domain/tenant.js';

export const EMAIL = 'ops@globex.example';
export const SEEDED_AT = new Date('2026-01-02T03:04:05.678Z');
export const EXPIRES = new Date('2026-01-02T04:04:05.000Z');
export const REFRESHED = new Date('2026-01-02T03:00:00.000Z');
const ACME = 'acme' as TenantId;
const GLOBEX = 'globex.eu-1' as TenantId;

const oauth = (connector: 'jira' | 'confluence', credentials: string): ConnectionDraft => ({
  tenantId: ACME,
  connector,
  authType: 'oauth',
  status: 'active',
  siteUrl: 'https://acme.atlassian.net',
  cloudId: 'cloud-acme-1',
  sites: [{ cloudId: 'cloud-acme-1', name: 'acme', url: 'https://acme.atlassian.net', scopes: ['read:jira-work'] }],
  scopes: ['read:jira-work', 'offline_access', 'read:page:confluence'],
  grantId: 'grant-acme',
  expiresAt: EXPIRES,
  refreshedAt: REFRESHED,
  credentials,
});

const apiToken = (credentials: string): ConnectionDraft => ({
  tenantId: GLOBEX,
  connector: 'jira',
  authType: 'api_token',
  status: 'active',
  siteUrl: 'https://globex.atlassian.net',
  cloudId: null,
  sites: [],
  scopes: [],
  grantId: null,
  expiresAt: null,
  refreshedAt: null,
  credentials,
});

/**
 * The tokens (each starting with `tokenPrefix`, so every test file has its own) and, sealed
 * with `key` (base64 of 32 bytes), the connections that hold them.
 */
export function connectionsFixture(tokenPrefix: string, key: string) {
  const ACCESS = `${tokenPrefix}-ACCESS-3a9f1c7e5b2d4680`;
  const REFRESH = `${tokenPrefix}-REFRESH-8e6b2f0d1c3a5947`;
  const API_TOKEN = `${tokenPrefix}-APITOKEN-5d1e7a3c9f0b2486`;
  const cipher = new AesGcmCipher(Buffer.from(key, 'base64'));
  const seal = (c: Credentials): string => cipher.encrypt(JSON.stringify(c));

  return {
    ACCESS,
    REFRESH,
    API_TOKEN,

    /** Saves the three connections into the (new) database at `location`. */
    async seed(location: DatabaseLocation): Promise<void> {
      const db = await openDatabase(location);
      try {
        const store = new KyselyConnectionStore(db.db);
        const drafts: ConnectionDraft[] = [
          oauth('jira', seal({ kind: 'oauth', access_token: ACCESS, refresh_token: REFRESH })),
          oauth('confluence', seal({ kind: 'oauth', access_token: ACCESS, refresh_token: REFRESH })),
          apiToken(seal({ kind: 'api_token', email: EMAIL, token: API_TOKEN })),
        ];
        for (const d of drafts) {
          const saved = await store.save(d, SEEDED_AT)();
          if (E.isLeft(saved)) throw new Error(saved.left.message);
        }
      } finally {
        await db.close();
      }
    },

    /** The seed is real: three sealed values (the `credentials` column) that open, with the key, to the tokens. */
    expectSealedTokens(sealed: readonly string[]): void {
      expect(sealed).toHaveLength(3);
      const opened = sealed.map((s) => cipher.decrypt(s));
      expect(opened.map((o) => (E.isRight(o) ? o.right : 'undecryptable')).join('\n')).toMatch(
        new RegExp(`${ACCESS}[\\s\\S]*${REFRESH}[\\s\\S]*${API_TOKEN}`),
      );
    },
  };
}

/** The cells of `connections list` table output, a row a line. */
export const tableRows = (stdout: string): string[][] =>
  stdout
    .trimEnd()
    .split('\n')
    .map((line) => line.split(/ {2,}/));

/** `connections list` (every tenant) for the seeded connections, as `tableRows` splits it. */
export const SEEDED_TABLE: readonly string[][] = [
  ['TENANT', 'CONNECTOR', 'STATUS', 'AUTH', 'SITE', 'EXPIRES', 'UPDATED'],
  [
    'acme',
    'confluence',
    'active',
    'oauth',
    'https://acme.atlassian.net',
    EXPIRES.toISOString(),
    SEEDED_AT.toISOString(),
  ],
  ['acme', 'jira', 'active', 'oauth', 'https://acme.atlassian.net', EXPIRES.toISOString(), SEEDED_AT.toISOString()],
  ['globex.eu-1', 'jira', 'active', 'api_token', 'https://globex.atlassian.net', '-', SEEDED_AT.toISOString()],
];

/** `connections list --json`: the view of one of acme's OAuth connections. */
export const acmeView = (connector: string) => ({
  tenant_id: 'acme',
  connector,
  connected: true,
  auth_type: 'oauth',
  status: 'active',
  site_url: 'https://acme.atlassian.net',
  cloud_id: 'cloud-acme-1',
  sites: [{ cloud_id: 'cloud-acme-1', name: 'acme', url: 'https://acme.atlassian.net' }],
  scopes: ['read:jira-work', 'offline_access', 'read:page:confluence'],
  expires_at: EXPIRES.toISOString(),
  refreshed_at: REFRESHED.toISOString(),
  updated_at: SEEDED_AT.toISOString(),
});

/** `connections list --json`: the view of globex.eu-1's API-token connection. */
export const globexView = {
  tenant_id: 'globex.eu-1',
  connector: 'jira',
  connected: true,
  auth_type: 'api_token',
  status: 'active',
  site_url: 'https://globex.atlassian.net',
  cloud_id: null,
  sites: [],
  scopes: [],
  expires_at: null,
  refreshed_at: null,
  updated_at: SEEDED_AT.toISOString(),
};
