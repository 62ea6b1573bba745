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

export type KeyCheck = { ok: true } | { ok: false; problem: string };

// C0 and C1 control characters, plus the Unicode line and paragraph separators that render as line breaks.
const CONTROL_CHARACTERS = /[\p{Cc}\u2028\u2029]/u;

export function checkKey(key: string): KeyCheck {
  if (key.length === 0) return { ok: false, problem: 'The key is empty.' };
  if (key.length > MAX_KEY_LENGTH) {
    return {
      ok: false,
      problem: `That key is ${key.length.toLocaleString('en-US')} characters long; flow-control keys are at most ${MAX_KEY_LENGTH}.`,
    };
  }
  if (CONTROL_CHARACTERS.test(key)) return { ok: false, problem: 'The key contains control characters.' };
  if (/\s/u.test(key)) return { ok: false, problem: 'The key contains spaces; give one key at a time.' };
  // URL parsers collapse "." and ".." (and their %2e forms, which encodeURIComponent leaves as dots) even
  // when percent-encoded, so such a key would address another endpoint.
  if (key === '.' || key === '..') return { ok: false, problem: `\`${key}\` cannot be a flow-control key.` };
  if (!isWellFormedUnicode(key)) return { ok: false, problem: 'The key is not valid text (broken Unicode).' };
  return { ok: true };
}

function isWellFormedUnicode(text: string): boolean {
  // Lone surrogates cannot be percent-encoded (encodeURIComponent throws on them).
  return !/\p{Cs}/u.test(text.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''));
}

export type KeyRefParse = { ok: true; ref: KeyRef } | { ok: false; problem: string };

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
          ok: false,
          problem: `\`${Array.from(named).slice(0, 40).join('')}\` is not a configured QStash environment. Known environments: ${environments.map((e) => `\`${e}\``).join(', ')}.`,
        };
      }
      environment = named;
      key = trimmed.slice(colon + 1);
    }
  }
  const check = checkKey(key);
  if (!check.ok) return check;
  return { ok: true, ref: { environment, key } };
}

/** The form a person would type to address the same key again. */
export function formatKeyRef(ref: KeyRef, environmentCount: number): string {
  return environmentCount > 1 ? `${ref.environment}:${ref.key}` : ref.key;
}
