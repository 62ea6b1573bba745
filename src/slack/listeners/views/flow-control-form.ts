import {
  type EnvironmentNames,
  type FlowCommand,
  MAX_TIMED_PAUSE_SECONDS,
  MIN_TIMED_PAUSE_SECONDS,
  parsePinSettings,
  parseRampOptions,
} from '../../../core/commands/flow-command.js';
import { formatDuration, parseDurationSeconds } from '../../../core/durations.js';
import type { KeyRef } from '../../../core/keys.js';
import { type PickedKey, readKeyOptionValue } from '../../blocks/key-options.js';
import { isModalAction, MODAL_BLOCKS, type ModalAction } from '../../blocks/modal.js';

/** A submitted Flow control modal, understood: the key (or a handle for a long one), where, and what. */
export interface FlowControlForm {
  readonly key: Exclude<PickedKey, { kind: 'invalid' }>;
  readonly channelId: string;
  readonly action: ModalAction;
  /** The `/flow` request the form stands for, once the key is known. */
  command(target: KeyRef): Exclude<FlowCommand, { kind: 'help' }>;
}

export type FormParse =
  | { readonly ok: true; readonly form: FlowControlForm }
  | { readonly ok: false; readonly errors: Readonly<Record<string, string>> };

const MAX_REASON_LENGTH = 500;

type StateValues = Record<string, Record<string, Record<string, unknown>>>;

function valuesOf(view: unknown): StateValues {
  const state = (view as { state?: { values?: unknown } } | undefined)?.state?.values;
  return state && typeof state === 'object' ? (state as StateValues) : {};
}

/** One input's value: its text, its chosen option's value or its chosen conversation; empty is undefined. */
function field(values: StateValues, blockId: string): string | undefined {
  const input = values[blockId]?.[blockId];
  if (!input || typeof input !== 'object') return undefined;
  const raw =
    typeof input.value === 'string'
      ? input.value
      : typeof (input.selected_option as { value?: unknown } | null | undefined)?.value === 'string'
        ? (input.selected_option as { value: string }).value
        : typeof input.selected_conversation === 'string'
          ? input.selected_conversation
          : undefined;
  const trimmed = raw?.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * Reads the modal's inputs the way `/flow` reads its words, with the same limits and the same parsers, so
 * both refuse the same things; each problem is attached to the input it is about (shown inline by Slack).
 * Depends on the submission alone, so the front door can answer with the errors before the app sees it.
 */
export function parseFlowControlForm(view: unknown, environments: EnvironmentNames): FormParse {
  const values = valuesOf(view);
  const errors: Record<string, string> = {};

  const keyValue = field(values, MODAL_BLOCKS.key);
  let key: FlowControlForm['key'] | undefined;
  if (keyValue === undefined) errors[MODAL_BLOCKS.key] = 'Pick a flow-control key.';
  else {
    const picked = readKeyOptionValue(keyValue, environments);
    if (picked.kind === 'invalid') errors[MODAL_BLOCKS.key] = picked.problem;
    else key = picked;
  }

  const actionValue = field(values, MODAL_BLOCKS.action);
  const action = isModalAction(actionValue) ? actionValue : undefined;
  if (!action) errors[MODAL_BLOCKS.action] = 'Choose what to do.';

  const channelId = field(values, MODAL_BLOCKS.channel);
  if (channelId === undefined || !/^[CGD][A-Z0-9]{2,40}$/.test(channelId))
    errors[MODAL_BLOCKS.channel] = 'Pick the channel to answer in.';

  let build: ((target: KeyRef) => Exclude<FlowCommand, { kind: 'help' }>) | undefined;
  switch (action) {
    case 'status':
    case 'resume':
    case 'reset-rate':
      build = (target) => ({ kind: action, target });
      break;
    case 'pause': {
      const reason = field(values, MODAL_BLOCKS.reason);
      if (reason !== undefined && reason.length > MAX_REASON_LENGTH)
        errors[MODAL_BLOCKS.reason] = `At most ${MAX_REASON_LENGTH} characters.`;
      else if (reason !== undefined && /\p{Cc}/u.test(reason.replace(/\t/g, ' ')))
        errors[MODAL_BLOCKS.reason] = 'The reason contains control characters.';
      const duration = field(values, MODAL_BLOCKS.duration);
      let forSeconds: number | undefined;
      if (duration !== undefined) {
        forSeconds = parseDurationSeconds(duration.replace(/\s+/g, ''), { unitRequired: true });
        if (
          forSeconds === undefined ||
          forSeconds < MIN_TIMED_PAUSE_SECONDS ||
          forSeconds > MAX_TIMED_PAUSE_SECONDS
        ) {
          errors[MODAL_BLOCKS.duration] =
            `Not a duration: write it like 15m or 2h (at most ${formatDuration(MAX_TIMED_PAUSE_SECONDS)}).`;
          forSeconds = undefined;
        }
      }
      build = (target) => ({ kind: 'pause', target, reason, forSeconds });
      break;
    }
    case 'pin': {
      const words = (['parallelism', 'rate', 'period'] as const).flatMap((name) => {
        const value = field(values, MODAL_BLOCKS[name]);
        return value === undefined ? [] : [`${name}=${value}`];
      });
      const settings = parsePinSettings(words);
      if (typeof settings === 'string') {
        const about = /period/.test(settings)
          ? MODAL_BLOCKS.period
          : /rate/.test(settings) && !/parallelism=/.test(settings)
            ? MODAL_BLOCKS.rate
            : MODAL_BLOCKS.parallelism;
        errors[words.length === 0 ? MODAL_BLOCKS.parallelism : about] =
          words.length === 0 ? 'Give a parallelism, a rate, or both.' : plain(settings);
      } else build = (target) => ({ kind: 'pin', target, settings });
      break;
    }
    case 'unpin': {
      const which = field(values, MODAL_BLOCKS.unpin) ?? 'all';
      if (which !== 'all' && which !== 'parallelism' && which !== 'rate')
        errors[MODAL_BLOCKS.unpin] = 'Choose what to unpin.';
      else
        build = (target) => ({
          kind: 'unpin',
          target,
          settings: { parallelism: which !== 'rate', rate: which !== 'parallelism' },
        });
      break;
    }
    case 'ramp': {
      const mode = field(values, MODAL_BLOCKS.rampMode);
      const from = field(values, MODAL_BLOCKS.rampFrom);
      const over = field(values, MODAL_BLOCKS.rampOver);
      if (mode !== undefined && mode !== 'rate' && mode !== 'parallelism')
        errors[MODAL_BLOCKS.rampMode] = 'Choose rate or parallelism.';
      if (from !== undefined && mode === undefined)
        errors[MODAL_BLOCKS.rampMode] = 'Say whether the starting limit is a rate or a parallelism.';
      const words = [
        ...(from !== undefined && mode !== undefined ? ['from', `${mode}=${from}`] : []),
        ...(over !== undefined ? ['over', over.replace(/\s+/g, '')] : []),
      ];
      const options = parseRampOptions(words);
      if (typeof options === 'string') {
        errors[/over/.test(options.split('.')[0] ?? '') ? MODAL_BLOCKS.rampOver : MODAL_BLOCKS.rampFrom] =
          plain(options.split('. Usage')[0] ?? options);
      } else build = (target) => ({ kind: 'ramp', target, ...options });
      break;
    }
    default:
      break;
  }

  if (Object.keys(errors).length > 0 || !key || !action || !build || channelId === undefined)
    return { ok: false, errors };
  const command = build;
  return { ok: true, form: { key, channelId, action, command } };
}

/** Inline errors are plain text: the command parser's backticks would show as-is. */
function plain(problem: string): string {
  return problem.replace(/`/g, '');
}
