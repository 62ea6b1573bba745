import { type DestinationStream, type Logger, pino } from 'pino';
import type { LogLevel } from './config/config.js';

/** Field paths that hold secrets wherever they appear in a log object. */
const REDACTED_PATHS = [
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'authorization',
  'headers.authorization',
  '*.token',
  '*.botToken',
  '*.appToken',
  '*.signingSecret',
  '*.authorization',
  '*.headers.authorization',
  'config.slack',
  'config.qstash',
];

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Secret values to scrub from every line, wherever they appear (messages, stack traces, nested errors). */
  readonly secrets: readonly string[];
  readonly destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const secrets = options.secrets.filter((secret) => secret.length >= 8);
  const settings = {
    level: options.level,
    base: { service: 'flowbot' },
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    // Paths catch secrets in known places; this catches them anywhere else, e.g. inside an error message.
    hooks: { streamWrite: (line: string) => scrubSecrets(line, secrets) },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let scrubbed = text;
  for (const secret of secrets) {
    if (secret === '') continue;
    // Log lines are JSON: a secret with quotes or backslashes appears there escaped.
    for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1)])) {
      if (scrubbed.includes(form)) scrubbed = scrubbed.split(form).join('[REDACTED]');
    }
  }
  return scrubbed;
}

export function secretsOf(config: {
  slack: { botToken: string; signingSecret?: string | undefined; appToken?: string | undefined };
  qstash: { environments: readonly { token: string }[] };
  alerts?: { token: string | undefined };
  redisUrl?: string | undefined;
}): string[] {
  return [
    config.slack.botToken,
    config.slack.signingSecret,
    config.slack.appToken,
    config.alerts?.token,
    redisPassword(config.redisUrl),
    ...config.qstash.environments.map((environment) => environment.token),
  ].filter((secret): secret is string => typeof secret === 'string' && secret !== '');
}

/** The password part of a Redis URL, which is a secret like any token. */
function redisPassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.password ? decodeURIComponent(parsed.password) : undefined;
  } catch {
    return undefined;
  }
}
