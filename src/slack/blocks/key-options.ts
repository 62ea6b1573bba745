import { createHash } from 'node:crypto';
import type { PlainTextOption } from '@slack/types';
import type { Suggestion } from '../../core/catalog/key-catalog.js';
import { formatKeyRef, type KeyProblem, type KeyRef, parseKeyRef } from '../../core/keys.js';
import type { FlowKeyState } from '../../core/qstash/types.js';
import { formatCount, truncate } from './mrkdwn.js';
import type { KeyNaming } from './outcome.js';

/** Slack's limits for an option: text and description 75 characters, value 150, at most 100 options. */
export const MAX_OPTIONS = 100;
const MAX_OPTION_TEXT = 75;
const MAX_OPTION_VALUE = 150;
/** Marks a value that stands for a key too long to fit in an option's value. */
const HANDLE_PREFIX = '#';

/**
 * The value a picked key carries: `<key>` or `<environment>:<key>` as people type it, or, when that is longer
 * than Slack allows in a value (keys may have 256 characters), `#` and a digest of it, which the app looks up
 * in its key list. A key can't start with `#` and be confused with a handle: handles are recognised only at
 * their exact length.
 */
export function keyOptionValue(target: KeyRef, naming: KeyNaming): string {
  const written = formatKeyRef(target, naming.environmentCount);
  return written.length <= MAX_OPTION_VALUE && !looksLikeHandle(written) ? written : keyHandle(written);
}

function looksLikeHandle(value: string): boolean {
  return value.startsWith(HANDLE_PREFIX) && value.length === HANDLE_LENGTH && /^#[A-Za-z0-9_-]+$/.test(value);
}

function keyHandle(written: string): string {
  return `${HANDLE_PREFIX}${createHash('sha256').update(written).digest('base64url')}`;
}

/** 1 + 43 characters: the exact length of a handle. */
const HANDLE_LENGTH = 44;

export type PickedKey =
  | { readonly kind: 'key'; readonly ref: KeyRef }
  | { readonly kind: 'handle'; readonly handle: string }
  | { readonly kind: 'invalid'; readonly problem: KeyProblem };

/** Reads a picked option's value back: a key reference, or a handle for the app to resolve. */
export function readKeyOptionValue(
  value: string,
  environments: { readonly names: readonly string[]; readonly defaultName: string },
): PickedKey {
  if (looksLikeHandle(value)) return { kind: 'handle', handle: value };
  const parsed = parseKeyRef(value, environments.names, environments.defaultName);
  return parsed.kind === 'ok'
    ? { kind: 'key', ref: parsed.ref }
    : { kind: 'invalid', problem: parsed.problem };
}

/** Finds the key a handle stands for among known keys. */
export function resolveKeyHandle(
  handle: string,
  known: readonly KeyRef[],
  naming: KeyNaming,
): KeyRef | undefined {
  return known.find((ref) => keyHandle(formatKeyRef(ref, naming.environmentCount)) === handle);
}

function describe(state: FlowKeyState | undefined): string {
  if (!state) return 'not in QStash’s list yet; as typed';
  return `${state.paused ? 'paused' : 'delivering'} · ${formatCount(state.waitlistSize)} waiting`;
}

/** One option of the key picker: the key as people write it, its state as the description. */
export function keyOption(
  target: KeyRef,
  state: FlowKeyState | undefined,
  naming: KeyNaming,
): PlainTextOption {
  return {
    // Plain text: nothing in a key can become markup here, and `:x:` must not turn into an emoji.
    text: {
      type: 'plain_text',
      text: truncate(formatKeyRef(target, naming.environmentCount), MAX_OPTION_TEXT),
      emoji: false,
    },
    value: keyOptionValue(target, naming),
    description: { type: 'plain_text', text: truncate(describe(state), MAX_OPTION_TEXT), emoji: false },
  };
}

/** The answer to a `block_suggestion` for the key picker: at most 100 options. */
export function keyOptions(
  suggestions: readonly Suggestion[],
  naming: KeyNaming,
): { options: PlainTextOption[] } {
  return {
    options: suggestions
      .slice(0, MAX_OPTIONS)
      .map((suggestion) => keyOption(suggestion.ref, suggestion.state, naming)),
  };
}
