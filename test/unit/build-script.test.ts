import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnChild } from '../support/children.js';

/**
 * scripts/build.mjs decides whether `npm install`, `npm start` and `npm run alert` compile: only when dist/ is
 * missing or older than the sources. Checked in a small tree of its own with a stand-in compiler that counts
 * its runs (work counted, not time), so no test compiles Flowbot here.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

let tree: string;

const compilerRuns = () =>
  existsSync(join(tree, 'compiled.log')) ? readFileSync(join(tree, 'compiled.log'), 'utf8').length : 0;

function build(...args: string[]) {
  const result = spawnSync(process.execPath, [join(tree, 'scripts', 'build.mjs'), ...args], {
    cwd: tree,
    encoding: 'utf8',
  });
  return { status: result.status, stderr: result.stderr };
}

/**
 * Stand-ins for TypeScript's compiler and for esbuild: the compiler notes that it ran; esbuild writes the
 * bundle's entry point (a module that says it started) and notes that it ran.
 */
function installCompiler(): void {
  const bin = join(tree, 'node_modules', 'typescript', 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(tree, 'node_modules', 'typescript', 'package.json'),
    JSON.stringify({ name: 'typescript', version: '0.0.0' }),
  );
  writeFileSync(
    join(bin, 'tsc'),
    [
      "const fs = require('node:fs');",
      "fs.mkdirSync('dist/src', { recursive: true });",
      "fs.writeFileSync('dist/src/index.js', '');",
      "fs.appendFileSync('compiled.log', 'x');",
    ].join('\n'),
  );
  const esbuild = join(tree, 'node_modules', 'esbuild');
  mkdirSync(esbuild, { recursive: true });
  writeFileSync(join(esbuild, 'package.json'), JSON.stringify({ name: 'esbuild', main: 'index.js' }));
  writeFileSync(
    join(esbuild, 'index.js'),
    [
      "const fs = require('node:fs');",
      'exports.build = async (options) => {',
      "  if (!fs.existsSync('dist/src/index.js')) throw new Error('nothing compiled to bundle');",
      '  fs.mkdirSync(options.outdir, { recursive: true });',
      "  fs.writeFileSync(options.outdir + '/index.js', \"process.stdout.write('started ' + process.argv.length);\\n\");",
      "  fs.appendFileSync('bundled.log', 'x');",
      '  return { metafile: { inputs: {}, outputs: {} } };',
      '};',
    ].join('\n'),
  );
}

const bundlerRuns = () =>
  existsSync(join(tree, 'bundled.log')) ? readFileSync(join(tree, 'bundled.log'), 'utf8').length : 0;

/** Sets a file's (or folder's) dates `secondsAgo` in the past. */
function age(path: string, secondsAgo: number): void {
  const when = new Date(Date.now() - secondsAgo * 1000);
  utimesSync(path, when, when);
}

beforeEach(() => {
  tree = mkdtempSync(join(tmpdir(), 'flowbot-build-'));
  mkdirSync(join(tree, 'scripts'));
  copyFileSync(join(ROOT, 'scripts', 'build.mjs'), join(tree, 'scripts', 'build.mjs'));
  copyFileSync(join(ROOT, 'scripts', 'start.mjs'), join(tree, 'scripts', 'start.mjs'));
  writeFileSync(join(tree, 'package.json'), JSON.stringify({ type: 'module' }));
  mkdirSync(join(tree, 'src'));
  writeFileSync(join(tree, 'src', 'index.ts'), 'export {};\n');
  writeFileSync(join(tree, 'tsconfig.json'), '{}');
  writeFileSync(join(tree, 'tsconfig.build.json'), '{}');
  for (const path of [
    'src/index.ts',
    'src',
    'scripts/build.mjs',
    'scripts/start.mjs',
    'scripts',
    'tsconfig.json',
    'tsconfig.build.json',
  ])
    age(join(tree, path), 60);
});

afterEach(() => {
  rmSync(tree, { recursive: true, force: true });
});

describe('scripts/build.mjs --if-stale', () => {
  it('builds a tree that has no build, then does nothing while the sources are unchanged', () => {
    installCompiler();
    expect(build('--if-stale')).toMatchObject({ status: 0 });
    expect(compilerRuns()).toBe(1);
    expect(bundlerRuns()).toBe(1);
    const stamp = statSync(join(tree, 'dist', '.build-stamp')).mtimeMs;
    for (let start = 0; start < 3; start++) {
      const again = build('--if-stale');
      expect(again).toEqual({ status: 0, stderr: '' });
    }
    expect(compilerRuns()).toBe(1);
    expect(statSync(join(tree, 'dist', '.build-stamp')).mtimeMs).toBe(stamp);
  });

  it('builds again, once, after a source changes (a git pull), or one is deleted', () => {
    installCompiler();
    build('--if-stale');
    age(join(tree, 'dist', '.build-stamp'), 30);
    writeFileSync(join(tree, 'src', 'index.ts'), 'export const changed = 1;\n');
    const rebuilt = build('--if-stale');
    expect(rebuilt.status).toBe(0);
    expect(rebuilt.stderr).toContain('the sources changed since the last build');
    // One line, then silence while it compiles: it says how long that takes, so it doesn't look like a hang.
    expect(rebuilt.stderr).toMatch(/the sources changed since the last build \(about \d+–\d+ s\)…/);
    expect(compilerRuns()).toBe(2);
    build('--if-stale');
    expect(compilerRuns()).toBe(2);

    age(join(tree, 'dist', '.build-stamp'), 30);
    age(join(tree, 'src', 'index.ts'), 60);
    age(join(tree, 'src'), 60);
    build('--if-stale');
    expect(compilerRuns()).toBe(2);
    writeFileSync(join(tree, 'src', 'other.ts'), 'export {};\n');
    rmSync(join(tree, 'src', 'other.ts'));
    build('--if-stale');
    expect(compilerRuns()).toBe(3);
  });

  it('builds when the entry point is gone, even with a recent stamp', () => {
    installCompiler();
    build('--if-stale');
    rmSync(join(tree, 'dist', 'bundle', 'index.js'));
    build('--if-stale');
    expect(compilerRuns()).toBe(2);
    expect(bundlerRuns()).toBe(2);
  });

  it('without esbuild: fails, saying what to do, and writes no stamp (the next check builds again)', () => {
    installCompiler();
    rmSync(join(tree, 'node_modules', 'esbuild'), { recursive: true });
    const result = build('--if-stale');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('esbuild is not installed here');
    expect(existsSync(join(tree, 'dist', '.build-stamp'))).toBe(false);
  });

  it('without TypeScript (production dependencies only): runs an up-to-date build, explains a stale one', () => {
    installCompiler();
    build('--if-stale');
    rmSync(join(tree, 'node_modules'), { recursive: true });
    expect(build('--if-stale')).toEqual({ status: 0, stderr: '' });
    age(join(tree, 'dist', '.build-stamp'), 30);
    writeFileSync(join(tree, 'src', 'index.ts'), 'export const changed = 1;\n');
    const stale = build('--if-stale');
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain('TypeScript is not installed here');
    expect(stale.stderr).toContain('npm install');
  });

  it('does nothing where there are no sources (the Docker image: dist/ and production dependencies)', () => {
    rmSync(join(tree, 'src'), { recursive: true });
    expect(build('--if-stale')).toEqual({ status: 0, stderr: '' });
    expect(existsSync(join(tree, 'dist'))).toBe(false);
    expect(build().status).toBe(1);
  });

  it('takes over the lock of a build that was killed', () => {
    installCompiler();
    mkdirSync(join(tree, 'dist'));
    // A PID no process has: the lock's holder is gone.
    writeFileSync(join(tree, 'dist', '.build-lock'), '2147483646');
    expect(build('--if-stale').status).toBe(0);
    expect(compilerRuns()).toBe(1);
    expect(existsSync(join(tree, 'dist', '.build-lock'))).toBe(false);
  });
});

describe('scripts/start.mjs (npm start)', () => {
  const start = () =>
    spawnSync(process.execPath, [join(tree, 'scripts', 'start.mjs')], { cwd: tree, encoding: 'utf8' });

  it('builds a stale tree first, then runs the bundle in its own process; an up-to-date one it only runs', () => {
    installCompiler();
    const first = start();
    expect(first.status).toBe(0);
    expect(first.stdout).toBe('started 2');
    expect(compilerRuns()).toBe(1);
    const again = start();
    expect(again).toMatchObject({ status: 0, stdout: 'started 2', stderr: '' });
    expect(compilerRuns()).toBe(1);
    expect(bundlerRuns()).toBe(1);
  });

  it('`npm start` stopped by its own PID (SIGTERM or SIGINT, as a process manager does) stops Flowbot too', async () => {
    installCompiler();
    start();
    // A bundle that runs until told to stop, and says which signal stopped it.
    writeFileSync(
      join(tree, 'dist', 'bundle', 'index.js'),
      [
        "import { writeFileSync } from 'node:fs';",
        "for (const signal of ['SIGTERM', 'SIGINT'])",
        "  process.on(signal, () => { writeFileSync('stopped-by', signal); process.exit(0); });",
        "writeFileSync('running', String(process.pid));",
        'setInterval(() => {}, 1000);',
      ].join('\n'),
    );
    const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    writeFileSync(
      join(tree, 'package.json'),
      JSON.stringify({ type: 'module', scripts: { start: scripts.start } }),
    );
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      rmSync(join(tree, 'running'), { force: true });
      rmSync(join(tree, 'stopped-by'), { force: true });
      const npm = spawnChild('npm start', 'npm', ['start', '--silent'], {
        cwd: tree,
        stdio: 'ignore',
        detached: true,
      });
      try {
        await expect.poll(() => existsSync(join(tree, 'running')), { timeout: 30_000 }).toBe(true);
        npm.kill(signal);
        await expect.poll(() => existsSync(join(tree, 'stopped-by')), { timeout: 30_000 }).toBe(true);
        expect(readFileSync(join(tree, 'stopped-by'), 'utf8')).toBe(signal);
      } finally {
        // Whatever happened, nothing this test started outlives it.
        try {
          process.kill(-(npm.pid ?? 0), 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
  }, 90_000);

  it('does not run a build that failed', () => {
    installCompiler();
    rmSync(join(tree, 'node_modules', 'esbuild'), { recursive: true });
    const result = start();
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
  });
});

describe('npm scripts', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    main: string;
    scripts: Record<string, string>;
  };
  const { scripts } = pkg;

  it('npm install builds; npm start and npm run alert only check the build, then run node on dist/', () => {
    expect(scripts.prepare).toBe('node scripts/build.mjs --if-stale');
    expect(scripts.prestart).toBeUndefined();
    expect(scripts.prealert).toBe('node scripts/build.mjs --if-stale');
    // `exec`: npm's shell is replaced by node, so a signal npm passes on (a process manager stopping npm's
    // PID) reaches Flowbot instead of a shell that dies and leaves node running.
    expect(scripts.start).toMatch(/^exec node .*scripts\/start\.mjs$/);
    expect(scripts.alert).toMatch(/^node dist\/scripts\/post-alert\.js$/);
    expect(`${scripts.start} ${scripts.alert}`).not.toMatch(/tsx|tsc/);
  });

  it('main is the bundle start.mjs runs', () => {
    const startScript = readFileSync(join(ROOT, 'scripts', 'build.mjs'), 'utf8');
    expect(pkg.main).toBe('dist/bundle/index.js');
    expect(startScript).toContain("export const ENTRY = join(DIST, 'bundle', 'index.js');");
  });
});
