import { describe, expect, it, vi } from 'vitest';
import { ALLOWED_USER, allText, type Harness, harnessPerTest } from '../support/flowbot-harness.js';

const TOKEN = 'alerts-token-0123456789abcdef';
const ALERTS = 'CSTORM001';
/** Generous: the channel's pace is one new message a second, and the machine may be busy. */
const STORM_WAIT = { timeout: 180_000, interval: 250 };

const harness = harnessPerTest(
  { env: { ALERTS_TOKEN: TOKEN, ALERTS_CHANNEL: ALERTS }, slack: { rateLimits: true } },
  (h) => h.slack.setChannel(ALERTS),
);

async function post(h: Harness, body: unknown) {
  const response = await fetch(`${h.url}/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const keysOf = (count: number) =>
  Array.from({ length: count }, (_, i) => `storm-${String(i).padStart(3, '0')}`);

function topLevel(h: Harness) {
  return h.slack.messages(ALERTS).filter((message) => message.thread_ts === undefined);
}

/** The keys the channel shows (in living alerts and the roll-up), as a person reading it sees them. */
function visibleKeys(h: Harness, keys: readonly string[]): string[] {
  const text = topLevel(h)
    .map((message) => allText(message))
    .join('\n');
  return keys.filter((key) => new RegExp(`\\b${key}\\b`).test(text));
}

function rollupOf(h: Harness) {
  return topLevel(h).find((message) => JSON.stringify(message.blocks).includes('flow_alert_rollup_head'));
}

/** The value of the first button with this action_id (and label) in the blocks. */
function buttonValue(blocks: unknown, actionId: string, label?: string): string {
  const buttons = (blocks as { elements?: unknown[]; accessory?: unknown }[]).flatMap((block) => [
    ...(block.elements ?? []),
    ...(block.accessory ? [block.accessory] : []),
  ]) as { action_id?: string; value?: string; text?: { text?: string } }[];
  const found = buttons.find(
    (b) => b.action_id === actionId && (label === undefined || b.text?.text === label),
  );
  expect(found).toBeDefined();
  return found!.value!;
}

async function storm(h: Harness, keys: readonly string[]) {
  for (const key of keys) h.qstash.setKey({ flowControlKey: key, isPaused: true, waitListSize: 40 });
  return Promise.all(keys.map((key) => post(h, { key, title: `${key} paused`, severity: 'critical' })));
}

describe('alert storms under Slack’s rate limits', () => {
  it('a 60-key storm into one channel: every key visible, none lost, Slack’s limits never hit', async () => {
    const h = await harness();
    const keys = keysOf(60);
    const answers = await storm(h, keys);
    // Nothing refused: each alert was taken (200 once it reached Slack, 202 once it was durably queued).
    for (const answer of answers) expect([200, 202]).toContain(answer.status);
    await vi.waitFor(() => expect(visibleKeys(h, keys)).toHaveLength(60), STORM_WAIT);
    // The first ALERTS_ROLLUP_AFTER (5) keys got a living message each; the others share one roll-up.
    expect(topLevel(h)).toHaveLength(6);
    const rollup = rollupOf(h)!;
    expect(allText(rollup)).toContain('55 keys alerting in this channel');
    // Counted in the fake Slack: no call was refused with 429, and no more messages than the storm needs.
    expect(h.slack.ratelimited()).toBe(0);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(6);
    // Updates of the roll-up are coalesced: far fewer than one per alert.
    expect(h.slack.callsTo('chat.update').length).toBeLessThan(55);
    const delivered = answers.filter((answer) => answer.status === 200);
    for (const answer of delivered) expect(answer.body).toMatchObject({ ok: true, channel: ALERTS });
    expect(delivered.filter((answer) => answer.body.rollup === true).length).toBeLessThanOrEqual(55);
  });

  it('single alerts and the first keys of a window keep their own living message', async () => {
    const h = await harness();
    const keys = keysOf(5);
    for (const key of keys) h.qstash.setKey({ flowControlKey: key, isPaused: true });
    for (const key of keys) expect((await post(h, { key })).body).toMatchObject({ created: true });
    expect(topLevel(h)).toHaveLength(5);
    expect(rollupOf(h)).toBeUndefined();
  });

  it('a Resume click on a roll-up row goes through the pipeline once, and the row shows it', async () => {
    const h = await harness({ env: { ALERTS_ROLLUP_AFTER: '1' } });
    const keys = keysOf(4);
    await storm(h, keys);
    await vi.waitFor(() => expect(visibleKeys(h, keys)).toHaveLength(4), STORM_WAIT);
    const rollup = rollupOf(h)!;
    const click = () =>
      h.click({
        actionId: 'flow_resume',
        value: 'storm-002',
        channelId: ALERTS,
        messageTs: rollup.ts,
        blocks: rollup.blocks as unknown[],
      });
    const [first, second] = await Promise.all([click(), click()]);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    await vi.waitFor(() => {
      const now = h.slack.getMessage(ALERTS, rollup.ts)!;
      expect(allText(now)).toContain(`resumed by <@${ALLOWED_USER}>`);
    }, STORM_WAIT);
    expect(h.qstash.getKey('storm-002')?.isPaused).toBe(false);
    expect(h.qstash.appliedMutations('storm-002', 'resume')).toBe(1);
    // The other keys are untouched and still offer Resume.
    expect(h.qstash.getKey('storm-001')?.isPaused).toBe(true);
    // A stranger is refused and nothing changes.
    const stranger = await h.click({
      actionId: 'flow_resume',
      value: 'storm-003',
      channelId: ALERTS,
      messageTs: rollup.ts,
      blocks: rollup.blocks as unknown[],
      userId: 'USTRANGER1',
    });
    expect(allText(await h.waitForResponse(stranger.responseUrl))).toContain('You can’t resume `storm-003`');
    expect(h.qstash.appliedMutations('storm-003', 'resume')).toBe(0);
  });

  it('resolved alerts update their roll-up row in place', async () => {
    const h = await harness({ env: { ALERTS_ROLLUP_AFTER: '1' } });
    const keys = keysOf(3);
    await storm(h, keys);
    await vi.waitFor(() => expect(visibleKeys(h, keys)).toHaveLength(3), STORM_WAIT);
    const resolved = await post(h, { key: 'storm-001', status: 'resolved' });
    expect(resolved.body).toMatchObject({ status: 'resolved', rollup: true });
    const rollup = rollupOf(h)!;
    await vi.waitFor(
      () => expect(allText(h.slack.getMessage(ALERTS, rollup.ts))).toContain('1 open · 1 resolved'),
      STORM_WAIT,
    );
    expect(topLevel(h)).toHaveLength(2);
  });

  it('"Show all" lists every key privately, a page at a time, each with its Resume button', async () => {
    const h = await harness({ env: { ALERTS_ROLLUP_AFTER: '1' } });
    const keys = keysOf(25);
    await storm(h, keys);
    await vi.waitFor(() => expect(allText(rollupOf(h))).toContain('24 keys alerting'), STORM_WAIT);
    const rollup = rollupOf(h)!;
    const value = buttonValue(rollup.blocks, 'flow_rollup_list');
    const first = await h.click({
      actionId: 'flow_rollup_list',
      value,
      channelId: ALERTS,
      messageTs: rollup.ts,
    });
    const page1 = await h.slack.waitForResponse(first.responseUrl);
    expect(page1.response_type ?? 'ephemeral').toBe('ephemeral');
    expect(allText(page1)).toContain('page 1 of 2');
    expect((allText(page1).match(/"flow_resume"/g) ?? []).length).toBe(15);
    const second = await h.click({
      actionId: 'flow_rollup_list',
      value: buttonValue(page1.blocks, 'flow_rollup_list', 'Next'),
      channelId: ALERTS,
      isEphemeral: true,
    });
    const page2 = await h.slack.waitForResponse(second.responseUrl);
    expect(allText(page2)).toContain('page 2 of 2');
    expect(page2.replace_original).toBe(true);
    // Every key is on one of the pages.
    for (const key of keys.slice(1)) expect(`${allText(page1)}${allText(page2)}`).toContain(key);
    // A forged value is answered privately, and nothing else happens.
    const bad = await h.click({ actionId: 'flow_rollup_list', value: '{"ts":"x"}', channelId: ALERTS });
    expect(allText(await h.slack.waitForResponse(bad.responseUrl))).toContain('no usable list');
  });

  it('Slack unavailable: 202 once queued, and the next process posts every alert after a restart', async () => {
    const first = await harness();
    const keys = keysOf(12);
    first.slack.failMethod('chat.postMessage', { kind: 'error', error: 'fatal_error' }, 10_000);
    const answers = await storm(first, keys);
    for (const answer of answers) {
      expect(answer.status).toBe(202);
      expect(answer.body).toMatchObject({ ok: true, queued: 1, channels: [ALERTS] });
    }
    expect(topLevel(first)).toHaveLength(0);
    await first.stopBot();
    first.slack.clearFaults();
    const second = await harness({
      dataDir: first.dataDir,
      reuse: { qstash: first.qstash, slack: first.slack },
    });
    await vi.waitFor(() => expect(visibleKeys(second, keys)).toHaveLength(12), STORM_WAIT);
    expect(topLevel(second)).toHaveLength(6);
    expect(second.slack.ratelimited()).toBe(0);
  });
});
