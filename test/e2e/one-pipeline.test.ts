import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Timer } from '../../src/core/scheduler/timers.js';
import { SqliteStateStore } from '../../src/core/store/sqlite-store.js';
import { allText, CHANNEL, type Harness, harnessPerTest } from '../support/flowbot-harness.js';
import { buttons, confirmed, startRamp, waitForMessage } from '../support/slack-flows.js';
import { timersDueNow } from '../support/timers.js';

const LEAD = 'ULEAD0001';
const PAUSER = 'UPAUSER01';
const RAMPER = 'URAMPER01';
const APPROVER = 'UAPPROVE1';

/** Every change goes through one pipeline, whatever starts it: these paths went around it before. */
const harness = harnessPerTest({}, (h) => h.slack.setChannel(CHANNEL));

function policyFile(yaml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'flowbot-policy-')), 'policy.yml');
  writeFileSync(path, yaml);
  return path;
}

async function withPolicy(yaml: string, env: Record<string, string> = {}) {
  const path = policyFile(yaml);
  const h = await harness({ env: { FLOW_POLICY_FILE: path, FLOW_ALLOWED_USERS: '', ...env } });
  return {
    h,
    /** Writes a new policy and reloads it, as an admin's edit would. */
    change(next: string) {
      writeFileSync(path, next);
      expect(h.bot.reloadPolicy()).toMatchObject({ kind: 'reloaded' });
    },
  };
}

const rule = (subjects: string[], actions: string[], extra = '') =>
  `  - subjects: [${subjects.join(', ')}]\n    actions: [${actions.join(', ')}]\n${extra}`;

const qstashMutations = (h: Harness) =>
  h.qstash.requests.filter((r) => r.method === 'POST').map((r) => r.route);

describe('timed pauses run the resume as the person who paused, authorized then', () => {
  it('a pause-only user’s timed pause is refused: it needs resume too', async () => {
    const { h } = await withPolicy(`rules:\n${rule([PAUSER], ['status', 'pause'])}`);
    h.qstash.setKey({ flowControlKey: 'orders' });
    const ack = await h.command('/flow', 'pause orders for 15m deploy', { user: PAUSER });
    const answer = await h.waitForResponse(ack.responseUrl);
    expect(answer.response_type).toBe('ephemeral');
    expect(allText(answer)).toContain('You can’t pause `orders`');
    expect(allText(answer)).toContain('This needs `resume` as well');
    expect(buttons(answer).map((b) => b.action_id)).not.toContain('flow_confirm');
    // An untimed pause is still theirs to make.
    const done = await confirmed(h, 'pause orders deploy', PAUSER, (b) => b.response_type === 'in_channel');
    expect(allText(done)).toContain(`<@${PAUSER}> paused`);
    expect(h.qstash.appliedMutations('orders')).toBe(1);
    const refusal = h.logs.audits().find((a) => a.action === 'pause' && a.outcome === 'denied');
    expect(refusal).toMatchObject({ actor: PAUSER, reason: 'not_granted', deniedAction: 'resume' });
  });

  it('a requester whose resume right is removed before the time is up is not resumed, and the channel is told', async () => {
    const both = `rules:\n${rule([PAUSER], ['status', 'pause', 'resume'])}`;
    const { h, change } = await withPolicy(both);
    h.qstash.setKey({ flowControlKey: 'orders', waitListSize: 9 });
    // Long enough not to end before the right is removed, however slow the machine: then it is made due.
    const done = await confirmed(h, 'pause orders for 10m', PAUSER, (b) => b.response_type === 'in_channel');
    expect(allText(done)).toContain('Flowbot will resume it automatically');
    change(`rules:\n${rule([PAUSER], ['status', 'pause'])}`);
    await timersDueNow(h.dataDir);
    const told = await h.slack.waitForCall(
      'chat.postMessage',
      (c) => String(c.params.text).includes('Timed pause'),
      60_000,
    );
    expect(told.params.channel).toBe(CHANNEL);
    expect(String(told.params.text)).toContain('Flowbot did not resume it');
    expect(String(told.params.text)).toContain(`it resumes as <@${PAUSER}>`);
    expect(String(told.params.text)).toContain('does not let them resume on this key');
    expect(h.qstash.getKey('orders')?.isPaused).toBe(true);
    expect(h.qstash.appliedMutations('orders', 'resume')).toBe(0);
    expect(h.logs.audits().find((a) => a.action === 'resume')).toMatchObject({
      actor: PAUSER,
      source: 'timer',
      outcome: 'denied',
      requestId: expect.any(String),
    });
  });
});

describe('a ramp is a resume: every rule for resume, pin and unpin applies to it', () => {
  it('a ramp on a key whose resume needs approval asks for approval, and runs once approved', async () => {
    const { h } = await withPolicy(
      `rules:\n${rule([LEAD, APPROVER], ['"*"'])}approvals:\n  - name: payments resume needs two\n    actions: [resume]\n    keys: ["payments-*"]\n`,
    );
    h.qstash.setKey({ flowControlKey: 'payments-eu', isPaused: true, waitListSize: 500, rateMax: 50 });
    const told = await confirmed(h, 'ramp payments-eu over 10s', LEAD, (b) =>
      String(b.text).includes('second person'),
    );
    expect(told.response_type).toBe('ephemeral');
    const card = await h.slack.waitForCall('chat.postMessage', (c) =>
      JSON.stringify(c.params.blocks).includes('flow_approve'),
    );
    expect(JSON.stringify(card.params.blocks)).toContain('asks to *ramp*');
    expect(qstashMutations(h)).toEqual([]);
    const approveId = buttons({ blocks: card.params.blocks }).find(
      (b) => b.action_id === 'flow_approve',
    )!.value;
    const click = await h.click({
      actionId: 'flow_approve',
      value: approveId,
      userId: APPROVER,
      messageTs: String((card.response as any).ts),
    });
    const updated = await h.waitForResponse(click.responseUrl, (b) => b.replace_original === true);
    expect(allText(updated)).toContain(`Approved by <@${APPROVER}> and done`);
    await h.slack.waitForCall('chat.postMessage', (c) => String(c.params.text).includes('Ramping up'));
    // The ramp's own changes run as the starter, each carrying the approval.
    const ramped = h.logs.audits().filter((a) => a.source === 'ramp' && a.outcome === 'done');
    expect(ramped.map((a) => a.action).slice(0, 2)).toEqual(['pin', 'resume']);
    for (const event of ramped) expect(event).toMatchObject({ actor: LEAD, approvedBy: APPROVER });
  });

  it('a ramp-only user can hold a ramp but not Abort it: Abort pauses the key', async () => {
    const { h } = await withPolicy(`rules:\n${rule([LEAD], ['"*"'])}${rule([RAMPER], ['status', 'ramp'])}`);
    h.qstash.setKey({
      flowControlKey: 'orders',
      isPaused: true,
      waitListSize: 1000,
      rateMax: 50,
      ratePeriod: 1,
    });
    const progress = await startRamp(h, 'ramp orders over 1m', LEAD);
    const rampId = buttons({ blocks: progress.blocks }).find((b) => b.action_id === 'flow_ramp_abort')!.value;
    const abort = await h.click({
      actionId: 'flow_ramp_abort',
      value: rampId,
      userId: RAMPER,
      messageTs: progress.ts,
    });
    const refused = allText(await h.waitForResponse(abort.responseUrl));
    expect(refused).toContain('You can’t ramp `orders`');
    expect(refused).toContain('This needs `pause` as well');
    expect(h.qstash.appliedMutations('orders', 'pause')).toBe(0);
    await h.click({ actionId: 'flow_ramp_hold', value: rampId, userId: RAMPER, messageTs: progress.ts });
    await waitForMessage(h, progress.ts, `Held by <@${RAMPER}>`);
  });

  it('a ramp-only user cannot start one: a ramp resumes, pins and unpins', async () => {
    const { h } = await withPolicy(`rules:\n${rule([RAMPER], ['status', 'ramp'])}`);
    h.qstash.setKey({ flowControlKey: 'orders', isPaused: true, waitListSize: 1000, rateMax: 50 });
    const ack = await h.command('/flow', 'ramp orders', { user: RAMPER });
    const answer = allText(await h.waitForResponse(ack.responseUrl));
    expect(answer).toContain('You can’t ramp `orders`');
    expect(answer).toContain('This needs `resume` as well');
    expect(qstashMutations(h)).toEqual([]);
  });

  it('a policy that now denies pin stops a running ramp at its next step, and its message says why', async () => {
    const lead = rule([LEAD], ['"*"']);
    const { h, change } = await withPolicy(`rules:\n${lead}`);
    h.qstash.setKey({
      flowControlKey: 'orders',
      isPaused: true,
      waitListSize: 1000,
      rateMax: 50,
      ratePeriod: 1,
    });
    const progress = await startRamp(h, 'ramp orders over 1m', LEAD);
    const pinsBefore = h.qstash.appliedMutations('orders', 'pin');
    change(
      `rules:\n${lead}  - effect: deny\n    subjects: [${LEAD}]\n    actions: [pin]\n    keys: [orders]\n`,
    );
    await waitForMessage(h, progress.ts, 'Ramp stopped');
    await waitForMessage(h, progress.ts, 'who may no longer pin this key');
    await waitForMessage(h, progress.ts, 'a deny rule covers it');
    expect(h.qstash.appliedMutations('orders', 'pin')).toBe(pinsBefore);
    expect(JSON.stringify(h.slack.getMessage(CHANNEL, progress.ts)?.blocks)).not.toContain('flow_ramp_hold');
    expect(h.logs.audits().find((a) => a.action === 'pin' && a.outcome === 'denied')).toMatchObject({
      actor: LEAD,
      source: 'ramp',
    });
  });
});

describe('the rate limit counts every change a person causes', () => {
  it('counts a confirmed change', async () => {
    const h = await harness({ env: { FLOW_RATE_LIMIT: '1/24h' } });
    h.qstash.setKey({ flowControlKey: 'orders' });
    await confirmed(h, 'pause orders', undefined, (b) => b.response_type === 'in_channel');
    const ack = await h.command('/flow-resume', 'orders');
    const answer = await h.waitForResponse(ack.responseUrl, (b) => !String(b.text).startsWith(':hourglass'));
    expect(allText(answer)).toContain('Flowbot allows one person');
    expect(h.qstash.appliedMutations('orders', 'resume')).toBe(0);
  });

  const approvalPolicy = `rules:\n${rule([LEAD, APPROVER], ['"*"'])}approvals:\n  - actions: [pause]\n    keys: ["payments-*"]\n`;

  async function askForApproval(h: Harness): Promise<string> {
    await confirmed(h, 'pause payments-eu', LEAD, (b) => String(b.text).includes('second person'));
    const card = await h.slack.waitForCall('chat.postMessage', (c) =>
      JSON.stringify(c.params.blocks).includes('flow_approve'),
    );
    return buttons({ blocks: card.params.blocks }).find((b) => b.action_id === 'flow_approve')!.value;
  }

  it('counts an approved change for the requester', async () => {
    const { h } = await withPolicy(approvalPolicy, { FLOW_RATE_LIMIT: '2/24h' });
    h.qstash.setKey({ flowControlKey: 'payments-eu' });
    h.qstash.setKey({ flowControlKey: 'orders', isPaused: true });
    // Asking counts (1); the approved pause counts for the requester (2); their next change is refused.
    const approveId = await askForApproval(h);
    const approve = await h.click({ actionId: 'flow_approve', value: approveId, userId: APPROVER });
    expect(allText(await h.waitForResponse(approve.responseUrl))).toContain('Approved by');
    expect(h.qstash.appliedMutations('payments-eu', 'pause')).toBe(1);
    const ack = await h.command('/flow-resume', 'orders', { user: LEAD });
    const answer = await h.waitForResponse(ack.responseUrl, (b) => !String(b.text).startsWith(':hourglass'));
    expect(allText(answer)).toContain('Flowbot allows one person');
    expect(h.qstash.appliedMutations('orders', 'resume')).toBe(0);
  });

  it('an approval while the requester is over the limit is not carried out, and the request stays open', async () => {
    const { h } = await withPolicy(approvalPolicy, { FLOW_RATE_LIMIT: '2/24h' });
    h.qstash.setKey({ flowControlKey: 'payments-eu' });
    h.qstash.setKey({ flowControlKey: 'orders', isPaused: true });
    const approveId = await askForApproval(h);
    const resumed = await h.command('/flow-resume', 'orders', { user: LEAD });
    await h.waitForResponse(resumed.responseUrl, (b) => b.response_type === 'in_channel');
    for (let click = 0; click < 2; click++) {
      const approve = await h.click({ actionId: 'flow_approve', value: approveId, userId: APPROVER });
      const told = allText(await h.waitForResponse(approve.responseUrl));
      expect(told).toContain('Not carried out yet');
      expect(told).toContain('The request stays open');
    }
    expect(h.qstash.appliedMutations('payments-eu', 'pause')).toBe(0);
  });

  it('a timed resume over the requester’s limit waits for it: deferred, not dropped or failed', async () => {
    const h = await harness({ env: { FLOW_RATE_LIMIT: '1/24h' } });
    h.qstash.setKey({ flowControlKey: 'orders' });
    await confirmed(h, 'pause orders for 1s', undefined, (b) => b.response_type === 'in_channel');
    await expect
      .poll(() => h.logs.audits().find((a) => a.action === 'resume' && a.source === 'timer'), {
        timeout: 60_000,
      })
      .toMatchObject({ outcome: 'deferred', reason: 'rate_limited' });
    expect(h.qstash.getKey('orders')?.isPaused).toBe(true);
    expect(
      h.slack.callsTo('chat.postMessage').filter((c) => String(c.params.text).includes('Timed pause')),
    ).toEqual([]);
    await h.stopBot();
    const store = SqliteStateStore.open(h.dataDir);
    try {
      const [timer] = (await store.list<Timer>('timer')).map((entry) => entry.value);
      expect(timer).toMatchObject({ kind: 'resume', target: { key: 'orders' } });
      expect(timer!.dueAt).toBeGreaterThan(Date.now());
    } finally {
      await store.close();
    }
  });

  it('a ramp’s start and steps count; a step over the limit waits, and the message says so', async () => {
    // Starting takes two changes (its first pin and the resume), each step one more.
    const h = await harness({ env: { FLOW_RATE_LIMIT: '3/24h' } });
    h.qstash.setKey({
      flowControlKey: 'orders',
      isPaused: true,
      waitListSize: 1000,
      rateMax: 50,
      ratePeriod: 1,
    });
    const progress = await startRamp(h, 'ramp orders over 10s');
    await waitForMessage(h, progress.ts, 'waits for');
    await waitForMessage(h, progress.ts, 'FLOW_RATE_LIMIT');
    expect(qstashMutations(h)).toEqual(['pin', 'resume', 'pin']);
    expect(h.logs.audits().find((a) => a.action === 'pin' && a.outcome === 'deferred')).toMatchObject({
      source: 'ramp',
      reason: 'rate_limited',
    });
  });
});
