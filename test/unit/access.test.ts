import { describe, expect, it } from 'vitest';
import { isGroupId, isSubjectId, isUserId } from '../../src/core/access/subjects.js';
import {
  type AccessDecision,
  type AccessPolicy,
  type AccessRequest,
  DirectoryUnavailable,
  type GroupDirectory,
} from '../../src/core/access/types.js';
import { PolicyAccess } from '../../src/core/policy/policy-access.js';
import { describeRefusal } from '../../src/slack/blocks/refusal.js';

/** Groups map to their members, or to an error the lookup throws. Every lookup is recorded. */
class FakeDirectory implements GroupDirectory {
  readonly calls: string[] = [];
  constructor(private readonly groups: Record<string, readonly string[] | Error> = {}) {}

  async members(groupId: string): Promise<ReadonlySet<string>> {
    this.calls.push(groupId);
    const entry = Object.hasOwn(this.groups, groupId) ? this.groups[groupId] : undefined;
    if (entry instanceof Error) throw entry;
    if (entry === undefined) throw new DirectoryUnavailable(groupId, 'no_such_subteam');
    return new Set(entry);
  }
}

const request = (userId: string, overrides: Partial<AccessRequest> = {}): AccessRequest => ({
  actor: { userId },
  action: 'resume',
  environment: 'default',
  key: 'orders',
  channelId: 'C0CHANNEL',
  ...overrides,
});

const NOT_GRANTED =
  'You are not on Flowbot’s access list. Ask your Flowbot admin to add you or one of your user groups.';
const UNAVAILABLE =
  'Flowbot could not check your user-group membership because Slack did not answer. Nothing was changed; try again in a moment.';

describe('subject IDs', () => {
  it('recognises user IDs (U…, W…)', () => {
    for (const id of ['U01', 'U0123ABCD', 'W0ENTERPRISE', `U${'A'.repeat(5_000)}`])
      expect(isUserId(id), id).toBe(true);
    for (const id of [
      '',
      'U',
      'U1',
      'u0123',
      'S0123',
      'B0BOT',
      'C0CHAN',
      'U0123 ',
      ' U0123',
      'U0123\n',
      'U01-2',
      'U0é',
    ]) {
      expect(isUserId(id), JSON.stringify(id)).toBe(false);
    }
  });

  it('recognises user-group IDs (S…)', () => {
    for (const id of ['S01', 'S0GROUP']) expect(isGroupId(id)).toBe(true);
    for (const id of ['', 'S', 'S1', 's0group', 'U0123', 'S0GROUP\n', '<!subteam^S0GROUP>']) {
      expect(isGroupId(id), JSON.stringify(id)).toBe(false);
    }
  });

  it('subjects are users or groups, nothing else', () => {
    expect(isSubjectId('U0123')).toBe(true);
    expect(isSubjectId('W0123')).toBe(true);
    expect(isSubjectId('S0123')).toBe(true);
    for (const id of [
      'alice',
      '@alice',
      '<@U0123>',
      '<!channel>',
      '__proto__',
      'constructor',
      'C0123',
      'T0123',
    ]) {
      expect(isSubjectId(id), id).toBe(false);
    }
  });
});

describe('DirectoryUnavailable', () => {
  it('names the group and the cause', () => {
    const error = new DirectoryUnavailable('S0ONCALL', 'ratelimited');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('DirectoryUnavailable');
    expect(error.groupId).toBe('S0ONCALL');
    expect(error.detail).toBe('ratelimited');
    expect(error.message).toBe('Could not read the members of user group S0ONCALL: ratelimited');
  });
});

/** The refusal in the words the person reads. */
function said(decision: AccessDecision): string {
  return decision.kind === 'refused' ? describeRefusal(decision.refusal, 'pause') : '';
}

/** The FLOW_ALLOWED_USERS form of access: the listed users and group members may do everything. */
function allowlist(subjects: readonly string[], directory: GroupDirectory): AccessPolicy {
  const created = PolicyAccess.create({ allowlist: subjects, file: undefined }, directory);
  if (created.kind === 'invalid') throw new Error(`unexpected problems: ${created.problems.join('; ')}`);
  return created.access;
}

const GRANTED = { kind: 'allowed', grantedBy: 'FLOW_ALLOWED_USERS' };

describe('allowlist access (FLOW_ALLOWED_USERS)', () => {
  const subjects = ['U0ALICE', 'W0BOB', 'S0ONCALL', 'S0BROKEN', 'S0SRE'];

  it('allows directly listed users (U… and W…), even when the directory is down', async () => {
    const directory = new FakeDirectory({
      S0ONCALL: new Error('down'),
      S0BROKEN: new Error('down'),
      S0SRE: new Error('down'),
    });
    const policy = allowlist(subjects, directory);
    expect(await policy.authorize(request('U0ALICE'))).toEqual(GRANTED);
    expect(await policy.authorize(request('W0BOB'))).toEqual(GRANTED);
  });

  // REGRESSION (src/core/policy/policy-engine.ts, PolicyEngine#membership, uncommitted rewrite of the deleted
  // src/core/access/allowlist.ts): every group of every applicable rule is looked up, even when the rule
  // already names the user directly. A listed on-call engineer therefore costs a usergroups.users.list call and
  // waits for it (up to SlackGroupDirectory's 5 s timeout while Slack is slow) before a resume runs. Input:
  // FLOW_ALLOWED_USERS=U0ALICE,S0ONCALL,…; U0ALICE resumes. Expected: no directory call; actual: one per group.
  it('a direct match needs no directory lookup at all', async () => {
    const directory = new FakeDirectory({ S0ONCALL: [], S0BROKEN: [], S0SRE: [] });
    await allowlist(subjects, directory).authorize(request('U0ALICE'));
    expect(directory.calls).toEqual([]);
  });

  it('allows a group member', async () => {
    const directory = new FakeDirectory({ S0ONCALL: ['U0CAROL'], S0BROKEN: [], S0SRE: [] });
    expect(await allowlist(subjects, directory).authorize(request('U0CAROL'))).toEqual(GRANTED);
    expect(directory.calls).toContain('S0ONCALL');
  });

  it('allows a member of one group although another group’s lookup failed', async () => {
    const directory = new FakeDirectory({
      S0ONCALL: ['U0OTHER'],
      S0BROKEN: new DirectoryUnavailable('S0BROKEN', 'timeout'),
      S0SRE: ['U0DAVE'],
    });
    expect(await allowlist(subjects, directory).authorize(request('U0DAVE'))).toEqual(GRANTED);
  });

  it('looks up only group IDs, never users or names', async () => {
    const directory = new FakeDirectory({ S0ONCALL: [] });
    await allowlist(['U0BOB', 'W0CAROL', 'S0ONCALL'], directory).authorize(request('U0MALLORY'));
    expect([...new Set(directory.calls)]).toEqual(['S0ONCALL']);
  });

  it('refuses a stranger as not_granted, whatever the action, key, environment or channel', async () => {
    const directory = new FakeDirectory({ S0ONCALL: ['U0CAROL'], S0BROKEN: ['U0X'], S0SRE: ['U0DAVE'] });
    const policy = allowlist(subjects, directory);
    for (const req of [
      request('U0MALLORY'),
      request('U0MALLORY', { action: 'list', key: undefined, channelId: undefined }),
      request('U0MALLORY', { environment: '__proto__', key: '<!channel>' }),
    ]) {
      const decision = await policy.authorize(req);
      expect(decision).toEqual({
        kind: 'refused',
        refusal: {
          code: 'not_granted',
          action: req.action,
          scope: 'not_listed',
          onKey: req.key !== undefined,
        },
      });
      expect(said(decision)).toBe(NOT_GRANTED);
    }
  });

  it('grants listed people every action on every key, environment and channel', async () => {
    const policy = allowlist(subjects, new FakeDirectory({ S0ONCALL: [], S0BROKEN: [], S0SRE: [] }));
    for (const action of ['status', 'list', 'pause', 'resume', 'pin', 'unpin', 'reset-rate'] as const) {
      for (const key of ['orders', '<!channel>', '__proto__', 'a/b', undefined]) {
        const decision = await policy.authorize(
          request('U0ALICE', { action, key, environment: 'eu-west', channelId: undefined }),
        );
        expect(decision.kind, `${action} ${key}`).toBe('allowed');
      }
    }
  });

  it('refuses as directory_unavailable when a lookup failed and nothing matched', async () => {
    const directory = new FakeDirectory({
      S0ONCALL: ['U0CAROL'],
      S0BROKEN: new DirectoryUnavailable('S0BROKEN', 'secret-internal-detail'),
      S0SRE: ['U0DAVE'],
    });
    const decision = await allowlist(subjects, directory).authorize(request('U0MALLORY'));
    expect(decision).toEqual({ kind: 'refused', refusal: { code: 'directory_unavailable' } });
    expect(said(decision)).toBe(UNAVAILABLE);
  });

  it('treats any thrown value from the directory as unavailable', async () => {
    const directory: GroupDirectory = {
      members: async () => {
        throw 'not even an Error';
      },
    };
    const decision = await allowlist(['S0ONCALL'], directory).authorize(request('U0MALLORY'));
    expect(decision).toMatchObject({ kind: 'refused', refusal: { code: 'directory_unavailable' } });
  });

  it('never lists who else has access (or the directory’s words) in an explanation', async () => {
    const broken = new FakeDirectory({
      S0ONCALL: new Error('x'),
      S0BROKEN: new DirectoryUnavailable('S0BROKEN', 'secret-internal-detail'),
      S0SRE: new Error('z'),
    });
    const fine = new FakeDirectory({ S0ONCALL: ['U0CAROL'], S0BROKEN: [], S0SRE: ['U0DAVE'] });
    for (const directory of [broken, fine]) {
      const decision = await allowlist(subjects, directory).authorize(request('U0MALLORY'));
      expect(decision.kind).toBe('refused');
      if (decision.kind === 'allowed') continue;
      for (const id of [
        ...subjects,
        'U0CAROL',
        'U0DAVE',
        'U0MALLORY',
        'secret-internal-detail',
        'FLOW_ALLOWED_USERS',
      ]) {
        expect(said(decision)).not.toContain(id);
      }
      expect(said(decision)).not.toMatch(/<@|[UWS]0[A-Z]/);
    }
  });

  it('refuses everyone when the list is empty (deny by default), without lookups', async () => {
    const directory = new FakeDirectory();
    const decision = await allowlist([], directory).authorize(request('U0ALICE'));
    expect(decision).toMatchObject({
      kind: 'refused',
      refusal: { code: 'not_granted', scope: 'not_listed' },
    });
    expect(said(decision)).toBe(NOT_GRANTED);
    expect(directory.calls).toEqual([]);
  });

  it('does not let hostile actor IDs match anything', async () => {
    const directory = new FakeDirectory({ S0ONCALL: ['U0CAROL'], S0BROKEN: [], S0SRE: [] });
    const policy = allowlist(subjects, directory);
    for (const userId of [
      '',
      '__proto__',
      'constructor',
      'u0alice',
      'U0ALICE ',
      '<@U0ALICE>',
      'U0ALICE\u0000',
      '*',
    ]) {
      const decision = await policy.authorize(request(userId));
      expect(decision.kind, JSON.stringify(userId)).toBe('refused');
    }
  });
});
