import { describe, expect, it } from 'vitest';
import { alertMessage } from '../../src/slack/blocks/alert.js';
import {
  ALLOWED_USER,
  allText,
  type Harness,
  harnessPerTest,
  SIGNING_SECRET,
  STRANGER,
} from '../support/flowbot-harness.js';
import { postToSlackEndpoint, slashCommandBody } from '../support/slack-request.js';

const ALERTS_TOKEN = 'alerts-token-0123456789abcdef';
const ALERTS = 'CALERTS01';

/** Flowbot as `npm start` runs it in HTTP mode: Slack's requests received and acknowledged in the front door. */
const harness = harnessPerTest({ frontDoor: true, env: { ALERTS_TOKEN, ALERTS_CHANNEL: ALERTS } }, (h) => {
  h.slack.setChannel(ALERTS);
  h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true, waitListSize: 42 });
});

const audits = (h: Harness) => h.logs.audits();

describe('front door (HTTP mode as started by npm start)', () => {
  it('acknowledges /flow-resume with "Resuming…" and the app resumes the key once and replies', async () => {
    const h = await harness();
    const ack = await h.command('/flow-resume', 'orders-eu');
    expect(ack.status).toBe(200);
    expect(JSON.parse(ack.body)).toMatchObject({ response_type: 'ephemeral' });
    expect(ack.body).toContain('Resuming `orders-eu`');
    const reply = await h.waitForResponse(ack.responseUrl);
    expect(allText(reply)).toContain(`<@${ALLOWED_USER}> resumed orders-eu`);
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(false);
    expect(h.qstash.requests.filter((request) => request.route === 'resume')).toHaveLength(1);
  });

  it('answers help and bad input in the acknowledgement, and the app still records the bad input', async () => {
    const h = await harness();
    const help = await h.command('/flow', 'help');
    expect(help.status).toBe(200);
    expect(allText(JSON.parse(help.body))).toContain('/flow');
    const bad = await h.command('/flow-resume', 'orders eu with spaces');
    expect(bad.status).toBe(200);
    expect(JSON.parse(bad.body).response_type).toBe('ephemeral');
    await expect.poll(() => audits(h).filter((audit) => audit.outcome === 'invalid')).toHaveLength(1);
    expect(h.qstash.requests).toHaveLength(0);
  });

  it('takes a click on an alert: the app resumes and updates the message in place', async () => {
    const h = await harness();
    const alert = alertMessage(
      { target: { environment: 'default', key: 'orders-eu' }, title: 'orders-eu is paused' },
      { environmentCount: 1 },
    );
    const ack = await h.click({
      actionId: 'flow_resume',
      value: 'orders-eu',
      messageTs: '1700000000.000200',
      blocks: alert.blocks,
      message: { text: alert.text },
    });
    expect(ack.status).toBe(200);
    expect(ack.body).toBe('');
    const update = await h.waitForResponse(ack.responseUrl, (body) => body.replace_original === true);
    expect(allText(update)).toContain(`Resumed by <@${ALLOWED_USER}>`);
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(false);
  });

  it('refuses a stranger through the app, as on one thread', async () => {
    const h = await harness();
    const ack = await h.command('/flow-resume', 'orders-eu', { user: STRANGER });
    expect(ack.status).toBe(200);
    const reply = await h.waitForResponse(ack.responseUrl);
    expect(allText(reply)).toContain('You can’t resume');
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(true);
  });

  it('rejects a bad signature at the door: 401, and the app never sees the request', async () => {
    const h = await harness();
    const body = slashCommandBody({ command: '/flow-resume', text: 'orders-eu', user_id: ALLOWED_USER });
    const forged = await postToSlackEndpoint(h.url, 'not-the-signing-secret-0123456', body);
    expect(forged.status).toBe(401);
    const stale = await postToSlackEndpoint(h.url, SIGNING_SECRET, body, {
      timestamp: Math.floor(Date.now() / 1000) - 3_600,
    });
    expect(stale.status).toBe(401);
    // The door's own log lines arrive in the app's log, marked as the front door's, without the secret.
    await expect
      .poll(() => h.logs.entries().filter((entry) => entry.thread === 'front-door').length)
      .toBeGreaterThan(0);
    expect(h.logs.text).not.toContain(SIGNING_SECRET);
    // A request that does get through afterwards is audited; the forged ones never were.
    await h.command('/flow', 'nonsense-subcommand');
    await expect.poll(() => audits(h).length).toBe(1);
    expect(h.qstash.requests).toHaveLength(0);
  });

  it('acknowledges commands it does not know, and hostile command names, without touching QStash', async () => {
    const h = await harness();
    for (const command of ['/other', '__proto__', 'constructor', '/flow\u0000', 'toString']) {
      const body = slashCommandBody({ command, text: 'orders-eu', user_id: ALLOWED_USER });
      const result = await postToSlackEndpoint(h.url, SIGNING_SECRET, body);
      expect(result.status, command).toBe(200);
      expect(result.body, command).toBe('');
    }
    expect(h.qstash.requests).toHaveLength(0);
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(true);
  });

  it('serves the app’s routes on the same port: health, readiness, metrics, alert intake', async () => {
    const h = await harness();
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${h.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toContain('flowbot_');
    expect((await fetch(`${h.url}/nowhere`)).status).toBe(404);
    const unauthorized = await fetch(`${h.url}/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: 'orders-eu' }),
    });
    expect(unauthorized.status).toBe(401);
    const posted = await fetch(`${h.url}/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ALERTS_TOKEN}` },
      body: JSON.stringify({ key: 'orders-eu', title: 'Orders paused' }),
    });
    expect(posted.status).toBe(200);
    expect(await posted.json()).toMatchObject({ channel: ALERTS, created: true });
  });

  it('stops taking requests when Flowbot stops', async () => {
    const h = await harness();
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    await h.stopBot();
    await expect(fetch(`${h.url}/healthz`)).rejects.toThrow();
  });
});
