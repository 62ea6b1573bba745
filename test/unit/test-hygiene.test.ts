import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The rules that keep the suite green on a busy machine and leave nothing behind, checked on every test file so
 * that the next test to start a process or wait for something follows them too.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const CHILDREN_HELPER = 'test/support/children.ts';

function sources(dir: string): { path: string; text: string }[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => {
      const full = join(entry.parentPath, entry.name);
      return { path: relative(ROOT, full), text: readFileSync(full, 'utf8') };
    });
}

const tests = sources('test');

describe('test hygiene', () => {
  it('starts processes only through spawnChild, which records and marks them', () => {
    const asynchronous = /\b(spawn|fork|exec|execFile)\b(?!Sync)/;
    const offenders = tests.filter(({ path, text }) => {
      if (path === CHILDREN_HELPER) return false;
      const imports = [...text.matchAll(/import\s*\{([^}]*)\}\s*from\s*['"](?:node:)?child_process['"]/g)];
      return imports.some((match) => asynchronous.test(match[1] ?? '')) || /\bchild_process['"]\)/.test(text);
    });
    expect(offenders.map((file) => file.path)).toEqual([]);
  });

  it('runs child processes from the built JavaScript, never through tsx', () => {
    const offenders = tests.filter(({ text }) => /tsx\/(dist|cjs|esm)|['"]tsx['"]/.test(text));
    expect(offenders.map((file) => file.path)).toEqual([]);
  });

  it('gives every browser the run’s marks, so its processes are found whatever happens', () => {
    const launches = tests.flatMap(({ path, text }) =>
      [...text.matchAll(/launchChromium\((.*)\);/g)].map((match) => ({ path, args: match[1] ?? '' })),
    );
    for (const launch of launches) expect(launch.args, launch.path).toContain('runMark()');
  });

  it('waits for signals rather than looping against a deadline of its own', () => {
    const offenders = tests.filter(
      ({ path, text }) => path.endsWith('.test.ts') && /=\s*Date\.now\(\)\s*\+/.test(text),
    );
    expect(offenders.map((file) => file.path)).toEqual([]);
  });
});
