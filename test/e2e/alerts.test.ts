import { describe, expect, it } from 'vitest';
import { alertmanagerNotification } from '../support/alertmanager.js';
import { ALLOWED_USER, type Harness, harnessPerTest } from '../support/flowbot-harness.js';

const TOKEN = 'alerts-token-0123456789abcdef';
const ALERTS = 'CALERTS01';

const harness = harnessPerTest({ env: { ALERTS_TOKEN: TOKEN, ALERTS_CHANNEL: ALERTS } }, (h) =>
  h.slack.setChannel(ALERTS),
);

async function post(h: Harness, path: string, body: unknown, token: string | null = TOKEN, raw?: string) {
  const response = await fetch(`${h.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
    body: raw ?? JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

describe('POST /alerts', () => {
  it('checks the bearer token: none and wrong are 401, right posts the alert', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true, waitListSize: 12340 });
    expect((await post(h, '/alerts', { key: 'orders-eu' }, null)).status).toBe(401);
    expect((await post(h, '/alerts', { key: 'orders-eu' }, 'wrong-token-0123456789')).status).toBe(401);
    expect((await post(h, '/alerts', { key: 'orders-eu' }, `${TOKEN}x`)).status).toBe(401);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
    const ok = await post(h, '/alerts', {
      key: 'orders-eu',
      title: 'Orders paused',
      severity: 'critical',
      links: [{ text: 'Runbook', url: 'https://runbooks.example.com/orders' }],
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ ok: true, channel: ALERTS, created: true, count: 1, status: 'open' });
    expect(typeof ok.body.ts).toBe('string');
    const message = h.slack.getMessage(ALERTS, ok.body.ts)!;
    const blocks = JSON.stringify(message.blocks);
    expect(blocks).toContain('Orders paused');
    expect(blocks).toContain('12,340 waiting');
    expect(blocks).toContain('"action_id":"flow_resume"');
    expect(blocks).toContain('"action_id":"flow_status"');
    expect(blocks).toContain('<https://runbooks.example.com/orders|Runbook>');
  });

  it('is off (404) without ALERTS_TOKEN', async () => {
    const h = await harness({ env: { ALERTS_TOKEN: '' } });
    expect((await post(h, '/alerts', { key: 'x' })).status).toBe(404);
  });

  it('refuses malformed, invalid and oversized bodies with the field at fault', async () => {
    const h = await harness();
    expect((await post(h, '/alerts', undefined, TOKEN, '{nope')).status).toBe(400);
    const missing = await post(h, '/alerts', { title: 'x' });
    expect(missing).toMatchObject({
      status: 400,
      body: { error: expect.stringContaining('key: is required') },
    });
    const badChannel = await post(h, '/alerts', { key: 'k', channel: '#general' });
    expect(badChannel.body.error).toContain('channel:');
    const badLink = await post(h, '/alerts', {
      key: 'k',
      links: [{ text: 'x', url: 'javascript:alert(1)' }],
    });
    expect(badLink.body.error).toContain('links[0].url');
    const extra = await post(h, '/alerts', { key: 'k', colour: 'red' });
    expect(extra.body.error).toContain('unknown field colour');
    const badKey = await post(h, '/alerts', { key: '..' });
    expect(badKey.body.error).toContain('key:');
    const huge = await post(h, '/alerts', { key: 'k', text: 'x'.repeat(100_000) });
    expect(huge.status).toBe(413);
    const nonObject = await post(h, '/alerts', [1, 2, 3]);
    expect(nonObject.status).toBe(400);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(h.qstash.requests.filter((r) => r.route !== 'get')).toHaveLength(0);
  });

  it('keeps one living message per key: a second alert updates it (count, last seen)', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true });
    const first = await post(h, '/alerts', { key: 'orders-eu' });
    const second = await post(h, '/alerts', { key: 'orders-eu', text: 'still paused' });
    expect(second.body).toMatchObject({ ts: first.body.ts, created: false, count: 2 });
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(1);
    const message = h.slack.getMessage(ALERTS, first.body.ts)!;
    expect(JSON.stringify(message.blocks)).toContain('Seen 2 times');
    expect(JSON.stringify(message.blocks)).toContain('still paused');
  });

  it('deduplicates concurrent deliveries of the same alert into one message', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true });
    h.qstash.latencyMs = 30;
    const results = await Promise.all(
      Array.from({ length: 8 }, () => post(h, '/alerts', { key: 'orders-eu' })),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(new Set(results.map((r) => r.body.ts)).size).toBe(1);
    expect(h.slack.callsTo('chat.postMessage').filter((c) => c.params.thread_ts === undefined)).toHaveLength(
      1,
    );
    expect(Math.max(...results.map((r) => r.body.count))).toBe(8);
  });

  it('resolves the living message; the next firing opens a new one', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true });
    const first = await post(h, '/alerts', { key: 'orders-eu' });
    const resolved = await post(h, '/alerts', { key: 'orders-eu', status: 'resolved' });
    expect(resolved.body).toMatchObject({ ts: first.body.ts, status: 'resolved' });
    const message = h.slack.getMessage(ALERTS, first.body.ts)!;
    expect(JSON.stringify(message.blocks)).toContain('Resolved');
    expect(JSON.stringify(message.blocks)).not.toContain('flow_resume');
    const again = await post(h, '/alerts', { key: 'orders-eu' });
    expect(again.body.created).toBe(true);
    expect(again.body.ts).not.toBe(first.body.ts);
  });

  it('clicking Resume on the alert resumes, updates the message in place and notes it in the thread', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true, waitListSize: 50 });
    const alert = await post(h, '/alerts', { key: 'orders-eu' });
    const message = h.slack.getMessage(ALERTS, alert.body.ts)!;
    const click = await h.click({
      actionId: 'flow_resume',
      value: 'orders-eu',
      channelId: ALERTS,
      messageTs: alert.body.ts,
      blocks: message.blocks as unknown[],
    });
    expect(click.status).toBe(200);
    const update = await h.slack.waitForCall(
      'chat.update',
      (c) => c.params.ts === alert.body.ts && JSON.stringify(c.params.blocks).includes('Resumed by'),
    );
    expect(JSON.stringify(update.params.blocks)).toContain(`<@${ALLOWED_USER}>`);
    expect(JSON.stringify(update.params.blocks)).toContain('delivering');
    expect(JSON.stringify(update.params.blocks)).not.toContain('"flow_resume"');
    await h.slack.waitForCall(
      'chat.postMessage',
      (c) => c.params.thread_ts === alert.body.ts && String(c.params.text).includes('resumed'),
    );
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(false);
  });

  it('rides out Slack rate limits (429 with Retry-After)', async () => {
    const h = await harness();
    h.slack.failMethod('chat.postMessage', { kind: 'ratelimited', retryAfterSeconds: 1 }, 1);
    const result = await post(h, '/alerts', { key: 'orders-eu' });
    expect(result.status).toBe(200);
    expect(h.slack.callsTo('chat.postMessage').length).toBeGreaterThanOrEqual(2);
  });

  it('turns not_in_channel into a clear error for the sender and a log line', async () => {
    const h = await harness();
    h.slack.failMethod('chat.postMessage', { kind: 'error', error: 'not_in_channel' }, 1);
    const result = await post(h, '/alerts', { key: 'orders-eu' });
    expect(result.status).toBe(422);
    expect(result.body).toMatchObject({
      error: 'not_in_channel',
      message: expect.stringContaining('/invite @Flowbot'),
      channel: ALERTS,
      results: [{ ok: false, channel: ALERTS, key: 'orders-eu', error: 'not_in_channel' }],
    });
    expect(h.logs.text).toContain('not_in_channel');
    // Still alive and well.
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });

  it('remembers which message belongs to which key across a restart', async () => {
    const first = await harness();
    first.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true });
    const alert = await post(first, '/alerts', { key: 'orders-eu' });
    await first.stopBot();
    const second = await harness({
      dataDir: first.dataDir,
      reuse: { qstash: first.qstash, slack: first.slack },
    });
    const again = await post(second, '/alerts', { key: 'orders-eu' });
    expect(again.body).toMatchObject({ ts: alert.body.ts, created: false, count: 2 });
  });
});

describe('POST /alerts/alertmanager', () => {
  it('takes Alertmanager’s webhook as is: firing alerts post, resolved ones resolve, others are skipped', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true });
    h.qstash.setKey({ flowControlKey: 'emails', isPaused: true });
    const firing = await post(
      h,
      '/alerts/alertmanager',
      alertmanagerNotification([
        {
          status: 'firing',
          labels: { alertname: 'FlowKeyPaused', flow_control_key: 'orders-eu', severity: 'critical' },
          annotations: { summary: 'orders-eu paused', description: 'Downstream 503s' },
        },
        {
          status: 'firing',
          labels: { alertname: 'FlowKeyPaused', flow_control_key: 'emails', slack_channel: 'COTHERS01' },
        },
        { status: 'firing', labels: { alertname: 'DiskFull' } },
      ]),
    );
    expect(firing.status).toBe(200);
    expect(firing.body.results).toHaveLength(2);
    expect(firing.body.skipped[0]).toContain('DiskFull');
    expect(h.slack.messages('COTHERS01')).toHaveLength(1);
    const orders = h.slack.messages(ALERTS)[0]!;
    expect(JSON.stringify(orders.blocks)).toContain('orders-eu paused');
    expect(JSON.stringify(orders.blocks)).toContain('Downstream 503s');

    const resolved = await post(
      h,
      '/alerts/alertmanager',
      alertmanagerNotification([
        { status: 'resolved', labels: { alertname: 'FlowKeyPaused', flow_control_key: 'orders-eu' } },
      ]),
    );
    expect(resolved.status).toBe(200);
    expect(JSON.stringify(h.slack.getMessage(ALERTS, orders.ts)!.blocks)).toContain('Resolved');
  });

  it('needs the same bearer token', async () => {
    const h = await harness();
    expect(
      (await post(h, '/alerts/alertmanager', alertmanagerNotification([]), 'nope-nope-nope-nope')).status,
    ).toBe(401);
  });

  it('refuses other payload versions and shapes', async () => {
    const h = await harness();
    expect(
      (await post(h, '/alerts/alertmanager', { ...alertmanagerNotification([]), version: '3' })).status,
    ).toBe(400);
    expect((await post(h, '/alerts/alertmanager', { alerts: 'many' })).status).toBe(400);
  });
});

describe('watcher', () => {
  it('raises an alert when a watched key is paused, and updates it when the key recovers', async () => {
    const h = await harness({
      env: { FLOW_WATCH_KEYS: 'orders-*', FLOW_WATCH_INTERVAL: '1s', FLOW_WATCH_WAITLIST: '1000' },
    });
    h.qstash.setKey({ flowControlKey: 'orders-eu', waitListSize: 10 });
    h.qstash.setKey({ flowControlKey: 'other', isPaused: true });
    // Two of the watcher's rounds begun after the keys were set: the first has seen them and ended (rounds
    // never overlap), however long a busy machine makes it take.
    h.qstash.clearRequests();
    const first = await h.qstash.waitForRequest((r) => r.route === 'list', 60_000);
    await h.qstash.waitForRequest((r) => r.route === 'list' && r !== first, 60_000);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);

    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true, waitListSize: 500 });
    const posted = await h.slack.waitForCall(
      'chat.postMessage',
      (c) => String(c.params.text).includes('orders-eu is paused'),
      60_000,
    );
    expect(posted.params.channel).toBe(ALERTS);
    const ts = (posted.response as any).ts as string;

    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: false, waitListSize: 0 });
    await h.slack.waitForCall(
      'chat.update',
      (c) => c.params.ts === ts && JSON.stringify(c.params.blocks).includes('Resolved'),
      60_000,
    );
    // The unwatched key never alerted.
    expect(h.slack.callsTo('chat.postMessage').some((c) => String(c.params.text).includes('other'))).toBe(
      false,
    );
  });

  it('raises an alert when a waitlist passes the threshold', async () => {
    const h = await harness({
      env: { FLOW_WATCH_KEYS: 'emails', FLOW_WATCH_INTERVAL: '1s', FLOW_WATCH_WAITLIST: '100' },
    });
    h.qstash.setKey({ flowControlKey: 'emails', waitListSize: 150 });
    await h.slack.waitForCall(
      'chat.postMessage',
      (c) => String(c.params.text).includes('emails has a backlog'),
      60_000,
    );
  });

  it('backs off when QStash rate-limits the list', async () => {
    const h = await harness({ env: { FLOW_WATCH_KEYS: '*', FLOW_WATCH_INTERVAL: '1s' } });
    h.qstash.rateLimit(100, 1, { route: 'list' });
    await expect
      .poll(() => h.logs.text.includes('watcher could not check QStash'), { timeout: 60_000 })
      .toBe(true);
    const failedAt = Number(
      h.logs.entries().find((entry) => String(entry.msg).includes('watcher could not check QStash'))?.time,
    );
    const lastOfFirstRound = h.qstash.requests
      .filter((r) => r.route === 'list' && r.time <= failedAt)
      .at(-1)!;
    const next = await h.qstash.waitForRequest((r) => r.route === 'list' && r.time > failedAt);
    // Backing off (twice the 1 s interval after a 429) means the next round comes at least 2 s after the last
    // rate-limited one, however late the machine runs it (the watcher and the emulator read the same clock).
    expect(next.time - lastOfFirstRound.time).toBeGreaterThanOrEqual(2_000);
  });
});

describe('alert senders choose where and how much', () => {
  it('posts only into ALERTS_ALLOWED_CHANNELS when it is set: others are refused with 403 naming the field', async () => {
    const h = await harness({ env: { ALERTS_ALLOWED_CHANNELS: `${ALERTS},COTHERS01` } });
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true });
    const refused = await post(h, '/alerts', { key: 'orders-eu', channel: 'CSECRET01' });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatch(/^channel: CSECRET01 .*ALERTS_ALLOWED_CHANNELS/);
    const listed = await post(h, '/alerts', { key: 'orders-eu', channel: 'COTHERS01' });
    expect(listed.status).toBe(200);
    expect(h.slack.messages('CSECRET01')).toHaveLength(0);
    expect(h.slack.messages('COTHERS01')).toHaveLength(1);

    // Alertmanager: the alert for a channel not listed is skipped and said so; the others still act.
    h.qstash.setKey({ flowControlKey: 'emails', isPaused: true });
    const group = await post(
      h,
      '/alerts/alertmanager',
      alertmanagerNotification([
        { status: 'firing', labels: { alertname: 'A', flow_control_key: 'emails' } },
        { status: 'firing', labels: { alertname: 'B', flow_control_key: 'sms', slack_channel: 'CSECRET01' } },
      ]),
    );
    expect(group.status).toBe(200);
    expect(group.body.results).toHaveLength(1);
    expect(group.body.skipped).toEqual([
      expect.stringMatching(/^B: channel: CSECRET01 .*ALERTS_ALLOWED_CHANNELS/),
    ]);
    expect(h.slack.messages('CSECRET01')).toHaveLength(0);
  });

  it('Alertmanager: unusable slack_channel labels are skipped quoting the label, every result names its channel and key, and a partly delivered notification is 200', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'emails', isPaused: true });
    h.slack.setChannel('CTEAMORD01');
    h.slack.setChannel('CNOTMEMBER', { is_member: false });
    const long = `C${'A'.repeat(5000)}`;
    const channels = [
      'CTEAMORD01',
      'CNOTMEMBER',
      '#general',
      'cteamord01',
      'C<!here>',
      ' CTEAMORD01',
      'D0DIRECT1',
      long,
    ];
    const group = await post(
      h,
      '/alerts/alertmanager',
      alertmanagerNotification([
        ...channels.map((channel, index) => ({
          status: 'firing' as const,
          labels: { alertname: `A${index}`, flow_control_key: 'emails', slack_channel: channel },
        })),
        { status: 'firing', labels: { alertname: 'Default', flow_control_key: 'emails' } },
      ]),
    );
    expect(group.status).toBe(200);
    expect(group.body.failed).toBe(1);
    expect(group.body.results).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ok: true, channel: 'CTEAMORD01', key: 'emails', environment: 'default' }),
        expect.objectContaining({ ok: true, channel: ALERTS, key: 'emails' }),
        expect.objectContaining({ ok: false, channel: 'CNOTMEMBER', key: 'emails', error: 'not_in_channel' }),
      ]),
    );
    expect(group.body.results).toHaveLength(3);
    expect(group.body.skipped).toEqual([
      'A2: slack_channel "#general" is not a channel ID (C…)',
      'A3: slack_channel "cteamord01" is not a channel ID (C…)',
      'A4: slack_channel "C<!here>" is not a channel ID (C…)',
      'A5: slack_channel " CTEAMORD01" is not a channel ID (C…)',
      expect.stringMatching(/^A6: channel: D0DIRECT1 is a direct message/),
      `A7: slack_channel "${long.slice(0, 40)}…" is not a channel ID: 5001 characters, Slack's are at most 20`,
    ]);
    expect(JSON.stringify(group.body)).not.toContain('A'.repeat(100));
    expect(JSON.stringify(group.body)).not.toContain('no ALERTS_CHANNEL default');
    // Nothing reached a channel the labels did not name, and only the two usable ones got messages.
    const posted = h.slack.callsTo('chat.postMessage').map((call) => call.params.channel);
    expect(new Set(posted)).toEqual(new Set(['CTEAMORD01', 'CNOTMEMBER', ALERTS]));
    expect(h.slack.messages('CTEAMORD01')).toHaveLength(1);

    // Nothing delivered: 422, naming the channel.
    const none = await post(
      h,
      '/alerts/alertmanager',
      alertmanagerNotification([
        {
          status: 'firing',
          labels: { alertname: 'N', flow_control_key: 'emails', slack_channel: 'CNOTMEMBER' },
        },
      ]),
    );
    expect(none.status).toBe(422);
    expect(none.body).toMatchObject({
      error: 'not_in_channel',
      channel: 'CNOTMEMBER',
      results: [{ ok: false, channel: 'CNOTMEMBER', key: 'emails', error: 'not_in_channel' }],
    });
  });

  it('POST /alerts refuses a channel that is not an ID with 400, quoting it short', async () => {
    const h = await harness();
    for (const channel of ['#general', 'cteamord01', 'C<!here>', ' CALERTS01', `C${'A'.repeat(5000)}`]) {
      const refused = await post(h, '/alerts', { key: 'orders-eu', channel });
      expect(refused.status, channel.slice(0, 20)).toBe(400);
      expect(refused.body.error).toMatch(/^channel: ".{1,41}" is not a channel ID/);
    }
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('refuses direct messages (D…) by default', async () => {
    const h = await harness();
    h.slack.setChannel('D0PRIVATE1', { is_im: true, is_member: true, user: 'USOMEONE1' });
    const refused = await post(h, '/alerts', { key: 'orders-eu', channel: 'D0PRIVATE1' });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toContain('direct message');
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('posts into a direct message that ALERTS_ALLOWED_CHANNELS names', async () => {
    const h = await harness({ env: { ALERTS_ALLOWED_CHANNELS: `${ALERTS},D0PRIVATE1` } });
    h.slack.setChannel('D0PRIVATE1', { is_im: true, is_member: true, user: 'USOMEONE1' });
    expect((await post(h, '/alerts', { key: 'orders-eu', channel: 'D0PRIVATE1' })).status).toBe(200);
  });

  it('acts on at most ALERTS_MAX_KEYS_PER_REQUEST keys of one request and lists the rest', async () => {
    const h = await harness({ env: { ALERTS_MAX_KEYS_PER_REQUEST: '3' } });
    const keys = ['k1', 'k2', 'k3', 'k4', 'k5'];
    for (const key of keys) h.qstash.setKey({ flowControlKey: key, isPaused: true });
    const group = await post(
      h,
      '/alerts/alertmanager',
      alertmanagerNotification([
        ...keys.map((key) => ({
          status: 'firing' as const,
          labels: { alertname: 'P', flow_control_key: key },
        })),
        // A second alert of a key already acted on does not count again.
        { status: 'firing', labels: { alertname: 'Q', flow_control_key: 'k1' } },
      ]),
    );
    expect(group.status).toBe(200);
    expect(h.slack.messages(ALERTS).filter((m) => m.thread_ts === undefined)).toHaveLength(3);
    expect(group.body.skipped).toEqual([
      expect.stringMatching(/^k4: more than 3 keys in one request \(ALERTS_MAX_KEYS_PER_REQUEST\)/),
      expect.stringMatching(/^k5: more than 3 keys/),
    ]);
  });

  it('closes an open alert nobody reported for ALERTS_STALE_AFTER, says so, and opens a new one next time', async () => {
    const h = await harness({ env: { ALERTS_STALE_AFTER: '1s' } });
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true });
    const first = await post(h, '/alerts', { key: 'orders-eu' });
    const update = await h.slack.waitForCall(
      'chat.update',
      (c) => c.params.ts === first.body.ts && JSON.stringify(c.params.blocks).includes('Closed as stale'),
      10_000,
    );
    expect(JSON.stringify(update.params.blocks)).not.toContain('"flow_resume"');
    await h.slack.waitForCall(
      'chat.postMessage',
      (c) => c.params.thread_ts === first.body.ts && String(c.params.text).includes('Closed as stale'),
    );
    // The key itself was not touched.
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(true);
    const again = await post(h, '/alerts', { key: 'orders-eu' });
    expect(again.body).toMatchObject({ created: true, count: 1 });
    expect(again.body.ts).not.toBe(first.body.ts);
  });

  it('never closes as stale what the watcher still sees', async () => {
    const h = await harness({
      env: { ALERTS_STALE_AFTER: '1s', FLOW_WATCH_KEYS: 'watched', FLOW_WATCH_INTERVAL: '1s' },
    });
    h.qstash.setKey({ flowControlKey: 'watched', isPaused: true });
    const watched = await h.slack.waitForCall(
      'chat.postMessage',
      (c) => String(c.params.text).includes('watched is paused'),
      10_000,
    );
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true });
    const other = await post(h, '/alerts', { key: 'orders-eu' });
    // The sender's alert, newer than the watcher's, is closed as stale: the sweep ran over both.
    await h.slack.waitForCall(
      'chat.update',
      (c) => c.params.ts === other.body.ts && JSON.stringify(c.params.blocks).includes('Closed as stale'),
      10_000,
    );
    const ts = (watched.response as any).ts as string;
    expect(JSON.stringify(h.slack.getMessage(ALERTS, ts)!.blocks)).not.toContain('Closed as stale');
  });
});

describe('Alertmanager as it really sends', () => {
  /** A notification as Alertmanager's webhook notifier sends it (notify/webhook `Message`, version 4). */
  const notification = (alerts: unknown[], truncatedAlerts = 0) => ({
    receiver: 'flowbot',
    status: alerts.some((alert) => (alert as { status: string }).status === 'firing') ? 'firing' : 'resolved',
    alerts,
    groupLabels: { team: 'payments' },
    commonLabels: { team: 'payments' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example.com:9093',
    version: '4',
    groupKey: '{}/{team="payments"}:{team="payments"}',
    truncatedAlerts,
  });
  const alert = (
    status: 'firing' | 'resolved',
    labels: Record<string, string>,
    annotations: Record<string, string> = {},
    fingerprint = Math.random().toString(16).slice(2, 18),
  ) => ({
    status,
    labels: { team: 'payments', ...labels },
    annotations,
    startsAt: '2026-11-30T03:00:00.000Z',
    endsAt: status === 'resolved' ? '2026-11-30T03:10:00.000Z' : '0001-01-01T00:00:00Z',
    generatorURL: `http://prometheus.example.com:9090/graph?g0.expr=${labels.alertname ?? 'x'}&g0.tab=1`,
    fingerprint,
  });

  it('combines a key’s alerts per notification: open while any fires, the message lists them', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true });
    h.qstash.setKey({ flowControlKey: 'emails', isPaused: true });
    const opened = await post(
      h,
      '/alerts/alertmanager',
      notification([
        alert('firing', { alertname: 'EmailsPaused', flow_control_key: 'emails' }),
        alert(
          'firing',
          { alertname: 'OrdersErrors', flow_control_key: 'orders-eu', severity: 'warning' },
          {
            summary: 'orders-eu 5xx',
          },
        ),
      ]),
    );
    expect(opened.status).toBe(200);
    const orders = opened.body.results.find((r: any) => r.count === 1 && r.created && r.status === 'open');
    expect(orders).toBeDefined();
    const before = h.slack.callsTo('chat.postMessage').filter((c) => c.params.thread_ts === undefined).length;

    // One notification: for orders-eu one alert resolved and one firing (resolved listed first); emails resolved.
    const mixed = await post(
      h,
      '/alerts/alertmanager',
      notification([
        alert(
          'resolved',
          { alertname: 'OrdersErrors', flow_control_key: 'orders-eu' },
          { summary: 'orders-eu 5xx' },
        ),
        alert(
          'firing',
          { alertname: 'OrdersPaused', flow_control_key: 'orders-eu', severity: 'critical' },
          {
            summary: 'orders-eu paused',
            description: 'Downstream answers 503',
          },
        ),
        alert(
          'firing',
          { alertname: 'OrdersLatency', flow_control_key: 'orders-eu' },
          { summary: 'orders-eu slow' },
        ),
        alert('resolved', { alertname: 'EmailsPaused', flow_control_key: 'emails' }),
      ]),
    );
    expect(mixed.status).toBe(200);
    expect(mixed.body.results).toHaveLength(2);
    const [ordersResult, emailsResult] = mixed.body.results;
    expect(ordersResult).toMatchObject({ status: 'open', created: false });
    expect(emailsResult).toMatchObject({ status: 'resolved' });
    // No second message for either key.
    expect(h.slack.callsTo('chat.postMessage').filter((c) => c.params.thread_ts === undefined)).toHaveLength(
      before,
    );
    const message = JSON.stringify(h.slack.getMessage(ALERTS, ordersResult.ts)!.blocks);
    expect(message).toContain('2 alerts firing');
    expect(message).toContain('orders-eu paused: Downstream answers 503');
    expect(message).toContain('orders-eu slow');
    expect(message).not.toContain('Resolved');
    expect(message).toContain(':red_circle:'); // the most urgent severity of the firing alerts
  });

  it('never refuses a whole notification: thousands of alerts, odd ones skipped and counted, truncatedAlerts reported', async () => {
    const h = await harness();
    for (let i = 0; i < 5; i += 1) h.qstash.setKey({ flowControlKey: `key-${i}`, isPaused: true });
    const unkeyed = Array.from({ length: 1_500 }, (_, i) => alert('firing', { alertname: `Disk${i}` }));
    const keyed = Array.from({ length: 5 }, (_, i) =>
      alert('firing', { alertname: 'FlowKeyPaused', flow_control_key: `key-${i}` }),
    );
    const odd = { ...alert('firing', { alertname: 'Odd', flow_control_key: 'key-0' }), status: 'pending' };
    const result = await post(h, '/alerts/alertmanager', notification([odd, ...unkeyed, ...keyed], 42));
    expect(result.status).toBe(200);
    expect(result.body.results).toHaveLength(5);
    expect(result.body.skippedAlerts).toBe(1_501);
    expect(result.body.truncatedAlerts).toBe(42);
    expect(result.body.skipped).toContain('Disk7: no flow_control_key label');
    expect(result.body.skipped[0]).toMatch(/^alerts\[0\]: status/);
    // The first 100 reasons are listed, the rest counted.
    expect(result.body.skipped).toHaveLength(101);
    expect(result.body.skipped[100]).toBe('…and 1401 more');
    expect(h.slack.messages(ALERTS).filter((m) => m.thread_ts === undefined)).toHaveLength(5);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toContain('flowbot_alerts_dropped_total{reason="skipped"} 1501');
    expect(metrics).toContain('flowbot_alerts_dropped_total{reason="truncated"} 42');
    expect(h.logs.text).toContain('"truncatedAlerts":42');
  });
});
