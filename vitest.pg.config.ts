import { defineConfig } from 'vitest/config';

// Tests that need a PostgreSQL server (`npm run test:pg`). Without TEST_DATABASE_URL the
// global setup starts a throwaway one from Debian's postgresql package; `.ci/run` installs it.
export default defineConfig({
  test: {
    include: ['test/postgres/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/support/postgres-server.ts'],
    setupFiles: ['test/support/contract-setup.ts'],
  },
});
