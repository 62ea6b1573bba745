/**
 * Key patterns: `*` matches any run of characters (slashes and colons included, since keys are opaque
 * strings), `?` exactly one character (a code point, so one emoji is one character); everything else is
 * literal. There are no braces, classes or escapes.
 *
 * Patterns come from people (`/flow list`, buttons), policy files and the environment, and are matched
 * against key names chosen by whoever publishes to QStash, on the thread that acknowledges Slack. So they
 * are never turned into backtracking regular expressions (where `*a*a*a*…b` against a long key takes
 * exponential time): the matcher below does at most (n + 2) · m character comparisons for a key of n
 * characters and a pattern of m, and patterns are bounded in length and wildcards wherever they enter.
 * (The glob libraries on npm compile to regular expressions, or add syntax Flowbot's patterns don't have.)
 */

import { checkKey, type KeyProblem, MAX_KEY_LENGTH } from './keys.js';

/** Longest pattern accepted anywhere (characters, like keys). */
export const MAX_PATTERN_LENGTH = MAX_KEY_LENGTH;
/** Most wildcards (`*` and `?` together) in one pattern. */
export const MAX_PATTERN_WILDCARDS = 16;

/**
 * Why a text is not a usable pattern; the adapter puts it in words. A pattern is held to the rules of a key
 * (a pattern no key could match is a mistake worth saying), so its problems are a key's, plus one of its own.
 */
export type PatternProblem =
  | Exclude<KeyProblem, { readonly code: 'unknown_environment' }>
  | { readonly code: 'too_many_wildcards'; readonly count: number; readonly max: number };

export type PatternCheck =
  | { readonly kind: 'ok' }
  | { readonly kind: 'invalid'; readonly problem: PatternProblem };

/**
 * Whether a pattern may be used: the checks every entry point applies (the `/flow list` argument, a list's
 * Refresh button, policy `keys:`/`environments:`, `FLOW_WATCH_KEYS`, and whatever takes patterns next).
 * At most MAX_PATTERN_LENGTH characters and MAX_PATTERN_WILDCARDS wildcards, and otherwise a key's rules.
 */
export function checkPattern(pattern: string): PatternCheck {
  const asKey = checkKey(pattern);
  if (asKey.kind === 'invalid' && asKey.problem.code !== 'unknown_environment')
    return { kind: 'invalid', problem: asKey.problem };
  const count = countWildcards(pattern);
  if (count > MAX_PATTERN_WILDCARDS)
    return { kind: 'invalid', problem: { code: 'too_many_wildcards', count, max: MAX_PATTERN_WILDCARDS } };
  return { kind: 'ok' };
}

function countWildcards(pattern: string): number {
  let count = 0;
  for (const char of pattern) if (char === '*' || char === '?') count += 1;
  return count;
}

/** `?` in a segment: any one code point. */
const ANY = Symbol('any');
type Token = string | typeof ANY;

/** A pattern split at its stars: the value must start with the first segment and end with the last. */
interface CompiledGlob {
  readonly segments: readonly (readonly Token[])[];
  readonly starred: boolean;
}

function compile(glob: string): CompiledGlob {
  const segments: Token[][] = [[]];
  for (const char of glob) {
    if (char === '*') segments.push([]);
    else segments.at(-1)?.push(char === '?' ? ANY : char);
  }
  return { segments, starred: segments.length > 1 };
}

/** Counts character comparisons, to show the work is bounded (see globMatchSteps). */
interface Meter {
  steps: number;
}

/** Whether `segment` matches `value` at `at` (which the caller keeps in range). */
function matchesAt(value: readonly string[], at: number, segment: readonly Token[], meter?: Meter): boolean {
  for (let i = 0; i < segment.length; i += 1) {
    if (meter) meter.steps += 1;
    const token = segment[i];
    if (token !== ANY && token !== value[at + i]) return false;
  }
  return true;
}

/**
 * The classic wildcard match without backtracking: the first segment is anchored at the start and the last
 * at the end; each segment in between is placed at its leftmost fit after the previous one, which leaves
 * the most room for the rest (any later fit would too, so leftmost never loses a match). Each start
 * position is tried by one segment at most, so comparisons stay under (n + 2) · m.
 */
function run(compiled: CompiledGlob, text: string, meter?: Meter): boolean {
  const value = Array.from(text);
  const { segments } = compiled;
  const first = segments[0] ?? [];
  if (!compiled.starred) return value.length === first.length && matchesAt(value, 0, first, meter);
  const last = segments.at(-1) ?? [];
  const end = value.length - last.length;
  if (end < first.length) return false;
  if (!matchesAt(value, 0, first, meter) || !matchesAt(value, end, last, meter)) return false;
  let position = first.length;
  for (let index = 1; index < segments.length - 1; index += 1) {
    const segment = segments[index] ?? [];
    if (segment.length === 0) continue;
    let found = -1;
    for (let start = position; start + segment.length <= end; start += 1) {
      if (matchesAt(value, start, segment, meter)) {
        found = start;
        break;
      }
    }
    if (found < 0) return false;
    position = found + segment.length;
  }
  return true;
}

/** A matcher for one pattern, to test many values against it (a list of keys). */
export function compileGlob(glob: string): (value: string) => boolean {
  const compiled = compile(glob);
  return (value) => run(compiled, value);
}

export function matchesGlob(value: string, glob: string): boolean {
  return run(compile(glob), value);
}

/** The match and the number of character comparisons it took (for tests that bound the work). */
export function globMatchSteps(value: string, glob: string): { matched: boolean; steps: number } {
  const meter: Meter = { steps: 0 };
  const matched = run(compile(glob), value, meter);
  return { matched, steps: meter.steps };
}
