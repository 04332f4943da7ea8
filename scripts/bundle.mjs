// Bundles the service (dist/bundle/service.cjs, which dist/bundle/main.mjs, what `npm start`
// runs, loads with a V8 code cache) and the command line (dist/bundle/cli.mjs, the package's
// bin, ES modules). Loading one file instead of a few hundred modules halves start-up time,
// and the code cache takes off a further quarter (see docs/performance.md). The command line
// is code split: what only one command needs (the MCP SDK, the CLI's commands) loads when that
// command runs. Worker-thread packages and native addons stay outside it. The options every bundle of
// the service takes are in scripts/bundle-options.mjs.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { asciiComments, bundleOptions } from './bundle-options.mjs';
import { BUILD_MARK, SERVICE_WRAPPER } from './bundle/load-service.mjs';

// Chunk names carry content hashes: clear the last build so no stale chunk (or cache) is shipped.
fs.rmSync('dist/bundle', { recursive: true, force: true });

// pino-pretty, a development dependency, is required only when LOG_PRETTY asks for it (pino
// itself is bundled: the service starts no transport). better-sqlite3's JavaScript is bundled
// too, through scripts/bundle/bundled-sqlite.mjs, still loaded with the first SQLite database
// opened; its native addon is loaded from node_modules by path (nativeBinding, in
// src/adapters/kysely/database.ts), never through the `bindings` package the bundle takes in.
const external = ['pino-pretty'];
const common = {
  ...bundleOptions(process.cwd()),
  outdir: 'dist/bundle',
  sourcemap: true,
  // The licence notices of bundled packages go to a `.LEGAL.txt` beside each file, not into
  // the code V8 keeps in memory.
  legalComments: 'linked',
  external,
  inject: ['scripts/bundle/bundled-sqlite.mjs'],
};

await build({
  ...common,
  entryPoints: { cli: 'src/cli/main.ts' },
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
});

// The service as one CommonJS script (a script can be given a code cache; esbuild cannot
// split one, so what loads lazily, such as undici or the MCP SDK, is in the file and runs on
// first use). It is one function expression, as Node's CommonJS loader wraps a module, to
// which the loader gives `require` and the `import.meta.url` of the file.
await build({
  ...common,
  entryPoints: { service: 'src/cli/serve.ts' },
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  banner: { js: `${SERVICE_WRAPPER[0]}` },
  footer: { js: SERVICE_WRAPPER[1] },
  define: { 'import.meta.url': '__importMetaUrl' },
});
fs.appendFileSync('dist/bundle/service.cjs', `\n${BUILD_MARK}${randomUUID()}\n`);
for (const file of ['main.mjs', 'load-service.mjs']) fs.copyFileSync(path.join('scripts/bundle', file), path.join('dist/bundle', file));

for (const entry of fs.readdirSync('dist/bundle', { recursive: true })) {
  const file = `dist/bundle/${entry}`;
  if (!file.endsWith('.mjs') && !file.endsWith('.cjs')) continue;
  if (!(await asciiComments(file))) console.warn(`bundle: ${file} has a non-ASCII character outside a comment; left as it is (held as a two-byte string)`);
}

// The code cache: the service started once from the bundle, on a throwaway database in a
// directory of its own (so no .env or database of this checkout is read or touched), writes
// what V8 compiled until it listened and stops. The cache fits only the Node that wrote it
// (`npm start` rebuilds first, so it is always this one); without it the service starts as
// well, just compiling again.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'integration-backend-code-cache-'));
try {
  const run = spawnSync(process.execPath, [path.resolve('dist/bundle/main.mjs')], {
    cwd: tmp,
    env: {
      PATH: process.env.PATH ?? '',
      INTEGRATION_BACKEND_WRITE_CODE_CACHE: '1',
      INTEGRATION_DB_URL: `sqlite:///${path.join(tmp, 'cache.db')}`,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (run.status !== 0 || !fs.existsSync('dist/bundle/service.cjs.cache')) {
    console.warn(`bundle: no code cache written (the service exited ${run.status ?? run.signal}): ${(run.stderr ?? '').trim()}`);
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
