import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allText, type Harness, startHarness } from '../support/flowbot-harness.js';
import { readmeExamplePolicy } from '../support/readme-policy.js';

const ADMIN = 'U0123ABCD';
const NOBODY = 'UNOBODY01';

describe('a user group the policy names that Slack says does not exist (the README example policy)', () => {
  let h: Harness;
  let path: string;
  beforeEach(async () => {
    path = join(mkdtempSync(join(tmpdir(), 'flowbot-policy-')), 'policy.yml');
    writeFileSync(path, readmeExamplePolicy());
    // No group cache: each request asks the fake Slack, so what it says now is what Flowbot decides on.
    h = await startHarness({
      env: { FLOW_ALLOWED_USERS: ADMIN, FLOW_POLICY_FILE: path, FLOW_GROUP_CACHE_SECONDS: '0' },
    });
    h.qstash.setKey({ flowControlKey: 'payments-eu', waitListSize: 3 });
  });
  afterEach(async () => {
    await h.close();
  });

  const answer = async (text: string, user: string) => {
    const ack = await h.command('/flow', text, { user });
    expect(ack.status).toBe(200);
    return allText(
      await h.waitForResponse(ack.responseUrl, (b) => !String(b.text ?? '').startsWith(':hourglass')),
    );
  };
  const groupWarnings = () =>
    h.logs.entries().filter((entry) => entry.level === 40 && entry.warning === 'user_group_not_found');

  it('is warned about at startup, once per rule naming it, pointing at the rule', () => {
    const lines = groupWarnings().map((entry) => String(entry.msg));
    expect(lines).toContain(
      'policy file: rules[2] ("only payments pins payments"): user group "S0ENGINEER" does not exist (or is disabled), so the rule applies to nobody through it (a deny rule denies them nothing; an allow rule grants them nothing)',
    );
    expect(groupWarnings().map((entry) => [entry.group, entry.rule])).toEqual([
      ['S0ONCALL1', 'rules[0]'],
      ['S0ENGINEER', 'rules[2]'],
    ]);
    expect(h.logs.entries().some((entry) => String(entry.msg).includes('did not answer'))).toBe(false);
  });

  it('names nobody: the deny rule naming it can’t apply, and nobody is told Slack did not answer', async () => {
    const can = await answer('can pin payments-eu', ADMIN);
    expect(can).toContain('*Yes*');
    expect(can).toContain('FLOW_ALLOWED_USERS');
    expect(can).not.toContain('did not answer');
    // The pin itself goes ahead to its confirmation (pinning resets the rate count), not to a refusal.
    const pinned = await answer('pin payments-eu parallelism=2', ADMIN);
    expect(pinned).not.toContain('did not answer');
    expect(pinned).not.toContain('deny rule');
    expect(pinned).toContain('payments-eu');
  });

  it('/flow whoami says which group does not exist, in which rule, to whoever runs Flowbot', async () => {
    const text = await answer('whoami', ADMIN);
    expect(text).toContain('user group `S0ENGINEER` does not exist (rules[2])');
    expect(text).toContain('user group `S0ONCALL1` does not exist (rules[0])');
    expect(text).not.toContain('could not be checked');
    expect(text).not.toContain('did not answer');
    // Someone with no access learns nothing about the policy's rules.
    const nobody = await answer('whoami', NOBODY);
    expect(nobody).not.toContain('S0ENGINEER');
    expect(nobody).not.toContain('rules[');
  });

  it('a disabled group names nobody either; enabled again, its deny rule applies', async () => {
    h.slack.setUserGroup('S0ENGINEER', [ADMIN]);
    h.slack.disableUserGroup('S0ENGINEER');
    const before = groupWarnings().length;
    expect(h.bot.reloadPolicy()).toMatchObject({ kind: 'reloaded' });
    await h.bot.groupsChecked;
    expect(
      groupWarnings()
        .slice(before)
        .map((entry) => entry.group),
    ).toContain('S0ENGINEER');
    expect(await answer('can pin payments-eu', ADMIN)).toContain('*Yes*');

    h.slack.disableUserGroup('S0ENGINEER', false);
    expect(await answer('can pin payments-eu', ADMIN)).toContain('a deny rule covers it');
    expect(h.bot.reloadPolicy()).toMatchObject({ kind: 'reloaded' });
    await h.bot.groupsChecked;
    const after = groupWarnings().length;
    expect(h.bot.reloadPolicy()).toMatchObject({ kind: 'reloaded' });
    await h.bot.groupsChecked;
    expect(
      groupWarnings()
        .slice(after)
        .map((entry) => entry.group),
    ).toEqual(['S0ONCALL1']);
  });

  it('only a real failure to answer is "could not check", and it is logged', async () => {
    h.slack.setUserGroup('S0ENGINEER', ['UENGINEER']);
    h.slack.failMethod('usergroups.users.list', { kind: 'status', status: 503 }, 50);
    const can = await answer('can pin payments-eu', ADMIN);
    expect(can).toContain('could not check your user-group membership because Slack did not answer');
    expect(
      h.logs
        .entries()
        .some((entry) => entry.level === 40 && String(entry.msg).includes('Slack did not answer')),
    ).toBe(true);
    h.slack.clearFaults();
  });
});
