import { MAX_KEY_LENGTH } from './keys.js';

/**
 * Why a key pattern can never match a key Flowbot accepts (see checkKey), or undefined when it can:
 * - `empty`: matches only the empty string;
 * - `control_characters`, `whitespace`, `broken_unicode`: its literal part has characters no key may have;
 * - `too_long`: even its shortest match is longer than a key may be (MAX_KEY_LENGTH UTF-16 units);
 * - `dot_segment`: it is exactly `.` or `..`, which no key may be.
 */
export type KeyPatternProblem =
  | 'empty'
  | 'control_characters'
  | 'whitespace'
  | 'broken_unicode'
  | 'too_long'
  | 'dot_segment';

// The same characters checkKey refuses: C0 and C1 controls, and the Unicode line and paragraph separators.
const CONTROL_CHARACTERS = /[\p{Cc}\u2028\u2029]/u;

/**
 * Whether a pattern (`*` any run of characters, `?` one character, the rest literal; see glob.ts) can ever
 * match an acceptable key. Pure; used to warn about policy and watcher patterns that would silently do nothing.
 */
export function keyPatternProblem(pattern: string): KeyPatternProblem | undefined {
  if (pattern === '') return 'empty';
  const literal = pattern.replace(/[*?]/g, '');
  if (CONTROL_CHARACTERS.test(literal)) return 'control_characters';
  if (/\s/u.test(literal)) return 'whitespace';
  // A lone surrogate stays lone whatever the wildcards around it match (they match whole characters).
  const pieces = pattern.split(/[*?]/);
  if (pieces.some((piece) => /\p{Cs}/u.test(piece.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''))))
    return 'broken_unicode';
  // Each `?` takes at least one UTF-16 unit, each literal character its own length; `*` may take none.
  const shortest = literal.length + (pattern.length - pattern.replace(/\?/g, '').length);
  if (shortest > MAX_KEY_LENGTH) return 'too_long';
  if (pattern === '.' || pattern === '..') return 'dot_segment';
  return undefined;
}
