import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LogLevel } from '@slack/logger';
import { WebClient } from '@slack/web-api';
import fc from 'fast-check';
import got from 'got';
import { describe, expect, it } from 'vitest';
import { base64Cores, REDACTED, secretScrubber, stripUrlSecrets } from '../../src/core/secrets.js';
import { createLogger, scrubSecrets, secretsOf } from '../../src/logger.js';
import { ENCODINGS, revealed } from '../support/secret-encodings.js';

const seedSetting = process.env.FUZZ_SEED ?? '20261128';
if (seedSetting !== 'random') fc.configureGlobal({ seed: Number(seedSetting) });

// A QStash-style token: base64 with +, / and =, so that every encoding writes it differently.
const TOKEN = 'eyJVc2VySUQiOi+Jk/ZWZhdWx0=';
const NOISE = Buffer.from([0xfe, 0x01, 0x7f, 0x80, 0x33]);

describe('secretScrubber: every spelling of a secret', () => {
  const scrub = secretScrubber([TOKEN]);
  for (const [name, encode] of Object.entries(ENCODINGS)) {
    it(`removes the secret written as ${name}`, () => {
      const text = `before ${encode(TOKEN, NOISE)} after`;
      const scrubbed = stripUrlSecrets(scrub(text));
      expect(revealed(scrubbed, TOKEN), scrubbed).toBeUndefined();
      // And inside a log line, where the text is itself a JSON string.
      const line = stripUrlSecrets(scrub(JSON.stringify({ msg: text })));
      expect(revealed(line, TOKEN), line).toBeUndefined();
      expect(() => JSON.parse(line)).not.toThrow();
      expect(line).toContain('before');
      expect(line).toContain('after');
    });
  }

  it('replaces mixed spellings (some characters encoded, others not) and overlapping ones once', () => {
    const mixed = `${TOKEN.slice(0, 5)}${encodeURIComponent(TOKEN.slice(5, 12))}${TOKEN.slice(12)}`;
    expect(scrub(`a ${mixed} b`)).toBe(`a ${REDACTED} b`);
    expect(scrub(`${TOKEN}${TOKEN}`)).toBe(`${REDACTED}${REDACTED}`);
    expect(scrub(`x${encodeURIComponent(TOKEN).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())}y`)).toBe(
      `x${REDACTED}y`,
    );
  });

  it('leaves text without the secret as it is, escapes and all', () => {
    for (const text of [
      'plain text',
      'a %20 b %zz \\n \\u0041 \\\\ "quoted"',
      '{"level":30,"msg":"x\\ny","url":"https://qstash.example/v2/flowControl/orders%2Deu"}',
      TOKEN.slice(0, -2),
      Buffer.from(TOKEN.slice(0, 6)).toString('base64'),
    ]) {
      expect(scrub(text)).toBe(text);
    }
  });

  it('finds base64 of the secret at every alignment inside longer base64', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 8, maxLength: 40 }),
        fc.uint8Array({ maxLength: 7 }),
        fc.uint8Array({ maxLength: 7 }),
        (secret, before, after) => {
          const encoded = Buffer.concat([before, Buffer.from(secret, 'utf8'), after]);
          const cores = base64Cores(secret);
          expect(cores.some((core) => encoded.toString('base64').includes(core))).toBe(true);
          expect(cores.some((core) => encoded.toString('base64url').includes(core))).toBe(true);
        },
      ),
      { numRuns: 2_000 },
    );
  }, 60_000);

  it('stays linear in the text: a megabyte with escapes everywhere is scrubbed in one pass', () => {
    const text = `${'%41\\u0042+'.repeat(100_000)}${encodeURIComponent(TOKEN)}${'\\\\%25'.repeat(50_000)}`;
    const scrubbed = scrub(text);
    expect(revealed(scrubbed.slice(900_000, 1_000_000), TOKEN)).toBeUndefined();
    expect(scrubbed).toContain(REDACTED);
  }, 60_000);
});

describe('stripUrlSecrets', () => {
  const cases: [string, string][] = [
    ['https://qstash.upstash.io/v2/flowControl/orders', 'https://qstash.upstash.io/v2/flowControl/orders'],
    ['GET https://h.example/a?token=abc&x=1 failed', `GET https://h.example/a?${REDACTED} failed`],
    ['https://user:pass@h.example/a', `https://${REDACTED}@h.example/a`],
    ['redis://:s3cret@redis.internal:6379/0', `redis://${REDACTED}@redis.internal:6379/0`],
    ['https://h.example/a#access_token=x', `https://h.example/a#${REDACTED}`],
    ['https://h.example?x=1#y', `https://h.example?${REDACTED}#${REDACTED}`],
    ['"url":"https://h.example/p?q=\\u0026t=1","x":1', `"url":"https://h.example/p?${REDACTED}","x":1`],
    ['https:\\/\\/u:p@h.example\\/p?t=1', `https:\\/\\/${REDACTED}@h.example\\/p?${REDACTED}`],
    ['see <https://h.example/a?b=c|the runbook>', `see <https://h.example/a?${REDACTED}|the runbook>`],
    ['file:///work/src/index.ts:12:3', 'file:///work/src/index.ts:12:3'],
    [
      'two: http://a.example/?x https://b.example/?y',
      `two: http://a.example/?${REDACTED} https://b.example/?${REDACTED}`,
    ],
    ['no url: a?b=c and x@y', 'no url: a?b=c and x@y'],
    // A response_url or incoming webhook: the path is the credential.
    [
      'POST https://hooks.slack.com/commands/T1DC2JH3J/397700885554/96rGlfmibIGlgcZRskXaIFfN failed',
      `POST https://hooks.slack.com/commands/${REDACTED} failed`,
    ],
    [
      'https://hooks.slack.com/actions/T1/2/abc?x=1',
      `https://hooks.slack.com/actions/${REDACTED}?${REDACTED}`,
    ],
    ['https://HOOKS.slack.com/services/T0/B0/XXXX', `https://HOOKS.slack.com/services/${REDACTED}`],
    [
      '"url":"https:\\/\\/hooks.slack.com\\/actions\\/T1\\/2\\/abc"',
      `"url":"https:\\/\\/hooks.slack.com\\/actions/${REDACTED}"`,
    ],
    ['https://hooks.slack.com/', 'https://hooks.slack.com/'],
    ['https://slack.com/api/chat.postMessage', 'https://slack.com/api/chat.postMessage'],
  ];
  for (const [text, expected] of cases) {
    it(`${JSON.stringify(text)} → ${JSON.stringify(expected)}`, () => {
      expect(stripUrlSecrets(text)).toBe(expected);
    });
  }
});

describe('the real logger: no spelling of a secret survives in any line', () => {
  // Secrets of every kind of character: letters to anchor them, then anything a token or password holds.
  const anchor = fc.string({
    unit: fc.constantFrom(...'abcdefghijkmnopqrstuvwxyzABCDEFGH0123456789'),
    minLength: 5,
    maxLength: 12,
  });
  const tail = fc.string({
    unit: fc.oneof(
      fc.constantFrom(...'-_.~!*\'()+/=:@&?#%"\\ ,;$[]{}<>|^`'),
      fc.constantFrom('é', 'ß', 'ü', '日', '😀', '\u0001', '\n'),
      fc.constantFrom(...'abcdefXYZ0189'),
    ),
    minLength: 3,
    maxLength: 30,
  });
  const secret = fc.tuple(anchor, tail, anchor).map(([a, b, c]) => `${a}${b}${c}`);
  const surrounding = fc.string({ unit: 'grapheme-ascii', maxLength: 40 });
  const encoding = fc.constantFrom(...Object.keys(ENCODINGS));
  const route = fc.constantFrom('message', 'field', 'error', 'url', 'nested', 'child', 'error data');

  it('holds for random secrets, surroundings, encodings and ways of logging', () => {
    fc.assert(
      fc.property(
        secret,
        surrounding,
        surrounding,
        encoding,
        route,
        fc.uint8Array({ minLength: 3, maxLength: 5 }),
        (secret, before, after, name, how, noise) => {
          const lines: string[] = [];
          const logger = createLogger({
            level: 'trace',
            secrets: [secret, 'another-secret-0123456789'],
            destination: { write: (line: string) => void lines.push(line) },
          });
          const text = `${before}${ENCODINGS[name]?.(secret, Buffer.from(noise)) ?? ''}${after}`;
          switch (how) {
            case 'message':
              logger.info(text);
              break;
            case 'field':
              logger.info({ note: text }, 'noted');
              break;
            case 'error':
              logger.error({ err: new Error(text) }, 'failed');
              break;
            case 'url':
              logger.warn({ url: `https://qstash.example/v2/flowControl/k?token=${text}` }, 'called');
              break;
            case 'nested':
              logger.info({ deep: { list: [{ value: text }] } }, 'deep');
              break;
            case 'child':
              logger.child({ binding: text }).info('from a child');
              break;
            case 'error data':
              logger.error({ err: Object.assign(new Error('Slack said no'), { data: { body: text } }) }, 'x');
              break;
          }
          expect(lines).toHaveLength(1);
          const line = lines[0] ?? '';
          expect(revealed(line, secret), `${name} via ${how}: ${line}`).toBeUndefined();
        },
      ),
      { numRuns: 2_000 },
    );
  }, 120_000);

  it('scrubSecrets cleans text for stderr the same way', () => {
    const text = `cannot connect to redis://:${encodeURIComponent(TOKEN)}@redis:6379 (${Buffer.from(`x:${TOKEN}`).toString('base64')})`;
    const cleaned = scrubSecrets(text, [TOKEN]);
    expect(revealed(cleaned, TOKEN)).toBeUndefined();
    expect(cleaned).toContain('@redis:6379');
  });
});

describe('errors from got and @slack/web-api in the log', () => {
  const token = 'xoxb-2222-errtoken/with+chars';
  function capture() {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'debug',
      secrets: [token],
      destination: { write: (line: string) => void lines.push(line) },
    });
    return { logger, lines };
  }

  it('logs a got error without its request options, URL query or credentials', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json', 'set-cookie': 'session=abc' });
      res.end(JSON.stringify({ error: `bad ${encodeURIComponent(token)}` }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const { logger, lines } = capture();
    try {
      await got(
        `http://flowbot:${encodeURIComponent(token)}@127.0.0.1:${port}/v2/x?token=${encodeURIComponent(token)}`,
        {
          headers: { authorization: `Bearer ${token}`, cookie: 'other-credential=1' },
          retry: { limit: 0 },
        },
      );
    } catch (error) {
      logger.error({ err: error }, 'QStash call failed');
    } finally {
      server.close();
    }
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? '';
    expect(revealed(line, token), line).toBeUndefined();
    const err = JSON.parse(line).err as Record<string, unknown>;
    // got names the URL in its message: the address stays, the credentials and query go.
    expect(err.message).toContain('status code 500');
    expect(err.message).toContain(`http://[REDACTED]@127.0.0.1:${port}/v2/x?[REDACTED]`);
    expect(err.statusCode).toBe(500);
    for (const internal of ['options', 'request', 'response', 'timings'])
      expect(err).not.toHaveProperty(internal);
    expect(line).not.toContain('other-credential');
    expect(line).not.toContain('?token');
  });

  it('logs a Slack Web API error without the URL’s credentials', async () => {
    const { logger, lines } = capture();
    const client = new WebClient(token, {
      slackApiUrl: `http://flowbot:${encodeURIComponent(token)}@127.0.0.1:9/api/`,
      retryConfig: { retries: 0 },
      logger: {
        debug() {},
        info() {},
        warn() {},
        error() {},
        setLevel() {},
        getLevel: () => LogLevel.ERROR,
        setName() {},
      },
    });
    await client.chat.postMessage({ channel: 'C1', text: 'x' }).catch((error: unknown) => {
      logger.error({ err: error }, 'Slack call failed');
    });
    expect(lines).toHaveLength(1);
    expect(revealed(lines[0] ?? '', token), lines[0]).toBeUndefined();
    expect(lines[0]).toContain('slack_webapi_request_error');
  });
});

/** Every string in a parsed JSON value, keys included. */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([name, field]) => [name, ...stringsIn(field)]);
}

/** A string as written and as a reader could decode it: percent-decoded (twice), `+` as space, `\uXXXX`. */
function readingsOf(text: string): string[] {
  const percent = (value: string) =>
    value.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) =>
      Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'),
    );
  const unicode = (value: string) =>
    value.replace(/\\u([0-9a-fA-F]{4})/g, (_all, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    );
  const out = new Set<string>([text]);
  for (let round = 0; round < 3; round += 1)
    for (const value of [...out])
      for (const next of [percent(value), unicode(value), value.replace(/\+/g, ' ')]) out.add(next);
  return [...out];
}

describe('a short secret (REDIS_URL’s password is not length-checked) never appears in the log either', () => {
  // Base64 is searched for only from 8 characters (shorter cores would match anywhere); every other spelling is.
  const TEXT_ENCODINGS = Object.keys(ENCODINGS).filter((name) => !/base64|Basic/.test(name));
  const password = fc.string({
    unit: fc.constantFrom(...'abcdefghijkmnopqrstuvwxyzABCDEFGH0123456789-_.~!*:@&?#%$'),
    minLength: 1,
    maxLength: 7,
  });

  it('holds for passwords of 1 to 7 characters, in every text spelling, by message, field or error', () => {
    fc.assert(
      fc.property(
        password,
        fc.constantFrom(...TEXT_ENCODINGS),
        fc.constantFrom('message', 'field', 'error'),
        (secret, name, how) => {
          const secrets = secretsOf({
            slack: { botToken: 'xoxb-1-2-longbottoken' },
            qstash: { environments: [{ token: 'qstash-token-0123456789' }] },
            redisUrl: `redis://:${encodeURIComponent(secret)}@redis.internal:6379`,
          });
          expect(secrets).toContain(secret);
          const lines: string[] = [];
          const logger = createLogger({
            level: 'trace',
            secrets,
            destination: { write: (line: string) => void lines.push(line) },
          });
          const text = `ReplyError: WRONGPASS for AUTH ${ENCODINGS[name]?.(secret, NOISE) ?? ''} at redis`;
          if (how === 'message') logger.warn(text);
          else if (how === 'field') logger.warn({ command: { name: 'auth', args: [text] } }, 'redis said no');
          else logger.error({ err: new Error(text) }, 'redis failed');
          const line = lines[0] ?? '';
          // The line stays JSON; no string in it (keys included) holds the secret, read back however it was
          // written. (Numbers may hold its digits: a secret is logged as a string, never as a number.)
          const strings = stringsIn(JSON.parse(line));
          // `[REDACTED]` itself holds letters a one-letter secret may be.
          for (const text of strings)
            for (const reading of readingsOf(text))
              expect(
                reading.replaceAll(REDACTED, '\u0000').includes(secret),
                `${name} via ${how}: ${line}`,
              ).toBe(false);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('secretScrubber (QStash’s own words, stderr) hides a short secret wherever it occurs', () => {
    const scrub = secretScrubber(['tok']);
    expect(scrub('QStash said: token tok is invalid')).toBe(
      `QStash said: ${REDACTED}en ${REDACTED} is invalid`,
    );
  });
});
