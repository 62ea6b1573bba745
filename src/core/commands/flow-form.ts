import { isChannelId } from '../channel-id.js';
import { parseDurationSeconds } from '../durations.js';
import type { KeyRef } from '../keys.js';
import {
  type FlowCommand,
  MAX_TIMED_PAUSE_SECONDS,
  MIN_TIMED_PAUSE_SECONDS,
  type PinProblem,
  parsePinSettings,
  parseRampOptions,
  type RampOptionProblem,
} from './flow-command.js';

/** What the Flow control form can do: the subcommands of `/flow` that act on one key. */
export const FORM_ACTIONS = ['status', 'resume', 'pause', 'ramp', 'pin', 'unpin', 'reset-rate'] as const;
export type FormAction = (typeof FORM_ACTIONS)[number];

export function isFormAction(value: unknown): value is FormAction {
  return typeof value === 'string' && (FORM_ACTIONS as readonly string[]).includes(value);
}

/** The form's inputs (the key is read by the adapter: it is a key picker's option value). */
export type FormField =
  | 'key'
  | 'action'
  | 'channel'
  | 'reason'
  | 'duration'
  | 'parallelism'
  | 'rate'
  | 'period'
  | 'unpin'
  | 'rampMode'
  | 'rampFrom'
  | 'rampOver';

/** What was typed or chosen, trimmed; an empty input is absent. */
export type FormValues = { readonly [F in FormField]?: string };

/** Why an input can't be used; the adapter shows it beside that input, in words. */
export type FormProblem =
  | { readonly code: 'no_key' }
  | { readonly code: 'no_action' }
  | { readonly code: 'no_channel' }
  | { readonly code: 'reason_too_long'; readonly max: number }
  | { readonly code: 'reason_control_characters' }
  | { readonly code: 'bad_duration'; readonly maxSeconds: number }
  | { readonly code: 'nothing_to_pin' }
  | { readonly code: 'pin'; readonly problem: PinProblem }
  | { readonly code: 'bad_unpin' }
  | { readonly code: 'bad_ramp_mode' }
  | { readonly code: 'ramp_start_needs_mode' }
  | { readonly code: 'ramp'; readonly problem: RampOptionProblem };

export type FormProblems = { readonly [F in FormField]?: FormProblem };

export type FlowFormParse =
  | {
      readonly kind: 'ok';
      readonly action: FormAction;
      readonly channelId: string;
      /** The `/flow` request the form stands for, once the key is known. */
      readonly command: (target: KeyRef) => Exclude<FlowCommand, { kind: 'help' }>;
    }
  | { readonly kind: 'invalid'; readonly problems: FormProblems };

export const MAX_FORM_REASON_LENGTH = 500;

/**
 * Reads the Flow control form the way `/flow` reads its words, with the same limits and parsers, so both
 * refuse the same things; each problem belongs to the input it is about. Depends on the values alone, so the
 * front door can answer with the problems before the app sees the submission.
 */
export function parseFlowForm(values: FormValues): FlowFormParse {
  const problems: { [F in FormField]?: FormProblem } = {};
  if (values.key === undefined) problems.key = { code: 'no_key' };
  const action = isFormAction(values.action) ? values.action : undefined;
  if (!action) problems.action = { code: 'no_action' };
  const channelId = values.channel;
  if (channelId === undefined || !isChannelId(channelId)) problems.channel = { code: 'no_channel' };

  let build: ((target: KeyRef) => Exclude<FlowCommand, { kind: 'help' }>) | undefined;
  switch (action) {
    case 'status':
    case 'resume':
    case 'reset-rate':
      build = (target) => ({ kind: action, target });
      break;
    case 'pause':
      build = pauseOf(values, problems);
      break;
    case 'pin': {
      const words = (['parallelism', 'rate', 'period'] as const).flatMap((name) => {
        const value = values[name];
        return value === undefined ? [] : [`${name}=${value}`];
      });
      if (words.length === 0) {
        problems.parallelism = { code: 'nothing_to_pin' };
        break;
      }
      const settings = parsePinSettings(words);
      if ('code' in settings) problems[pinField(settings)] = { code: 'pin', problem: settings };
      else build = (target) => ({ kind: 'pin', target, settings });
      break;
    }
    case 'unpin': {
      const which = values.unpin ?? 'all';
      if (which !== 'all' && which !== 'parallelism' && which !== 'rate')
        problems.unpin = { code: 'bad_unpin' };
      else
        build = (target) => ({
          kind: 'unpin',
          target,
          settings: { parallelism: which !== 'rate', rate: which !== 'parallelism' },
        });
      break;
    }
    case 'ramp':
      build = rampOf(values, problems);
      break;
    default:
      break;
  }

  if (Object.keys(problems).length > 0 || !action || !build || channelId === undefined)
    return { kind: 'invalid', problems };
  return { kind: 'ok', action, channelId, command: build };
}

function pauseOf(
  values: FormValues,
  problems: { [F in FormField]?: FormProblem },
): ((target: KeyRef) => Exclude<FlowCommand, { kind: 'help' }>) | undefined {
  const reason = values.reason;
  if (reason !== undefined && reason.length > MAX_FORM_REASON_LENGTH)
    problems.reason = { code: 'reason_too_long', max: MAX_FORM_REASON_LENGTH };
  else if (reason !== undefined && /\p{Cc}/u.test(reason.replace(/\t/g, ' ')))
    problems.reason = { code: 'reason_control_characters' };
  let forSeconds: number | undefined;
  if (values.duration !== undefined) {
    forSeconds = parseDurationSeconds(values.duration.replace(/\s+/g, ''), { unitRequired: true });
    if (
      forSeconds === undefined ||
      forSeconds < MIN_TIMED_PAUSE_SECONDS ||
      forSeconds > MAX_TIMED_PAUSE_SECONDS
    ) {
      problems.duration = { code: 'bad_duration', maxSeconds: MAX_TIMED_PAUSE_SECONDS };
      return undefined;
    }
  }
  if (problems.reason) return undefined;
  return (target) => ({ kind: 'pause', target, reason, forSeconds });
}

function rampOf(
  values: FormValues,
  problems: { [F in FormField]?: FormProblem },
): ((target: KeyRef) => Exclude<FlowCommand, { kind: 'help' }>) | undefined {
  const { rampMode: mode, rampFrom: from, rampOver: over } = values;
  if (mode !== undefined && mode !== 'rate' && mode !== 'parallelism') {
    problems.rampMode = { code: 'bad_ramp_mode' };
    return undefined;
  }
  if (from !== undefined && mode === undefined) {
    problems.rampMode = { code: 'ramp_start_needs_mode' };
    return undefined;
  }
  const words = [
    ...(from !== undefined && mode !== undefined ? ['from', `${mode}=${from}`] : []),
    ...(over !== undefined ? ['over', over.replace(/\s+/g, '')] : []),
  ];
  const options = parseRampOptions(words);
  if ('code' in options) {
    problems[options.code === 'bad_duration' ? 'rampOver' : 'rampFrom'] = { code: 'ramp', problem: options };
    return undefined;
  }
  return (target) => ({ kind: 'ramp', target, ...options });
}

/** The input a pin problem is about. */
function pinField(problem: PinProblem): FormField {
  switch (problem.code) {
    case 'bad_period':
      return 'period';
    case 'period_without_rate':
      return 'rate';
    case 'bad_number':
    case 'given_twice':
      return problem.name === 'period' ? 'period' : problem.name;
    default:
      return 'parallelism';
  }
}

/** A problem's code for the audit trail. */
export function formProblemCode(problems: Readonly<Record<string, { readonly code: string }>>): string {
  return Object.entries(problems)
    .map(([field, problem]) => `${field}:${problem.code}`)
    .join(',');
}
