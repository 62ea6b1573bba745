import { z } from 'zod';
import { parseDurationSeconds } from '../../core/durations.js';
import { checkPattern, MAX_PATTERN_LENGTH, MAX_PATTERN_WILDCARDS } from '../../core/glob.js';
import type { Config } from '../config.js';
import { DEFAULTS } from '../defaults.js';
import { type EnvReader, splitList } from '../env-reader.js';
import { CHANNEL_ID, channelId } from './checks.js';

/**
 * The watcher: on when `FLOW_WATCH_KEYS` names keys. Its environments must be configured ones; its channel
 * defaults to the alerts' channel.
 */
export function readWatch(
  env: EnvReader,
  environments: readonly string[],
  alertsChannel: string | undefined,
): Config['watch'] {
  const keys = splitList(env.read('FLOW_WATCH_KEYS'));
  if (keys.length === 0) return undefined;
  // Entries are counted, not quoted: a value is never repeated in a problem.
  const bad = keys.findIndex((glob) => checkPattern(glob).kind === 'invalid');
  if (bad >= 0)
    env.invalid(
      'FLOW_WATCH_KEYS',
      `entry ${bad + 1}: key patterns are at most ${MAX_PATTERN_LENGTH} characters with at most ${MAX_PATTERN_WILDCARDS} wildcards (* and ? together), without spaces or control characters`,
    );
  const named = splitList(env.read('FLOW_WATCH_ENVIRONMENTS'));
  const unknown = named.filter((name) => !environments.includes(name));
  if (unknown.length > 0)
    env.invalid(
      'FLOW_WATCH_ENVIRONMENTS',
      `${unknown.map((name) => JSON.stringify(name.slice(0, 32))).join(', ')} not in FLOW_ENVIRONMENTS`,
    );
  const intervalSeconds = parseDurationSeconds(
    env.read('FLOW_WATCH_INTERVAL') ?? DEFAULTS.FLOW_WATCH_INTERVAL,
  );
  if (intervalSeconds === undefined || intervalSeconds > 86_400)
    env.invalid('FLOW_WATCH_INTERVAL', 'a duration such as 30s or 2m (at most 24h)');
  const threshold = env.checked(
    'FLOW_WATCH_WAITLIST',
    env.read('FLOW_WATCH_WAITLIST') ?? DEFAULTS.FLOW_WATCH_WAITLIST,
    z.coerce.number().int().min(0).max(1e12),
    'a whole number of waiting messages (0: alert on paused keys only)',
  );
  const channel =
    env.checked('FLOW_WATCH_CHANNEL', env.read('FLOW_WATCH_CHANNEL'), channelId, CHANNEL_ID) ?? alertsChannel;
  if (channel === undefined)
    env.problem(
      'FLOW_WATCH_CHANNEL is missing: the channel for the watcher’s alerts (or set ALERTS_CHANNEL).',
    );
  return {
    keys,
    environments: named.length > 0 ? named : [...environments],
    intervalMs: (intervalSeconds ?? 0) * 1000,
    waitlistThreshold: threshold ?? 0,
    channel: channel ?? '',
  };
}
