// Bundles the service (dist/bundle/main.mjs, what `npm start` runs) and the command line
// (dist/bundle/cli.mjs, the package's bin) into ES modules. Loading one file instead of a
// few hundred modules halves start-up time (see docs/performance.md). Code split: what only
// one command needs (the MCP SDK, the CLI's commands) loads when that command runs.
// Native and worker-thread packages stay external.
import fs from 'node:fs';
import { build } from 'esbuild';

// Chunk names carry content hashes: clear the last build so no stale chunk is shipped.
fs.rmSync('dist/bundle', { recursive: true, force: true });

await build({
  entryPoints: { main: 'src/main.ts', cli: 'src/cli/main.ts' },
  outdir: 'dist/bundle',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  // better-sqlite3 is a native addon; pino starts transports from files by name.
  external: ['better-sqlite3', 'pino', 'pino-pretty'],
  // Bundled CommonJS dependencies call require(); give the ES modules one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});
