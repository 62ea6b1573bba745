import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Timer } from '../../src/core/scheduler/timers.js';
import { MemoryStateStore } from '../../src/core/store/memory-store.js';
import { SqliteStateStore } from '../../src/core/store/sqlite-store.js';
import {
  ALLOWED_USER,
  allText,
  CHANNEL,
  type Harness,
  harnessPerTest,
  STRANGER,
} from '../support/flowbot-harness.js';
import { buttons } from '../support/slack-flows.js';

/** Changes by pattern: preview, confirm once, each key through the pipeline, one summary in the channel. */
const harness = harnessPerTest({}, (h) => h.slack.setChannel(CHANNEL));

const LIMITED = 'ULIMITED1';
const APPROVER = 'UAPPROVE1';
const VIEWER = 'UVIEWER01';

function policyFile(yaml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'flowbot-policy-')), 'policy.yml');
  writeFileSync(path, yaml);
  return path;
}

const POLICY = `
rules:
  - name: on-call
    subjects: [${ALLOWED_USER}]
    actions: ['*']
  - name: orders team
    subjects: [${LIMITED}]
    actions: [list, status, resume, bulk]
    keys: ['orders-*']
  - name: not eu
    effect: deny
    subjects: [${LIMITED}]
    actions: [resume]
    keys: ['orders-eu-*']
  - name: approvers
    subjects: [${APPROVER}]
    actions: [approve, list, status]
  - name: viewers of billing only
    subjects: [${VIEWER}]
    actions: [list, status, resume, bulk]
    keys: ['billing-*']
approvals:
  - name: vip keys
    actions: [resume]
    keys: ['orders-vip-*']
`;

async function start(env: Record<string, string> = {}, policy = POLICY, emulator = {}) {
  return harness({
    env: { FLOW_POLICY_FILE: policyFile(policy), FLOW_ALLOWED_USERS: '', ...env },
    emulator,
  });
}

/** Paused keys `<prefix>-1` … `<prefix>-<count>`, each with a waitlist. */
function seed(h: Harness, prefix: string, count: number, waiting = 10): string[] {
  const keys: string[] = [];
  for (let i = 1; i <= count; i++) {
    const key = `${prefix}-${String(i).padStart(3, '0')}`;
    h.qstash.setKey({ flowControlKey: key, isPaused: true, waitListSize: waiting * i });
    keys.push(key);
  }
  return keys;
}

async function preview(h: Harness, text: string, user = ALLOWED_USER, command = '/flow') {
  const ack = await h.command(command, text, { user });
  expect(ack.status).toBe(200);
  return h.waitForResponse(ack.responseUrl, (b) => !String(b.text ?? '').startsWith(':mag: Looking'));
}

function confirmButton(body: { blocks?: unknown }) {
  return buttons(body).find((b) => b.action_id === 'flow_bulk_confirm');
}

/** A batch summary's notification text, while it runs ("resuming 12 keys matching …"). */
const SUMMARY = /^[a-z]+ing(?: the rate of| up)? [\d,]+ keys? matching/;

/** The summary message in the channel (its latest text), once posted. */
async function summaryTs(h: Harness): Promise<string> {
  const post = await h.slack.waitForCall('chat.postMessage', (c) =>
    SUMMARY.test(String(c.params.text ?? '')),
  );
  return String((post.response as { ts?: string }).ts);
}

async function waitForSummary(h: Harness, ts: string, text: string, timeoutMs = 30_000) {
  await expect
    .poll(() => allText(h.slack.getMessage(CHANNEL, ts)), { timeout: timeoutMs, interval: 100 })
    .toContain(text);
  return allText(h.slack.getMessage(CHANNEL, ts));
}

/**
 * Waits until the summary at `ts` was once sent (posted or updated) with `text`: for a state that passes on
 * its own (approvals about to expire), which the message as it stands may already have left.
 */
async function waitForSummarySent(h: Harness, ts: string, text: string) {
  const sent = (c: { method: string; params: Record<string, unknown>; response?: unknown }) =>
    (c.params.ts === ts || (c.response as { ts?: string } | undefined)?.ts === ts) &&
    allText(c.params as { text?: string; blocks?: unknown }).includes(text);
  await expect
    .poll(() => [...h.slack.callsTo('chat.postMessage'), ...h.slack.callsTo('chat.update')].some(sent), {
      timeout: 60_000,
      interval: 100,
    })
    .toBe(true);
}

async function confirm(h: Harness, id: string, user = ALLOWED_USER) {
  return h.click({ actionId: 'flow_bulk_confirm', value: id, userId: user, isEphemeral: true });
}

const mutationsOf = (h: Harness, keys: readonly string[], action: 'resume' | 'pause' = 'resume') =>
  keys.map((key) => h.qstash.appliedMutations(key, action));

/**
 * Each key went through the pipeline once: one `done` audit event, and every change QStash applied was a
 * request of that one run (more than one only when the client sent it again after losing an answer, which a
 * busy machine can cause and which sets the same state).
 */
function ranOnce(h: Harness, keys: readonly string[], audits = h.logs.audits()) {
  for (const key of keys) {
    const done = audits.filter((a) => a.key === key && a.action === 'resume' && a.outcome === 'done');
    expect(done, key).toHaveLength(1);
    const sent = h.qstash.requests.filter((r) => r.route === 'resume' && r.key === key && r.status !== 429);
    expect(h.qstash.appliedMutations(key, 'resume'), key).toBe(sent.length);
    expect(h.qstash.getKey(key)?.isPaused, key).toBe(false);
  }
}

describe('the preview', () => {
  it('shows how many keys match, their state, which need approval and which may not be changed; nothing changes', async () => {
    const h = await start();
    const plain = seed(h, 'orders-us', 22);
    seed(h, 'orders-eu', 2);
    seed(h, 'orders-vip', 1);
    seed(h, 'billing', 3);
    const body = await preview(h, 'resume orders-*', LIMITED);
    expect(body.response_type).toBe('ephemeral');
    const text = allText(body);
    expect(text).toContain('Resume every key matching `orders-*`?');
    expect(text).toContain('25 keys you may see match: 25 paused');
    expect(text).toContain('22 will change when you confirm');
    expect(text).toContain('1 need a second person’s approval (vip keys)');
    expect(text).toContain('2 you may not change');
    expect(text).toContain('…and 5 more');
    expect(text).toContain(
      '`orders-eu-001`: :double_vertical_bar: *paused* · 10 waiting · :no_entry: not allowed',
    );
    expect(text).not.toContain('billing');
    expect(confirmButton(body)?.value).toMatch(/^[0-9a-f-]{36}$/);
    expect(buttons(body).find((b) => b.action_id === 'flow_bulk_confirm')).toBeDefined();
    expect(h.qstash.mutations).toHaveLength(0);
    expect(mutationsOf(h, plain).every((n) => n === 0)).toBe(true);
    const audit = h.logs.audits().find((a) => a.bulk === 'preview');
    expect(audit).toMatchObject({
      actor: LIMITED,
      action: 'resume',
      key: 'orders-*',
      matched: 25,
      changeable: 23,
    });
  });

  it('says when nothing matches, and when nothing the person may see matches', async () => {
    const h = await start();
    seed(h, 'orders-us', 3);
    expect(allText(await preview(h, 'resume nothing-*'))).toContain('No key matches `nothing-*`');
    const hidden = await preview(h, 'resume orders-*', VIEWER);
    expect(allText(hidden)).toContain('No keys you may see match `orders-*`');
    expect(allText(hidden)).not.toContain('orders-us');
    expect(confirmButton(hidden)).toBeUndefined();
  });

  it('/flow-resume with a pattern previews too (a pattern is never acted on unseen)', async () => {
    const h = await start();
    seed(h, 'orders-us', 2);
    const ack = await h.command('/flow-resume', 'orders-*');
    expect(ack.body).toContain('Looking up the keys matching');
    const body = await h.waitForResponse(ack.responseUrl, (b) => !String(b.text ?? '').startsWith(':mag:'));
    expect(allText(body)).toContain('Resume every key matching `orders-*`?');
    expect(h.qstash.mutations).toHaveLength(0);
  });
});

describe('confirming', () => {
  it('runs every key once through the pipeline, at a bounded concurrency, and draws one summary', async () => {
    const h = await start({ FLOW_BULK_CONCURRENCY: '3' }, POLICY, { latencyMs: 20 });
    const keys = seed(h, 'orders-us', 30);
    const body = await preview(h, 'resume orders-us-*');
    const id = confirmButton(body)?.value ?? '';
    h.qstash.clearRequests();
    const click = await confirm(h, id);
    const confirmedNote = await h.waitForResponse(click.responseUrl);
    expect(allText(confirmedNote)).toContain('Working on 30 keys');
    const ts = await summaryTs(h);
    const final = await waitForSummary(h, ts, 'resumed 30 of 30 keys');
    expect(final).toContain('*Done:* 30');
    expect(final).toContain(`<@${ALLOWED_USER}>`);
    ranOnce(h, keys);
    // Each key's calls are sequential, so at most 3 requests (one per key in flight) at once, plus any the
    // client sent again after losing an answer (the lost one may still be open at QStash).
    const sent = new Map<string, number>();
    for (const r of h.qstash.requests)
      sent.set(`${r.route} ${r.key}`, (sent.get(`${r.route} ${r.key}`) ?? 0) + 1);
    // A key's pipeline reads it twice (before and after) and resumes it once.
    const resent = [...sent].reduce(
      (n, [id, count]) => n + Math.max(0, count - (id.startsWith('get') ? 2 : 1)),
      0,
    );
    expect(h.qstash.peakInFlight).toBeGreaterThan(1);
    expect(h.qstash.peakInFlight).toBeLessThanOrEqual(3 + resent);
    // Exactly one summary message, updated in place.
    expect(
      h.slack.callsTo('chat.postMessage').filter((c) => SUMMARY.test(String(c.params.text))),
    ).toHaveLength(1);
    const audits = h.logs
      .audits()
      .filter((a) => a.source === 'bulk' && a.action === 'resume' && a.key !== 'orders-us-*');
    expect(audits).toHaveLength(30);
    expect(new Set(audits.map((a) => a.requestId)).size).toBe(1);
    expect(audits.every((a) => a.outcome === 'done' && a.actor === ALLOWED_USER)).toBe(true);
  });

  it('a double click and a replay run the batch once', async () => {
    const h = await start({}, POLICY, { latencyMs: 10 });
    const keys = seed(h, 'orders-us', 8);
    const id = confirmButton(await preview(h, 'resume orders-us-*'))?.value ?? '';
    const [first, second] = await Promise.all([confirm(h, id), confirm(h, id)]);
    const answers = await Promise.all([
      h.waitForResponse(first.responseUrl),
      h.waitForResponse(second.responseUrl),
    ]);
    expect(answers.map(allText).filter((t) => t.includes('already confirmed'))).toHaveLength(1);
    const ts = await summaryTs(h);
    await waitForSummary(h, ts, 'resumed 8 of 8 keys');
    const replay = await confirm(h, id);
    expect(allText(await h.waitForResponse(replay.responseUrl))).toContain('already confirmed');
    ranOnce(h, keys);
  });

  it('only the person who asked can confirm', async () => {
    const h = await start();
    seed(h, 'orders-us', 2);
    const id = confirmButton(await preview(h, 'resume orders-us-*'))?.value ?? '';
    const click = await confirm(h, id, LIMITED);
    expect(allText(await h.waitForResponse(click.responseUrl))).toContain('Only the person who asked');
    expect(h.qstash.mutations).toHaveLength(0);
  });

  it('burst 429s are waited out as the headers say, and every key ends done', async () => {
    const h = await start({}, POLICY);
    const keys = seed(h, 'orders-us', 12);
    const id = confirmButton(await preview(h, 'resume orders-us-*'))?.value ?? '';
    h.qstash.rateLimit(6, 1, { route: 'resume' });
    await confirm(h, id);
    const ts = await summaryTs(h);
    await waitForSummary(h, ts, 'resumed 12 of 12 keys');
    expect(h.qstash.requests.filter((r) => r.status === 429)).toHaveLength(6);
    ranOnce(h, keys);
  });

  it('a key QStash keeps failing is reported as failed; the others finish', async () => {
    const h = await start();
    const keys = seed(h, 'orders-us', 4);
    const id = confirmButton(await preview(h, 'resume orders-us-*'))?.value ?? '';
    h.qstash.inject({ kind: 'status', status: 400, times: 100, route: 'resume', key: keys[1] });
    await confirm(h, id);
    const ts = await summaryTs(h);
    const final = await waitForSummary(h, ts, 'resumed 3 of 4 keys');
    expect(final).toContain('*Failed:* 1');
    expect(final).toContain('`orders-us-002`');
  });

  it('keys that need approval get one card; approving runs them as the requester’s, with the approver recorded', async () => {
    const h = await start();
    const plain = seed(h, 'orders-us', 3);
    const vip = seed(h, 'orders-vip', 3);
    const id = confirmButton(await preview(h, 'resume orders-*'))?.value ?? '';
    await confirm(h, id);
    const ts = await summaryTs(h);
    // The approvals expire 2 s after they are asked for: the summary may have moved on before it is read.
    await waitForSummarySent(h, ts, '*Awaiting approval:* 3');
    const card = await h.slack.waitForCall('chat.postMessage', (c) =>
      /^Approval needed/.test(String(c.params.text)),
    );
    const approve = buttons(card.params as { blocks?: unknown }).find(
      (b) => b.action_id === 'flow_bulk_approve',
    );
    expect(approve?.value).toBe(id);
    ranOnce(h, plain);
    expect(mutationsOf(h, vip)).toEqual([0, 0, 0]);
    // The requester can't approve their own request.
    const own = await h.click({ actionId: 'flow_bulk_approve', value: id, userId: ALLOWED_USER });
    expect(allText(await h.waitForResponse(own.responseUrl))).toContain('can’t approve your own request');
    // Someone without approve can't either.
    const stranger = await h.click({ actionId: 'flow_bulk_approve', value: id, userId: LIMITED });
    expect(allText(await h.waitForResponse(stranger.responseUrl))).toContain('You can’t approve');
    expect(mutationsOf(h, vip)).toEqual([0, 0, 0]);
    await h.click({ actionId: 'flow_bulk_approve', value: id, userId: APPROVER });
    const final = await waitForSummary(h, ts, '*Done:* 6');
    expect(final).toContain(`approved by <@${APPROVER}>`);
    ranOnce(h, vip);
    const approved = h.logs
      .audits()
      .filter((a) => a.action === 'resume' && a.outcome === 'done' && a.approvedBy === APPROVER);
    expect(approved.map((a) => a.key).sort()).toEqual(vip);
    expect(approved.every((a) => a.actor === ALLOWED_USER)).toBe(true);
  });
});

describe('approval cards Slack does not take', () => {
  it('in a channel Flowbot was not invited to: the keys that need approval end refused, saying why, and nobody can approve them later', async () => {
    const h = await start();
    const where = 'CNOTINVITED';
    h.slack.setChannel(where, { is_member: false });
    const plain = seed(h, 'orders-us', 2);
    const vip = seed(h, 'orders-vip', 2);
    const ack = await h.command('/flow', 'resume orders-*', { channel: where });
    const body = await h.waitForResponse(ack.responseUrl, (b) => !String(b.text ?? '').startsWith(':mag:'));
    const id = confirmButton(body)?.value ?? '';
    await h.click({ actionId: 'flow_bulk_confirm', value: id, isEphemeral: true, channelId: where });
    // The summary comes by DM (the channel refuses posts); it ends with the card's keys refused, and why.
    const summary = await h.slack.waitForCall(
      'chat.postMessage',
      (c) => c.params.channel !== where && SUMMARY.test(String(c.params.text ?? '')),
    );
    const dm = String(summary.params.channel);
    const ts = String((summary.response as { ts?: string }).ts);
    await expect
      .poll(() => allText(h.slack.getMessage(dm, ts)), { timeout: 30_000, interval: 100 })
      .toContain('resumed 2 of 4 keys');
    const final = allText(h.slack.getMessage(dm, ts));
    expect(final).toContain('*Refused:* 2');
    expect(final).toContain('Slack did not take the approval card here (Flowbot is not in that channel');
    expect(final).not.toContain('Awaiting approval');
    // The card was tried once, in the channel, and refused.
    const cards = h.slack
      .callsTo('chat.postMessage')
      .filter((c) => /^Approval needed/.test(String(c.params.text)));
    expect(cards).toHaveLength(1);
    expect(cards[0]?.params.channel).toBe(where);
    expect(JSON.stringify(cards[0]?.response)).toContain('not_in_channel');
    ranOnce(h, plain);
    // The approval requests were dropped: an approver's click finds nothing to decide, and nothing changes.
    const late = await h.click({ actionId: 'flow_bulk_approve', value: id, userId: APPROVER });
    expect(allText(await h.waitForResponse(late.responseUrl))).toContain('nothing left to decide');
    expect(mutationsOf(h, vip)).toEqual([0, 0]);
  });
});

describe('approval cards Slack does not take, for another reason', () => {
  it('in an archived channel: the summary says the channel is archived, not to invite Flowbot', async () => {
    const h = await start();
    const where = 'CARCHIVED1';
    h.slack.setChannel(where, { is_archived: true });
    seed(h, 'orders-vip', 2);
    const ack = await h.command('/flow', 'resume orders-vip-*', { channel: where });
    const body = await h.waitForResponse(ack.responseUrl, (b) => !String(b.text ?? '').startsWith(':mag:'));
    await h.click({
      actionId: 'flow_bulk_confirm',
      value: confirmButton(body)?.value ?? '',
      isEphemeral: true,
      channelId: where,
    });
    const summary = await h.slack.waitForCall(
      'chat.postMessage',
      (c) => c.params.channel !== where && SUMMARY.test(String(c.params.text ?? '')),
    );
    const dm = String(summary.params.channel);
    const ts = String((summary.response as { ts?: string }).ts);
    await expect
      .poll(() => allText(h.slack.getMessage(dm, ts)), { timeout: 30_000, interval: 100 })
      .toContain('*Refused:* 2');
    const final = allText(h.slack.getMessage(dm, ts));
    expect(final).toContain('Slack did not take the approval card here (the channel is archived)');
    expect(final).not.toContain('invite');
  });
});

describe('many keys, several environments, Slack’s limits', () => {
  it('approvals nobody gives in time: the card loses its buttons and says so, the summary counts them expired', async () => {
    const h = await start(
      {},
      POLICY.replace("keys: ['orders-vip-*']", "keys: ['orders-vip-*']\n    expires: 2s"),
    );
    seed(h, 'orders-us', 2);
    const vip = seed(h, 'orders-vip', 3);
    const id = confirmButton(await preview(h, 'resume orders-*'))?.value ?? '';
    await confirm(h, id);
    const ts = await summaryTs(h);
    // The approvals expire 2 s after they are asked for: the summary may have moved on before it is read.
    await waitForSummarySent(h, ts, '*Awaiting approval:* 3');
    const card = await h.slack.waitForCall('chat.postMessage', (c) =>
      /^Approval needed/.test(String(c.params.text)),
    );
    const cardTs = String((card.response as { ts?: string }).ts);
    await waitForSummary(h, ts, '*Approval expired:* 3', 60_000);
    const redrawn = h.slack.getMessage(CHANNEL, cardTs);
    expect(allText(redrawn)).toContain('nobody approved it in time');
    expect(allText(redrawn)).toContain('Nobody approved 3 keys in time');
    expect(buttons(redrawn)).toEqual([]);
    expect(mutationsOf(h, vip)).toEqual([0, 0, 0]);
    // A late click changes nothing and says so.
    const late = await h.click({ actionId: 'flow_bulk_approve', value: id, userId: APPROVER });
    expect(allText(await h.waitForResponse(late.responseUrl))).toContain('nothing left to decide');
    expect(mutationsOf(h, vip)).toEqual([0, 0, 0]);
  });

  it('`*:pattern` acts in every environment; the summary names each key with its environment', async () => {
    const h = await harness({
      environments: { prod: {}, staging: {} },
      env: { FLOW_POLICY_FILE: policyFile(POLICY), FLOW_ALLOWED_USERS: '' },
    });
    const prod = h.qstashByEnvironment.prod;
    const staging = h.qstashByEnvironment.staging;
    if (!prod || !staging) throw new Error('two environments expected');
    for (const emulator of [prod, staging])
      for (const key of ['orders-1', 'orders-2']) emulator.setKey({ flowControlKey: key, isPaused: true });
    const body = await preview(h, 'resume *:orders-*');
    expect(allText(body)).toContain('in every environment');
    expect(allText(body)).toContain('`staging:orders-2`');
    await confirm(h, confirmButton(body)?.value ?? '');
    const final = await waitForSummary(h, await summaryTs(h), 'resumed 4 of 4 keys');
    expect(final).toContain('`prod:orders-1`');
    expect(final).toContain('`staging:orders-1`');
    for (const emulator of [prod, staging])
      expect(emulator.keys().every((key) => key.isPaused === false)).toBe(true);
    // Only the named environment otherwise.
    for (const key of ['orders-1', 'orders-2']) staging.setKey({ flowControlKey: key, isPaused: true });
    const one = await preview(h, 'resume staging:orders-*');
    expect(allText(one)).toContain('2 keys you may see match');
  });

  it('the summary of 120 keys stays within Slack’s rate limits: redraws are coalesced, the last one is exact', async () => {
    const h = await start({ FLOW_BULK_QSTASH_RPS: '300', FLOW_BULK_CONCURRENCY: '10' });
    h.slack.setRateLimits(true);
    const keys = seed(h, 'orders-us', 120);
    await confirm(h, confirmButton(await preview(h, 'resume orders-us-*'))?.value ?? '');
    const ts = await summaryTs(h);
    const final = await waitForSummary(h, ts, 'resumed 120 of 120 keys', 60_000);
    expect(final).toContain('*Done:* 120');
    expect(final).toContain('…and 100 more');
    ranOnce(h, keys);
    // One redraw per completed key would be 120; coalesced, far fewer, and Slack refused none.
    const updates = h.slack.callsTo('chat.update').filter((c) => c.params.ts === ts);
    expect(updates.length).toBeLessThan(keys.length / 2);
    expect(h.slack.ratelimited()).toBe(0);
  });

  it('a bulk ramp starts one durable ramp per key, each with its own progress message', async () => {
    const h = await start();
    const keys = ['orders-r1', 'orders-r2', 'orders-r3'];
    for (const key of keys)
      h.qstash.setKey({ flowControlKey: key, isPaused: true, waitListSize: 500, parallelismMax: 10 });
    const body = await preview(h, 'ramp orders-r* over 1m');
    expect(allText(body)).toContain('Resume gradually (ramp) every key matching');
    await confirm(h, confirmButton(body)?.value ?? '');
    const final = await waitForSummary(h, await summaryTs(h), 'started ramps on 3 of 3 keys');
    expect(final).toContain('ramping, see its progress message');
    for (const key of keys)
      await h.slack.waitForCall('chat.postMessage', (c) => c.params.text === `Ramping up ${key}`);
    expect(keys.every((key) => h.qstash.getKey(key)?.isPaused === false)).toBe(true);
    const started = h.logs.audits().filter((a) => a.action === 'ramp' && a.outcome === 'done' && !a.bulk);
    expect(started.map((a) => a.key).sort()).toEqual(keys);
    expect(started.every((a) => a.source === 'bulk')).toBe(true);
  });

  it('more keys than one request may ramp is refused whole', async () => {
    const h = await start();
    seed(h, 'orders-us', 21);
    const body = await preview(h, 'ramp orders-us-*');
    expect(allText(body)).toContain('one request ramps at most 20');
    expect(confirmButton(body)).toBeUndefined();
  });
});

describe('policy limits', () => {
  it('a person without the bulk action may not change keys by pattern', async () => {
    const policy = `rules:\n  - subjects: [${LIMITED}]\n    actions: [list, status, resume]\n`;
    const h = await start({}, policy);
    seed(h, 'orders-us', 2);
    const body = await preview(h, 'resume orders-*', LIMITED);
    expect(allText(body)).toContain('2 you may not change');
    expect(allText(body)).toContain('not allowed by pattern');
    expect(confirmButton(body)).toBeUndefined();
    // One key at a time is still theirs.
    const one = await h.command('/flow-resume', 'orders-us-001', { user: LIMITED });
    await h.waitForResponse(one.responseUrl, (b) => b.response_type === 'in_channel');
    const whoami = await h.command('/flow', 'whoami', { user: LIMITED });
    expect(allText(await h.waitForResponse(whoami.responseUrl))).toContain(
      'you may not act on keys by pattern',
    );
  });

  it('a request over the policy’s maximum number of keys is refused whole', async () => {
    const policy = `${POLICY}\nbulk:\n  maxKeys: 5\n`;
    const h = await start({}, policy);
    seed(h, 'orders-us', 6);
    const body = await preview(h, 'resume orders-us-*');
    expect(allText(body)).toContain(
      'matches 6 keys you may resume; one bulk request of yours may change at most 5',
    );
    expect(confirmButton(body)).toBeUndefined();
    const whoami = await h.command('/flow', 'whoami');
    expect(allText(await h.waitForResponse(whoami.responseUrl))).toContain('at most 5 keys');
  });

  it('a rule’s maxKeys raises the limit for the people it names', async () => {
    const policy = `${POLICY.replace("actions: ['*']", "actions: ['*']\n    maxKeys: 10")}\nbulk:\n  maxKeys: 5\n`;
    const h = await start({}, policy);
    const keys = seed(h, 'orders-us', 6);
    const id = confirmButton(await preview(h, 'resume orders-us-*'))?.value ?? '';
    await confirm(h, id);
    await waitForSummary(h, await summaryTs(h), 'resumed 6 of 6 keys');
    ranOnce(h, keys);
  });

  it('a pattern matching more keys than the whole rate limit covers is refused in the preview, saying how many it covers', async () => {
    const h = await start({ FLOW_RATE_LIMIT: '1/1h' });
    const keys = seed(h, 'orders-us', 30);
    const body = await preview(h, 'resume orders-us-*');
    expect(allText(body)).toContain('so one request of yours may change at most 25 keys');
    expect(confirmButton(body)).toBeUndefined();
    expect(mutationsOf(h, keys).every((n) => n === 0)).toBe(true);
    // Fewer than 25 keys are one change: taken.
    const id = confirmButton(await preview(h, 'resume orders-us-00*'))?.value ?? '';
    await confirm(h, id);
    await waitForSummary(h, await summaryTs(h), 'resumed 9 of 9 keys');
  });

  it('a batch counts one change per 25 keys against the rate limit, taken whole when confirmed', async () => {
    const h = await start({ FLOW_RATE_LIMIT: '2/1h' });
    const keys = seed(h, 'orders-us', 30);
    // 30 keys are 2 changes: within the limit, and never cut off halfway.
    await confirm(h, confirmButton(await preview(h, 'resume orders-us-*'))?.value ?? '');
    await waitForSummary(h, await summaryTs(h), 'resumed 30 of 30 keys');
    ranOnce(h, keys);
    // The limit is used up: the next batch is refused before any key changes.
    const id = confirmButton(await preview(h, 'pause orders-us-0*'))?.value ?? '';
    const click = await confirm(h, id);
    const refused = allText(await h.waitForResponse(click.responseUrl));
    expect(refused).toContain('Nothing was changed');
    expect(mutationsOf(h, keys, 'pause').every((n) => n === 0)).toBe(true);
  });
});

describe('a bulk pause’s follow-ups', () => {
  /** Running keys `<prefix>-1` … `<prefix>-<count>`, each with a waitlist. */
  function running(h: Harness, prefix: string, count: number): string[] {
    return Array.from({ length: count }, (_, i) => {
      const key = `${prefix}-${String(i + 1).padStart(3, '0')}`;
      h.qstash.setKey({ flowControlKey: key, waitListSize: 5 });
      return key;
    });
  }

  /**
   * The batch's timers of a kind are due together (the first key's time, for all); moved to now in the store
   * the bot uses, as the clock would.
   */
  async function dueNow(h: Harness, kind: Timer['kind'], count: number) {
    const store = SqliteStateStore.open(h.dataDir);
    try {
      const planned = (await store.list<Timer>('timer')).filter((e) => e.value.kind === kind);
      expect(planned).toHaveLength(count);
      expect(new Set(planned.map((e) => e.value.dueAt)).size).toBe(1);
      for (const entry of planned) await store.set('timer', entry.id, { ...entry.value, dueAt: Date.now() });
    } finally {
      await store.close();
    }
  }

  const told = (h: Harness, text: string) =>
    h.slack.callsTo('chat.postMessage').filter((c) => String(c.params.text).includes(text));

  it('a timed pause of many keys ends in one message for all of them, not one per key', async () => {
    const h = await start();
    const keys = running(h, 'orders-us', 25);
    const id = confirmButton(await preview(h, 'pause orders-us-* for 10m downstream down'))?.value ?? '';
    await confirm(h, id);
    await waitForSummary(h, await summaryTs(h), 'paused 25 of 25 keys');
    await dueNow(h, 'resume', 25);
    const post = await h.slack.waitForCall(
      'chat.postMessage',
      (c) => String(c.params.text).includes('Timed pause over'),
      60_000,
    );
    await expect
      .poll(() => keys.filter((key) => h.qstash.getKey(key)?.isPaused).length, { timeout: 60_000 })
      .toBe(0);
    expect(String(post.params.text)).toContain('resumed 25 keys');
    expect(allText(post.params as { blocks?: unknown })).toContain('…and 5 more');
    // Every timed resume of the batch has run and been audited: still only the one message.
    await expect
      .poll(() => h.logs.audits().filter((a) => a.source === 'timer' && a.outcome === 'done').length, {
        timeout: 60_000,
      })
      .toBe(25);
    expect(told(h, 'Timed pause over')).toHaveLength(1);
    expect(keys.map((key) => h.qstash.appliedMutations(key, 'resume'))).toEqual(keys.map(() => 1));
  });

  it('reminders of a bulk pause come as one nudge listing the keys still paused', async () => {
    const h = await start();
    const keys = running(h, 'orders-us', 4);
    const id = confirmButton(await preview(h, 'pause orders-us-*'))?.value ?? '';
    await confirm(h, id);
    await waitForSummary(h, await summaryTs(h), 'paused 4 of 4 keys');
    // One key is resumed by hand meanwhile: the nudge leaves it out.
    h.qstash.setKey({ flowControlKey: keys[0]!, isPaused: false });
    await dueNow(h, 'reminder', 4);
    const post = await h.slack.waitForCall('chat.postMessage', (c) =>
      String(c.params.text).includes('still paused'),
    );
    expect(String(post.params.text)).toContain('3 keys still paused');
    const text = allText(post.params as { blocks?: unknown });
    for (const key of keys.slice(1)) expect(text).toContain(key);
    expect(text).not.toContain(keys[0]);
    expect(told(h, 'still paused')).toHaveLength(1);
  });
});

describe('durability', () => {
  it('a restart mid-batch finishes the batch without repeating or dropping keys', async () => {
    const first = await start({ FLOW_BULK_CONCURRENCY: '1' }, POLICY, { latencyMs: 60 });
    const keys = seed(first, 'orders-us', 12);
    const id = confirmButton(await preview(first, 'resume orders-us-*'))?.value ?? '';
    await confirm(first, id);
    const ts = await summaryTs(first);
    await expect
      .poll(() => first.qstash.mutations.length, { timeout: 20_000, interval: 20 })
      .toBeGreaterThanOrEqual(3);
    await first.stopBot();
    const done = first.qstash.mutations.length;
    expect(done).toBeLessThan(12);
    const second = await harness({
      dataDir: first.dataDir,
      reuse: { qstash: first.qstash, slack: first.slack },
      env: { FLOW_POLICY_FILE: policyFile(POLICY), FLOW_ALLOWED_USERS: '' },
    });
    await waitForSummary(second, ts, 'resumed 12 of 12 keys');
    ranOnce(second, keys, [...first.logs.audits(), ...second.logs.audits()]);
  });
});

describe('a key an earlier runner claimed (a runner that died between claiming a key and changing it)', () => {
  /**
   * A store in which, when this runner comes to the batch's third key, a claim on it is already there, as an
   * earlier runner that died would have left it; `onPlant` runs then (to say what that runner got done).
   */
  function storeWithDeadRunnerClaim(onPlant: () => void) {
    const store = new MemoryStateStore();
    let planted = false;
    const wrapped = new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'compareAndSet')
          return async (...args: Parameters<MemoryStateStore['compareAndSet']>) => {
            const [namespace, id, , , options] = args;
            if (!planted && namespace === 'once' && /^bulk:.+:2$/.test(id)) {
              planted = true;
              await target.compareAndSet(namespace, id, undefined, 'a-runner-that-died', options);
              onPlant();
            }
            return target.compareAndSet(...args);
          };
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    return { store: wrapped, planted: () => planted };
  }

  async function runBatch(onPlant: (h: Harness, keys: string[]) => void) {
    let started: { h: Harness; keys: string[] } | undefined;
    const dead = storeWithDeadRunnerClaim(() => started && onPlant(started.h, started.keys));
    const h = await harness({
      env: { FLOW_POLICY_FILE: policyFile(POLICY), FLOW_ALLOWED_USERS: '', FLOW_BULK_CONCURRENCY: '1' },
      flowbot: { store: dead.store },
    });
    const keys = seed(h, 'orders-us', 5);
    started = { h, keys };
    await confirm(h, confirmButton(await preview(h, 'resume orders-us-*'))?.value ?? '');
    await waitForSummary(h, await summaryTs(h), 'resumed 5 of 5 keys');
    expect(dead.planted()).toBe(true);
    return { h, keys };
  }

  it('it never changed the key: this runner checks the key, changes it, and reports it', async () => {
    const { h, keys } = await runBatch(() => {});
    for (const key of keys) expect(h.qstash.getKey(key)?.isPaused, key).toBe(false);
    ranOnce(h, keys);
  });

  it('it did change the key: reported done without a second change', async () => {
    const { h, keys } = await runBatch((h, keys) =>
      h.qstash.setKey({ flowControlKey: keys[2] ?? '', isPaused: false }),
    );
    for (const key of keys) expect(h.qstash.getKey(key)?.isPaused, key).toBe(false);
    expect(h.qstash.appliedMutations(keys[2] ?? '', 'resume')).toBe(0);
    ranOnce(h, [...keys.slice(0, 2), ...keys.slice(3)]);
  });
});

describe('hostile patterns', () => {
  it.each(['<!channel>*', '*`x`*', '*<*', '*&lt;*'])(
    '%j, typed, stays text in the preview and the summary',
    async (pattern) => {
      const h = await start();
      const key = pattern.replace(/\*/g, 'k');
      h.qstash.setKey({ flowControlKey: key, isPaused: true });
      // As Slack sends what a person typed: &, < and > as entities.
      const typed = pattern.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      const body = await preview(h, `resume ${typed}`);
      expect(allText(body)).not.toContain('<!channel>');
      await confirm(h, confirmButton(body)?.value ?? '');
      const final = await waitForSummary(h, await summaryTs(h), 'resumed 1 of 1 key');
      expect(final).not.toContain('<!channel>');
    },
  );

  it('a pattern over the bounds is refused in the acknowledgement; QStash is never asked', async () => {
    const h = await start();
    for (const [command, text] of [
      ['/flow', `resume ${'a*'.repeat(17)}`],
      ['/flow-resume', `${'?'.repeat(300)}`],
    ] as const) {
      const ack = await h.command(command, text);
      expect(ack.status).toBe(200);
      expect(ack.body).toMatch(/wildcards|characters long/);
    }
    expect(h.qstash.requests).toHaveLength(0);
  });

  it('a stranger is told they have no access, privately', async () => {
    const h = await start();
    seed(h, 'orders-us', 2);
    const body = await preview(h, 'resume orders-*', STRANGER);
    expect(body.response_type).toBe('ephemeral');
    expect(allText(body)).toContain('No keys you may see match');
  });
});
