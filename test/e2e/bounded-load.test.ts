import { afterEach, describe, expect, it } from 'vitest';
import { allText, CHANNEL, type Harness, startHarness } from '../support/flowbot-harness.js';
import { held, metric, untilMetric } from '../support/metrics.js';

/**
 * Work in flight scales with distinct keys, and is bounded: counted in QStash calls (the emulator's request
 * log) and in Flowbot's own gauges, never in milliseconds.
 */

const PEOPLE = Array.from({ length: 12 }, (_, i) => `UPERSON${String(i).padStart(3, '0')}`);

const final = (body: { text?: string }) => !String(body.text ?? '').startsWith(':hourglass');

describe('changes of the same kind to the same key share one QStash call', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  }, 120_000);

  it('twelve people resuming one key at once: one resume sent, each audited, the channel told once naming all', {
    timeout: 120_000,
  }, async () => {
    h = await startHarness({
      env: { FLOW_ALLOWED_USERS: PEOPLE.join(',') },
      qstash: { attemptTimeoutMs: 60_000, totalTimeoutMs: 60_000 },
    });
    h.qstash.setKey({ flowControlKey: 'orders', isPaused: true, waitListSize: 40 });
    const gate = held();
    h.qstash.inject({ kind: 'hold', until: gate.until, route: 'get', key: 'orders' });

    const acks = await Promise.all(PEOPLE.map((user) => h.command('/flow-resume', 'orders', { user })));
    await untilMetric(h, 'flowbot_changes_in_flight', (n) => n >= PEOPLE.length);
    gate.release();
    const replies = await Promise.all(acks.map((ack) => h.waitForResponse(ack.responseUrl, final)));

    expect(h.qstash.requests.filter((r) => r.route === 'resume')).toHaveLength(1);
    expect(h.qstash.getKey('orders')?.isPaused).toBe(false);
    const publicReplies = replies.filter((reply) => reply.response_type === 'in_channel');
    expect(publicReplies).toHaveLength(1);
    const announcement = allText(publicReplies[0]);
    const leader = PEOPLE.find((person) => announcement.startsWith(`<@${person}> resumed`));
    expect(leader).toBeDefined();
    // The announcement names everyone: the leader in the headline, the others in the blocks (ten by name).
    const named = PEOPLE.filter((person) => announcement.includes(`<@${person}>`));
    expect(named.length).toBeGreaterThanOrEqual(11);
    expect(announcement).toContain('and 1 more asked for it at the same time');
    for (const reply of replies.filter((r) => r.response_type !== 'in_channel')) {
      expect(allText(reply)).toContain('with one call to QStash');
      expect(allText(reply)).toContain(`together with <@${leader}>’s request`);
    }
    // Each requester's change is audited on its own.
    const audits = h.logs.audits().filter((a) => a.action === 'resume' && a.outcome === 'done');
    expect(new Set(audits.map((a) => a.actor))).toEqual(new Set(PEOPLE));
    expect(new Set(audits.map((a) => a.requestId)).size).toBe(PEOPLE.length);
  });

  it('the same change asked in another channel is not shared: each channel hears of its own', {
    timeout: 120_000,
  }, async () => {
    h = await startHarness({
      env: { FLOW_ALLOWED_USERS: PEOPLE.join(',') },
      qstash: { attemptTimeoutMs: 60_000, totalTimeoutMs: 60_000 },
    });
    h.qstash.setKey({ flowControlKey: 'orders', isPaused: true });
    const gate = held();
    h.qstash.inject({ kind: 'hold', until: gate.until, route: 'get', key: 'orders' });
    const acks = await Promise.all([
      h.command('/flow-resume', 'orders', { user: PEOPLE[0] }),
      h.command('/flow-resume', 'orders', { user: PEOPLE[1], channel: 'COTHER001' }),
    ]);
    await untilMetric(h, 'flowbot_changes_in_flight', (n) => n >= 2);
    gate.release();
    const replies = await Promise.all(acks.map((ack) => h.waitForResponse(ack.responseUrl, final)));
    expect(h.qstash.requests.filter((r) => r.route === 'resume')).toHaveLength(2);
    expect(replies.map((reply) => reply.response_type)).toEqual(['in_channel', 'in_channel']);
  });
});

describe('a bound on work in flight', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  }, 120_000);

  it('past the queue bound, new work is refused at once with nothing changed; everything else completes', {
    timeout: 120_000,
  }, async () => {
    h = await startHarness({
      env: {
        FLOW_ALLOWED_USERS: PEOPLE.join(','),
        QSTASH_MAX_CONCURRENT: '1',
        FLOW_MAX_QUEUED: '1',
      },
      qstash: { attemptTimeoutMs: 60_000, totalTimeoutMs: 60_000 },
    });
    const keys = ['k-held', 'k-queued', 'k-over-1', 'k-over-2', 'k-over-3'];
    for (const key of keys) h.qstash.setKey({ flowControlKey: key, isPaused: true });
    const gate = held();
    h.qstash.inject({ kind: 'hold', until: gate.until, route: 'get', key: 'k-held' });

    // The one slot is taken by a read QStash holds; the next change waits in the queue.
    const first = await h.command('/flow-resume', 'k-held', { user: PEOPLE[0] });
    await untilMetric(h, 'flowbot_qstash_calls_in_flight{environment="default"}', (n) => n >= 1);
    const second = await h.command('/flow-resume', 'k-queued', { user: PEOPLE[1] });
    await untilMetric(h, 'flowbot_qstash_calls_queued{environment="default"}', (n) => n >= 1);

    // The queue is full: these are refused at once, while QStash still holds the first.
    const refused = await Promise.all(
      ['k-over-1', 'k-over-2', 'k-over-3'].map((key, i) =>
        h.command('/flow-resume', key, { user: PEOPLE[2 + i] }),
      ),
    );
    const statusAck = await h.command('/flow', 'status k-over-1', { user: PEOPLE[5] });
    const overloadReplies = await Promise.all(
      [...refused, statusAck].map((ack) => h.waitForResponse(ack.responseUrl, final)),
    );
    for (const reply of overloadReplies) {
      expect(reply.response_type).toBe('ephemeral');
      expect(allText(reply)).toMatch(/Flowbot is overloaded, nothing was changed, try again in \d+ s/);
    }
    // A person asking for a change already in flight joins it: no QStash work added, so not refused.
    const joiner = await h.command('/flow-resume', 'k-held', { user: PEOPLE[6] });
    await untilMetric(h, 'flowbot_changes_in_flight', (n) => n >= 3);

    expect(h.qstash.requests.filter((r) => r.key?.startsWith('k-over'))).toHaveLength(0);
    expect(
      await metric(h, 'flowbot_overload_refusals_total{environment="default",reason="qstash_queue"}'),
    ).toBe(4);
    const audits = h.logs.audits().filter((a) => a.reason === 'overloaded');
    expect(audits).toHaveLength(4);

    gate.release();
    const done = await Promise.all(
      [first, second, joiner].map((ack) => h.waitForResponse(ack.responseUrl, final)),
    );
    expect(done.map((reply) => allText(reply))).toEqual([
      expect.stringContaining('resumed'),
      expect.stringContaining('resumed'),
      expect.stringContaining('with one call to QStash'),
    ]);
    expect(h.qstash.getKey('k-held')?.isPaused).toBe(false);
    expect(h.qstash.getKey('k-queued')?.isPaused).toBe(false);
    for (const key of ['k-over-1', 'k-over-2', 'k-over-3']) expect(h.qstash.getKey(key)?.isPaused).toBe(true);
    expect(await metric(h, 'flowbot_qstash_calls_in_flight_peak{environment="default"}')).toBe(1);
    expect(
      h.slack.calls.filter((c) => c.params.channel === CHANNEL && c.method === 'chat.postMessage'),
    ).toEqual([]);
  });

  it('changes joined onto a shared call count against FLOW_MAX_IN_FLIGHT too, without the front door (one thread, as Socket Mode runs)', {
    timeout: 120_000,
  }, async () => {
    h = await startHarness({
      frontDoor: false,
      env: { FLOW_ALLOWED_USERS: PEOPLE.join(','), FLOW_MAX_IN_FLIGHT: '3' },
      qstash: { attemptTimeoutMs: 60_000, totalTimeoutMs: 60_000 },
    });
    h.qstash.setKey({ flowControlKey: 'orders', isPaused: true });
    const gate = held();
    h.qstash.inject({ kind: 'hold', until: gate.until, route: 'get', key: 'orders' });
    const joined = await Promise.all(
      PEOPLE.slice(0, 3).map((user) => h.command('/flow-resume', 'orders', { user })),
    );
    await untilMetric(h, 'flowbot_changes_in_flight', (n) => n >= 3);
    // It would only join the call in flight, adding no QStash work; it would still hold memory: refused.
    const over = await h.command('/flow-resume', 'orders', { user: PEOPLE[3] });
    const refusal = await h.waitForResponse(over.responseUrl, final);
    expect(refusal.response_type).toBe('ephemeral');
    expect(allText(refusal)).toMatch(/Flowbot is overloaded, nothing was changed, try again in \d+ s/);
    expect(await metric(h, 'flowbot_overload_refusals_total{environment="default",reason="in_flight"}')).toBe(
      1,
    );
    expect(
      h.logs
        .audits()
        .filter((a) => a.reason === 'overloaded')
        .map((a) => a.actor),
    ).toEqual([PEOPLE[3]]);

    gate.release();
    const replies = await Promise.all(joined.map((ack) => h.waitForResponse(ack.responseUrl, final)));
    expect(replies.filter((reply) => reply.response_type === 'in_channel')).toHaveLength(1);
    expect(h.qstash.requests.filter((r) => r.route === 'resume')).toHaveLength(1);
    // Once they are done there is room again.
    const again = await h.command('/flow-resume', 'orders', { user: PEOPLE[3] });
    expect(allText(await h.waitForResponse(again.responseUrl, final))).not.toMatch(/overloaded/);
  });
});
