// Bundles the service (dist/bundle/main.mjs, what `npm start` runs) and the command line
// (dist/bundle/cli.mjs, the package's bin) into ES modules. Loading one file instead of a
// few hundred modules halves start-up time (see docs/performance.md). Code split: what only
// one command needs (the MCP SDK, the CLI's commands) loads when that command runs.
// Native and worker-thread packages stay external.
import fs from 'node:fs';
import { build, transform } from 'esbuild';

// Chunk names carry content hashes: clear the last build so no stale chunk is shipped.
fs.rmSync('dist/bundle', { recursive: true, force: true });

/**
 * fp-ts and io-ts ship CommonJS (`lib/`, what Node resolves for the sources' imports) and the
 * same code as ES modules (`es6/`). The bundle takes the ES modules: esbuild keeps only the
 * functions used, and each import no longer copies a whole CommonJS exports object at start.
 */
const fpTsAsEsModules = {
  name: 'fp-ts-as-es-modules',
  setup(b) {
    b.onResolve({ filter: /^(fp-ts|io-ts)(\/lib\/.*)?$/ }, (args) => {
      const [pkg, rest] = args.path.startsWith('fp-ts') ? ['fp-ts', args.path.slice(5)] : ['io-ts', args.path.slice(5)];
      const target = rest === '' ? `${pkg}/es6/index.js` : `${pkg}/es6/${rest.slice('/lib/'.length)}`;
      return b.resolve(target, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'es6' });
    });
  },
};

await build({
  plugins: [fpTsAsEsModules],
  // koa-bodyparser, co-body and accepts each pin mime-types 2 with its own copy of mime-db
  // 1.52 (a 200 KB table); the top-level 1.54 is the same table with more types.
  alias: { 'mime-db': './node_modules/mime-db' },
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
  // The licence notices of bundled packages go to a `.LEGAL.txt` beside each file, not into
  // the code V8 keeps in memory.
  legalComments: 'linked',
  // Whitespace only (names stay, so stack traces still name their functions; the source maps
  // give lines): 2.9 -> 2.1 MB for V8 to parse at every start, about 3 % of it (A/B, 7 starts x 3).
  minifyWhitespace: true,
  logLevel: 'warning',
  // better-sqlite3 is a native addon; pino starts transports from files by name.
  external: ['better-sqlite3', 'pino', 'pino-pretty'],
  // Bundled CommonJS dependencies call require(); give the ES modules one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});

/**
 * esbuild escapes non-ASCII characters in strings and identifiers, but keeps them in the
 * comments of bundled packages: a `’` or `§` in one of undici's or micromark's comments made
 * V8 hold the whole 2.9 MB main chunk as a two-byte string (5.5 MB of heap, for as long as
 * the process lives). Each such character becomes `?` (one UTF-16 unit for one, so the
 * source maps' columns stay right) when that changes nothing but comments: the file minified
 * without comments must read the same before and after. Otherwise (a character in a regular
 * expression or a raw template, which esbuild leaves as it is) the file is left alone.
 */
const withoutComments = async (code) => (await transform(code, { loader: 'js', format: 'esm', minify: true, legalComments: 'none', target: 'node20' })).code;
for (const entry of fs.readdirSync('dist/bundle', { recursive: true })) {
  const file = `dist/bundle/${entry}`;
  if (!file.endsWith('.mjs')) continue;
  const text = fs.readFileSync(file, 'utf8');
  if (!/[\u0080-\uffff]/.test(text)) continue;
  const ascii = text.replace(/[\u0080-\uffff]/g, '?');
  if ((await withoutComments(ascii)) !== (await withoutComments(text))) {
    console.warn(`bundle: ${file} has a non-ASCII character outside a comment; left as it is (held as a two-byte string)`);
    continue;
  }
  fs.writeFileSync(file, ascii);
}
