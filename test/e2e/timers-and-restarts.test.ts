import { describe, expect, it } from 'vitest';
import type { Timer } from '../../src/core/scheduler/timers.js';
import { SqliteStateStore } from '../../src/core/store/sqlite-store.js';
import { ALLOWED_USER, allText, CHANNEL, type Harness, harnessPerTest } from '../support/flowbot-harness.js';
import { buttons } from '../support/slack-flows.js';

async function confirmPause(h: Harness, text: string) {
  const ack = await h.command('/flow', text);
  const ask = await h.waitForResponse(ack.responseUrl);
  const confirm = buttons(ask).find((b) => b.action_id === 'flow_confirm')!;
  const click = await h.click({ actionId: 'flow_confirm', value: confirm.value, isEphemeral: true });
  return h.waitForResponse(click.responseUrl, (b) => b.response_type === 'in_channel');
}

const harness = harnessPerTest();

describe('timed pause', () => {
  it('resumes the key when the time is up and says so in the channel where it was paused', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders', waitListSize: 7 });
    const done = await confirmPause(h, 'pause orders for 1s deploy');
    expect(allText(done)).toContain('Flowbot will resume it automatically');
    // Paused first (however soon the second is up, which a busy machine may already have passed).
    expect(h.qstash.mutations.filter((m) => m.key === 'orders').map((m) => m.action)[0]).toBe('pause');
    const post = await h.slack.waitForCall(
      'chat.postMessage',
      (c) => String(c.params.text).includes('Timed pause over'),
      60_000,
    );
    expect(post.params.channel).toBe(CHANNEL);
    expect(String(post.params.text)).toContain(`paused by <@${ALLOWED_USER}>`);
    expect(h.qstash.getKey('orders')?.isPaused).toBe(false);
    expect(h.qstash.mutations.filter((m) => m.key === 'orders').map((m) => m.action)).toEqual([
      'pause',
      'resume',
    ]);
  });

  it('is cancelled by a manual resume', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders' });
    // Long enough that only the manual resume can remove its timer.
    await confirmPause(h, 'pause orders for 1h');
    const ack = await h.command('/flow', 'resume orders');
    await h.waitForResponse(ack.responseUrl, (b) => b.response_type === 'in_channel');
    const store = SqliteStateStore.open(h.dataDir);
    try {
      expect(await store.list('timer')).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('refuses a bad duration', async () => {
    const h = await harness();
    for (const text of [
      'pause orders for',
      'pause orders for 0s',
      'pause orders for 30d',
      'pause orders for soon',
    ]) {
      const body = JSON.parse((await h.command('/flow', text)).body);
      expect(allText(body)).toContain('is not a pause duration');
    }
    expect(h.qstash.requests).toHaveLength(0);
  });
});

describe('pause reminders', () => {
  it('reminds the channel, with a Resume button, while a key paused through Flowbot stays paused', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders', waitListSize: 321 });
    const before = Date.now();
    await confirmPause(h, 'pause orders downstream flaky');
    // The reminder is due in an hour; move it to now in the store the bot uses, as the clock would.
    const store = SqliteStateStore.open(h.dataDir);
    try {
      const [entry] = await store.list<Timer>('timer');
      expect(entry?.value.kind).toBe('reminder');
      // An hour from the pause, which came after `before` (however long confirming it took).
      expect(entry!.value.dueAt).toBeGreaterThanOrEqual(before + 60 * 60_000);
      await store.set('timer', entry!.id, { ...entry!.value, dueAt: Date.now() });
    } finally {
      await store.close();
    }
    const post = await h.slack.waitForCall('chat.postMessage', (c) =>
      String(c.params.text).includes('has been paused for'),
    );
    expect(String(post.params.text)).toContain('321 messages are waiting');
    expect(String(post.params.text)).toContain('downstream flaky');
    expect(JSON.stringify(post.params.blocks)).toContain('"action_id":"flow_resume"');
  });
});

describe('nothing pending is lost on restart', () => {
  it('a timed pause due while Flowbot was down fires once after the restart', async () => {
    const first = await harness();
    first.qstash.setKey({ flowControlKey: 'orders' });
    await confirmPause(first, 'pause orders for 1s');
    await first.stopBot();
    // Waits out the pause's second while Flowbot is down.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(first.qstash.getKey('orders')?.isPaused).toBe(true);

    const second = await harness({
      dataDir: first.dataDir,
      reuse: { qstash: first.qstash, slack: first.slack },
    });
    await second.slack.waitForCall(
      'chat.postMessage',
      (c) => String(c.params.text).includes('Timed pause over'),
      60_000,
    );
    expect(second.qstash.getKey('orders')?.isPaused).toBe(false);
    expect(second.qstash.appliedMutations('orders', 'resume')).toBe(1);
    // The timer done with (gone from the shared file): nothing is left that could fire it again.
    const store = SqliteStateStore.open(second.dataDir);
    try {
      await expect.poll(() => store.list<Timer>('timer'), { timeout: 60_000 }).toEqual([]);
    } finally {
      await store.close();
    }
    expect(
      second.slack
        .callsTo('chat.postMessage')
        .filter((c) => String(c.params.text).includes('Timed pause over')),
    ).toHaveLength(1);
  });

  it('a pending approval survives a restart and is carried out once', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const policy = join(mkdtempSync(join(tmpdir(), 'flowbot-policy-')), 'policy.yml');
    writeFileSync(
      policy,
      `rules:\n  - subjects: [${ALLOWED_USER}, ULEAD0001]\n    actions: ["*"]\napprovals:\n  - actions: [pause]\n    keys: ["payments-*"]\n`,
    );
    const first = await harness({ env: { FLOW_POLICY_FILE: policy } });
    first.qstash.setKey({ flowControlKey: 'payments-eu' });
    const ack = await first.command('/flow', 'pause payments-eu');
    const ask = await first.waitForResponse(ack.responseUrl);
    const confirm = buttons(ask).find((b) => b.action_id === 'flow_confirm')!;
    await first.click({ actionId: 'flow_confirm', value: confirm.value, isEphemeral: true });
    const post = await first.slack.waitForCall('chat.postMessage', (c) =>
      JSON.stringify(c.params.blocks).includes('flow_approve'),
    );
    const approveId = buttons({ blocks: post.params.blocks }).find(
      (b) => b.action_id === 'flow_approve',
    )!.value;
    await first.stopBot();

    const second = await harness({
      env: { FLOW_POLICY_FILE: policy },
      dataDir: first.dataDir,
      reuse: { qstash: first.qstash, slack: first.slack },
    });
    const click = await second.click({
      actionId: 'flow_approve',
      value: approveId,
      userId: 'ULEAD0001',
      messageTs: String((post.response as any).ts),
    });
    const updated = await second.waitForResponse(click.responseUrl, (b) => b.replace_original === true);
    expect(allText(updated)).toContain('Approved by <@ULEAD0001> and done');
    expect(second.qstash.getKey('payments-eu')?.isPaused).toBe(true);
    const again = await second.click({ actionId: 'flow_approve', value: approveId, userId: 'ULEAD0001' });
    expect(allText(await second.waitForResponse(again.responseUrl))).toContain('already decided');
    expect(second.qstash.appliedMutations('payments-eu', 'pause')).toBe(1);
  });

  it('a Resume click already handled before a restart is not handled again', async () => {
    const first = await harness();
    first.qstash.setKey({ flowControlKey: 'orders', isPaused: true });
    const url = first.slack.responseUrl();
    await first.click({
      actionId: 'flow_resume',
      value: 'orders',
      messageTs: '1700000000.000777',
      responseUrl: url,
    });
    await first.waitForResponse(url, (b) => b.replace_original === true);
    await first.stopBot();
    const second = await harness({
      dataDir: first.dataDir,
      reuse: { qstash: first.qstash, slack: first.slack },
    });
    const retry = await second.click({
      actionId: 'flow_resume',
      value: 'orders',
      messageTs: '1700000000.000777',
    });
    expect(allText(await second.waitForResponse(retry.responseUrl))).toContain('already asked');
    expect(second.qstash.appliedMutations('orders', 'resume')).toBe(1);
  });
});
