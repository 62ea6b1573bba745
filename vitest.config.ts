import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 15_000,
    hookTimeout: 15_000,
    // The end-to-end suites start real servers; two cores run two files at a time comfortably.
    maxWorkers: 2,
  },
});
