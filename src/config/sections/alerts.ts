import { z } from 'zod';
import { parseDurationSeconds } from '../../core/durations.js';
import type { Config } from '../config.js';
import { DEFAULTS } from '../defaults.js';
import { type EnvReader, splitList } from '../env-reader.js';
import { CHANNEL_ID, channelId, wholeNumber } from './checks.js';

// Names starting with __ are Prometheus's own (never sent to receivers), `__proto__` among them.
const LABEL = z.string().regex(/^(?!__)[a-zA-Z_][a-zA-Z0-9_]{0,63}$/);

/**
 * Alert intake (`POST /alerts`): its token, default channel, Alertmanager label names, where senders may post,
 * how much one request may do, and how long incidents are kept.
 */
export function readAlerts(env: EnvReader): Config['alerts'] {
  const token = env.read('ALERTS_TOKEN');
  if (token !== undefined && (token.length < 16 || /\s/.test(token))) {
    env.invalid(
      'ALERTS_TOKEN',
      'use a random secret of at least 16 characters without spaces (e.g. openssl rand -hex 24)',
    );
  }
  const label = (name: 'ALERTS_KEY_LABEL' | 'ALERTS_ENVIRONMENT_LABEL' | 'ALERTS_CHANNEL_LABEL') =>
    env.checked(
      name,
      env.read(name) ?? DEFAULTS[name],
      LABEL,
      'a Prometheus label name (letters, digits, _; not starting with __, which Prometheus reserves)',
    ) ?? DEFAULTS[name];
  const defaultChannel = env.checked('ALERTS_CHANNEL', env.read('ALERTS_CHANNEL'), channelId, CHANNEL_ID);
  const allowedChannels = readAllowedChannels(env, defaultChannel);
  const maxKeysPerRequest =
    env.checked(
      'ALERTS_MAX_KEYS_PER_REQUEST',
      env.read('ALERTS_MAX_KEYS_PER_REQUEST') ?? DEFAULTS.ALERTS_MAX_KEYS_PER_REQUEST,
      wholeNumber(1, 1000),
      'a whole number of keys from 1 to 1000',
    ) ?? Number(DEFAULTS.ALERTS_MAX_KEYS_PER_REQUEST);
  return {
    token,
    defaultChannel,
    labels: {
      key: label('ALERTS_KEY_LABEL'),
      environment: label('ALERTS_ENVIRONMENT_LABEL'),
      channel: label('ALERTS_CHANNEL_LABEL'),
    },
    allowedChannels,
    maxKeysPerRequest,
    staleAfterMs: duration(env, 'ALERTS_STALE_AFTER', 1, 30 * 86_400, 'a duration up to 30d, such as 24h'),
    keepResolvedMs: duration(
      env,
      'ALERTS_KEEP_RESOLVED',
      3600,
      90 * 86_400,
      'a duration from 1h to 90d, such as 14d',
    ),
    rollup: {
      after:
        env.checked(
          'ALERTS_ROLLUP_AFTER',
          env.read('ALERTS_ROLLUP_AFTER') ?? DEFAULTS.ALERTS_ROLLUP_AFTER,
          wholeNumber(1, 50),
          'a whole number of keys from 1 to 50',
        ) ?? Number(DEFAULTS.ALERTS_ROLLUP_AFTER),
      windowMs: duration(env, 'ALERTS_ROLLUP_WINDOW', 10, 86_400, 'a duration from 10s to 24h, such as 10m'),
    },
  };
}

function readAllowedChannels(env: EnvReader, defaultChannel: string | undefined): string[] | undefined {
  const text = env.read('ALERTS_ALLOWED_CHANNELS');
  if (text === undefined) return undefined;
  const channels = splitList(text);
  if (channels.length === 0 || channels.some((id) => !channelId.safeParse(id).success)) {
    env.invalid('ALERTS_ALLOWED_CHANNELS', 'comma-separated Slack channel IDs (C…), not names');
    return undefined;
  }
  if (defaultChannel !== undefined && !channels.includes(defaultChannel))
    env.invalid(
      'ALERTS_CHANNEL',
      'must be one of ALERTS_ALLOWED_CHANNELS (alerts without a channel go there)',
    );
  return channels;
}

function duration(
  env: EnvReader,
  name: 'ALERTS_STALE_AFTER' | 'ALERTS_KEEP_RESOLVED' | 'ALERTS_ROLLUP_WINDOW',
  minSeconds: number,
  maxSeconds: number,
  what: string,
): number {
  const seconds = parseDurationSeconds(env.read(name) ?? DEFAULTS[name]);
  if (seconds === undefined || seconds < minSeconds || seconds > maxSeconds) {
    env.invalid(name, what);
    return (parseDurationSeconds(DEFAULTS[name]) ?? 0) * 1000;
  }
  return seconds * 1000;
}
