import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { allText, type Harness, startHarness } from '../support/flowbot-harness.js';
import { ENCODINGS, revealed } from '../support/secret-encodings.js';

/**
 * Other services echo what they were sent: a QStash error that repeats the URL it was called with (the
 * token percent-encoded in its query, base64 in a Basic header), a Slack error that quotes the request.
 * Whatever the echo, no spelling of a secret reaches the log or a Slack message.
 */

// A QStash token with characters every encoding writes differently.
const QSTASH_TOKEN = 'qst+ash/tok=en:0123456789~abc';
const ALERTS = 'CALERTS01';
const ALERTS_TOKEN = 'alerts-token-0123456789abcdef';
const NOISE = Buffer.from([0x01, 0xfe, 0x42]);

/** An error text quoting `secret` every way it could: in a URL's query and userinfo, JSON, base64… */
function echo(secret: string): string {
  return [
    `GET https://qstash.example/v2/flowControl?token=${encodeURIComponent(secret)} failed`,
    ...Object.entries(ENCODINGS).map(([name, encode]) => `${name}: ${encode(secret, NOISE)}`),
  ].join('; ');
}

describe('secrets that other services echo back', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      emulator: { token: QSTASH_TOKEN },
      // Each call's attempt gets all the time it needs: an injected fault is what QStash answers.
      qstash: { attemptTimeoutMs: 10_000, totalTimeoutMs: 20_000 },
      env: {
        ALERTS_TOKEN,
        ALERTS_CHANNEL: ALERTS,
        // The watcher reads the list (and logs QStash's failures) but watches no key that could alert.
        FLOW_WATCH_KEYS: 'watched-*',
        FLOW_WATCH_INTERVAL: '1s',
      },
    });
    h.slack.setChannel(ALERTS);
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true, waitListSize: 5 });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });
  beforeEach(() => {
    h.qstash.clearFaults();
  });

  /** No line of the log, and no text given, reveals any secret Flowbot holds. */
  function expectNoSecret(texts: readonly string[]): void {
    expect(h.secrets).toContain(QSTASH_TOKEN);
    for (const text of texts) {
      for (const secret of h.secrets) expect(revealed(text, secret), text.slice(0, 2000)).toBeUndefined();
    }
  }

  it('keeps a token QStash echoes in a URL (percent-encoded, base64, JSON) out of the log: the watcher', async () => {
    const before = h.logs.lines.length;
    // The echo quotes Flowbot's other secrets too, which only the log's own scrubbing knows about.
    const body = {
      error: [echo(QSTASH_TOKEN), echo(h.slack.botToken), echo(h.secrets[1] ?? '')].join(' | '),
    };
    h.qstash.inject({ kind: 'status', status: 500, body, route: 'list', times: 40 });
    const echoed = (line: string) =>
      line.includes('watcher could not check QStash') && line.includes('qstash.example');
    await expect.poll(() => h.logs.lines.slice(before).some(echoed), { timeout: 20_000 }).toBe(true);
    const watcher = h.logs.lines.slice(before).find(echoed) ?? '';
    // QStash's words are there (they say what went wrong), its secrets are not.
    expect(watcher).toContain('GET https://qstash.example/v2/flowControl?[REDACTED]');
    expect(watcher).toContain('[REDACTED]');
    expectNoSecret(h.logs.lines);
  }, 30_000);

  it('keeps a token QStash echoes out of the message the person sees, and out of the log', async () => {
    const before = h.logs.lines.length;
    h.qstash.inject({ kind: 'status', status: 400, body: { error: echo(QSTASH_TOKEN) }, route: 'get' });
    const ack = await h.command('/flow', 'status orders-eu');
    const reply = await h.waitForResponse(ack.responseUrl);
    const text = allText(reply);
    expect(text).toContain('QStash rejected the request as invalid');
    expect(text).toContain('QStash said');
    expectNoSecret([text, JSON.stringify(reply), ...h.logs.lines.slice(before)]);
  });

  it('keeps a bot token Slack quotes in an error out of the log', async () => {
    const before = h.logs.lines.length;
    const quoted = `invalid_auth https://slack.example/api/chat.postMessage?token=${encodeURIComponent(h.slack.botToken)} ${Buffer.from(`x:${h.slack.botToken}`).toString('base64')}`;
    h.slack.failMethod('chat.postMessage', { kind: 'error', error: quoted }, 1);
    const response = await fetch(`${h.url}/alerts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ALERTS_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ key: 'payments-us', title: 'payments-us is failing' }),
    });
    // Not a refusal Slack means for good: the alert stays queued (202) and is sent again, logged each time.
    expect(response.status).toBe(202);
    const lines = h.logs.lines.slice(before);
    expect(lines.some((line) => line.includes('Slack chat.postMessage failed'))).toBe(true);
    expectNoSecret(h.logs.lines);
  });
});
