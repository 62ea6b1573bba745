import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { allText, type Harness, startHarness } from '../support/flowbot-harness.js';

describe('QStash failing: every request still ends in a clear message', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(() => {
    h.qstash.clearFaults();
    h.qstash.clearRequests();
    h.qstash.latencyMs = 0;
    h.qstash.setBurstLimit(undefined);
    h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true, waitListSize: 50 });
  });

  async function resume() {
    const ack = await h.command('/flow-resume', 'orders-eu');
    expect(ack.status).toBe(200);
    return h.waitForResponse(ack.responseUrl, (body) => !String(body.text ?? '').startsWith(':hourglass'));
  }

  it('retries a burst of 5xx and succeeds', async () => {
    h.qstash.unavailable(2, { route: 'resume' });
    const reply = await resume();
    expect(reply.response_type).toBe('in_channel');
    expect(h.qstash.requests.filter((r) => r.route === 'resume')).toHaveLength(3);
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(false);
  });

  it('gives up on a lasting outage with a message saying QStash is unavailable', async () => {
    h.qstash.unavailable(100);
    const reply = await resume();
    expect(reply.response_type).toBe('ephemeral');
    expect(allText(reply)).toMatch(/QStash is unavailable after \d+ tries/);
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(true);
  });

  it('waits out a 429 as Burst-RateLimit-Reset says, then succeeds', async () => {
    h.qstash.rateLimit(1, 1, { route: 'resume', kind: 'burst' });
    const reply = await resume();
    expect(reply.response_type).toBe('in_channel');
    const attempts = h.qstash.requests.filter((r) => r.route === 'resume');
    expect(attempts).toHaveLength(2);
    // Reset is a whole unix second, so the retry comes no earlier than the next second boundary.
    expect(Math.floor(attempts[1]!.time / 1000)).toBeGreaterThan(Math.floor(attempts[0]!.time / 1000));
  });

  it('honours the burst limit QStash enforces on its own: waits for the reset second, then succeeds', async () => {
    // QStash answers 429 with Burst-RateLimit-* (never Retry-After) once a second's requests are used up.
    h.qstash.setBurstLimit(1);
    // The limit counts per wall-clock second: a resume's read and change fall in one second (and the change is
    // refused) unless a second's edge falls between them. Start each try at a second's start, and try again
    // (a counted few times) if an edge still fell between them.
    let requests = h.qstash.requests;
    for (let attempt = 0; attempt < 5 && !requests.some((r) => r.limited === 'burst'); attempt++) {
      h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true, waitListSize: 50 });
      h.qstash.clearRequests();
      await new Promise((resolve) => setTimeout(resolve, 1_000 - (Date.now() % 1_000)));
      const reply = await resume();
      expect(reply.response_type).toBe('in_channel');
      expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(false);
      requests = h.qstash.requests;
    }
    expect(requests.some((r) => r.limited === 'burst')).toBe(true);
    requests.forEach((request, index) => {
      const next = requests[index + 1];
      if (request.limited === 'burst' && next)
        expect(Math.floor(next.time / 1000)).toBeGreaterThan(Math.floor(request.time / 1000));
    });
  });

  it('says it is rate limited when the limit outlasts the retry budget (the daily quota)', async () => {
    h.qstash.rateLimit(100, undefined, { kind: 'daily' });
    const reply = await resume();
    expect(reply.response_type).toBe('ephemeral');
    expect(allText(reply)).toContain('rate-limiting');
  });

  it('retries a dropped connection', async () => {
    h.qstash.inject({ kind: 'drop', route: 'resume' });
    const reply = await resume();
    expect(reply.response_type).toBe('in_channel');
    expect(h.qstash.appliedMutations('orders-eu', 'resume')).toBeGreaterThanOrEqual(1);
  });

  it('times out a hanging QStash and says so', async () => {
    h.qstash.inject({ kind: 'hang', times: 100 });
    const reply = await resume();
    expect(reply.response_type).toBe('ephemeral');
    expect(allText(reply)).toContain('did not answer in time');
  });

  it('explains a rejected token without revealing it', async () => {
    h.qstash.inject({ kind: 'status', status: 401, body: { error: 'Unauthorized' }, times: 100 });
    const reply = await resume();
    expect(allText(reply)).toContain('refused Flowbot’s token');
    expect(allText(reply)).not.toContain(h.qstash.tokens[0]);
  });

  it('reports a 400 as an invalid request, with QStash’s words', async () => {
    h.qstash.inject({
      kind: 'status',
      status: 400,
      body: { error: 'flowControlKey is required' },
      route: 'resume',
    });
    const reply = await resume();
    expect(allText(reply)).toContain('flowControlKey is required');
    expect(h.qstash.requests.filter((r) => r.route === 'resume')).toHaveLength(1);
  });

  it('still resumes when only the state read fails, and says the state is unknown', async () => {
    h.qstash.unavailable(100, { route: 'get' });
    const reply = await resume();
    expect(reply.response_type).toBe('in_channel');
    expect(allText(reply)).toContain('Current state unavailable');
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(false);
  });

  it('a lost answer to a resume is retried without a second effect mattering (resume is idempotent)', async () => {
    h.qstash.inject({ kind: 'status', status: 503, applyFirst: true, route: 'resume' });
    const reply = await resume();
    expect(reply.response_type).toBe('in_channel');
    expect(h.qstash.getKey('orders-eu')?.isPaused).toBe(false);
  });
});
