import { describe, expect, it } from 'vitest';
import type { LogLevel } from '../../src/config/config.js';
import { createLogger, scrubSecrets, secretsOf } from '../../src/logger.js';

const BOT = 'xoxb-2222-FAKELOGBOTSECRET';
const SIGNING = 'cafe0123babe4567cafe0123babe4567';
const APP = 'xapp-1-FAKELOGAPPSECRET';
const QSTASH = 'eyJGAKE+LOG/QSTASH=SECRET==';
const SECRETS = [BOT, SIGNING, APP, QSTASH];

function capture(level: LogLevel = 'trace', secrets: readonly string[] = SECRETS) {
  const raw: string[] = [];
  const logger = createLogger({
    level,
    secrets,
    destination: { write: (line: string) => void raw.push(line) },
  });
  const parsed = () => raw.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, raw, parsed };
}

function expectClean(raw: readonly string[]) {
  expect(raw.length).toBeGreaterThan(0);
  const all = raw.join('');
  for (const secret of SECRETS) expect(all).not.toContain(secret);
  for (const fragment of ['FAKELOG', 'cafe0123', 'QSTASH=SECRET']) expect(all).not.toContain(fragment);
  // Parse too: a secret must not survive as JSON-escaped text either.
  for (const line of raw) {
    const decoded = JSON.stringify(JSON.parse(line));
    for (const secret of SECRETS) expect(decoded).not.toContain(secret);
  }
}

describe('createLogger', () => {
  it('writes JSON lines with the service name, level and message', () => {
    const { logger, parsed } = capture('info');
    logger.info({ key: 'orders' }, 'paused');
    expect(parsed()[0]).toMatchObject({ level: 30, service: 'flowbot', key: 'orders', msg: 'paused' });
  });

  it('respects the configured level', () => {
    const { logger, parsed } = capture('warn');
    logger.info('hidden');
    logger.debug('hidden');
    logger.warn('shown');
    expect(parsed().map((line) => line.msg)).toEqual(['shown']);
    const silent = capture('silent');
    silent.logger.fatal('nothing');
    expect(silent.raw).toEqual([]);
  });

  it('redacts a field named token (and the other known secret names)', () => {
    const { logger, raw, parsed } = capture();
    logger.info({
      token: BOT,
      botToken: BOT,
      appToken: APP,
      signingSecret: SIGNING,
      authorization: `Bearer ${QSTASH}`,
    });
    expectClean(raw);
    expect(parsed()[0]).toMatchObject({
      token: '[REDACTED]',
      botToken: '[REDACTED]',
      appToken: '[REDACTED]',
      signingSecret: '[REDACTED]',
      authorization: '[REDACTED]',
    });
  });

  it('redacts known secret fields one level down and request headers', () => {
    const { logger, raw, parsed } = capture();
    logger.info({
      client: { token: 'not-a-listed-secret-1' },
      request: { headers: { authorization: 'Bearer other-2' } },
    });
    expect(parsed()[0]).toMatchObject({
      client: { token: '[REDACTED]' },
      request: { headers: { authorization: '[REDACTED]' } },
    });
    expect(raw.join('')).not.toContain('not-a-listed-secret-1');
    expect(raw.join('')).not.toContain('other-2');
  });

  it('redacts the whole config.slack and config.qstash', () => {
    const { logger, raw, parsed } = capture();
    logger.info({
      config: {
        slack: { botToken: BOT, signingSecret: SIGNING, appToken: APP, apiUrl: undefined },
        qstash: { environments: [{ name: 'prod', url: 'https://q', token: QSTASH }] },
        port: 3000,
      },
    });
    expectClean(raw);
    expect(parsed()[0]?.config).toEqual({ slack: '[REDACTED]', qstash: '[REDACTED]', port: 3000 });
  });

  it('scrubs secrets inside error messages and stacks', () => {
    const { logger, raw, parsed } = capture();
    const error = new Error(`Slack said invalid_auth for ${BOT}`);
    (error as Error & { data?: unknown }).data = { response: `token=${QSTASH}` };
    logger.error({ err: error }, 'startup failed');
    expectClean(raw);
    const err = parsed()[0]?.err as { message: string; stack: string };
    expect(err.message).toBe('Slack said invalid_auth for [REDACTED]');
    expect(err.stack).toContain('Slack said invalid_auth for [REDACTED]');
  });

  it('scrubs secrets in arbitrary string fields, deep nesting, arrays, keys and the message', () => {
    const { logger, raw } = capture();
    logger.info({ note: `prefix ${APP} suffix`, deep: { a: { b: { c: { d: [`x${SIGNING}y`] } } } } });
    logger.info({ [QSTASH]: 'used as a key' });
    logger.info(`message with ${BOT} and ${BOT} twice`);
    logger.warn('%s interpolated', SIGNING);
    expectClean(raw);
    expect(raw.join('')).toContain('message with [REDACTED] and [REDACTED] twice');
  });

  it('scrubs child loggers’ lines and bindings too', () => {
    const { logger, raw } = capture();
    const child = logger.child({ component: 'qstash', url: `https://x?qstash_token=${QSTASH}` });
    child.info(`calling with ${BOT}`);
    child.child({ nested: APP }).warn('deeper');
    expectClean(raw);
    expect(raw).toHaveLength(2);
  });

  it('scrubs every secret given, and every occurrence', () => {
    const { logger, raw } = capture('info', [BOT, QSTASH]);
    logger.info(`${BOT}${QSTASH}${BOT}`);
    expect(JSON.parse(raw[0] ?? '{}').msg).toBe('[REDACTED][REDACTED][REDACTED]');
  });

  it('keeps ordinary output when there are no secrets', () => {
    const { logger, parsed } = capture('info', []);
    logger.info({ key: 'orders', user: 'U0ALICE' }, 'resumed');
    expect(parsed()[0]).toMatchObject({ key: 'orders', user: 'U0ALICE', msg: 'resumed' });
  });

  it('handles hostile log content without breaking lines', () => {
    const { logger, raw, parsed } = capture('info');
    logger.info(
      { key: '<!channel>\n"}{"level":60', __proto__: { polluted: true } } as Record<string, unknown>,
      'x\ny',
    );
    expect(raw).toHaveLength(1);
    expect(parsed()[0]).toMatchObject({ level: 30, key: '<!channel>\n"}{"level":60', msg: 'x\ny' });
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  // BUG (src/logger.ts, createLogger: the streamWrite hook scrubs the *serialized* JSON line). A secret that
  // contains a character JSON escapes (", \, control characters) appears in the line in its escaped form, so
  // the raw value never matches and the secret is written out (it decodes back to the secret). Low severity:
  // real Slack/QStash tokens do not contain these characters. Input: secrets ['pass"word\\12345'],
  // logger.info({note: 'pass"word\\12345'}). Expected: no secret after JSON.parse; actual: the secret.
  it('scrubs a secret containing characters that JSON escapes', () => {
    const secret = 'pass"word\\12345';
    const { logger, parsed } = capture('info', [secret]);
    logger.info({ note: `a ${secret} b` });
    expect(parsed()[0]?.note).toBe('a [REDACTED] b');
  });
});

describe('scrubSecrets', () => {
  it('replaces every occurrence of every secret', () => {
    expect(scrubSecrets(`a ${BOT} b ${APP} c ${BOT}`, [BOT, APP])).toBe(
      'a [REDACTED] b [REDACTED] c [REDACTED]',
    );
  });

  it('leaves text without secrets unchanged', () => {
    expect(scrubSecrets('nothing here', [BOT])).toBe('nothing here');
    expect(scrubSecrets('', [BOT])).toBe('');
    expect(scrubSecrets('text', [])).toBe('text');
  });

  it('matches literally (regex characters are not special)', () => {
    expect(scrubSecrets('a.b+c a*b+c', ['a.b+c'])).toBe('[REDACTED] a*b+c');
    expect(scrubSecrets('x$&y', ['$&'])).toBe('x[REDACTED]y');
  });

  it('scrubs secrets inside huge text', () => {
    const text = `${'x'.repeat(500_000)}${QSTASH}${'y'.repeat(500_000)}`;
    const out = scrubSecrets(text, [QSTASH]);
    expect(out).not.toContain(QSTASH);
    expect(out).toHaveLength(1_000_000 + '[REDACTED]'.length);
  });

  it('handles a secret that contains another', () => {
    const out = scrubSecrets('long-secret-value and secret-value', ['long-secret-value', 'secret-value']);
    expect(out).toBe('[REDACTED] and [REDACTED]');
  });

  // Latent (unreachable today: secretsOf and createLogger drop empty strings): an empty secret makes
  // scrubSecrets put '[REDACTED]' between every character. Input: scrubSecrets('abc', ['']). Expected 'abc';
  // actual 'a[REDACTED]b[REDACTED]c'.
  it('ignores an empty secret', () => {
    expect(scrubSecrets('abc', [''])).toBe('abc');
  });
});

describe('secretsOf', () => {
  it('collects the Slack secrets and every QStash token', () => {
    expect(
      secretsOf({
        slack: { botToken: BOT, signingSecret: SIGNING, appToken: APP },
        qstash: { environments: [{ token: QSTASH }, { token: 'second-token-xyz' }] },
      }),
    ).toEqual([BOT, SIGNING, APP, QSTASH, 'second-token-xyz']);
  });

  it('skips absent and empty values', () => {
    expect(
      secretsOf({
        slack: { botToken: BOT, signingSecret: undefined, appToken: '' },
        qstash: { environments: [{ token: '' }] },
      }),
    ).toEqual([BOT]);
  });
});
