import { readFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config/defaults.js';
import { DEFAULT_QSTASH_URL, formatConfigProblems, loadConfig } from '../../src/config/load-config.js';
import { inFlightBoundFor } from '../../src/config/sections/runtime.js';

// Distinctive fake secrets: if any of these (or a recognisable part) shows up in a problem, it leaked.
const BOT = 'xoxb-1111-FAKEBOTSECRETzq7';
const SIGNING = 'ab12cd34ef56ab78cd90ef12ab34cd56';
const APP = 'xapp-1-FAKEAPPSECRETvk3';
const QSTASH = 'FAKEQSTASHSECRETeyJ9wx4==';

type Env = Record<string, string | undefined>;

const http: Env = { SLACK_BOT_TOKEN: BOT, SLACK_SIGNING_SECRET: SIGNING, QSTASH_TOKEN: QSTASH };

function problemsOf(env: Env): string[] {
  const result = loadConfig(env);
  if (result.kind === 'ok') throw new Error('expected problems, got a config');
  return result.problems;
}

function configOf(env: Env) {
  const result = loadConfig(env);
  if (result.kind === 'invalid')
    throw new Error(`expected a config, got problems: ${result.problems.join(' | ')}`);
  return result.config;
}

describe('loadConfig: a valid HTTP-mode environment', () => {
  it('fills every default', () => {
    expect(configOf(http)).toEqual({
      slack: { botToken: BOT, signingSecret: SIGNING, appToken: undefined, apiUrl: undefined },
      port: 3000,
      maxInFlight: inFlightBoundFor(getHeapStatistics().heap_size_limit),
      qstash: {
        environments: [
          {
            name: 'default',
            url: DEFAULT_QSTASH_URL,
            token: QSTASH,
            settingNames: { url: 'QSTASH_URL', token: 'QSTASH_TOKEN' },
          },
        ],
        limit: { maxConcurrent: 100, maxQueued: 1000 },
      },
      access: { allowedSubjects: [], groupCacheTtlMs: 300_000, policyFile: undefined },
      pauseReminderMs: 3_600_000,
      alerts: {
        token: undefined,
        defaultChannel: undefined,
        labels: { key: 'flow_control_key', environment: 'flow_environment', channel: 'slack_channel' },
        allowedChannels: undefined,
        maxKeysPerRequest: 50,
        staleAfterMs: 86_400_000,
        keepResolvedMs: 14 * 86_400_000,
        rollup: { after: 5, windowMs: 600_000 },
      },
      watch: undefined,
      rateLimit: { limit: 30, windowMs: 60_000 },
      bulk: { concurrency: 5, qstashRequestsPerSecond: 50 },
      dataDir: './data',
      logLevel: 'info',
    });
    expect(DEFAULT_QSTASH_URL).toBe('https://qstash.upstash.io');
  });

  it('reads every optional setting and trims values', () => {
    const config = configOf({
      ...http,
      SLACK_BOT_TOKEN: `  ${BOT}\n`,
      SLACK_API_URL: 'http://127.0.0.1:9999/api',
      PORT: ' 8080 ',
      QSTASH_URL: 'http://localhost:8081/',
      FLOW_ALLOWED_USERS: ' U0123ABC , W0456DEF,,S0789GHI, ',
      FLOW_GROUP_CACHE_SECONDS: '60',
      FLOW_DATA_DIR: '/var/lib/flowbot',
      LOG_LEVEL: 'DEBUG',
    });
    expect(config.slack.botToken).toBe(BOT);
    expect(config.slack.apiUrl).toBe('http://127.0.0.1:9999/api/');
    expect(config.port).toBe(8080);
    expect(config.qstash.environments).toEqual([
      {
        name: 'default',
        url: 'http://localhost:8081/',
        token: QSTASH,
        settingNames: { url: 'QSTASH_URL', token: 'QSTASH_TOKEN' },
      },
    ]);
    expect(config.access).toEqual({
      allowedSubjects: ['U0123ABC', 'W0456DEF', 'S0789GHI'],
      groupCacheTtlMs: 60_000,
    });
    expect(config.dataDir).toBe('/var/lib/flowbot');
    expect(config.logLevel).toBe('debug');
  });

  it('keeps an API URL that already ends in a slash as it is', () => {
    expect(configOf({ ...http, SLACK_API_URL: 'https://slack.example/api/' }).slack.apiUrl).toBe(
      'https://slack.example/api/',
    );
  });

  it('treats empty and whitespace-only values as unset', () => {
    const config = configOf({
      ...http,
      PORT: '',
      LOG_LEVEL: '   ',
      SLACK_APP_TOKEN: ' ',
      FLOW_DATA_DIR: '\t',
    });
    expect(config.port).toBe(3000);
    expect(config.logLevel).toBe('info');
    expect(config.slack.appToken).toBeUndefined();
    expect(config.dataDir).toBe('./data');
  });

  it('does not modify the environment it reads', () => {
    const env = Object.freeze({ ...http, PORT: '1234' });
    expect(configOf(env).port).toBe(1234);
  });
});

describe('the table of defaults', () => {
  it('is what an unset variable means: setting each to its default changes nothing', () => {
    const all = Object.fromEntries(Object.entries(DEFAULTS));
    expect(configOf({ ...http, ...all, FLOW_WATCH_KEYS: undefined })).toEqual(configOf(http));
  });

  it('is what .env.example shows for each variable', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    for (const [name, value] of Object.entries(DEFAULTS)) {
      expect(example, name).toMatch(
        new RegExp(`^(# )?${name}=${value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`, 'm'),
      );
    }
  });
});

describe('loadConfig: Socket Mode versus HTTP mode', () => {
  it('Socket Mode needs no signing secret', () => {
    const config = configOf({ SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP, QSTASH_TOKEN: QSTASH });
    expect(config.slack.appToken).toBe(APP);
    expect(config.slack.signingSecret).toBeUndefined();
  });

  it('Socket Mode still checks a signing secret that is given', () => {
    expect(
      problemsOf({
        SLACK_BOT_TOKEN: BOT,
        SLACK_APP_TOKEN: APP,
        QSTASH_TOKEN: QSTASH,
        SLACK_SIGNING_SECRET: 'short',
      }),
    ).toEqual([
      'SLACK_SIGNING_SECRET is invalid: expected the hex signing secret from Basic Information (Socket Mode doesn’t use it: leave it empty).',
    ]);
  });

  it('HTTP mode requires the signing secret', () => {
    expect(problemsOf({ SLACK_BOT_TOKEN: BOT, QSTASH_TOKEN: QSTASH })).toEqual([
      'SLACK_SIGNING_SECRET is missing: the signing secret from your Slack app’s Basic Information page (HTTP mode), or set SLACK_APP_TOKEN to use Socket Mode instead (no public URL needed).',
    ]);
  });

  it('an invalid app token is reported but still means Socket Mode (no signing-secret complaint)', () => {
    expect(
      problemsOf({ SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: 'xoxb-not-an-app-token', QSTASH_TOKEN: QSTASH }),
    ).toEqual(['SLACK_APP_TOKEN is invalid: an app-level token starts with xapp-.']);
  });
});

describe('loadConfig: problems', () => {
  it('reports every missing required setting at once', () => {
    expect(problemsOf({})).toEqual([
      'SLACK_BOT_TOKEN is missing: the bot token (xoxb-…) from your Slack app’s OAuth & Permissions page.',
      'SLACK_SIGNING_SECRET is missing: the signing secret from your Slack app’s Basic Information page (HTTP mode), or set SLACK_APP_TOKEN to use Socket Mode instead (no public URL needed).',
      'QSTASH_TOKEN is missing: the QStash token from the Upstash console (QStash → Settings).',
    ]);
  });

  it('checks token prefixes', () => {
    expect(problemsOf({ ...http, SLACK_BOT_TOKEN: 'xoxp-user-token-not-bot' })).toEqual([
      'SLACK_BOT_TOKEN is invalid: a bot token starts with xoxb-.',
    ]);
    expect(problemsOf({ ...http, SLACK_BOT_TOKEN: 'XOXB-upper' })).toEqual([
      'SLACK_BOT_TOKEN is invalid: a bot token starts with xoxb-.',
    ]);
    expect(problemsOf({ ...http, SLACK_APP_TOKEN: 'xapp' })).toEqual([
      'SLACK_APP_TOKEN is invalid: an app-level token starts with xapp-.',
    ]);
  });

  it('checks the signing secret shape', () => {
    for (const secret of [
      'short',
      'g'.repeat(15),
      'a'.repeat(129),
      'ab12cd34ef56ab78-cd90',
      'ab12cd34ef56ab78 cd90',
    ]) {
      expect(problemsOf({ ...http, SLACK_SIGNING_SECRET: secret }), secret).toEqual([
        'SLACK_SIGNING_SECRET is invalid: expected the hex signing secret from Basic Information.',
      ]);
    }
    expect(configOf({ ...http, SLACK_SIGNING_SECRET: 'a'.repeat(16) }).slack.signingSecret).toBe(
      'a'.repeat(16),
    );
    expect(configOf({ ...http, SLACK_SIGNING_SECRET: 'a'.repeat(128) }).slack.signingSecret).toBe(
      'a'.repeat(128),
    );
  });

  it('accepts ports 0 to 65535 and refuses everything else', () => {
    expect(configOf({ ...http, PORT: '0' }).port).toBe(0);
    expect(configOf({ ...http, PORT: '65535' }).port).toBe(65535);
    for (const port of ['65536', '-1', '80.5', 'http', '1e9', 'NaN', 'Infinity', '3000abc']) {
      expect(problemsOf({ ...http, PORT: port }), port).toEqual([
        'PORT is invalid: must be a port number from 0 to 65535.',
      ]);
    }
  });

  it('checks FLOW_GROUP_CACHE_SECONDS bounds', () => {
    expect(configOf({ ...http, FLOW_GROUP_CACHE_SECONDS: '0' }).access.groupCacheTtlMs).toBe(0);
    expect(configOf({ ...http, FLOW_GROUP_CACHE_SECONDS: '86400' }).access.groupCacheTtlMs).toBe(86_400_000);
    for (const value of ['86401', '-5', '1.5', 'forever']) {
      expect(problemsOf({ ...http, FLOW_GROUP_CACHE_SECONDS: value }), value).toEqual([
        'FLOW_GROUP_CACHE_SECONDS is invalid: seconds from 0 to 86400.',
      ]);
    }
  });

  it('checks LOG_LEVEL case-insensitively and lists the accepted levels', () => {
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) {
      expect(configOf({ ...http, LOG_LEVEL: level.toUpperCase() }).logLevel).toBe(level);
    }
    expect(problemsOf({ ...http, LOG_LEVEL: 'verbose' })).toEqual([
      'LOG_LEVEL is invalid: one of fatal, error, warn, info, debug, trace, silent.',
    ]);
    expect(problemsOf({ ...http, LOG_LEVEL: '__proto__' })).toHaveLength(1);
  });

  it('refuses non-http(s) and unparseable URLs', () => {
    for (const url of [
      'ftp://qstash.example',
      'javascript:alert(1)',
      'not a url',
      'qstash.upstash.io',
      'file:///etc/passwd',
    ]) {
      expect(problemsOf({ ...http, QSTASH_URL: url }), url).toEqual([
        'QSTASH_URL is invalid: must be an http(s) URL without credentials.',
      ]);
      expect(problemsOf({ ...http, SLACK_API_URL: url }), url).toEqual([
        'SLACK_API_URL is invalid: must be an http(s) URL without credentials.',
      ]);
    }
  });

  it('refuses URLs with credentials', () => {
    expect(problemsOf({ ...http, QSTASH_URL: 'https://user:pass@qstash.example' })).toEqual([
      'QSTASH_URL is invalid: must be an http(s) URL without credentials.',
    ]);
    expect(problemsOf({ ...http, SLACK_API_URL: 'https://onlyuser@slack.example/api/' })).toEqual([
      'SLACK_API_URL is invalid: must be an http(s) URL without credentials.',
    ]);
  });
});

describe('loadConfig: policy file and pause reminders', () => {
  it('reads FLOW_POLICY_FILE as a path, trimmed', () => {
    expect(configOf({ ...http, FLOW_POLICY_FILE: ' ./policy.yml ' }).access.policyFile).toBe('./policy.yml');
  });

  it('reads FLOW_PAUSE_REMINDER as a duration of at least a minute, or off', () => {
    expect(configOf({ ...http, FLOW_PAUSE_REMINDER: '30m' }).pauseReminderMs).toBe(1_800_000);
    expect(configOf({ ...http, FLOW_PAUSE_REMINDER: '2H' }).pauseReminderMs).toBe(7_200_000);
    expect(configOf({ ...http, FLOW_PAUSE_REMINDER: '60' }).pauseReminderMs).toBe(60_000);
    expect(configOf({ ...http, FLOW_PAUSE_REMINDER: 'OFF' }).pauseReminderMs).toBeUndefined();
    expect(configOf({ ...http, FLOW_PAUSE_REMINDER: ' ' }).pauseReminderMs).toBe(3_600_000);
  });

  it('refuses reminders shorter than a minute and garbage, without echoing the value', () => {
    for (const value of ['59s', '59', '0', '-5m', '1.5h', 'soon', '1h30m', 'FAKEREMINDER99']) {
      const problems = problemsOf({ ...http, FLOW_PAUSE_REMINDER: value });
      expect(problems, value).toEqual([
        'FLOW_PAUSE_REMINDER is invalid: a duration of at least 1m (such as 30m or 2h), or off.',
      ]);
    }
  });
});

describe('loadConfig: FLOW_ALLOWED_USERS', () => {
  it('accepts U…, W… and S… IDs', () => {
    expect(configOf({ ...http, FLOW_ALLOWED_USERS: 'U01,W0ABCDEF,S0GROUP9' }).access.allowedSubjects).toEqual(
      ['U01', 'W0ABCDEF', 'S0GROUP9'],
    );
  });

  it('refuses names and other IDs, counting them and quoting at most three, each cut to 24 characters', () => {
    const problems = problemsOf({
      ...http,
      FLOW_ALLOWED_USERS: `alice,U0OK1,@bob,C0CHANNEL,u0lower,${'x'.repeat(100)}`,
    });
    expect(problems).toEqual([
      'FLOW_ALLOWED_USERS is invalid: 5 entries are not a Slack user ID (U…/W…) or user-group ID (S…) — use IDs, not names (e.g. "alice", "@bob", "C0CHANNEL").',
    ]);
  });

  it('uses the singular for one bad entry', () => {
    expect(problemsOf({ ...http, FLOW_ALLOWED_USERS: 'U0OK1,U1' })).toEqual([
      'FLOW_ALLOWED_USERS is invalid: 1 entry is not a Slack user ID (U…/W…) or user-group ID (S…) — use IDs, not names (e.g. "U1").',
    ]);
  });

  it('quotes hostile entries as JSON so they cannot break the line', () => {
    const [problem] = problemsOf({ ...http, FLOW_ALLOWED_USERS: '<!channel>,`x`,__proto__' });
    expect(problem).toContain('"<!channel>", "`x`", "__proto__"');
    const [newline] = problemsOf({ ...http, FLOW_ALLOWED_USERS: 'a\u0007b' });
    expect(newline).toContain('"a\\u0007b"');
  });

  it('an empty list is valid (deny by default)', () => {
    expect(configOf({ ...http, FLOW_ALLOWED_USERS: ' , ,' }).access.allowedSubjects).toEqual([]);
  });
});

describe('loadConfig: FLOW_ENVIRONMENTS', () => {
  const multi: Env = {
    SLACK_BOT_TOKEN: BOT,
    SLACK_SIGNING_SECRET: SIGNING,
    FLOW_ENVIRONMENTS: 'prod, eu-west,staging_2',
    QSTASH_URL_PROD: 'https://qstash.upstash.io',
    QSTASH_TOKEN_PROD: 'FAKEPRODTOKENaa1',
    QSTASH_URL_EU_WEST: 'https://qstash-eu.example',
    QSTASH_TOKEN_EU_WEST: 'FAKEEUTOKENbb2',
    QSTASH_URL_STAGING_2: 'http://localhost:8080',
    QSTASH_TOKEN_STAGING_2: 'FAKESTAGINGTOKENcc3',
  };

  it('reads each environment from QSTASH_URL_<NAME> and QSTASH_TOKEN_<NAME>, in order', () => {
    expect(configOf(multi).qstash.environments).toEqual([
      {
        name: 'prod',
        url: 'https://qstash.upstash.io',
        token: 'FAKEPRODTOKENaa1',
        settingNames: { url: 'QSTASH_URL_PROD', token: 'QSTASH_TOKEN_PROD' },
      },
      {
        name: 'eu-west',
        url: 'https://qstash-eu.example',
        token: 'FAKEEUTOKENbb2',
        settingNames: { url: 'QSTASH_URL_EU_WEST', token: 'QSTASH_TOKEN_EU_WEST' },
      },
      {
        name: 'staging_2',
        url: 'http://localhost:8080',
        token: 'FAKESTAGINGTOKENcc3',
        settingNames: { url: 'QSTASH_URL_STAGING_2', token: 'QSTASH_TOKEN_STAGING_2' },
      },
    ]);
  });

  it('ignores the unsuffixed QSTASH_TOKEN and QSTASH_URL then', () => {
    const config = configOf({ ...multi, QSTASH_TOKEN: 'ignored-token', QSTASH_URL: 'not a url' });
    expect(config.qstash.environments.map((e) => e.token)).not.toContain('ignored-token');
  });

  it('names each missing variable', () => {
    expect(
      problemsOf({
        ...multi,
        QSTASH_TOKEN_EU_WEST: undefined,
        QSTASH_URL_STAGING_2: ' ',
      }),
    ).toEqual([
      'QSTASH_TOKEN_EU_WEST is missing: the QStash token of the "eu-west" environment.',
      'QSTASH_URL_STAGING_2 is missing: the QStash URL of the "staging_2" environment (e.g. https://qstash.upstash.io).',
    ]);
  });

  it('refuses bad URLs per environment', () => {
    expect(problemsOf({ ...multi, QSTASH_URL_PROD: 'ftp://x' })).toEqual([
      'QSTASH_URL_PROD is invalid: must be an http(s) URL without credentials.',
    ]);
  });

  it('refuses invalid and duplicate names', () => {
    const problems = problemsOf({
      ...multi,
      FLOW_ENVIRONMENTS: `prod,Prod,1abc,__proto__,${'a'.repeat(33)},prod,<!channel>`,
    });
    expect(problems).toEqual([
      'FLOW_ENVIRONMENTS is invalid: "Prod" is not a valid name (lower-case letters, digits, - and _, starting with a letter).',
      'FLOW_ENVIRONMENTS is invalid: "1abc" is not a valid name (lower-case letters, digits, - and _, starting with a letter).',
      'FLOW_ENVIRONMENTS is invalid: "__proto__" is not a valid name (lower-case letters, digits, - and _, starting with a letter).',
      `FLOW_ENVIRONMENTS is invalid: "${'a'.repeat(32)}" is not a valid name (lower-case letters, digits, - and _, starting with a letter).`,
      'FLOW_ENVIRONMENTS is invalid: "prod" is listed twice.',
      'FLOW_ENVIRONMENTS is invalid: "<!channel>" is not a valid name (lower-case letters, digits, - and _, starting with a letter).',
    ]);
  });

  it('accepts a 32-character name', () => {
    const name = `a${'b'.repeat(31)}`;
    const suffix = name.toUpperCase();
    const config = configOf({
      ...http,
      FLOW_ENVIRONMENTS: name,
      [`QSTASH_URL_${suffix}`]: 'https://q.example',
      [`QSTASH_TOKEN_${suffix}`]: 'tok-32',
    });
    expect(config.qstash.environments).toEqual([
      {
        name,
        url: 'https://q.example',
        token: 'tok-32',
        settingNames: { url: `QSTASH_URL_${suffix}`, token: `QSTASH_TOKEN_${suffix}` },
      },
    ]);
  });

  it('reads the bounds on QStash work and refuses nonsense', () => {
    expect(configOf({ ...http, QSTASH_MAX_CONCURRENT: '8', FLOW_MAX_QUEUED: '0' }).qstash.limit).toEqual({
      maxConcurrent: 8,
      maxQueued: 0,
    });
    expect(problemsOf({ ...http, QSTASH_MAX_CONCURRENT: '0' })).toEqual([
      'QSTASH_MAX_CONCURRENT is invalid: a whole number of calls from 1 to 10000.',
    ]);
    expect(problemsOf({ ...http, FLOW_MAX_QUEUED: 'lots' })).toEqual([
      'FLOW_MAX_QUEUED is invalid: a whole number of waiting calls from 0 to 1000000.',
    ]);
  });

  it('reads the bound on requests in flight: auto from the heap budget, a whole number, or a clear problem', () => {
    expect(configOf(http).maxInFlight).toBe(inFlightBoundFor(getHeapStatistics().heap_size_limit));
    expect(configOf({ ...http, FLOW_MAX_IN_FLIGHT: 'AUTO' }).maxInFlight).toBe(configOf(http).maxInFlight);
    expect(configOf({ ...http, FLOW_MAX_IN_FLIGHT: ' 250 ' }).maxInFlight).toBe(250);
    expect(configOf({ ...http, FLOW_MAX_IN_FLIGHT: '1' }).maxInFlight).toBe(1);
    expect(configOf({ ...http, FLOW_MAX_IN_FLIGHT: '1000000' }).maxInFlight).toBe(1_000_000);
    for (const hostile of [
      '0',
      '-5',
      '2.5',
      '5.0',
      '+5',
      '0x10',
      '1e3',
      '١٢٣',
      'lots',
      'auto2',
      'Infinity',
      'NaN',
      '1000001',
      '1e400',
      '9'.repeat(400),
      '12 requests',
      '$(echo 9)',
    ])
      expect(problemsOf({ ...http, FLOW_MAX_IN_FLIGHT: hostile }), hostile).toEqual([
        'FLOW_MAX_IN_FLIGHT is invalid: auto, or a whole number of requests from 1 to 1000000.',
      ]);
  });

  it('derives the bound on requests in flight from the heap budget: a quarter of it at 32 KiB a request', () => {
    const MiB = 1024 * 1024;
    expect(inFlightBoundFor(256 * MiB)).toBe(2048);
    expect(inFlightBoundFor(512 * MiB)).toBe(4096);
    // A tiny budget still serves some; an absurd one is capped; nonsense falls back to the floor.
    expect(inFlightBoundFor(1 * MiB)).toBe(50);
    expect(inFlightBoundFor(10 ** 15)).toBe(1_000_000);
    expect(inFlightBoundFor(Number.NaN)).toBe(50);
    expect(inFlightBoundFor(-1)).toBe(50);
  });

  it('refuses a QStash URL that carries a path, query or fragment, naming the setting and the base URL', () => {
    for (const url of [
      'https://qstash.upstash.io/v2',
      'https://qstash.upstash.io/v2/',
      'https://qstash.upstash.io/v2/flowControl',
      'https://qstash.upstash.io/?region=us',
      'https://qstash.upstash.io/#x',
    ]) {
      expect(problemsOf({ ...http, QSTASH_URL: url }), url).toEqual([
        "QSTASH_URL is invalid: must be QStash's base URL without a path, query or fragment (e.g. https://qstash.upstash.io); Flowbot adds /v2/… itself.",
      ]);
    }
    expect(
      problemsOf({
        ...http,
        FLOW_ENVIRONMENTS: 'prod',
        QSTASH_URL_PROD: 'https://qstash-us-east-1.upstash.io/v2',
        QSTASH_TOKEN_PROD: 'FAKEPRODTOKENaa1',
      }),
    ).toEqual([
      "QSTASH_URL_PROD is invalid: must be QStash's base URL without a path, query or fragment (e.g. https://qstash-us-east-1.upstash.io); Flowbot adds /v2/… itself.",
    ]);
    // A trailing slash alone is no path.
    expect(configOf({ ...http, QSTASH_URL: 'https://qstash.upstash.io/' }).qstash.environments[0]?.url).toBe(
      'https://qstash.upstash.io/',
    );
  });

  it('refuses a list with no names', () => {
    expect(problemsOf({ ...http, FLOW_ENVIRONMENTS: ' , ,' })).toEqual([
      'FLOW_ENVIRONMENTS is invalid: list at least one environment name, e.g. prod,staging.',
    ]);
  });
});

describe('loadConfig: all problems at once, and never a secret', () => {
  const broken: Env = {
    SLACK_BOT_TOKEN: 'FAKEBOTSECRETnoprefix-zz9', // a real-looking token pasted without xoxb-
    SLACK_APP_TOKEN: 'xoxb-FAKEAPPWRONGSECRET-77',
    SLACK_SIGNING_SECRET: 'SIGNING$SECRET$NOT$HEX-qq5',
    SLACK_API_URL: 'https://apiuser:FAKEAPIPASS11@slack.example/api/',
    PORT: '99999',
    FLOW_ENVIRONMENTS: 'prod,eu',
    QSTASH_URL_PROD: 'https://qsuser:FAKEQSPASS22@qstash.example',
    QSTASH_TOKEN_PROD: 'FAKEQSTASHPRODSECRET33',
    QSTASH_URL_EU: 'ftp://FAKEFTPSECRET44@host',
    QSTASH_TOKEN_EU: undefined,
    QSTASH_TOKEN: 'FAKEUNUSEDQSTASH55',
    QSTASH_URL: 'https://user:pass@host',
    FLOW_GROUP_CACHE_SECONDS: 'FAKECACHE66',
    LOG_LEVEL: 'FAKELOGLEVEL77',
  };

  it('lists every problem in one result', () => {
    expect(problemsOf(broken)).toEqual([
      'SLACK_BOT_TOKEN is invalid: a bot token starts with xoxb-.',
      'SLACK_APP_TOKEN is invalid: an app-level token starts with xapp-.',
      'SLACK_SIGNING_SECRET is invalid: expected the hex signing secret from Basic Information (Socket Mode doesn’t use it: leave it empty).',
      'SLACK_API_URL is invalid: must be an http(s) URL without credentials.',
      'PORT is invalid: must be a port number from 0 to 65535.',
      'QSTASH_URL_PROD is invalid: must be an http(s) URL without credentials.',
      'QSTASH_TOKEN_EU is missing: the QStash token of the "eu" environment.',
      'QSTASH_URL_EU is invalid: must be an http(s) URL without credentials.',
      'FLOW_GROUP_CACHE_SECONDS is invalid: seconds from 0 to 86400.',
      'LOG_LEVEL is invalid: one of fatal, error, warn, info, debug, trace, silent.',
    ]);
  });

  it('never repeats a secret value, valid or not, in the problems or their formatted text', () => {
    const secretEnvs: Env[] = [
      broken,
      { ...broken, FLOW_ENVIRONMENTS: undefined },
      { ...http, SLACK_BOT_TOKEN: 'xoxp-FAKEUSERTOKEN88', QSTASH_URL: 'https://user:pass@host' },
      {
        SLACK_BOT_TOKEN: BOT,
        SLACK_APP_TOKEN: APP,
        SLACK_SIGNING_SECRET: 'FAKE-SIG-zz',
        QSTASH_TOKEN: QSTASH,
        PORT: 'FAKEPORT',
      },
    ];
    const fragments = [
      'FAKE',
      'pass',
      'qsuser',
      'apiuser',
      'xoxb-1111',
      'xoxp-',
      'xapp-1-',
      'ab12cd34',
      'SIGNING$',
      '$NOT$',
      'eyJ9',
      'user:',
    ];
    for (const env of secretEnvs) {
      const problems = problemsOf(env);
      expect(problems.length).toBeGreaterThan(0);
      const text = formatConfigProblems(problems);
      for (const value of Object.values(env)) {
        if (value) expect(text).not.toContain(value);
      }
      for (const fragment of fragments) expect(text, fragment).not.toContain(fragment);
    }
  });
});

describe('formatConfigProblems', () => {
  it('puts a header line above one indented bullet per problem, then points at the sandbox', () => {
    expect(formatConfigProblems(['A is missing.', 'B is invalid.'])).toBe(
      'Flowbot cannot start. Fix these settings (in .env or the environment; see .env.example):\n  - A is missing.\n  - B is invalid.\nTo try Flowbot locally without Slack or QStash accounts, run: npm run sandbox',
    );
  });

  it('prints only the header and the sandbox hint for no problems', () => {
    expect(formatConfigProblems([])).toBe(
      'Flowbot cannot start. Fix these settings (in .env or the environment; see .env.example):\nTo try Flowbot locally without Slack or QStash accounts, run: npm run sandbox',
    );
  });
});

describe('loadConfig: where alert senders may post, and how long incidents live', () => {
  it('reads ALERTS_ALLOWED_CHANNELS as channel IDs, and the default channel must be one of them', () => {
    expect(configOf({ ...http, ALERTS_ALLOWED_CHANNELS: 'C0AAA, C0BBB' }).alerts.allowedChannels).toEqual([
      'C0AAA',
      'C0BBB',
    ]);
    expect(configOf(http).alerts.allowedChannels).toBeUndefined();
    expect(problemsOf({ ...http, ALERTS_ALLOWED_CHANNELS: '#incidents' })).toEqual([
      'ALERTS_ALLOWED_CHANNELS is invalid: comma-separated Slack channel IDs (C…), not names.',
    ]);
    expect(problemsOf({ ...http, ALERTS_ALLOWED_CHANNELS: 'C0AAA', ALERTS_CHANNEL: 'C0ZZZ' })[0]).toMatch(
      /^ALERTS_CHANNEL is invalid: must be one of ALERTS_ALLOWED_CHANNELS/,
    );
  });

  it('takes channel IDs in settings only as long as Slack’s can be (20 characters)', () => {
    const long = `C${'A'.repeat(5000)}`;
    const ok = `C${'A'.repeat(19)}`;
    expect(configOf({ ...http, ALERTS_CHANNEL: ok }).alerts.defaultChannel).toBe(ok);
    expect(problemsOf({ ...http, ALERTS_CHANNEL: `${ok}A` })[0]).toMatch(
      /^ALERTS_CHANNEL is invalid: .*at most 20/,
    );
    expect(problemsOf({ ...http, ALERTS_CHANNEL: long })[0]).toMatch(/^ALERTS_CHANNEL is invalid/);
    expect(problemsOf({ ...http, FLOW_WATCH_KEYS: 'orders-*', FLOW_WATCH_CHANNEL: long })[0]).toMatch(
      /^FLOW_WATCH_CHANNEL is invalid/,
    );
    expect(problemsOf({ ...http, ALERTS_ALLOWED_CHANNELS: `C0AAA,${long}` })[0]).toMatch(
      /^ALERTS_ALLOWED_CHANNELS is invalid/,
    );
    for (const problem of problemsOf({ ...http, ALERTS_CHANNEL: long }))
      expect(problem).not.toContain('AAAAAAAA');
  });

  it('bounds keys per request and incident lifetimes, with clear problems', () => {
    const alerts = configOf(http).alerts;
    expect(alerts).toMatchObject({
      maxKeysPerRequest: 50,
      staleAfterMs: 86_400_000,
      keepResolvedMs: 14 * 86_400_000,
    });
    expect(problemsOf({ ...http, ALERTS_MAX_KEYS_PER_REQUEST: '0' })[0]).toMatch(
      /^ALERTS_MAX_KEYS_PER_REQUEST is invalid/,
    );
    expect(
      configOf({ ...http, ALERTS_ROLLUP_AFTER: '2', ALERTS_ROLLUP_WINDOW: '30m' }).alerts.rollup,
    ).toEqual({
      after: 2,
      windowMs: 1_800_000,
    });
    for (const after of ['0', '51', 'many', '2.5'])
      expect(problemsOf({ ...http, ALERTS_ROLLUP_AFTER: after })[0]).toMatch(
        /^ALERTS_ROLLUP_AFTER is invalid/,
      );
    for (const window of ['5s', '2d', 'soon'])
      expect(problemsOf({ ...http, ALERTS_ROLLUP_WINDOW: window })[0]).toMatch(
        /^ALERTS_ROLLUP_WINDOW is invalid/,
      );
    expect(problemsOf({ ...http, ALERTS_STALE_AFTER: 'forever' })[0]).toMatch(
      /^ALERTS_STALE_AFTER is invalid/,
    );
    expect(problemsOf({ ...http, ALERTS_KEEP_RESOLVED: '1s' })[0]).toMatch(
      /^ALERTS_KEEP_RESOLVED is invalid/,
    );
  });
});

describe('loadConfig: the watcher’s conditions', () => {
  const watching = { ...http, FLOW_WATCH_KEYS: 'orders-*', FLOW_WATCH_CHANNEL: 'CALERTS01' };

  it('has defaults for the rounds and thresholds of each condition', () => {
    expect(configOf(watching).watch).toMatchObject({
      saturatedRounds: 3,
      stuckRounds: 3,
      growthRounds: 5,
      growthMin: 100,
      globalParallelismPercent: 90,
    });
  });

  it('takes 0 to turn a condition off', () => {
    expect(
      configOf({
        ...watching,
        FLOW_WATCH_SATURATED_ROUNDS: '0',
        FLOW_WATCH_STUCK_ROUNDS: '0',
        FLOW_WATCH_GROWTH_ROUNDS: '0',
        FLOW_WATCH_GLOBAL_PARALLELISM: '0',
      }).watch,
    ).toMatchObject({ saturatedRounds: 0, stuckRounds: 0, growthRounds: 0, globalParallelismPercent: 0 });
  });

  it('refuses what is not a whole number in range, naming the variable and never echoing the value', () => {
    const hostile = ['-1', '1.5', 'three', '1e400', '1001', '<!channel>'];
    for (const value of hostile) {
      for (const name of [
        'FLOW_WATCH_SATURATED_ROUNDS',
        'FLOW_WATCH_STUCK_ROUNDS',
        'FLOW_WATCH_GROWTH_ROUNDS',
      ]) {
        const problems = problemsOf({ ...watching, [name]: value });
        expect(problems.join('\n'), `${name}=${value}`).toContain(name);
        expect(problems.join('\n')).toContain('whole number of watcher rounds');
        if (/[a-z<]/.test(value)) expect(problems.join('\n')).not.toContain(value);
      }
    }
    expect(problemsOf({ ...watching, FLOW_WATCH_GROWTH_MIN: '0' }).join('\n')).toContain(
      'FLOW_WATCH_GROWTH_MIN',
    );
    for (const value of ['101', '-5', '50%', '9.5'])
      expect(problemsOf({ ...watching, FLOW_WATCH_GLOBAL_PARALLELISM: value }).join('\n')).toContain(
        'FLOW_WATCH_GLOBAL_PARALLELISM',
      );
  });
});

describe('loadConfig: every numeric setting takes a whole number in decimal digits, nothing else', () => {
  const everything = { ...http, FLOW_WATCH_KEYS: 'orders-*', FLOW_WATCH_CHANNEL: 'CALERTS01' };
  const numeric = (Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]).filter((name) =>
    /^\d+$/.test(DEFAULTS[name]),
  );

  it('covers every setting whose default is a number', () => {
    expect(numeric).toEqual(
      expect.arrayContaining([
        'PORT',
        'QSTASH_MAX_CONCURRENT',
        'FLOW_BULK_CONCURRENCY',
        'FLOW_WATCH_WAITLIST',
      ]),
    );
    expect(numeric.length).toBeGreaterThanOrEqual(14);
  });

  it('refuses other bases, exponents, fractions, signs, separators and other scripts’ digits, naming it', () => {
    const written = fc
      .nat(1_000)
      .chain((n) =>
        fc.constantFrom(
          `0x${n.toString(16)}`,
          `0b${n.toString(2)}`,
          `0o${n.toString(8)}`,
          `${n}e0`,
          `${n}.0`,
          `+${n}`,
          `-${n}`,
          `${n}_0`,
          `${n} 0`,
          [...String(n)].map((digit) => String.fromCharCode(0x0660 + Number(digit))).join(''),
          'Infinity',
          'NaN',
        ),
      );
    fc.assert(
      fc.property(fc.constantFrom(...numeric), written, (name, value) => {
        const problems = problemsOf({ ...everything, [name]: value }).join('\n');
        expect(problems, `${name}=${value}`).toContain(name);
      }),
    );
  });

  it('reads leading zeros as the same number', () => {
    for (const name of numeric)
      expect(configOf({ ...everything, [name]: `00${DEFAULTS[name]}` }), name).toEqual(configOf(everything));
  });
});
