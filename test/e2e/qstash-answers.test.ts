import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { allText, CHANNEL, type Harness, startHarness } from '../support/flowbot-harness.js';

/**
 * QStash's answers as they really come: a 404 for an account or region told apart from an unknown key, and a
 * 429 told as a refusal, the burst limit apart from the daily quota.
 */

async function resume(h: Harness, key: string, command = '/flow-resume') {
  const ack = await h.command(command, key);
  expect(ack.status).toBe(200);
  return h.waitForResponse(ack.responseUrl, (body) => !String(body.text ?? '').startsWith(':hourglass'));
}

describe('a token of another region (QStash: 404 "user not found in this region")', () => {
  const TOKEN = 'qstash-us-east-token-0123456789';
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      emulator: { token: 'qstash-eu-token-0123456789', otherRegionTokens: [TOKEN] },
      env: { QSTASH_TOKEN: TOKEN },
    });
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true });
  }, 120_000);
  afterAll(async () => {
    await h.close();
  }, 120_000);

  it('says which setting to fix, keeps QStash’s words, and never reads as an unknown key', async () => {
    const reply = await resume(h, 'orders-eu');
    const text = allText(reply);
    expect(reply.response_type).toBe('ephemeral');
    expect(text).toContain('user not found in this region');
    expect(text).toContain('`QSTASH_URL`');
    expect(text).toContain('`QSTASH_TOKEN`');
    expect(text).toContain('Nothing was changed');
    expect(text).not.toContain('no flow-control key by that name');
    expect(text).not.toContain(TOKEN);
    // Stopped at the first read: nothing was sent that could change anything.
    expect(h.qstash.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  it('says the same for a read (/flow status) and a Resume button', async () => {
    const ack = await h.command('/flow', 'status orders-eu');
    const status = await h.waitForResponse(ack.responseUrl);
    expect(allText(status)).toContain('user not found in this region');
    expect(allText(status)).not.toContain('no flow-control key by that name');
  });

  it('reports it on /readyz with the setting to check', async () => {
    let checks: Record<string, string> = {};
    // The QStash check runs in the background; its first answer is cached once it arrives.
    await expect
      .poll(
        async () => {
          const response = await fetch(`${h.url}/readyz`);
          checks = ((await response.json()) as { checks: Record<string, string> }).checks;
          return checks['qstash:default'];
        },
        { timeout: 60_000, interval: 50 },
      )
      .not.toBe('checking');
    expect(checks['qstash:default']).toContain('account not found in this region');
    expect(checks['qstash:default']).toContain('QSTASH_URL');
  });
});

describe('an environment of several pointed at the wrong region', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      environments: {
        prod: {},
        staging: { otherRegionTokens: ['staging-us-east-token-0123456789'] },
      },
      env: { QSTASH_TOKEN_STAGING: 'staging-us-east-token-0123456789' },
    });
    h.qstashByEnvironment.staging?.setKey({ flowControlKey: 'orders', isPaused: true });
  }, 120_000);
  afterAll(async () => {
    await h.close();
  }, 120_000);

  it('names that environment’s own settings', async () => {
    const reply = await resume(h, 'staging:orders');
    const text = allText(reply);
    expect(text).toContain('`QSTASH_URL_STAGING`');
    expect(text).toContain('`QSTASH_TOKEN_STAGING`');
    expect(text).not.toContain('no flow-control key by that name');
  });
});

describe('404s and 429s on a reachable account', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  }, 120_000);
  afterAll(async () => {
    await h.close();
  }, 120_000);
  beforeEach(() => {
    h.qstash.clearFaults();
    h.qstash.clearRequests();
    h.qstash.setBurstLimit(undefined);
    h.qstash.setDailyQuota(undefined);
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true, waitListSize: 5 });
  });

  it('an unknown key still reads as an unknown key', async () => {
    const reply = await resume(h, 'no-such-key');
    expect(allText(reply)).toContain('no flow-control key by that name');
  });

  it('an unknown key whose name mentions a region or a user still reads as an unknown key', async () => {
    // QStash repeats the key in its words ("flow control key not found: <key>"): the key's own letters must
    // not decide which 404 it is.
    for (const key of ['orders-region-eu', 'us-east-region', 'user-not-found']) {
      const reply = await resume(h, key);
      expect(allText(reply), key).toContain('no flow-control key by that name');
      expect(allText(reply), key).not.toContain('QSTASH_URL');
    }
  });

  it('a redirect is not an answer: a change answered 3xx is not taken as done', async () => {
    for (const status of [301, 302, 307, 308]) {
      h.qstash.clearFaults();
      h.qstash.inject({ kind: 'status', status, body: '', route: 'resume' });
      const reply = await resume(h, 'orders-eu');
      expect(allText(reply), String(status)).not.toContain('resumed');
      expect(allText(reply), String(status)).toContain(`redirect (HTTP ${status})`);
      expect(allText(reply), String(status)).toContain('`QSTASH_URL`');
      expect(h.qstash.getKey('orders-eu')?.isPaused, String(status)).toBe(true);
      expect(h.logs.audits().at(-1)?.outcome, String(status)).toBe('failed');
    }
  });

  it('a bare 404 on a change is decided by a follow-up read of the account', async () => {
    // The route answers 404 with no words; the account-level endpoint answers too: so it is the key.
    h.qstash.inject({ kind: 'status', status: 404, body: '', route: 'resume' });
    const keyReply = await resume(h, 'orders-eu');
    expect(allText(keyReply)).toContain('no flow-control key by that name');
    expect(h.qstash.requests.some((r) => r.route === 'global')).toBe(true);

    // Both answer 404 without words: the account is what QStash does not know here.
    h.qstash.clearRequests();
    h.qstash.inject({ kind: 'status', status: 404, body: '', route: 'resume' });
    h.qstash.inject({ kind: 'status', status: 404, body: '', route: 'global' });
    const accountReply = await resume(h, 'orders-eu');
    expect(allText(accountReply)).toContain('does not know Flowbot’s account');
    expect(allText(accountReply)).not.toContain('no flow-control key by that name');
  });

  it('the daily quota: refused once, not retried, says when it resets, and that nothing changed', async () => {
    h.qstash.rateLimit(100, undefined, { kind: 'daily', route: 'resume' });
    const reply = await resume(h, 'orders-eu');
    const text = allText(reply);
    expect(reply.response_type).toBe('ephemeral');
    expect(text).toContain('daily request quota');
    expect(text).toMatch(/<!date\^\d+\^/);
    expect(text).toContain('Nothing was changed');
    expect(text).not.toContain('may or may not');
    expect(h.qstash.requests.filter((r) => r.route === 'resume')).toHaveLength(1);
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(true);
  });

  it('the daily quota used up on the emulator’s own count: the first read stops it, no change is sent', async () => {
    h.qstash.setDailyQuota(0);
    const reply = await resume(h, 'orders-eu');
    expect(allText(reply)).toContain('daily request quota');
    expect(h.qstash.requests).toHaveLength(1);
    expect(h.qstash.requests[0]?.limited).toBe('daily');
  });

  it('the burst limit outlasting the retries: a refusal, named as the per-second limit', async () => {
    h.qstash.rateLimit(100, 0.05, { kind: 'burst', route: 'resume' });
    const reply = await resume(h, 'orders-eu');
    const text = allText(reply);
    expect(text).toContain('per-second burst limit');
    expect(text).toContain('Nothing was changed');
    expect(h.qstash.requests.filter((r) => r.route === 'resume').length).toBeGreaterThan(1);
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(true);
  });

  it('a timeout before the final 429 leaves the outcome uncertain, and says so', async () => {
    h.qstash.inject({ kind: 'hang', route: 'resume', applyFirst: true });
    h.qstash.rateLimit(100, 0.05, { kind: 'burst', route: 'resume' });
    const reply = await resume(h, 'orders-eu');
    expect(allText(reply)).toContain('may or may not');
  });

  it('takes the token out of QStash’s words, should it ever echo it', async () => {
    const token = h.qstash.tokens[0] ?? '';
    h.qstash.inject({
      kind: 'status',
      status: 404,
      body: { error: `user not found in this region (token ${token})` },
      route: 'get',
    });
    const reply = await resume(h, 'orders-eu');
    expect(allText(reply)).toContain('user not found in this region');
    expect(allText(reply)).not.toContain(token);
    expect(h.logs.text).not.toContain(token);
  });

  it('the channel hears nothing of a refusal', async () => {
    const before = h.slack.calls.filter(
      (c) => c.method === 'chat.postMessage' && c.params.channel === CHANNEL,
    ).length;
    h.qstash.rateLimit(100, undefined, { kind: 'daily' });
    await resume(h, 'orders-eu');
    const after = h.slack.calls.filter(
      (c) => c.method === 'chat.postMessage' && c.params.channel === CHANNEL,
    ).length;
    expect(after).toBe(before);
  });
});
