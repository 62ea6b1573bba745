import { parseDurationSeconds } from '../../core/durations.js';
import { checkPattern } from '../../core/glob.js';
import { patternProblemText } from '../../core/pattern-problem-text.js';
import type { Config } from '../config.js';
import { DEFAULTS, type Defaulted } from '../defaults.js';
import { type EnvReader, splitList } from '../env-reader.js';
import { CHANNEL_ID, channelId, wholeNumber } from './checks.js';

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
  // The first refused entry, with its own reason (a pattern can break only one rule at a time here).
  for (const [index, glob] of keys.entries()) {
    const check = checkPattern(glob);
    if (check.kind === 'invalid') {
      const hint =
        check.problem.code === 'spaces'
          ? ' (each pattern is without spaces: separate several with commas)'
          : '';
      env.invalid(
        'FLOW_WATCH_KEYS',
        `entry ${index + 1}: a key pattern ${patternProblemText(check.problem)}${hint}`,
      );
      break;
    }
  }
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
    wholeNumber(0, 1e12),
    'a whole number of waiting messages (0: alert on paused keys only)',
  );
  const rounds = (name: Defaulted, what: string) =>
    env.checked(
      name,
      env.read(name) ?? DEFAULTS[name],
      wholeNumber(0, 1_000),
      `a whole number of watcher rounds, at most 1000 (0: ${what} off)`,
    ) ?? 0;
  const saturatedRounds = rounds('FLOW_WATCH_SATURATED_ROUNDS', 'saturation alerts');
  const stuckRounds = rounds('FLOW_WATCH_STUCK_ROUNDS', 'stuck-key alerts');
  const growthRounds = rounds('FLOW_WATCH_GROWTH_ROUNDS', 'growing-waitlist alerts');
  const growthMin =
    env.checked(
      'FLOW_WATCH_GROWTH_MIN',
      env.read('FLOW_WATCH_GROWTH_MIN') ?? DEFAULTS.FLOW_WATCH_GROWTH_MIN,
      wholeNumber(1, 1e12),
      'a whole number of messages, at least 1',
    ) ?? 1;
  const globalParallelismPercent =
    env.checked(
      'FLOW_WATCH_GLOBAL_PARALLELISM',
      env.read('FLOW_WATCH_GLOBAL_PARALLELISM') ?? DEFAULTS.FLOW_WATCH_GLOBAL_PARALLELISM,
      wholeNumber(0, 100),
      'a whole percentage from 0 to 100 (0: off)',
    ) ?? 0;
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
    saturatedRounds,
    stuckRounds,
    growthRounds,
    growthMin,
    globalParallelismPercent,
    channel: channel ?? '',
  };
}
