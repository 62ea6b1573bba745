import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatKeyPattern, isKeyPattern, parseKeyPattern } from '../../src/core/bulk/key-pattern.js';
import { parseFlowCommand } from '../../src/core/commands/flow-command.js';
import { parseFlowResume } from '../../src/slack/commands/command-table.js';

const ONE = { names: ['default'], defaultName: 'default' };
const TWO = { names: ['prod', 'staging'], defaultName: 'prod' };

describe('parseKeyPattern', () => {
  it('reads env:pattern, *:pattern and a bare pattern as keys are read', () => {
    expect(parseKeyPattern('orders-*', TWO.names, 'prod')).toEqual({
      kind: 'ok',
      pattern: { environments: ['prod'], pattern: 'orders-*', all: false },
    });
    expect(parseKeyPattern('staging:orders-*', TWO.names, 'prod')).toEqual({
      kind: 'ok',
      pattern: { environments: ['staging'], pattern: 'orders-*', all: false },
    });
    expect(parseKeyPattern('*:orders-?', TWO.names, 'prod')).toEqual({
      kind: 'ok',
      pattern: { environments: ['prod', 'staging'], pattern: 'orders-?', all: true },
    });
    // One environment: the whole text is the pattern, colons included.
    expect(parseKeyPattern('*:orders-*', ONE.names, 'default')).toEqual({
      kind: 'ok',
      pattern: { environments: ['default'], pattern: '*:orders-*', all: false },
    });
  });

  it('refuses an unknown environment and what no key could match', () => {
    expect(parseKeyPattern('qa:orders-*', TWO.names, 'prod')).toMatchObject({
      kind: 'invalid',
      problem: { code: 'unknown_environment', name: 'qa' },
    });
    expect(parseKeyPattern('prod:', TWO.names, 'prod')).toMatchObject({
      kind: 'invalid',
      problem: { code: 'empty' },
    });
    expect(parseKeyPattern(`${'*'.repeat(300)}`, ONE.names, 'default')).toMatchObject({
      kind: 'invalid',
      problem: { code: 'too_long' },
    });
    expect(parseKeyPattern('a*\u0007', ONE.names, 'default')).toMatchObject({
      kind: 'invalid',
      problem: { code: 'control_characters' },
    });
  });

  it('holds patterns to the bounds every pattern has: length and wildcards', () => {
    expect(parseKeyPattern('a*'.repeat(17), ONE.names, 'default')).toMatchObject({
      kind: 'invalid',
      problem: { code: 'too_many_wildcards', count: 17, max: 16 },
    });
    expect(parseKeyPattern('a*'.repeat(16), ONE.names, 'default')).toMatchObject({ kind: 'ok' });
    expect(parseFlowCommand(`resume ${'?'.repeat(17)}`, ONE)).toMatchObject({
      kind: 'invalid',
      topic: 'resume',
      problem: { code: 'pattern', problem: { code: 'too_many_wildcards' } },
    });
    expect(parseFlowResume(`x${'*'.repeat(20)}`, ONE)).toMatchObject({
      kind: 'invalid_pattern',
      problem: { code: 'too_many_wildcards' },
    });
  });

  it('formats a pattern the way a person would type it again', () => {
    for (const text of ['orders-*', 'staging:orders-*', '*:a?c']) {
      const parsed = parseKeyPattern(text, TWO.names, 'prod');
      if (parsed.kind !== 'ok') throw new Error(text);
      const again = formatKeyPattern(parsed.pattern, 2);
      expect(parseKeyPattern(again, TWO.names, 'prod')).toEqual(parsed);
    }
  });
});

describe('a change subcommand with a pattern is a bulk request', () => {
  it('keeps the options of the subcommand', () => {
    expect(parseFlowCommand('pause orders-* for 15m deploy', TWO)).toEqual({
      kind: 'ok',
      command: {
        kind: 'bulk',
        pattern: { environments: ['prod'], pattern: 'orders-*', all: false },
        change: { action: 'pause', forMs: 900_000, reason: 'deploy' },
      },
    });
    expect(parseFlowCommand('pin *:tenant-?? parallelism=5', TWO)).toMatchObject({
      kind: 'ok',
      command: { kind: 'bulk', change: { action: 'pin', settings: { parallelism: 5 } } },
    });
    expect(parseFlowCommand('ramp orders-* over 10m', TWO)).toMatchObject({
      kind: 'ok',
      command: { kind: 'bulk', change: { action: 'ramp', request: { overSeconds: 600 } } },
    });
  });

  it('refuses bad options and bad patterns with the subcommand’s help', () => {
    expect(parseFlowCommand('pin orders-* speed=5', TWO)).toMatchObject({
      kind: 'invalid',
      topic: 'pin',
      problem: { code: 'pin' },
    });
    expect(parseFlowCommand('resume qa:orders-*', TWO)).toMatchObject({
      kind: 'invalid',
      topic: 'resume',
      problem: { code: 'key', problem: { code: 'unknown_environment' } },
    });
    expect(parseFlowCommand('resume orders-* extra', TWO)).toMatchObject({
      kind: 'invalid',
      problem: { code: 'one_key_only' },
    });
  });

  it('status, list and can keep their meaning', () => {
    expect(parseFlowCommand('status orders-*', ONE)).toMatchObject({ command: { kind: 'status' } });
    expect(parseFlowCommand('list orders-*', ONE)).toMatchObject({ command: { kind: 'list' } });
  });

  it('/flow-resume previews a pattern instead of resuming at once', () => {
    expect(parseFlowResume('prod:orders-*', TWO)).toEqual({
      kind: 'bulk',
      pattern: { environments: ['prod'], pattern: 'orders-*', all: false },
    });
    expect(parseFlowResume('orders-eu', TWO)).toMatchObject({ kind: 'resume' });
  });

  it('any text with a wildcard is a pattern or a clear problem, never a key', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.constantFrom('*', '?'), (text, wildcard) => {
        const argument = `${text.replace(/\s/gu, '')}${wildcard}`;
        const parsed = parseFlowCommand(`resume ${argument}`, TWO);
        if (parsed.kind === 'ok') expect(parsed.command.kind).toBe('bulk');
        else expect(parsed.topic).toBe('resume');
        expect(isKeyPattern(argument)).toBe(true);
      }),
    );
  });
});
