import { LogLevel, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DirectoryUnavailable, UserGroupNotFound } from '../../src/core/access/types.js';
import { SlackGroupDirectory } from '../../src/slack/group-directory.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';

describe('SlackGroupDirectory: Slack’s answers about a group, apart from failures to answer', () => {
  let slack: FakeSlack;
  let client: WebClient;
  let events: string[];
  const directory = () =>
    new SlackGroupDirectory(client, 60_000, 5_000, Date.now, {
      notFound: (group, reason) => events.push(`notFound ${group} ${reason}`),
      unavailable: (group) => events.push(`unavailable ${group}`),
    });
  beforeAll(async () => {
    slack = await startFakeSlack();
    client = new WebClient(slack.botToken, {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logLevel: LogLevel.ERROR,
    });
  });
  afterAll(() => slack.close());
  beforeEach(() => {
    events = [];
    slack.clearCalls();
    slack.clearFaults();
  });

  const thrown = async (call: () => Promise<unknown>) => {
    try {
      await call();
    } catch (error) {
      return error;
    }
    throw new Error('expected it to throw');
  };

  it('an unknown group: UserGroupNotFound, cached like members, said once', async () => {
    const groups = directory();
    for (let i = 0; i < 3; i += 1) {
      const error = await thrown(() => groups.members('S0NOWHERE'));
      expect(error).toBeInstanceOf(UserGroupNotFound);
      expect(error).toMatchObject({ groupId: 'S0NOWHERE', reason: 'not_found' });
      expect(error).not.toBeInstanceOf(DirectoryUnavailable);
    }
    expect(slack.callsTo('usergroups.users.list')).toHaveLength(1);
    expect(events).toEqual(['notFound S0NOWHERE not_found']);
  });

  it('a disabled group is one Slack does not list (no include_disabled): it names nobody', async () => {
    slack.setUserGroup('S0DISABLED', ['U0ALICE']);
    slack.disableUserGroup('S0DISABLED');
    expect(await thrown(() => directory().members('S0DISABLED'))).toBeInstanceOf(UserGroupNotFound);
    slack.disableUserGroup('S0DISABLED', false);
    expect(await directory().members('S0DISABLED')).toEqual(new Set(['U0ALICE']));
  });

  it.each([
    ['no_such_subteam', 'not_found'],
    ['subteam_not_found', 'not_found'],
    ['plan_upgrade_required', 'no_user_groups'],
  ])('Slack’s %s is an answer (%s), not "did not answer"', async (code, reason) => {
    slack.setUserGroup('S0THERE', ['U0ALICE']);
    slack.failMethod('usergroups.users.list', { kind: 'error', error: code });
    expect(await thrown(() => directory().members('S0THERE'))).toMatchObject({
      name: 'UserGroupNotFound',
      reason,
    });
  });

  it.each([
    ['a 503', { kind: 'status', status: 503 } as const],
    ['a rate limit', { kind: 'ratelimited', retryAfterSeconds: 30 } as const],
    ['another platform error', { kind: 'error', error: 'missing_scope' } as const],
    ['a connection dropped', { kind: 'drop' } as const],
  ])('%s is DirectoryUnavailable, not cached, and reported', async (_, fault) => {
    slack.setUserGroup('S0THERE', ['U0ALICE']);
    const groups = directory();
    slack.failMethod('usergroups.users.list', fault);
    expect(await thrown(() => groups.members('S0THERE'))).toBeInstanceOf(DirectoryUnavailable);
    expect(events).toEqual(['unavailable S0THERE']);
    expect(await groups.members('S0THERE')).toEqual(new Set(['U0ALICE']));
  });

  it('check asks afresh and fills no cache: membership stays the requests’ own lookups', async () => {
    slack.setUserGroup('S0THERE', ['U0ALICE']);
    const groups = directory();
    await groups.check('S0THERE');
    await expect(groups.check('S0NOWHERE')).rejects.toBeInstanceOf(UserGroupNotFound);
    expect(events).toEqual([]);
    slack.setUserGroup('S0THERE', ['U0BOB']);
    expect(await groups.members('S0THERE')).toEqual(new Set(['U0BOB']));
    expect(slack.callsTo('usergroups.users.list')).toHaveLength(3);
  });
});
