import { afterAll } from 'vitest';
import { stopLeftChildren, testRun } from './children.js';
import { tmpDir } from './test-run.js';

// Temporary folders made by tests (and by the code they run) land in this run's folder, which the global
// teardown removes whatever the tests did or did not clean up.
process.env.TMPDIR = tmpDir(testRun());

// Registered before the file's own hooks, so it runs after them (after-hooks run in reverse): whatever the
// file's cleanup stopped is gone by then, and whatever it missed is a leak, killed here and reported.
afterAll(async () => {
  const left = await stopLeftChildren();
  if (left.length > 0)
    throw new Error(
      `This test file left ${left.length === 1 ? 'a process' : `${left.length} processes`} running (killed now): ${left.join(', ')}`,
    );
});
