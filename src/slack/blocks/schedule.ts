import type { KnownBlock } from '@slack/types';
import { formatDuration } from '../../core/durations.js';
import type { Outcome } from '../../core/operations/outcome.js';
import type { FlowKeyState } from '../../core/qstash/types.js';
import type { Timer } from '../../core/scheduler/timers.js';
import { resumeButton } from './buttons.js';
import { fitted } from './fit.js';
import { releasedByResume, summarizeState } from './key-state.js';
import { escapeMrkdwn, formatCount, mention, slackDate } from './mrkdwn.js';
import { type KeyNaming, keyLabel } from './outcome.js';
import { describeQStashError } from './qstash-error.js';
import { describeRefusal } from './refusal.js';
import type { SlackMessage } from './types.js';

function since(timer: Timer, now: number): string {
  return formatDuration(Math.max(1, Math.round((now - timer.pausedAt) / 1000)));
}

/** The end of a timed pause, told in the channel where it was paused. */
export function timedResumeMessage(
  timer: Timer,
  outcome: Outcome,
  naming: KeyNaming,
  now: number,
): SlackMessage {
  const key = keyLabel(timer.target, naming);
  let text: string;
  if (outcome.kind === 'done') {
    const released = releasedByResume(outcome.before) ?? '';
    text = `:alarm_clock: Timed pause over: Flowbot resumed ${key}, paused by ${mention(timer.actorId)} ${since(timer, now)} ago. ${released}`;
  } else if (outcome.kind === 'failed') {
    text = `:warning: Timed pause of ${key} is over, but Flowbot could not resume it: ${describeQStashError(outcome.error)}. It is still paused; Flowbot will keep trying. Use \`/flow resume\` to do it by hand.`;
  } else if (outcome.kind === 'refused' && outcome.refusal.code === 'directory_unavailable') {
    text = `:warning: Timed pause of ${key} is over, but Flowbot could not check that ${mention(timer.actorId)} may still resume it (Slack did not answer a user-group lookup). It is still paused; Flowbot will keep trying.`;
  } else if (outcome.kind === 'refused') {
    // The resume runs as the person who paused the key, and their access is checked again now.
    text = `:warning: Timed pause of ${key} is over, but Flowbot did not resume it: it resumes as ${mention(timer.actorId)}, who may no longer do that. ${describeRefusal(outcome.refusal, 'resume', 'they')} It is still paused; someone allowed to can resume it with \`/flow resume\`.`;
  } else {
    text = `:warning: Timed pause of ${key} is over, but Flowbot could not resume it. It is still paused.`;
  }
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: text.trim() } }];
  if (outcome.kind === 'done' && outcome.after) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `*Now:* ${summarizeState(outcome.after)}` }],
    });
  }
  return fitted({ text: text.trim(), blocks });
}

/** A key paused through Flowbot for a long time: a nudge with a Resume button. */
export function pauseReminderMessage(
  timer: Timer,
  state: FlowKeyState,
  naming: KeyNaming,
  now: number,
): SlackMessage {
  const key = keyLabel(timer.target, naming);
  const reason = timer.reason ? ` (“${escapeMrkdwn(timer.reason)}”)` : '';
  const text = `:bell: ${key} has been paused for ${since(timer, now)}, since ${mention(timer.actorId)} paused it${reason} ${slackDate(new Date(timer.pausedAt))}. ${formatCount(state.waitlistSize)} messages are waiting.`;
  return fitted({
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      { type: 'actions', block_id: 'flow_reminder_actions', elements: [resumeButton(timer.target, naming)] },
    ],
  });
}
