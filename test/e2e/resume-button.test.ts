import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertMessage } from '../../src/slack/blocks/alert.js';
import {
  ALLOWED_USER,
  allText,
  GROUP_MEMBER,
  type Harness,
  STRANGER,
  startHarness,
} from '../support/flowbot-harness.js';

describe('Resume button on an alert', () => {
  let h: Harness;
  const alert = alertMessage(
    {
      target: { environment: 'default', key: 'orders-eu' },
      title: 'orders-eu is paused',
      text: 'Downstream recovered?',
    },
    { environmentCount: 1 },
  );
  beforeEach(async () => {
    h = await startHarness();
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true, waitListSize: 12340 });
  });
  afterEach(async () => {
    await h.close();
  });

  const click = (user = ALLOWED_USER, responseUrl?: string) =>
    h.click({
      actionId: 'flow_resume',
      value: 'orders-eu',
      userId: user,
      messageTs: '1700000000.000200',
      blocks: alert.blocks,
      message: { text: alert.text },
      ...(responseUrl ? { responseUrl } : {}),
    });

  it('resumes and updates the alert in place: who, when, state, and no Resume button left', async () => {
    const ack = await click();
    expect(ack.status).toBe(200);
    const update = await h.waitForResponse(ack.responseUrl, (body) => body.replace_original === true);
    const text = allText(update);
    expect(text).toContain(`Resumed by <@${ALLOWED_USER}>`);
    expect(text).toContain('<!date^');
    expect(text).toContain('12,340 waiting messages released');
    expect(text).toContain('orders-eu is paused'); // the sender's own text stays
    expect(text).not.toContain('flow_resume');
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(false);
  });

  it('refuses a stranger privately and leaves the alert as it was', async () => {
    const ack = await click(STRANGER);
    const reply = await h.waitForResponse(ack.responseUrl);
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.replace_original).toBe(false);
    expect(allText(reply)).toContain('You can’t resume');
    expect(h.qstash.requests).toHaveLength(0);
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(true);
  });

  it('turns a double click into one resume call and one update', async () => {
    h.qstash.latencyMs = 150;
    const responseUrl = h.slack.responseUrl();
    const [first, second] = await Promise.all([
      click(ALLOWED_USER, responseUrl),
      click(GROUP_MEMBER, responseUrl),
    ]);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    await h.waitForResponse(responseUrl, (body) => body.replace_original === true);
    await h.waitForResponse(responseUrl, (body) => String(body.text).includes('already asked'));
    expect(h.qstash.requests.filter((r) => r.route === 'resume')).toHaveLength(1);
    expect(h.slack.responses(responseUrl).filter((post) => post.body.replace_original === true)).toHaveLength(
      1,
    );
  });

  it('lets a later click try again after a failed attempt', async () => {
    h.qstash.inject({ kind: 'status', status: 401, body: { error: 'nope' }, times: 1 });
    const ack = await click();
    const failed = await h.waitForResponse(ack.responseUrl);
    expect(allText(failed)).toContain('token');
    const retry = await click();
    const update = await h.waitForResponse(retry.responseUrl, (body) => body.replace_original === true);
    expect(allText(update)).toContain('Resumed by');
  });

  it('answers a button carrying a hostile value with a private message and no QStash call', async () => {
    for (const value of ['', '..', 'x'.repeat(3000), 'a\u0000b']) {
      const ack = await h.click({ actionId: 'flow_resume', value, messageTs: '1700000000.000300' });
      const reply = await h.waitForResponse(ack.responseUrl);
      expect(reply.response_type).toBe('ephemeral');
      expect(allText(reply)).toContain('no usable key');
    }
    expect(h.qstash.requests).toHaveLength(0);
  });

  it('works on a plain button another system put on its own message', async () => {
    const ack = await h.click({
      actionId: 'flow_resume',
      value: 'orders-eu',
      messageTs: '1700000000.000400',
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: 'Grafana: orders-eu paused' } },
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              action_id: 'flow_resume',
              value: 'orders-eu',
              text: { type: 'plain_text', text: 'Resume' },
            },
            {
              type: 'button',
              action_id: 'open_dashboard',
              url: 'https://grafana.example.com',
              text: { type: 'plain_text', text: 'Dashboard' },
            },
          ],
        },
      ],
    });
    const update = await h.waitForResponse(ack.responseUrl, (body) => body.replace_original === true);
    expect(allText(update)).toContain('Grafana: orders-eu paused');
    expect(allText(update)).toContain('open_dashboard');
    expect(allText(update)).not.toContain('"flow_resume"');
  });
});

describe('secrets', () => {
  it('never appear in logs or in anything sent to Slack, whatever happens', async () => {
    const h = await startHarness();
    try {
      h.qstash.setKey({ flowControlKey: 'k1', isPaused: true });
      const steps = [
        () => h.command('/flow-resume', 'k1'),
        () => h.command('/flow-resume', 'k1', { user: 'USTRANGER' }),
        () => h.command('/flow-resume', 'missing'),
        () => h.command('/flow-resume', ''),
      ];
      for (const step of steps) {
        const ack = await step();
        if (!ack.body)
          await h.waitForResponse(ack.responseUrl, (body) => !String(body.text).startsWith(':hourglass'));
      }
      h.qstash.inject({ kind: 'status', status: 401, body: { error: 'bad token' }, times: 10 });
      const ack = await h.command('/flow-resume', 'k1');
      await h.waitForResponse(ack.responseUrl, (body) => !String(body.text).startsWith(':hourglass'));
      h.qstash.inject({ kind: 'drop', times: 10 });
      const ack2 = await h.command('/flow-resume', 'k1');
      await h.waitForResponse(ack2.responseUrl, (body) => !String(body.text).startsWith(':hourglass'));

      expect(h.secrets.length).toBeGreaterThanOrEqual(3);
      // The Web API client authenticates with the bot token (that is Slack's own door); nothing else may carry a secret.
      const replies = h.slack
        .responses()
        .map((post) => post.rawBody)
        .join('\n');
      const apiParams = JSON.stringify(h.slack.calls.map(({ params: { token: _token, ...rest } }) => rest));
      expect(replies.length).toBeGreaterThan(100);
      for (const secret of h.secrets) {
        expect(h.logs.text).not.toContain(secret);
        expect(replies).not.toContain(secret);
        expect(apiParams).not.toContain(secret);
      }
      expect(h.logs.lines.length).toBeGreaterThan(5);
    } finally {
      await h.close();
    }
  });
});
