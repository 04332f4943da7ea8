// @ts-check
import path from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The core (src/domain, src/application, and the package's core entry point) must not
 * know any framework, driver, adapter or the DI container. It may import io-ts, fp-ts,
 * `node:` built-ins and pure parsing libraries: the unified/mdast utilities for Markdown
 * (`mdast-util-from-markdown`, `mdast-util-to-markdown`, `mdast-util-gfm`,
 * `micromark-extension-gfm-*`) and `htmlparser2` for Confluence storage format
 * (docs/markup.md). Everything not refused below is allowed, so adding one of those
 * needs no change here.
 */
const coreBoundary = {
  patterns: [
    {
      regex: '^(koa|koa-.+|@koa/.+|got|kysely|kysely/.+|better-sqlite3|pg|pino|pino-.+|tsyringe|reflect-metadata|undici|prom-client|@modelcontextprotocol/.+)$',
      message: 'src/domain and src/application stay framework-free: depend on a port and implement it in src/adapters.',
    },
    {
      regex: '(^|/)(adapters|composition|cli|entry)(/|$)|(^|/)main\\.js$',
      message: 'The core must not import adapters, hosts or the composition root; invert the dependency with a port.',
    },
  ],
};

const SRC = path.resolve(import.meta.dirname, 'src');
const ADAPTERS = path.join(SRC, 'adapters');

/** The adapter folder a file belongs to (`http` for src/adapters/http/routes/x.ts), if any. */
const adapterOf = (file) => {
  const rel = path.relative(ADAPTERS, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? undefined : rel.split(path.sep)[0];
};

/**
 * Adapters never import each other: two adapters meet only through the core's ports, or
 * through a function the composition root passes in. A relative import is resolved
 * against the importing file, so `../net/x.js` and `../../adapters/net/x.js` are both seen.
 */
const adapterIsolation = {
  meta: {
    type: 'problem',
    docs: { description: 'An adapter in src/adapters/<name> imports nothing from another adapter folder.' },
    messages: {
      crossing:
        'src/adapters/{{from}} must not import src/adapters/{{to}}: share it through the core (a port or a domain function) or have the composition root pass it in.',
    },
    schema: [],
  },
  create(context) {
    const from = adapterOf(context.filename);
    if (from === undefined) return {};
    const check = (node, source) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const to = adapterOf(path.resolve(path.dirname(context.filename), source));
      if (to !== undefined && to !== from) context.report({ node, messageId: 'crossing', data: { from, to } });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};

const CORE = ['src/domain/**/*.ts', 'src/application/**/*.ts', 'src/entry/core.ts'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { boundaries: { rules: { 'adapter-isolation': adapterIsolation } } },
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        Buffer: 'readonly',
        fetch: 'readonly',
        performance: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // One block per area and no two blocks setting the same rule for one file: a later block
  // would silently replace an earlier one's `no-restricted-imports` (flat config does not merge them).
  {
    files: CORE,
    rules: { 'no-restricted-imports': ['error', coreBoundary] },
  },
  {
    // Everything else in src: tsyringe belongs to the composition root alone.
    files: ['src/**/*.ts'],
    ignores: [...CORE, 'src/composition/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(tsyringe|reflect-metadata)$', message: 'Only src/composition knows the DI container.' }] },
      ],
    },
  },
  {
    files: ['src/adapters/**/*.ts'],
    rules: { 'boundaries/adapter-isolation': 'error' },
  },
  {
    // CommonJS files the bundle takes in place of a package (scripts/bundle/lazy-mime-types.cjs, lazy-qs.cjs).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
