import type { Button, KnownBlock } from '@slack/types';
import { formatDuration } from '../../core/durations.js';
import type { FlowKeyState } from '../../core/qstash/types.js';
import type { Ramp, RampFailure } from '../../core/ramp/ramp-record.js';
import { ACTION_IDS } from './action-ids.js';
import { buttonValue } from './buttons.js';
import { noteMessage } from './confirmation.js';
import { fitted } from './fit.js';
import { describeLimit } from './input-problems.js';
import { code, escapeMrkdwn, formatCount, mention, slackDate } from './mrkdwn.js';
import { type KeyNaming, keyLabel } from './outcome.js';
import { describeQStashError } from './qstash-error.js';
import { describeRefusal } from './refusal.js';
import type { SlackMessage } from './types.js';

const BARS = '▁▂▃▄▅▆▇█';

/** The waitlist's trend as a line of bars, highest sample = full bar. */
export function sparkline(values: readonly number[]): string {
  if (values.length === 0) return '';
  const max = Math.max(...values, 1);
  return values
    .map((value) => BARS[Math.min(BARS.length - 1, Math.round((value / max) * (BARS.length - 1)))])
    .join('');
}

const STATUS: Record<Ramp['status'], string> = {
  running: ':chart_with_upwards_trend: Ramping up',
  held: ':double_vertical_bar: Ramp held',
  done: ':white_check_mark: Ramp finished',
  aborted: ':octagonal_sign: Ramp aborted',
  stopped: ':raised_hand: Ramp stopped',
  failed: ':warning: Ramp stuck',
};

/** The live progress message of a ramp, redrawn in place at each step. */
export function rampMessage(
  ramp: Ramp,
  state: FlowKeyState | undefined,
  naming: KeyNaming,
  now = Date.now(),
): SlackMessage {
  const { plan } = ramp;
  const key = keyLabel(ramp.target, naming);
  const current = plan.values[ramp.stepIndex] ?? plan.values[0] ?? 1;
  const full = plan.values.at(-1) ?? current;
  const waitlist = state?.waitlistSize ?? ramp.history.at(-1) ?? plan.waitlistAtStart;
  const drained = Math.max(0, plan.waitlistAtStart - waitlist);
  const lines = [
    `${STATUS[ramp.status]} ${key}, started by ${mention(ramp.startedBy)} ${slackDate(new Date(ramp.startedAt))}.`,
    `*Limit:* ${describeLimit(plan.mode, current, plan.period)} of ${describeLimit(plan.mode, full, plan.period)} (step ${ramp.stepIndex + 1} of ${plan.values.length})`,
    `*Waiting:* ${formatCount(waitlist)} now, ${formatCount(plan.waitlistAtStart)} at start · *drained:* ${formatCount(drained)}`,
    `*Trend:* \`${sparkline(ramp.history)}\``,
  ];
  if (ramp.status === 'running' && plan.mode === 'rate' && current > 0) {
    const seconds = Math.round((waitlist / current) * (plan.period ?? 1));
    lines.push(
      `*Time left:* ~${formatDuration(Math.max(1, seconds))} at the current limit · next step ${slackDate(new Date(Math.max(now, ramp.nextAt)))}`,
    );
  }
  const event = eventLine(ramp);
  if (event) lines.push(event);
  const blocks: KnownBlock[] = [
    { type: 'section', block_id: 'flow_ramp_progress', text: { type: 'mrkdwn', text: lines.join('\n') } },
  ];
  const buttons = rampButtons(ramp);
  if (buttons.length > 0) blocks.push({ type: 'actions', block_id: 'flow_ramp_actions', elements: buttons });
  return fitted({
    text: `${STATUS[ramp.status].replace(/^:[a-z_]+: /, '')} ${escapeMrkdwn(ramp.target.key)}`,
    blocks,
  });
}

const CHECK_STATUS = 'check `/flow status`';

/** What went wrong with a change the ramp made for its starter. */
function failureWords(failure: RampFailure, action: 'pin' | 'resume' | 'pause'): string {
  return 'error' in failure
    ? describeQStashError(failure.error)
    : describeRefusal(failure.refusal, action, 'they');
}

/** The last thing that happened to the ramp, in a line: who and when, and what went wrong. */
function eventLine(ramp: Ramp): string | undefined {
  const { event } = ramp;
  if (!event) return undefined;
  const steps = ramp.plan.values.length;
  const waiting =
    ramp.restore !== undefined
      ? ` Its pinning will be put back as soon as ${mention(ramp.startedBy)}’s rate limit allows.`
      : '';
  switch (event.kind) {
    case 'held':
      return `Held by ${mention(event.by)}.`;
    case 'continued':
      return `Continued by ${mention(event.by)}.`;
    case 'finished':
      if (event.restored) return 'Reached the key’s configured limit; pinning restored.';
      return waiting
        ? `Reached the key’s configured limit.${waiting}`
        : `Reached the full limit, but the pinning could not be fully restored; ${CHECK_STATUS}.`;
    case 'finished_early':
      if (event.restored) return `Finished early by ${mention(event.by)}.`;
      return `Finished early by ${mention(event.by)}.${waiting || ` The pinning could not be fully restored; ${CHECK_STATUS}.`}`;
    case 'aborted':
      if (event.pauseFailure)
        return `Aborted by ${mention(event.by)}, but pausing the key failed (${failureWords(event.pauseFailure, 'pause')}): it may still be delivering at the current limit.${waiting}`;
      if (event.restored) return `Aborted by ${mention(event.by)}: the key is paused again.`;
      return `Aborted by ${mention(event.by)}: the key is paused again.${waiting || ` The pinning could not be fully restored; ${CHECK_STATUS}.`}`;
    case 'stopped':
      return `Stopped: ${mention(event.by)} used ${event.action} on the key by hand. The key’s pinning is left as it is now.`;
    case 'step_failed':
      return event.stuck
        ? `Ramp stuck at step ${ramp.stepIndex + 1} of ${steps}: ${failureWords(event.failure, 'pin')}. The key is delivering at the current, lower limit. Use Continue to try again, Finish now or Abort.`
        : `Step ${event.step + 1} failed (${failureWords(event.failure, 'pin')}); retrying.`;
    case 'refused': {
      const action = event.refusal.code === 'not_granted' ? event.refusal.action : 'pin';
      return `Stopped at step ${event.step + 1} of ${steps}: the ramp runs as ${mention(ramp.startedBy)}, who may no longer ${action} this key. ${describeRefusal(event.refusal, 'pin', 'they')} The key is delivering at the current, lower limit; its pinning is left as it is now.`;
    }
    case 'deferred':
      return `Step ${event.step + 1} waits for ${mention(ramp.startedBy)}’s rate limit (${code('FLOW_RATE_LIMIT')}); next try ${slackDate(new Date(event.until))}.`;
    case 'not_started': {
      const what = event.stage === 'pin' ? 'pin the starting limit' : 'resume the key';
      const restored = event.restored
        ? 'Pinning was restored.'
        : waiting.trim() || `Pinning may not be restored; ${CHECK_STATUS}.`;
      return `Could not start: could not ${what}: ${failureWords(event.failure, event.stage)}. ${restored}`;
    }
  }
}

function rampButtons(ramp: Ramp): Button[] {
  const button = (action_id: string, text: string, style?: 'primary' | 'danger'): Button => ({
    type: 'button',
    action_id,
    text: { type: 'plain_text', text },
    value: ramp.id,
    ...(style ? { style } : {}),
  });
  switch (ramp.status) {
    case 'running':
      return [
        button(ACTION_IDS.rampHold, 'Pause ramp'),
        button(ACTION_IDS.rampFinish, 'Finish now', 'primary'),
        button(ACTION_IDS.rampAbort, 'Abort', 'danger'),
      ];
    case 'held':
    case 'failed':
      return [
        button(ACTION_IDS.rampContinue, 'Continue', 'primary'),
        button(ACTION_IDS.rampFinish, 'Finish now'),
        button(ACTION_IDS.rampAbort, 'Abort', 'danger'),
      ];
    default:
      return [];
  }
}

/** "Resume gradually", offered beside Resume where a big waitlist would hit a just-recovered downstream. */
export function resumeGraduallyButton(target: Ramp['target'], naming: KeyNaming): Button {
  return {
    type: 'button',
    action_id: ACTION_IDS.ramp,
    text: { type: 'plain_text', text: 'Resume gradually' },
    value: buttonValue(target, naming),
  };
}

/** Below this many waiting messages a plain resume is fine. */
export const RAMP_WORTHY_WAITLIST = 100;

/** Told to the starter when the progress message could not be posted (Flowbot not in the channel). */
export function rampUnpostedNote(): SlackMessage {
  return noteMessage(
    'The ramp started, but its progress message could not be posted here; invite Flowbot to the channel to see it.',
  );
}

/** Told privately when a control does not apply. */
export function rampControlNote(
  result:
    | { readonly kind: 'gone' | 'busy' }
    | { readonly kind: 'not_applicable'; readonly status: Ramp['status'] },
): SlackMessage {
  switch (result.kind) {
    case 'gone':
      return noteMessage('There is no such ramp any more.');
    case 'busy':
      return noteMessage('The ramp is changing right now; try again.');
    case 'not_applicable':
      return noteMessage(`The ramp is ${result.status}; that button no longer applies.`);
  }
}
