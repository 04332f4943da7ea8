/**
 * `integration-backend keys create|list|revoke`: API keys for AUTH_MODE=api_key, straight in
 * the database of INTEGRATION_DB_URL. `create` prints the key once, alone on stdout (the
 * description goes to stderr), so `KEY=$(integration-backend keys create ...)` works.
 */
import fs from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import type { ApiKeyView } from '../application/api-keys.js';
import type { Scope } from '../domain/caller.js';
import type { TenantId } from '../domain/tenant.js';
import type { Config } from '../composition/config.js';

async function openKeys(config: Config, forReading: boolean) {
  if (config.database.dialect === 'sqlite' && config.database.filename === ':memory:') {
    throw new Error('INTEGRATION_DB_URL names an in-memory database, which lives only as long as one process; keys must be stored where the service reads them.');
  }
  if (forReading && config.database.dialect === 'sqlite' && !fs.existsSync(config.database.filename)) {
    throw new Error(`There is no database at ${config.database.filename}; start the service or run "integration-backend migrate" first.`);
  }
  const [{ openDatabase, openDatabaseForReading }, { KyselyApiKeyStore }, { KyselyAuditLog }, { ApiKeys }, { Sha256ApiKeySecrets }] = await Promise.all([
    import('../adapters/kysely/database.js'),
    import('../adapters/kysely/kysely-api-key-store.js'),
    import('../adapters/kysely/kysely-audit-log.js'),
    import('../application/api-keys.js'),
    import('../adapters/crypto/api-key-secrets.js'),
  ]);
  const db = forReading ? await openDatabaseForReading(config.database) : await openDatabase(config.database);
  const keys = new ApiKeys({ store: new KyselyApiKeyStore(db.db), secrets: new Sha256ApiKeySecrets(), clock: { now: () => new Date() } });
  /** Records a key created or revoked here, with the caller `cli`; a failure is a warning on stderr, never the command's. */
  const audit = async (operation: string, tenant: string | null, target: string | null): Promise<void> => {
    const written = await new KyselyAuditLog(db.db)
      .append({ at: new Date(), tenantId: (tenant ?? '(operator)') as TenantId, callerId: 'cli', operation, target, outcome: 'ok', requestId: null })();
    if (E.isLeft(written)) process.stderr.write(`integration-backend: warning: the audit entry could not be written (${written.left.message}).\n`);
  };
  return { keys, audit, close: () => db.close() };
}

const unwrap = <A>(r: E.Either<{ message: string }, A>): A => {
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
};

export async function createKey(
  config: Config,
  input: { tenant?: TenantId; operator: boolean; scopes: Scope[]; name?: string; expiresInSeconds?: number },
  asJson: boolean,
): Promise<void> {
  const { keys, audit, close } = await openKeys(config, false);
  try {
    const { key, view } = unwrap(
      await keys.create({
        scopes: input.scopes,
        operator: input.operator,
        ...(input.tenant !== undefined ? { tenantId: input.tenant } : {}),
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.expiresInSeconds !== undefined ? { expiresInSeconds: input.expiresInSeconds } : {}),
      })(),
    );
    await audit('api_key.create', view.tenant_id, null);
    if (asJson) {
      process.stdout.write(`${JSON.stringify({ key, ...view }, null, 2)}\n`);
      return;
    }
    const owner = view.operator ? 'an operator key (every tenant, key routes only)' : `tenant ${view.tenant_id ?? ''}`;
    process.stderr.write(
      `Created ${view.id} for ${owner}, scopes ${view.scopes.join(', ')}, ${view.expires_at ? `expires ${view.expires_at}` : 'never expires'}. The key is shown only now:\n`,
    );
    process.stdout.write(`${key}\n`);
  } finally {
    await close();
  }
}

export async function listKeys(config: Config, tenant: TenantId | undefined, asJson: boolean): Promise<void> {
  const { keys, close } = await openKeys(config, true);
  try {
    const rows: readonly ApiKeyView[] = unwrap(await keys.list(tenant)());
    if (asJson) {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return;
    }
    if (rows.length === 0) {
      process.stdout.write(tenant === undefined ? 'No API keys.\n' : `No API keys for tenant ${tenant}.\n`);
      return;
    }
    const table = [
      ['ID', 'NAME', 'TENANT', 'SCOPES', 'CREATED', 'LAST USED', 'EXPIRES', 'REVOKED'],
      ...rows.map((r) => [
        r.id,
        r.name || '-',
        r.operator ? '(operator)' : (r.tenant_id ?? '-'),
        r.scopes.join(','),
        r.created_at,
        r.last_used_at ?? '-',
        r.expires_at ?? '-',
        r.revoked_at ?? '-',
      ]),
    ];
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    process.stdout.write(table.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n');
  } finally {
    await close();
  }
}

export async function revokeKey(config: Config, id: string): Promise<void> {
  const { keys, audit, close } = await openKeys(config, false);
  try {
    const view = unwrap(await keys.revoke(id)());
    await audit('api_key.revoke', view.tenant_id, view.id);
    process.stdout.write(`Revoked ${view.id} at ${view.revoked_at ?? ''}; it stops working on every instance at once.\n`);
  } finally {
    await close();
  }
}
