import { describe, expect, it } from 'vitest';
import { AllowlistPolicy } from '../../src/core/access/allowlist.js';
import { isGroupId, isSubjectId, isUserId, matchSubjects } from '../../src/core/access/subjects.js';
import { type AccessRequest, DirectoryUnavailable, type GroupDirectory } from '../../src/core/access/types.js';

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
    for (const id of ['U01', 'U0123ABCD', 'W0ENTERPRISE', `U${'A'.repeat(5_000)}`]) expect(isUserId(id), id).toBe(true);
    for (const id of ['', 'U', 'U1', 'u0123', 'S0123', 'B0BOT', 'C0CHAN', 'U0123 ', ' U0123', 'U0123\n', 'U01-2', 'U0é']) {
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
    for (const id of ['alice', '@alice', '<@U0123>', '<!channel>', '__proto__', 'constructor', 'C0123', 'T0123']) {
      expect(isSubjectId(id), id).toBe(false);
    }
  });
});

describe('matchSubjects', () => {
  it('matches a listed user without any lookup', async () => {
    let lookups = 0;
    const result = await matchSubjects('U0ALICE', ['S0GROUP', 'U0ALICE'], async () => {
      lookups++;
      throw new Error('must not be called');
    });
    expect(result).toEqual({ matched: 'U0ALICE', lookupFailure: undefined });
    expect(lookups).toBe(0);
  });

  it('looks up groups in order and stops at the first that contains the user', async () => {
    const directory = new FakeDirectory({ S0A: ['U0X'], S0B: ['U0ALICE'], S0C: ['U0ALICE'] });
    const result = await matchSubjects('U0ALICE', ['U0BOB', 'S0A', 'S0B', 'S0C'], (g) => directory.members(g));
    expect(result).toEqual({ matched: 'S0B', lookupFailure: undefined });
    expect(directory.calls).toEqual(['S0A', 'S0B']);
  });

  it('only ever looks up group IDs', async () => {
    const directory = new FakeDirectory();
    const result = await matchSubjects('U0ALICE', ['U0BOB', 'W0CAROL', 'alice', 's0lower', '__proto__'], (g) =>
      directory.members(g),
    );
    expect(result).toEqual({ matched: undefined, lookupFailure: undefined });
    expect(directory.calls).toEqual([]);
  });

  it('ignores a failed group when another matches, and reports the first failure otherwise', async () => {
    const first = new DirectoryUnavailable('S0A', 'timeout');
    const second = new DirectoryUnavailable('S0C', 'ratelimited');
    const matched = await matchSubjects('U0ALICE', ['S0A', 'S0B'], (g) =>
      new FakeDirectory({ S0A: first, S0B: ['U0ALICE'] }).members(g),
    );
    expect(matched).toEqual({ matched: 'S0B', lookupFailure: undefined });

    const failed = await matchSubjects('U0ALICE', ['S0A', 'S0B', 'S0C'], (g) =>
      new FakeDirectory({ S0A: first, S0B: ['U0BOB'], S0C: second }).members(g),
    );
    expect(failed.matched).toBeUndefined();
    expect(failed.lookupFailure).toBe(first);
  });

  it('an empty list matches nobody', async () => {
    expect(await matchSubjects('U0ALICE', [], async () => new Set(['U0ALICE']))).toEqual({
      matched: undefined,
      lookupFailure: undefined,
    });
  });
});

describe('AllowlistPolicy', () => {
  const subjects = ['U0ALICE', 'W0BOB', 'S0ONCALL', 'S0BROKEN', 'S0SRE'];

  it('allows a directly listed user without asking the directory', async () => {
    const directory = new FakeDirectory({ S0ONCALL: new Error('directory down') });
    const policy = new AllowlistPolicy(subjects, directory);
    expect(await policy.authorize(request('U0ALICE'))).toEqual({ allowed: true, grantedBy: 'allowlist:user' });
    expect(await policy.authorize(request('W0BOB'))).toEqual({ allowed: true, grantedBy: 'allowlist:user' });
    expect(directory.calls).toEqual([]);
  });

  it('allows a group member and names the group', async () => {
    const directory = new FakeDirectory({ S0ONCALL: ['U0CAROL'] });
    const policy = new AllowlistPolicy(subjects, directory);
    expect(await policy.authorize(request('U0CAROL'))).toEqual({ allowed: true, grantedBy: 'allowlist:group:S0ONCALL' });
    expect(directory.calls).toEqual(['S0ONCALL']);
  });

  it('allows a member of a later group although an earlier group lookup failed', async () => {
    const directory = new FakeDirectory({
      S0ONCALL: ['U0OTHER'],
      S0BROKEN: new DirectoryUnavailable('S0BROKEN', 'timeout'),
      S0SRE: ['U0DAVE'],
    });
    const policy = new AllowlistPolicy(subjects, directory);
    expect(await policy.authorize(request('U0DAVE'))).toEqual({ allowed: true, grantedBy: 'allowlist:group:S0SRE' });
    expect(directory.calls).toEqual(['S0ONCALL', 'S0BROKEN', 'S0SRE']);
  });

  it('refuses a stranger as not_granted, whatever the action, key or channel', async () => {
    const directory = new FakeDirectory({ S0ONCALL: ['U0CAROL'], S0BROKEN: ['U0X'], S0SRE: ['U0DAVE'] });
    const policy = new AllowlistPolicy(subjects, directory);
    for (const req of [
      request('U0MALLORY'),
      request('U0MALLORY', { action: 'pause', key: undefined, channelId: undefined }),
      request('U0MALLORY', { environment: '__proto__', key: '<!channel>' }),
    ]) {
      expect(await policy.authorize(req)).toEqual({ allowed: false, reason: 'not_granted', explanation: NOT_GRANTED });
    }
  });

  it('refuses as directory_unavailable when a lookup failed and nothing matched', async () => {
    const directory = new FakeDirectory({
      S0ONCALL: ['U0CAROL'],
      S0BROKEN: new DirectoryUnavailable('S0BROKEN', 'secret-internal-detail'),
      S0SRE: ['U0DAVE'],
    });
    const decision = await new AllowlistPolicy(subjects, directory).authorize(request('U0MALLORY'));
    expect(decision).toEqual({ allowed: false, reason: 'directory_unavailable', explanation: UNAVAILABLE });
  });

  it('treats any thrown value from the directory as unavailable', async () => {
    const directory: GroupDirectory = {
      members: async () => {
        throw 'not even an Error';
      },
    };
    const decision = await new AllowlistPolicy(['S0ONCALL'], directory).authorize(request('U0MALLORY'));
    expect(decision).toMatchObject({ allowed: false, reason: 'directory_unavailable' });
  });

  it('never lists who else has access in an explanation', async () => {
    const broken = new FakeDirectory({
      S0ONCALL: new Error('x'),
      S0BROKEN: new Error('y'),
      S0SRE: new Error('z'),
    });
    const fine = new FakeDirectory({ S0ONCALL: ['U0CAROL'], S0BROKEN: [], S0SRE: ['U0DAVE'] });
    for (const directory of [broken, fine]) {
      const decision = await new AllowlistPolicy(subjects, directory).authorize(request('U0MALLORY'));
      expect(decision.allowed).toBe(false);
      if (decision.allowed) continue;
      for (const id of [...subjects, 'U0CAROL', 'U0DAVE', 'U0MALLORY', 'secret-internal-detail']) {
        expect(decision.explanation).not.toContain(id);
      }
      expect(decision.explanation).not.toMatch(/<@|[UWS]0[A-Z]/);
    }
  });

  it('refuses everyone when the list is empty (deny by default), without lookups', async () => {
    const directory = new FakeDirectory();
    const decision = await new AllowlistPolicy([], directory).authorize(request('U0ALICE'));
    expect(decision).toEqual({ allowed: false, reason: 'not_granted', explanation: NOT_GRANTED });
    expect(directory.calls).toEqual([]);
  });

  it('does not let hostile actor IDs match anything', async () => {
    const directory = new FakeDirectory({ S0ONCALL: ['U0CAROL'], S0BROKEN: [], S0SRE: [] });
    const policy = new AllowlistPolicy(subjects, directory);
    for (const userId of ['', '__proto__', 'constructor', 'u0alice', 'U0ALICE ', '<@U0ALICE>', 'U0ALICE\u0000']) {
      const decision = await policy.authorize(request(userId));
      expect(decision.allowed, JSON.stringify(userId)).toBe(false);
    }
  });
});
