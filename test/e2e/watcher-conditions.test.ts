import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertSignal } from '../../src/core/alerts/alert-signal.js';
import { Watcher, type WatchSettings, watcherSees } from '../../src/core/alerts/watcher.js';
import { QStashEnvironments } from '../../src/core/qstash/environments.js';
import { MemoryStateStore } from '../../src/core/store/memory-store.js';
import { ManualClock } from '../../stand-ins/clock.js';
import { type QStashEmulator, startQStashEmulator } from '../../stand-ins/qstash-emulator.js';

/**
 * The watcher's conditions against the QStash emulator, on the emulator's clock: the watcher reads the same
 * clock, so rounds, rate periods and delivery slots move only when the test moves time. Two watchers on one
 * store stand for the scheduler's replica before and after a failover.
 */

const INTERVAL_MS = 60_000;
const SETTINGS: WatchSettings = {
  keys: ['orders-*', 'emails'],
  environments: ['default'],
  intervalMs: INTERVAL_MS,
  waitlistThreshold: 0,
  saturatedRounds: 3,
  stuckRounds: 3,
  growthRounds: 4,
  growthMin: 100,
  globalParallelismPercent: 90,
  channel: 'CALERTS01',
};

interface Setup {
  qstash: QStashEmulator;
  clock: ManualClock;
  store: MemoryStateStore;
  signals: AlertSignal[];
  errors: unknown[];
  watcher(settings?: Partial<WatchSettings>): Watcher;
  round(watcher: Watcher): Promise<void>;
}

const open: QStashEmulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((emulator) => emulator.close()));
});

async function setup(live: boolean | { deliveryMs: number } = false): Promise<Setup> {
  const clock = new ManualClock();
  const qstash = await startQStashEmulator({ clock, live, token: 'watch-token-0123456789' });
  open.push(qstash);
  const environments = new QStashEnvironments(
    [{ name: 'default', url: qstash.url, token: 'watch-token-0123456789' }],
    { attemptTimeoutMs: 2_000, totalTimeoutMs: 5_000, baseDelayMs: 1, maxAttempts: 1 },
  );
  const store = new MemoryStateStore(() => clock.now());
  const signals: AlertSignal[] = [];
  const errors: unknown[] = [];
  return {
    qstash,
    clock,
    store,
    signals,
    errors,
    watcher: (settings = {}) =>
      new Watcher(
        { ...SETTINGS, ...settings },
        environments,
        store,
        async (signal) => {
          signals.push(signal);
        },
        (error) => errors.push(error),
        () => clock.now(),
      ),
    async round(watcher) {
      await watcher.tick();
      clock.advance(INTERVAL_MS);
    },
  };
}

const firing = (signals: AlertSignal[], key: string) =>
  signals.filter((s) => s.target.key === key && s.status === 'firing');
const resolved = (signals: AlertSignal[], key: string) =>
  signals.filter((s) => s.target.key === key && s.status === 'resolved');

describe('watcher: saturated keys', () => {
  it('raises after N rounds at the parallelism maximum, once, and a failover neither repeats nor forgets it', async () => {
    // Deliveries hold their slot for 10 minutes: the key stays at its maximum while the clock moves.
    const s = await setup({ deliveryMs: 600_000 });
    s.qstash.publish('orders-eu', 50, { parallelism: 2 });
    expect(s.qstash.getKey('orders-eu')).toMatchObject({ parallelismCount: 2, parallelismMax: 2 });

    const first = s.watcher();
    await s.round(first);
    await s.round(first);
    expect(s.signals).toHaveLength(0);
    // The scheduler moves to another replica mid-count: it carries on from the stored count.
    const second = s.watcher();
    await s.round(second);
    expect(firing(s.signals, 'orders-eu')).toHaveLength(1);
    const [signal] = firing(s.signals, 'orders-eu');
    expect(signal?.watched).toMatchObject({
      kind: 'saturated',
      parallelism: { count: 2, max: 2 },
      rounds: { saturated: 3 },
      drain: { kind: 'unknown', reason: 'no_rate' },
    });
    expect(await watcherSees(s.store, 'default:orders-eu')).toBe(true);

    // Still saturated, and another failover: nothing new.
    await s.round(second);
    const third = s.watcher();
    await s.round(third);
    expect(s.signals).toHaveLength(1);

    // Room to breathe: pinned parallelism far above what is waiting.
    await s.round(third);
    s.qstash.setKey({ flowControlKey: 'orders-eu', parallelismMax: 500, isPinnedParallelism: true });
    await s.round(third);
    expect(resolved(s.signals, 'orders-eu')).toHaveLength(1);
    await s.round(s.watcher());
    await s.round(third);
    expect(s.signals).toHaveLength(2);
    expect(await watcherSees(s.store, 'default:orders-eu')).toBe(false);
  });

  it('counts a round once when another replica takes over right after it: rounds in a row stay an interval apart', async () => {
    const s = await setup({ deliveryMs: 600_000 });
    s.qstash.publish('orders-eu', 50, { parallelism: 2 });
    await s.round(s.watcher());
    await s.watcher().tick();
    // Taken over twice within the same interval: neither new leader counts a round of its own yet.
    s.clock.advance(INTERVAL_MS / 2);
    const late = s.watcher();
    await late.tick();
    expect(s.qstash.requests.filter((r) => r.route === 'list')).toHaveLength(2);
    expect(s.signals).toHaveLength(0);
    s.clock.advance(INTERVAL_MS / 2);
    await late.tick();
    expect(firing(s.signals, 'orders-eu').map((signal) => signal.watched?.kind)).toEqual(['saturated']);
  });
});

describe('watcher: stuck keys', () => {
  it('raises when a key that is not paused has messages waiting and none in flight for N rounds, and resolves when they move', async () => {
    const s = await setup();
    s.qstash.setKey({ flowControlKey: 'emails', waitListSize: 40, parallelismMax: 5, parallelismCount: 0 });
    const watcher = s.watcher();
    await s.round(watcher);
    await s.round(watcher);
    expect(s.signals).toHaveLength(0);
    await s.round(watcher);
    expect(firing(s.signals, 'emails')).toHaveLength(1);
    expect(firing(s.signals, 'emails')[0]?.watched).toMatchObject({
      kind: 'stuck',
      waitlist: 40,
      rounds: { stuck: 3 },
    });
    expect(firing(s.signals, 'emails')[0]?.severity).toBe('warning');
    await s.round(s.watcher());
    expect(s.signals).toHaveLength(1);

    s.qstash.setKey({ flowControlKey: 'emails', parallelismCount: 3, waitListSize: 37 });
    await s.round(s.watcher());
    expect(resolved(s.signals, 'emails')).toHaveLength(1);
    expect(s.signals).toHaveLength(2);
  });

  it('is not stuck while waiting for its next rate period, nor when global parallelism is full', async () => {
    const s = await setup();
    const now = Math.floor(s.clock.now() / 1000);
    // The hour's rate is spent: the key waits for the next period, as flow control means it to.
    s.qstash.setKey({
      flowControlKey: 'orders-us',
      waitListSize: 40,
      rateMax: 10,
      rateCount: 10,
      ratePeriod: 86_400,
      ratePeriodStart: now,
    });
    const watcher = s.watcher();
    for (let i = 0; i < 4; i += 1) await s.round(watcher);
    expect(s.signals).toHaveLength(0);

    s.qstash.setKey({ flowControlKey: 'orders-us', rateCount: 0 });
    s.qstash.setGlobal({ parallelismMax: 10, parallelismCount: 10 });
    for (let i = 0; i < 3; i += 1) await s.round(watcher);
    // Only the account-wide condition, on `$`: the key waits for a global slot.
    expect(s.signals.map((signal) => `${signal.target.key}:${signal.watched?.kind}`)).toEqual([
      '$:global_saturated',
    ]);
  });

  it('says "paused" of a paused key, never "stuck" or "growing", however its waitlist grows', async () => {
    const s = await setup();
    s.qstash.setKey({ flowControlKey: 'orders-eu', waitListSize: 10, isPaused: true });
    const watcher = s.watcher();
    for (let i = 0; i < 6; i += 1) {
      s.qstash.publish('orders-eu', 500);
      await s.round(watcher);
    }
    expect(s.signals.map((signal) => signal.watched?.kind)).toEqual(['paused']);
    expect(s.signals[0]?.watched?.drain).toEqual({ kind: 'paused' });
  });
});

describe('watcher: growing waitlists', () => {
  it('raises when the waitlist grows by FLOW_WATCH_GROWTH_MIN over the window, once, and resolves when it no longer grows', async () => {
    const s = await setup();
    s.qstash.setKey({
      flowControlKey: 'orders-eu',
      waitListSize: 100,
      parallelismMax: 50,
      parallelismCount: 1,
    });
    const watcher = s.watcher();
    await s.round(watcher);
    for (let i = 0; i < 3; i += 1) {
      s.qstash.setKey({ flowControlKey: 'orders-eu', waitListSize: 100 + (i + 1) * 40 });
      await s.round(watcher);
    }
    // 3 rounds of growth are not the 4-round window yet.
    expect(s.signals).toHaveLength(0);
    s.qstash.setKey({ flowControlKey: 'orders-eu', waitListSize: 260 });
    await s.round(watcher);
    expect(firing(s.signals, 'orders-eu').map((signal) => signal.watched)).toEqual([
      expect.objectContaining({
        kind: 'growing',
        growth: { by: 160, rounds: 4, overMs: 4 * INTERVAL_MS },
      }),
    ]);
    // Still growing, slowly, over a failover: no second alert.
    s.qstash.setKey({ flowControlKey: 'orders-eu', waitListSize: 270 });
    await s.round(s.watcher());
    expect(s.signals).toHaveLength(1);
    // Draining now: the window shows no net growth.
    for (const size of [240, 200, 150, 90]) {
      s.qstash.setKey({ flowControlKey: 'orders-eu', waitListSize: size });
      await s.round(watcher);
    }
    expect(resolved(s.signals, 'orders-eu')).toHaveLength(1);
    expect(s.signals).toHaveLength(2);
  });

  it('lists every active condition on the one alert of a key; a condition that comes or goes updates it', async () => {
    const s = await setup();
    const watcher = s.watcher({ waitlistThreshold: 1_000, growthRounds: 2 });
    s.qstash.setKey({
      flowControlKey: 'orders-eu',
      waitListSize: 900,
      parallelismMax: 5,
      parallelismCount: 1,
    });
    await s.round(watcher);
    s.qstash.setKey({ flowControlKey: 'orders-eu', waitListSize: 1_200 });
    await s.round(watcher);
    expect(s.signals.map((signal) => signal.watched?.conditions)).toEqual([['backlogged']]);
    s.qstash.setKey({ flowControlKey: 'orders-eu', waitListSize: 1_500 });
    await s.round(watcher);
    expect(s.signals.map((signal) => signal.watched?.conditions)).toEqual([
      ['backlogged'],
      ['growing', 'backlogged'],
    ]);
    expect(s.signals[1]?.watched?.kind).toBe('growing');
    s.qstash.setKey({ flowControlKey: 'orders-eu', waitListSize: 100 });
    await s.round(watcher);
    expect(s.signals.map((signal) => signal.status)).toEqual(['firing', 'firing', 'resolved']);
  });
});

describe('watcher: global parallelism', () => {
  it('raises on `$` near the account maximum for N rounds and resolves once, across a failover', async () => {
    const s = await setup();
    s.qstash.setGlobal({ parallelismMax: 100, parallelismCount: 95 });
    const first = s.watcher();
    await s.round(first);
    await s.round(first);
    const second = s.watcher();
    await s.round(second);
    expect(firing(s.signals, '$').map((signal) => signal.watched)).toEqual([
      expect.objectContaining({
        kind: 'global_saturated',
        global: { count: 95, max: 100, percent: 90 },
      }),
    ]);
    await s.round(second);
    s.qstash.setGlobal({ parallelismCount: 89 });
    await s.round(s.watcher());
    await s.round(second);
    expect(resolved(s.signals, '$')).toHaveLength(1);
    expect(s.signals).toHaveLength(2);
  });

  it('keeps the global condition as it was through a round where the global read failed', async () => {
    const s = await setup();
    s.qstash.setKey({ flowControlKey: '$', waitListSize: 5 });
    s.qstash.setGlobal({ parallelismMax: 10, parallelismCount: 10 });
    const watcher = s.watcher({ keys: ['*'], saturatedRounds: 1 });
    await s.round(watcher);
    expect(s.signals.map((signal) => signal.watched?.conditions)).toEqual([['global_saturated']]);
    s.qstash.unavailable(10, { route: 'global' });
    await s.round(watcher);
    expect(s.errors).toHaveLength(1);
    expect(s.signals).toHaveLength(1);
    s.qstash.clearFaults();
    s.qstash.setGlobal({ parallelismCount: 1 });
    await s.round(watcher);
    expect(s.signals.map((signal) => signal.status)).toEqual(['firing', 'resolved']);
  });

  it('is not checked where QStash has no global endpoint, and keys are still watched', async () => {
    const s = await setup();
    s.qstash.inject({
      kind: 'status',
      status: 404,
      body: { error: 'not found' },
      route: 'global',
      times: 100,
    });
    s.qstash.setKey({ flowControlKey: 'emails', isPaused: true, waitListSize: 3 });
    await s.round(s.watcher());
    expect(s.signals.map((signal) => `${signal.target.key}:${signal.watched?.kind}`)).toEqual([
      'emails:paused',
    ]);
    expect(s.errors).toEqual([]);
  });
});

describe('watcher: raised once, resolved once, whoever runs the rounds (property)', () => {
  const kinds = ['paused', 'backlogged', 'saturated', 'stuck', 'growing'] as const;
  const roundState = fc.record({
    paused: fc.boolean(),
    waitlist: fc.integer({ min: 0, max: 3_000 }),
    running: fc.integer({ min: 0, max: 4 }),
    failover: fc.boolean(),
  });

  it('sends a signal only when the set of conditions changes, ends resolved when none is left, and a failover changes nothing', async () => {
    const single = await setup();
    const replicas = await setup();
    await fc.assert(
      fc.asyncProperty(fc.array(roundState, { minLength: 1, maxLength: 14 }), async (rounds) => {
        for (const s of [single, replicas]) {
          s.signals.splice(0);
          for (const { id } of await s.store.list('watch')) await s.store.delete('watch', id);
          for (const key of s.qstash.keys()) s.qstash.deleteKey(key.flowControlKey);
        }
        const settings = { waitlistThreshold: 2_000, saturatedRounds: 2, stuckRounds: 2, growthRounds: 2 };
        const kept = single.watcher(settings);
        let current = replicas.watcher(settings);
        for (const round of [...rounds, { paused: false, waitlist: 0, running: 0, failover: false }]) {
          for (const s of [single, replicas])
            s.qstash.setKey({
              flowControlKey: 'orders-eu',
              isPaused: round.paused,
              waitListSize: round.waitlist,
              parallelismMax: 4,
              parallelismCount: round.running,
            });
          if (round.failover) current = replicas.watcher(settings);
          await single.round(kept);
          await replicas.round(current);
        }
        // Another replica taking over at any round sends exactly what one watcher sends.
        expect(replicas.signals).toEqual(single.signals);
        // Every signal is a change; each condition alternates raised → resolved.
        let shown: readonly string[] = [];
        for (const signal of single.signals) {
          const next = signal.status === 'firing' ? (signal.watched?.conditions ?? []) : [];
          expect([...next].sort()).not.toEqual([...shown].sort());
          if (signal.status === 'resolved') expect(shown.length).toBeGreaterThan(0);
          shown = next;
        }
        // The last round has nothing waiting or running: whatever was raised has been resolved.
        expect(shown.filter((kind) => kinds.includes(kind as (typeof kinds)[number]))).toEqual([]);
        expect(single.signals.at(-1)?.status ?? 'resolved').toBe('resolved');
      }),
      { numRuns: 40 },
    );
  });
});
