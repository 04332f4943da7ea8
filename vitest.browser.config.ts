import { defineConfig } from 'vitest/config';

// Tests that need a system package (Debian's chromium). `.ci/run` installs it.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
