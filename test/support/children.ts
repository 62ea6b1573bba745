import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, inject } from 'vitest';
import {
  type ChildRecord,
  childrenDir,
  commandLine,
  FILE_MARK,
  processesMarked,
  RUN_MARK,
  type TestRun,
} from './test-run.js';

/** How long a process that was asked to stop may take to exit before it counts as left running. */
const EXIT_GRACE_MS = 20_000;

interface Tracked {
  readonly label: string;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

const tracked: Tracked[] = [];
/** This test file's mark (module state is per test file). */
const fileId = randomUUID();

export function testRun(): TestRun {
  const run = inject('flowbotTestRun');
  if (!run) throw new Error('No test run: start tests with vitest and vitest.config.ts (its globalSetup).');
  return run;
}

/**
 * The environment marks of this run and test file, for processes a library starts (a browser): pass them in
 * their `env`; the processes they start in turn inherit them.
 */
export function runMark(): Record<string, string> {
  return { [RUN_MARK]: testRun().id, [FILE_MARK]: fileId };
}

/**
 * The only way tests start a process: it carries this run's marks in its environment and is recorded (for the
 * global teardown) the moment it exists, whether or not it ever gets ready, so it can be found and killed
 * whatever happens to the test. `options.env` defaults to this process's environment.
 */
export function spawnChild(
  label: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): ChildProcess {
  const child = spawn(command, args, {
    ...options,
    env: { ...(options.env ?? process.env), ...runMark() },
  });
  const pid = child.pid;
  if (pid === undefined) return child; // It never started: spawn reports why through 'error'.
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  tracked.push({ label, child, exited });
  const record: ChildRecord = {
    pid,
    label,
    file: expect.getState().testPath ?? '',
    command: [command, ...args].join(' ').slice(0, 300),
  };
  writeFileSync(join(childrenDir(testRun()), String(pid)), JSON.stringify(record));
  return child;
}

const gone = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * Ends every process this test file started that is still running: those already asked to stop get a grace
 * period, the others are killed at once; then any other process carrying this file's mark (a browser's
 * helpers) gets a few seconds to go before it is killed. Returns what had been left running (empty when the
 * file cleaned up after itself).
 */
export async function stopLeftChildren(): Promise<string[]> {
  const left: string[] = [];
  for (const { label, child, exited } of tracked.splice(0)) {
    if (gone(child)) continue;
    if (child.killed) await Promise.race([exited, sleep(EXIT_GRACE_MS)]);
    if (gone(child)) continue;
    left.push(`${label} (PID ${child.pid})`);
    child.kill('SIGKILL');
    await Promise.race([exited, sleep(EXIT_GRACE_MS)]);
  }
  const mark = `${FILE_MARK}=${fileId}`;
  const deadline = Date.now() + 5_000;
  let others = processesMarked(mark);
  while (others.length > 0 && Date.now() < deadline) {
    await sleep(100);
    others = processesMarked(mark);
  }
  for (const pid of others) {
    left.push(`${commandLine(pid) || 'a process'} (PID ${pid})`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  return left;
}
