import { z } from 'zod';
import type { Config } from '../config.js';
import { DEFAULTS } from '../defaults.js';
import type { EnvReader } from '../env-reader.js';
import { CHANNEL_ID, channelId } from './checks.js';

// Names starting with __ are Prometheus's own (never sent to receivers), `__proto__` among them.
const LABEL = z.string().regex(/^(?!__)[a-zA-Z_][a-zA-Z0-9_]{0,63}$/);

/** Alert intake (`POST /alerts`): its token, default channel and Alertmanager label names. */
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
  return {
    token,
    defaultChannel: env.checked('ALERTS_CHANNEL', env.read('ALERTS_CHANNEL'), channelId, CHANNEL_ID),
    labels: {
      key: label('ALERTS_KEY_LABEL'),
      environment: label('ALERTS_ENVIRONMENT_LABEL'),
      channel: label('ALERTS_CHANNEL_LABEL'),
    },
  };
}
