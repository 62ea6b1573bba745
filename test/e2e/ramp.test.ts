import { describe, expect, it } from 'vitest';
import {
  ALLOWED_USER,
  allText,
  CHANNEL,
  type Harness,
  harnessPerTest,
  STRANGER,
} from '../support/flowbot-harness.js';
import type { RecordedRequest } from '../support/qstash-emulator.js';
import { buttons, waitForMessage } from '../support/slack-flows.js';

const harness = harnessPerTest({}, (h) => h.slack.setChannel(CHANNEL));

/** The mutations a ramp made, as `pin:rate=5`, `resume`, `unpin:rate`. */
function calls(requests: readonly RecordedRequest[]): string[] {
  return requests
    .filter((r) => r.method === 'POST')
    .map((r) => {
      if (r.route === 'pin')
        return `pin:${Object.entries(r.query)
          .map(([k, v]) => `${k}=${v}`)
          .join('&')}`;
      if (r.route === 'unpin')
        return `unpin:${Object.entries(r.query)
          .filter(([, v]) => v === 'true')
          .map(([k]) => k)
          .join('&')}`;
      return String(r.route);
    });
}

async function startRamp(h: Harness, text: string, user = ALLOWED_USER) {
  const ack = await h.command('/flow', text, { user });
  const ask = await h.waitForResponse(ack.responseUrl);
  const confirm = buttons(ask).find((b) => b.action_id === 'flow_confirm');
  if (!confirm) return { ask, progress: undefined };
  await h.click({ actionId: 'flow_confirm', value: confirm.value, userId: user, isEphemeral: true });
  const post = await h.slack.waitForCall('chat.postMessage', (c) =>
    String(c.params.text).includes('Ramping up'),
  );
  return {
    ask,
    progress: { ts: String((post.response as any).ts), blocks: post.params.blocks as unknown[] },
  };
}

describe('ramped resume', () => {
  it('rate ramp: shows the plan, pins low, resumes, raises in steps, then restores the key as it was', async () => {
    const h = await harness();
    h.qstash.setKey({
      flowControlKey: 'orders',
      isPaused: true,
      waitListSize: 12_340,
      rateMax: 50,
      ratePeriod: 1,
    });
    const { ask, progress } = await startRamp(h, 'ramp orders over 10s');
    expect(allText(ask)).toContain('12,340 waiting: start at 5/s, reach 50/s in 10s');
    expect(allText(ask)).toContain('to drain');
    expect(progress).toBeDefined();
    await waitForMessage(h, progress!.ts, 'Ramp finished');
    expect(calls(h.qstash.requests)).toEqual([
      'pin:rate=5&period=1',
      'resume',
      'pin:rate=27&period=1',
      'pin:rate=50&period=1',
      'unpin:rate',
    ]);
    const key = h.qstash.getKey('orders')!;
    expect(key).toMatchObject({ isPaused: false, rateMax: 50, ratePeriod: 1, isPinnedRate: false });
    const message = JSON.stringify(h.slack.getMessage(CHANNEL, progress!.ts)!.blocks);
    expect(message).toContain(`started by <@${ALLOWED_USER}>`);
    expect(message).toContain('12,340 at start');
    expect(message).not.toContain('flow_ramp_hold');
    const audit = h.logs.audits().find((a) => a.action === 'ramp' && a.outcome === 'done');
    expect(audit).toMatchObject({ actor: ALLOWED_USER, key: 'orders' });
  }, 120_000);

  it('parallelism ramp of a pinned key: re-pins what was pinned instead of unpinning', async () => {
    const h = await harness();
    h.qstash.setKey({
      flowControlKey: 'emails',
      isPaused: true,
      waitListSize: 500,
      parallelismMax: 10,
      isPinnedParallelism: true,
    });
    const { progress } = await startRamp(h, 'ramp emails from parallelism=2 over 10s');
    await waitForMessage(h, progress!.ts, 'Ramp finished');
    const made = calls(h.qstash.requests);
    expect(made[0]).toBe('pin:parallelism=2');
    expect(made[1]).toBe('resume');
    expect(made.at(-1)).toBe('pin:parallelism=10');
    expect(made).not.toContain('unpin:parallelism');
    expect(h.qstash.getKey('emails')).toMatchObject({
      parallelismMax: 10,
      isPinnedParallelism: true,
      isPaused: false,
    });
  }, 120_000);

  it('is offered where it matters: a paused key with a waitlist gets “Resume gradually”', async () => {
    const h = await harness();
    h.qstash.setKey({
      flowControlKey: 'orders',
      isPaused: true,
      waitListSize: 12_340,
      rateMax: 50,
      ratePeriod: 60,
    });
    const ack = await h.command('/flow', 'status orders');
    const card = await h.waitForResponse(ack.responseUrl);
    const gradual = buttons(card).find((b) => b.action_id === 'flow_ramp')!;
    const click = await h.click({ actionId: 'flow_ramp', value: gradual.value, isEphemeral: true });
    const ask = await h.waitForResponse(click.responseUrl);
    expect(allText(ask)).toContain('start at 5 per 1m, reach 50 per 1m');
    expect(buttons(ask).map((b) => b.action_id)).toEqual(['flow_confirm', 'flow_cancel']);
  });

  it('refuses a key without a limit, a start above the limit, bad durations, and strangers', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'free', isPaused: true, waitListSize: 10 });
    h.qstash.setKey({ flowControlKey: 'orders', isPaused: true, rateMax: 50 });
    const ask = async (text: string, user = ALLOWED_USER) => {
      const ack = await h.command('/flow', text, { user });
      if (ack.body) return allText(JSON.parse(ack.body));
      return allText(await h.waitForResponse(ack.responseUrl));
    };
    expect(await ask('ramp free')).toContain('no rate or parallelism limit to ramp up to');
    expect(await ask('ramp orders from parallelism=2')).toContain('no parallelism limit to ramp up to');
    expect(await ask('ramp orders from rate=80')).toContain('Start below the key’s rate limit');
    expect(await ask('ramp orders over 5s')).toContain('is not a ramp duration');
    expect(await ask('ramp orders over 2d')).toContain('is not a ramp duration');
    expect(await ask('ramp orders from speed=3')).toContain('is not a starting limit');
    expect(await ask('ramp orders', STRANGER)).toContain('You can’t ramp');
    expect(h.qstash.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  it('only one ramp per key at a time', async () => {
    const h = await harness();
    h.qstash.setKey({
      flowControlKey: 'orders',
      isPaused: true,
      waitListSize: 1000,
      rateMax: 50,
      ratePeriod: 1,
    });
    await startRamp(h, 'ramp orders over 1m');
    const ack = await h.command('/flow', 'ramp orders');
    const ask = await h.waitForResponse(ack.responseUrl);
    const confirm = buttons(ask).find((b) => b.action_id === 'flow_confirm')!;
    const click = await h.click({ actionId: 'flow_confirm', value: confirm.value, isEphemeral: true });
    expect(
      allText(await h.waitForResponse(click.responseUrl, (b) => String(b.text).includes('already'))),
    ).toContain('A ramp is already in progress');
  });

  it('Pause ramp holds the limit, Continue goes on, Finish now restores at once', async () => {
    const h = await harness();
    h.qstash.setKey({
      flowControlKey: 'orders',
      isPaused: true,
      waitListSize: 1000,
      rateMax: 50,
      ratePeriod: 1,
    });
    const { progress } = await startRamp(h, 'ramp orders over 1m');
    const rampId = buttons({ blocks: progress!.blocks }).find((b) => b.action_id === 'flow_ramp_hold')!.value;
    await h.click({ actionId: 'flow_ramp_hold', value: rampId, channelId: CHANNEL, messageTs: progress!.ts });
    await waitForMessage(h, progress!.ts, 'Ramp held');
    const pinsWhenHeld = h.qstash.requests.filter((r) => r.route === 'pin').length;
    await h.click({
      actionId: 'flow_ramp_continue',
      value: rampId,
      channelId: CHANNEL,
      messageTs: progress!.ts,
    });
    await waitForMessage(h, progress!.ts, 'Continued by');
    await h.click({
      actionId: 'flow_ramp_finish',
      value: rampId,
      channelId: CHANNEL,
      messageTs: progress!.ts,
    });
    await waitForMessage(h, progress!.ts, 'Finished early by');
    const made = calls(h.qstash.requests);
    expect(h.qstash.requests.filter((r) => r.route === 'pin').length).toBeGreaterThanOrEqual(
      pinsWhenHeld + 1,
    );
    expect(made.slice(-2)).toEqual(['pin:rate=50&period=1', 'unpin:rate']);
    expect(h.qstash.getKey('orders')).toMatchObject({ isPaused: false, isPinnedRate: false, rateMax: 50 });
    // A control on a finished ramp is refused, privately.
    const late = await h.click({
      actionId: 'flow_ramp_abort',
      value: rampId,
      channelId: CHANNEL,
      messageTs: progress!.ts,
    });
    expect(allText(await h.waitForResponse(late.responseUrl))).toContain('no longer applies');
  });

  it('Abort pauses the key again and restores pinning; strangers can’t press the buttons', async () => {
    const h = await harness();
    h.qstash.setKey({
      flowControlKey: 'orders',
      isPaused: true,
      waitListSize: 1000,
      rateMax: 50,
      ratePeriod: 1,
    });
    const { progress } = await startRamp(h, 'ramp orders over 1m');
    const rampId = buttons({ blocks: progress!.blocks }).find(
      (b) => b.action_id === 'flow_ramp_abort',
    )!.value;
    const refused = await h.click({
      actionId: 'flow_ramp_abort',
      value: rampId,
      userId: STRANGER,
      channelId: CHANNEL,
    });
    expect(allText(await h.waitForResponse(refused.responseUrl))).toContain('You can’t ramp');
    await h.click({
      actionId: 'flow_ramp_abort',
      value: rampId,
      channelId: CHANNEL,
      messageTs: progress!.ts,
    });
    await waitForMessage(h, progress!.ts, 'Ramp aborted');
    expect(h.qstash.getKey('orders')).toMatchObject({ isPaused: true, isPinnedRate: false, rateMax: 50 });
  });

  it('a manual pause during the ramp stops it and says so', async () => {
    const h = await harness();
    h.qstash.setKey({
      flowControlKey: 'orders',
      isPaused: true,
      waitListSize: 1000,
      rateMax: 50,
      ratePeriod: 1,
    });
    const { progress } = await startRamp(h, 'ramp orders over 1m');
    const ack = await h.command('/flow', 'pause orders');
    const ask = await h.waitForResponse(ack.responseUrl);
    const confirm = buttons(ask).find((b) => b.action_id === 'flow_confirm')!;
    await h.click({ actionId: 'flow_confirm', value: confirm.value, isEphemeral: true });
    await waitForMessage(h, progress!.ts, 'Ramp stopped');
    await waitForMessage(h, progress!.ts, 'used pause on the key by hand');
  });

  it('retries a step QStash failed, and carries on', async () => {
    const h = await harness();
    h.qstash.setKey({
      flowControlKey: 'orders',
      isPaused: true,
      waitListSize: 1000,
      rateMax: 50,
      ratePeriod: 1,
    });
    const { progress } = await startRamp(h, 'ramp orders over 10s');
    h.qstash.unavailable(4, { route: 'pin' });
    await waitForMessage(h, progress!.ts, 'failed', 60_000);
    await waitForMessage(h, progress!.ts, 'Ramp finished', 120_000);
    expect(h.qstash.getKey('orders')).toMatchObject({ isPaused: false, isPinnedRate: false });
  }, 240_000);

  it('survives a restart mid-ramp: continues from its step without repeating one', async () => {
    const first = await harness();
    first.qstash.setKey({
      flowControlKey: 'orders',
      isPaused: true,
      waitListSize: 5000,
      rateMax: 50,
      ratePeriod: 1,
    });
    const { progress } = await startRamp(first, 'ramp orders over 20s');
    await first.stopBot();
    const second = await harness({
      dataDir: first.dataDir,
      reuse: { qstash: first.qstash, slack: first.slack },
    });
    await waitForMessage(second, progress!.ts, 'Ramp finished', 120_000);
    const pins = calls(second.qstash.requests).filter((c) => c.startsWith('pin'));
    // Each step's value once, in order; the last one is the key's full limit, then the rate is unpinned.
    expect(pins).toEqual([
      'pin:rate=5&period=1',
      'pin:rate=16&period=1',
      'pin:rate=27&period=1',
      'pin:rate=38&period=1',
      'pin:rate=50&period=1',
    ]);
  }, 240_000);
});
