import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AccessRequest, type GroupDirectory, UserGroupNotFound } from '../../src/core/access/types.js';
import { EMPTY_POLICY } from '../../src/core/policy/load-policy.js';
import { PolicyAccess } from '../../src/core/policy/policy-access.js';

const directory: GroupDirectory = {
  members: async (group) => new Set(group === 'S0OPS' ? ['U0OPS'] : []),
};

const ask = (userId: string, action: AccessRequest['action'], key = 'orders'): AccessRequest => ({
  actor: { userId },
  action,
  environment: 'prod',
  key,
  channelId: 'C0INC',
});

const POLICY_V1 = 'rules:\n  - name: alice pauses\n    subjects: [U0ALICE]\n    actions: [pause]\n';
const POLICY_V2 = [
  'rules:',
  '  - name: alice resumes',
  '    subjects: [U0ALICE]',
  '    actions: [resume]',
  '  - name: ops pause',
  '    subjects: [S0OPS]',
  '    actions: [pause]',
  '',
].join('\n');
const POLICY_BAD = 'rules:\n  - name: oops\n    subjects: [alice]\n    actions: ["*"]\n';

function created(result: ReturnType<typeof PolicyAccess.create>): PolicyAccess {
  if (result.kind === 'invalid') throw new Error(`unexpected problems: ${result.problems.join('; ')}`);
  return result.access;
}

async function allowed(access: PolicyAccess, request: AccessRequest): Promise<boolean> {
  return (await access.authorize(request)).kind === 'allowed';
}

describe('PolicyAccess', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'flowbot-policy-access-'));
    file = join(dir, 'policy.yml');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('good file, good edit, bad edit (old policy stays), fixed again', async () => {
    writeFileSync(file, POLICY_V1);
    const access = created(PolicyAccess.create({ allowlist: [], file }, directory));
    expect(access.reloadable).toBe(true);
    expect(access.current.ruleCount).toBe(1);
    expect(await allowed(access, ask('U0ALICE', 'pause'))).toBe(true);
    expect(await allowed(access, ask('U0ALICE', 'resume'))).toBe(false);
    expect(await allowed(access, ask('U0OPS', 'pause'))).toBe(false);

    writeFileSync(file, POLICY_V2);
    expect(access.reload()).toEqual({ kind: 'reloaded', rules: 2 });
    expect(await allowed(access, ask('U0ALICE', 'pause'))).toBe(false);
    expect(await allowed(access, ask('U0ALICE', 'resume'))).toBe(true);
    expect(await allowed(access, ask('U0OPS', 'pause'))).toBe(true);
    const v2 = access.current;

    writeFileSync(file, POLICY_BAD);
    const bad = access.reload();
    expect(bad).toEqual({
      kind: 'invalid',
      problems: [
        `${file}: rules[0] (“oops”).subjects[0]: must be a Slack user ID (U…/W…) or user-group ID (S…), not a name`,
      ],
    });
    expect(access.current).toBe(v2);
    expect(await allowed(access, ask('U0ALICE', 'resume'))).toBe(true);
    expect(await allowed(access, ask('U0OPS', 'pause'))).toBe(true);
    expect(await allowed(access, ask('U0ALICE', 'pause'))).toBe(false);

    writeFileSync(file, `${POLICY_V1}  - name: bob\n    subjects: [U0BOB]\n    actions: [status]\n`);
    expect(access.reload()).toEqual({ kind: 'reloaded', rules: 2 });
    expect(await allowed(access, ask('U0ALICE', 'pause'))).toBe(true);
    expect(await allowed(access, ask('U0BOB', 'status'))).toBe(true);
    expect(await allowed(access, ask('U0OPS', 'pause'))).toBe(false);
  });

  it('a file that disappears keeps the old policy, and says so', async () => {
    writeFileSync(file, POLICY_V1);
    const access = created(PolicyAccess.create({ allowlist: [], file }, directory));
    rmSync(file);
    expect(access.reload()).toEqual({ kind: 'invalid', problems: [`${file}: cannot read ${file}: ENOENT`] });
    expect(await allowed(access, ask('U0ALICE', 'pause'))).toBe(true);
  });

  it('an empty file (an empty mount, a truncated write) stops startup, naming the file', () => {
    for (const text of ['', '\n\n', '# rules go here\n# (none yet)\n', '---\n', '~\n', 'version: 1\n']) {
      writeFileSync(file, text);
      expect(PolicyAccess.create({ allowlist: ['U0ALICE'], file }, directory)).toEqual({
        kind: 'invalid',
        problems: [`${file}: ${EMPTY_POLICY}`],
      });
    }
    expect(EMPTY_POLICY).toMatch(/^holds nothing: expected "rules:"/);
  });

  it('an empty file on reload keeps the old policy, like any bad edit; `rules: []` grants nothing on purpose', async () => {
    writeFileSync(file, POLICY_V1);
    const access = created(PolicyAccess.create({ allowlist: [], file }, directory));
    writeFileSync(file, '');
    expect(access.reload()).toEqual({ kind: 'invalid', problems: [`${file}: ${EMPTY_POLICY}`] });
    expect(await allowed(access, ask('U0ALICE', 'pause'))).toBe(true);
    writeFileSync(file, 'version: 1\n');
    expect(access.reload()).toEqual({ kind: 'invalid', problems: [`${file}: ${EMPTY_POLICY}`] });
    expect(await allowed(access, ask('U0ALICE', 'pause'))).toBe(true);
    writeFileSync(file, '# nobody but FLOW_ALLOWED_USERS\nrules: []\n');
    expect(access.reload()).toEqual({ kind: 'reloaded', rules: 0 });
    expect(await allowed(access, ask('U0ALICE', 'pause'))).toBe(false);
  });

  it('a missing file at startup is a problem', () => {
    expect(PolicyAccess.create({ allowlist: ['U0ALICE'], file }, directory)).toEqual({
      kind: 'invalid',
      problems: [`${file}: cannot read ${file}: ENOENT`],
    });
  });

  it('a bad file at startup is a problem', () => {
    writeFileSync(file, 'version: 2\n');
    expect(PolicyAccess.create({ allowlist: [], file }, directory)).toEqual({
      kind: 'invalid',
      problems: [`${file}: version: must be 1`],
    });
  });

  it('combines the allowlist with the file, and keeps the allowlist across reloads', async () => {
    writeFileSync(file, POLICY_V1);
    const access = created(PolicyAccess.create({ allowlist: ['U0ADMIN'], file }, directory));
    expect(access.current.ruleCount).toBe(2);
    expect(await access.authorize(ask('U0ADMIN', 'reset-rate'))).toEqual({
      kind: 'allowed',
      grantedBy: 'FLOW_ALLOWED_USERS',
    });
    expect(await access.authorize(ask('U0ALICE', 'pause'))).toEqual({
      kind: 'allowed',
      grantedBy: 'alice pauses',
    });
    writeFileSync(file, 'rules: []\n');
    expect(access.reload()).toEqual({ kind: 'reloaded', rules: 1 });
    expect(await allowed(access, ask('U0ADMIN', 'pin'))).toBe(true);
    expect(await allowed(access, ask('U0ALICE', 'pause'))).toBe(false);
  });

  it('without a file: the allowlist alone, not reloadable, reload changes nothing', async () => {
    const access = created(PolicyAccess.create({ allowlist: ['U0ADMIN'], file: undefined }, directory));
    expect(access.reloadable).toBe(false);
    expect(access.reload()).toEqual({ kind: 'reloaded', rules: 1 });
    expect(await allowed(access, ask('U0ADMIN', 'pause'))).toBe(true);
    expect(await allowed(access, ask('U0ALICE', 'pause'))).toBe(false);
  });

  // BUG (src/core/policy/load-policy.ts, parsePolicy, reached through PolicyAccess.reload): a policy edit with
  // an unresolved or excessive YAML alias makes `document.toJS` throw, and nothing on the way catches it, so
  // reload() THROWS instead of returning { kind: 'invalid' }. In src/app/flowbot.ts reload runs inside an
  // fs.watchFile callback, so the exception is uncaught and takes the bot down. Input: the file edited to
  // `rules: *nope`. Expected: { kind: 'invalid', problems: [...] } and the previous policy in force; actual: throws
  // ReferenceError "Unresolved alias (the anchor must be set before the alias): nope".
  it('an edit with a broken alias is a bad edit like any other', async () => {
    writeFileSync(file, POLICY_V1);
    const access = created(PolicyAccess.create({ allowlist: [], file }, directory));
    writeFileSync(file, 'rules: *nope\n');
    const result = access.reload();
    expect(result.kind).toBe('invalid');
    expect(await allowed(access, ask('U0ALICE', 'pause'))).toBe(true);
  });
});

describe('PolicyAccess.checkGroups', () => {
  it('points at the file’s own rule index, or FLOW_ALLOWED_USERS, whether or not the allowlist is set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowbot-policy-groups-'));
    const file = join(dir, 'policy.yml');
    writeFileSync(
      file,
      'rules:\n  - subjects: [U0ALICE]\n    actions: [pause]\n  - name: engineers\n    subjects: [S0GONE]\n    actions: [pin]\n    effect: deny\n',
    );
    const groups: GroupDirectory = {
      members: async (group) => {
        if (group === 'S0OPS') return new Set(['U0OPS']);
        throw new UserGroupNotFound(group, 'not_found');
      },
    };
    for (const allowlist of [[], ['U0ADMIN'], ['U0ADMIN', 'S0ALSOGONE']]) {
      const access = created(PolicyAccess.create({ allowlist, file }, groups));
      const expected = [
        ...(allowlist.includes('S0ALSOGONE')
          ? [{ group: 'S0ALSOGONE', reason: 'not_found', rule: undefined }]
          : []),
        { group: 'S0GONE', reason: 'not_found', rule: { list: 'rules', index: 1, name: 'engineers' } },
      ];
      expect(await access.checkGroups()).toEqual({ missing: expected, unchecked: [] });
    }
    rmSync(dir, { recursive: true, force: true });
  });
});
