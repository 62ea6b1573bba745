import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALLOWED_USER, allText, CHANNEL, type Harness, harnessPerTest } from '../support/flowbot-harness.js';
import { buttons } from '../support/slack-flows.js';
import { surfaces } from '../support/surfaces.js';

/**
 * Every way into Flowbot checks the person's workspace as well as their user ID: a payload whose person is of
 * another workspace (a Slack Connect guest: `user.team_id` differs; a foreign workspace's event) is refused
 * privately and audited, unless a policy rule names their team. Each test goes through the real door.
 */
const GUEST_TEAM = 'T0GUEST01';
const APPROVER = 'UAPPROVE1';
const harness = harnessPerTest({}, (h) => {
  h.slack.setChannel(CHANNEL);
  h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true, waitListSize: 12 });
  h.qstash.setKey({ flowControlKey: 'orders-us', isPaused: true, waitListSize: 7 });
});

function policyFile(yaml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'flowbot-policy-')), 'policy.yml');
  writeFileSync(path, yaml);
  return path;
}

/** Everyone named has every action at home; with `guestRule`, the guest team's people may too. */
function policy(guestRule: boolean): string {
  return [
    'rules:',
    '  - name: on-call',
    `    subjects: [${ALLOWED_USER}, ${APPROVER}]`,
    '    actions: ["*"]',
    ...(guestRule
      ? [
          '  - name: partner on-call',
          `    subjects: [${ALLOWED_USER}, ${APPROVER}]`,
          '    actions: ["*"]',
          `    teams: [${GUEST_TEAM}]`,
        ]
      : []),
    'approvals:',
    '  - name: vip',
    '    actions: [resume]',
    '    keys: ["orders-vip"]',
  ].join('\n');
}

const start = (guestRule = false) =>
  harness({ env: { FLOW_ALLOWED_USERS: '', FLOW_POLICY_FILE: policyFile(policy(guestRule)) } });

const otherTeamAudits = (h: Harness) =>
  h.logs.audits().filter((a) => a.outcome === 'denied' && a.reason === 'other_team');
const mutations = (h: Harness) => h.qstash.requests.filter((r) => r.route !== 'get' && r.route !== 'list');
const viewText = (view: { blocks: unknown[] }) => allText({ blocks: view.blocks });

describe('a person of another workspace, on every way in', () => {
  it('a modal submission: refused privately, audited, nothing changed; works when a rule names the team', async () => {
    const h = await start();
    const s = surfaces(h);
    const { view } = await s.shortcut();
    const submitted = await s.submit(
      view,
      { key: 'orders-eu', action: 'resume' },
      { userTeamId: GUEST_TEAM },
    );
    expect(submitted.status).toBe(200);
    const reply = await h.waitForResponse(submitted.responseUrl);
    expect(reply.response_type).toBe('ephemeral');
    expect(allText(reply)).toContain('another Slack workspace or organisation');
    expect(mutations(h)).toEqual([]);
    expect(otherTeamAudits(h)).toContainEqual(
      expect.objectContaining({ actor: ALLOWED_USER, action: 'resume', team: GUEST_TEAM }),
    );

    const named = await start(true);
    const t = surfaces(named);
    const opened = await t.shortcut(ALLOWED_USER, GUEST_TEAM);
    expect(viewText(opened.view)).not.toContain('another Slack workspace');
    const ok = await t.submit(
      opened.view,
      { key: 'orders-eu', action: 'resume' },
      { userTeamId: GUEST_TEAM },
    );
    await named.waitForResponse(ok.responseUrl, (b) => b.response_type === 'in_channel');
    expect(named.qstash.getKey('orders-eu')?.isPaused).toBe(false);
  });

  it('the global and message shortcuts: a modal that says why instead of the form, audited', async () => {
    const h = await start();
    const s = surfaces(h);
    const global = await s.shortcut(ALLOWED_USER, GUEST_TEAM);
    expect(global.ack.status).toBe(200);
    expect(viewText(global.view)).toContain('another Slack workspace or organisation');
    expect(viewText(global.view)).toContain(GUEST_TEAM);
    expect(JSON.stringify(global.view.blocks)).not.toContain('flow_key');
    const message = await s.messageShortcut(
      { text: 'orders-eu is paused', ts: '1700000000.000900' },
      { userTeamId: GUEST_TEAM },
    );
    expect(viewText(message.view)).toContain('another Slack workspace or organisation');
    // The message's key is not shown back with its state to someone Flowbot does not serve.
    expect(JSON.stringify(message.view.blocks)).not.toContain('orders-eu');
    expect(otherTeamAudits(h).filter((a) => a.action === 'modal')).toHaveLength(2);
    expect(otherTeamAudits(h).every((a) => a.source === 'shortcut' && a.team === GUEST_TEAM)).toBe(true);
  });

  it('the key picker: no keys for a guest (audited); the keys a rule naming the team allows', async () => {
    const h = await start();
    const s = surfaces(h);
    const mine = await s.suggest('orders');
    expect(mine.options.map((o) => o.value)).toEqual(expect.arrayContaining(['orders-eu', 'orders-us']));
    const guest = await s.suggest('orders', { userTeamId: GUEST_TEAM });
    expect(guest.options).toEqual([]);
    expect(otherTeamAudits(h)).toContainEqual(
      expect.objectContaining({ action: 'list', team: GUEST_TEAM, actor: ALLOWED_USER }),
    );

    const named = await start(true);
    const partner = await surfaces(named).suggest('orders', { userTeamId: GUEST_TEAM });
    expect(partner.options.map((o) => o.value)).toEqual(expect.arrayContaining(['orders-eu', 'orders-us']));
  });

  it('the Home tab: opened from another workspace it names no key and says why; its buttons too', async () => {
    const h = await start();
    const s = surfaces(h);
    const waited = s.waitForHome(ALLOWED_USER, (v) => viewText(v).includes('another Slack workspace'));
    const ack = await s.homeOpened(ALLOWED_USER, 'home', GUEST_TEAM);
    expect(ack.status).toBe(200);
    const home = await waited;
    expect(viewText(home)).toContain(GUEST_TEAM);
    expect(viewText(home)).not.toContain('orders-eu');
    expect(otherTeamAudits(h)).toContainEqual(
      expect.objectContaining({ action: 'home', source: 'home', team: GUEST_TEAM }),
    );
    // A forged Resume click from that Home (user.team_id the guest's) changes nothing.
    const view = h.slack.homeView(ALLOWED_USER)!;
    await s.clickInView(view, 'flow_resume', 'orders-eu', ALLOWED_USER, GUEST_TEAM);
    await h.slack.waitForCall('chat.postMessage', (c) =>
      String(c.params.text).includes('another Slack workspace'),
    );
    // "Flow control…" from that Home opens the modal that says why.
    await s.clickInView(view, 'flow_home_open', 'open', ALLOWED_USER, GUEST_TEAM);
    const opened = await h.slack.waitForCall('views.open', (c) =>
      JSON.stringify(c.params.view).includes('another Slack workspace'),
    );
    expect(JSON.stringify(opened.params.view)).not.toContain('orders-eu');
    expect(mutations(h)).toEqual([]);
    expect(otherTeamAudits(h).map((a) => a.action)).toEqual(
      expect.arrayContaining(['home', 'resume', 'modal']),
    );

    const named = await start(true);
    const partnerHome = surfaces(named).waitForHome(ALLOWED_USER, (v) => viewText(v).includes('orders-eu'));
    await surfaces(named).homeOpened(ALLOWED_USER, 'home', GUEST_TEAM);
    expect(viewText(await partnerHome)).not.toContain('another Slack workspace');
  });

  it('a Workflow step run in another workspace ends with an error, audited, and changes nothing', async () => {
    const h = await start();
    const execution = await surfaces(h).step(
      'resume_flow_key',
      { key: 'orders-eu', user: { id: ALLOWED_USER, secret: 'c2VjcmV0' } },
      10_000,
      GUEST_TEAM,
    );
    expect(execution.status).toBe('failed');
    expect(execution.error).toContain('another Slack workspace or organisation');
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(true);
    expect(otherTeamAudits(h)).toContainEqual(
      expect.objectContaining({ action: 'resume', source: 'workflow', team: GUEST_TEAM }),
    );
  });

  it('a legacy interactive_message Resume click from a guest: refused privately, audited', async () => {
    const h = await start();
    const click = await h.legacyClick({
      name: 'flow_resume',
      value: 'orders-eu',
      userId: ALLOWED_USER,
      userTeamId: GUEST_TEAM,
    });
    expect(click.status).toBe(200);
    const reply = await h.waitForResponse(click.responseUrl);
    expect(reply.response_type).toBe('ephemeral');
    expect(allText(reply)).toContain('another Slack workspace or organisation');
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(true);
    expect(otherTeamAudits(h)).toContainEqual(
      expect.objectContaining({ action: 'resume', source: 'button', team: GUEST_TEAM }),
    );
  });

  it('bulk: a guest’s preview is refused and audited; a guest cannot confirm a preview of the same user ID', async () => {
    const h = await start();
    const guestPreview = await h.command('/flow', 'resume orders-*', { team: GUEST_TEAM });
    const refused = await h.waitForResponse(
      guestPreview.responseUrl,
      (b) => !String(b.text ?? '').startsWith(':mag: Looking'),
    );
    expect(refused.response_type).toBe('ephemeral');
    expect(allText(refused)).toContain('another Slack workspace or organisation');
    expect(allText(refused)).not.toContain('orders-eu');
    expect(otherTeamAudits(h)).toContainEqual(expect.objectContaining({ action: 'bulk', team: GUEST_TEAM }));

    // Flowbot's own person previews; a guest with the same user ID clicks Confirm: not theirs.
    const own = await h.command('/flow', 'resume orders-*');
    const preview = await h.waitForResponse(
      own.responseUrl,
      (b) => !String(b.text ?? '').startsWith(':mag: Looking'),
    );
    const confirm = buttons(preview).find((b) => b.action_id === 'flow_bulk_confirm')!;
    const forged = await h.click({
      actionId: 'flow_bulk_confirm',
      value: confirm.value,
      isEphemeral: true,
      userTeamId: GUEST_TEAM,
    });
    await h.waitForResponse(forged.responseUrl);
    expect(mutations(h)).toEqual([]);
    // The person who asked still can.
    const real = await h.click({ actionId: 'flow_bulk_confirm', value: confirm.value, isEphemeral: true });
    await h.waitForResponse(real.responseUrl);
    await expect.poll(() => h.qstash.getKey('orders-us')?.isPaused, { timeout: 20_000 }).toBe(false);
  });

  it('Approve from an approver of another workspace: refused privately and audited; the request stays open', async () => {
    const h = await start();
    h.qstash.setKey({ flowControlKey: 'orders-vip', isPaused: true });
    const ack = await h.command('/flow-resume', 'orders-vip');
    await h.waitForResponse(ack.responseUrl, (b) => String(b.text).includes('second person'));
    const card = await h.slack.waitForCall('chat.postMessage', (c) =>
      JSON.stringify(c.params.blocks).includes('flow_approve'),
    );
    const approve = buttons({ blocks: card.params.blocks }).find((b) => b.action_id === 'flow_approve')!;
    const guest = await h.click({
      actionId: 'flow_approve',
      value: approve.value,
      userId: APPROVER,
      userTeamId: GUEST_TEAM,
      messageTs: String(card.response?.ts),
    });
    const reply = await h.waitForResponse(guest.responseUrl);
    expect(reply.response_type).toBe('ephemeral');
    expect(allText(reply)).toContain('another Slack workspace or organisation');
    expect(h.qstash.getKey('orders-vip')?.isPaused).toBe(true);
    expect(otherTeamAudits(h)).toContainEqual(
      expect.objectContaining({ actor: APPROVER, action: 'approve', team: GUEST_TEAM }),
    );
    // The approver of Flowbot's own workspace decides it.
    const home = await h.click({
      actionId: 'flow_approve',
      value: approve.value,
      userId: APPROVER,
      messageTs: String(card.response?.ts),
    });
    await h.waitForResponse(home.responseUrl, (b) => b.replace_original === true);
    await expect.poll(() => h.qstash.getKey('orders-vip')?.isPaused, { timeout: 15_000 }).toBe(false);
  });
});
