// Bundles the service (dist/bundle/main.mjs, what `npm start` runs) and the command line
// (dist/bundle/cli.mjs, the package's bin) into ES modules. Loading one file instead of a
// few hundred modules halves start-up time (see docs/performance.md). Code split: what only
// one command needs (the MCP SDK, the CLI's commands) loads when that command runs.
// Native and worker-thread packages stay external. The options every bundle of the service
// takes are in scripts/bundle-options.mjs.
import fs from 'node:fs';
import { build } from 'esbuild';
import { asciiComments, bundleOptions } from './bundle-options.mjs';

// Chunk names carry content hashes: clear the last build so no stale chunk is shipped.
fs.rmSync('dist/bundle', { recursive: true, force: true });

await build({
  ...bundleOptions(process.cwd()),
  entryPoints: { main: 'src/main.ts', cli: 'src/cli/main.ts' },
  outdir: 'dist/bundle',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  sourcemap: true,
  // The licence notices of bundled packages go to a `.LEGAL.txt` beside each file, not into
  // the code V8 keeps in memory.
  legalComments: 'linked',
  // better-sqlite3 is a native addon; pino-pretty, a development dependency, is required
  // only when LOG_PRETTY asks for it (pino itself is bundled: the service starts no transport).
  external: ['better-sqlite3', 'pino-pretty'],
});

for (const entry of fs.readdirSync('dist/bundle', { recursive: true })) {
  const file = `dist/bundle/${entry}`;
  if (!file.endsWith('.mjs')) continue;
  if (!(await asciiComments(file))) console.warn(`bundle: ${file} has a non-ASCII character outside a comment; left as it is (held as a two-byte string)`);
}
