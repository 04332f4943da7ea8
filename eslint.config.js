// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The core (domain + application) must not know any framework, driver or adapter. It may
 * import io-ts, fp-ts, `node:` built-ins and pure parsing libraries: the unified/mdast
 * utilities for Markdown (`mdast-util-from-markdown`, `mdast-util-to-markdown`,
 * `mdast-util-gfm`, `micromark-extension-gfm`) and `htmlparser2` for Confluence storage
 * format (docs/markup.md). Everything not refused below is allowed, so adding one of those
 * needs no change here.
 */
const coreBoundary = {
  patterns: [
    {
      regex: '^(koa|koa-.+|@koa/.+|got|kysely|kysely/.+|better-sqlite3|pg|pino|pino-.+|tsyringe|reflect-metadata|undici|@modelcontextprotocol/.+)$',
      message: 'src/domain and src/application stay framework-free: depend on a port and implement it in src/adapters.',
    },
    {
      regex: '(^|/)(adapters|composition)(/|$)|(^|/)main\\.js$',
      message: 'The core must not import adapters or the composition root; invert the dependency with a port.',
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
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
  {
    files: ['src/domain/**/*.ts', 'src/application/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', coreBoundary],
    },
  },
  {
    // tsyringe belongs to the composition root alone.
    files: ['src/**/*.ts'],
    ignores: ['src/composition/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ regex: '^(tsyringe|reflect-metadata)$', message: 'Only src/composition knows the DI container.' }],
        },
      ],
    },
  },
  {
    // The package's core entry point re-exports the core and nothing else.
    files: ['src/domain/**/*.ts', 'src/application/**/*.ts', 'src/entry/core.ts'],
    rules: { 'no-restricted-imports': ['error', coreBoundary] },
  },
);
