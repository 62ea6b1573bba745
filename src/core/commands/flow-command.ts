import { FLOW_ACTIONS, type FlowAction, isFlowAction } from '../access/types.js';
import { isKeyPattern, type KeyPattern, parseKeyPattern } from '../bulk/key-pattern.js';
import { parseDurationSeconds, unitSeconds } from '../durations.js';
import { checkPattern, type PatternProblem } from '../glob.js';
import { type KeyProblem, type KeyRef, parseKeyRef } from '../keys.js';
import type { Change } from '../operations/change.js';
import type { PinSettings, UnpinSettings } from '../qstash/types.js';
import { MAX_RAMP_SECONDS, MIN_RAMP_SECONDS, type RampMode } from '../ramp/ramp-plan.js';

/** What `/flow …` asks for, once the text is understood. */
export type FlowCommand =
  | { readonly kind: 'help'; readonly topic: string | undefined }
  | { readonly kind: 'status'; readonly target: KeyRef }
  | { readonly kind: 'list'; readonly glob: string | undefined; readonly environment: string | undefined }
  | { readonly kind: 'global'; readonly environment: string | undefined }
  | {
      readonly kind: 'pause';
      readonly target: KeyRef;
      readonly reason: string | undefined;
      /** `pause <key> for 15m`: resume automatically after this long. */
      readonly forSeconds: number | undefined;
    }
  | {
      readonly kind: 'ramp';
      readonly target: KeyRef;
      readonly mode: RampMode | undefined;
      readonly from: number | undefined;
      readonly overSeconds: number | undefined;
    }
  | { readonly kind: 'whoami' }
  | { readonly kind: 'can'; readonly action: FlowAction; readonly target: KeyRef }
  | { readonly kind: 'resume'; readonly target: KeyRef }
  | { readonly kind: 'reset-rate'; readonly target: KeyRef }
  | { readonly kind: 'pin'; readonly target: KeyRef; readonly settings: PinSettings }
  | { readonly kind: 'unpin'; readonly target: KeyRef; readonly settings: UnpinSettings }
  /** A change subcommand given a pattern: every matching key, after a preview. */
  | { readonly kind: 'bulk'; readonly pattern: KeyPattern; readonly change: Change };

/** The words `/flow` understands first (a pattern makes a change subcommand a bulk request). */
export type Subcommand = Exclude<FlowCommand['kind'], 'bulk'>;

/** The subcommands that take a pattern instead of a key. */
export const BULK_SUBCOMMANDS = ['pause', 'resume', 'ramp', 'pin', 'unpin', 'reset-rate'] as const;
export type BulkSubcommand = (typeof BULK_SUBCOMMANDS)[number];

function isBulkSubcommand(subcommand: Subcommand): subcommand is BulkSubcommand {
  return (BULK_SUBCOMMANDS as readonly string[]).includes(subcommand);
}

/** The change a change subcommand asks for (its key aside). */
export function changeOfCommand(command: Extract<FlowCommand, { kind: BulkSubcommand }>): Change {
  switch (command.kind) {
    case 'pause':
      return {
        action: 'pause',
        ...(command.reason ? { reason: command.reason } : {}),
        ...(command.forSeconds ? { forMs: command.forSeconds * 1000 } : {}),
      };
    case 'resume':
      return { action: 'resume' };
    case 'reset-rate':
      return { action: 'reset-rate' };
    case 'pin':
      return { action: 'pin', settings: command.settings };
    case 'unpin':
      return { action: 'unpin', settings: command.settings };
    case 'ramp':
      return {
        action: 'ramp',
        request: {
          ...(command.mode ? { mode: command.mode } : {}),
          ...(command.from ? { from: command.from } : {}),
          ...(command.overSeconds ? { overSeconds: command.overSeconds } : {}),
        },
      };
  }
}

/** Why `pin`'s settings can't be used; echoed input is cut to a few dozen characters (whole code points). */
export type PinProblem =
  | { readonly code: 'nothing_to_pin' }
  | { readonly code: 'not_a_setting'; readonly word: string }
  | { readonly code: 'given_twice'; readonly name: 'parallelism' | 'rate' | 'period' }
  | { readonly code: 'bad_period'; readonly text: string; readonly maxSeconds: number }
  | {
      readonly code: 'bad_number';
      readonly name: 'parallelism' | 'rate';
      readonly text: string;
      readonly max: number;
    }
  | { readonly code: 'period_without_rate' };

export type RampOptionProblem =
  | { readonly code: 'bad_start'; readonly text: string }
  | { readonly code: 'bad_duration'; readonly text: string }
  | { readonly code: 'not_an_option'; readonly word: string };

/** Why a `/flow` text can't be acted on; the adapter puts it in words (and knows the usage of each subcommand). */
export type CommandProblem =
  | { readonly code: 'missing_key' }
  | { readonly code: 'key'; readonly problem: KeyProblem }
  | { readonly code: 'one_key_only'; readonly subcommand: Subcommand }
  | { readonly code: 'bad_pause_duration'; readonly text: string; readonly maxSeconds: number }
  | { readonly code: 'reason_too_long'; readonly max: number }
  | { readonly code: 'reason_control_characters' }
  | { readonly code: 'pin'; readonly problem: PinProblem }
  | { readonly code: 'bad_unpin' }
  | { readonly code: 'list_arguments' }
  | { readonly code: 'pattern'; readonly problem: PatternProblem }
  | { readonly code: 'global_arguments' }
  | { readonly code: 'unknown_environment'; readonly name: string }
  | { readonly code: 'ramp'; readonly problem: RampOptionProblem }
  | { readonly code: 'no_arguments'; readonly subcommand: Subcommand }
  | { readonly code: 'can_usage' }
  | { readonly code: 'not_an_action'; readonly text: string; readonly actions: readonly FlowAction[] }
  | { readonly code: 'unknown_subcommand'; readonly text: string };

/** A problem's code for the audit trail, with the code of the key (or setting) problem inside it. */
export function problemCode(problem: CommandProblem): string {
  return 'problem' in problem ? `${problem.code}:${problem.problem.code}` : problem.code;
}

export type FlowCommandParse =
  | { readonly kind: 'ok'; readonly command: FlowCommand }
  | { readonly kind: 'invalid'; readonly problem: CommandProblem; readonly topic: string | undefined };

export interface EnvironmentNames {
  readonly names: readonly string[];
  readonly defaultName: string;
}

/** A timed pause lasts at least this long and at most a week. */
export const MIN_TIMED_PAUSE_SECONDS = 1;
export const MAX_TIMED_PAUSE_SECONDS = 7 * 86_400;

/** Pins above this are typing mistakes, not limits anyone means. */
export const MAX_PIN_VALUE = 1_000_000;
export const MAX_PERIOD_SECONDS = 7 * 86_400;
const MAX_REASON_LENGTH = 500;

/** Echoed input, cut without splitting an emoji in half. */
function clip(text: string | undefined, max: number): string {
  return Array.from(text ?? '')
    .slice(0, max)
    .join('');
}

type Parse = FlowCommand | CommandProblem;
type SubcommandParser = (rest: readonly string[], environments: EnvironmentNames) => Parse;

function isProblem(value: Parse): value is CommandProblem {
  return 'code' in value;
}

/** The key right after the subcommand. */
function target(rest: readonly string[], environments: EnvironmentNames): KeyRef | CommandProblem {
  const keyText = rest[0];
  if (keyText === undefined) return { code: 'missing_key' };
  const parsed = parseKeyRef(keyText, environments.names, environments.defaultName);
  return parsed.kind === 'ok' ? parsed.ref : { code: 'key', problem: parsed.problem };
}

const oneKey =
  (kind: 'status' | 'resume' | 'reset-rate'): SubcommandParser =>
  (rest, environments) => {
    const ref = target(rest, environments);
    if ('code' in ref) return ref;
    if (rest.length > 1) return { code: 'one_key_only', subcommand: kind };
    return { kind, target: ref };
  };

const noArguments =
  (kind: 'whoami'): SubcommandParser =>
  (rest) =>
    rest.length > 0 ? { code: 'no_arguments', subcommand: kind } : { kind };

function parsePause(rest: readonly string[], environments: EnvironmentNames): Parse {
  const ref = target(rest, environments);
  if ('code' in ref) return ref;
  let words = rest.slice(1);
  let forSeconds: number | undefined;
  if (words[0]?.toLowerCase() === 'for') {
    // "for 15 minutes" as well as "for 15m".
    if (/^\d+$/.test(words[1] ?? '') && words[2] !== undefined && unitSeconds(words[2]) !== undefined) {
      words = [words[0] ?? 'for', `${words[1]}${words[2]}`, ...words.slice(3)];
    }
    forSeconds = parseDurationSeconds(words[1] ?? '', { unitRequired: true });
    if (
      forSeconds === undefined ||
      forSeconds < MIN_TIMED_PAUSE_SECONDS ||
      forSeconds > MAX_TIMED_PAUSE_SECONDS
    ) {
      return { code: 'bad_pause_duration', text: clip(words[1], 20), maxSeconds: MAX_TIMED_PAUSE_SECONDS };
    }
    words = words.slice(2);
  }
  const reason = words.join(' ').trim();
  if (reason.length > MAX_REASON_LENGTH) return { code: 'reason_too_long', max: MAX_REASON_LENGTH };
  if (/\p{Cc}/u.test(reason.replace(/[\t]/g, ' '))) return { code: 'reason_control_characters' };
  return { kind: 'pause', target: ref, reason: reason || undefined, forSeconds };
}

function parsePin(rest: readonly string[], environments: EnvironmentNames): Parse {
  const ref = target(rest, environments);
  if ('code' in ref) return ref;
  const settings = parsePinSettings(rest.slice(1));
  if ('code' in settings) return { code: 'pin', problem: settings };
  return { kind: 'pin', target: ref, settings };
}

function parseUnpin(rest: readonly string[], environments: EnvironmentNames): Parse {
  const ref = target(rest, environments);
  if ('code' in ref) return ref;
  const which = rest[1]?.toLowerCase();
  if (rest.length > 2 || (which !== 'parallelism' && which !== 'rate' && which !== 'all')) {
    return { code: 'bad_unpin' };
  }
  return {
    kind: 'unpin',
    target: ref,
    settings: { parallelism: which !== 'rate', rate: which !== 'parallelism' },
  };
}

function parseList(rest: readonly string[], environments: EnvironmentNames): Parse {
  if (rest.length > 1) return { code: 'list_arguments' };
  const argument = rest[0];
  if (argument === undefined) return { kind: 'list', glob: undefined, environment: undefined };
  let environment: string | undefined;
  let glob = argument;
  if (environments.names.length > 1) {
    const colon = argument.indexOf(':');
    const named = colon >= 0 ? argument.slice(0, colon) : undefined;
    if (named !== undefined && environments.names.includes(named)) {
      environment = named;
      glob = argument.slice(colon + 1) || '*';
    } else if (environments.names.includes(argument)) {
      environment = argument;
      glob = '*';
    }
  }
  const check = checkPattern(glob);
  if (check.kind === 'invalid') return { code: 'pattern', problem: check.problem };
  return { kind: 'list', glob, environment };
}

function parseGlobal(rest: readonly string[], environments: EnvironmentNames): Parse {
  const name = rest[0];
  if (rest.length > 1) return { code: 'global_arguments' };
  if (name !== undefined && !environments.names.includes(name)) {
    return { code: 'unknown_environment', name: clip(name, 40) };
  }
  return { kind: 'global', environment: name };
}

function parseRamp(rest: readonly string[], environments: EnvironmentNames): Parse {
  const ref = target(rest, environments);
  if ('code' in ref) return ref;
  const options = parseRampOptions(rest.slice(1));
  if ('code' in options) return { code: 'ramp', problem: options };
  return { kind: 'ramp', target: ref, ...options };
}

function parseCan(rest: readonly string[], environments: EnvironmentNames): Parse {
  const [actionText, keyText, ...extra] = rest;
  if (!actionText || !keyText || extra.length > 0) return { code: 'can_usage' };
  const action = actionText.toLowerCase();
  if (!isFlowAction(action))
    return { code: 'not_an_action', text: clip(actionText, 20), actions: FLOW_ACTIONS };
  const parsed = parseKeyRef(keyText, environments.names, environments.defaultName);
  if (parsed.kind === 'invalid') return { code: 'key', problem: parsed.problem };
  return { kind: 'can', action, target: parsed.ref };
}

/**
 * Every subcommand and its parser: the one list of what `/flow` understands. The adapter's command table
 * pairs each with its acknowledgement and its listener.
 */
export const SUBCOMMAND_PARSERS: { readonly [S in Subcommand]: SubcommandParser } = {
  status: oneKey('status'),
  list: parseList,
  pause: parsePause,
  resume: oneKey('resume'),
  pin: parsePin,
  unpin: parseUnpin,
  'reset-rate': oneKey('reset-rate'),
  global: parseGlobal,
  ramp: parseRamp,
  whoami: noArguments('whoami'),
  can: parseCan,
  help: (rest) => ({ kind: 'help', topic: rest[0]?.toLowerCase() }),
};

export const SUBCOMMANDS = Object.keys(SUBCOMMAND_PARSERS) as Subcommand[];

function isSubcommand(word: string): word is Subcommand {
  return Object.hasOwn(SUBCOMMAND_PARSERS, word);
}

export function parseFlowCommand(text: string, environments: EnvironmentNames): FlowCommandParse {
  const [first, ...rest] = text.trim().split(/\s+/u).filter(Boolean);
  const subcommand = first?.toLowerCase();
  if (subcommand === undefined) return { kind: 'ok', command: { kind: 'help', topic: undefined } };
  if (!isSubcommand(subcommand)) {
    return {
      kind: 'invalid',
      problem: { code: 'unknown_subcommand', text: clip(first, 40) },
      topic: undefined,
    };
  }
  if (isBulkSubcommand(subcommand) && rest[0] !== undefined && isKeyPattern(rest[0]))
    return parseBulk(subcommand, rest, environments);
  const parsed = SUBCOMMAND_PARSERS[subcommand](rest, environments);
  return isProblem(parsed)
    ? { kind: 'invalid', problem: parsed, topic: subcommand }
    : { kind: 'ok', command: parsed };
}

/**
 * A change subcommand with a pattern where the key goes: the pattern is read as patterns are, the rest of
 * the words exactly as for one key.
 */
function parseBulk(
  subcommand: BulkSubcommand,
  rest: readonly string[],
  environments: EnvironmentNames,
): FlowCommandParse {
  const invalid = (problem: CommandProblem): FlowCommandParse => ({
    kind: 'invalid',
    problem,
    topic: subcommand,
  });
  const pattern = parseKeyPattern(rest[0] ?? '', environments.names, environments.defaultName);
  if (pattern.kind === 'invalid')
    return invalid(
      pattern.problem.code === 'unknown_environment'
        ? { code: 'key', problem: pattern.problem }
        : { code: 'pattern', problem: pattern.problem },
    );
  // The options are read against a stand-in key: the pattern itself was checked above.
  const single = SUBCOMMAND_PARSERS[subcommand](['k', ...rest.slice(1)], {
    names: [environments.defaultName],
    defaultName: environments.defaultName,
  });
  if (isProblem(single)) return invalid(single);
  if (single.kind !== subcommand) return invalid({ code: 'unknown_subcommand', text: subcommand });
  return {
    kind: 'ok',
    command: {
      kind: 'bulk',
      pattern: pattern.pattern,
      change: changeOfCommand(single as Extract<FlowCommand, { kind: BulkSubcommand }>),
    },
  };
}

/** `[from rate=N | from parallelism=N] [over <duration>]`, in either order. */
export function parseRampOptions(
  words: readonly string[],
):
  | { mode: RampMode | undefined; from: number | undefined; overSeconds: number | undefined }
  | RampOptionProblem {
  let mode: RampMode | undefined;
  let from: number | undefined;
  let overSeconds: number | undefined;
  for (let i = 0; i < words.length; i += 2) {
    const word = words[i]?.toLowerCase();
    const value = words[i + 1];
    if (word === 'from' && from === undefined) {
      const match = /^(rate|parallelism)=(\d{1,7})$/i.exec(value ?? '');
      if (!match || Number(match[2]) < 1) return { code: 'bad_start', text: clip(value, 30) };
      mode = match[1]?.toLowerCase() === 'rate' ? 'rate' : 'parallelism';
      from = Number(match[2]);
    } else if (word === 'over' && overSeconds === undefined) {
      overSeconds = parseDurationSeconds(value ?? '', { unitRequired: true });
      if (overSeconds === undefined || overSeconds < MIN_RAMP_SECONDS || overSeconds > MAX_RAMP_SECONDS) {
        return { code: 'bad_duration', text: clip(value, 20) };
      }
    } else {
      return { code: 'not_an_option', word: clip(words[i], 30) };
    }
  }
  return { mode, from, overSeconds };
}

/** `parallelism=5 rate=50 period=1m` in any order, any subset; period only with rate. */
export function parsePinSettings(words: readonly string[]): PinSettings | PinProblem {
  if (words.length === 0) return { code: 'nothing_to_pin' };
  const settings: { parallelism?: number; rate?: number; period?: number } = {};
  for (const word of words) {
    const match = /^([a-z]+)=(.*)$/i.exec(word);
    const name = match?.[1]?.toLowerCase();
    const value = match?.[2] ?? '';
    if (!match || (name !== 'parallelism' && name !== 'rate' && name !== 'period')) {
      return { code: 'not_a_setting', word: clip(word, 40) };
    }
    if (settings[name] !== undefined) return { code: 'given_twice', name };
    if (name === 'period') {
      const seconds = parseDurationSeconds(value);
      if (seconds === undefined || seconds > MAX_PERIOD_SECONDS) {
        return { code: 'bad_period', text: clip(value, 20), maxSeconds: MAX_PERIOD_SECONDS };
      }
      settings.period = seconds;
      continue;
    }
    if (!/^\d{1,7}$/.test(value) || Number(value) < 1 || Number(value) > MAX_PIN_VALUE) {
      return { code: 'bad_number', name, text: clip(value, 20), max: MAX_PIN_VALUE };
    }
    settings[name] = Number(value);
  }
  if (settings.period !== undefined && settings.rate === undefined) return { code: 'period_without_rate' };
  return settings;
}
