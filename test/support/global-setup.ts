import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import {
  childrenDir,
  commandLine,
  ownerFile,
  pidAlive,
  processesOfRun,
  RUN_DIR_PREFIX,
  readChildRecords,
  type TestRun,
  tmpDir,
} from './test-run.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
/** Processes on their way out (a browser's helpers once it closed) get this long before they count as left. */
const EXIT_GRACE_MS = 5_000;

/**
 * Once per `vitest run`: brings dist/ up to date (tests start Flowbot from the built JavaScript, as `npm start`
 * does), cleans up after earlier runs that were killed before their teardown, and sets up this run's record
 * of child processes and its temporary folder. The teardown kills every process the tests started that is
 * still running and fails the run if there was one; it removes the temporary folder with everything in it.
 */
export default function setup(project: TestProject): () => Promise<void> {
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--if-stale'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  // A failed build fails only the tests that start Flowbot as a process (they say why); the others still run.
  project.provide('flowbotBuilt', build.status === 0);

  sweepAbandonedRuns();
  const dir = mkdtempSync(join(tmpdir(), RUN_DIR_PREFIX));
  const run: TestRun = { id: `${process.pid}-${basename(dir).slice(RUN_DIR_PREFIX.length)}`, dir };
  writeFileSync(ownerFile(dir), JSON.stringify({ pid: process.pid, id: run.id }));
  mkdirSync(childrenDir(run));
  mkdirSync(tmpDir(run));
  project.provide('flowbotTestRun', run);
  return () => teardown(run);
}

async function teardown(run: TestRun): Promise<void> {
  const records = readChildRecords(run);
  const recorded = records.map((record) => record.pid);
  let left = processesOfRun(run.id, recorded);
  const deadline = Date.now() + EXIT_GRACE_MS;
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = processesOfRun(run.id, recorded);
  }
  const report = left.map((pid) => {
    const record = records.find((candidate) => candidate.pid === pid);
    return record
      ? `  PID ${pid}: ${record.label} (started by ${record.file || 'a test'}: ${record.command})`
      : `  PID ${pid}: ${commandLine(pid) || 'gone'} (started by a process a test started)`;
  });
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  rmSync(run.dir, { recursive: true, force: true });
  if (left.length > 0) {
    process.exitCode = 1;
    throw new Error(
      `${left.length} process${left.length === 1 ? '' : 'es'} started by the tests outlived them (killed now):\n${report.join('\n')}`,
    );
  }
}

/**
 * A run that was killed (Ctrl-C twice, a CI timeout) never reached its teardown: its processes are ended and
 * its folder removed here, once its vitest process is gone.
 */
function sweepAbandonedRuns(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(RUN_DIR_PREFIX)) continue;
    const dir = join(tmpdir(), name);
    let owner: { pid: number; id: string } | undefined;
    try {
      owner = JSON.parse(readFileSync(ownerFile(dir), 'utf8'));
    } catch {
      // Being created right now, or left half made long ago.
      if (!existsSync(dir) || Date.now() - statSync(dir).mtimeMs < 3_600_000) continue;
    }
    if (owner && pidAlive(owner.pid)) continue;
    if (owner && existsSync('/proc/self/environ')) {
      // Only where a process's environment shows it is ours: a recorded PID alone may have been reused.
      const recorded = readChildRecords({ id: owner.id, dir }).map((record) => record.pid);
      for (const pid of processesOfRun(owner.id, recorded)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
