import { LogLevel } from '@slack/logger';
import { type Level, pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { boltLogger } from '../../src/slack/bolt-logger.js';

interface Line {
  level: number;
  msg?: string;
  component?: string;
  name?: string;
  err?: { type?: string; message?: string; stack?: string };
  [field: string]: unknown;
}

function collector() {
  const raw: string[] = [];
  const destination = { write: (line: string) => void raw.push(line) };
  const lines = () => raw.map((line) => JSON.parse(line) as Line);
  return { destination, raw, lines };
}

function setup(level: Level | 'silent' = 'info') {
  const out = collector();
  const base = pino({ level }, out.destination);
  return { ...out, base, bolt: boltLogger(base) };
}

describe('boltLogger', () => {
  it('writes each level to pino with component "bolt"', () => {
    const { bolt, lines } = setup('debug');
    bolt.debug('d');
    bolt.info('i');
    bolt.warn('w');
    bolt.error('e');
    expect(lines().map((l) => [l.level, l.msg, l.component])).toEqual([
      [20, 'd', 'bolt'],
      [30, 'i', 'bolt'],
      [40, 'w', 'bolt'],
      [50, 'e', 'bolt'],
    ]);
  });

  it('joins several arguments, serialising non-strings as JSON', () => {
    const { bolt, lines } = setup();
    bolt.info('socket', 'connected', { attempt: 2, ok: true }, 42, null, ['a']);
    expect(lines()[0]?.msg).toBe('socket connected {"attempt":2,"ok":true} 42 null ["a"]');
  });

  it('survives values JSON cannot serialise', () => {
    const { bolt, lines } = setup();
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    bolt.info('c', circular, BigInt(7), undefined, Symbol('s'), () => 1);
    expect(lines()[0]?.msg).toBe('c [object Object] 7 undefined Symbol(s) () => 1');
  });

  it('logs the first Error as err, keeping the text as the message', () => {
    const { bolt, lines } = setup();
    const first = new Error('first failure');
    bolt.error('An API error occurred:', first, new Error('second'));
    const [line] = lines();
    expect(line?.msg).toBe('An API error occurred:');
    expect(line?.err?.message).toBe('first failure');
    expect(line?.err?.type).toBe('Error');
    expect(JSON.stringify(line)).not.toContain('second');
  });

  it('uses the error message when only an Error is given', () => {
    const { bolt, lines } = setup();
    bolt.warn(new TypeError('only me'));
    expect(lines()[0]).toMatchObject({
      level: 40,
      msg: 'only me',
      err: { type: 'TypeError', message: 'only me' },
    });
  });

  it('respects the pino level: nothing below it is written', () => {
    const { bolt, lines } = setup('warn');
    bolt.debug('no');
    bolt.info('no');
    bolt.warn('yes');
    expect(lines().map((l) => l.msg)).toEqual(['yes']);
  });

  it('setLevel changes nothing: LOG_LEVEL governs', () => {
    const { bolt, base, lines } = setup('info');
    bolt.setLevel(LogLevel.DEBUG);
    bolt.debug('still hidden');
    expect(lines()).toEqual([]);
    expect(base.level).toBe('info');
    expect(bolt.getLevel()).toBe(LogLevel.INFO);

    const quiet = setup('error');
    quiet.bolt.setLevel(LogLevel.DEBUG);
    quiet.bolt.warn('hidden');
    expect(quiet.lines()).toEqual([]);
    expect(quiet.base.level).toBe('error');
  });

  it('maps every pino level onto Slack’s four', () => {
    const expected: Record<Level | 'silent', LogLevel> = {
      trace: LogLevel.DEBUG,
      debug: LogLevel.DEBUG,
      info: LogLevel.INFO,
      warn: LogLevel.WARN,
      error: LogLevel.ERROR,
      fatal: LogLevel.ERROR,
      silent: LogLevel.ERROR,
    };
    for (const [level, slackLevel] of Object.entries(expected)) {
      expect(setup(level as Level).bolt.getLevel(), level).toBe(slackLevel);
    }
  });

  it('setName adds the name to later lines, keeping the component', () => {
    const { bolt, lines } = setup();
    bolt.info('before');
    bolt.setName('web-api:WebClient:0');
    bolt.info('after');
    bolt.setName('socket-mode');
    bolt.info('again');
    expect(lines().map((l) => [l.msg, l.component, l.name])).toEqual([
      ['before', 'bolt', undefined],
      ['after', 'bolt', 'web-api:WebClient:0'],
      ['again', 'bolt', 'socket-mode'],
    ]);
  });

  it('keeps hostile text intact as data in one JSON line', () => {
    const { bolt, raw, lines } = setup();
    bolt.info('line1\nline2 "quoted" <!channel> \u0000 __proto__ \ud800');
    expect(raw).toHaveLength(1);
    expect(raw[0]?.endsWith('\n')).toBe(true);
    expect(raw[0]?.slice(0, -1)).not.toContain('\n');
    expect(lines()[0]?.msg).toBe('line1\nline2 "quoted" <!channel> \u0000 __proto__ \ud800');
  });

  it('goes through Flowbot’s secret scrubbing, in messages, objects and errors', () => {
    const out = collector();
    const secret = 'xoxb-FAKEBOLTSECRET-4242';
    const bolt = boltLogger(
      createLogger({ level: 'debug', secrets: [secret], destination: out.destination }),
    );
    bolt.setName('web-api');
    bolt.debug(`http request: Authorization: Bearer ${secret}`);
    bolt.info('options', { token: secret, headers: { authorization: `Bearer ${secret}` } });
    bolt.error('failed', new Error(`invalid_auth for ${secret}`));
    expect(out.raw).toHaveLength(3);
    for (const line of out.raw) {
      expect(line).not.toContain(secret);
      expect(line).not.toContain('FAKEBOLTSECRET');
      expect(line).toContain('[REDACTED]');
    }
  });
});
