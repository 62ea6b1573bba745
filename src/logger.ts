import { type DestinationStream, type Logger, pino, stdSerializers } from 'pino';
import type { LogLevel } from './config/config.js';
import { secretScrubber, stripUrlSecrets } from './core/secrets.js';

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

/**
 * The process's logger: JSON lines (pino). Known secret fields are redacted by path; then every finished
 * line has every secret removed in every spelling it can take (literal, percent-encoded, JSON-escaped,
 * base64 of it or of `user:secret`), and every URL in it loses its userinfo, query string and fragment,
 * wherever they are: messages, fields, error messages and stacks, errors from got and @slack/web-api.
 */
export function createLogger(options: LoggerOptions): Logger {
  const scrub = secretScrubber(options.secrets.filter((secret) => secret.length >= SHORT_SECRET));
  const scrubShort = inStrings(options.secrets.filter((secret) => secret.length < SHORT_SECRET));
  const settings = {
    level: options.level,
    base: { service: 'flowbot' },
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    serializers: { err: serializeError },
    // Paths catch secrets in known places; this catches them anywhere else, e.g. inside an error message.
    hooks: { streamWrite: (line: string) => scrubShort(stripUrlSecrets(scrub(line))) },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/** Secrets shorter than this are looked for in the line's strings only (see `inStrings`). */
const SHORT_SECRET = 8;

/**
 * Scrubs short secrets (a Redis password of a few characters: REDIS_URL's isn't length-checked) from a JSON
 * log line's strings, keys included. Their few characters also occur in numbers and in the line's own
 * punctuation, and replacing them there would break the line (`"time":[REDACTED]7`) without hiding anything:
 * a secret is logged as a string. Lines without any of them cost one scrubber pass.
 */
function inStrings(secrets: readonly string[]): (line: string) => string {
  if (secrets.length === 0) return (line) => line;
  const scrub = secretScrubber(secrets);
  const clean = (value: unknown): unknown => {
    if (typeof value === 'string') return scrub(value);
    if (Array.isArray(value)) return value.map(clean);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(Object.entries(value).map(([name, field]) => [scrub(name), clean(field)]));
  };
  return (line) => {
    if (scrub(line) === line) return line;
    const ending = line.endsWith('\n') ? '\n' : '';
    try {
      return `${JSON.stringify(clean(JSON.parse(line)))}${ending}`;
    } catch {
      return scrub(line);
    }
  };
}

/**
 * HTTP clients' errors carry the whole request and response: got's `options` (headers, cookies, agents),
 * axios's `config` and `request` (a socket), `response`, `timings`. They say nothing a person reading the
 * log needs beyond the message, code and status, and can hold credentials the scrubber does not know of,
 * so they are left out (here and in the errors they wrap).
 */
const HTTP_INTERNALS = ['options', 'config', 'request', 'response', 'timings'];

function serializeError(error: unknown): unknown {
  const serialized = withoutInternals(stdSerializers.err(error as Error) as unknown, 0);
  // The one thing of the response worth keeping (got keeps it out of sight, axios calls it status).
  const response = (error as { response?: { statusCode?: unknown; status?: unknown } } | null)?.response;
  const status = response?.statusCode ?? response?.status;
  if (typeof status === 'number' && serialized !== null && typeof serialized === 'object')
    return { statusCode: status, ...serialized };
  return serialized;
}

function withoutInternals(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || depth > 3) return value;
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(value)) {
    if (HTTP_INTERNALS.includes(name)) continue;
    out[name] = name === 'original' || name === 'cause' ? withoutInternals(field, depth + 1) : field;
  }
  return out;
}

/** Text for people outside the log (stderr at startup, a CLI's message), cleaned like a log line. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  return stripUrlSecrets(secretScrubber(secrets)(text));
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
