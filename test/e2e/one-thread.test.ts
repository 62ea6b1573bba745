import { describe, expect, it } from 'vitest';
import { ALLOWED_USER, allText, harnessPerTest, STRANGER } from '../support/flowbot-harness.js';

/**
 * HTTP mode on one thread: Bolt's own HTTP receiver takes, acknowledges and handles Slack's requests (the
 * rest of the suite runs with the front door thread, as `npm start` does).
 */
const harness = harnessPerTest({ frontDoor: false });

describe('HTTP mode on one thread', () => {
  it('acknowledges /flow-resume in the listener, resumes once and replies in the channel', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders', isPaused: true, waitListSize: 3 });
    const ack = await h.command('/flow-resume', 'orders');
    expect(ack.status).toBe(200);
    expect(ack.body).toContain('Resuming `orders`');
    const reply = await h.waitForResponse(ack.responseUrl, (b) => b.response_type === 'in_channel');
    expect(allText(reply)).toContain(`<@${ALLOWED_USER}> resumed`);
    expect(h.qstash.appliedMutations('orders', 'resume')).toBe(1);
    expect(h.logs.entries().some((entry) => entry.thread === 'front-door')).toBe(false);
  });

  it('refuses a stranger privately, and audits it', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders', isPaused: true });
    const ack = await h.command('/flow-resume', 'orders', { user: STRANGER });
    const reply = await h.waitForResponse(ack.responseUrl, (b) => !String(b.text).startsWith(':hourglass'));
    expect(reply.response_type).toBe('ephemeral');
    expect(allText(reply)).toContain('You can’t resume');
    expect(h.logs.audits()).toMatchObject([{ actor: STRANGER, action: 'resume', outcome: 'denied' }]);
  });

  it('stops taking requests when Flowbot stops, after finishing the work in flight', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders', isPaused: true });
    h.qstash.latencyMs = 300;
    const ack = await h.command('/flow-resume', 'orders');
    await h.stopBot();
    expect(
      allText(await h.waitForResponse(ack.responseUrl, (b) => b.response_type === 'in_channel')),
    ).toContain('resumed');
    await expect(fetch(`${h.url}/healthz`)).rejects.toThrow();
  });
});
