import { describe, expect, it } from 'vitest';
import { roughDuration } from '../../src/slack/blocks/drain.js';
import { allText, harnessPerTest } from '../support/flowbot-harness.js';

/**
 * What a person sees of the watcher's saturation, stuck and growth conditions and of the drain estimate:
 * through the real Bolt app, the fake Slack (strict) and the QStash emulator.
 */

const ALERTS = 'CALERTS01';
const harness = harnessPerTest(
  { env: { ALERTS_TOKEN: 'alerts-token-0123456789abcdef', ALERTS_CHANNEL: ALERTS } },
  (h) => h.slack.setChannel(ALERTS),
);

/**
 * How a drain of `totalMs` counted from a rate period's start (`startMs`) may read, as Flowbot wrote it at
 * some moment from `fromMs` to `toMs` (its own clock, read while the test waited): a busy machine makes that
 * moment later, and the estimate shorter, by as much.
 */
function drainsBetween(totalMs: number, startMs: number, fromMs: number, toMs: number): string[] {
  const words = new Set<string>();
  for (let at = fromMs; at < toMs + 1_000; at += 1_000)
    words.add(`${roughDuration(totalMs - (Math.min(at, toMs) - startMs))} at the current rate`);
  return [...words];
}

function buttonIds(blocks: unknown): string[] {
  return ((blocks as any[]) ?? []).flatMap((block: any) =>
    block.type === 'actions' ? block.elements.map((element: any) => element.action_id) : [],
  );
}

describe('watcher conditions in the alert channel', () => {
  it('posts one message for a stuck key, with the drain estimate and no Resume button, and resolves it once when messages move', async () => {
    const h = await harness({
      env: {
        FLOW_WATCH_KEYS: 'emails',
        FLOW_WATCH_INTERVAL: '1s',
        FLOW_WATCH_STUCK_ROUNDS: '2',
        FLOW_WATCH_WAITLIST: '0',
      },
    });
    const from = Date.now();
    const now = Math.floor(from / 1000);
    h.qstash.setKey({
      flowControlKey: 'emails',
      waitListSize: 40,
      parallelismMax: 5,
      parallelismCount: 0,
      rateMax: 10,
      ratePeriod: 3600,
      ratePeriodStart: now,
    });
    const posted = await h.slack.waitForCall(
      'chat.postMessage',
      (c) => String(c.params.text).includes('emails is stuck'),
      60_000,
    );
    expect(posted.params.channel).toBe(ALERTS);
    const text = allText(posted.params as any);
    expect(text).toContain(
      'Stuck: not paused, 40 messages waiting and none in flight for 2 checks in a row.',
    );
    // The watcher saw nothing move; the live line reads the key's rate: 10 now, then 10 an hour.
    expect(text).toContain('Time to drain: unknown: nothing is moving.');
    // 10 a period of an hour, 30 after the 10 the current period has left: three periods from its start.
    const drain = /\*Time to drain:\* (.+? at the current rate)/.exec(text)?.[1];
    expect(drainsBetween(3 * 3_600_000, now * 1000, from, Date.now())).toContain(drain);
    expect(text).toMatch(/\*Rate period ends:\* <!date\^\d+\^\{date_short_pretty\} at \{time_secs\}\|[^>]+>/);
    // Not paused: resuming is not the remedy.
    expect(buttonIds(posted.params.blocks)).toEqual(['flow_status', 'flow_pause']);
    const ts = (posted.response as any).ts as string;

    h.qstash.setKey({ flowControlKey: 'emails', parallelismCount: 3, waitListSize: 20 });
    await h.slack.waitForCall(
      'chat.update',
      (c) => c.params.ts === ts && JSON.stringify(c.params.blocks).includes('Resolved'),
      60_000,
    );
    // Two more rounds: nothing new is posted or resolved again.
    const rounds = h.qstash.requests.filter((r) => r.route === 'list').length;
    await h.qstash.waitForRequest(
      (r) => r.route === 'list' && h.qstash.requests.filter((x) => x.route === 'list').length >= rounds + 2,
      60_000,
    );
    expect(h.slack.callsTo('chat.postMessage').filter((c) => !c.params.thread_ts)).toHaveLength(1);
    expect(
      h.slack.callsTo('chat.update').filter((c) => JSON.stringify(c.params.blocks).includes('Resolved')),
    ).toHaveLength(1);
  });

  it('a paused key is "paused" with Resume, not stuck, and its alert says it does not drain', async () => {
    const h = await harness({
      env: { FLOW_WATCH_KEYS: 'orders-*', FLOW_WATCH_INTERVAL: '1s', FLOW_WATCH_STUCK_ROUNDS: '1' },
    });
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true, waitListSize: 500, parallelismMax: 5 });
    const posted = await h.slack.waitForCall(
      'chat.postMessage',
      (c) => String(c.params.text).includes('orders-eu is paused'),
      60_000,
    );
    expect(allText(posted.params as any)).toContain('*Time to drain:* not draining: the key is paused');
    expect(buttonIds(posted.params.blocks)).toContain('flow_resume');
    expect(allText(posted.params as any)).not.toContain('stuck');
  });

  it('posts a saturated key, and global parallelism near its maximum on `$` without Resume or Pause', async () => {
    const h = await harness({
      env: {
        FLOW_WATCH_KEYS: 'orders-*',
        FLOW_WATCH_INTERVAL: '1s',
        FLOW_WATCH_SATURATED_ROUNDS: '2',
        FLOW_WATCH_GLOBAL_PARALLELISM: '80',
        FLOW_WATCH_WAITLIST: '0',
      },
    });
    h.qstash.setKey({
      flowControlKey: 'orders-eu',
      waitListSize: 70,
      parallelismMax: 4,
      parallelismCount: 4,
    });
    h.qstash.setGlobal({ parallelismMax: 100, parallelismCount: 85 });
    const saturated = await h.slack.waitForCall(
      'chat.postMessage',
      (c) => String(c.params.text).includes('orders-eu is saturated'),
      60_000,
    );
    expect(allText(saturated.params as any)).toContain(
      'Saturated: running at its parallelism maximum (4/4) for 2 checks in a row',
    );
    expect(allText(saturated.params as any)).toContain('unknown: no rate set');
    const global = await h.slack.waitForCall(
      'chat.postMessage',
      (c) => String(c.params.text).includes('Global parallelism is near its maximum'),
      60_000,
    );
    expect(allText(global.params as any)).toContain('Global parallelism: 85/100 in use (alerts from 80%)');
    expect(buttonIds(global.params.blocks)).not.toContain('flow_resume');
    expect(buttonIds(global.params.blocks)).not.toContain('flow_pause');
  });
});

describe('the key card', () => {
  it('shows the time to drain at the current rate and when the rate period ends', async () => {
    const h = await harness();
    const from = Date.now();
    const start = Math.floor(from / 1000);
    h.qstash.setKey({
      flowControlKey: 'orders-eu',
      waitListSize: 1_000,
      parallelismMax: 10,
      parallelismCount: 2,
      rateMax: 100,
      ratePeriod: 3600,
      ratePeriodStart: start,
    });
    h.qstash.setKey({ flowControlKey: 'emails', waitListSize: 3, parallelismMax: 1 });
    const card = async (key: string) => {
      const ack = await h.command('/flow', `status ${key}`);
      return allText(
        await h.waitForResponse(ack.responseUrl, (body) => !String(body.text ?? '').startsWith(':hourglass')),
      );
    };
    const orders = await card('orders-eu');
    // 100 now, then 100 an hour: the last of 1,000 goes out 9 periods on, about 9 hours from now.
    const drain = /Time to drain\*\\n(.+? at the current rate)/.exec(orders)?.[1];
    expect(drainsBetween(9 * 3_600_000, start * 1000, from, Date.now())).toContain(drain);
    expect(orders).toContain(
      `Rate period ends*\\n<!date^${start + 3600}^{date_short_pretty} at {time_secs}|`,
    );
    const emails = await card('emails');
    expect(emails).toContain('Time to drain*\\nunknown: no rate set');
    expect(emails).toContain('Rate period ends*\\n—');
  });
});
