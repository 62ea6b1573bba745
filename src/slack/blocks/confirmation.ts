import type { KnownBlock } from '@slack/types';
import { formatDuration } from '../../core/durations.js';
import type { PendingChange } from '../../core/operations/change.js';
import type { FlowKeyState } from '../../core/qstash/types.js';
import type { RampPlan } from '../../core/ramp/ramp-plan.js';
import { ACTION_IDS } from './action-ids.js';
import { fitted } from './fit.js';
import { describeLimit } from './input-problems.js';
import { escapeMrkdwn, formatCount, formatPeriod, plural } from './mrkdwn.js';
import { type KeyNaming, keyLabel } from './outcome.js';
import type { SlackMessage } from './types.js';

/** What the change will do, in the words someone deciding at 3 a.m. needs (a ramp's, from its plan). */
export function consequence(change: PendingChange, plan?: RampPlan): string {
  switch (change.action) {
    case 'ramp':
      return rampConsequence(plan);
    case 'pause':
      if (change.forMs)
        return `Pausing stops all delivery for this key; new messages join the waitlist. Flowbot resumes it by itself after ${formatDuration(Math.round(change.forMs / 1000))}.`;
      return 'Pausing stops all delivery for this key; new messages join the waitlist until someone resumes it.';
    case 'resume':
      return 'Resuming delivers the waiting messages at the key’s configured rate.';
    case 'reset-rate':
      return 'Resetting the rate ends the current rate period now: up to a full period’s worth of messages may be delivered at once.';
    case 'pin': {
      const parts: string[] = [];
      if (change.settings.parallelism !== undefined)
        parts.push(`parallelism ${formatCount(change.settings.parallelism)}`);
      if (change.settings.rate !== undefined) {
        const period =
          change.settings.period === undefined ? '' : ` per ${formatPeriod(change.settings.period)}`;
        parts.push(`rate ${formatCount(change.settings.rate)}${period}`);
      }
      return `Pinning ${parts.join(' and ')} overrides what incoming messages ask for until unpinned. Pinning resets the key’s rate count and period.`;
    }
    case 'unpin': {
      const what =
        change.settings.parallelism && change.settings.rate
          ? 'parallelism and rate'
          : change.settings.parallelism
            ? 'parallelism'
            : 'rate';
      return `Unpinning ${what} lets incoming messages set it again; until one does, the pinned values stay in effect.`;
    }
  }
}

function liveState(state: FlowKeyState | undefined): string {
  if (!state) return 'Current state unavailable (QStash did not say).';
  const parts = [
    state.paused ? 'paused' : 'delivering',
    `${formatCount(state.waitlistSize)} waiting`,
    `${plural(state.parallelismCount, 'message')} in flight`,
  ];
  return parts.join(', ');
}

/** "12,340 waiting: start at 5/s, reach 50/s in 10m, ~4m to drain." */
function rampConsequence(plan: RampPlan | undefined): string {
  if (!plan)
    return 'Resumes the key at a low limit and raises it step by step to the key’s configured limit.';
  const first = describeLimit(plan.mode, plan.values[0] ?? 1, plan.period);
  const last = describeLimit(plan.mode, plan.values.at(-1) ?? 1, plan.period);
  const duration = formatDuration(Math.max(plan.stepSeconds, (plan.values.length - 1) * plan.stepSeconds));
  const drain =
    plan.drainSeconds === undefined
      ? ''
      : `, ~${formatDuration(Math.max(1, Math.round(plan.drainSeconds)))} to drain`;
  return `${formatCount(plan.waitlistAtStart)} waiting: start at ${first}, reach ${last} in ${duration}${drain}. Resumes the key now and raises the pinned limit every ${formatDuration(plan.stepSeconds)}; afterwards the key’s pinning is restored as it was.`;
}

const TITLES: Record<PendingChange['action'], string> = {
  ramp: 'Resume gradually',
  pause: 'Pause',
  resume: 'Resume',
  'reset-rate': 'Reset rate',
  pin: 'Pin',
  unpin: 'Unpin',
};

/** Shown only to the person who asked: the live state, what will happen, Confirm / Cancel. */
export function confirmationMessage(
  change: PendingChange,
  state: FlowKeyState | undefined,
  confirmationId: string,
  naming: KeyNaming,
  expiresInMinutes: number,
  /** A ramp's plan, from the key's live limits. */
  plan?: RampPlan,
): SlackMessage {
  const key = keyLabel(change.target, naming);
  const reason =
    change.action === 'pause' && change.reason ? `\n*Reason:* ${escapeMrkdwn(change.reason)}` : '';
  const text = `*${TITLES[change.action]} ${key}?*\n${key}: ${liveState(state)}. ${consequence(change, plan)}${reason}`;
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text } },
    {
      type: 'actions',
      block_id: 'flow_confirmation',
      elements: [
        {
          type: 'button',
          action_id: ACTION_IDS.confirm,
          text: { type: 'plain_text', text: `Confirm ${TITLES[change.action].toLowerCase()}` },
          style: change.action === 'pause' ? 'danger' : 'primary',
          value: confirmationId,
        },
        {
          type: 'button',
          action_id: ACTION_IDS.cancel,
          text: { type: 'plain_text', text: 'Cancel' },
          value: confirmationId,
        },
      ],
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `Only you can see this. It expires in ${expiresInMinutes} minutes; nothing changes until you confirm.`,
        },
      ],
    },
  ];
  return fitted({
    text: `${TITLES[change.action]} ${escapeMrkdwn(change.target.key)}? Confirm or cancel.`,
    blocks,
  });
}

export function noteMessage(text: string): SlackMessage {
  return fitted({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
}
