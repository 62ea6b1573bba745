import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ALLOWED_USER, allText, CHANNEL, harnessPerTest } from '../support/flowbot-harness.js';

const harness = harnessPerTest();

describe('GET /metrics', () => {
  it('counts actions by outcome, QStash latency and errors, Slack errors, in-flight work', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders', isPaused: true });
    const done = await h.command('/flow-resume', 'orders');
    await h.waitForResponse(done.responseUrl, (b) => b.response_type === 'in_channel');
    const denied = await h.command('/flow-resume', 'orders', { user: 'USTRANGER' });
    await h.waitForResponse(denied.responseUrl);
    h.qstash.inject({ kind: 'status', status: 404, body: { error: 'not found' }, times: 1 });
    const failed = await h.command('/flow-resume', 'ghost');
    await h.waitForResponse(failed.responseUrl, (b) => String(b.text).includes('Couldn'));
    const response = await fetch(`${h.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(/flowbot_actions_total\{action="resume",outcome="done",source="command"\} 1/);
    expect(text).toMatch(/flowbot_actions_total\{action="resume",outcome="denied",source="command"\} 1/);
    expect(text).toMatch(/flowbot_actions_total\{action="resume",outcome="failed",source="command"\} 1/);
    expect(text).toMatch(
      /flowbot_qstash_request_duration_seconds_count\{operation="resume",status="200"\} 1/,
    );
    expect(text).toMatch(/flowbot_qstash_errors_total\{operation="get",status="404"\} 1/);
    expect(text).toContain('flowbot_inflight_work');
    expect(text).toContain('flowbot_process_resident_memory_bytes');
    for (const secret of h.secrets) expect(text).not.toContain(secret);
  });
});

describe('GET /readyz', () => {
  it('is ready when Slack, QStash and the store are', async () => {
    const h = await harness();
    const response = await fetch(`${h.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ready',
      checks: { slack: 'ok', store: 'ok', 'qstash:default': 'ok' },
    });
  });

  it('is not ready when QStash rejects the token, and says which check failed', async () => {
    const h = await harness({
      env: { QSTASH_TOKEN: 'not-the-right-token-000' },
      emulator: { token: 'the-right-token-000000' },
    });
    const response = await fetch(`${h.url}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      status: 'not_ready',
      checks: { 'qstash:default': 'token rejected' },
    });
    expect(h.logs.entries()).toContainEqual(
      expect.objectContaining({ level: 40, check: 'qstash:default', status: 'token rejected' }),
    );
  });

  it('starts without QStash: warns, is not ready, and what needs QStash says it can’t be reached', async () => {
    // A port nothing listens on: every connection to "QStash" is refused.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const h = await harness({ env: { QSTASH_URL: `http://127.0.0.1:${port}` } });
    expect(h.logs.entries()).toContainEqual(
      expect.objectContaining({
        level: 40,
        check: 'qstash:default',
        status: 'unavailable',
        msg: expect.stringContaining('/readyz answers 503 until it does'),
      }),
    );
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${h.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ checks: { slack: 'ok', 'qstash:default': 'unavailable' } });
    const ack = await h.command('/flow', 'status orders');
    const reply = await h.waitForResponse(ack.responseUrl);
    expect(allText(reply)).toMatch(/QStash/);
  });
});

describe('per-user rate limit of changes', () => {
  it('refuses changes past the limit with a clear private message', async () => {
    const h = await harness({ env: { FLOW_RATE_LIMIT: '2/1h' } });
    h.qstash.setKey({ flowControlKey: 'orders', isPaused: true });
    const before = Date.now();
    for (let i = 0; i < 2; i++) {
      const ack = await h.command('/flow-resume', 'orders');
      await h.waitForResponse(ack.responseUrl, (b) => b.response_type === 'in_channel');
    }
    const third = await h.command('/flow-resume', 'orders');
    const reply = await h.waitForResponse(third.responseUrl, (b) => !String(b.text).startsWith(':hourglass'));
    expect(reply.response_type).toBe('ephemeral');
    const told =
      /made 2 changes within 1h, and Flowbot allows one person 2 changes within 1h \(FLOW_RATE_LIMIT\)\. Try again in (\d+) minutes\./.exec(
        allText(reply),
      );
    expect(told).not.toBeNull();
    // An hour after the first change (counted up to one 1/128 of the window late), less the time since it,
    // which a busy machine makes longer: rounded up to minutes.
    const sinceFirst = Date.now() - before;
    expect(Number(told?.[1])).toBeGreaterThanOrEqual(Math.ceil((3_600_000 - sinceFirst) / 60_000));
    expect(Number(told?.[1])).toBeLessThanOrEqual(61);
    expect(h.qstash.appliedMutations('orders', 'resume')).toBe(2);
    // Reads are not limited.
    const status = await h.command('/flow', 'status orders');
    expect(allText(await h.waitForResponse(status.responseUrl))).toContain('delivering');
  });
});

describe('faults on Slack’s side', () => {
  it('a failing response_url: the reply comes through the Web API instead', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders', isPaused: true });
    const responseUrl = h.slack.responseUrl();
    h.slack.failResponseUrl(responseUrl, 500, 10);
    const { slashCommandBody, postToSlackEndpoint } = await import('../support/slack-request.js');
    const { SIGNING_SECRET } = await import('../support/flowbot-harness.js');
    await postToSlackEndpoint(
      h.url,
      SIGNING_SECRET,
      slashCommandBody({
        command: '/flow-resume',
        text: 'orders',
        user_id: ALLOWED_USER,
        channel_id: CHANNEL,
        response_url: responseUrl,
      }),
    );
    const posted = await h.slack.waitForCall('chat.postMessage', (c) =>
      String(c.params.text).includes('resumed'),
    );
    expect(posted.params.channel).toBe(CHANNEL);
    const denied = h.slack.responseUrl();
    h.slack.failResponseUrl(denied, 404, 10);
    await postToSlackEndpoint(
      h.url,
      SIGNING_SECRET,
      slashCommandBody({
        command: '/flow-resume',
        text: 'orders',
        user_id: 'USTRANGER',
        channel_id: CHANNEL,
        response_url: denied,
      }),
    );
    const ephemeral = await h.slack.waitForCall('chat.postEphemeral', (c) => c.params.user === 'USTRANGER');
    expect(String(ephemeral.params.text)).toContain('You can’t resume');
  });

  it('Slack Web API 5xx and 429 are retried; the alert still gets posted', async () => {
    const h = await harness({
      env: { ALERTS_TOKEN: 'alerts-token-0123456789abcdef', ALERTS_CHANNEL: CHANNEL },
    });
    h.slack.failMethod('chat.postMessage', { kind: 'status', status: 503 }, 1);
    h.slack.failMethod('chat.update', { kind: 'ratelimited', retryAfterSeconds: 1 }, 1);
    const post = (body: unknown) =>
      fetch(`${h.url}/alerts`, {
        method: 'POST',
        headers: {
          authorization: 'Bearer alerts-token-0123456789abcdef',
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
    const first = await post({ key: 'orders' });
    expect(first.status).toBe(200);
    const second = await post({ key: 'orders' });
    expect(second.status).toBe(200);
    expect(await second.json()).toMatchObject({ count: 2 });
  });
});

describe('graceful shutdown', () => {
  it('stops taking requests but finishes in-flight work and its reply', async () => {
    const h = await harness();
    h.qstash.setKey({ flowControlKey: 'orders', isPaused: true });
    h.qstash.latencyMs = 300;
    const ack = await h.command('/flow-resume', 'orders');
    expect(ack.status).toBe(200);
    await h.stopBot();
    const reply = await h.waitForResponse(ack.responseUrl, (b) => b.response_type === 'in_channel');
    expect(allText(reply)).toContain('resumed');
    await expect(fetch(`${h.url}/healthz`)).rejects.toThrow();
    expect(h.logs.entries().some((entry) => entry.msg === 'Flowbot stopped')).toBe(true);
  });
});
