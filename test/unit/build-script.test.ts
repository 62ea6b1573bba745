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

/** A stand-in for TypeScript's compiler: writes the entry point and notes that it ran. */
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
}

/** Sets a file's (or folder's) dates `secondsAgo` in the past. */
function age(path: string, secondsAgo: number): void {
  const when = new Date(Date.now() - secondsAgo * 1000);
  utimesSync(path, when, when);
}

beforeEach(() => {
  tree = mkdtempSync(join(tmpdir(), 'flowbot-build-'));
  mkdirSync(join(tree, 'scripts'));
  copyFileSync(join(ROOT, 'scripts', 'build.mjs'), join(tree, 'scripts', 'build.mjs'));
  writeFileSync(join(tree, 'package.json'), JSON.stringify({ type: 'module' }));
  mkdirSync(join(tree, 'src'));
  writeFileSync(join(tree, 'src', 'index.ts'), 'export {};\n');
  writeFileSync(join(tree, 'tsconfig.json'), '{}');
  writeFileSync(join(tree, 'tsconfig.build.json'), '{}');
  for (const path of [
    'src/index.ts',
    'src',
    'scripts/build.mjs',
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
    rmSync(join(tree, 'dist', 'src', 'index.js'));
    build('--if-stale');
    expect(compilerRuns()).toBe(2);
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

describe('npm scripts', () => {
  const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts as Record<
    string,
    string
  >;

  it('npm install builds; npm start and npm run alert only check the build, then run node on dist/', () => {
    expect(scripts.prepare).toBe('node scripts/build.mjs --if-stale');
    expect(scripts.prestart).toBe('node scripts/build.mjs --if-stale');
    expect(scripts.prealert).toBe('node scripts/build.mjs --if-stale');
    expect(scripts.start).toMatch(/^node .*dist\/src\/index\.js$/);
    expect(scripts.alert).toMatch(/^node dist\/scripts\/post-alert\.js$/);
    expect(`${scripts.start} ${scripts.alert}`).not.toMatch(/tsx|tsc/);
  });
});
