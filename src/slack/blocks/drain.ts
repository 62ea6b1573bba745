import { currentRatePeriod, type DrainEstimate, estimateDrain } from '../../core/qstash/drain.js';
import type { FlowKeyState } from '../../core/qstash/types.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "under a minute", "about 12m", "about 3h 20m", "about 2d 4h": a rough duration for a person. */
export function roughDuration(ms: number): string {
  if (!(ms >= MINUTE)) return 'under a minute';
  if (ms < HOUR) return `about ${Math.round(ms / MINUTE)}m`;
  if (ms < DAY) {
    const hours = Math.floor(ms / HOUR);
    const minutes = Math.round((ms - hours * HOUR) / MINUTE);
    return minutes === 0 || minutes === 60
      ? `about ${hours + (minutes === 60 ? 1 : 0)}h`
      : `about ${hours}h ${minutes}m`;
  }
  const days = Math.floor(ms / DAY);
  const hours = Math.round((ms - days * DAY) / HOUR);
  if (days >= 365) return 'more than a year';
  return hours === 0 || hours === 24 ? `about ${days + (hours === 24 ? 1 : 0)}d` : `about ${days}d ${hours}h`;
}

/** The drain estimate in words (plain text, no markup): "about 12m at the current rate", "unknown: no rate set". */
export function drainWords(estimate: DrainEstimate): string {
  switch (estimate.kind) {
    case 'empty':
      return 'nothing waiting';
    case 'paused':
      return 'not draining: the key is paused';
    case 'unknown':
      return estimate.reason === 'no_rate'
        ? 'unknown: no rate set (parallelism alone does not say how fast)'
        : 'unknown: nothing is moving';
    case 'estimate':
      if (estimate.basis === 'observed') return `${roughDuration(estimate.ms)} at the pace seen`;
      return estimate.ms === 0
        ? 'within the current rate period'
        : `${roughDuration(estimate.ms)} at the current rate`;
  }
}

/**
 * When the key's current rate period ends, as a Slack date token with a plain fallback (`<!date^…|…>`), or
 * undefined when the key has no rate or QStash did not say when its period started.
 */
export function ratePeriodEnd(state: FlowKeyState, at: Date): string | undefined {
  const period = currentRatePeriod(state, at.getTime());
  if (!period?.reported) return undefined;
  const end = new Date(period.endsAt);
  const seconds = Math.floor(period.endsAt / 1000);
  return `<!date^${seconds}^{date_short_pretty} at {time_secs}|${end.toISOString()}>`;
}

/** "Time to drain: about 12m at the current rate · rate period ends <!date…>" for a key's state at `at`. */
export function drainLine(state: FlowKeyState, at: Date): string {
  const parts = [`*Time to drain:* ${drainWords(estimateDrain(state, at.getTime()))}`];
  const end = ratePeriodEnd(state, at);
  if (end) parts.push(`*Rate period ends:* ${end}`);
  return parts.join(' · ');
}
