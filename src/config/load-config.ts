import { z } from 'zod';
import { isSubjectId } from '../core/access/subjects.js';
import { parseDurationSeconds } from '../core/durations.js';
import type { Config, LogLevel } from './config.js';

export const DEFAULT_QSTASH_URL = 'https://qstash.upstash.io';

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

type Env = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const ENVIRONMENT_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

const httpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === ''
    );
  } catch {
    return false;
  }
}, 'must be an http(s) URL without credentials');

/**
 * Reads and checks every setting at once, so a person fixing `.env` sees all problems in one go. Problems
 * name variables and say what is expected; they never repeat a value, since values may be secrets.
 */
export function loadConfig(env: Env): ConfigResult {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const required = (name: string, what: string): string | undefined => {
    const value = read(name);
    if (value === undefined) problems.push(`${name} is missing: ${what}.`);
    return value;
  };
  const checked = <T>(
    name: string,
    value: string | undefined,
    schema: z.ZodType<T>,
    what: string,
  ): T | undefined => {
    if (value === undefined) return undefined;
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      problems.push(`${name} is invalid: ${what}.`);
      return undefined;
    }
    return parsed.data;
  };

  const botToken = required(
    'SLACK_BOT_TOKEN',
    'the bot token (xoxb-…) from your Slack app’s OAuth & Permissions page',
  );
  checked('SLACK_BOT_TOKEN', botToken, z.string().startsWith('xoxb-'), 'a bot token starts with xoxb-');
  const appToken = read('SLACK_APP_TOKEN');
  checked(
    'SLACK_APP_TOKEN',
    appToken,
    z.string().startsWith('xapp-'),
    'an app-level token starts with xapp-',
  );
  const signingSecret =
    appToken === undefined
      ? required(
          'SLACK_SIGNING_SECRET',
          'the signing secret from your Slack app’s Basic Information page (HTTP mode)',
        )
      : read('SLACK_SIGNING_SECRET');
  checked(
    'SLACK_SIGNING_SECRET',
    signingSecret,
    z.string().regex(/^[0-9a-zA-Z]{16,128}$/),
    'expected the hex signing secret from Basic Information',
  );
  const apiUrl = checked(
    'SLACK_API_URL',
    read('SLACK_API_URL'),
    httpUrl,
    'must be an http(s) URL without credentials',
  );

  const port =
    checked(
      'PORT',
      read('PORT'),
      z.coerce.number().int().min(0).max(65535),
      'must be a port number from 0 to 65535',
    ) ?? 3000;

  const environments = readEnvironments(read, problems);

  const allowedRaw = read('FLOW_ALLOWED_USERS') ?? '';
  const allowedSubjects = allowedRaw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const badSubjects = allowedSubjects.filter((entry) => !isSubjectId(entry));
  if (badSubjects.length > 0) {
    problems.push(
      `FLOW_ALLOWED_USERS is invalid: ${badSubjects.length} entr${badSubjects.length === 1 ? 'y is' : 'ies are'} not a Slack user ID (U…/W…) or user-group ID (S…) — use IDs, not names (e.g. ${badSubjects
        .slice(0, 3)
        .map((entry) => JSON.stringify(entry.slice(0, 24)))
        .join(', ')}).`,
    );
  }

  const groupCacheTtlMs =
    (checked(
      'FLOW_GROUP_CACHE_SECONDS',
      read('FLOW_GROUP_CACHE_SECONDS'),
      z.coerce.number().int().min(0).max(86_400),
      'seconds from 0 to 86400',
    ) ?? 300) * 1000;

  const policyFile = read('FLOW_POLICY_FILE');
  const reminderText = read('FLOW_PAUSE_REMINDER')?.toLowerCase();
  let pauseReminderMs: number | undefined = 60 * 60_000;
  if (reminderText === 'off') pauseReminderMs = undefined;
  else if (reminderText !== undefined) {
    const seconds = parseDurationSeconds(reminderText);
    if (seconds === undefined || seconds < 60) {
      problems.push('FLOW_PAUSE_REMINDER is invalid: a duration of at least 1m (such as 30m or 2h), or off.');
    } else pauseReminderMs = seconds * 1000;
  }

  const channelId = z.string().regex(/^[CGD][A-Z0-9]{2,}$/);
  const alertsToken = read('ALERTS_TOKEN');
  if (alertsToken !== undefined && (alertsToken.length < 16 || /\s/.test(alertsToken))) {
    problems.push(
      'ALERTS_TOKEN is invalid: use a random secret of at least 16 characters without spaces (e.g. openssl rand -hex 24).',
    );
  }
  const alertsChannel = checked(
    'ALERTS_CHANNEL',
    read('ALERTS_CHANNEL'),
    channelId,
    'a Slack channel ID (C…), not a name',
  );
  const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/);
  const label = (name: string, fallback: string) =>
    checked(name, read(name), labelName, 'a Prometheus label name (letters, digits, _)') ?? fallback;
  const labels = {
    key: label('ALERTS_KEY_LABEL', 'flow_control_key'),
    environment: label('ALERTS_ENVIRONMENT_LABEL', 'flow_environment'),
    channel: label('ALERTS_CHANNEL_LABEL', 'slack_channel'),
  };

  const watchKeys = splitList(read('FLOW_WATCH_KEYS'));
  let watch: Config['watch'];
  if (watchKeys.length > 0) {
    const badGlob = watchKeys.find((glob) => glob.length > 256 || /\p{Cc}/u.test(glob));
    if (badGlob !== undefined)
      problems.push(
        'FLOW_WATCH_KEYS is invalid: key patterns are at most 256 characters, without control characters.',
      );
    const watchEnvironments = splitList(read('FLOW_WATCH_ENVIRONMENTS'));
    const known = environments.map((environment) => environment.name);
    const unknown = watchEnvironments.filter((name) => !known.includes(name));
    if (unknown.length > 0)
      problems.push(
        `FLOW_WATCH_ENVIRONMENTS is invalid: ${unknown.map((name) => JSON.stringify(name.slice(0, 32))).join(', ')} not in FLOW_ENVIRONMENTS.`,
      );
    const intervalText = read('FLOW_WATCH_INTERVAL') ?? '60s';
    const intervalSeconds = parseDurationSeconds(intervalText);
    if (intervalSeconds === undefined || intervalSeconds > 86_400) {
      problems.push('FLOW_WATCH_INTERVAL is invalid: a duration such as 30s or 2m (at most 24h).');
    }
    const threshold =
      checked(
        'FLOW_WATCH_WAITLIST',
        read('FLOW_WATCH_WAITLIST'),
        z.coerce.number().int().min(0).max(1e12),
        'a whole number of waiting messages (0: alert on paused keys only)',
      ) ?? 1000;
    const channel =
      checked(
        'FLOW_WATCH_CHANNEL',
        read('FLOW_WATCH_CHANNEL'),
        channelId,
        'a Slack channel ID (C…), not a name',
      ) ?? alertsChannel;
    if (channel === undefined)
      problems.push(
        'FLOW_WATCH_CHANNEL is missing: the channel for the watcher’s alerts (or set ALERTS_CHANNEL).',
      );
    watch = {
      keys: watchKeys,
      environments: watchEnvironments.length > 0 ? watchEnvironments : known,
      intervalMs: (intervalSeconds ?? 60) * 1000,
      waitlistThreshold: threshold,
      channel: channel ?? '',
    };
  }

  let rateLimit: Config['rateLimit'] = { limit: 30, windowMs: 60_000 };
  const rateText = read('FLOW_RATE_LIMIT')?.toLowerCase();
  if (rateText === 'off') rateLimit = undefined;
  else if (rateText !== undefined) {
    const match = /^(\d{1,6})\s*\/\s*(\S+)$/.exec(rateText);
    const seconds = match ? parseDurationSeconds(match[2] ?? '') : undefined;
    if (!match || seconds === undefined || Number(match[1]) < 1 || seconds > 86_400) {
      problems.push(
        'FLOW_RATE_LIMIT is invalid: changes per person per window, like 30/1m or 100/1h, or off.',
      );
    } else rateLimit = { limit: Number(match[1]), windowMs: seconds * 1000 };
  }

  const redisUrl = read('REDIS_URL');
  if (redisUrl !== undefined) {
    let valid = false;
    try {
      const url = new URL(redisUrl);
      valid = (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
    } catch {
      valid = false;
    }
    if (!valid)
      problems.push(
        'REDIS_URL is invalid: use redis://[:password@]host:port or rediss://… for TLS (e.g. Upstash Redis).',
      );
  }

  const logLevel =
    checked(
      'LOG_LEVEL',
      read('LOG_LEVEL')?.toLowerCase(),
      z.enum(LOG_LEVELS),
      `one of ${LOG_LEVELS.join(', ')}`,
    ) ?? ('info' satisfies LogLevel);

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: {
      slack: {
        botToken: botToken as string,
        signingSecret,
        appToken,
        apiUrl: apiUrl === undefined ? undefined : withTrailingSlash(apiUrl),
      },
      port,
      qstash: { environments },
      access: { allowedSubjects, groupCacheTtlMs, policyFile },
      pauseReminderMs,
      alerts: { token: alertsToken, defaultChannel: alertsChannel, labels },
      watch,
      dataDir: read('FLOW_DATA_DIR') ?? './data',
      redisUrl,
      rateLimit,
      logLevel,
    },
  };
}

function splitList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

function readEnvironments(
  read: (name: string) => string | undefined,
  problems: string[],
): { name: string; url: string; token: string }[] {
  const listed = read('FLOW_ENVIRONMENTS');
  const urlOk = (name: string, value: string) => {
    if (!httpUrl.safeParse(value).success) {
      problems.push(`${name} is invalid: must be an http(s) URL without credentials.`);
      return false;
    }
    return true;
  };
  if (listed === undefined) {
    const token = read('QSTASH_TOKEN');
    if (token === undefined)
      problems.push(
        'QSTASH_TOKEN is missing: the QStash token from the Upstash console (QStash → Settings).',
      );
    const url = read('QSTASH_URL') ?? DEFAULT_QSTASH_URL;
    urlOk('QSTASH_URL', url);
    return [{ name: 'default', url, token: token ?? '' }];
  }
  const names = listed
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const environments: { name: string; url: string; token: string }[] = [];
  const seen = new Set<string>();
  const suffixes = new Map<string, string>();
  if (names.length === 0)
    problems.push('FLOW_ENVIRONMENTS is invalid: list at least one environment name, e.g. prod,staging.');
  for (const name of names) {
    if (!ENVIRONMENT_NAME.test(name)) {
      problems.push(
        `FLOW_ENVIRONMENTS is invalid: ${JSON.stringify(name.slice(0, 32))} is not a valid name (lower-case letters, digits, - and _, starting with a letter).`,
      );
      continue;
    }
    if (seen.has(name)) {
      problems.push(`FLOW_ENVIRONMENTS is invalid: "${name}" is listed twice.`);
      continue;
    }
    seen.add(name);
    const suffix = name.toUpperCase().replace(/-/g, '_');
    if (suffixes.has(suffix)) {
      problems.push(
        `FLOW_ENVIRONMENTS is invalid: "${name}" and "${suffixes.get(suffix)}" would both read QSTASH_*_${suffix}.`,
      );
      continue;
    }
    suffixes.set(suffix, name);
    const tokenName = `QSTASH_TOKEN_${suffix}`;
    const urlName = `QSTASH_URL_${suffix}`;
    const token = read(tokenName);
    if (token === undefined)
      problems.push(`${tokenName} is missing: the QStash token of the "${name}" environment.`);
    const url = read(urlName);
    if (url === undefined)
      problems.push(
        `${urlName} is missing: the QStash URL of the "${name}" environment (e.g. ${DEFAULT_QSTASH_URL}).`,
      );
    else urlOk(urlName, url);
    environments.push({ name, url: url ?? DEFAULT_QSTASH_URL, token: token ?? '' });
  }
  return environments;
}

export function formatConfigProblems(problems: readonly string[]): string {
  return [
    'Flowbot cannot start. Fix these settings (in .env or the environment; see .env.example):',
    ...problems.map((problem) => `  - ${problem}`),
    'To try Flowbot locally without Slack or QStash accounts, run: npm run sandbox',
  ].join('\n');
}
