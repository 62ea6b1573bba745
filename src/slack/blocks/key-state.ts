import type { FlowKeyState } from '../../core/qstash/types.js';
import { formatCount, formatPeriod, plural } from './mrkdwn.js';

/** "paused · 12,340 waiting · parallelism 5/10 · rate 40/50 per 1m": a key's state in one line. */
export function summarizeState(state: FlowKeyState): string {
  const parts = [
    state.paused ? ':double_vertical_bar: *paused*' : ':arrow_forward: delivering',
    `${formatCount(state.waitlistSize)} waiting`,
  ];
  if (state.parallelismMax !== undefined) {
    parts.push(`parallelism ${formatCount(state.parallelismCount)}/${formatCount(state.parallelismMax)}`);
  }
  if (state.rateMax !== undefined) {
    const per = state.ratePeriod === undefined ? '' : ` per ${formatPeriod(state.ratePeriod)}`;
    parts.push(`rate ${formatCount(state.rateCount)}/${formatCount(state.rateMax)}${per}`);
  }
  return parts.join(' · ');
}

/** What a resume let go: the messages that were waiting while the key was paused. */
export function releasedByResume(before: FlowKeyState | undefined): string | undefined {
  if (!before) return undefined;
  if (!before.paused) return 'It was not paused; delivery continues as before.';
  if (before.waitlistSize === 0) return 'No messages were waiting.';
  return `${plural(before.waitlistSize, 'waiting message')} released to delivery.`;
}
