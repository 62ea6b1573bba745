import { describe, expect, it } from 'vitest';
import type { Timer } from '../../src/core/scheduler/timers.js';
import { SqliteStateStore } from '../../src/core/store/sqlite-store.js';
import { ALLOWED_USER, allText, type Harness, harnessPerTest } from '../support/flowbot-harness.js';
import { buttons } from '../support/slack-flows.js';
import { timersDueNow } from '../support/timers.js';

const harness = harnessPerTest();

async function confirmPause(h: Harness, text: string, channel: string) {
  const ack = await h.command('/flow', text, { channel });
  const ask = await h.waitForResponse(ack.responseUrl);
  const confirm = buttons(ask).find((b) => b.action_id === 'flow_confirm')!;
  const click = await h.click({
    actionId: 'flow_confirm',
    value: confirm.value,
    isEphemeral: true,
    channelId: channel,
  });
  return click.responseUrl;
}

/** Makes the key's planned work due now, in the store the bot uses, as the clock would. */
async function dueNow(h: Harness): Promise<void> {
  expect(await timersDueNow(h.dataDir)).toBe(1);
}

async function timerOf(h: Harness): Promise<Timer | undefined> {
  const store = SqliteStateStore.open(h.dataDir);
  try {
    return (await store.list<Timer>('timer'))[0]?.value;
  } finally {
    await store.close();
  }
}

const dmOf = (h: Harness) =>
  h.slack.callsTo('conversations.open').map((c) => (c.response as any).channel.id)[0];

describe('follow-ups where Flowbot cannot post later', () => {
  it('a timed pause in a DM between people: the change happens, the person is told, and the end comes to them privately there', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders', waitListSize: 7 });
    // Someone else's DM: Flowbot can answer through the response_url but cannot see or post in it.
    const where = 'D0PEOPLE01';
    // Long enough not to end on its own while the test looks: the test makes it due when it is ready.
    const responseUrl = await confirmPause(h, 'pause orders for 10m deploy', where);
    const done = await h.waitForResponse(responseUrl, (b) => b.response_type === 'in_channel');
    expect(allText(done)).toContain('paused');
    const note = await h.waitForResponse(responseUrl, (b) =>
      allText(b).includes('privately here while Slack allows'),
    );
    expect(note.response_type).toBe('ephemeral');
    expect(allText(note)).toContain('then by DM');
    expect(h.qstash.getKey('orders')?.isPaused).toBe(true);

    // The response_url of the request is still valid: the end reaches the person where they asked.
    await dueNow(h);
    const end = await h.slack.waitForResponse(
      responseUrl,
      (b) => allText(b).includes('Timed pause over'),
      10_000,
    );
    expect(end.response_type).toBe('ephemeral');
    expect(end.replace_original).toBe(false);
    expect(h.qstash.getKey('orders')?.isPaused).toBe(false);
    expect(h.slack.callsTo('conversations.open')).toEqual([]);
    // The response_url never reaches the logs: for 30 minutes it lets anyone post as Flowbot.
    expect(h.logs.text).not.toContain(new URL(responseUrl).pathname);
  });

  it('a timed pause whose response_url Slack no longer takes: the end comes by DM', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders', waitListSize: 7 });
    const where = 'D0PEOPLE01';
    const responseUrl = await confirmPause(h, 'pause orders for 10m deploy', where);
    await h.waitForResponse(responseUrl, (b) => allText(b).includes('privately here while Slack allows'));
    // From now on Slack refuses posts to it (as it would a spent or expired URL); only then is the pause over.
    h.slack.failResponseUrl(responseUrl, 404, 10);
    await dueNow(h);
    const post = await h.slack.waitForCall(
      'chat.postMessage',
      (c) => c.params.channel !== where && String(c.params.text).includes('Timed pause over'),
      10_000,
    );
    expect(h.slack.callsTo('conversations.open')[0]?.params.users).toBe(ALLOWED_USER);
    expect(post.params.channel).toBe(dmOf(h));
    expect(JSON.stringify(post.params.blocks)).toContain('can’t post in the channel');
    expect(h.qstash.getKey('orders')?.isPaused).toBe(false);
    expect(h.slack.responses(responseUrl).filter((p) => p.status === 404)).toHaveLength(1);
  });

  it('reminders in a channel Flowbot was not invited to: one refused try, then privately while the response_url lasts, then by DM', async () => {
    const h = await harness();
    const where = 'CNOTINVITED';
    h.slack.setChannel(where, { is_member: false });
    h.qstash.setKey({ flowControlKey: 'orders', waitListSize: 321 });
    const responseUrl = await confirmPause(h, 'pause orders downstream flaky', where);
    await h.waitForResponse(responseUrl, (b) => allText(b).includes('privately here while Slack allows'));
    const reminders = () =>
      h.slack
        .responses(responseUrl)
        .filter((p) => p.status < 300 && allText(p.body).includes('has been paused for'));
    const dmReminders = () =>
      h.slack
        .callsTo('chat.postMessage')
        .filter((c) => String(c.params.text).includes('has been paused for') && c.params.channel !== where);

    // Each reminder takes one of the response_url's 5 posts (Flowbot's own replies took theirs), then DMs.
    for (let round = 1; round <= 6 && dmReminders().length === 0; round++) {
      await dueNow(h);
      await expect.poll(() => reminders().length + dmReminders().length, { timeout: 10_000 }).toBe(round);
      await expect.poll(() => timerOf(h).then((timer) => timer?.reminders), { timeout: 10_000 }).toBe(round);
    }
    expect(reminders().length).toBeGreaterThan(0);
    const first = reminders()[0]!;
    expect(first.body.response_type).toBe('ephemeral');
    expect(JSON.stringify(first.body.blocks)).toContain('"action_id":"flow_resume"');
    // Slack's bound: at most 5 accepted posts on one response_url, none refused for being used up.
    const posts = h.slack.responses(responseUrl);
    expect(posts.filter((p) => p.status < 300).length).toBeLessThanOrEqual(5);
    expect(posts.filter((p) => p.error === 'used_url')).toEqual([]);
    const dm = dmReminders()[0]!;
    expect(dm.params.channel).toBe(dmOf(h));
    expect(JSON.stringify(dm.params.blocks)).toContain(`<#${where}>`);
    expect(JSON.stringify(dm.params.blocks)).toContain('"action_id":"flow_resume"');

    // The channel was tried once only; it is remembered as refusing.
    const intoChannel = h.slack.callsTo('chat.postMessage').filter((c) => c.params.channel === where);
    expect(intoChannel).toHaveLength(1);
    expect(JSON.stringify(intoChannel[0]!.response)).toContain('not_in_channel');
    expect(h.logs.text).toContain('follow-ups go to the person by DM');
  });

  it('a change by pattern in a channel Flowbot was not invited to: its summary comes by DM and is kept up to date there', async () => {
    const h = await harness();
    const where = 'CNOTINVITED';
    h.slack.setChannel(where, { is_member: false });
    for (const key of ['orders-1', 'orders-2', 'orders-3'])
      h.qstash.setKey({ flowControlKey: key, isPaused: true, waitListSize: 5 });
    const ack = await h.command('/flow', 'resume orders-*', { channel: where });
    const preview = await h.waitForResponse(
      ack.responseUrl,
      (b) => !String(b.text ?? '').startsWith(':mag:'),
    );
    const confirm = buttons(preview).find((b) => b.action_id === 'flow_bulk_confirm')!;
    await h.click({
      actionId: 'flow_bulk_confirm',
      value: confirm.value,
      isEphemeral: true,
      channelId: where,
    });
    await expect.poll(() => h.qstash.getKey('orders-3')?.isPaused, { timeout: 20_000 }).toBe(false);
    const summary = await h.slack.waitForCall(
      'chat.postMessage',
      (c) => c.params.channel !== where && String(c.params.text).includes('orders-*'),
      10_000,
    );
    expect(summary.params.channel).toBe(dmOf(h));
    expect(JSON.stringify(summary.params.blocks)).toContain(`<#${where}>`);
    const ts = String((summary.response as { ts?: string }).ts);
    await expect
      .poll(() => allText(h.slack.getMessage(dmOf(h), ts)), { timeout: 20_000 })
      .toMatch(/3 of 3|Done|resumed 3/i);
  });

  it('says nothing extra where Flowbot can post', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders' });
    const responseUrl = await confirmPause(h, 'pause orders for 1s', 'CINCIDENTS');
    await h.waitForResponse(responseUrl, (b) => b.response_type === 'in_channel');
    await h.slack.waitForCall(
      'chat.postMessage',
      (c) => String(c.params.text).includes('Timed pause over'),
      10_000,
    );
    expect(h.slack.responses(responseUrl).some((post) => allText(post.body).includes('by DM'))).toBe(false);
    expect(h.slack.callsTo('conversations.open')).toHaveLength(0);
  });
});
