import type { InputBlock, KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { isChannelId } from '../../core/channel-id.js';
import {
  FORM_ACTIONS,
  type FormAction,
  type FormField,
  type FormProblem,
  type FormProblems,
  isFormAction,
} from '../../core/commands/flow-form.js';
import { formatDuration } from '../../core/durations.js';
import type { KeyProblem, KeyRef } from '../../core/keys.js';
import type { FlowKeyState } from '../../core/qstash/types.js';
import { describeKeyProblemPlain, describePinProblem, describeRampOptionProblem } from './input-problems.js';
import { keyOption } from './key-options.js';
import { code, plural, truncate } from './mrkdwn.js';
import type { KeyNaming } from './outcome.js';
import { otherTeamWords, overloadedWords } from './refusal.js';
import { FLOW_CONTROL_VIEW, KEY_PICKER, VIEW_ACTION_IDS } from './surface-ids.js';

/** What the Flow control modal can do: the subcommands of `/flow` that act on one key (core's list). */
export const MODAL_ACTIONS = FORM_ACTIONS;
export type ModalAction = FormAction;
export const isModalAction = isFormAction;

/** The modal's inputs; each block's element has the same action_id (the key picker's is `flow_key`). */
export const MODAL_BLOCKS = {
  key: KEY_PICKER,
  action: VIEW_ACTION_IDS.modalAction,
  channel: 'flow_channel',
  reason: 'flow_reason',
  duration: 'flow_for',
  parallelism: 'flow_parallelism',
  rate: 'flow_rate',
  period: 'flow_period',
  unpin: 'flow_unpin',
  rampMode: 'flow_ramp_mode',
  rampFrom: 'flow_ramp_from',
  rampOver: 'flow_ramp_over',
} as const satisfies Record<FormField, string>;

const LABELS: Record<ModalAction, string> = {
  status: 'Show its status',
  resume: 'Resume',
  pause: 'Pause',
  ramp: 'Resume gradually (ramp)',
  pin: 'Pin limits',
  unpin: 'Unpin limits',
  'reset-rate': 'Reset the rate period',
};

const SUBMIT: Record<ModalAction, string> = {
  status: 'Show',
  resume: 'Resume',
  pause: 'Review pause',
  ramp: 'Review ramp',
  pin: 'Review pin',
  unpin: 'Review unpin',
  'reset-rate': 'Review reset',
};

/** Where the modal was opened from, kept in `private_metadata` (at most 3,000 characters, well under). */
export interface ModalMetadata {
  readonly origin: 'shortcut' | 'message' | 'command' | 'home';
  /** The conversation it was opened in, when Slack said. */
  readonly channelId?: string;
}

export interface ModalPrefill {
  readonly key?: { readonly ref: KeyRef; readonly state: FlowKeyState | undefined };
  readonly action?: ModalAction;
  /** Other keys found in the message the modal was opened on. */
  readonly alsoFound?: readonly string[];
  /** The message shortcut found no key: say so above the picker. */
  readonly nothingFound?: boolean;
}

function option(action: ModalAction): PlainTextOption {
  return { text: { type: 'plain_text', text: LABELS[action] }, value: action };
}

function textInput(
  blockId: string,
  label: string,
  options: { hint?: string; placeholder?: string; maxLength?: number; optional?: boolean } = {},
): InputBlock {
  return {
    type: 'input',
    block_id: blockId,
    optional: options.optional ?? true,
    label: { type: 'plain_text', text: label },
    ...(options.hint ? { hint: { type: 'plain_text', text: options.hint } } : {}),
    element: {
      type: 'plain_text_input',
      action_id: blockId,
      ...(options.placeholder ? { placeholder: { type: 'plain_text', text: options.placeholder } } : {}),
      ...(options.maxLength ? { max_length: options.maxLength } : {}),
    },
  };
}

function numberInput(blockId: string, label: string, hint: string): InputBlock {
  return {
    type: 'input',
    block_id: blockId,
    optional: true,
    label: { type: 'plain_text', text: label },
    hint: { type: 'plain_text', text: hint },
    element: {
      type: 'number_input',
      action_id: blockId,
      is_decimal_allowed: false,
      min_value: '1',
      max_value: '1000000',
    },
  };
}

/** The inputs that only make sense for one action. */
function actionFields(action: ModalAction): InputBlock[] {
  switch (action) {
    case 'pause':
      return [
        textInput(MODAL_BLOCKS.reason, 'Reason', {
          placeholder: 'e.g. payments API returning 503s',
          hint: 'Shown in the channel with the pause.',
          maxLength: 500,
        }),
        textInput(MODAL_BLOCKS.duration, 'For how long', {
          placeholder: 'e.g. 15m or 2h',
          hint: 'Flowbot resumes the key by itself when the time is up. Empty: paused until someone resumes it.',
          maxLength: 20,
        }),
      ];
    case 'pin':
      return [
        numberInput(
          MODAL_BLOCKS.parallelism,
          'Parallelism',
          'Messages in flight at once. Empty: not pinned.',
        ),
        numberInput(MODAL_BLOCKS.rate, 'Rate', 'Messages per period. Empty: not pinned.'),
        textInput(MODAL_BLOCKS.period, 'Rate period', {
          placeholder: 'e.g. 1s, 1m or 1h',
          hint: 'Goes with a rate.',
          maxLength: 20,
        }),
      ];
    case 'unpin':
      return [
        {
          type: 'input',
          block_id: MODAL_BLOCKS.unpin,
          label: { type: 'plain_text', text: 'Unpin' },
          element: {
            type: 'radio_buttons',
            action_id: MODAL_BLOCKS.unpin,
            options: [
              { text: { type: 'plain_text', text: 'Parallelism and rate' }, value: 'all' },
              { text: { type: 'plain_text', text: 'Parallelism' }, value: 'parallelism' },
              { text: { type: 'plain_text', text: 'Rate' }, value: 'rate' },
            ],
            initial_option: { text: { type: 'plain_text', text: 'Parallelism and rate' }, value: 'all' },
          },
        },
      ];
    case 'ramp':
      return [
        {
          type: 'input',
          block_id: MODAL_BLOCKS.rampMode,
          optional: true,
          label: { type: 'plain_text', text: 'Ramp the' },
          hint: {
            type: 'plain_text',
            text: 'Empty: the rate if the key has a rate limit, else its parallelism.',
          },
          element: {
            type: 'static_select',
            action_id: MODAL_BLOCKS.rampMode,
            options: [
              { text: { type: 'plain_text', text: 'Rate' }, value: 'rate' },
              { text: { type: 'plain_text', text: 'Parallelism' }, value: 'parallelism' },
            ],
          },
        },
        numberInput(MODAL_BLOCKS.rampFrom, 'Start at', 'Empty: 10% of the key’s limit.'),
        textInput(MODAL_BLOCKS.rampOver, 'Reach the full limit over', {
          placeholder: 'e.g. 10m',
          hint: 'From 10s to 24h. Empty: 10 minutes.',
          maxLength: 20,
        }),
      ];
    default:
      return [];
  }
}

/**
 * The Flow control modal: the key picker, what to do, where to answer, and the fields of the chosen action
 * (choosing another action redraws it). Submitting runs the same steps as `/flow`: a read answers privately,
 * resume acts at once, other changes ask to confirm first, in the chosen channel.
 */
export function flowControlModal(
  prefill: ModalPrefill,
  metadata: ModalMetadata,
  naming: KeyNaming,
): ModalView {
  const action = prefill.action ?? 'status';
  const blocks: KnownBlock[] = [];
  if (prefill.nothingFound)
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: 'No flow-control key found in that message; pick one below.' }],
    });
  blocks.push({
    type: 'input',
    block_id: MODAL_BLOCKS.key,
    label: { type: 'plain_text', text: 'Flow-control key' },
    hint: {
      type: 'plain_text',
      text:
        naming.environmentCount > 1
          ? 'Type part of a key, or <environment>:<key>.'
          : 'Type part of a key; paused keys come first.',
    },
    element: {
      type: 'external_select',
      action_id: KEY_PICKER,
      min_query_length: 0,
      placeholder: { type: 'plain_text', text: 'Search keys' },
      ...(prefill.key ? { initial_option: keyOption(prefill.key.ref, prefill.key.state, naming) } : {}),
    },
  });
  if (prefill.alsoFound && prefill.alsoFound.length > 0)
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: truncate(
            `Also in the message: ${prefill.alsoFound
              .slice(0, 10)
              .map((key) => code(truncate(key, 80)))
              .join(
                ', ',
              )}${prefill.alsoFound.length > 10 ? ` and ${plural(prefill.alsoFound.length - 10, 'more')}` : ''}`,
            3_000,
          ),
        },
      ],
    });
  blocks.push(
    {
      type: 'input',
      block_id: MODAL_BLOCKS.action,
      dispatch_action: true,
      label: { type: 'plain_text', text: 'Action' },
      element: {
        type: 'static_select',
        action_id: MODAL_BLOCKS.action,
        options: MODAL_ACTIONS.map(option),
        initial_option: option(action),
      },
    },
    {
      type: 'input',
      block_id: MODAL_BLOCKS.channel,
      label: { type: 'plain_text', text: 'Channel' },
      hint: {
        type: 'plain_text',
        text: 'Changes are announced here; refusals and confirmations come only to you.',
      },
      element: {
        type: 'conversations_select',
        action_id: MODAL_BLOCKS.channel,
        response_url_enabled: true,
        ...(metadata.channelId
          ? { initial_conversation: metadata.channelId }
          : { default_to_current_conversation: true }),
        filter: { include: ['public', 'private'], exclude_bot_users: true },
      },
    },
    ...actionFields(action),
  );
  return {
    type: 'modal',
    callback_id: FLOW_CONTROL_VIEW,
    title: { type: 'plain_text', text: 'Flow control' },
    submit: { type: 'plain_text', text: SUBMIT[action] },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: JSON.stringify(metadata),
    blocks,
  };
}

/** Someone without access gets this instead of the form: how to get access, no key names. */
/** The modal for a person of another workspace or org that Flowbot's policy does not name (Slack Connect). */
export function otherTeamModal(team: string): ModalView {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: 'Flow control' },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `:lock: ${otherTeamWords(team)}` } }],
  };
}

export function noAccessModal(userId: string): ModalView {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: 'Flow control' },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `:lock: *You don’t have access to Flowbot yet.* Ask your Flowbot admin to add your Slack user ID ${code(userId)} (or one of your user groups) to \`FLOW_ALLOWED_USERS\` or to a rule in Flowbot’s policy file.`,
        },
      },
    ],
  };
}

/** Reads `private_metadata` back; anything unexpected counts as opened from a global shortcut. */
export function readModalMetadata(raw: unknown): ModalMetadata {
  try {
    const parsed: unknown = typeof raw === 'string' && raw.length <= 3_000 ? JSON.parse(raw) : undefined;
    if (parsed && typeof parsed === 'object') {
      const { origin, channelId } = parsed as Record<string, unknown>;
      const origins = ['shortcut', 'message', 'command', 'home'];
      return {
        origin:
          typeof origin === 'string' && origins.includes(origin)
            ? (origin as ModalMetadata['origin'])
            : 'shortcut',
        ...(typeof channelId === 'string' && isChannelId(channelId) ? { channelId } : {}),
      };
    }
  } catch {
    // Not ours or damaged: fall through.
  }
  return { origin: 'shortcut' };
}

/** Inline errors are plain text: the shared sentences' code spans would show their backticks. */
function plainWords(text: string): string {
  return truncate(
    text.replace(/`/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'),
    500,
  );
}

/** One input's problem, in words (plain text, shown by Slack beside the input). */
export function describeFormProblem(problem: FormProblem): string {
  switch (problem.code) {
    case 'no_key':
      return 'Pick a flow-control key.';
    case 'no_action':
      return 'Choose what to do.';
    case 'no_channel':
      return 'Pick the channel to answer in.';
    case 'reason_too_long':
      return `At most ${problem.max} characters.`;
    case 'reason_control_characters':
      return 'The reason contains control characters.';
    case 'bad_duration':
      return `Not a duration: write it like 15m or 2h (at most ${formatDuration(problem.maxSeconds)}).`;
    case 'nothing_to_pin':
      return 'Give a parallelism, a rate, or both.';
    case 'pin':
      return plainWords(describePinProblem(problem.problem));
    case 'bad_unpin':
      return 'Choose what to unpin.';
    case 'bad_ramp_mode':
      return 'Choose rate or parallelism.';
    case 'ramp_start_needs_mode':
      return 'Say whether the starting limit is a rate or a parallelism.';
    case 'ramp':
      return plainWords(describeRampOptionProblem(problem.problem).split(' Usage')[0] ?? '');
  }
}

/** A picked key that can't be used (a value another app or an old Flowbot put in the picker). */
export function describePickedKeyProblem(problem: KeyProblem): string {
  return plainWords(describeKeyProblemPlain(problem));
}

/** The acknowledgement that keeps the modal open with each problem beside its input. */
/**
 * The Flow control modal's answer when Flowbot is too busy to take its submission: it stays open, the action
 * field saying so, to be submitted again later.
 */
export function overloadedFormErrors(retryAfterMs: number): {
  response_action: 'errors';
  errors: Record<string, string>;
} {
  return { response_action: 'errors', errors: { [MODAL_BLOCKS.action]: overloadedWords(retryAfterMs) } };
}

export function formErrors(
  problems: FormProblems,
  keyProblem?: KeyProblem,
): { response_action: 'errors'; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  for (const [field, problem] of Object.entries(problems) as [FormField, FormProblem][])
    errors[MODAL_BLOCKS[field]] = describeFormProblem(problem);
  if (keyProblem) errors[MODAL_BLOCKS.key] = describePickedKeyProblem(keyProblem);
  return { response_action: 'errors', errors };
}
