// Bundles the service into one ES module (dist/bundle/main.mjs) for `npm start`.
// Loading one file instead of a few hundred modules halves start-up time (see
// docs/performance.md). Native and worker-thread packages stay external.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/bundle/main.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  // better-sqlite3 is a native addon; pino starts transports from files by name.
  external: ['better-sqlite3', 'pino', 'pino-pretty'],
  // Bundled CommonJS dependencies call require(); give the ES module one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});
