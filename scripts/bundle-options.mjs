// How the service is bundled, shared by scripts/bundle.mjs (what `npm start` runs) and the
// benchmarks' stack floor (bench/run.mjs), so the floor is always built as the service is.
import fs from 'node:fs';
import path from 'node:path';
import { transform } from 'esbuild';

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

/** esbuild options every bundle of the service takes; `root` is the project's directory. */
export const bundleOptions = (root) => ({
  plugins: [fpTsAsEsModules],
  // koa-bodyparser, co-body and accepts each pin mime-types 2 with its own copy of mime-db
  // 1.52 (a 200 KB table); the top-level 1.54 is the same table with more types. Each copy of
  // mime-types builds its lookup maps from the whole table when it loads, so all four became
  // one: the top-level mime-types 3 (Koa's), whose API is the same. What 3 changed is which
  // type wins for an extension that several types claim (`.mp4`, `.rtf`...); these packages
  // look up only the shorthands Koa and the routes pass (`json`, `urlencoded`, `text`,
  // `multipart`), which both versions answer alike (test/unit/mime-types-alias.test.ts).
  // That one copy is reached through scripts/bundle/lazy-mime-types.cjs, which loads it on the
  // first lookup instead of at start.
  // qs, for co-body's form bodies, the same way (scripts/bundle/lazy-qs.cjs).
  alias: {
    'mime-db': path.join(root, 'node_modules', 'mime-db'),
    'mime-types': path.join(root, 'scripts', 'bundle', 'lazy-mime-types.cjs'),
    qs: path.join(root, 'scripts', 'bundle', 'lazy-qs.cjs'),
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Whitespace only (names stay, so stack traces still name their functions; the source maps
  // give lines): 2.9 -> 2.1 MB for V8 to parse at every start, about 3 % of it (A/B, 7 starts x 3).
  minifyWhitespace: true,
  logLevel: 'warning',
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
 * expression or a raw template, which esbuild leaves as it is) the file is left alone and
 * this answers false.
 */
export async function asciiComments(file) {
  const text = fs.readFileSync(file, 'utf8');
  if (!/[\u0080-\uffff]/.test(text)) return true;
  const withoutComments = async (code) => (await transform(code, { loader: 'js', format: 'esm', minify: true, legalComments: 'none', target: 'node20' })).code;
  const ascii = text.replace(/[\u0080-\uffff]/g, '?');
  if ((await withoutComments(ascii)) !== (await withoutComments(text))) return false;
  fs.writeFileSync(file, ascii);
  return true;
}
