import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/browser/**', 'test/postgres/**', 'node_modules/**'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Builds dist/ (tsc and the esbuild bundle) once, before every test file.
    globalSetup: ['test/support/build-once.ts'],
    // Every response from a service under test is checked against its own /openapi.json.
    setupFiles: ['test/support/contract-setup.ts'],
  },
});
