import { describe, expect, it } from 'vitest';
import type { Timer } from '../../src/core/scheduler/timers.js';
import { SqliteStateStore } from '../../src/core/store/sqlite-store.js';
import { ALLOWED_USER, allText, type Harness, harnessPerTest } from '../support/flowbot-harness.js';
import { buttons } from '../support/slack-flows.js';

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
  const store = SqliteStateStore.open(h.dataDir);
  try {
    const [entry] = await store.list<Timer>('timer');
    expect(entry).toBeDefined();
    await store.set('timer', entry!.id, { ...entry!.value, dueAt: Date.now() });
  } finally {
    await store.close();
  }
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
  it('a timed pause in a DM between people: the change happens, the person is told, and the end comes by DM', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders', waitListSize: 7 });
    // Someone else's DM: Flowbot can answer through the response_url but cannot see or post in it.
    const where = 'D0PEOPLE01';
    const responseUrl = await confirmPause(h, 'pause orders for 1s deploy', where);
    const done = await h.waitForResponse(responseUrl, (b) => b.response_type === 'in_channel');
    expect(allText(done)).toContain('paused');
    const note = await h.waitForResponse(responseUrl, (b) => allText(b).includes('will come to you by DM'));
    expect(note.response_type).toBe('ephemeral');
    expect(h.qstash.getKey('orders')?.isPaused).toBe(true);

    const post = await h.slack.waitForCall(
      'chat.postMessage',
      (c) =>
        c.params.channel !== where &&
        String(c.params.text).includes('Timed pause over') &&
        c.params.channel !== where,
      10_000,
    );
    expect(h.slack.callsTo('conversations.open')[0]?.params.users).toBe(ALLOWED_USER);
    expect(post.params.channel).toBe(dmOf(h));
    expect(JSON.stringify(post.params.blocks)).toContain('can’t post in the channel');
    expect(h.qstash.getKey('orders')?.isPaused).toBe(false);
  });

  it('reminders in a channel Flowbot was not invited to: one refused try, then every reminder by DM', async () => {
    const h = await harness();
    const where = 'CNOTINVITED';
    h.slack.setChannel(where, { is_member: false });
    h.qstash.setKey({ flowControlKey: 'orders', waitListSize: 321 });
    const responseUrl = await confirmPause(h, 'pause orders downstream flaky', where);
    await h.waitForResponse(responseUrl, (b) => allText(b).includes('will come to you by DM'));

    await dueNow(h);
    const first = await h.slack.waitForCall(
      'chat.postMessage',
      (c) => String(c.params.text).includes('has been paused for') && c.params.channel !== where,
    );
    expect(first.params.channel).toBe(dmOf(h));
    expect(JSON.stringify(first.params.blocks)).toContain(`<#${where}>`);
    expect(JSON.stringify(first.params.blocks)).toContain('"action_id":"flow_resume"');

    // The reminder re-armed (its count went up); the next one goes straight to the DM, never into the channel.
    await expect.poll(() => timerOf(h).then((timer) => timer?.reminders), { timeout: 10_000 }).toBe(1);
    await dueNow(h);
    await expect
      .poll(
        () =>
          h.slack
            .callsTo('chat.postMessage')
            .filter(
              (c) => String(c.params.text).includes('has been paused for') && c.params.channel !== where,
            ).length,
        { timeout: 10_000 },
      )
      .toBe(2);
    const intoChannel = h.slack.callsTo('chat.postMessage').filter((c) => c.params.channel === where);
    expect(intoChannel).toHaveLength(1);
    expect(JSON.stringify(intoChannel[0]!.response)).toContain('not_in_channel');
    expect(h.logs.text).toContain('follow-ups go to the person by DM');
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
