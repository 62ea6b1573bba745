import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PolicyEngine } from '../../src/core/policy/policy-engine.js';
import { policySchema } from '../../src/core/policy/policy-schema.js';
import { foreignTeamOf, type Installation, payloadTeam } from '../../src/slack/installation.js';
import { blockActionsPayload } from '../support/slack-request.js';

const HOME: Installation = {
  teamId: 'T0HOME',
  enterpriseId: undefined,
  enterpriseInstall: false,
  botId: 'B0BOT',
  botUserId: 'U0BOT',
};
const GRID: Installation = { ...HOME, enterpriseId: 'E0ORG', enterpriseInstall: true };

const click = (fields: { teamId?: string; userTeamId?: string; enterpriseId?: string }) =>
  blockActionsPayload({
    userId: 'U0ME',
    channelId: 'C0INC',
    actionId: 'flow_resume',
    value: 'k',
    responseUrl: 'http://127.0.0.1/r',
    teamId: 'T0HOME',
    ...fields,
  });

describe('whose team a payload’s person belongs to', () => {
  it('reads slash commands, clicks, views, shortcuts, suggestions and events', () => {
    expect(payloadTeam({ command: '/flow', team_id: 'T0HOME', enterprise_id: 'E0ORG' })).toEqual({
      teamId: 'T0HOME',
      enterpriseId: 'E0ORG',
    });
    expect(payloadTeam(click({}))).toEqual({ teamId: 'T0HOME', enterpriseId: undefined });
    // A Slack Connect guest: their own team, and the host's org is not theirs.
    expect(payloadTeam(click({ userTeamId: 'T0GUEST', enterpriseId: 'E0ORG' }))).toEqual({
      teamId: 'T0GUEST',
      enterpriseId: undefined,
    });
    for (const type of ['view_submission', 'shortcut', 'message_action', 'block_suggestion']) {
      expect(payloadTeam({ type, user: { id: 'U1', team_id: 'T0X' }, team: { id: 'T0HOME' } }).teamId).toBe(
        'T0X',
      );
    }
    expect(
      payloadTeam({
        type: 'event_callback',
        team_id: 'T0HOME',
        event: { type: 'app_home_opened', user: 'U1' },
      }).teamId,
    ).toBe('T0HOME');
    expect(
      payloadTeam({ type: 'event_callback', team_id: 'T0HOME', event: { type: 'message', user_team: 'T0G' } })
        .teamId,
    ).toBe('T0G');
  });

  it('home is the installing workspace, or its whole org on an org-wide Grid install', () => {
    expect(foreignTeamOf(HOME, { teamId: 'T0HOME', enterpriseId: undefined })).toBeUndefined();
    expect(foreignTeamOf(HOME, { teamId: 'T0GUEST', enterpriseId: undefined })).toBe('T0GUEST');
    // Same org, but Flowbot is installed in one workspace only: the sister workspace is another team.
    expect(
      foreignTeamOf({ ...GRID, enterpriseInstall: false }, { teamId: 'T0SIS', enterpriseId: 'E0ORG' }),
    ).toBe('T0SIS');
    expect(foreignTeamOf(GRID, { teamId: 'T0SIS', enterpriseId: 'E0ORG' })).toBeUndefined();
    expect(foreignTeamOf(GRID, { teamId: 'T0GUEST', enterpriseId: 'E0OTHER' })).toBe('T0GUEST');
    expect(foreignTeamOf(HOME, { teamId: undefined, enterpriseId: undefined })).toBe('unknown');
  });

  it('property: a payload whose person is of another team than the payload’s own is never home by org', () => {
    const id = fc.stringMatching(/^T[A-Z0-9]{2,8}$/);
    fc.assert(
      fc.property(id, id, (host, guest) => {
        fc.pre(host !== guest && guest !== GRID.teamId);
        const team = payloadTeam(click({ teamId: host, userTeamId: guest, enterpriseId: 'E0ORG' }));
        expect(foreignTeamOf(GRID, team)).toBe(guest);
      }),
    );
  });
});

describe('policy rules and other workspaces', () => {
  const directory = { members: async () => new Set<string>() };
  const engine = (rules: object[]) =>
    new PolicyEngine(policySchema.parse({ version: 1, rules, approvals: [] }), directory);
  const ask = (foreignTeam?: string, action: 'resume' | 'pause' = 'resume') => ({
    actor: { userId: 'U0ME', ...(foreignTeam ? { foreignTeam } : {}) },
    action,
    environment: 'prod',
    key: 'orders-eu',
    channelId: 'C0INC',
  });

  it('an allow rule covers only its own workspace unless it names the team; deny rules cover everyone', async () => {
    const policy = engine([
      { name: 'home', subjects: ['U0ME'], actions: ['*'] },
      { name: 'partner', subjects: ['U0ME'], actions: ['resume'], teams: ['T0GUEST'] },
    ]);
    expect(await policy.decide(ask())).toMatchObject({ kind: 'allowed', grantedBy: 'home' });
    expect(await policy.decide(ask('T0GUEST'))).toMatchObject({ kind: 'allowed', grantedBy: 'partner' });
    expect(await policy.decide(ask('T0GUEST', 'pause'))).toMatchObject({
      kind: 'refused',
      refusal: { code: 'not_granted', scope: 'not_covered' },
    });
    expect(await policy.decide(ask('T0STRANGER'))).toEqual({
      kind: 'refused',
      refusal: { code: 'other_team', team: 'T0STRANGER' },
    });
    const denied = engine([
      { subjects: ['U0ME'], actions: ['resume'], teams: ['T0GUEST'] },
      { effect: 'deny', subjects: ['U0ME'], actions: ['resume'] },
    ]);
    expect(await denied.decide(ask('T0GUEST'))).toMatchObject({ refusal: { scope: 'deny_rule' } });
    expect((await policy.grantsFor('U0ME', 'T0GUEST')).grants.map((g) => g.rule)).toEqual(['partner']);
    expect((await policy.grantsFor('U0ME')).grants.map((g) => g.rule)).toEqual(['home', 'partner']);
  });

  it('validates teams as Slack IDs', () => {
    for (const teams of [['partner-corp'], [], ['#general'], ['U0ME']]) {
      expect(
        policySchema.safeParse({ rules: [{ subjects: ['U0ME'], actions: ['resume'], teams }] }).success,
        JSON.stringify(teams),
      ).toBe(false);
    }
    expect(
      policySchema.safeParse({ rules: [{ subjects: ['U0ME'], actions: ['resume'], teams: ['T0A', 'E0B'] }] })
        .success,
    ).toBe(true);
  });
});
