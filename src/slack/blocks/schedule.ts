import type { KnownBlock } from '@slack/types';
import { formatDuration } from '../../core/durations.js';
import type { Outcome } from '../../core/operations/outcome.js';
import type { FlowKeyState } from '../../core/qstash/types.js';
import type { StillPaused, TimedResumeEnd } from '../../core/scheduler/timed-work.js';
import type { Timer } from '../../core/scheduler/timers.js';
import { listed } from './bulk.js';
import { resumeButton } from './buttons.js';
import { fitted } from './fit.js';
import { releasedByResume, summarizeState } from './key-state.js';
import { escapeMrkdwn, formatCount, mention, plural, slackDate } from './mrkdwn.js';
import { type KeyNaming, keyLabel } from './outcome.js';
import { describeQStashError } from './qstash-error.js';
import { describeRefusal } from './refusal.js';
import type { SlackMessage } from './types.js';

/**
 * How long the key has been paused at `now` (ms), in the unit a person reads: seconds under a minute, whole
 * minutes from there. Timers fire on the scheduler's tick, a moment after they are due: a 15-minute pause
 * reads "15m" whenever the tick falls, not "901s".
 */
export function since(timer: Pick<Timer, 'pausedAt'>, now: number): string {
  const ms = now - timer.pausedAt;
  if (ms < 59_500) return formatDuration(Math.max(1, Math.round(ms / 1000)));
  return formatDuration(Math.round(ms / 60_000) * 60);
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

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text }] };
}

/** Why one key of a group is still paused after its timed pause ended, in a few words. */
function notResumedBecause(outcome: Outcome): string {
  if (outcome.kind === 'failed') return describeQStashError(outcome.error);
  if (outcome.kind === 'refused' && outcome.refusal.code === 'directory_unavailable')
    return 'Slack did not answer a user-group lookup';
  if (outcome.kind === 'refused') return 'the person who paused it may no longer resume it';
  return 'not resumed';
}

/**
 * The end of a timed pause of many keys at once (a bulk pause), told in one message: which keys Flowbot
 * resumed and which are still paused, and why. `ended` holds the keys to tell of, all of one request.
 */
export function timedResumesMessage(
  ended: readonly TimedResumeEnd[],
  naming: KeyNaming,
  now: number,
): SlackMessage {
  const first = ended[0]?.timer;
  const resumed = ended.filter((end) => end.outcome.kind === 'done');
  const stuck = ended.filter((end) => end.outcome.kind !== 'done');
  const trying = stuck.some(
    (end) =>
      end.outcome.kind === 'failed' ||
      (end.outcome.kind === 'refused' && end.outcome.refusal.code === 'directory_unavailable'),
  );
  const who = first ? `, paused by ${mention(first.actorId)} ${since(first, now)} ago` : '';
  const headline =
    stuck.length === 0
      ? `:alarm_clock: Timed pause over: Flowbot resumed ${plural(resumed.length, 'key')}${who}.`
      : `:warning: Timed pause over: Flowbot resumed ${formatCount(resumed.length)} of ${plural(ended.length, 'key')}${who}; ${formatCount(stuck.length)} still paused.`;
  const blocks: KnownBlock[] = [section(headline)];
  if (stuck.length > 0)
    blocks.push(
      section(
        `:warning: *Still paused*\n${listed(stuck, (end) => `• ${keyLabel(end.timer.target, naming)}: ${notResumedBecause(end.outcome)}`, 'more')}`,
      ),
    );
  if (resumed.length > 0)
    blocks.push(
      section(
        `:white_check_mark: *Resumed*\n${listed(
          resumed,
          (end) => {
            const waiting = end.outcome.kind === 'done' ? end.outcome.before?.waitlistSize : undefined;
            return `• ${keyLabel(end.timer.target, naming)}${waiting ? ` (${plural(waiting, 'waiting message')} released)` : ''}`;
          },
          'more',
        )}`,
      ),
    );
  if (stuck.length > 0)
    blocks.push(
      context(
        trying
          ? 'Flowbot keeps trying the keys it could not resume. Use `/flow resume` to do it by hand.'
          : 'Someone allowed to can resume them with `/flow resume`.',
      ),
    );
  const text =
    stuck.length === 0
      ? `Timed pause over: Flowbot resumed ${plural(resumed.length, 'key')}`
      : `Timed pause over: Flowbot resumed ${formatCount(resumed.length)} of ${plural(ended.length, 'key')}; ${formatCount(stuck.length)} still paused`;
  return fitted({ text, blocks });
}

/** Keys of one request (a bulk pause) still paused: one nudge listing them and what waits behind them. */
export function pauseRemindersMessage(
  stillPaused: readonly StillPaused[],
  naming: KeyNaming,
  now: number,
): SlackMessage {
  const first = stillPaused[0]?.timer;
  const waiting = stillPaused.reduce((sum, key) => sum + key.state.waitlistSize, 0);
  const reason = first?.reason ? ` (“${escapeMrkdwn(first.reason)}”)` : '';
  const who = first
    ? `, paused by ${mention(first.actorId)}${reason} ${slackDate(new Date(first.pausedAt))}, ${since(first, now)} ago`
    : '';
  const headline = `:bell: ${plural(stillPaused.length, 'key')} still paused${who}. ${formatCount(waiting)} messages are waiting.`;
  const lines = listed(
    stillPaused,
    (key) => `• ${keyLabel(key.timer.target, naming)}: ${formatCount(key.state.waitlistSize)} waiting`,
    'more',
  );
  return fitted({
    text: `${plural(stillPaused.length, 'key')} still paused; ${formatCount(waiting)} messages are waiting`,
    blocks: [
      section(headline),
      ...(lines ? [section(lines)] : []),
      context(
        'Resume them all with `/flow resume <pattern>` (a preview first), or one with `/flow resume <key>`.',
      ),
    ],
  });
}
