import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALLOWED_USER, allText, type Harness, harnessPerTest } from '../support/flowbot-harness.js';

const GUEST_TEAM = 'T0GUEST01';
const harness = harnessPerTest();

function policyFile(yaml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'flowbot-policy-')), 'policy.yml');
  writeFileSync(path, yaml);
  return path;
}

const otherTeamRefusals = (h: Harness) =>
  h.logs.audits().filter((a) => a.outcome === 'denied' && a.reason === 'other_team');

/** A Resume click as Slack sends it from a Slack Connect channel: the clicker's own team differs. */
function guestClick(
  h: Harness,
  fields: { userTeamId?: string; teamId?: string; enterpriseId?: string } = {},
) {
  return h.click({
    actionId: 'flow_resume',
    value: 'orders-eu',
    messageTs: '1700000000.000700',
    userTeamId: GUEST_TEAM,
    ...fields,
  });
}

describe('identity is the workspace as well as the user ID', () => {
  it('learns its workspace from one auth.test at startup (Bolt does not call it again)', async () => {
    const h = await harness();
    expect(h.slack.callsTo('auth.test')).toHaveLength(1);
    const ack = await h.command('/flow', 'whoami');
    await h.waitForResponse(ack.responseUrl);
    expect(h.slack.callsTo('auth.test')).toHaveLength(1);
  });

  it('refuses a Slack Connect guest’s click privately, audits it, and changes nothing', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true, waitListSize: 9 });
    // The guest's user ID is even one the allowlist names: in their own workspace, IDs are theirs to give.
    const ack = await guestClick(h);
    const reply = await h.waitForResponse(ack.responseUrl);
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.replace_original).toBe(false);
    expect(allText(reply)).toContain('another Slack workspace or organisation');
    expect(allText(reply)).toContain(GUEST_TEAM);
    expect(h.qstash.requests.filter((r) => r.route !== 'get')).toHaveLength(0);
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(true);
    expect(otherTeamRefusals(h)).toEqual([
      expect.objectContaining({ actor: ALLOWED_USER, action: 'resume', team: GUEST_TEAM, source: 'button' }),
    ]);
  });

  it('refuses commands and reads from another workspace too', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true });
    for (const text of [
      'resume orders-eu',
      'status orders-eu',
      'list',
      'pause orders-eu',
      'can resume orders-eu',
    ]) {
      const ack = await h.command('/flow', text, { team: 'T0FOREIGN' });
      expect(ack.status).toBe(200);
      const reply = await h.waitForResponse(ack.responseUrl, (b) => !String(b.text).startsWith(':hourglass'));
      expect(reply.response_type, text).toBe('ephemeral');
      expect(allText(reply), text).toMatch(/another Slack workspace|not let you|can’t/);
    }
    const resume = await h.command('/flow-resume', 'orders-eu', { team: 'T0FOREIGN' });
    const reply = await h.waitForResponse(
      resume.responseUrl,
      (b) => !String(b.text).startsWith(':hourglass'),
    );
    expect(allText(reply)).toContain('another Slack workspace or organisation');
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(true);
    expect(h.qstash.requests.filter((r) => r.route !== 'get')).toHaveLength(0);
    expect(otherTeamRefusals(h).length).toBeGreaterThanOrEqual(4);
    expect(otherTeamRefusals(h).every((a) => a.team === 'T0FOREIGN')).toBe(true);
  });

  it('acts for a guest whose team a policy rule names, and only for what that rule allows', async () => {
    const h = await harness({
      env: {
        FLOW_ALLOWED_USERS: '',
        FLOW_POLICY_FILE: policyFile(
          [
            'rules:',
            '  - name: home on-call',
            `    subjects: [${ALLOWED_USER}]`,
            '    actions: ["*"]',
            '  - name: partner may resume',
            `    subjects: [${ALLOWED_USER}]`,
            '    actions: [resume]',
            `    teams: [${GUEST_TEAM}]`,
          ].join('\n'),
        ),
      },
    });
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true, waitListSize: 3 });
    const ack = await guestClick(h);
    await h.waitForResponse(ack.responseUrl, (b) => b.replace_original === true);
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(false);
    // The home rule's "*" is not theirs: a pause is refused as not covered.
    const pause = await h.command('/flow', 'pause orders-eu', { team: GUEST_TEAM });
    const refused = await h.waitForResponse(pause.responseUrl);
    expect(refused.response_type).toBe('ephemeral');
    expect(allText(refused)).toContain('does not let you pause');
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(false);
  });

  it('work done later for a guest (a timed pause’s resume) runs for the same person, team included', async () => {
    const h = await harness({
      env: {
        FLOW_ALLOWED_USERS: '',
        FLOW_POLICY_FILE: policyFile(
          [
            'rules:',
            '  - name: partner on-call',
            `    subjects: [${ALLOWED_USER}]`,
            '    actions: [pause, resume]',
            `    teams: [${GUEST_TEAM}]`,
          ].join('\n'),
        ),
      },
    });
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: false });
    const ack = await h.command('/flow', 'pause orders-eu for 1s', { team: GUEST_TEAM });
    const ask = await h.waitForResponse(ack.responseUrl);
    const confirm = (ask.blocks as any[])
      .flatMap((block) => (block.type === 'actions' ? block.elements : []))
      .find((button: { action_id: string }) => button.action_id === 'flow_confirm');
    await h.click({
      actionId: 'flow_confirm',
      value: confirm.value,
      isEphemeral: true,
      userTeamId: GUEST_TEAM,
    });
    await expect.poll(() => h.qstash.getKey('orders-eu')?.isPaused, { timeout: 15_000 }).toBe(true);
    // Resumed by the timer as the guest, who only the rule naming their team allows to.
    await expect.poll(() => h.qstash.getKey('orders-eu')?.isPaused, { timeout: 20_000 }).toBe(false);
    // The audit line follows the change: wait for it rather than assume it is written.
    await expect
      .poll(() => h.logs.audits(), { timeout: 10_000 })
      .toContainEqual(
        expect.objectContaining({ action: 'resume', source: 'timer', outcome: 'done', actor: ALLOWED_USER }),
      );
  });

  it('rejects a policy whose teams are not Slack team IDs', async () => {
    await expect(
      harness({
        env: {
          FLOW_POLICY_FILE: policyFile(
            [
              'rules:',
              '  - subjects: [UALLOWED1]',
              '    actions: [resume]',
              '    teams: [partner-corp]',
            ].join('\n'),
          ),
        },
      }),
    ).rejects.toThrow(/teams/);
  });

  describe('on Enterprise Grid, installed org-wide', () => {
    const grid = harnessPerTest({
      slack: { teamId: 'T0HOME', enterpriseId: 'E0ORG', enterpriseInstall: true },
    });

    it('serves people of every workspace of the org, and refuses guests from outside it', async () => {
      const h = await grid();
      h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true });
      const colleague = await h.command('/flow-resume', 'orders-eu', {
        team: 'T0SISTER',
        enterprise: 'E0ORG',
      });
      await h.waitForResponse(colleague.responseUrl, (b) => b.response_type === 'in_channel');
      expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(false);

      h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true });
      // A guest in a shared channel: the payload's team and org are the host's, the clicker's team is not.
      const guest = await guestClick(h, { teamId: 'T0HOME', enterpriseId: 'E0ORG' });
      const reply = await h.waitForResponse(guest.responseUrl);
      expect(allText(reply)).toContain('another Slack workspace or organisation');
      expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(true);
    });
  });
});
