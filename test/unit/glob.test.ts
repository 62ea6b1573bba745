import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { parseFlowCommand } from '../../src/core/commands/flow-command.js';
import {
  checkPattern,
  compileGlob,
  globMatchSteps,
  MAX_PATTERN_LENGTH,
  MAX_PATTERN_WILDCARDS,
  matchesGlob,
} from '../../src/core/glob.js';
import { patternProblemText } from '../../src/core/pattern-problem-text.js';
import { parsePolicy } from '../../src/core/policy/load-policy.js';
import { describeKeyProblem } from '../../src/slack/blocks/input-problems.js';
import { HOSTILE_VALID_KEYS } from './hostile.js';

/** The regular expression Flowbot used to build from a pattern: the reference for what a pattern means. */
function referenceRegExp(glob: string): RegExp {
  let pattern = '';
  for (const char of glob) {
    if (char === '*') pattern += '.*';
    else if (char === '?') pattern += '.';
    else pattern += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${pattern}$`, 'su');
}

const codePoints = (text: string) => Array.from(text).length;
/** The matcher's promise: at most (n + 2) · m comparisons for n characters of key and m of pattern. */
const bound = (value: string, glob: string) => (codePoints(value) + 2) * Math.max(1, codePoints(glob));

describe('matchesGlob', () => {
  const cases: [string, string, boolean][] = [
    ['orders-eu', 'orders-*', true],
    ['orders-', 'orders-*', true],
    ['orders', 'orders-*', false],
    ['payments-eu', 'orders-*', false],
    ['orders-eu', '*-eu', true],
    ['orders-eu', '*', true],
    ['', '*', true],
    ['', '', true],
    ['a', '', false],
    ['orders-eu', 'orders-??', true],
    ['orders-e', 'orders-??', false],
    ['orders-eus', 'orders-??', false],
    ['tenant:42/a', 'tenant:*', true],
    ['a/b/c', 'a*c', true],
    ['a.b', 'a?b', true],
    ['a.b', 'a.b', true],
    ['axb', 'a.b', false],
    ['a+b', 'a+b', true],
    ['aab', 'a+b', false],
    ['(x)', '(x)', true],
    ['[ab]', '[ab]', true],
    ['a', '[ab]', false],
    ['{a,b}', '{a,b}', true],
    ['a', '{a,b}', false],
    ['$', '$', true],
    ['^x', '^x', true],
    ['a\\b', 'a\\b', true],
    ['😀', '?', true],
    ['😀😀', '?', false],
    ['😀x😀', '?x?', true],
    ['ключ-1', 'ключ-?', true],
    ['abcabc', '*abc', true],
    ['abcab', '*abc*', true],
    ['ab', '*abc*', false],
    ['aaa', 'a*a*a', true],
    ['aa', 'a*a*a', false],
    ['abcd', 'a**d', true],
    ['abcd', '*b*c*', true],
    ['abdc', '*b*c*', true],
    ['acbd', '*c*b*', true],
    ['abcd', '*c*b*', false],
  ];
  for (const [value, glob, expected] of cases) {
    it(`${JSON.stringify(glob)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(value)}`, () => {
      expect(matchesGlob(value, glob)).toBe(expected);
      expect(compileGlob(glob)(value)).toBe(expected);
      expect(referenceRegExp(glob).test(value)).toBe(expected);
    });
  }

  it('treats hostile keys as literal text', () => {
    for (const key of HOSTILE_VALID_KEYS) {
      expect(matchesGlob(key, key.replace(/[*?]/g, '?'))).toBe(true);
      expect(matchesGlob(`${key}x`, key.replace(/[*?]/g, '?'))).toBe(false);
    }
  });

  it('agrees with the regular expression it replaces, on random patterns and keys', () => {
    // A small alphabet so that matches are common; emoji and regex syntax so that they are tested.
    const character = fc.constantFrom(
      'a',
      'b',
      'c',
      '-',
      ':',
      '/',
      '.',
      '+',
      '(',
      '[',
      '\\',
      '😀',
      'é',
      '\n',
    );
    const globCharacter = fc.oneof({ weight: 3, arbitrary: character }, fc.constantFrom('*', '?'));
    fc.assert(
      fc.property(
        fc.string({ unit: globCharacter, maxLength: 12 }),
        fc.string({ unit: character, maxLength: 16 }),
        (glob, value) => {
          const expected = referenceRegExp(glob).test(value);
          expect(matchesGlob(value, glob)).toBe(expected);
          // A key built from the pattern itself must match it (fills each wildcard with something).
          const filled = Array.from(glob, (c) => (c === '*' ? 'ab' : c === '?' ? '😀' : c)).join('');
          expect(matchesGlob(filled, glob)).toBe(true);
        },
      ),
      { numRuns: 5_000 },
    );
  }, 60_000);
});

describe('the work a match takes is bounded by the sizes of key and pattern', () => {
  it('stays within (n + 2) · m comparisons on random patterns and long keys', () => {
    const character = fc.constantFrom('a', 'b', '😀', '-');
    const globCharacter = fc.oneof({ weight: 2, arbitrary: character }, fc.constantFrom('*', '?'));
    fc.assert(
      fc.property(
        fc.string({ unit: globCharacter, maxLength: MAX_PATTERN_LENGTH }),
        fc.string({ unit: character, maxLength: 3_000 }),
        (glob, value) => {
          const { matched, steps } = globMatchSteps(value, glob);
          expect(matched).toBe(matchesGlob(value, glob));
          expect(steps).toBeLessThanOrEqual(bound(value, glob));
        },
      ),
      { numRuns: 500 },
    );
  }, 60_000);

  // The patterns that make a backtracking matcher explode: every star can take any share of the key.
  const hostile = [
    `*${'a*'.repeat(MAX_PATTERN_WILDCARDS - 1)}b`,
    `${'*a'.repeat(MAX_PATTERN_WILDCARDS)}`,
    `*${'?*'.repeat(7)}b`,
    `${'?'.repeat(MAX_PATTERN_WILDCARDS - 1)}*b`,
    `*${'ab'.repeat(100)}*`,
    `*${'a'.repeat(200)}b*`,
  ];
  for (const glob of hostile) {
    it(`matches ${JSON.stringify(glob.slice(0, 40))} against a 100,000-character key in linear work`, () => {
      expect(checkPattern(glob)).toEqual({ kind: 'ok' });
      const sizes = [25_000, 50_000, 100_000];
      const steps = sizes.map((n) => {
        const value = 'a'.repeat(n);
        const result = globMatchSteps(value, glob);
        expect(result.steps).toBeLessThanOrEqual(bound(value, glob));
        return result.steps;
      });
      // Twice the key, at most about twice the work (give or take what the pattern's own size costs): linear.
      const slack = 2 * (codePoints(glob) + 2) * codePoints(glob);
      expect(steps[1]!).toBeLessThanOrEqual(2 * steps[0]! + slack);
      expect(steps[2]!).toBeLessThanOrEqual(2 * steps[1]! + slack);
    }, 60_000);
  }
});

describe('checkPattern', () => {
  it('accepts ordinary patterns and the bounds themselves', () => {
    for (const glob of [
      '*',
      'orders-*',
      'orders-??',
      'tenant:*',
      '$',
      'a'.repeat(MAX_PATTERN_LENGTH),
      '*?'.repeat(MAX_PATTERN_WILDCARDS / 2),
      ...HOSTILE_VALID_KEYS,
    ]) {
      expect(checkPattern(glob), JSON.stringify(glob)).toEqual({ kind: 'ok' });
    }
  });

  const refused: [string, string, string][] = [
    ['', 'empty', 'The pattern is empty.'],
    [
      'a'.repeat(MAX_PATTERN_LENGTH + 1),
      'too_long',
      'That pattern is 257 characters long; flow-control keys are at most 256.',
    ],
    ['x'.repeat(10_000), 'too_long', '10,000 characters'],
    [
      '*'.repeat(MAX_PATTERN_WILDCARDS + 1),
      'too_many_wildcards',
      'That pattern has 17 wildcards; patterns have at most 16',
    ],
    [`*${'a?'.repeat(MAX_PATTERN_WILDCARDS)}`, 'too_many_wildcards', '17 wildcards'],
    ['a\u0000*', 'control_characters', 'control characters'],
    ['a\u2028*', 'control_characters', 'control characters'],
    ['a *', 'spaces', 'spaces'],
    ['a\u00a0*', 'spaces', 'spaces'],
    ['..', 'dot_segment', '`..` cannot be a flow-control pattern: no key is named `.` or `..`.'],
    ['.', 'dot_segment', '`.` cannot be a flow-control pattern: no key is named'],
    ['a\ud800*', 'broken_unicode', 'broken Unicode'],
  ];
  for (const [glob, code, words] of refused) {
    it(`refuses ${JSON.stringify(glob.slice(0, 24))} (${code}), put in a sentence by the blocks`, () => {
      const check = checkPattern(glob);
      expect(check.kind).toBe('invalid');
      if (check.kind === 'ok') return;
      expect(check.problem.code).toBe(code);
      expect(describeKeyProblem(check.problem, 'pattern')).toContain(words);
    });
  }
});

describe('every way a pattern enters applies the same bounds', () => {
  const tooMany = `*${'a*'.repeat(MAX_PATTERN_WILDCARDS)}`;
  const tooLong = `orders-${'x'.repeat(MAX_PATTERN_LENGTH)}*`;
  const base = {
    SLACK_BOT_TOKEN: 'xoxb-1111-patterns',
    SLACK_SIGNING_SECRET: 'ab12cd34ef56ab78cd90ef12ab34cd56',
    QSTASH_TOKEN: 'qstash-token-patterns',
    ALERTS_CHANNEL: 'CALERTS01',
  };

  it('/flow list refuses a pattern over the bounds with a sentence for the person', () => {
    const environments = { names: ['default'], defaultName: 'default' };
    for (const glob of [tooMany, tooLong]) {
      const parsed = parseFlowCommand(`list ${glob}`, environments);
      const check = checkPattern(glob);
      expect(check.kind).toBe('invalid');
      if (check.kind === 'invalid')
        expect(parsed).toEqual({
          kind: 'invalid',
          problem: { code: 'pattern', problem: check.problem },
          topic: 'list',
        });
    }
    expect(parseFlowCommand(`list ${'*a'.repeat(MAX_PATTERN_WILDCARDS)}`, environments).kind).toBe('ok');
  });

  it('FLOW_WATCH_KEYS over the bounds is a configuration problem at startup', () => {
    // Each refusal gives its own reason, not a list of every rule (which `..` would seem to satisfy).
    const reasons: [string, string][] = [
      [tooMany, `entry 2: a key pattern must have at most ${MAX_PATTERN_WILDCARDS} wildcards`],
      [tooLong, `entry 2: a key pattern must be at most ${MAX_PATTERN_LENGTH} characters (this one has`],
      ['a b', 'entry 2: a key pattern must not contain spaces or control characters: it contains a space'],
      ['a\u0007b', 'it contains a control character'],
      ['..', 'entry 2: a key pattern cannot be . or .. (no key is named so)'],
      ['.', 'cannot be . or ..'],
      ['\ud800*', 'must be valid text (broken Unicode)'],
    ];
    for (const [glob, reason] of reasons) {
      const loaded = loadConfig({ ...base, FLOW_WATCH_KEYS: `orders-*,${glob}` });
      expect(loaded.kind).toBe('invalid');
      if (loaded.kind === 'invalid') {
        const problem = loaded.problems.find((line) => line.startsWith('FLOW_WATCH_KEYS is invalid'));
        expect(problem).toContain(reason);
        if (glob === '..') expect(problem).not.toContain('wildcards');
      }
    }
    const loaded = loadConfig({ ...base, FLOW_WATCH_KEYS: `orders-*,${'?'.repeat(MAX_PATTERN_WILDCARDS)}` });
    expect(loaded.kind === 'ok' && loaded.config.watch?.keys).toEqual([
      'orders-*',
      '?'.repeat(MAX_PATTERN_WILDCARDS),
    ]);
  });

  it('a refused pattern gets the same specific reason from FLOW_WATCH_KEYS and a policy file', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom('.', '..', '', ' ', tooMany, tooLong), fc.string({ maxLength: 300 })),
        (glob) => {
          const check = checkPattern(glob);
          fc.pre(check.kind === 'invalid' && !glob.includes(',') && glob.trim() === glob && glob !== '');
          if (check.kind !== 'invalid') return;
          const reason = patternProblemText(check.problem);
          const loaded = loadConfig({ ...base, FLOW_WATCH_KEYS: `orders-*,${glob}` });
          expect(loaded.kind === 'invalid' && loaded.problems.join('\n')).toContain(
            `entry 2: a key pattern ${reason}`,
          );
          const policy = parsePolicy(
            `rules:\n  - subjects: [U0123ABCD]\n    actions: [status]\n    keys: [${JSON.stringify(glob)}]\n`,
          );
          expect(policy).toEqual({ kind: 'invalid', problems: [`rules[0].keys[0]: ${reason}`] });
        },
      ),
    );
  });

  it('a policy file over the bounds is refused at load, pointing at the rule and field', () => {
    const policy = (field: string, glob: string) =>
      `rules:\n  - name: on-call\n    subjects: [U0123ABCD]\n    actions: [status]\n    ${field}: ["${glob}"]\n`;
    for (const field of ['keys', 'environments']) {
      const loaded = parsePolicy(policy(field, tooMany));
      expect(loaded).toEqual({
        kind: 'invalid',
        problems: [`rules[0] (“on-call”).${field}[0]: must have at most 16 wildcards (* and ? together)`],
      });
      expect(parsePolicy(policy(field, tooLong)).kind).toBe('invalid');
    }
  });
});
