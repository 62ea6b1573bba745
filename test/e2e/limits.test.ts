import { describe, expect, it } from 'vitest';
import { harnessPerTest } from '../support/flowbot-harness.js';
import { buttons, confirmed } from '../support/slack-flows.js';

const TOKEN = 'alerts-token-0123456789abcdef';
const ALERTS = 'CALERTS01';
const harness = harnessPerTest({ env: { ALERTS_TOKEN: TOKEN, ALERTS_CHANNEL: ALERTS } }, (h) =>
  h.slack.setChannel(ALERTS),
);

const AMPS = '&'.repeat(256); // 1,280 characters once escaped
const typed = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Texts over Slack's limits only once escaped and joined: the strict fake Slack (Block Kit limits checked on
 * every message, view and response) must accept every message Flowbot sends for them. The harness also fails
 * the test at close if Slack refused anything.
 */
describe('every message fits Slack’s limits after escaping', () => {
  it('an alert with a key of 256 `&`, long texts and many links, and the click on it', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: AMPS, isPaused: true, waitListSize: 123_456_789 });
    const response = await fetch(`${h.url}/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({
        key: AMPS,
        title: '&<'.repeat(250),
        text: '<&>'.repeat(1666),
        links: Array.from({ length: 5 }, (_, i) => ({
          text: '&'.repeat(100),
          url: `https://x.example/${i}?a=<|>`,
        })),
      }),
    });
    expect(response.status).toBe(200);
    const { ts } = (await response.json()) as { ts: string };
    const again = await fetch(`${h.url}/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ key: AMPS, text: '&'.repeat(5000) }),
    });
    expect(again.status).toBe(200);
    const message = h.slack.getMessage(ALERTS, ts)!;
    const resume = buttons(message).find((b) => b.action_id.startsWith('flow_resume'))!;
    await h.click({
      actionId: resume.action_id,
      value: resume.value,
      channelId: ALERTS,
      messageTs: ts,
      blocks: message.blocks as unknown[],
    });
    await expect.poll(() => h.qstash.getKey(AMPS)?.isPaused, { timeout: 15_000 }).toBe(false);
    await h.slack.waitForCall('chat.update', (c) => c.params.ts === ts);
    expect(h.slack.payloadRefusals()).toEqual([]);
  });

  it('commands on keys of 256 `&`: acknowledgement, status, list of many such keys, a long reason', async () => {
    const h = await harness();
    for (let i = 0; i < 60; i++)
      h.qstash.setKey({ flowControlKey: `${'&'.repeat(253)}${String(i).padStart(3, '0')}`, isPaused: true });
    h.qstash.setKey({ flowControlKey: AMPS, isPaused: false, waitListSize: 1 });
    const status = await h.command('/flow', `status ${typed(AMPS)}`);
    await h.waitForResponse(status.responseUrl);
    const list = await h.command('/flow', 'list');
    await h.waitForResponse(list.responseUrl);
    const done = await confirmed(h, typed(`pause ${AMPS} ${'&<>'.repeat(166)}`)); // 498 characters: the longest reason
    expect(done.response_type).toBe('in_channel');
    const resume = await h.command('/flow-resume', typed(AMPS));
    await h.waitForResponse(resume.responseUrl, (b) => b.response_type === 'in_channel');
    expect(h.slack.payloadRefusals()).toEqual([]);
  });
});
