import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDurationSeconds } from '../../src/core/durations.js';

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
/** The files the checks below read: every test file but this one, whose own examples would be offenders. */
const checked = tests.filter(({ path }) => path !== 'test/unit/test-hygiene.test.ts');

/** The 1-based line of `index` in `text`. */
function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/** A fixed sleep: `await new Promise((resolve) => setTimeout(resolve, ms));` or `await sleep(ms);`. */
const FIXED_SLEEP =
  /await\s+(?:new Promise\(\s*\(?\s*(\w+)\s*\)?\s*=>\s*setTimeout\(\s*\1\s*,[^;]*\)\s*\)|sleep\([^)]*\));/g;

/**
 * Sleeps followed by an expectation, but for those the comment right above says what real time they wait out
 * (a TTL, a due time): such a sleep is a lower bound, which a slow machine only makes longer.
 */
function sleepsBeforeExpectations(text: string): number[] {
  const lines: number[] = [];
  for (const match of text.matchAll(FIXED_SLEEP)) {
    const after = text.slice(match.index + match[0].length).replace(/^(\s*\/\/[^\n]*\n)*\s*/, '');
    if (!after.startsWith('expect(')) continue;
    const above = text.slice(0, match.index).split('\n').slice(0, -1);
    const comment: string[] = [];
    for (let i = above.length - 1; i >= 0 && /^\s*\/\//.test(above[i] ?? ''); i--)
      comment.unshift(above[i] ?? '');
    if (/\bwaits? (out|past)\b/i.test(comment.join(' '))) continue;
    lines.push(lineOf(text, match.index));
  }
  return lines;
}

/** Rate limits a test sets (`FLOW_RATE_LIMIT: '2/1h'`), with the window in seconds (undefined: unreadable). */
function rateLimitWindows(text: string): { line: number; setting: string; seconds: number | undefined }[] {
  return [...text.matchAll(/FLOW_RATE_LIMIT['"]?\s*[:=]\s*['"`](\d+)\s*\/\s*([^'"`]*)['"`]/g)].map(
    (match) => ({
      line: lineOf(text, match.index),
      setting: match[0],
      seconds: parseDurationSeconds(match[2] ?? '', { unitRequired: true }),
    }),
  );
}

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
      ({ path, text }) =>
        (path.endsWith('.test.ts') || path === 'test/support/keep-alive.ts') &&
        (/=\s*Date\.now\(\)\s*\+/.test(text) || /while\s*\([^)]*Date\.now\(\)\s*-/.test(text)),
    );
    expect(offenders.map((file) => file.path)).toEqual([]);
  });

  it('expects nothing right after a fixed sleep, unless the sleep waits out real time the test needs', () => {
    // A sleep then an expectation assumes the work is done within the span: true on a fast machine only.
    // Wait for a signal instead (a request, a message, an audit event, expect.poll with a generous bound).
    const offenders = checked.flatMap(({ path, text }) =>
      sleepsBeforeExpectations(text).map((line) => `${path}:${line}`),
    );
    expect(offenders).toEqual([]);
  });

  it('counts rate limits over windows far longer than a test runs (at least an hour)', () => {
    // A window of a minute counted on the wall clock may end between two steps of a test, and hand out a
    // second allowance (that is how the first one was found).
    const offenders = checked.flatMap(({ path, text }) =>
      rateLimitWindows(text)
        .filter(({ seconds }) => seconds === undefined || seconds < 3_600)
        .map(({ line, setting }) => `${path}:${line} ${setting}`),
    );
    expect(offenders).toEqual([]);
  });

  it('finds the flaky patterns it looks for', () => {
    const sleepThenExpect = [
      'await new Promise((resolve) => setTimeout(resolve, 200));',
      'expect(mutations).toBe(1);',
    ].join('\n');
    expect(sleepsBeforeExpectations(sleepThenExpect)).toEqual([1]);
    expect(sleepsBeforeExpectations(`await sleep(50);\n// the answer\nexpect(x).toBe(1);`)).toEqual([1]);
    expect(sleepsBeforeExpectations(`// Waits out the 100 ms TTL.\n${sleepThenExpect}`)).toEqual([]);
    expect(sleepsBeforeExpectations(`${sleepThenExpect.split('\n')[0]}\nawait signal();`)).toEqual([]);
    expect(rateLimitWindows(`env: { FLOW_RATE_LIMIT: '2/1m' }`)).toEqual([
      { line: 1, setting: "FLOW_RATE_LIMIT: '2/1m'", seconds: 60 },
    ]);
    expect(rateLimitWindows(`FLOW_RATE_LIMIT: '3/24h',`)[0]?.seconds).toBe(86_400);
  });
});
