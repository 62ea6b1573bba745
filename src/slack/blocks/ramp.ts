import type { Button, KnownBlock } from '@slack/types';
import { formatDuration } from '../../core/durations.js';
import type { FlowKeyState } from '../../core/qstash/types.js';
import type { Ramp } from '../../core/ramp/ramps.js';
import { ACTION_IDS } from './action-ids.js';
import { buttonValue } from './buttons.js';
import { fitted } from './fit.js';
import { describeLimit } from './input-problems.js';
import { formatCount, mention, slackDate } from './mrkdwn.js';
import { type KeyNaming, keyLabel } from './outcome.js';
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
  if (ramp.note) lines.push(ramp.note);
  const blocks: KnownBlock[] = [
    { type: 'section', block_id: 'flow_ramp_progress', text: { type: 'mrkdwn', text: lines.join('\n') } },
  ];
  const buttons = rampButtons(ramp);
  if (buttons.length > 0) blocks.push({ type: 'actions', block_id: 'flow_ramp_actions', elements: buttons });
  return fitted({ text: `${STATUS[ramp.status].replace(/^:[a-z_]+: /, '')} ${ramp.target.key}`, blocks });
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
