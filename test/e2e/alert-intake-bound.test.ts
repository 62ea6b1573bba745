import { request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Harness, startHarness } from '../support/flowbot-harness.js';
import { held, metric, untilMetric } from '../support/metrics.js';

/**
 * Alert intake shares the bound on work in flight (`FLOW_MAX_IN_FLIGHT`): each alert request holds one unit
 * per 32 KiB of its body until it is answered; past the bound it is answered 503 with Retry-After (Alertmanager
 * tries again on 5xx only) and nothing of it is taken. Counted in requests, never in time.
 */

const TOKEN = 'alerts-token-0123456789abcdef';
const ALERTS = 'CALERTS01';
const PEOPLE = ['UPERSON001', 'UPERSON002'];
const REFUSED = 'flowbot_overload_refusals_total{environment="",reason="alert_intake"}';

async function postAlert(h: Harness, key: string) {
  const response = await fetch(`${h.url}/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ key, title: `${key} is paused` }),
  });
  const text = await response.text();
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: JSON.parse(text) };
}

/** An alert request whose body arrives in two parts: it is in flight until `finish` sends the rest. */
function slowAlert(h: Harness, key: string, padding: number) {
  const body = `{"key":${JSON.stringify(key)},"title":"slow"${' '.repeat(padding)}}`;
  const cut = Math.floor(body.length / 2);
  const url = new URL('/alerts', h.url);
  let answer: (value: { status: number }) => void = () => {};
  const answered = new Promise<{ status: number }>((resolve) => {
    answer = resolve;
  });
  const req = request(
    {
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${TOKEN}`,
        'content-length': String(Buffer.byteLength(body)),
      },
    },
    (res) => {
      res.resume();
      res.on('end', () => answer({ status: res.statusCode ?? 0 }));
    },
  );
  req.write(body.slice(0, cut));
  return {
    answered,
    finish: () => {
      req.end(body.slice(cut));
    },
  };
}

const posted = (h: Harness, key: string) =>
  h.slack
    .callsTo('chat.postMessage')
    .filter((c) => c.params.channel === ALERTS && JSON.stringify(c.params).includes(key));

describe('alert intake within the bound on work in flight', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  }, 120_000);

  it('past the bound, an alert is answered 503 with Retry-After and nothing of it is taken; then there is room again', {
    timeout: 180_000,
  }, async () => {
    h = await startHarness({
      env: {
        FLOW_ALLOWED_USERS: PEOPLE.join(','),
        FLOW_MAX_IN_FLIGHT: '2',
        ALERTS_TOKEN: TOKEN,
        ALERTS_CHANNEL: ALERTS,
      },
      qstash: { attemptTimeoutMs: 60_000, totalTimeoutMs: 60_000 },
    });
    h.slack.setChannel(ALERTS);
    for (const key of ['k-a', 'k-b', 'k-alert']) h.qstash.setKey({ flowControlKey: key, isPaused: true });
    const gate = held();
    h.qstash.inject({ kind: 'hold', until: gate.until, route: 'get', key: 'k-a' });
    h.qstash.inject({ kind: 'hold', until: gate.until, route: 'get', key: 'k-b' });
    await h.command('/flow-resume', 'k-a', { user: PEOPLE[0] });
    await h.command('/flow-resume', 'k-b', { user: PEOPLE[1] });
    await untilMetric(h, 'flowbot_changes_in_flight', (n) => n === 2);

    const refused = await postAlert(h, 'k-alert');
    expect(refused.status).toBe(503);
    expect(refused.retryAfter).toBe('8');
    expect(refused.body).toEqual({
      error: 'overloaded',
      message: 'Flowbot is overloaded (FLOW_MAX_IN_FLIGHT); nothing was taken; try again in 8 s',
    });
    expect(await metric(h, REFUSED)).toBe(1);
    expect(posted(h, 'k-alert')).toEqual([]);

    gate.release();
    await untilMetric(h, 'flowbot_changes_in_flight', (n) => n === 0);
    // Slack's requests' work has ended: the same alert is taken.
    await vi.waitFor(
      async () => {
        const again = await postAlert(h, 'k-alert');
        if (again.status !== 200) throw new Error(`status ${again.status}`);
      },
      { timeout: 60_000, interval: 100 },
    );
    expect(posted(h, 'k-alert')).toHaveLength(1);
    expect(await metric(h, REFUSED)).toBe(1);
  });

  it('a large body holds its size in units: beside it, even a small alert waits its turn; alone, it is always taken', {
    timeout: 180_000,
  }, async () => {
    h = await startHarness({
      env: { FLOW_MAX_IN_FLIGHT: '2', ALERTS_TOKEN: TOKEN, ALERTS_CHANNEL: ALERTS },
    });
    h.slack.setChannel(ALERTS);
    for (const key of ['k-large', 'k-small']) h.qstash.setKey({ flowControlKey: key, isPaused: true });
    // About 48 KiB: two units, the whole bound; taken since nothing else is in flight.
    const large = slowAlert(h, 'k-large', 48 * 1024);
    await untilMetric(h, 'flowbot_alert_intake_in_flight', (n) => n === 2);
    const small = await postAlert(h, 'k-small');
    expect(small.status).toBe(503);
    expect(posted(h, 'k-small')).toEqual([]);
    large.finish();
    expect((await large.answered).status).toBe(200);
    expect(posted(h, 'k-large')).toHaveLength(1);
    expect((await postAlert(h, 'k-small')).status).toBe(200);
    expect(await metric(h, REFUSED)).toBe(1);
    // Every answered request gave its units back.
    await untilMetric(h, 'flowbot_alert_intake_in_flight', (n) => n === 0);
  });

  it('an upload the sender abandons gives its units back at once, whether it declared its length or not', {
    timeout: 180_000,
  }, async () => {
    h = await startHarness({ env: { FLOW_MAX_IN_FLIGHT: '4', ALERTS_TOKEN: TOKEN, ALERTS_CHANNEL: ALERTS } });
    h.slack.setChannel(ALERTS);
    h.qstash.setKey({ flowControlKey: 'k-next', isPaused: true });
    const port = Number(new URL(h.url).port);
    for (const framing of ['content-length: 100000', 'transfer-encoding: chunked']) {
      const socket = connect(port, '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      const part = '{"version":"4",';
      const start = framing.startsWith('transfer') ? `${part.length.toString(16)}\r\n${part}\r\n` : part;
      socket.write(
        `POST /alerts/alertmanager HTTP/1.1\r\nHost: flowbot\r\nAuthorization: Bearer ${TOKEN}\r\n` +
          `Content-Type: application/json\r\n${framing}\r\n\r\n${start}`,
      );
      // Taken (the whole bound: it is all that is in flight), then abandoned.
      await untilMetric(h, 'flowbot_alert_intake_in_flight', (n) => n > 0);
      socket.destroy();
      await untilMetric(h, 'flowbot_alert_intake_in_flight', (n) => n === 0);
    }
    expect((await postAlert(h, 'k-next')).status).toBe(200);
    expect(h.logs.text).toContain('an alert sender went away before its request was read');
    expect(h.logs.text).not.toContain('alert intake failed');
  });

  it('a body that trickles is answered 408 and gives its units back, instead of holding them while it trickles', {
    timeout: 180_000,
  }, async () => {
    h = await startHarness({ env: { FLOW_MAX_IN_FLIGHT: '4', ALERTS_TOKEN: TOKEN, ALERTS_CHANNEL: ALERTS } });
    h.slack.setChannel(ALERTS);
    const slow = slowAlert(h, 'k-slow', 10);
    await untilMetric(h, 'flowbot_alert_intake_in_flight', (n) => n > 0);
    // The rest never comes: the sender's time to send the body runs out.
    expect((await slow.answered).status).toBe(408);
    await untilMetric(h, 'flowbot_alert_intake_in_flight', (n) => n === 0);
    expect(posted(h, 'k-slow')).toEqual([]);
  });

  it('a declared length over the limit is answered 413 before any of the body is sent, behind the front door too', {
    timeout: 120_000,
  }, async () => {
    h = await startHarness({ env: { ALERTS_TOKEN: TOKEN, ALERTS_CHANNEL: ALERTS } });
    const socket = connect(Number(new URL(h.url).port), '127.0.0.1');
    const answer = new Promise<string>((resolve) => socket.once('data', (data) => resolve(String(data))));
    socket.write(
      `POST /alerts HTTP/1.1\r\nHost: flowbot\r\nAuthorization: Bearer ${TOKEN}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 2000000\r\n\r\n',
    );
    expect(await answer).toMatch(/^HTTP\/1\.1 413 /);
    socket.destroy();
    await untilMetric(h, 'flowbot_alert_intake_in_flight', (n) => n === 0);
  });
});
