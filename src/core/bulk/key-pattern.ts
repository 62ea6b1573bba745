import { checkPattern, type PatternProblem } from '../glob.js';
import type { KeyProblem } from '../keys.js';

/**
 * Many keys at once: a `*`/`?` pattern and the environments it looks in. `all` is set for a leading `*:`
 * (every configured environment).
 */
export interface KeyPattern {
  readonly environments: readonly string[];
  readonly pattern: string;
  readonly all: boolean;
}

export type KeyPatternParse =
  | { readonly kind: 'ok'; readonly pattern: KeyPattern }
  /** An unknown environment (a key's problem), or what makes the pattern unusable. */
  | {
      readonly kind: 'invalid';
      readonly problem: Extract<KeyProblem, { code: 'unknown_environment' }> | PatternProblem;
    };

/** A key argument with a wildcard is a pattern: it acts on every matching key, after a preview. */
export function isKeyPattern(text: string): boolean {
  return /[*?]/.test(text);
}

/**
 * Reads `<pattern>`, `<environment>:<pattern>` or `*:<pattern>` the way `parseKeyRef` reads keys: with one
 * environment the whole text is the pattern (colons included); with several, the part before the first colon
 * names an environment (`*` for every one), no colon means the default, and an unknown name is refused. The
 * pattern is held to `checkPattern`'s bounds.
 */
export function parseKeyPattern(
  text: string,
  environments: readonly string[],
  defaultEnvironment: string,
): KeyPatternParse {
  const trimmed = text.trim();
  let names: readonly string[] = [defaultEnvironment];
  let pattern = trimmed;
  let all = false;
  if (environments.length > 1) {
    const colon = trimmed.indexOf(':');
    if (colon >= 0) {
      const named = trimmed.slice(0, colon);
      if (named === '*') {
        names = environments;
        all = true;
      } else if (environments.includes(named)) {
        names = [named];
      } else {
        return {
          kind: 'invalid',
          problem: {
            code: 'unknown_environment',
            name: Array.from(named).slice(0, 40).join(''),
            known: environments,
          },
        };
      }
      pattern = trimmed.slice(colon + 1);
    }
  }
  // The bounds every pattern is held to (length, wildcards, a key's rules), so matching stays linear.
  const check = checkPattern(pattern);
  if (check.kind === 'invalid') return check;
  return { kind: 'ok', pattern: { environments: names, pattern, all } };
}

/** The form a person would type to ask for the same keys again. */
export function formatKeyPattern(pattern: KeyPattern, environmentCount: number): string {
  if (environmentCount <= 1) return pattern.pattern;
  if (pattern.all) return `*:${pattern.pattern}`;
  return `${pattern.environments[0] ?? ''}:${pattern.pattern}`;
}
