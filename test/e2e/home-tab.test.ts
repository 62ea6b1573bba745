import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ALLOWED_USER,
  allText,
  CHANNEL,
  GROUP_MEMBER,
  type Harness,
  harnessPerTest,
  STRANGER,
} from '../support/flowbot-harness.js';
import { surfaces } from '../support/surfaces.js';

const ANNOUNCE = 'CANNOUNCE1';
const KEYS = ['orders-eu', 'payments-us', 'quiet-key', 'emails'];

/** Flowbot as `npm start` runs it (front door on), with Home tabs refreshed quickly for the test. */
const harness = harnessPerTest(
  {
    frontDoor: true,
    env: { ALERTS_CHANNEL: ANNOUNCE },
    flowbot: { homes: { debounceMs: 20, spacingMs: 0, rebuildEveryMs: 0 } },
  },
  (h) => {
    h.slack.setChannel(ANNOUNCE);
    h.qstash.setKey({
      flowControlKey: 'orders-eu',
      isPaused: true,
      waitListSize: 12_340,
      parallelismMax: 10,
    });
    h.qstash.setKey({ flowControlKey: 'payments-us', waitListSize: 5_000, rateMax: 50, ratePeriod: 60 });
    h.qstash.setKey({ flowControlKey: 'quiet-key', waitListSize: 3 });
    h.qstash.setKey({ flowControlKey: 'emails', waitListSize: 0 });
  },
);

const text = (view: { blocks: unknown[] }) => allText({ blocks: view.blocks });
const buttons = (view: { blocks: unknown[] }) =>
  (view.blocks as any[]).flatMap((block) => [
    ...(block.accessory?.type === 'button' ? [block.accessory] : []),
    ...(block.type === 'actions' ? block.elements : []),
  ]) as { action_id: string; value: string }[];

function policyFile(contents: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'flowbot-policy-')), 'policy.yml');
  writeFileSync(path, contents);
  return path;
}

async function openHome(h: Harness, user: string, predicate?: (view: { blocks: unknown[] }) => boolean) {
  const s = surfaces(h);
  const waited = s.waitForHome(user, predicate);
  const ack = await s.homeOpened(user);
  expect(ack.status).toBe(200);
  return waited;
}

describe('App Home control room (through the front door)', () => {
  it('shows an allowed person the paused keys and long waitlists, with the same buttons as elsewhere', async () => {
    const h = await harness();
    const view = await openHome(h, ALLOWED_USER, (v) => text(v).includes('orders-eu'));
    expect(view.type).toBe('home');
    const shown = text(view);
    expect(shown).toContain('`orders-eu`');
    expect(shown).toContain('12,340 waiting');
    expect(shown).toContain('`payments-us`');
    // Short waitlists on delivering keys don't need anyone's attention.
    expect(shown).not.toContain('quiet-key');
    expect(shown).toContain('What you may do');
    expect(buttons(view)).toContainEqual(
      expect.objectContaining({ action_id: 'flow_resume', value: 'orders-eu' }),
    );
    expect(buttons(view)).toContainEqual(
      expect.objectContaining({ action_id: 'flow_status', value: 'payments-us' }),
    );
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    // One list read for the whole Home, not one per key.
    expect(h.qstash.requests.filter((r) => r.route === 'list')).toHaveLength(1);
    expect(h.qstash.requests.filter((r) => r.route === 'get')).toHaveLength(0);
  });

  it('tells someone without access how to get it, and names no key', async () => {
    const h = await harness();
    const view = await openHome(h, STRANGER);
    const shown = JSON.stringify(view);
    expect(shown).toContain('You don’t have access to Flowbot yet');
    expect(shown).toContain(STRANGER);
    for (const key of KEYS) expect(shown).not.toContain(key);
    expect(buttons(view)).toEqual([]);
  });

  it('shows only the keys the person’s policy lets them see', async () => {
    const h = await harness({
      env: {
        FLOW_ALLOWED_USERS: '',
        FLOW_POLICY_FILE: policyFile(`
version: 1
rules:
  - name: orders team
    subjects: [UORDERS01]
    actions: [status, list, resume]
    keys: ["orders-*"]
`),
      },
    });
    const view = await openHome(h, 'UORDERS01', (v) => text(v).includes('orders-eu'));
    const shown = text(view);
    expect(shown).toContain('`orders-eu`');
    expect(shown).not.toContain('payments-us');
    expect(shown).toContain('orders team');
  });

  it('publishes at once while QStash takes 2 s, then again with the keys once QStash answered', async () => {
    const h = await harness({
      qstashTiming: { attemptTimeoutMs: 5_000, totalTimeoutMs: 10_000, baseDelayMs: 10, maxAttempts: 2 },
    });
    h.qstash.latencyMs = 2_000;
    const s = surfaces(h);
    const first = s.waitForHome(ALLOWED_USER);
    const ack = await s.homeOpened(ALLOWED_USER);
    expect(ack.status).toBe(200);
    const early = await first;
    // Published before QStash had answered the list: the Home never waits for QStash.
    const list = h.qstash.requests.find((r) => r.route === 'list');
    expect(list?.status).toBeUndefined();
    expect(text(early)).toContain('Reading the keys from QStash');
    const later = await s.waitForHome(ALLOWED_USER, (v) => text(v).includes('orders-eu'), 10_000);
    expect(text(later)).toContain('12,340 waiting');
  });

  it('refreshes an open Home when a key changes, wherever the change came from', async () => {
    const h = await harness();
    await openHome(h, ALLOWED_USER, (v) => text(v).includes('orders-eu'));
    const s = surfaces(h);
    const refreshed = s.waitForHome(ALLOWED_USER, (v) => text(v).includes('Recent changes'));
    const ack = await h.command('/flow-resume', 'orders-eu');
    await h.waitForResponse(ack.responseUrl, (body) => body.response_type === 'in_channel');
    const view = await refreshed;
    expect(text(view)).toContain(`<@${ALLOWED_USER}> resumed \`orders-eu\``);
    // The key is no longer among those needing attention: no Resume button for it.
    expect(buttons(view).some((button) => button.action_id === 'flow_resume')).toBe(false);
  });

  it('resumes from the Home tab button as the clicker, and announces it in ALERTS_CHANNEL', async () => {
    const h = await harness();
    await openHome(h, ALLOWED_USER, (v) => text(v).includes('orders-eu'));
    const home = h.slack.homeView(ALLOWED_USER)!;
    const s = surfaces(h);
    const ack = await s.clickInView(home, 'flow_resume', 'orders-eu');
    expect(ack.status).toBe(200);
    const announced = await h.slack.waitForCall('chat.postMessage', (c) => c.params.channel === ANNOUNCE);
    expect(allText(announced.params as any)).toContain(`<@${ALLOWED_USER}> resumed`);
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(false);
    expect(h.logs.audits()).toContainEqual(
      expect.objectContaining({ actor: ALLOWED_USER, action: 'resume', outcome: 'done', source: 'home' }),
    );
    const after = await s.waitForHome(ALLOWED_USER, (v) => text(v).includes('Recent changes'));
    expect(text(after)).toContain('_(Home tab)_');
  });

  it('without ALERTS_CHANNEL, announces a Home tab change to the clicker only, in their messages with Flowbot', async () => {
    const h = await harness({ env: { ALERTS_CHANNEL: undefined } });
    await openHome(h, ALLOWED_USER, (v) => text(v).includes('orders-eu'));
    const home = h.slack.homeView(ALLOWED_USER)!;
    const ack = await surfaces(h).clickInView(home, 'flow_resume', 'orders-eu');
    expect(ack.status).toBe(200);
    const announced = await h.slack.waitForCall(
      'chat.postMessage',
      (c) => c.params.channel === ALLOWED_USER && allText(c.params as any).includes('resumed'),
    );
    expect(allText(announced.params as any)).toContain(`<@${ALLOWED_USER}> resumed`);
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(false);
    expect(h.slack.callsTo('chat.postMessage').map((c) => c.params.channel)).not.toContain(ANNOUNCE);
  });

  it('refuses a forged Home click from someone without access, privately, and changes nothing', async () => {
    const h = await harness();
    await openHome(h, STRANGER);
    const home = h.slack.homeView(STRANGER)!;
    const ack = await surfaces(h).clickInView(home, 'flow_resume', 'orders-eu');
    expect(ack.status).toBe(200);
    const told = await h.slack.waitForCall('chat.postMessage', (c) => c.params.channel === STRANGER);
    expect(allText(told.params as any)).toContain('You can’t resume');
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(true);
    expect(h.slack.callsTo('chat.postMessage').filter((c) => c.params.channel === ANNOUNCE)).toHaveLength(0);
  });

  it('lists approvals waiting for the person, and Approve on the Home runs the approval card’s handler', async () => {
    const h = await harness({
      env: {
        FLOW_POLICY_FILE: policyFile(`
version: 1
rules: []
approvals:
  - name: two people for orders
    actions: [pause]
    keys: ["orders-*"]
`),
      },
    });
    h.qstash.setKey({ flowControlKey: 'orders-us', waitListSize: 7 });
    const pause = await h.command('/flow', 'pause orders-us deploy window');
    const confirmation = await h.waitForResponse(pause.responseUrl, (body) =>
      allText(body).includes('Confirm'),
    );
    const confirm = (confirmation.blocks as any[])
      .flatMap((block) => (block.type === 'actions' ? block.elements : []))
      .find((element: any) => element.action_id === 'flow_confirm');
    await h.click({ actionId: 'flow_confirm', value: confirm.value, isEphemeral: true });
    const card = await h.slack.waitForCall('chat.postMessage', (c) => c.params.channel === CHANNEL);
    const requestId = (card.params.blocks as any[])
      .flatMap((block) => (block.type === 'actions' ? block.elements : []))
      .find((element: any) => element.action_id === 'flow_approve').value;

    // The requester's own Home shows the request as theirs, without Approve.
    const own = await openHome(h, ALLOWED_USER, (v) => text(v).includes('Your requests'));
    expect(buttons(own).some((button) => button.action_id === 'flow_approve')).toBe(false);

    const approverHome = await openHome(h, GROUP_MEMBER, (v) =>
      text(v).includes('Waiting for your approval'),
    );
    expect(buttons(approverHome)).toContainEqual(
      expect.objectContaining({ action_id: 'flow_approve', value: requestId }),
    );
    await surfaces(h).clickInView(h.slack.homeView(GROUP_MEMBER)!, 'flow_approve', requestId);
    const updated = await h.slack.waitForCall('chat.update', (c) =>
      allText(c.params as any).includes('Approved by'),
    );
    expect(allText(updated.params as any)).toContain(`<@${GROUP_MEMBER}>`);
    expect(h.qstash.getKey('orders-us')?.isPaused).toBe(true);
  });

  it('ignores the Messages tab and answers Refresh on the Home', async () => {
    const h = await harness();
    const s = surfaces(h);
    expect((await s.homeOpened(ALLOWED_USER, 'messages')).status).toBe(200);
    await openHome(h, ALLOWED_USER, (v) => text(v).includes('orders-eu'));
    const publishes = h.slack.callsTo('views.publish').length;
    expect(publishes).toBe(
      h.slack.callsTo('views.publish').filter((c) => c.params.user_id === ALLOWED_USER).length,
    );
    const again = s.waitForHome(ALLOWED_USER, () => h.slack.callsTo('views.publish').length > publishes);
    await s.clickInView(h.slack.homeView(ALLOWED_USER)!, 'flow_home_refresh', 'refresh');
    await again;
  });
});
