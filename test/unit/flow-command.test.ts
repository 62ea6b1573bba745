import { describe, expect, it } from 'vitest';
import {
  type EnvironmentNames,
  type FlowCommand,
  MAX_TIMED_PAUSE_SECONDS,
  parseFlowCommand,
  parsePinSettings,
} from '../../src/core/commands/flow-command.js';
import { describeCommandProblem, describePinProblem } from '../../src/slack/blocks/input-problems.js';
import { HOSTILE_VALID_KEYS, isWellFormed } from './hostile.js';

const ONE: EnvironmentNames = { names: ['default'], defaultName: 'default' };
const TWO: EnvironmentNames = { names: ['prod', 'staging'], defaultName: 'prod' };

const key = (name: string, environment = 'default') => ({ environment, key: name });

/** What the person is told (mrkdwn), or undefined when the text parsed. */
function said(parsed: ReturnType<typeof parseFlowCommand>): string | undefined {
  return parsed.kind === 'invalid' ? describeCommandProblem(parsed.problem) : undefined;
}

type Good = readonly [text: string, environments: EnvironmentNames, command: FlowCommand];
type Bad = readonly [
  text: string,
  environments: EnvironmentNames,
  problem: string,
  topic: string | undefined,
];

const GOOD: Good[] = [
  ['', ONE, { kind: 'help', topic: undefined }],
  ['   \n ', ONE, { kind: 'help', topic: undefined }],
  ['help', ONE, { kind: 'help', topic: undefined }],
  ['HELP Pause', ONE, { kind: 'help', topic: 'pause' }],
  ['status orders', ONE, { kind: 'status', target: key('orders') }],
  ['STATUS orders', ONE, { kind: 'status', target: key('orders') }],
  ['  status   orders  ', ONE, { kind: 'status', target: key('orders') }],
  ['\u3000status\u3000orders\u3000', ONE, { kind: 'status', target: key('orders') }],
  ['status staging:orders', ONE, { kind: 'status', target: key('staging:orders') }],
  ['status staging:orders', TWO, { kind: 'status', target: key('orders', 'staging') }],
  ['status orders', TWO, { kind: 'status', target: key('orders', 'prod') }],
  ['status prod:a:b', TWO, { kind: 'status', target: key('a:b', 'prod') }],
  ['status Orders-EU', ONE, { kind: 'status', target: key('Orders-EU') }],
  ['resume orders', ONE, { kind: 'resume', target: key('orders') }],
  ['reset-rate orders', ONE, { kind: 'reset-rate', target: key('orders') }],
  ['pause orders', ONE, { kind: 'pause', target: key('orders'), reason: undefined, forSeconds: undefined }],
  [
    'pause orders deploy went bad',
    ONE,
    { kind: 'pause', target: key('orders'), reason: 'deploy went bad', forSeconds: undefined },
  ],
  [
    'pause orders for 15m reason words',
    ONE,
    { kind: 'pause', target: key('orders'), reason: 'reason words', forSeconds: 900 },
  ],
  ['pause orders FOR 2H', ONE, { kind: 'pause', target: key('orders'), reason: undefined, forSeconds: 7200 }],
  ['pause orders for 90s', ONE, { kind: 'pause', target: key('orders'), reason: undefined, forSeconds: 90 }],
  ['pause orders for 1s', ONE, { kind: 'pause', target: key('orders'), reason: undefined, forSeconds: 1 }],
  [
    'pause orders for 7d',
    ONE,
    { kind: 'pause', target: key('orders'), reason: undefined, forSeconds: MAX_TIMED_PAUSE_SECONDS },
  ],
  [
    'pause orders for 604800s',
    ONE,
    { kind: 'pause', target: key('orders'), reason: undefined, forSeconds: 604_800 },
  ],
  [
    'pause orders forever',
    ONE,
    { kind: 'pause', target: key('orders'), reason: 'forever', forSeconds: undefined },
  ],
  [
    'pause orders reason for 15m',
    ONE,
    { kind: 'pause', target: key('orders'), reason: 'reason for 15m', forSeconds: undefined },
  ],
  [
    'pause orders   many   spaces\tand\ttabs\nand lines',
    ONE,
    { kind: 'pause', target: key('orders'), reason: 'many spaces and tabs and lines', forSeconds: undefined },
  ],
  [
    'pause staging:orders for 5m ünïcødé 😀 日本語 <!channel>',
    TWO,
    {
      kind: 'pause',
      target: key('orders', 'staging'),
      reason: 'ünïcødé 😀 日本語 <!channel>',
      forSeconds: 300,
    },
  ],
  [
    `pause orders ${'r'.repeat(500)}`,
    ONE,
    { kind: 'pause', target: key('orders'), reason: 'r'.repeat(500), forSeconds: undefined },
  ],
  ['pin orders parallelism=5', ONE, { kind: 'pin', target: key('orders'), settings: { parallelism: 5 } }],
  [
    'pin orders rate=50 period=1m parallelism=2',
    ONE,
    { kind: 'pin', target: key('orders'), settings: { rate: 50, period: 60, parallelism: 2 } },
  ],
  [
    'unpin orders rate',
    ONE,
    { kind: 'unpin', target: key('orders'), settings: { parallelism: false, rate: true } },
  ],
  [
    'unpin orders parallelism',
    ONE,
    { kind: 'unpin', target: key('orders'), settings: { parallelism: true, rate: false } },
  ],
  [
    'unpin orders ALL',
    ONE,
    { kind: 'unpin', target: key('orders'), settings: { parallelism: true, rate: true } },
  ],
  ['list', ONE, { kind: 'list', glob: undefined, environment: undefined }],
  ['list orders-*', ONE, { kind: 'list', glob: 'orders-*', environment: undefined }],
  ['list orders-*', TWO, { kind: 'list', glob: 'orders-*', environment: undefined }],
  ['list staging:*', TWO, { kind: 'list', glob: '*', environment: 'staging' }],
  ['list staging:', TWO, { kind: 'list', glob: '*', environment: 'staging' }],
  ['list staging', TWO, { kind: 'list', glob: '*', environment: 'staging' }],
  ['list staging:orders-*', TWO, { kind: 'list', glob: 'orders-*', environment: 'staging' }],
  ['list staging:*', ONE, { kind: 'list', glob: 'staging:*', environment: undefined }],
  ['list staging', ONE, { kind: 'list', glob: 'staging', environment: undefined }],
  ['global', ONE, { kind: 'global', environment: undefined }],
  ['global default', ONE, { kind: 'global', environment: 'default' }],
  ['global staging', TWO, { kind: 'global', environment: 'staging' }],
  ['whoami', ONE, { kind: 'whoami' }],
  ['WhoAmI', ONE, { kind: 'whoami' }],
  ['can pause orders', ONE, { kind: 'can', action: 'pause', target: key('orders') }],
  ['can PAUSE staging:orders', TWO, { kind: 'can', action: 'pause', target: key('orders', 'staging') }],
  ['can approve orders', ONE, { kind: 'can', action: 'approve', target: key('orders') }],
  ['can reset-rate orders', ONE, { kind: 'can', action: 'reset-rate', target: key('orders') }],
];

const TEN_KB = 'x'.repeat(10_000);

const BAD: Bad[] = [
  ['status', ONE, 'Which key?', 'status'],
  ['status a b', ONE, '`status` takes one key', 'status'],
  ['RESUME a b', ONE, '`resume` takes one key', 'resume'],
  ['reset-rate', ONE, 'Which key?', 'reset-rate'],
  ['status nowhere:orders', TWO, '`nowhere` is not a configured QStash environment', 'status'],
  ['status a\u0000b', ONE, 'control characters', 'status'],
  ['status a\u0007', ONE, 'control characters', 'status'],
  ['status ..', ONE, 'cannot be a flow-control key', 'status'],
  [`status ${'k'.repeat(257)}`, ONE, 'at most 256', 'status'],
  [`status ${TEN_KB}`, ONE, 'at most 256', 'status'],
  ['pause', ONE, 'Which key?', 'pause'],
  ['pause orders for', ONE, '`for ` is not a pause duration', 'pause'],
  ['pause orders for 0s', ONE, '`for 0s` is not a pause duration', 'pause'],
  ['pause orders for 0', ONE, 'is not a pause duration', 'pause'],
  ['pause orders for 90', ONE, '`for 90` is not a pause duration', 'pause'],
  ['pause orders for 8d', ONE, '`for 8d` is not a pause duration; use something like `for 15m`', 'pause'],
  ['pause orders for 604801', ONE, 'at most 7d', 'pause'],
  ['pause orders for soon', ONE, 'is not a pause duration', 'pause'],
  ['pause orders for -5m', ONE, 'is not a pause duration', 'pause'],
  ['pause orders for 1.5h', ONE, 'is not a pause duration', 'pause'],
  ['pause orders for the migration', ONE, '`for the` is not a pause duration', 'pause'],
  [`pause orders for ${TEN_KB}`, ONE, `\`for ${'x'.repeat(20)}\` is not`, 'pause'],
  ['pause orders bell\u0007', ONE, 'The reason contains control characters.', 'pause'],
  ['pause orders \u001b[31mred', ONE, 'The reason contains control characters.', 'pause'],
  ['pause orders a\u0085b', ONE, 'The reason contains control characters.', 'pause'],
  ['pause orders a\u0000b', ONE, 'The reason contains control characters.', 'pause'],
  ['pause orders \u007f', ONE, 'The reason contains control characters.', 'pause'],
  [`pause orders ${'r'.repeat(501)}`, ONE, 'The reason is too long (at most 500 characters).', 'pause'],
  [`pause orders ${TEN_KB}`, ONE, 'The reason is too long', 'pause'],
  [`pause orders for 1h ${'word '.repeat(2_000)}`, ONE, 'The reason is too long', 'pause'],
  ['pin orders', ONE, 'Say what to pin', 'pin'],
  ['pin orders period=1m', ONE, '`period` goes with `rate`', 'pin'],
  ['pin orders rate=0', ONE, '`rate=0` must be a whole number from 1 to 1,000,000.', 'pin'],
  ['pin orders rate=1000001', ONE, 'must be a whole number from 1 to 1,000,000', 'pin'],
  ['pin orders parallelism=1e3', ONE, 'must be a whole number', 'pin'],
  ['pin orders rate=', ONE, 'must be a whole number', 'pin'],
  ['pin orders rate=-1', ONE, 'must be a whole number', 'pin'],
  ['pin orders rate=5 rate=6', ONE, '`rate` is given twice.', 'pin'],
  ['pin orders speed=5', ONE, '`speed=5` is not a pin setting', 'pin'],
  ['pin orders parallelism', ONE, '`parallelism` is not a pin setting', 'pin'],
  ['pin orders constructor=1', ONE, 'is not a pin setting', 'pin'],
  ['pin orders __proto__=1', ONE, 'is not a pin setting', 'pin'],
  ['pin orders rate=5 period=8d', ONE, '`period=8d` is not a period', 'pin'],
  ['pin orders rate=5 period=0', ONE, 'is not a period', 'pin'],
  ['unpin orders', ONE, 'Say what to unpin', 'unpin'],
  ['unpin orders both', ONE, 'Say what to unpin', 'unpin'],
  ['unpin orders rate extra', ONE, 'Say what to unpin', 'unpin'],
  ['list a b', ONE, '`list` takes at most one pattern', 'list'],
  ['list staging:* extra', TWO, '`list` takes at most one pattern', 'list'],
  ['list a\u0007', ONE, 'The pattern contains control characters.', 'list'],
  [`list ${TEN_KB}`, ONE, 'That pattern is 10,000 characters long', 'list'],
  ['list ..', ONE, 'cannot be a flow-control', 'list'],
  [`list ${'*a'.repeat(17)}`, ONE, 'That pattern has 17 wildcards; patterns have at most 16', 'list'],
  [`list staging:${'?'.repeat(20)}`, TWO, 'That pattern has 20 wildcards', 'list'],
  ['global nowhere', TWO, '`nowhere` is not a configured QStash environment.', 'global'],
  ['global staging', ONE, '`staging` is not a configured QStash environment.', 'global'],
  ['global Staging', TWO, 'is not a configured QStash environment', 'global'],
  ['global prod staging', TWO, '`global` takes at most one environment name.', 'global'],
  ['whoami x', ONE, '`whoami` takes no arguments.', 'whoami'],
  ['can fly orders', ONE, '`fly` is not an action; actions are status, list, pause', 'can'],
  ['can pause', ONE, 'Usage: `/flow can &lt;action&gt; &lt;key&gt;`', 'can'],
  ['can', ONE, 'Usage: `/flow can', 'can'],
  ['can pause a b', ONE, 'Usage: `/flow can', 'can'],
  ['can pause nowhere:x', TWO, '`nowhere` is not a configured QStash environment', 'can'],
  ['can pause a\u0000b', ONE, 'control characters', 'can'],
  ['frobnicate', ONE, '`frobnicate` is not a Flowbot command.', undefined],
  ['pausee orders', ONE, '`pausee` is not a Flowbot command.', undefined],
  ['/flow status orders', ONE, '`/flow` is not a Flowbot command.', undefined],
  [TEN_KB, ONE, `\`${'x'.repeat(40)}\` is not a Flowbot command.`, undefined],
];

describe('parseFlowCommand', () => {
  it.each(GOOD)('%j (%o) parses', (text, environments, command) => {
    expect(parseFlowCommand(text, environments)).toEqual({ kind: 'ok', command });
  });

  it.each(BAD)('%j (%o) is refused', (text, environments, problem, topic) => {
    const parsed = parseFlowCommand(text, environments);
    expect(parsed).toMatchObject({ kind: 'invalid', topic });
    const words = said(parsed) ?? '';
    expect(words).toContain(problem);
    // However long the input, the answer stays short and well-formed.
    expect(words.length).toBeLessThan(300);
    expect(isWellFormed(words)).toBe(true);
  });

  it.each(HOSTILE_VALID_KEYS)('keeps the hostile key %j exactly as typed', (hostile) => {
    for (const subcommand of ['status', 'resume', 'reset-rate'] as const) {
      // A change given `*` or `?` is a pattern (previewed first): still the text exactly as typed.
      const wildcard = subcommand !== 'status' && /[*?]/.test(hostile);
      expect(parseFlowCommand(`${subcommand} ${hostile}`, ONE)).toEqual({
        kind: 'ok',
        command: wildcard
          ? {
              kind: 'bulk',
              pattern: { environments: ['default'], pattern: hostile, all: false },
              change: { action: subcommand },
            }
          : { kind: subcommand, target: key(hostile) },
      });
    }
    expect(parseFlowCommand(`can pause ${hostile}`, ONE)).toEqual({
      kind: 'ok',
      command: { kind: 'can', action: 'pause', target: key(hostile) },
    });
  });

  it('answers every subcommand given 10 kB of text, quickly and briefly', () => {
    for (const subcommand of [
      'status',
      'list',
      'pause',
      'resume',
      'pin',
      'unpin',
      'reset-rate',
      'global',
      'can',
    ]) {
      for (const text of [
        `${subcommand} ${TEN_KB}`,
        `${subcommand} orders ${TEN_KB}`,
        `${subcommand} ${'a '.repeat(5_000)}`,
      ]) {
        const parsed = parseFlowCommand(text, TWO);
        if (parsed.kind === 'invalid') expect(said(parsed)?.length, text.slice(0, 30)).toBeLessThan(300);
      }
    }
  });

  // A unit written as a word is the unit, not the start of the reason: `for 15 minutes` is 15 minutes.
  it.each([
    ['pause orders for 15 minutes', 15 * 60],
    ['pause orders for 2 hours', 2 * 3600],
    ['pause orders for 1 day outage', 86_400],
    ['pause orders for 30 mins', 30 * 60],
  ])('%j is not a pause of a few seconds', (text, meant) => {
    const parsed = parseFlowCommand(text, ONE);
    expect(parsed.kind).toBe('ok');
    if (parsed.kind === 'ok') expect(parsed.command).toMatchObject({ kind: 'pause', forSeconds: meant });
  });

  // Echoes of what was typed are cut by code points: half an emoji would be broken text in Slack and the log.
  it.each([
    [`${'x'.repeat(39)}😀`, ONE],
    [`global ${'e'.repeat(39)}😀`, TWO],
    [`can ${'a'.repeat(19)}😀 orders`, ONE],
    [`pause orders for ${'1'.repeat(19)}😀`, ONE],
    [`pin orders ${'q'.repeat(39)}😀`, ONE],
    [`pin orders rate=${'1'.repeat(19)}😀`, ONE],
    [`pin orders rate=5 period=${'1'.repeat(19)}😀`, ONE],
  ])('never splits an emoji when echoing %j', (text, environments) => {
    const parsed = parseFlowCommand(text, environments);
    expect(parsed.kind).toBe('invalid');
    expect(isWellFormed(said(parsed) ?? '')).toBe(true);
  });
});

describe('parsePinSettings', () => {
  it.each([
    [['parallelism=1'], { parallelism: 1 }],
    [['parallelism=1000000'], { parallelism: 1_000_000 }],
    [['rate=007'], { rate: 7 }],
    [['rate=50', 'period=30s'], { rate: 50, period: 30 }],
    [['PERIOD=1M', 'RATE=1'], { period: 60, rate: 1 }],
    [['rate=1', 'period=7d'], { rate: 1, period: 604_800 }],
    [['rate=1', 'period=90'], { rate: 1, period: 90 }],
  ] as const)('%j → %j', (words, settings) => {
    expect(parsePinSettings(words)).toEqual(settings);
  });

  it.each([
    [[], 'Say what to pin'],
    [['parallelism=1000001'], 'must be a whole number from 1 to 1,000,000'],
    [['parallelism=0'], 'must be a whole number'],
    [['parallelism=12345678'], 'must be a whole number'],
    [['rate=1.5'], 'must be a whole number'],
    [['rate=٣'], 'must be a whole number'],
    [['period=1m'], '`period` goes with `rate`'],
    [['rate=1', 'period=8d'], 'is not a period'],
    [['rate=1', 'period=1m', 'period=2m'], '`period` is given twice.'],
    [['parallelism=1', 'PARALLELISM=2'], '`parallelism` is given twice.'],
    [['rate = 5'], 'is not a pin setting'],
    [['rate:5'], 'is not a pin setting'],
    [['=5'], 'is not a pin setting'],
    [[`${'p'.repeat(10_000)}=1`], 'is not a pin setting'],
  ] as const)('%j is refused', (words, problem) => {
    const result = parsePinSettings(words);
    expect('code' in result).toBe(true);
    const text = 'code' in result ? describePinProblem(result) : '';
    expect(text).toContain(problem);
    expect(text.length).toBeLessThan(300);
  });
});
