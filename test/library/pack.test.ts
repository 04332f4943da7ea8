/**
 * The package as a consumer gets it: `npm pack` the repository (dist/ was built by the
 * global setup), install the tarball into a fresh project, and use it there by name:
 * every entry point at run time, the installed example against the fake Atlassian, the
 * type declarations with the repository's TypeScript, and the `integration-backend` bin.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAtlassian } from '../support/fake-atlassian.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  exports: Record<string, string | Record<string, string>>;
  bin: Record<string, string>;
};
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const ENTRIES = ['.', './memory', './crypto', './sqlite', './atlassian', './http', './mcp'];

const run = promisify(execFile);

/** The environment for npm and node children: without the npm_* variables of the `npm test`/`npx` that started vitest. */
const KEEP_NPM = new Set([
  'npm_config_cache',
  'npm_config_registry',
  'npm_config_userconfig',
  'npm_config_globalconfig',
  'npm_config_cafile',
]);
const childEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || KEEP_NPM.has(k.toLowerCase())),
  ),
  NODE_OPTIONS: '',
  ...extra,
});

interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}
/** Runs a command and resolves with its exit code and output, whatever the code. */
const attempt = async (file: string, args: readonly string[], cwd: string, env = childEnv()): Promise<ExecResult> => {
  try {
    const { stdout, stderr } = await run(file, [...args], { cwd, env, timeout: 120_000, maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
};

// ---------------------------------------------------------------------------------------------
// What the consumer project runs and compiles.

/** Exercises one real thing from each entry point; prints a JSON report. */
const RUNTIME_PROBE = `
import { randomBytes } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import * as core from 'integration-backend';
import { InMemoryConnectionStore, systemClock } from 'integration-backend/memory';
import { AesGcmCipher } from 'integration-backend/crypto';
import { KyselyConnectionStore, openDatabase } from 'integration-backend/sqlite';
import { createAtlassianGateways, DnsSiteUrlGuard } from 'integration-backend/atlassian';
import { createService, loadConfig } from 'integration-backend/http';
import { createMcpServer } from 'integration-backend/mcp';

const out = {};
const tenant = core.DEFAULT_TENANT;
const draft = {
  tenantId: tenant, connector: 'jira', authType: 'api_token', status: 'active', siteUrl: 'https://acme.atlassian.net',
  cloudId: null, sites: [], scopes: [], grantId: null, expiresAt: null, refreshedAt: null, credentials: null,
};

// core: a use case validates its input before it asks for access or calls Jira
out.core = { SearchIssues: typeof core.SearchIssues, result: await new core.SearchIssues({ refresh: null, jira: null }).execute(tenant, {})() };

const memory = new InMemoryConnectionStore();
await memory.save(draft, systemClock.now())();
out.memory = (await memory.list(tenant)()).right.map((c) => [c.tenantId, c.connector, c.version]);

const cipher = new AesGcmCipher(randomBytes(32));
const sealed = cipher.encrypt('secret');
out.crypto = { prefix: sealed.slice(0, 3), containsPlaintext: sealed.includes('secret'), opened: cipher.decrypt(sealed).right };

// sqlite: the native addon, Kysely and the migrations
const db = await openDatabase({ dialect: 'sqlite', filename: ':memory:' });
const sqliteStore = new KyselyConnectionStore(db.db);
await sqliteStore.save(draft, new Date())();
out.sqlite = { applied: db.applied.length, found: (await sqliteStore.find(tenant, 'jira')()).right?.siteUrl };
await db.close();

const gateways = createAtlassianGateways();
out.atlassian = {
  searchIssues: typeof gateways.jira.searchIssues,
  guard: (await new DnsSiteUrlGuard({ allowedHosts: [] }).check('https://127.0.0.1/')()).left?.message,
};
await gateways.close();

// http: the whole service on an in-memory database, served on loopback
const config = loadConfig({ INTEGRATION_DB_URL: 'sqlite:///:memory:', LOG_LEVEL: 'silent', LOG_PRETTY: 'false' });
const service = await createService(config.right);
const { url } = await service.listen(0, '127.0.0.1');
const health = await fetch(url + '/healthz');
out.http = { callback: typeof service.app.callback, status: health.status, body: await health.json() };

// mcp: the service's tools through an MCP client over an in-memory transport
const server = createMcpServer({ tools: service.useCases.tools, tenantId: tenant, version: '1.0.0' });
const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
await server.connect(serverSide);
const client = new Client({ name: 'pack-test', version: '1.0.0' });
await client.connect(clientSide);
out.mcp = (await client.listTools()).tools.map((t) => t.name).sort();
await client.close();
await service.close();

process.stdout.write(JSON.stringify(out));
`;

/** Types and values from every entry point, used as a consumer would. Must compile. */
const GOOD_TS = `
import type { Either } from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import {
  AppError,
  DEFAULT_TENANT,
  SearchIssues,
  basicAuthorization,
  silentLogger,
  type AccessContext,
  type AccessProvider,
  type Cipher,
  type Clock,
  type ConnectionStore,
  type InvokeTool,
  type JiraIssue,
  type JiraGateway,
  type Logger,
  type Page,
  type TenantId,
} from 'integration-backend';
import { InMemoryConnectionStore, systemClock } from 'integration-backend/memory';
import { AesGcmCipher } from 'integration-backend/crypto';
import { KyselyConnectionStore, openDatabase, type OpenedDatabase } from 'integration-backend/sqlite';
import { createAtlassianGateways, type UndiciJiraGateway } from 'integration-backend/atlassian';
import { createService, loadConfig, type Config, type Service } from 'integration-backend/http';
import { createMcpServer } from 'integration-backend/mcp';

export const context: AccessContext = {
  baseUrl: 'https://acme.atlassian.net',
  siteUrl: 'https://acme.atlassian.net',
  authorization: basicAuthorization('me@example.com', 'token'),
  authType: 'api_token',
  flavour: 'cloud',
  version: 1,
  callerSuppliedHost: false,
};
export const access: AccessProvider = {
  access: () => TE.right(context),
  afterUnauthorized: () => TE.left(AppError.tokenExpired('refused')),
};
export const gateways = createAtlassianGateways({ timeoutMs: 5_000 });
export const jira: JiraGateway = gateways.jira;
export const ours: UndiciJiraGateway = gateways.jira;
export const search = new SearchIssues({ refresh: access, jira });
export const tenant: TenantId = DEFAULT_TENANT;
export const page: Promise<Either<AppError, Page<JiraIssue>>> = search.execute(tenant, { q: 'login', limit: 5 })();
export const store: ConnectionStore = new InMemoryConnectionStore();
export const clock: Clock = systemClock;
export const cipher: Cipher = new AesGcmCipher(Buffer.alloc(32, 1));
export const logger: Logger = silentLogger;
export const config: Config = (() => {
  const loaded = loadConfig({ INTEGRATION_DB_URL: 'sqlite:///:memory:' });
  if (loaded._tag === 'Left') throw new Error(loaded.left);
  return loaded.right;
})();
export async function sqlite(): Promise<ConnectionStore> {
  const opened: OpenedDatabase = await openDatabase({ dialect: 'sqlite', filename: ':memory:' });
  return new KyselyConnectionStore(opened.db);
}
export async function http(): Promise<Service> {
  const service = await createService(config, { connections: store, cipher, clock });
  return service;
}
export const mcp = (tools: InvokeTool) => createMcpServer({ tools, tenantId: tenant, version: '1.0.0' });
`;

/** One mistake per line, each marked \`// @error\`: tsc must refuse exactly those lines. */
const BAD_TS = `import { DEFAULT_TENANT, type AccessContext, type Clock } from 'integration-backend';
import { AesGcmCipher } from 'integration-backend/crypto';
import { openDatabase } from 'integration-backend/sqlite';
import { createAtlassianGateways } from 'integration-backend/atlassian';
import { createService } from 'integration-backend/http';
import { createMcpServer } from 'integration-backend/mcp';
import { InMemoryConnectionStore } from 'integration-backend/memory';
import { access, config, context, search } from './good.js';

void search.execute(42, { q: 'x' }); // @error a number is not a TenantId
void search.execute('acme', { q: 'x' }); // @error nor is an unchecked string (branded type)
void search.execute(DEFAULT_TENANT, { q: 1 }); // @error q is a string
export const bad: AccessContext = { ...context, flavour: 'server' }; // @error cloud | data_center
export const late: Clock = { now: () => 'today' }; // @error a Date
void access.access(DEFAULT_TENANT, 'bitbucket'); // @error jira | confluence
void new InMemoryConnectionStore().find(DEFAULT_TENANT); // @error the connector is missing
void new AesGcmCipher('0123456789abcdef0123456789abcdef'); // @error a Buffer
void openDatabase({ dialect: 'mysql', filename: 'x' }); // @error sqlite or postgres only
createAtlassianGateways({ timeoutMs: '10s' }); // @error a number
void createService(config, { jira: 'nope' }); // @error a JiraGateway
createMcpServer({ tenantId: DEFAULT_TENANT, version: '1.0.0' }); // @error tools is missing
export const app = async (): Promise<number> => (await createService(config)).app; // @error a Koa app, typed (not any)
`;

/** The core alone, compiled without skipLibCheck: its declarations and theirs must be complete. */
const CORE_ONLY_TS = `
import * as TE from 'fp-ts/lib/TaskEither.js';
import { AppError, DEFAULT_TENANT, SearchIssues, type AccessProvider, type JiraGateway } from 'integration-backend';
declare const jira: JiraGateway;
const access: AccessProvider = {
  access: () => TE.left(AppError.notConnected('none')),
  afterUnauthorized: () => TE.left(AppError.tokenExpired('refused')),
};
export const run = new SearchIssues({ refresh: access, jira }).execute(DEFAULT_TENANT, { jql: 'project = OPS' });
`;

const TSC_FLAGS = [
  '--noEmit',
  '--module',
  'nodenext',
  '--moduleResolution',
  'nodenext',
  '--target',
  'es2022',
  '--strict',
];

/** `file(line,col): error TSnnnn: ...` lines of tsc's output. */
const tscErrors = (output: string) =>
  [...output.matchAll(/^(\S+)\((\d+),\d+\): error (TS\d+)/gm)].map((m) => ({
    file: m[1]!,
    line: Number(m[2]),
    code: m[3]!,
  }));

// ---------------------------------------------------------------------------------------------

// npm install and three tsc runs take tens of seconds on a busy machine.
describe('the npm package, installed into a fresh project', { timeout: 120_000 }, () => {
  let tmp: string;
  let app: string;
  let files: string[];

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pack-test-'));
    // --ignore-scripts: no `prepack` rebuild; the global setup built dist/ already, and a
    // second build here would race the other test files reading dist/.
    const packed = await attempt('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], ROOT);
    expect(packed.code, packed.stderr).toBe(0);
    const [report] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = report!.files.map((f) => f.path);
    const tarball = path.join(tmp, report!.filename);
    expect(fs.existsSync(tarball)).toBe(true);

    app = path.join(tmp, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(
      path.join(app, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    // @types/node: what a TypeScript consumer has anyway; the declarations mention Buffer and node:http.
    const installed = await attempt(
      'npm',
      [
        'install',
        tarball,
        '@types/node@^20',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--no-package-lock',
      ],
      app,
    );
    expect(installed.code, installed.stderr).toBe(0);

    // --ignore-scripts left better-sqlite3 without its native addon, and compiling it from
    // source takes about a minute. The repository's copy was built for this Node and the
    // same better-sqlite3 version (checked), so it is copied in instead.
    const theirs = path.join(app, 'node_modules/better-sqlite3');
    const version = (dir: string) =>
      (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
    expect(version(theirs)).toBe(version(path.join(ROOT, 'node_modules/better-sqlite3')));
    const addon = 'build/Release/better_sqlite3.node';
    fs.mkdirSync(path.dirname(path.join(theirs, addon)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'node_modules/better-sqlite3', addon), path.join(theirs, addon));
  }, 240_000);

  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('packs the compiled entry points with declarations, the bundle and the docs; no sources, tests, source maps or code cache', () => {
    for (const entry of ENTRIES) {
      const target = PKG.exports[entry] as Record<string, string>;
      for (const file of [target['types']!, target['default']!])
        expect(files, `${entry} -> ${file}`).toContain(file.replace(/^\.\//, ''));
    }
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/src/entry/core.js',
        'dist/src/entry/core.d.ts',
        'dist/bundle/cli.mjs',
        'dist/bundle/main.mjs',
        'dist/bundle/load-service.mjs',
        'dist/bundle/service.cjs',
        'docs/embedding.md',
        'examples/embed-search.mjs',
        'package.json',
      ]),
    );
    expect(files).toContain(PKG.bin['integration-backend']!.replace(/^\.\//, ''));
    // Every chunk the bundle's entry files load, directly or through other chunks, is packed
    // too (read from the installed copy).
    const pending = ['dist/bundle/cli.mjs', 'dist/bundle/main.mjs'];
    const seen = new Set<string>();
    while (pending.length > 0) {
      const file = pending.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      expect(files).toContain(file);
      const text = fs.readFileSync(path.join(app, 'node_modules/integration-backend', file), 'utf8');
      for (const m of text.matchAll(/["'](\.\.?\/[^"'\s]+\.mjs)["']/g))
        pending.push(path.posix.join(path.posix.dirname(file), m[1]!));
    }
    expect(seen.size).toBeGreaterThan(5);
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/') || f.startsWith('dist/test/'))).toEqual(
      [],
    );
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    // The code cache fits only the Node that built it (docs/performance.md); npm start builds its own.
    expect(files.filter((f) => f.endsWith('.cache'))).toEqual([]);
    expect(
      files.filter(
        (f) => /(^|\/)(\.build-stamp|node_modules|\.env)$/.test(f) || f.endsWith('.db') || f.endsWith('.key'),
      ),
    ).toEqual([]);
  });

  it('imports every entry point by package name and each one works', async () => {
    fs.writeFileSync(path.join(app, 'probe.mjs'), RUNTIME_PROBE);
    const probe = await attempt(process.execPath, ['probe.mjs'], app);
    expect(probe.code, probe.stderr).toBe(0);
    const out = JSON.parse(probe.stdout) as Record<string, unknown>;
    expect(out['core']).toEqual({
      SearchIssues: 'function',
      result: { _tag: 'Left', left: { code: 'VALIDATION', message: 'Give q (free text) or jql.' } },
    });
    expect(out['memory']).toEqual([['default', 'jira', 1]]);
    expect(out['crypto']).toEqual({ prefix: 'v1.', containsPlaintext: false, opened: 'secret' });
    expect(out['sqlite']).toEqual({ applied: expect.any(Number), found: 'https://acme.atlassian.net' });
    expect((out['sqlite'] as { applied: number }).applied).toBeGreaterThan(0);
    expect(out['atlassian']).toEqual({
      searchIssues: 'function',
      guard: 'base_url must use a host name, not an IP address',
    });
    expect(out['http']).toEqual({ callback: 'function', status: 200, body: { status: 'ok' } });
    expect(out['mcp']).toEqual([
      'confluence_add_attachment',
      'confluence_add_comment',
      'confluence_add_labels',
      'confluence_append_to_page',
      'confluence_create_page',
      'confluence_delete_page',
      'confluence_find_page',
      'confluence_get_attachment',
      'confluence_get_page',
      'confluence_get_space',
      'confluence_list_ancestors',
      'confluence_list_attachments',
      'confluence_list_children',
      'confluence_list_comments',
      'confluence_list_descendants',
      'confluence_list_labels',
      'confluence_list_spaces',
      'confluence_move_page',
      'confluence_remove_label',
      'confluence_reply_to_comment',
      'confluence_search',
      'confluence_update_page',
      'jira_add_attachment',
      'jira_add_comment',
      'jira_add_remote_link',
      'jira_add_worklog',
      'jira_assign_issue',
      'jira_assignable_users',
      'jira_create_issue',
      'jira_current_user',
      'jira_delete_attachment',
      'jira_delete_comment',
      'jira_delete_issue',
      'jira_delete_issue_link',
      'jira_edit_comment',
      'jira_get_attachment',
      'jira_get_issue',
      'jira_link_issues',
      'jira_list_boards',
      'jira_list_comments',
      'jira_list_create_fields',
      'jira_list_issue_types',
      'jira_list_link_types',
      'jira_list_projects',
      'jira_list_remote_links',
      'jira_list_sprint_issues',
      'jira_list_sprints',
      'jira_list_transitions',
      'jira_list_worklogs',
      'jira_move_issues_to_sprint',
      'jira_search_issues',
      'jira_search_users',
      'jira_transition_issue',
      'jira_update_issue',
    ]);
    // It really was the installed copy, not the repository, that answered.
    const resolved = await attempt(
      process.execPath,
      ['--input-type=module', '-e', "process.stdout.write(import.meta.resolve('integration-backend'))"],
      app,
    );
    expect(resolved.stdout).toBe(new URL(`file://${app}/node_modules/integration-backend/dist/src/entry/core.js`).href);
  });

  it('runs the installed example against the fake Atlassian', async () => {
    const fake = await startFakeAtlassian();
    try {
      fake.apiTokens.set('mia.krystof@example.com', 'installed-token');
      const example = path.join(app, 'node_modules/integration-backend/examples/embed-search.mjs');
      const env = childEnv({
        JIRA_BASE_URL: fake.url,
        JIRA_EMAIL: 'mia.krystof@example.com',
        JIRA_API_TOKEN: 'installed-token',
      });
      const result = await attempt(
        process.execPath,
        [example, 'login timeout', '--project', 'ACME', '--limit', '2'],
        app,
        env,
      );
      expect(result.code, result.stderr).toBe(0);
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(/^ACME-\d+\t(To Do|In Progress|Done)\t.*login timeout/);
      expect(lines[1]).toMatch(/^ACME-\d+\t/);
      expect(lines[2]).toMatch(/^next cursor: [A-Za-z0-9_-]+$/);
      const searches = fake.requests.filter((r) => r.path === '/rest/api/3/search/jql');
      expect(searches.map((r) => r.query.get('jql'))).toEqual([
        'text ~ "login timeout" AND project = "ACME" ORDER BY updated DESC',
      ]);
    } finally {
      await fake.close();
    }
  });

  it("type-checks a consumer of every entry point with the package's declarations, and refuses wrong types", async () => {
    fs.writeFileSync(path.join(app, 'good.ts'), GOOD_TS);
    fs.writeFileSync(path.join(app, 'bad.ts'), BAD_TS);
    fs.writeFileSync(path.join(app, 'core-only.ts'), CORE_ONLY_TS);
    // skipLibCheck for the whole surface: some dependencies' own typings disagree with each
    // other (and the Koa types are not installed with the package); our entries must still
    // give real types, which the refusals in bad.ts prove (an `any` would accept them).
    const good = await attempt(
      process.execPath,
      [TSC, ...TSC_FLAGS, '--types', 'node', '--skipLibCheck', 'good.ts'],
      app,
    );
    expect(good.stdout + good.stderr).toBe('');
    expect(good.code).toBe(0);

    const bad = await attempt(
      process.execPath,
      [TSC, ...TSC_FLAGS, '--types', 'node', '--skipLibCheck', 'bad.ts'],
      app,
    );
    expect(bad.code).not.toBe(0);
    const errors = tscErrors(bad.stdout);
    const marked = BAD_TS.split('\n').flatMap((l, i) => (l.includes('// @error') ? [i + 1] : []));
    expect(marked).toHaveLength(13);
    expect(
      errors.every((e) => e.file === 'bad.ts'),
      bad.stdout,
    ).toBe(true);
    expect([...new Set(errors.map((e) => e.line))], bad.stdout).toEqual(marked);
    expect(bad.stdout).toContain(
      "Argument of type 'number' is not assignable to parameter of type 'Branded<string, TenantIdBrand>'",
    );

    // The core entry on its own needs neither skipLibCheck nor @types/node (TypeScript 6
    // includes no @types by default; the file list shows none was pulled in).
    const coreOnly = await attempt(process.execPath, [TSC, ...TSC_FLAGS, 'core-only.ts'], app);
    expect(coreOnly.stdout + coreOnly.stderr).toBe('');
    expect(coreOnly.code).toBe(0);
    const listed = await attempt(process.execPath, [TSC, ...TSC_FLAGS, '--listFilesOnly', 'core-only.ts'], app);
    expect(listed.stdout).toContain('node_modules/integration-backend/dist/src/entry/core.d.ts');
    expect(listed.stdout).not.toContain('@types/node');
  });

  it('installs the bin: integration-backend --version prints the package version', async () => {
    const bin = path.join(app, 'node_modules/.bin/integration-backend');
    const version = await attempt(bin, ['--version'], app);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(PKG.version);
    const help = await attempt(bin, ['--help'], app);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: integration-backend <command>');
  });
});
