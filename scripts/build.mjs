// Builds dist/ from the TypeScript sources, or (with --if-stale) only when dist/ is missing or older than them.
//
//   node scripts/build.mjs             build now (`npm run build`)
//   node scripts/build.mjs --if-stale  build only if a source changed since the last build (`npm install`,
//                                      `npm start`, `npm run alert` and the tests run this; when nothing
//                                      changed it reads file dates and exits within milliseconds)
//
// A build is two steps: TypeScript's compiler writes dist/src and dist/scripts (type-checked, one file per
// source), then esbuild bundles Flowbot's entry points from that output into dist/bundle, which is what
// `npm start` runs. Why a bundle: Node reads, resolves and compiles every file of every dependency one by
// one at startup (Bolt alone is hundreds), which is most of Flowbot's startup time; one file per thread
// starts about twice as fast, and on a busy machine that is the difference between ready in 2 s and in 3.
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
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SELF = fileURLToPath(import.meta.url);
const DIST = join(ROOT, 'dist');
/** What tsconfig.build.json compiles, and the settings that shape its output. */
const INPUTS = ['src', 'scripts', 'tsconfig.json', 'tsconfig.build.json'];
/** Written after each successful build; its date is when that build started. */
const STAMP = join(DIST, '.build-stamp');
const LOCK = join(DIST, '.build-lock');
/** What `npm start` runs: a build without it is no build. */
export const ENTRY = join(DIST, 'bundle', 'index.js');
/** Where the bundles are written; esbuild's metafile beside them says what each contains. */
const BUNDLE = join(DIST, 'bundle');
/**
 * The bundles, by name, from the compiler's output: the app, and the front door thread, which the app starts
 * from the file beside its own (`new URL('./front-door-thread.js', import.meta.url)`).
 */
const BUNDLE_ENTRIES = {
  index: join(DIST, 'src', 'index.js'),
  'front-door-thread': join(DIST, 'src', 'slack', 'front-door', 'front-door-thread.js'),
};
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
    return await work();
  } finally {
    rmSync(LOCK, { force: true });
  }
}

/** Runs tsc; returns its exit status. */
function typescript() {
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
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (result.error) {
    process.stderr.write(`Could not run the TypeScript compiler: ${result.error.message}\n`);
    return 1;
  }
  return result.status ?? 1;
}

/**
 * Bundles the compiler's output with esbuild (ES modules, Node 20, one file per entry plus chunks for what is
 * imported on demand); returns an exit status. `better-sqlite3` stays outside: it loads a native addon from
 * its own folder. The banner gives the CommonJS dependencies that esbuild wraps what they expect from Node
 * (`require` of Node's own modules, `__filename`, `__dirname`), which an ES module does not have.
 * Source: esbuild's documentation, "Bundling for node" and "format: esm".
 */
async function bundle() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    process.stderr.write('Flowbot needs building, but esbuild is not installed here. Run `npm install`.\n');
    return 1;
  }
  rmSync(BUNDLE, { recursive: true, force: true });
  try {
    const result = await esbuild.build({
      entryPoints: BUNDLE_ENTRIES,
      outdir: BUNDLE,
      bundle: true,
      splitting: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: ['better-sqlite3'],
      // Comments and indentation are a third of the size, which Node would read and parse at every start.
      minifyWhitespace: true,
      sourcemap: 'linked',
      metafile: true,
      logLevel: 'warning',
      banner: {
        js: [
          "import { createRequire as __flowbotRequire } from 'node:module';",
          "import { fileURLToPath as __flowbotPath } from 'node:url';",
          'const require = __flowbotRequire(import.meta.url);',
          'const __filename = __flowbotPath(import.meta.url);',
          "const __dirname = __flowbotPath(new URL('.', import.meta.url));",
        ].join(' '),
      },
    });
    writeFileSync(join(BUNDLE, 'meta.json'), JSON.stringify(result.metafile));
    return 0;
  } catch (error) {
    process.stderr.write(`Could not bundle Flowbot: ${error instanceof Error ? error.message : error}\n`);
    return 1;
  }
}

/** Compiles, then bundles; the stamp is written only when both succeed. Returns an exit status. */
async function compile() {
  const started = Date.now();
  const compiled = typescript();
  if (compiled !== 0) return compiled;
  const bundled = await bundle();
  if (bundled !== 0) return bundled;
  // Dated to when the compiler started, so a file saved during the build makes the next check build again.
  writeFileSync(STAMP, `built from the sources as they were at ${new Date(started).toISOString()}\n`);
  utimesSync(STAMP, new Date(started), new Date(started));
  return 0;
}

/**
 * Builds, or with `ifStale` only when the build is missing or older than the sources; returns an exit status
 * (0: dist/ is up to date). Messages go to stderr. Used by `npm start` (scripts/start.mjs) in its own process.
 */
export async function build({ ifStale }) {
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
    // Compiling and bundling take a few seconds on an idle machine and half a minute on a busy one: say so, or
    // the one line looks like a hang.
    if (ifStale) process.stderr.write(`Building Flowbot: ${reason} (about 10–30 s)…\n`);
    return compile();
  });
}

if (process.argv[1] && resolve(process.argv[1]) === SELF)
  process.exitCode = await build({ ifStale: process.argv.includes('--if-stale') });
