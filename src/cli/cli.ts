/**
 * `integration-backend`: the command line. Every subcommand reads the same environment
 * as the service (docs/configuration.md). Exit codes: 0 done, 1 failed (bad
 * configuration, unreachable database), 2 wrong usage.
 */
import fs from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import * as E from 'fp-ts/lib/Either.js';
import { parseScopes } from '../domain/caller.js';
import { TenantId } from '../domain/tenant.js';
import { loadConfig, type Config } from '../composition/config.js';
import { readPackageVersion } from '../composition/package-info.js';

export const USAGE = `Usage: integration-backend <command> [options]

Commands:
  serve                              Start the HTTP service (REST API, /docs, /mcp) on PORT (default 3001).
  migrate                            Create or upgrade the database schema in INTEGRATION_DB_URL, then exit.
  mcp --tenant <id>                  Serve the agent tools for one tenant over MCP on stdin/stdout.
  connections list [--tenant <id>]   List stored connections (every tenant's without --tenant); never a token.
           [--json]                  ... as a JSON array instead of a table.
  keys create --tenant <id> --scopes read,write,admin [--name <n>] [--expires 90d] [--json]
                                     Issue an API key (AUTH_MODE=api_key); prints the key once.
  keys create --operator --scopes admin [--name <n>]
                                     Issue an operator key: manages every tenant's keys over REST.
  keys list [--tenant <id>] [--json] List API keys (id, name, tenant, scopes, times); never a key.
  keys revoke <id>                   Revoke a key at once, on every instance.
  audit list [--tenant <id>] [--since 7d] [--json]
                                     The audit trail of writes and connection changes, newest first
                                     (--since: entries of the last N days, hours or minutes).
  events list [--tenant <id>] [--failed] [--json]
                                     Event deliveries: status, attempts, last result, next attempt
                                     (--failed: dead ones and pending ones that failed).
  events redeliver <id> [--tenant <id>]
                                     Put a delivered or dead event back to pending: sent again.

Options:
  -h, --help                         Show this help (also after a command).
  -v, --version                      Print the version.

Configuration comes from the environment, as for the service: see docs/configuration.md.
`;

class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;
const HELP: Options = { help: { type: 'boolean', short: 'h' } };

/** Parses a command's flags strictly: an unknown flag or a stray argument is a usage error. */
const flags = (args: readonly string[], options: Options): Record<string, string | boolean | undefined> => {
  try {
    return parseArgs({ args: [...args], options: { ...HELP, ...options }, strict: true, allowPositionals: false }).values as Record<
      string,
      string | boolean | undefined
    >;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
};

const tenantFlag = (value: string | boolean | undefined, required: boolean): TenantId | undefined => {
  if (value === undefined) {
    if (required) throw new UsageError('--tenant <id> is required.');
    return undefined;
  }
  if (typeof value !== 'string' || !TenantId.is(value)) {
    throw new UsageError('--tenant must be 1-128 characters of letters, digits, ".", "_", ":" or "-".');
  }
  return value;
};

const configFrom = (env: NodeJS.ProcessEnv): Config => {
  const config = loadConfig(env);
  if (E.isLeft(config)) throw new Error(config.left);
  return config.right;
};

const isInMemory = (config: Config): boolean => config.database.dialect === 'sqlite' && config.database.filename === ':memory:';

async function migrateCommand(env: NodeJS.ProcessEnv): Promise<void> {
  const config = configFrom(env);
  if (isInMemory(config)) {
    throw new Error('INTEGRATION_DB_URL names an in-memory database, which lives only as long as one process; there is nothing to migrate.');
  }
  const { openDatabase, describeLocation } = await import('../adapters/kysely/database.js');
  const db = await openDatabase(config.database);
  await db.close();
  const name = describeLocation(config.database);
  process.stdout.write(
    db.applied.length > 0 ? `Migrated ${name}: applied ${db.applied.join(', ')}.\n` : `${name} is up to date; nothing to apply.\n`,
  );
}

async function listConnectionsCommand(env: NodeJS.ProcessEnv, tenant: TenantId | undefined, asJson: boolean): Promise<void> {
  const config = configFrom(env);
  if (isInMemory(config)) throw new Error('INTEGRATION_DB_URL names an in-memory database; there are no stored connections to list.');
  if (config.database.dialect === 'sqlite' && !fs.existsSync(config.database.filename)) {
    throw new Error(`There is no database at ${config.database.filename}; start the service or run "integration-backend migrate" first.`);
  }
  const [{ openDatabaseForReading }, { KyselyConnectionStore }, { ListConnections }] = await Promise.all([
    import('../adapters/kysely/database.js'),
    import('../adapters/kysely/kysely-connection-store.js'),
    import('../application/list-connections.js'),
  ]);
  // Listing only looks: SQLite read-only, no migration, no WAL switch.
  const db = await openDatabaseForReading(config.database);
  try {
    const listed = await new ListConnections({ connections: new KyselyConnectionStore(db.db) }).execute(tenant)();
    if (E.isLeft(listed)) throw new Error(listed.left.message);
    const rows = listed.right;
    if (asJson) {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return;
    }
    if (rows.length === 0) {
      process.stdout.write(tenant === undefined ? 'No connections.\n' : `No connections for tenant ${tenant}.\n`);
      return;
    }
    const table = [
      ['TENANT', 'CONNECTOR', 'STATUS', 'AUTH', 'SITE', 'EXPIRES', 'UPDATED'],
      ...rows.map((r) => [r.tenant_id, r.connector, r.status, r.auth_type ?? '-', r.site_url ?? '-', r.expires_at ?? '-', r.updated_at ?? '-']),
    ];
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    process.stdout.write(table.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n');
  } finally {
    await db.close();
  }
}

/** Runs one command line; resolves to the exit code (serve and mcp keep running instead). */
export async function run(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case '-h':
      case '--help':
      case 'help':
        if (rest.length > 0) throw new UsageError(`Unexpected argument: ${rest[0]}`);
        process.stdout.write(USAGE);
        return 0;
      case '-v':
      case '--version':
        if (rest.length > 0) throw new UsageError(`Unexpected argument: ${rest[0]}`);
        process.stdout.write(`${readPackageVersion()}\n`);
        return 0;
      case 'serve': {
        if (flags(rest, {})['help']) return help();
        const { serve } = await import('./serve.js');
        await serve(env);
        return -1;
      }
      case 'migrate':
        if (flags(rest, {})['help']) return help();
        await migrateCommand(env);
        return 0;
      case 'mcp': {
        const values = flags(rest, { tenant: { type: 'string', short: 't' } });
        if (values['help']) return help();
        const tenant = tenantFlag(values['tenant'], true)!;
        const { serveMcpOverStdio } = await import('./mcp-stdio.js');
        await serveMcpOverStdio(configFrom(env), tenant);
        return -1;
      }
      case 'connections': {
        const [sub, ...args] = rest;
        if (sub === '-h' || sub === '--help') return help();
        if (sub !== 'list') throw new UsageError(sub === undefined ? 'connections needs a subcommand: list' : `Unknown subcommand: connections ${sub}`);
        const values = flags(args, { tenant: { type: 'string', short: 't' }, json: { type: 'boolean' } });
        if (values['help']) return help();
        await listConnectionsCommand(env, tenantFlag(values['tenant'], false), values['json'] === true);
        return 0;
      }
      case 'keys':
        return await keysCommand(env, rest);
      case 'audit': {
        const [sub, ...args] = rest;
        if (sub === '-h' || sub === '--help') return help();
        if (sub !== 'list') throw new UsageError(sub === undefined ? 'audit needs a subcommand: list' : `Unknown subcommand: audit ${sub}`);
        const values = flags(args, { tenant: { type: 'string', short: 't' }, since: { type: 'string' }, json: { type: 'boolean' } });
        if (values['help']) return help();
        let since: Date | undefined;
        if (values['since'] !== undefined) {
          const { parseDuration } = await import('../application/api-keys.js');
          const seconds = parseDuration(String(values['since']));
          if (seconds === undefined) throw new UsageError('--since must be a number of days, hours or minutes: 7d, 12h, 30m.');
          since = new Date(Date.now() - seconds * 1000);
        }
        const tenant = tenantFlag(values['tenant'], false);
        const { listAudit } = await import('./audit.js');
        await listAudit(configFrom(env), { ...(tenant !== undefined ? { tenant } : {}), ...(since !== undefined ? { since } : {}) }, values['json'] === true);
        return 0;
      }
      case 'events': {
        const [sub, ...args] = rest;
        if (sub === '-h' || sub === '--help') return help();
        if (sub === 'list') {
          const values = flags(args, { tenant: { type: 'string', short: 't' }, failed: { type: 'boolean' }, json: { type: 'boolean' } });
          if (values['help']) return help();
          const tenant = tenantFlag(values['tenant'], false);
          const { listEvents } = await import('./events.js');
          await listEvents(configFrom(env), { ...(tenant !== undefined ? { tenant } : {}), failed: values['failed'] === true }, values['json'] === true);
          return 0;
        }
        if (sub === 'redeliver') {
          const [id, ...more] = args;
          if (id === undefined || id.startsWith('-')) throw new UsageError('events redeliver needs an event id.');
          const values = flags(more, { tenant: { type: 'string', short: 't' } });
          if (values['help']) return help();
          const { redeliverEvent } = await import('./events.js');
          return await redeliverEvent(configFrom(env), id, tenantFlag(values['tenant'], false));
        }
        throw new UsageError(sub === undefined ? 'events needs a subcommand: list or redeliver' : `Unknown subcommand: events ${sub}`);
      }
      case undefined:
        throw new UsageError('No command given.');
      default:
        throw new UsageError(command.startsWith('-') ? `Unknown option: ${command}` : `Unknown command: ${command}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`integration-backend: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    process.stderr.write(`integration-backend: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

async function keysCommand(env: NodeJS.ProcessEnv, rest: readonly string[]): Promise<number> {
  const [sub, ...args] = rest;
  if (sub === '-h' || sub === '--help') return help();
  const keys = await import('./keys.js');
  switch (sub) {
    case 'create': {
      const values = flags(args, {
        tenant: { type: 'string', short: 't' },
        scopes: { type: 'string' },
        name: { type: 'string' },
        expires: { type: 'string' },
        operator: { type: 'boolean' },
        json: { type: 'boolean' },
      });
      if (values['help']) return help();
      const operator = values['operator'] === true;
      const tenant = tenantFlag(values['tenant'], !operator);
      if (operator && tenant !== undefined) throw new UsageError('--operator keys belong to no tenant; leave out --tenant.');
      if (typeof values['scopes'] !== 'string') throw new UsageError('--scopes is required: a comma-separated list of read, write, admin.');
      const { scopes, unknown } = parseScopes(values['scopes']);
      if (unknown.length > 0 || scopes.length === 0) throw new UsageError(`--scopes must list read, write or admin${unknown.length > 0 ? `; not ${unknown.join(', ')}` : ''}.`);
      let expiresInSeconds: number | undefined;
      if (values['expires'] !== undefined) {
        const { parseDuration } = await import('../application/api-keys.js');
        expiresInSeconds = parseDuration(String(values['expires']));
        if (expiresInSeconds === undefined) throw new UsageError('--expires must be a number of days, hours or minutes: 90d, 12h, 30m.');
      }
      await keys.createKey(
        configFrom(env),
        {
          operator,
          scopes,
          ...(tenant !== undefined ? { tenant } : {}),
          ...(typeof values['name'] === 'string' ? { name: values['name'] } : {}),
          ...(expiresInSeconds !== undefined ? { expiresInSeconds } : {}),
        },
        values['json'] === true,
      );
      return 0;
    }
    case 'list': {
      const values = flags(args, { tenant: { type: 'string', short: 't' }, json: { type: 'boolean' } });
      if (values['help']) return help();
      await keys.listKeys(configFrom(env), tenantFlag(values['tenant'], false), values['json'] === true);
      return 0;
    }
    case 'revoke': {
      const [id, ...more] = args;
      if (id === '-h' || id === '--help') return help();
      if (id === undefined || id.startsWith('-')) throw new UsageError('keys revoke needs the id of a key (keys list shows them).');
      if (more.length > 0) throw new UsageError(`Unexpected argument: ${more[0]}`);
      await keys.revokeKey(configFrom(env), id);
      return 0;
    }
    default:
      throw new UsageError(sub === undefined ? 'keys needs a subcommand: create, list or revoke' : `Unknown subcommand: keys ${sub}`);
  }
}

const help = (): number => {
  process.stdout.write(USAGE);
  return 0;
};
