import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { currentRatePeriod, estimateDrain } from '../../src/core/qstash/drain.js';
import type { FlowKeyState } from '../../src/core/qstash/types.js';
import { keyState } from './fixtures.js';

const NOW = Date.UTC(2026, 0, 5, 9, 0, 0);
const nowSeconds = NOW / 1000;

describe('currentRatePeriod', () => {
  it('ends one period after it started, with what the rate has left', () => {
    const state = keyState({ rateMax: 50, rateCount: 20, ratePeriod: 60, ratePeriodStart: nowSeconds - 15 });
    expect(currentRatePeriod(state, NOW)).toEqual({
      endsAt: NOW + 45_000,
      left: 30,
      periodMs: 60_000,
      rateMax: 50,
      reported: true,
    });
  });

  it('rolls a period that is already over in whole periods, its count spent', () => {
    const state = keyState({ rateMax: 50, rateCount: 50, ratePeriod: 60, ratePeriodStart: nowSeconds - 130 });
    expect(currentRatePeriod(state, NOW)).toMatchObject({ endsAt: NOW + 50_000, left: 50 });
  });

  it('reads a rate without a period as a 1-second period (pin without period)', () => {
    const state = keyState({ rateMax: 5, ratePeriod: undefined, ratePeriodStart: nowSeconds });
    expect(currentRatePeriod(state, NOW)).toMatchObject({ periodMs: 1_000, endsAt: NOW + 1_000 });
  });

  it('is undefined without a rate; starts now when QStash did not say when', () => {
    expect(currentRatePeriod(keyState({ rateMax: undefined }), NOW)).toBeUndefined();
    expect(
      currentRatePeriod(keyState({ rateMax: 10, ratePeriod: 60, ratePeriodStart: undefined }), NOW),
    ).toMatchObject({ endsAt: NOW + 60_000, left: 10, reported: false });
  });
});

describe('estimateDrain', () => {
  it('is empty with nothing waiting, paused when paused', () => {
    expect(estimateDrain(keyState({ waitlistSize: 0 }), NOW)).toEqual({ kind: 'empty' });
    expect(estimateDrain(keyState({ waitlistSize: 10, paused: true, rateMax: 5 }), NOW)).toEqual({
      kind: 'paused',
    });
  });

  it('uses the rest of this period, then the rate per period', () => {
    // 30 left now (period ends in 45 s), then 50 a minute: 130 waiting → 30 now, 50 at +45 s, 50 at +105 s.
    const state = keyState({
      waitlistSize: 130,
      rateMax: 50,
      rateCount: 20,
      ratePeriod: 60,
      ratePeriodStart: nowSeconds - 15,
      parallelismCount: 3,
    });
    expect(estimateDrain(state, NOW)).toEqual({ kind: 'estimate', ms: 105_000, basis: 'rate' });
    expect(estimateDrain({ ...state, waitlistSize: 30 }, NOW)).toEqual({
      kind: 'estimate',
      ms: 0,
      basis: 'rate',
    });
    expect(estimateDrain({ ...state, waitlistSize: 31 }, NOW)).toEqual({
      kind: 'estimate',
      ms: 45_000,
      basis: 'rate',
    });
  });

  it('is unknown without a rate, unless the watcher saw the waitlist shrink', () => {
    const state = keyState({ waitlistSize: 600, parallelismMax: 5, parallelismCount: 5 });
    expect(estimateDrain(state, NOW)).toEqual({ kind: 'unknown', reason: 'no_rate' });
    expect(estimateDrain(state, NOW, { drainedPerSecond: 10 })).toEqual({
      kind: 'estimate',
      ms: 60_000,
      basis: 'observed',
    });
    // Slots are busy but the waitlist did not shrink: moving, at a pace nothing tells.
    expect(estimateDrain(state, NOW, { drainedPerSecond: -3 })).toEqual({
      kind: 'unknown',
      reason: 'no_rate',
    });
    expect(estimateDrain({ ...state, parallelismCount: 0 }, NOW, { drainedPerSecond: 0 })).toEqual({
      kind: 'unknown',
      reason: 'no_movement',
    });
  });

  it('is unknown when nothing moves: nothing in flight, nothing dispatched, no progress seen', () => {
    const state = keyState({
      waitlistSize: 100,
      rateMax: 10,
      rateCount: 0,
      ratePeriod: 60,
      ratePeriodStart: nowSeconds - 5,
      parallelismCount: 0,
    });
    expect(estimateDrain(state, NOW, { drainedPerSecond: 0 })).toEqual({
      kind: 'unknown',
      reason: 'no_movement',
    });
    // Without the watcher's view, the rate is all there is.
    expect(estimateDrain(state, NOW).kind).toBe('estimate');
  });

  const finiteCount = fc.oneof(
    fc.constant(0),
    fc.integer({ min: 0, max: 1e9 }),
    fc.double({ min: 0, max: 1e12, noNaN: true }),
  );
  const optionalPositive = fc.option(
    fc.oneof(fc.integer({ min: 1, max: 604_800 }), fc.double({ min: 1e-3, max: 1e9, noNaN: true })),
    { nil: undefined },
  );
  const states: fc.Arbitrary<FlowKeyState> = fc.record({
    key: fc.constant('k'),
    waitlistSize: finiteCount,
    paused: fc.boolean(),
    parallelismMax: optionalPositive,
    parallelismCount: finiteCount,
    rateMax: optionalPositive,
    rateCount: finiteCount,
    ratePeriod: optionalPositive,
    ratePeriodStart: fc.option(fc.integer({ min: 1, max: 4_000_000_000 }), { nil: undefined }),
    pinnedParallelism: fc.boolean(),
    pinnedRate: fc.boolean(),
  });
  const nows = fc.integer({ min: 0, max: 4_000_000_000_000 });
  const paces = fc.option(fc.record({ drainedPerSecond: fc.double({ min: -1e9, max: 1e9, noNaN: true }) }), {
    nil: undefined,
  });

  it('is never negative or NaN, and unknown exactly where it cannot be known (property)', () => {
    fc.assert(
      fc.property(states, nows, paces, (state, now, pace) => {
        const estimate = estimateDrain(state, now, pace);
        if (estimate.kind === 'estimate') {
          expect(Number.isFinite(estimate.ms)).toBe(true);
          expect(estimate.ms).toBeGreaterThanOrEqual(0);
        }
        if (state.waitlistSize === 0) expect(estimate.kind).toBe('empty');
        else if (state.paused) expect(estimate.kind).toBe('paused');
        else if (state.rateMax === undefined && !(pace && pace.drainedPerSecond > 0))
          expect(estimate.kind).toBe('unknown');
        const period = currentRatePeriod(state, now);
        if (period) {
          expect(period.endsAt).toBeGreaterThan(now);
          expect(period.left).toBeGreaterThanOrEqual(0);
          expect(period.endsAt - now).toBeLessThanOrEqual(period.periodMs);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('takes longer, never shorter, with more waiting (property)', () => {
    fc.assert(
      fc.property(states, nows, fc.integer({ min: 1, max: 1e6 }), (state, now, more) => {
        const base = { ...state, paused: false, waitlistSize: Math.max(1, state.waitlistSize) };
        const a = estimateDrain(base, now);
        const b = estimateDrain({ ...base, waitlistSize: base.waitlistSize + more }, now);
        if (a.kind === 'estimate' && b.kind === 'estimate') expect(b.ms).toBeGreaterThanOrEqual(a.ms);
      }),
      { numRuns: 1_000 },
    );
  });
});
