/**
 * The core entry point (`import ... from 'integration-backend'`) must not drag in the
 * adapters' libraries: an embedder who only wants the use cases should not load Koa, a
 * database driver, an HTTP client or a DI container. Checked in a fresh `node` process that
 * records every module it loads: a resolve hook (node:module `register`) logs each resolved
 * URL, and `require.cache` adds the CommonJS files that CommonJS packages required
 * themselves (those bypass ESM hooks). The same probe on `integration-backend/http` must see
 * Koa and tsyringe, so the probe is known to work.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

const ADAPTER_PACKAGES = [
  'koa',
  '@koa/router',
  'koa-bodyparser',
  '@koa/cors',
  'got',
  'undici',
  'kysely',
  'better-sqlite3',
  'pino',
  'tsyringe',
  'reflect-metadata',
  '@modelcontextprotocol/sdk',
];

/**
 * The pure parsing libraries the markup conversions use (src/domain/markup): allowed in the
 * core together with everything they depend on, and nothing else.
 */
const MARKUP_PACKAGES = [
  'mdast-util-from-markdown',
  'mdast-util-to-markdown',
  'mdast-util-gfm',
  'micromark-extension-gfm-footnote',
  'micromark-extension-gfm-strikethrough',
  'micromark-extension-gfm-table',
  'micromark-extension-gfm-task-list-item',
  'htmlparser2',
];

/** The packages `roots` pull in, read from their installed package.json files. */
function dependencyClosure(roots: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    queue.push(...Object.keys(manifest.dependencies ?? {}));
  }
  return seen;
}

/** Runs in the hooks thread: appends every resolution to the file named at registration. */
const HOOK = `
import fs from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  fs.appendFileSync(log, JSON.stringify({ specifier, url: result.url }) + '\\n');
  return result;
}
`;

/** The child: registers the hook, imports the entry by package name, reports exports and CommonJS files. */
const PROBE = `
import { createRequire, register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOK)}), { data: { log: process.env.HOOK_LOG } });
const mod = await import(process.env.ENTRY);
const exportsOf = Object.fromEntries(Object.entries(mod).map(([k, v]) => [k, typeof v]));
const cjs = Object.keys(createRequire(import.meta.url).cache);
process.stdout.write(JSON.stringify({ exports: exportsOf, cjs }));
`;

interface Probe {
  /** package names (`io-ts`, `@koa/router`) of every module loaded from node_modules */
  readonly packages: Set<string>;
  /** specifier -> resolved URL, as the hook saw them */
  readonly resolved: ReadonlyArray<{ specifier: string; url: string }>;
  readonly exports: Record<string, string>;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'core-imports-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const packageOf = (location: string): string | undefined => {
  const file = location.startsWith('file:') ? decodeURIComponent(new URL(location).pathname) : location;
  const parts = file.split('/node_modules/');
  if (parts.length < 2) return undefined;
  const rest = parts[parts.length - 1]!.split('/');
  return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
};

async function probe(entry: string): Promise<Probe> {
  const log = path.join(tmp, `${entry.replace(/\W+/g, '_')}.jsonl`);
  fs.writeFileSync(log, '');
  // cwd is the repository: `integration-backend` resolves to itself through package.json `exports` (dist/).
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', PROBE], {
    cwd: ROOT,
    env: { ...process.env, ENTRY: entry, HOOK_LOG: log, NODE_OPTIONS: '' },
    timeout: 20_000,
  });
  const report = JSON.parse(stdout) as { exports: Record<string, string>; cjs: string[] };
  const resolved = fs
    .readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { specifier: string; url: string });
  const packages = new Set<string>();
  for (const where of [...resolved.map((r) => r.url), ...report.cjs]) {
    const name = packageOf(where);
    if (name) packages.add(name);
  }
  return { packages, resolved, exports: report.exports };
}

describe('the core entry point loads no adapter library', () => {
  it("'integration-backend' loads io-ts, fp-ts and the markup parsers, and none of koa, undici, kysely, better-sqlite3, pino, tsyringe, the MCP SDK...", async () => {
    const core = await probe('integration-backend');

    // The import went through the package's exports to the compiled entry, not to src/.
    const entry = core.resolved.find((r) => r.specifier === 'integration-backend');
    expect(entry?.url).toBe(new URL('dist/src/entry/core.js', `file://${ROOT}/`).href);
    expect(
      core.resolved.some(
        (r) => r.url.includes('/src/') && !r.url.includes('/dist/src/') && !r.url.includes('node_modules'),
      ),
    ).toBe(false);

    // Not vacuous: the probe saw the libraries the core does use.
    expect(core.packages).toContain('io-ts');
    expect(core.packages).toContain('fp-ts');
    expect(core.resolved.length).toBeGreaterThan(20);

    for (const p of MARKUP_PACKAGES) expect(core.packages, p).toContain(p);

    expect([...core.packages].filter((p) => ADAPTER_PACKAGES.includes(p))).toEqual([]);
    // Nothing else either: the core's whole dependency footprint is io-ts, fp-ts and the
    // markup parsers with their own dependencies (none of which is an adapter library).
    const markup = dependencyClosure(MARKUP_PACKAGES);
    expect([...markup].filter((p) => ADAPTER_PACKAGES.includes(p))).toEqual([]);
    expect([...core.packages].filter((p) => p !== 'io-ts' && p !== 'fp-ts' && !markup.has(p))).toEqual([]);
    // ...and none of our own adapters or the composition root.
    expect(core.resolved.filter((r) => /\/dist\/src\/(adapters|composition|cli)\//.test(r.url))).toEqual([]);
  });

  it('the same probe on integration-backend/http does see koa, tsyringe and the rest (the probe works)', async () => {
    const http = await probe('integration-backend/http');
    for (const p of [
      'koa',
      '@koa/router',
      'tsyringe',
      'reflect-metadata',
      'kysely',
      'pino',
    ]) {
      expect(http.packages, p).toContain(p);
    }
    // undici loads when the first call to Atlassian goes out (src/adapters/undici/undici-module.ts), not with the module.
    expect(http.packages).not.toContain('undici');
    // better-sqlite3, a native addon, loads with the first SQLite database opened (src/adapters/kysely/database.ts).
    expect(http.packages).not.toContain('better-sqlite3');
    expect(http.exports['createService']).toBe('function');
  });

  it('exports the use cases, the error constructors, codecs and helpers as values', async () => {
    const { exports } = await probe('integration-backend');
    for (const name of [
      'SearchIssues',
      'ListProjects',
      'CreateIssue',
      'ListSpaces',
      'SearchContent',
      'CreatePage',
      'InvokeTool',
      'bindOperations',
      'describeTool',
      'StoredCredentialAccess',
      'GrantRefresher',
      'CredentialCache',
      'accessContextOf',
      'ListConnections',
      'SaveAccessToken',
      'CompleteJiraAuthorization',
      'StartJiraAuthorization',
      'withAccess',
      'basicAuthorization',
      'toJsonSchema',
      'decodeStrictWith',
      'buildIssueSearchJql',
      'markdownToAdf',
      'markdownToStorage',
      'markdownToJiraWiki',
      'adfToMarkdown',
      'storageToMarkdown',
      'jiraWikiToMarkdown',
      'convertMarkdown',
    ]) {
      expect(exports[name], name).toBe('function');
    }
    for (const name of ['AppError', 'SearchIssuesInput', 'CreateIssueInput', 'TenantId', 'silentLogger', 'OPERATIONS']) {
      expect(exports[name], name).toBe('object');
    }
    expect(exports['DEFAULT_TENANT']).toBe('string');
  });
});
