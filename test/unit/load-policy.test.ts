import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DirectoryUnavailable, type GroupDirectory } from '../../src/core/access/types.js';
import {
  EMPTY_POLICY,
  loadPolicyFile,
  NO_RULES,
  type PolicyLoad,
  parsePolicy,
} from '../../src/core/policy/load-policy.js';
import { DEFAULT_APPROVAL_EXPIRY_MS, PolicyEngine } from '../../src/core/policy/policy-engine.js';
import { policyWarnings } from '../../src/core/policy/policy-warnings.js';

const EXAMPLE = fileURLToPath(new URL('../../policy.example.yml', import.meta.url));

describe('a policy file that holds nothing', () => {
  it.each([
    ['0 bytes', ''],
    ['blank lines', '\n  \n\t\n'],
    ['comments only', '# policy for Flowbot\n# TODO\n'],
    ['a bare document marker', '---\n# nothing\n'],
    ['YAML null', '~\n'],
    ['only the version', 'version: 1\n'],
    ['only the version, commented', '# Flowbot policy\nversion: 1\n# rules: to come\n'],
  ])('%s is refused: an empty mount must not pass unnoticed', (_, text) => {
    expect(parsePolicy(text)).toEqual({ kind: 'invalid', problems: [EMPTY_POLICY] });
  });

  it('other sections without `rules:` are refused the same way, after any problem of their own', () => {
    const approvals = 'approvals:\n  - actions: [pause]\n';
    expect(parsePolicy(approvals)).toEqual({ kind: 'invalid', problems: [NO_RULES] });
    expect(parsePolicy('version: 1\nbulk: { maxKeys: 10 }\n')).toEqual({
      kind: 'invalid',
      problems: [NO_RULES],
    });
    expect(parsePolicy('version: 1\nrule: []\n')).toEqual({
      kind: 'invalid',
      problems: ['policy: unknown field rule'],
    });
    expect(NO_RULES).toContain('write "rules: []"');
  });

  it('`rules: []` written out is valid: an admin may grant nothing beyond FLOW_ALLOWED_USERS', () => {
    expect(parsePolicy('rules: []\n')).toMatchObject({ kind: 'ok', policy: { rules: [] } });
    expect(parsePolicy('# nobody\nversion: 1\nrules: []\n').kind).toBe('ok');
  });
});

function problemsOf(load: PolicyLoad): string[] {
  if (load.kind === 'ok') throw new Error('expected the policy to be refused');
  return load.problems;
}

/** A one-rule policy with one field replaced (or added). */
function rule(field: string, value: string, name = 'x'): string {
  const fields: Record<string, string> = { name, subjects: '[U0ALICE]', actions: '[pause]', [field]: value };
  return `rules:\n  - ${Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n    ')}\n`;
}

function approval(field: string, value: string): string {
  const fields: Record<string, string> = { name: 'ap', actions: '[pause]', [field]: value };
  return `approvals:\n  - ${Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n    ')}\n`;
}

const NOT_A_SUBJECT = 'must be a Slack user ID (U…/W…) or user-group ID (S…), not a name';
const EMPTY = 'must list at least one entry';

describe('parsePolicy: bad files', () => {
  it.each([
    ['unknown top-level field', 'foo: 1\n', 'policy: unknown field foo'],
    ['unknown top-level fields', 'foo: 1\nbar: 2\n', 'policy: unknown fields foo, bar'],
    ['unknown rule field', rule('colour', 'red'), 'rules[0] (“x”): unknown field colour'],
    ['unknown approval field', approval('who', '[U0A]'), 'approvals[0] (“ap”): unknown field who'],
    ['subject as a name', rule('subjects', '[alice]'), `rules[0] (“x”).subjects[0]: ${NOT_A_SUBJECT}`],
    ['subject as @name', rule('subjects', '["@alice"]'), `rules[0] (“x”).subjects[0]: ${NOT_A_SUBJECT}`],
    [
      'subject as a mention',
      rule('subjects', '["<@U0ALICE>"]'),
      `rules[0] (“x”).subjects[0]: ${NOT_A_SUBJECT}`,
    ],
    ['lower-case subject ID', rule('subjects', '[u0alice]'), `rules[0] (“x”).subjects[0]: ${NOT_A_SUBJECT}`],
    [
      'second subject bad',
      rule('subjects', '[U0ALICE, "#team"]'),
      `rules[0] (“x”).subjects[1]: ${NOT_A_SUBJECT}`,
    ],
    [
      'bad action',
      rule('actions', '[resum]'),
      'rules[0] (“x”).actions[0]: must be one of status, list, pause, resume, pin, unpin, reset-rate, approve, ramp, bulk or *',
    ],
    ['action in capitals', rule('actions', '[pause, PAUSE]'), 'rules[0] (“x”).actions[1]: must be one of'],
    ['empty subjects', rule('subjects', '[]'), `rules[0] (“x”).subjects: ${EMPTY}`],
    ['empty actions', rule('actions', '[]'), `rules[0] (“x”).actions: ${EMPTY}`],
    ['empty keys', rule('keys', '[]'), `rules[0] (“x”).keys: ${EMPTY}`],
    ['empty environments', rule('environments', '[]'), `rules[0] (“x”).environments: ${EMPTY}`],
    ['empty channels', rule('channels', '[]'), `rules[0] (“x”).channels: ${EMPTY}`],
    ['empty approval actions', approval('actions', '[]'), `approvals[0] (“ap”).actions: ${EMPTY}`],
    [
      'channel as a name',
      rule('channels', '["#incidents"]'),
      'rules[0] (“x”).channels[0]: must be a Slack channel ID (C…), not a name',
    ],
    [
      'channel as a bare name',
      rule('channels', '[incidents]'),
      'rules[0] (“x”).channels[0]: must be a Slack channel ID (C…), not a name',
    ],
    [
      'channel longer than Slack’s IDs',
      rule('channels', `[C${'A'.repeat(5000)}]`),
      'rules[0] (“x”).channels[0]: is longer than a Slack channel ID (at most 20 characters)',
    ],
    [
      'key with a space',
      rule('keys', '["orders eu"]'),
      'rules[0] (“x”).keys[0]: must not contain spaces or control characters',
    ],
    ['empty key pattern', rule('keys', '[""]'), 'rules[0] (“x”).keys[0]: must not be empty'],
    [
      'key pattern too long',
      rule('keys', `[${'k'.repeat(257)}]`),
      'rules[0] (“x”).keys[0]: must be at most 256 characters',
    ],
    [
      'key pattern with too many wildcards',
      rule('keys', `["${'*a'.repeat(17)}"]`),
      'rules[0] (“x”).keys[0]: must have at most 16 wildcards (* and ? together)',
    ],
    [
      'environment pattern with too many wildcards',
      rule('environments', `["${'?'.repeat(17)}"]`),
      'rules[0] (“x”).environments[0]: must have at most 16 wildcards',
    ],
    [
      'approval key pattern with too many wildcards',
      approval('keys', `["${'*'.repeat(40)}"]`),
      'approvals[0] (“ap”).keys[0]: must have at most 16 wildcards',
    ],
    [
      'bad expires word',
      approval('expires', 'soon'),
      'approvals[0] (“ap”).expires: must be a duration such as 15m or 1h',
    ],
    ['zero expires', approval('expires', '0s'), 'approvals[0] (“ap”).expires: must be a duration'],
    ['negative expires', approval('expires', '-5m'), 'approvals[0] (“ap”).expires: must be a duration'],
    [
      'expires in nonsense',
      approval('expires', 'soonish'),
      'approvals[0] (“ap”).expires: must be a duration',
    ],
    ['approval for every action', approval('actions', '["*"]'), 'approvals[0] (“ap”).actions[0]:'],
    ['approval for status', approval('actions', '[status]'), 'approvals[0] (“ap”).actions[0]:'],
    ['version 2', 'version: 2\n', 'version: must be 1'],
    ['version as text', 'version: "1"\n', 'version: must be 1'],
    [
      'subjects missing',
      'rules:\n  - name: x\n    actions: [pause]\n',
      'rules[0] (“x”).subjects: is required',
    ],
    ['effect in capitals', rule('effect', 'Deny'), 'rules[0] (“x”).effect:'],
  ])('%s', (_, text, expected) => {
    const problems = problemsOf(parsePolicy(text));
    expect(
      problems.some((problem) => problem.startsWith(expected)),
      problems.join('\n'),
    ).toBe(true);
  });

  it('points at the rule’s index, and its name when it has one', () => {
    const text = [
      'rules:',
      '  - name: fine',
      '    subjects: [U0ALICE]',
      '    actions: [pause]',
      '  - subjects: [U0BOB]',
      '    actions: [resum]',
      '  - name: third one',
      '    subjects: [bob]',
      '    actions: [pause]',
      '',
    ].join('\n');
    expect(problemsOf(parsePolicy(text))).toEqual([
      'rules[1].actions[0]: must be one of status, list, pause, resume, pin, unpin, reset-rate, approve, ramp, bulk or *',
      `rules[2] (“third one”).subjects[0]: ${NOT_A_SUBJECT}`,
    ]);
  });

  it('reports every problem at once', () => {
    const text =
      'version: 3\nrules:\n  - name: x\n    subjects: [alice]\n    actions: [fly]\n    colour: red\n';
    expect(problemsOf(parsePolicy(text))).toHaveLength(4);
  });

  it('a YAML syntax error names its line', () => {
    const problems = problemsOf(parsePolicy('rules:\n  - name: x\n   bad: : y\n'));
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) {
      expect(problem).toMatch(/^YAML: .+ at line \d+, column \d+/);
      expect(problem).not.toContain('\n');
    }
    expect(problems[0]).toContain('line 3');
  });

  it('a duplicated key is an error, with its line', () => {
    expect(problemsOf(parsePolicy('version: 1\nrules: []\nversion: 1\n'))).toEqual([
      expect.stringMatching(/^YAML: Map keys must be unique at line 3/),
    ]);
  });

  it('refuses a file larger than 1 MB without parsing it', () => {
    expect(problemsOf(parsePolicy(`# ${'a'.repeat(1_000_000)}`))).toEqual([
      'the policy file is larger than 1 MB',
    ]);
    expect(problemsOf(parsePolicy(`- ${'[a, '.repeat(300_000)}`))).toEqual([
      'the policy file is larger than 1 MB',
    ]);
  });

  it.each([
    ['a list', '- a\n'],
    ['a scalar', 'hello\n'],
    ['a number', '42\n'],
  ])('refuses a root that is %s, pointing at the policy as a whole', (_, text) => {
    const problems = problemsOf(parsePolicy(text));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^policy: /);
  });

  // BUG (src/core/policy/load-policy.ts, describeIssue): `issue.code === 'invalid_type' && issue.input ===
  // undefined` is meant to catch a missing field, but zod 4 leaves `input` out of issues unless parsing with
  // `reportInput: true`, so EVERY wrong type reads "is required". Inputs and actual problems:
  // `actions: pause` → 'rules[0] (“x”).actions: is required'; `keys: [123]` → 'rules[0] (“x”).keys[0]: is
  // required'; a root `- a` → 'policy: is required'. Expected: a message saying what type was expected.
  it.each([
    ['a scalar where a list goes', rule('actions', 'pause'), 'rules[0] (“x”).actions: '],
    ['a number where text goes', rule('keys', '[123]'), 'rules[0] (“x”).keys[0]: '],
    ['rules that are not a list', 'rules: 5\n', 'rules: '],
    ['a root that is a list', '- a\n', 'policy: '],
  ])('a wrong type is not reported as missing: %s', (_, text, where) => {
    const problems = problemsOf(parsePolicy(text));
    const problem = problems.find((candidate) => candidate.startsWith(where));
    expect(problem, problems.join('\n')).toBeDefined();
    expect(problem).not.toContain('is required');
  });
});

/** Nine levels of nine aliases: 9^9 strings if expanded. */
function billionLaughs(): string {
  const names = 'abcdefghi';
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let level = 1; level < names.length; level++) {
    const previous = `*${names[level - 1]}`;
    lines.push(`${names[level]}: &${names[level]} [${Array(9).fill(previous).join(', ')}]`);
  }
  return `${lines.join('\n')}\n`;
}

describe('parsePolicy: aliases', () => {
  it('never expands an alias bomb (billion laughs)', () => {
    let accepted = false;
    try {
      accepted = parsePolicy(billionLaughs()).kind === 'ok';
    } catch {
      // Thrown rather than reported: see the it.fails below.
    }
    expect(accepted).toBe(false);
  });

  // BUG (src/core/policy/load-policy.ts, parsePolicy): `document.toJS({ maxAliasCount: 100 })` THROWS
  // (ReferenceError "Excessive alias count indicates a resource exhaustion attack", or "Unresolved alias …"
  // for `*nope`), and parsePolicy does not catch it, so it throws instead of returning { kind: 'invalid', problems }.
  // Through PolicyAccess.reload this escapes the fs.watchFile callback in src/app/flowbot.ts: a bad edit of the
  // policy file crashes the bot instead of keeping the previous policy. Inputs: the billion-laughs document
  // below; `x: *nope`. Expected: { kind: 'invalid', problems: [...] }; actual: throws.
  it.each([
    ['an alias bomb', billionLaughs()],
    ['an unresolved alias', 'x: *nope\n'],
    [
      'more than 100 aliases',
      `rules:\n  - &r {name: x, subjects: [U0A], actions: [pause]}\n${'  - *r\n'.repeat(150)}`,
    ],
  ])('%s fails cleanly, as problems', (_, text) => {
    const result = parsePolicy(text);
    expect(result.kind).toBe('invalid');
    expect(problemsOf(result).length).toBeGreaterThan(0);
  });

  it('a few aliases are fine', () => {
    const text =
      'rules:\n  - name: x\n    subjects: &who [U0A, S0B]\n    actions: [pause]\n  - name: y\n    subjects: *who\n    actions: [resume]\n';
    const result = parsePolicy(text);
    expect(result.kind === 'ok' && result.policy.rules.map((r) => r.subjects)).toEqual([
      ['U0A', 'S0B'],
      ['U0A', 'S0B'],
    ]);
  });
});

describe('parsePolicy: good files', () => {
  it.each([
    // An empty, comments-only or version-only file is refused (see "a policy file that holds nothing").
    ['explicitly empty', 'version: 1\nrules: []\n'],
    ['empty lists', 'rules: []\napprovals: []\n'],
  ])('an %s file is valid and grants nothing', async (_, text) => {
    const result = parsePolicy(text);
    expect(result).toEqual({ kind: 'ok', policy: { version: 1, rules: [], approvals: [] } });
    if (result.kind !== 'ok') return;
    const directory: GroupDirectory = {
      members: async (group) => {
        throw new DirectoryUnavailable(group, 'unused');
      },
    };
    const decision = await new PolicyEngine(result.policy, directory).decide({
      actor: { userId: 'U0ALICE' },
      action: 'status',
      environment: 'prod',
      key: 'orders',
      channelId: 'C0INC',
    });
    expect(decision).toMatchObject({ kind: 'refused', refusal: { code: 'not_granted' } });
  });

  it('fills in the defaults: allow, every key, every environment, any channel', () => {
    const result = parsePolicy('rules:\n  - subjects: [W0ALICE, S0TEAM]\n    actions: ["*"]\n');
    expect(result).toEqual({
      kind: 'ok',
      policy: {
        version: 1,
        rules: [
          {
            effect: 'allow',
            subjects: ['W0ALICE', 'S0TEAM'],
            actions: ['*'],
            keys: ['*'],
            environments: ['*'],
          },
        ],
        approvals: [],
      },
    });
  });
});

describe('loadPolicyFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowbot-load-policy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file', () => {
    const path = join(dir, 'good.yml');
    writeFileSync(path, rule('keys', '[orders-*]'));
    const result = loadPolicyFile(path);
    expect(result.kind === 'ok' && result.policy.rules[0]?.keys).toEqual(['orders-*']);
  });

  it('a missing file is a problem, with its path and the error code', () => {
    const path = join(dir, 'missing.yml');
    expect(loadPolicyFile(path)).toEqual({ kind: 'invalid', problems: [`cannot read ${path}: ENOENT`] });
  });

  it('a directory is a problem too', () => {
    expect(problemsOf(loadPolicyFile(dir))).toEqual([`cannot read ${dir}: EISDIR`]);
  });
});

describe('policy.example.yml', () => {
  const loaded = loadPolicyFile(EXAMPLE);

  it('fits the environments it says it assumes, and is warned about with only `default`', () => {
    if (loaded.kind !== 'ok') throw new Error(loaded.problems.join('\n'));
    expect(readFileSync(EXAMPLE, 'utf8')).toContain('FLOW_ENVIRONMENTS=prod,staging');
    expect(policyWarnings(loaded.policy, ['prod', 'staging'])).toEqual([]);
    const single = policyWarnings(loaded.policy, ['default']);
    expect(single.map((warning) => warning.pattern)).toEqual(['prod', 'staging', 'prod']);
  });

  const directory: GroupDirectory = {
    async members(group) {
      const groups: Record<string, string[]> = {
        S0ONCALL1: ['U0ONCALL'],
        S0ENGINEER: ['U0ENG'],
        S0PLATFORM: ['U0PLAT'],
      };
      const members = groups[group];
      if (!members) throw new DirectoryUnavailable(group, 'unknown');
      return new Set(members);
    },
  };
  const engine = () => {
    if (loaded.kind !== 'ok') throw new Error(loaded.problems.join('\n'));
    return new PolicyEngine(loaded.policy, directory);
  };
  const ask = (userId: string, overrides: Record<string, unknown> = {}) =>
    engine().decide({
      actor: { userId },
      action: 'resume',
      environment: 'prod',
      key: 'orders',
      channelId: 'C0INCIDENTS',
      ...overrides,
    });

  it('parses', () => {
    expect(loaded.kind, loaded.kind === 'ok' ? '' : loaded.problems.join('\n')).toBe('ok');
  });

  it('gives on-call resume in prod, only from #incidents', async () => {
    expect(await ask('U0ONCALL')).toEqual({ kind: 'allowed', grantedBy: 'on-call in #incidents' });
    expect(await ask('U0ONCALL', { channelId: 'C0GENERAL' })).toMatchObject({ kind: 'refused' });
    expect(await ask('U0ONCALL', { channelId: undefined })).toMatchObject({ kind: 'refused' });
    expect(await ask('U0ONCALL', { environment: 'staging' })).toMatchObject({ kind: 'refused' });
    expect(await ask('U0ENG')).toMatchObject({ kind: 'refused' });
    expect(await ask('U0ENG', { environment: 'staging' })).toMatchObject({ kind: 'allowed' });
  });

  it('makes prod payments-* pause and resume need approval, for 30 minutes', async () => {
    const needs = { rule: 'payments need two people', expiresMs: DEFAULT_APPROVAL_EXPIRY_MS };
    for (const action of ['pause', 'resume'] as const) {
      expect(engine().approvalFor({ action, environment: 'prod', key: 'payments-eu' })).toEqual(needs);
      expect(engine().approvalFor({ action, environment: 'staging', key: 'payments-eu' })).toBeUndefined();
      expect(engine().approvalFor({ action, environment: 'prod', key: 'orders' })).toBeUndefined();
    }
    expect(engine().approvalFor({ action: 'pin', environment: 'prod', key: 'payments-eu' })).toBeUndefined();
    expect(await ask('U0ONCALL', { key: 'payments-eu' })).toEqual({
      kind: 'allowed',
      grantedBy: 'on-call in #incidents',
      approval: needs,
    });
  });

  it('keeps engineering and on-call from pinning payments keys, but not the platform team', async () => {
    expect(await ask('U0ENG', { action: 'pin', environment: 'staging', key: 'payments-eu' })).toMatchObject({
      kind: 'refused',
      refusal: { code: 'not_granted', scope: 'deny_rule' },
    });
    expect(await ask('U0ENG', { action: 'pin', environment: 'staging', key: 'orders' })).toMatchObject({
      kind: 'allowed',
    });
    expect(await ask('U0PLAT', { action: 'pin', key: 'payments-eu' })).toMatchObject({ kind: 'allowed' });
  });
});
