// Builds dist/ from the TypeScript sources, or (with --if-stale) only when dist/ is missing or older than them.
//
//   node scripts/build.mjs             build now (`npm run build`)
//   node scripts/build.mjs --if-stale  build only if a source changed since the last build (`npm install`,
//                                      `npm start`, `npm run alert` and the tests run this; when nothing
//                                      changed it reads file dates and exits within milliseconds)
//
// Plain JavaScript on purpose: it must run before anything is compiled, and where only production
// dependencies are installed (the Docker image), where it finds no sources and has nothing to do.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
/** What tsconfig.build.json compiles, and the settings that shape its output. */
const INPUTS = ['src', 'scripts', 'tsconfig.json', 'tsconfig.build.json'];
/** Written after each successful build; its date is when that build started. */
const STAMP = join(DIST, '.build-stamp');
const LOCK = join(DIST, '.build-lock');
/** What `npm start` runs: a build without it is no build. */
const ENTRY = join(DIST, 'src', 'index.js');
/** tsc's record of what it compiled (tsconfig.build.json), which lets a rebuild redo only what changed. */
const BUILD_INFO = join(DIST, '.tsbuildinfo');
const LOCK_WAIT_MS = 10 * 60_000;

/**
 * The newest modification date (ms) among the inputs, folders included: a deleted or renamed source changes
 * its folder's date even though no remaining file is newer.
 */
function newestInput() {
  let newest = 0;
  const visit = (path) => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return;
    }
    newest = Math.max(newest, stat.mtimeMs);
    if (!stat.isDirectory()) return;
    for (const entry of readdirSync(path)) visit(join(path, entry));
  };
  for (const input of INPUTS) visit(join(ROOT, input));
  return newest;
}

/** Why a build is needed, or undefined when dist/ is up to date. */
function staleness() {
  if (!existsSync(ENTRY) || !existsSync(STAMP)) return 'there is no build yet';
  // Equal dates count as stale: a file saved in the same millisecond the last build started may be missed.
  if (newestInput() >= statSync(STAMP).mtimeMs) return 'the sources changed since the last build';
  return undefined;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/**
 * One build at a time per checkout (a test run and `npm start` may both find dist/ stale): the lock file holds
 * the builder's PID, so a lock left by a build that was killed is taken over.
 */
async function withLock(work) {
  mkdirSync(DIST, { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(LOCK, 'utf8'));
      if (!Number.isInteger(holder) || holder <= 0 || !alive(holder)) {
        rmSync(LOCK, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another build (PID ${holder}) still holds ${LOCK}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return work();
  } finally {
    rmSync(LOCK, { force: true });
  }
}

/** Runs tsc; returns its exit status. */
function compile() {
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    process.stderr.write(
      'Flowbot needs building (dist/ is missing or older than src/), but TypeScript is not installed here: ' +
        'only production dependencies are. Run `npm install` (which installs the build tools and builds), ' +
        'or build elsewhere and copy dist/ along.\n',
    );
    return 1;
  }
  // tsc trusts its record that outputs exist; when the build is gone or unfinished, it starts from scratch.
  if (!existsSync(ENTRY) || !existsSync(STAMP)) rmSync(BUILD_INFO, { force: true });
  const started = Date.now();
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (result.error) {
    process.stderr.write(`Could not run the TypeScript compiler: ${result.error.message}\n`);
    return 1;
  }
  if (result.status !== 0) return result.status ?? 1;
  // Dated to when the compiler started, so a file saved during the build makes the next check build again.
  writeFileSync(STAMP, `built from the sources as they were at ${new Date(started).toISOString()}\n`);
  utimesSync(STAMP, new Date(started), new Date(started));
  return 0;
}

async function main() {
  const ifStale = process.argv.includes('--if-stale');
  if (!existsSync(join(ROOT, 'src'))) {
    // An install of dependencies only (a Docker stage, an image): there is nothing to build from.
    if (ifStale) return 0;
    process.stderr.write(`There are no sources to build in ${ROOT}.\n`);
    return 1;
  }
  if (ifStale && staleness() === undefined) return 0;
  return withLock(() => {
    // Someone else may have built while this one waited for the lock.
    const reason = staleness();
    if (ifStale && reason === undefined) return 0;
    if (ifStale) process.stderr.write(`Building Flowbot: ${reason}…\n`);
    return compile();
  });
}

process.exitCode = await main();
