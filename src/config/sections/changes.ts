import { parseDurationSeconds } from '../../core/durations.js';
import type { Config } from '../config.js';
import { DEFAULTS } from '../defaults.js';
import type { EnvReader } from '../env-reader.js';
import { wholeNumber } from './checks.js';

/** How changes are paced: reminders for keys left paused, the per-person rate limit, bulk actions' pace. */
export function readChanges(env: EnvReader): Pick<Config, 'pauseReminderMs' | 'rateLimit' | 'bulk'> {
  return { pauseReminderMs: pauseReminder(env), rateLimit: rateLimit(env), bulk: bulk(env) };
}

function bulk(env: EnvReader): Config['bulk'] {
  const whole = (name: 'FLOW_BULK_CONCURRENCY' | 'FLOW_BULK_QSTASH_RPS', max: number): number =>
    env.checked(
      name,
      env.read(name) ?? DEFAULTS[name],
      wholeNumber(1, max),
      `a whole number from 1 to ${max}`,
    ) ?? Number(DEFAULTS[name]);
  return {
    concurrency: whole('FLOW_BULK_CONCURRENCY', 50),
    qstashRequestsPerSecond: whole('FLOW_BULK_QSTASH_RPS', 1000),
  };
}

function pauseReminder(env: EnvReader): number | undefined {
  const text = (env.read('FLOW_PAUSE_REMINDER') ?? DEFAULTS.FLOW_PAUSE_REMINDER).toLowerCase();
  if (text === 'off') return undefined;
  const seconds = parseDurationSeconds(text);
  if (seconds === undefined || seconds < 60) {
    env.invalid('FLOW_PAUSE_REMINDER', 'a duration of at least 1m (such as 30m or 2h), or off');
    return undefined;
  }
  return seconds * 1000;
}

function rateLimit(env: EnvReader): Config['rateLimit'] {
  const text = (env.read('FLOW_RATE_LIMIT') ?? DEFAULTS.FLOW_RATE_LIMIT).toLowerCase();
  if (text === 'off') return undefined;
  const match = /^(\d{1,6})\s*\/\s*(\S+)$/.exec(text);
  const seconds = match ? parseDurationSeconds(match[2] ?? '') : undefined;
  if (!match || seconds === undefined || Number(match[1]) < 1 || seconds > 86_400) {
    env.invalid('FLOW_RATE_LIMIT', 'changes per person per window, like 30/1m or 100/1h, or off');
    return undefined;
  }
  return { limit: Number(match[1]), windowMs: seconds * 1000 };
}
