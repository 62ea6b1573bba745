import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/ if the sources changed (processes under test run the built JavaScript, as `npm start`
    // does), and kills and reports any process the tests started that is still running at the end.
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/per-file.ts'],
    // Upper bounds for something that went wrong, not expectations of speed: on a busy machine (two cores,
    // other work running) a healthy test may take several times as long as on an idle one, and each
    // end-to-end harness starts the front door thread (a second isolate loading Bolt).
    testTimeout: 300_000,
    hookTimeout: 300_000,
    teardownTimeout: 60_000,
    // The end-to-end suites start real servers; two cores run two files at a time comfortably.
    maxWorkers: 2,
  },
});
