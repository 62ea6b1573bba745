import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { harnessPerTest, STRANGER } from '../support/flowbot-harness.js';
import { surfaces } from '../support/surfaces.js';

/** The key picker's options load URL, through the front door as `npm start` runs it. */
const harness = harnessPerTest({ frontDoor: true }, (h) => {
  h.qstash.setKey({ flowControlKey: 'orders-eu', isPaused: true, waitListSize: 12_340 });
  h.qstash.setKey({ flowControlKey: 'orders-us', waitListSize: 20 });
  h.qstash.setKey({ flowControlKey: 'payments-us', waitListSize: 5_000 });
  h.qstash.setKey({ flowControlKey: 'emails', waitListSize: 0 });
});

const values = (options: { value: string }[]) => options.map((option) => option.value);

describe('key picker (external_select flow_key)', () => {
  it('answers in its acknowledgement with the keys matching what was typed, paused first', async () => {
    const h = await harness();
    const s = surfaces(h);
    const all = await s.suggest('');
    expect(all.status).toBe(200);
    expect(values(all.options)).toEqual(['orders-eu', 'payments-us', 'orders-us', 'emails']);
    const orders = await s.suggest('ORD');
    expect(values(orders.options)).toEqual(['orders-eu', 'orders-us']);
    expect(orders.options[0]?.description?.text).toBe('paused · 12,340 waiting');
    const middle = await s.suggest('ments');
    expect(values(middle.options)).toEqual(['payments-us']);
  });

  it('serves the kept list and reads QStash again in the background: a 2 s QStash never delays the answer', async () => {
    const h = await harness({
      qstashTiming: { attemptTimeoutMs: 5_000, totalTimeoutMs: 10_000, baseDelayMs: 10, maxAttempts: 2 },
      // Every use finds the list stale, so every answer starts a read.
      flowbot: { keyListMaxAgeMs: 0 },
    });
    const s = surfaces(h);
    expect(values((await s.suggest('orders')).options)).toEqual(['orders-eu', 'orders-us']);
    h.qstash.setKey({ flowControlKey: 'orders-asia', waitListSize: 1 });
    h.qstash.latencyMs = 2_000;
    h.qstash.clearRequests();
    const answer = await s.suggest('orders');
    // Answered from the kept list, while QStash had not yet answered the read it started (which may reach
    // QStash a moment after the answer).
    const answeredReads = h.qstash.requests.filter((r) => r.route === 'list' && r.status !== undefined);
    expect(values(answer.options)).toEqual(['orders-eu', 'orders-us']);
    expect(answeredReads).toEqual([]);
    const reads = () => h.qstash.requests.filter((r) => r.route === 'list');
    await expect.poll(() => reads().length, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => reads()[0]?.status, { timeout: 10_000 }).toBe(200);
    expect(reads()).toHaveLength(1);
    expect(values((await s.suggest('orders')).options)).toContain('orders-asia');
  });

  it('answers the very first request within its bound even when QStash is slow', async () => {
    const h = await harness({
      qstashTiming: { attemptTimeoutMs: 5_000, totalTimeoutMs: 10_000, baseDelayMs: 10, maxAttempts: 2 },
    });
    h.qstash.latencyMs = 2_000;
    const answer = await surfaces(h).suggest('orders-eu');
    expect(answer.status).toBe(200);
    // Nothing listed yet: what was typed is offered as typed, and the read goes on in the background.
    expect(values(answer.options)).toEqual(['orders-eu']);
    expect(h.qstash.requests.filter((r) => r.route === 'list')[0]?.status).toBeUndefined();
  });

  it('offers a well-formed key the list lacks, as typed, and nothing for a stranger', async () => {
    const h = await harness();
    const s = surfaces(h);
    const typed = await s.suggest('brand-new-key');
    expect(values(typed.options)).toEqual(['brand-new-key']);
    expect(typed.options[0]?.description?.text).toContain('as typed');
    const stranger = await s.suggest('', { user: STRANGER });
    expect(stranger.status).toBe(200);
    expect(stranger.options).toEqual([]);
    expect(stranger.body).not.toContain('orders');
  });

  it('shows only the keys the policy lets the person see', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowbot-policy-'));
    const policy = join(dir, 'policy.yml');
    writeFileSync(
      policy,
      `version: 1
rules:
  - name: orders only
    subjects: [UORDERS01]
    actions: [list, status]
    keys: ["orders-*"]
`,
    );
    const h = await harness({ env: { FLOW_POLICY_FILE: policy } });
    const options = await surfaces(h).suggest('', { user: 'UORDERS01' });
    expect(values(options.options)).toEqual(['orders-eu', 'orders-us']);
    // A key outside their rules is not offered even when typed exactly.
    expect((await surfaces(h).suggest('payments-us', { user: 'UORDERS01' })).options).toEqual([]);
  });

  it('caps the answer at 100 options within Slack’s limits, even for huge key names', async () => {
    const h = await harness();
    for (let i = 0; i < 150; i++)
      h.qstash.setKey({ flowControlKey: `bulk-${String(i).padStart(3, '0')}-${'x'.repeat(200)}` });
    const answer = await surfaces(h).suggest('bulk');
    expect(answer.options).toHaveLength(100);
    for (const option of answer.options) {
      expect(option.text.text.length).toBeLessThanOrEqual(75);
      expect(option.value.length).toBeLessThanOrEqual(150);
    }
  });

  it('answers a menu it does not serve with an empty list at once', async () => {
    const h = await harness();
    const answer = await surfaces(h).suggest('x', { actionId: 'someone_elses_menu' });
    expect(answer.status).toBe(200);
    expect(answer.options).toEqual([]);
  });
});

describe('key picker with several environments', () => {
  it('writes keys as env:key and understands a typed environment', async () => {
    const h = await harness({ environments: { prod: {}, staging: {} } });
    h.qstashByEnvironment.prod!.setKey({ flowControlKey: 'orders', isPaused: true });
    h.qstashByEnvironment.staging!.setKey({ flowControlKey: 'orders', waitListSize: 3 });
    const s = surfaces(h);
    // Exact names first (paused first), then keys starting with it.
    expect(values((await s.suggest('orders')).options)).toEqual([
      'prod:orders',
      'staging:orders',
      'prod:orders-eu',
      'prod:orders-us',
    ]);
    expect(values((await s.suggest('staging:')).options)).toEqual(['staging:orders']);
  });
});
