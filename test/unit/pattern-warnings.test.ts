import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { watchWarnings } from '../../src/core/alerts/watch-warnings.js';
import { matchesGlob } from '../../src/core/glob.js';
import { keyPatternProblem } from '../../src/core/key-patterns.js';
import { checkKey, MAX_KEY_LENGTH } from '../../src/core/keys.js';
import { PolicyEngine } from '../../src/core/policy/policy-engine.js';
import type { PolicyDocument } from '../../src/core/policy/policy-schema.js';
import { policyWarnings, ruleWarnings } from '../../src/core/policy/policy-warnings.js';
import { whoamiMessage } from '../../src/slack/blocks/access.js';
import {
  configWarningLogText,
  keyPatternReason,
  policyWarningLogText,
} from '../../src/slack/blocks/pattern-warnings.js';

const key = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
  .filter((candidate) => checkKey(candidate).kind === 'ok');

/** A pattern made from a key by turning some characters into `?` and putting `*` before others. */
const patternOf = (text: string, wildcards: readonly number[]) =>
  [...text]
    .map((char, index) => {
      const choice = wildcards[index % wildcards.length] ?? 0;
      return choice === 1 ? '?' : choice === 2 ? `*${char}` : char;
    })
    .join('');

/** Strings a pattern matches, built by filling its wildcards: every one matches by construction. */
const matchesOf = (pattern: string) =>
  fc.array(fc.string({ unit: 'grapheme', maxLength: 4 }), { minLength: 1, maxLength: 8 }).map((fills) => {
    let index = 0;
    return pattern.replace(/[*?]/g, (wildcard) => {
      const fill = fills[index++ % fills.length] ?? '';
      if (wildcard === '*') return fill;
      return [...fill][0] ?? 'x';
    });
  });

describe('keyPatternProblem', () => {
  it('never flags a pattern that some acceptable key matches', () => {
    fc.assert(
      fc.property(
        key,
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 5 }),
        (k, wildcards) => {
          const pattern = patternOf(k, wildcards);
          expect(matchesGlob(k, pattern), `${JSON.stringify(k)} ~ ${JSON.stringify(pattern)}`).toBe(true);
          expect(keyPatternProblem(pattern)).toBeUndefined();
        },
      ),
      { numRuns: 500 },
    );
  });

  it('flags only patterns whose every match is a key Flowbot refuses', () => {
    const bad = fc.oneof(
      fc.constantFrom('', '.', '..'),
      fc
        .tuple(
          fc.string({ maxLength: 10 }),
          fc.constantFrom(
            ' ',
            '\t',
            '\n',
            '\u0000',
            '\u007f',
            '\u0085',
            '\u2028',
            '\u00a0',
            '\u3000',
            '\ud800',
          ),
          fc.string({ maxLength: 10 }),
        )
        .map(([before, char, after]) => `${before}${char}${after}`),
      fc
        .integer({ min: MAX_KEY_LENGTH + 1, max: MAX_KEY_LENGTH + 40 })
        .map((length) => `${'?'.repeat(length)}*`),
    );
    fc.assert(
      fc.property(
        bad.chain((pattern) => fc.tuple(fc.constant(pattern), matchesOf(pattern))),
        ([pattern, match]) => {
          const problem = keyPatternProblem(pattern);
          // Patterns the generator made without a bad literal (a `*` swallowed it) may be fine; the others not.
          if (problem === undefined) return;
          expect(
            checkKey(match).kind === 'ok',
            `${JSON.stringify(pattern)} matched ${JSON.stringify(match)}`,
          ).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('names why', () => {
    expect(keyPatternProblem('')).toBe('empty');
    expect(keyPatternProblem('orders eu')).toBe('whitespace');
    expect(keyPatternProblem('orders-*\t')).toBe('control_characters');
    expect(keyPatternProblem('a\u2028b')).toBe('control_characters');
    expect(keyPatternProblem('x\ud800*')).toBe('broken_unicode');
    expect(keyPatternProblem('\ud83d*\ude00')).toBe('broken_unicode');
    expect(keyPatternProblem('\ud83d\ude00*')).toBeUndefined();
    expect(keyPatternProblem('a'.repeat(MAX_KEY_LENGTH))).toBeUndefined();
    expect(keyPatternProblem(`${'a'.repeat(MAX_KEY_LENGTH)}*`)).toBeUndefined();
    expect(keyPatternProblem(`${'?'.repeat(MAX_KEY_LENGTH)}a`)).toBe('too_long');
    expect(keyPatternProblem('.')).toBe('dot_segment');
    expect(keyPatternProblem('..')).toBe('dot_segment');
    expect(keyPatternProblem('.*')).toBeUndefined();
    expect(keyPatternProblem('*')).toBeUndefined();
    for (const reason of ['empty', 'whitespace', 'too_long', 'dot_segment'] as const)
      expect(keyPatternReason(reason).length).toBeGreaterThan(0);
  });
});

const document = (parts: Partial<PolicyDocument>): PolicyDocument => ({
  version: 1,
  rules: [],
  approvals: [],
  ...parts,
});

const rule = (fields: Partial<PolicyDocument['rules'][number]>): PolicyDocument['rules'][number] => ({
  effect: 'allow',
  subjects: ['U0ME'],
  actions: ['*'],
  keys: ['*'],
  environments: ['*'],
  ...fields,
});

describe('policy warnings', () => {
  it('flags environment patterns that match no configured environment, and keys no key can match', () => {
    expect(ruleWarnings({ keys: ['*'], environments: ['prod'] }, ['default'])).toEqual([
      { code: 'environment_not_configured', pattern: 'prod', configured: ['default'] },
    ]);
    expect(
      ruleWarnings({ keys: ['*'], environments: ['prod-*', 'staging'] }, ['prod-eu', 'default']),
    ).toEqual([
      { code: 'environment_not_configured', pattern: 'staging', configured: ['prod-eu', 'default'] },
    ]);
    expect(ruleWarnings({ keys: ['..', 'orders-*'], environments: ['*'] }, ['default'])).toEqual([
      { code: 'key_pattern_never_matches', pattern: '..', reason: 'dot_segment' },
    ]);
    // Without the environment names, only key patterns can be judged.
    expect(ruleWarnings({ keys: ['*'], environments: ['prod'] }, undefined)).toEqual([]);
  });

  it('says where in the file: rules and approvals, by position and name', () => {
    const warnings = policyWarnings(
      document({
        rules: [
          rule({ name: 'fine' }),
          rule({ name: 'on-call', environments: ['prod'] }),
          rule({ keys: ['.'] }),
        ],
        approvals: [{ name: 'payments', actions: ['pause'], keys: ['payments-*'], environments: ['prod'] }],
      }),
      ['default'],
    );
    expect(warnings.map((warning) => [warning.rule, warning.code])).toEqual([
      [{ list: 'rules', index: 1, name: 'on-call' }, 'environment_not_configured'],
      [{ list: 'rules', index: 2, name: undefined }, 'key_pattern_never_matches'],
      [{ list: 'approvals', index: 0, name: 'payments' }, 'environment_not_configured'],
    ]);
    expect(warnings.map(policyWarningLogText)).toEqual([
      'policy file: rules[1] ("on-call"): environment "prod" matches no configured QStash environment (configured: "default"), so it never applies',
      'policy file: rules[2]: key pattern "." can never match: no key can be `.` or `..`',
      'policy file: approvals[0] ("payments"): environment "prod" matches no configured QStash environment (configured: "default"), so it never applies',
    ]);
  });

  it('puts the asker’s rules’ warnings in their grants, and only where there are some', async () => {
    const engine = new PolicyEngine(
      document({ rules: [rule({ name: 'ok' }), rule({ name: 'prod only', environments: ['prod'] })] }),
      { members: async () => new Set() },
      ['default'],
    );
    const { grants } = await engine.grantsFor('U0ME');
    expect(grants[0]).not.toHaveProperty('warnings');
    expect(grants[1]?.warnings).toEqual([
      { code: 'environment_not_configured', pattern: 'prod', configured: ['default'] },
    ]);
  });
});

describe('/flow whoami with warnings', () => {
  const grant = {
    rule: 'on-call <!channel>',
    effect: 'allow' as const,
    actions: ['resume'],
    keys: ['*'],
    environments: ['prod'],
    channels: undefined,
    warnings: [{ code: 'environment_not_configured' as const, pattern: 'prod', configured: ['default'] }],
  };

  it('flags the pattern under the rule, and approval rules that never apply, with escaped text', () => {
    const message = whoamiMessage([grant], false, [
      {
        code: 'environment_not_configured',
        pattern: '<!here>',
        configured: ['default'],
        rule: { list: 'approvals', index: 0, name: 'payments <@U0BOSS>' },
      },
    ]);
    const text = JSON.stringify(message.blocks);
    expect(text).toContain(
      ':warning: environment `prod` matches no configured QStash environment (configured: `default`), so it never applies.',
    );
    expect(text).toContain('Approval rule _payments &lt;@U0BOSS&gt;_');
    expect(text).toContain('`&lt;!here&gt;`');
    expect(text).toContain('so it never asks for a second person there');
    expect(text).toContain('Ask your Flowbot admin');
    expect(text).not.toMatch(/<!(channel|here)>|<@U0BOSS>/);
  });

  it('stays within Slack’s limits however many rules and warnings there are', () => {
    const many = Array.from({ length: 400 }, (_, i) => ({
      ...grant,
      rule: `rule ${i} ${'x'.repeat(70)}`,
      keys: [`${'k'.repeat(250)}*`],
    }));
    const message = whoamiMessage(many, true);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    for (const block of message.blocks)
      expect((block as { text: { text: string } }).text.text.length).toBeLessThanOrEqual(3000);
    expect(JSON.stringify(message.blocks.at(-1))).toContain('more rules than fit');
  });

  it('adds nothing when nothing is wrong', () => {
    const { warnings: _, ...clean } = grant;
    expect(JSON.stringify(whoamiMessage([clean], false).blocks)).not.toContain(':warning:');
  });
});

describe('configuration warnings', () => {
  it('flags watcher patterns no key can match (a second net: loading already refuses these)', () => {
    const warnings = watchWarnings(['orders-*', 'emails', '..']);
    expect(warnings.map((warning) => [warning.pattern, warning.reason])).toEqual([['..', 'dot_segment']]);
    expect(configWarningLogText(warnings[0]!)).toContain('FLOW_WATCH_KEYS: pattern ".." can never match');
  });

  it('refuses, rather than warns about, a watcher pattern with a space: two patterns without their comma', () => {
    const loaded = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_APP_TOKEN: 'xapp-1',
      QSTASH_TOKEN: 'q',
      ALERTS_CHANNEL: 'C0ALERTS',
      FLOW_WATCH_KEYS: 'orders-* payments-*',
    });
    expect(loaded.kind).toBe('invalid');
    if (loaded.kind === 'invalid') expect(loaded.problems.join('\n')).toContain('without spaces');
  });
});
