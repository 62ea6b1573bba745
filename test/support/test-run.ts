import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One `vitest run`: every process its tests start carries `FLOWBOT_TEST_RUN=<id>` in its environment (a
 * mark its own children inherit), its PID is recorded in `<dir>/children/` as it is spawned, and temporary
 * files go under `<dir>/tmp` (the workers' TMPDIR). The global teardown kills and reports whatever is left.
 */
export interface TestRun {
  readonly id: string;
  readonly dir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    flowbotTestRun: TestRun;
    /** Whether dist/ is up to date with the sources (the global setup built it if needed). */
    flowbotBuilt: boolean;
  }
}

export const RUN_MARK = 'FLOWBOT_TEST_RUN';
/** Which test file started a process: its own processes are checked at the end of each file. */
export const FILE_MARK = 'FLOWBOT_TEST_FILE';
export const RUN_DIR_PREFIX = 'flowbot-test-run-';

/** What is recorded for each spawned process, one JSON file per PID. */
export interface ChildRecord {
  readonly pid: number;
  readonly label: string;
  readonly file: string;
  readonly command: string;
}

export const childrenDir = (run: TestRun) => join(run.dir, 'children');
export const tmpDir = (run: TestRun) => join(run.dir, 'tmp');
export const ownerFile = (dir: string) => join(dir, 'owner.json');

/** Whether a process with this PID exists (a zombie still counts until its parent reaps it). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The live processes started for this run, found by the mark in their environment (`/proc/<pid>/environ`),
 * so that a PID reused by an unrelated process is never mistaken for one of ours. Without /proc (not Linux),
 * the recorded PIDs are taken at their word.
 */
export function processesOfRun(runId: string, recorded: readonly number[] = []): number[] {
  return processesMarked(`${RUN_MARK}=${runId}`, recorded);
}

/** Live processes whose environment holds `mark` (`NAME=value`); see processesOfRun. */
export function processesMarked(mark: string, recorded: readonly number[] = []): number[] {
  if (!existsSync('/proc/self/environ')) return recorded.filter(pidAlive);
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
    } catch {
      continue;
    }
    if (environ.split('\0').includes(mark)) found.push(Number(entry));
  }
  return found;
}

/** The command line of a process, for reports ("" when it is gone). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim().slice(0, 200);
  } catch {
    return '';
  }
}

export function readChildRecords(run: TestRun): ChildRecord[] {
  const dir = childrenDir(run);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    try {
      return [JSON.parse(readFileSync(join(dir, name), 'utf8')) as ChildRecord];
    } catch {
      return [];
    }
  });
}
