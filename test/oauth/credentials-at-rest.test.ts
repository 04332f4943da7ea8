/**
 * Credentials at rest, on a real SQLite file: the generated key file, no token in the file
 * bytes, a changed key refused at start, rotation through INTEGRATION_ENCRYPTION_KEY_PREVIOUS,
 * and tampered ciphertext failing closed.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantId } from '../../src/domain/tenant.js';
import { DEFAULT_CLIENT_SECRET, startFakeAtlassian, type FakeAtlassian } from '../support/fake-atlassian.js';
import { expectErrorResponse } from '../support/http.js';
import { connect, oauthEnv } from '../support/oauth.js';
import { startTestService, type TestService } from '../support/service.js';
import { patchConnection, recordingAuthorization, refreshRequests, tempDir } from './support.js';

const newKey = (): string => randomBytes(32).toString('base64');

interface Row {
  tenant_id: string;
  connector: string;
  credentials: string | null;
  status: string;
}

const readRows = (file: string): Row[] => {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT tenant_id, connector, credentials, status FROM connections ORDER BY tenant_id, connector').all() as Row[];
  } finally {
    db.close();
  }
};

/** Every byte SQLite keeps for this database: the main file, the WAL and the shared-memory index. */
const databaseBytes = (file: string): Buffer =>
  Buffer.concat(
    [file, `${file}-wal`, `${file}-shm`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)),
  );

const warnings = (svc: TestService, fragment: string): string[] =>
  svc.logLines.filter((l) => {
    const j = JSON.parse(l) as { level: string; msg: string };
    return j.level === 'warn' && j.msg.includes(fragment);
  });

describe('credentials at rest on a SQLite file', () => {
  let fake: FakeAtlassian;
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(async () => {
    fake = await startFakeAtlassian();
    tmp = tempDir('creds-at-rest-');
  });
  afterAll(async () => {
    await fake.close();
    tmp.cleanup();
  });

  it('without INTEGRATION_ENCRYPTION_KEY: a 0600 key file beside the db, a warning, and no token in the file bytes', async () => {
    const file = path.join(tmp.dir, 'keyfile', 'x.db');
    const env = oauthEnv(fake, { INTEGRATION_DB_URL: `sqlite:///${file}` });
    expect(env['INTEGRATION_DB_URL']).toMatch(/^sqlite:\/\/\/\//);
    const rec = recordingAuthorization(fake);
    const svc = await startTestService({ env, overrides: { authorization: rec.authorization } });
    try {
      const keyFile = `${file}.key`;
      expect(fs.existsSync(keyFile)).toBe(true);
      expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
      expect(Buffer.from(fs.readFileSync(keyFile, 'utf8').trim(), 'base64')).toHaveLength(32);
      expect(warnings(svc, 'INTEGRATION_ENCRYPTION_KEY is not set')).toHaveLength(1);

      const res = await connect(svc.url, fake, { tenant: 'rest' });
      expect(res.status).toBe(302);
      expect((await patchConnection(svc.url, 'rest', { rotate: true })).status).toBe(200);
      expect((await patchConnection(svc.url, 'rest', { rotate: true })).status).toBe(200);

      // One code exchange and two refreshes, each with an access and a refresh token.
      expect(rec.issued).toHaveLength(3);
      const secrets = rec.issued.flatMap((t) => [t.accessToken, t.refreshToken ?? '']).filter((s) => s !== '');
      expect(secrets).toHaveLength(6);
      // The recording saw what the fake really issued: its first access token listed the sites.
      const sitesCall = fake.requests.find((r) => r.path === '/oauth/token/accessible-resources' && r.headers.authorization === `Bearer ${rec.issued[0]!.accessToken}`);
      expect(sitesCall).toBeDefined();
      // ...and the refresh requests presented the refresh tokens it recorded.
      const presented = refreshRequests(fake).map((r) => (r.body as { refresh_token: string }).refresh_token);
      expect(presented).toContain(rec.issued[0]!.refreshToken);
      expect(presented).toContain(rec.issued[1]!.refreshToken);

      const check = () => {
        const bytes = databaseBytes(file);
        expect(bytes.length).toBeGreaterThan(0);
        for (const secret of [...secrets, DEFAULT_CLIENT_SECRET]) {
          expect(bytes.includes(Buffer.from(secret)), 'a token in the database bytes').toBe(false);
        }
      };
      check();
      const rows = readRows(file).filter((r) => r.tenant_id === 'rest');
      expect(rows.map((r) => r.connector)).toEqual(['confluence', 'jira']);
      for (const r of rows) expect(r.credentials).toMatch(/^v1\.[0-9a-f]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);

      await svc.close();
      check(); // after the WAL has been checkpointed into the main file
    } finally {
      await svc.close();
    }

    // A restart on the same file reads the key file (no new warning) and can still use the tokens.
    const again = await startTestService({ env });
    try {
      expect(warnings(again, 'INTEGRATION_ENCRYPTION_KEY is not set')).toHaveLength(0);
      expect((await patchConnection(again.url, 'rest', { rotate: true })).status).toBe(200);
    } finally {
      await again.close();
    }
  });

  it('a changed key is refused at start; KEY_PREVIOUS re-encrypts; then the new key alone works', async () => {
    const file = path.join(tmp.dir, 'rotation.db');
    const oldKey = newKey();
    const key = newKey();
    const env = (extra: Record<string, string>) => oauthEnv(fake, { INTEGRATION_DB_URL: `sqlite:///${file}`, ...extra });

    const first = await startTestService({ env: env({ INTEGRATION_ENCRYPTION_KEY: oldKey }) });
    try {
      expect((await connect(first.url, fake, { tenant: 'rot' })).status).toBe(302);
    } finally {
      await first.close();
    }
    expect(fs.existsSync(`${file}.key`)).toBe(false);
    const sealedOld = readRows(file);
    expect(sealedOld).toHaveLength(2);

    const refused = startTestService({ env: env({ INTEGRATION_ENCRYPTION_KEY: key }) });
    await expect(refused).rejects.toThrow(/INTEGRATION_ENCRYPTION_KEY changed/);
    const message = await refused.catch((e: unknown) => (e as Error).message);
    expect(message).toContain('INTEGRATION_ENCRYPTION_KEY_PREVIOUS');
    expect(message).not.toContain(key);
    expect(message).not.toContain(oldKey);
    expect(readRows(file)).toEqual(sealedOld);

    const rotating = await startTestService({ env: env({ INTEGRATION_ENCRYPTION_KEY: key, INTEGRATION_ENCRYPTION_KEY_PREVIOUS: oldKey }) });
    try {
      expect(warnings(rotating, 're-encrypted credentials')).toHaveLength(1);
      const sealedNew = readRows(file);
      expect(sealedNew).toHaveLength(2);
      for (const [i, row] of sealedNew.entries()) {
        expect(row.credentials).not.toBe(sealedOld[i]!.credentials);
        expect(row.credentials!.split('.')[1]).not.toBe(sealedOld[i]!.credentials!.split('.')[1]);
      }
      const before = fake.tokenGrants.refresh;
      expect((await patchConnection(rotating.url, 'rot', { rotate: true })).status).toBe(200);
      expect(fake.tokenGrants.refresh).toBe(before + 1);
    } finally {
      await rotating.close();
    }

    const settled = await startTestService({ env: env({ INTEGRATION_ENCRYPTION_KEY: key }) });
    try {
      const before = fake.tokenGrants.refresh;
      expect((await patchConnection(settled.url, 'rot', { rotate: true })).status).toBe(200);
      expect(fake.tokenGrants.refresh).toBe(before + 1);
    } finally {
      await settled.close();
    }
  });

  it('tampered ciphertext fails closed: no refresh sent, a standard error without a stack, never success', async () => {
    const file = path.join(tmp.dir, 'tamper.db');
    const svc = await startTestService({
      env: oauthEnv(fake, { INTEGRATION_DB_URL: `sqlite:///${file}`, INTEGRATION_ENCRYPTION_KEY: newKey() }),
    });
    try {
      expect((await connect(svc.url, fake, { tenant: 'tamper' })).status).toBe(302);
      const db = new SQLite(file, { timeout: 5_000 });
      try {
        const row = db.prepare("SELECT credentials FROM connections WHERE tenant_id = 'tamper' AND connector = 'jira'").get() as { credentials: string };
        const parts = row.credentials.split('.');
        const body = parts[4]!;
        const i = Math.floor(body.length / 2);
        parts[4] = `${body.slice(0, i)}${body[i] === 'A' ? 'B' : 'A'}${body.slice(i + 1)}`;
        const info = db
          .prepare("UPDATE connections SET credentials = ? WHERE tenant_id = 'tamper' AND connector = 'jira'")
          .run(parts.join('.'));
        expect(info.changes).toBe(1);
      } finally {
        db.close();
      }

      const refreshes = refreshRequests(fake).length;
      const res = await patchConnection(svc.url, 'tamper', { rotate: true });
      const body = await expectErrorResponse(res, 401, 'TOKEN_EXPIRED');
      expect(body.message).toContain('reconnect');
      expect(body.message).not.toMatch(/\n\s+at /);
      expect(body.message).not.toContain('v1.');
      expect(refreshRequests(fake).length).toBe(refreshes);
      const logged = svc.logLines.filter((l) => l.includes('could not be decrypted'));
      expect(logged.length).toBeGreaterThanOrEqual(1);

      // The use case that hands out tokens refuses too.
      const refresh = svc.service.useCases.access;
      const access = await refresh.access('tamper' as TenantId, 'jira')();
      expect(E.isLeft(access)).toBe(true);
      if (E.isLeft(access)) {
        expect(access.left.code).toBe('TOKEN_EXPIRED');
        expect(access.left.message).toContain('could not be decrypted');
      }
      expect(refreshRequests(fake).length).toBe(refreshes);

      // The lease was released: after a reconnect the same tenant works again.
      expect((await connect(svc.url, fake, { tenant: 'tamper' })).status).toBe(302);
      expect((await patchConnection(svc.url, 'tamper', { rotate: true })).status).toBe(200);
    } finally {
      await svc.close();
    }
  });
});
