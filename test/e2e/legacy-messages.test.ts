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

const harness = harnessPerTest({}, (h) =>
  h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true, waitListSize: 120 }),
);

/** Another system posts with Flowbot's token (Slack sends clicks to the app that posted the message). */
async function postAsAnotherSystem(h: Harness, message: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${h.slack.apiUrl}chat.postMessage`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${h.slack.botToken}`,
      'content-type': 'application/json; charset=utf-8',
    },
    body: JSON.stringify({ channel: CHANNEL, ...message }),
  });
  const answer = (await response.json()) as { ok: boolean; ts: string; error?: string };
  expect(answer.ok, answer.error).toBe(true);
  h.slack.clearCalls();
  return answer.ts;
}

/** What Alertmanager's Slack receiver posts: one legacy attachment with fields and `actions` (action_config). */
const ALERTMANAGER_MESSAGE = {
  text: '',
  attachments: [
    {
      fallback: '[FIRING:1] FlowKeyPaused orders-eu',
      color: 'danger',
      title: '[FIRING:1] FlowKeyPaused (orders-eu critical)',
      title_link: 'http://alertmanager.example.com/#/alerts?receiver=slack',
      pretext: 'Alert from prod',
      text: '*Summary:* orders-eu is paused\n*Description:* Downstream answers 503',
      fields: [{ title: 'severity', value: 'critical', short: true }],
      footer: 'Alertmanager',
      callback_id: 'alertmanager/flowbot',
      mrkdwn_in: ['fallback', 'pretext', 'text'],
      actions: [
        { type: 'button', name: 'flow_resume', text: 'Resume', value: 'orders-eu', style: 'primary' },
        { type: 'button', text: 'Runbook', url: 'https://runbooks.example.com/orders' },
      ],
    },
  ],
};

describe('a Resume click on a message made of legacy attachments', () => {
  it('keeps what the sender wrote (blocks inside an attachment, old-style fields) and removes only Flowbot’s button', async () => {
    const h = await harness();
    const ts = await postAsAnotherSystem(h, {
      text: 'orders-eu is paused',
      attachments: [
        {
          color: '#d00000',
          fallback: 'orders-eu is paused',
          blocks: [
            { type: 'section', text: { type: 'mrkdwn', text: '*orders-eu* paused by the circuit breaker' } },
            {
              type: 'actions',
              elements: [
                {
                  type: 'button',
                  action_id: 'flow_resume',
                  text: { type: 'plain_text', text: 'Resume' },
                  value: 'orders-eu',
                },
                {
                  type: 'button',
                  action_id: 'open_dashboard',
                  text: { type: 'plain_text', text: 'Dashboard' },
                  url: 'https://grafana.example.com/d/1',
                },
              ],
            },
          ],
        },
        {
          fallback: 'details',
          fields: [{ title: 'Region', value: 'eu-west-1', short: true }],
          text: 'Old-style text',
        },
      ],
    });
    const message = h.slack.getMessage(CHANNEL, ts)!;
    const ack = await h.click({
      actionId: 'flow_resume',
      value: 'orders-eu',
      messageTs: ts,
      responseUrl: h.slack.responseUrl({ channel: CHANNEL, user: ALLOWED_USER, ts }),
      message: { ...message },
    });
    expect(ack.status).toBe(200);
    await h.waitForResponse(ack.responseUrl, (body) => body.replace_original === true);
    const shown = h.slack.getMessage(CHANNEL, ts)!;
    const all = JSON.stringify(shown);
    expect(all).toContain(`Resumed by <@${ALLOWED_USER}>`);
    expect(all).toContain('paused by the circuit breaker');
    expect(all).toContain('open_dashboard');
    expect(all).toContain('eu-west-1');
    expect(all).toContain('Old-style text');
    expect(all).toContain('#d00000');
    expect(all).not.toContain('"flow_resume"');
    expect(shown.attachments).toHaveLength(2);
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(false);
  });
});

describe('legacy interactive buttons (interactive_message), as Alertmanager’s Slack receiver posts them', () => {
  for (const frontDoor of [true, false]) {
    it(`resumes the key and rebuilds the message in place through the response_url (${frontDoor ? 'front door' : 'one thread'})`, async () => {
      const h = await harness({ frontDoor });
      const ts = await postAsAnotherSystem(h, ALERTMANAGER_MESSAGE);
      const ack = await h.legacyClick({
        name: 'flow_resume',
        value: 'orders-eu',
        callbackId: 'alertmanager/flowbot',
        messageTs: ts,
        originalMessage: h.slack.getMessage(CHANNEL, ts) as unknown as Record<string, unknown>,
      });
      expect(ack.status).toBe(200);
      // Acknowledged without a body: Slack leaves the message as it is until the response_url replaces it.
      expect(ack.body).toBe('');
      const update = await h.waitForResponse(ack.responseUrl, (body) => body.replace_original === true);
      expect(update.response_type).toBe('in_channel');
      const shown = h.slack.getMessage(CHANNEL, ts)!;
      const all = JSON.stringify(shown);
      expect(all).toContain(`Resumed by <@${ALLOWED_USER}>`);
      expect(all).toContain('120 waiting messages released');
      expect(all).toContain('[FIRING:1] FlowKeyPaused (orders-eu critical)');
      expect(all).toContain('Downstream answers 503');
      expect(all).toContain('https://runbooks.example.com/orders');
      expect(all).toContain('alertmanager/flowbot');
      expect(all).not.toContain('"flow_resume"');
      expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(false);
      const audit = h.logs.audits().find((event) => event.action === 'resume');
      expect(audit).toMatchObject({ actor: ALLOWED_USER, source: 'button', outcome: 'done' });
    });
  }

  it('authorizes the clicker again: a stranger is refused privately and nothing changes', async () => {
    const h = await harness();
    const ts = await postAsAnotherSystem(h, ALERTMANAGER_MESSAGE);
    const ack = await h.legacyClick({
      name: 'flow_resume',
      value: 'orders-eu',
      userId: STRANGER,
      messageTs: ts,
      originalMessage: h.slack.getMessage(CHANNEL, ts) as unknown as Record<string, unknown>,
    });
    const reply = await h.waitForResponse(ack.responseUrl);
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.replace_original).toBe(false);
    expect(allText(reply)).toContain('You can’t resume');
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(true);
    expect(h.qstash.requests.filter((r) => r.route === 'resume')).toHaveLength(0);
    expect(JSON.stringify(h.slack.getMessage(CHANNEL, ts))).toContain('"flow_resume"');
  });

  it('acts once for a double click, and updates once', async () => {
    const h = await harness();
    h.qstash.latencyMs = 150;
    const ts = await postAsAnotherSystem(h, ALERTMANAGER_MESSAGE);
    const originalMessage = h.slack.getMessage(CHANNEL, ts) as unknown as Record<string, unknown>;
    const responseUrl = h.slack.responseUrl({ channel: CHANNEL, user: ALLOWED_USER, ts });
    await Promise.all([
      h.legacyClick({ name: 'flow_resume', value: 'orders-eu', messageTs: ts, originalMessage, responseUrl }),
      h.legacyClick({
        name: 'flow_resume',
        value: 'orders-eu',
        messageTs: ts,
        originalMessage,
        responseUrl,
        userId: GROUP_MEMBER,
      }),
    ]);
    await h.waitForResponse(responseUrl, (body) => body.replace_original === true);
    await h.waitForResponse(responseUrl, (body) => String(body.text).includes('already asked'));
    expect(h.qstash.requests.filter((r) => r.route === 'resume')).toHaveLength(1);
    expect(h.slack.responses(responseUrl).filter((post) => post.body.replace_original === true)).toHaveLength(
      1,
    );
  });

  it('answers a bad value privately, says other flow_ names did nothing, and only acknowledges the rest', async () => {
    const h = await harness();
    const bad = await h.legacyClick({ name: 'flow_resume', value: '..' });
    expect(allText(await h.waitForResponse(bad.responseUrl))).toMatch(/key/i);
    const unknown = await h.legacyClick({ name: 'flow_explode', value: 'orders-eu' });
    expect(allText(await h.waitForResponse(unknown.responseUrl))).toContain('did nothing');
    const foreign = await h.legacyClick({ name: 'ack_alert', value: 'x' });
    expect(foreign.status).toBe(200);
    // Work on a click is done after its acknowledgement: wait for the one above, then check nothing came.
    const marker = await h.legacyClick({ name: 'flow_other', value: 'x' });
    await h.waitForResponse(marker.responseUrl);
    expect(h.slack.responses(foreign.responseUrl)).toHaveLength(0);
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(true);
  });
});
