import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Generous upper bounds, not expectations: each end-to-end harness starts the front door thread (a second
    // isolate loading Bolt), which on a busy machine takes seconds.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The end-to-end suites start real servers; two cores run two files at a time comfortably.
    maxWorkers: 2,
  },
});
