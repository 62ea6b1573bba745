import { describe, expect, it } from 'vitest';
import { alertMessage } from '../../src/slack/blocks/alert.js';
import { ALLOWED_USER, GROUP_MEMBER, type Harness, harnessPerTest } from '../support/flowbot-harness.js';
import { buttons } from '../support/slack-flows.js';

const TOKEN = 'alerts-token-0123456789abcdef';
const ALERTS = 'CALERTS01';

const harness = harnessPerTest({ env: { ALERTS_TOKEN: TOKEN, ALERTS_CHANNEL: ALERTS } }, (h) =>
  h.slack.setChannel(ALERTS),
);

async function fire(h: Harness, key: string): Promise<string> {
  const response = await fetch(`${h.url}/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ key }),
  });
  expect(response.status).toBe(200);
  return String(((await response.json()) as { ts: string }).ts);
}

/** A click on the message as Slack shows it now (its current blocks), as a person would make it. */
function clickResume(h: Harness, ts: string, user = ALLOWED_USER, actionTs?: string) {
  const message = h.slack.getMessage(ALERTS, ts)!;
  const resume = buttons(message).find((b) => b.action_id.startsWith('flow_resume'));
  expect(resume, 'the message shows a Resume button').toBeDefined();
  return h.click({
    actionId: resume!.action_id,
    value: resume!.value,
    userId: user,
    channelId: ALERTS,
    messageTs: ts,
    blocks: message.blocks as unknown[],
    ...(actionTs ? { actionTs } : {}),
  });
}

const resumes = (h: Harness) => h.qstash.requests.filter((r) => r.route === 'resume').length;

describe('click records never outlive their meaning', () => {
  it('a living alert’s Resume works again once the key is paused again and the alert fires again', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true, waitListSize: 50 });
    const ts = await fire(h, 'orders-eu');
    await clickResume(h, ts);
    await expect.poll(() => h.qstash.getKey('orders-eu')?.isPaused, { timeout: 15_000 }).toBe(false);

    // Paused again (in the console, say), and the alert fires again into the same living message.
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true, waitListSize: 70 });
    expect(await fire(h, 'orders-eu')).toBe(ts);
    await expect
      .poll(
        () => buttons(h.slack.getMessage(ALERTS, ts)).some((b) => b.action_id.startsWith('flow_resume')),
        {
          timeout: 15_000,
        },
      )
      .toBe(true);
    const again = await clickResume(h, ts);
    expect(again.status).toBe(200);
    await expect.poll(() => h.qstash.getKey('orders-eu')?.isPaused, { timeout: 15_000 }).toBe(false);
    expect(resumes(h)).toBe(2);
    expect(h.logs.audits().filter((a) => a.action === 'resume' && a.outcome === 'duplicate')).toHaveLength(0);
  });

  it('the same click delivered twice (a retry) and two people on the same message act once', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true, waitListSize: 5 });
    h.qstash.latencyMs = 100;
    const ts = await fire(h, 'orders-eu');
    const clicks = await Promise.all([
      clickResume(h, ts, ALLOWED_USER, '1700000001.000001'),
      clickResume(h, ts, ALLOWED_USER, '1700000001.000001'),
      clickResume(h, ts, GROUP_MEMBER, '1700000001.000002'),
    ]);
    expect(clicks.every((c) => c.status === 200)).toBe(true);
    await expect
      .poll(() => h.logs.audits().filter((a) => a.action === 'resume').length, { timeout: 15_000 })
      .toBe(3);
    expect(resumes(h)).toBe(1);
    expect(h.logs.audits().filter((a) => a.action === 'resume' && a.outcome === 'duplicate')).toHaveLength(2);
  });

  it('a private status card’s Resume works again after the key is paused again', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true, waitListSize: 5 });
    const click = () =>
      h.click({
        actionId: 'flow_resume',
        value: 'orders-eu',
        isEphemeral: true,
        messageTs: '1700000000.000900',
      });
    const first = await click();
    await h.waitForResponse(first.responseUrl, (b) => b.response_type === 'in_channel');
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true, waitListSize: 5 });
    const second = await click();
    await h.waitForResponse(second.responseUrl, (b) => b.response_type === 'in_channel');
    expect(resumes(h)).toBe(2);
  });

  it('a Resume on another system’s message, re-posted in place by its sender, works again', async () => {
    const h = await harness();
    const alert = alertMessage(
      { target: { environment: 'default', key: 'orders-eu' }, title: 'orders-eu is paused' },
      { environmentCount: 1 },
    );
    const click = (title: string) =>
      h.click({
        actionId: 'flow_resume',
        value: 'orders-eu',
        messageTs: '1700000000.000200',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: title } }, ...alert.blocks.slice(1)],
      });
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true });
    const first = await click('paused since 03:00');
    await h.waitForResponse(first.responseUrl, (b) => b.replace_original === true);
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true });
    const second = await click('paused again since 03:20');
    await h.waitForResponse(second.responseUrl, (b) => b.replace_original === true);
    expect(resumes(h)).toBe(2);
  });
});
