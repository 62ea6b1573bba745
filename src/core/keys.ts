/**
 * Flow-control keys arrive from people and other systems: every one is checked here before it can reach
 * QStash. A key is data, never a path: the client encodes it as one URL segment, and the keys that no
 * encoding can keep in one segment (dot segments) are refused outright.
 */

export const MAX_KEY_LENGTH = 256;

export interface KeyRef {
  /** Name of a configured QStash environment. */
  readonly environment: string;
  readonly key: string;
}

/** Why a text is not a usable key; the adapter puts it in words. */
export type KeyProblem =
  | { readonly code: 'empty' }
  | { readonly code: 'too_long'; readonly length: number; readonly max: number }
  | { readonly code: 'control_characters' }
  | { readonly code: 'spaces' }
  /** `.` and `..`: no URL can address them as a segment. */
  | { readonly code: 'dot_segment'; readonly key: string }
  | { readonly code: 'broken_unicode' }
  /** `name` is what came before the colon, cut to 40 characters (whole code points). */
  | { readonly code: 'unknown_environment'; readonly name: string; readonly known: readonly string[] };

export type KeyCheck = { readonly kind: 'ok' } | { readonly kind: 'invalid'; readonly problem: KeyProblem };

// C0 and C1 control characters, plus the Unicode line and paragraph separators that render as line breaks.
const CONTROL_CHARACTERS = /[\p{Cc}\u2028\u2029]/u;

export function checkKey(key: string): KeyCheck {
  const invalid = (problem: KeyProblem): KeyCheck => ({ kind: 'invalid', problem });
  if (key.length === 0) return invalid({ code: 'empty' });
  if (key.length > MAX_KEY_LENGTH)
    return invalid({ code: 'too_long', length: key.length, max: MAX_KEY_LENGTH });
  if (CONTROL_CHARACTERS.test(key)) return invalid({ code: 'control_characters' });
  if (/\s/u.test(key)) return invalid({ code: 'spaces' });
  // URL parsers collapse "." and ".." (and their %2e forms, which encodeURIComponent leaves as dots) even
  // when percent-encoded, so such a key would address another endpoint.
  if (key === '.' || key === '..') return invalid({ code: 'dot_segment', key });
  if (!isWellFormedUnicode(key)) return invalid({ code: 'broken_unicode' });
  return { kind: 'ok' };
}

function isWellFormedUnicode(text: string): boolean {
  // Lone surrogates cannot be percent-encoded (encodeURIComponent throws on them).
  return !/\p{Cs}/u.test(text.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''));
}

export type KeyRefParse =
  | { readonly kind: 'ok'; readonly ref: KeyRef }
  | { readonly kind: 'invalid'; readonly problem: KeyProblem };

/**
 * Reads `<key>` or `<environment>:<key>`. With a single environment the whole text is the key (colons
 * included); with several, the part before the first colon must name one of them, and text without a colon
 * means the default environment. An unknown environment is refused, never guessed.
 */
export function parseKeyRef(
  text: string,
  environments: readonly string[],
  defaultEnvironment: string,
): KeyRefParse {
  const trimmed = text.trim();
  let environment = defaultEnvironment;
  let key = trimmed;
  if (environments.length > 1) {
    const colon = trimmed.indexOf(':');
    if (colon >= 0) {
      const named = trimmed.slice(0, colon);
      if (!environments.includes(named)) {
        return {
          kind: 'invalid',
          problem: {
            code: 'unknown_environment',
            name: Array.from(named).slice(0, 40).join(''),
            known: environments,
          },
        };
      }
      environment = named;
      key = trimmed.slice(colon + 1);
    }
  }
  const check = checkKey(key);
  if (check.kind === 'invalid') return check;
  return { kind: 'ok', ref: { environment, key } };
}

/** The form a person would type to address the same key again. */
export function formatKeyRef(ref: KeyRef, environmentCount: number): string {
  return environmentCount > 1 ? `${ref.environment}:${ref.key}` : ref.key;
}
