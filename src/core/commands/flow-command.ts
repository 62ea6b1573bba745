import { FLOW_ACTIONS, type FlowAction, isFlowAction } from '../access/types.js';
import { formatDuration, parseDurationSeconds, unitSeconds } from '../durations.js';
import { checkKey, type KeyRef, parseKeyRef } from '../keys.js';
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
  | { readonly kind: 'unpin'; readonly target: KeyRef; readonly settings: UnpinSettings };

export type FlowCommandParse =
  | { readonly ok: true; readonly command: FlowCommand }
  | { readonly ok: false; readonly problem: string; readonly topic: string | undefined };

export const SUBCOMMANDS = [
  'status',
  'list',
  'pause',
  'resume',
  'pin',
  'unpin',
  'reset-rate',
  'global',
  'ramp',
  'whoami',
  'can',
  'help',
] as const;

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

export function parseFlowCommand(text: string, environments: EnvironmentNames): FlowCommandParse {
  const words = text.trim().split(/\s+/u).filter(Boolean);
  const [first, ...rest] = words;
  const subcommand = first?.toLowerCase();
  const fail = (problem: string): FlowCommandParse => ({ ok: false, problem, topic: subcommand });
  const target = (): KeyRef | string => {
    const keyText = rest[0];
    if (keyText === undefined) return 'Which key? Give the flow-control key after the subcommand.';
    const parsed = parseKeyRef(keyText, environments.names, environments.defaultName);
    return parsed.ok ? parsed.ref : parsed.problem;
  };

  switch (subcommand) {
    case undefined:
    case 'help':
      return { ok: true, command: { kind: 'help', topic: rest[0]?.toLowerCase() } };
    case 'status':
    case 'resume':
    case 'reset-rate': {
      const ref = target();
      if (typeof ref === 'string') return fail(ref);
      if (rest.length > 1) return fail(`\`${subcommand}\` takes one key; keys cannot contain spaces.`);
      return { ok: true, command: { kind: subcommand, target: ref } };
    }
    case 'pause': {
      const ref = target();
      if (typeof ref === 'string') return fail(ref);
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
          return fail(
            `\`for ${clip(words[1] ?? '', 20)}\` is not a pause duration; use something like \`for 15m\` or \`for 2h\` (at most ${formatDuration(MAX_TIMED_PAUSE_SECONDS)}).`,
          );
        }
        words = words.slice(2);
      }
      const reason = words.join(' ').trim();
      if (reason.length > MAX_REASON_LENGTH)
        return fail(`The reason is too long (at most ${MAX_REASON_LENGTH} characters).`);
      if (/\p{Cc}/u.test(reason.replace(/[\t]/g, ' ')))
        return fail('The reason contains control characters.');
      return { ok: true, command: { kind: 'pause', target: ref, reason: reason || undefined, forSeconds } };
    }
    case 'pin': {
      const ref = target();
      if (typeof ref === 'string') return fail(ref);
      const settings = parsePinSettings(rest.slice(1));
      if (typeof settings === 'string') return fail(settings);
      return { ok: true, command: { kind: 'pin', target: ref, settings } };
    }
    case 'unpin': {
      const ref = target();
      if (typeof ref === 'string') return fail(ref);
      const which = rest[1]?.toLowerCase();
      if (rest.length > 2 || (which !== 'parallelism' && which !== 'rate' && which !== 'all')) {
        return fail('Say what to unpin: `parallelism`, `rate` or `all`.');
      }
      return {
        ok: true,
        command: {
          kind: 'unpin',
          target: ref,
          settings: { parallelism: which !== 'rate', rate: which !== 'parallelism' },
        },
      };
    }
    case 'list': {
      if (rest.length > 1) return fail('`list` takes at most one pattern, e.g. `orders-*`.');
      return parseListArgument(rest[0], environments);
    }
    case 'global': {
      const name = rest[0];
      if (rest.length > 1) return fail('`global` takes at most one environment name.');
      if (name !== undefined && !environments.names.includes(name)) {
        return fail(`\`${clip(name, 40)}\` is not a configured QStash environment.`);
      }
      return { ok: true, command: { kind: 'global', environment: name } };
    }
    case 'ramp': {
      const ref = target();
      if (typeof ref === 'string') return fail(ref);
      const options = parseRampOptions(rest.slice(1));
      if (typeof options === 'string') return fail(options);
      return { ok: true, command: { kind: 'ramp', target: ref, ...options } };
    }
    case 'whoami':
      if (rest.length > 0) return fail('`whoami` takes no arguments.');
      return { ok: true, command: { kind: 'whoami' } };
    case 'can': {
      const [actionText, keyText, ...extra] = rest;
      if (!actionText || !keyText || extra.length > 0)
        return fail('Usage: `/flow can <action> <key>`, e.g. `/flow can pause orders-eu`.');
      const action = actionText.toLowerCase();
      if (!isFlowAction(action)) {
        return fail(`\`${clip(actionText, 20)}\` is not an action; actions are ${FLOW_ACTIONS.join(', ')}.`);
      }
      const parsed = parseKeyRef(keyText, environments.names, environments.defaultName);
      if (!parsed.ok) return fail(parsed.problem);
      return { ok: true, command: { kind: 'can', action, target: parsed.ref } };
    }
    default:
      return { ok: false, problem: `\`${clip(first, 40)}\` is not a Flowbot command.`, topic: undefined };
  }
}

function parseListArgument(argument: string | undefined, environments: EnvironmentNames): FlowCommandParse {
  if (argument === undefined)
    return { ok: true, command: { kind: 'list', glob: undefined, environment: undefined } };
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
  const check = checkKey(glob);
  if (!check.ok) return { ok: false, problem: check.problem.replace('key', 'pattern'), topic: 'list' };
  return { ok: true, command: { kind: 'list', glob, environment } };
}

/** `[from rate=N | from parallelism=N] [over <duration>]`, in either order. */
export function parseRampOptions(
  words: readonly string[],
): { mode: RampMode | undefined; from: number | undefined; overSeconds: number | undefined } | string {
  let mode: RampMode | undefined;
  let from: number | undefined;
  let overSeconds: number | undefined;
  const usage = 'Usage: `/flow ramp <key> [from rate=N | from parallelism=N] [over 10m]`.';
  for (let i = 0; i < words.length; i += 2) {
    const word = words[i]?.toLowerCase();
    const value = words[i + 1];
    if (word === 'from' && from === undefined) {
      const match = /^(rate|parallelism)=(\d{1,7})$/i.exec(value ?? '');
      if (!match || Number(match[2]) < 1)
        return `\`from ${clip(value, 30)}\` is not a starting limit. ${usage}`;
      mode = match[1]?.toLowerCase() === 'rate' ? 'rate' : 'parallelism';
      from = Number(match[2]);
    } else if (word === 'over' && overSeconds === undefined) {
      overSeconds = parseDurationSeconds(value ?? '', { unitRequired: true });
      if (overSeconds === undefined || overSeconds < MIN_RAMP_SECONDS || overSeconds > MAX_RAMP_SECONDS) {
        return `\`over ${clip(value, 20)}\` is not a ramp duration: from 10s to 24h, e.g. \`over 10m\`. ${usage}`;
      }
    } else {
      return `\`${clip(words[i], 30)}\` is not a ramp option. ${usage}`;
    }
  }
  return { mode, from, overSeconds };
}

/** `parallelism=5 rate=50 period=1m` in any order, any subset; period only with rate. */
export function parsePinSettings(words: readonly string[]): PinSettings | string {
  if (words.length === 0) {
    return 'Say what to pin: `parallelism=N`, `rate=N` and/or `period=30s|5m|1h` (period goes with rate).';
  }
  const settings: { parallelism?: number; rate?: number; period?: number } = {};
  for (const word of words) {
    const match = /^([a-z]+)=(.*)$/i.exec(word);
    const name = match?.[1]?.toLowerCase();
    const value = match?.[2] ?? '';
    if (!match || (name !== 'parallelism' && name !== 'rate' && name !== 'period')) {
      return `\`${clip(word, 40)}\` is not a pin setting; use \`parallelism=N\`, \`rate=N\`, \`period=30s|5m|1h\`.`;
    }
    if (settings[name] !== undefined) return `\`${name}\` is given twice.`;
    if (name === 'period') {
      const seconds = parseDurationSeconds(value);
      if (seconds === undefined || seconds > MAX_PERIOD_SECONDS) {
        return `\`period=${clip(value, 20)}\` is not a period; use a duration such as \`30s\`, \`5m\` or \`1h\` (at most ${formatDuration(MAX_PERIOD_SECONDS)}).`;
      }
      settings.period = seconds;
      continue;
    }
    if (!/^\d{1,7}$/.test(value) || Number(value) < 1 || Number(value) > MAX_PIN_VALUE) {
      return `\`${name}=${clip(value, 20)}\` must be a whole number from 1 to ${MAX_PIN_VALUE.toLocaleString('en-US')}.`;
    }
    settings[name] = Number(value);
  }
  if (settings.period !== undefined && settings.rate === undefined) {
    return '`period` goes with `rate`: for example `rate=50 period=1m`.';
  }
  return settings;
}
