import { MAX_PATTERN_LENGTH, MAX_PATTERN_WILDCARDS, type PatternProblem } from './glob.js';

/**
 * Why a key or environment pattern was refused, as a plain-text predicate for the startup and reload
 * problems an admin reads in the log (a policy file's `keys:`, `FLOW_WATCH_KEYS`): "must …" or "cannot …".
 * It never repeats the pattern itself (a mistyped setting may hold a secret); Slack's wording for the same
 * problems is in the blocks.
 */
export function patternProblemText(problem: PatternProblem): string {
  switch (problem.code) {
    case 'empty':
      return 'must not be empty';
    case 'too_long':
      return `must be at most ${MAX_PATTERN_LENGTH} characters (this one has ${problem.length})`;
    case 'too_many_wildcards':
      return `must have at most ${MAX_PATTERN_WILDCARDS} wildcards (* and ? together)`;
    case 'control_characters':
      return 'must not contain spaces or control characters: it contains a control character';
    case 'spaces':
      return 'must not contain spaces or control characters: it contains a space';
    case 'dot_segment':
      return 'cannot be . or .. (no key is named so)';
    case 'broken_unicode':
      return 'must be valid text (broken Unicode)';
  }
}
