import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Backlog } from '../../src/slack/front-door/backlog.js';

/** A clock the test moves. */
function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('Backlog (the front door’s count of requests in flight)', () => {
  it('admits up to the bound, refuses past it, and counts only what it admitted', () => {
    const backlog = new Backlog(3);
    expect([1, 2, 3].map(() => backlog.admit().kind)).toEqual(['admitted', 'admitted', 'admitted']);
    expect(backlog.inFlight).toBe(3);
    expect(backlog.admit().kind).toBe('overloaded');
    expect(backlog.admit().kind).toBe('overloaded');
    expect(backlog.inFlight).toBe(3);
  });

  it('a request stays in flight while its work runs, and leaves when the work ends', () => {
    const backlog = new Backlog(2);
    backlog.admit();
    backlog.admit();
    // Both listeners returned, both still working (a change waiting on QStash, a reply on its way).
    backlog.report({ finished: 2, working: 2, completed: 0 });
    expect(backlog.inFlight).toBe(2);
    expect(backlog.admit().kind).toBe('overloaded');
    backlog.report({ finished: 2, working: 1, completed: 1 });
    expect(backlog.admit().kind).toBe('admitted');
    expect(backlog.admit().kind).toBe('overloaded');
    backlog.report({ finished: 3, working: 0, completed: 3 });
    expect(backlog.inFlight).toBe(0);
  });

  it('counts a request its listener has started work for, and not returned, twice rather than never', () => {
    const backlog = new Backlog(10);
    backlog.admit();
    backlog.report({ finished: 0, working: 1, completed: 0 });
    expect(backlog.inFlight).toBe(2);
  });

  it('counts requests handed over whatever the bound, so they take room from the rest', () => {
    const backlog = new Backlog(1);
    backlog.handOver();
    backlog.handOver();
    expect(backlog.inFlight).toBe(2);
    expect(backlog.admit().kind).toBe('overloaded');
    backlog.report({ finished: 2, working: 0, completed: 0 });
    expect(backlog.admit().kind).toBe('admitted');
  });

  it('never counts below zero, whatever a report says (a report from before a restart, a stale one)', () => {
    const backlog = new Backlog(5);
    backlog.admit();
    backlog.report({ finished: 40, working: -3, completed: 0 });
    expect(backlog.inFlight).toBe(0);
    // `finished` never exceeds what was handed over: the next requests are counted in full.
    backlog.admit();
    backlog.admit();
    expect(backlog.inFlight).toBe(2);
    // An older report arriving late doesn't undo a newer one.
    backlog.report({ finished: 2, working: 0, completed: 0 });
    backlog.report({ finished: 1, working: 0, completed: 0 });
    expect(backlog.inFlight).toBe(1);
  });

  it('says when to try again from how fast work has been ending lately, in whole seconds from 1 to 60', () => {
    const time = clock();
    const backlog = new Backlog(100, time.now);
    for (let i = 0; i < 100; i++) backlog.admit();
    // Nothing measured yet (a burst's first seconds): a guess of 10 s.
    expect(backlog.admit()).toEqual({ kind: 'overloaded', retryAfterMs: 10_000 });
    backlog.report({ finished: 100, working: 100, completed: 0 });
    time.advance(1_000);
    // 20 ended in a second, 80 left: about 4 s.
    backlog.report({ finished: 100, working: 80, completed: 20 });
    for (let i = 0; i < 20; i++) backlog.admit();
    expect(backlog.admit()).toEqual({ kind: 'overloaded', retryAfterMs: 5_000 });
    // Work that ends fast says 1 s at least.
    time.advance(1_000);
    backlog.report({ finished: 120, working: 100, completed: 10_000 });
    expect(backlog.admit()).toEqual({ kind: 'overloaded', retryAfterMs: 1_000 });
    // No report for longer than the window (the app reports whenever work ends): not measured, the guess...
    time.advance(6_000);
    expect(backlog.admit()).toEqual({ kind: 'overloaded', retryAfterMs: 10_000 });
    // ...until work in flight has gone 30 s without anything ending: stuck, 60 s.
    time.advance(22_000);
    expect(backlog.admit()).toEqual({ kind: 'overloaded', retryAfterMs: 10_000 });
    time.advance(2_000);
    expect(backlog.admit()).toEqual({ kind: 'overloaded', retryAfterMs: 60_000 });
    // Reports that show nothing ending don't count as progress.
    for (let i = 0; i < 5; i++) {
      time.advance(1_000);
      backlog.report({ finished: 120, working: 100, completed: 10_000 });
    }
    expect(backlog.admit()).toEqual({ kind: 'overloaded', retryAfterMs: 60_000 });
    // A sample from before a quiet spell doesn't count: the rate is the window's.
    time.advance(60_000);
    backlog.report({ finished: 120, working: 100, completed: 10_000 });
    time.advance(2_000);
    backlog.report({ finished: 120, working: 100, completed: 10_010 });
    // 10 ended in 2 s, 100 in flight: 20 s.
    expect(backlog.admit()).toEqual({ kind: 'overloaded', retryAfterMs: 20_000 });
  });

  it('a burst after a quiet spell says 10 s until its first work ends, not 60', () => {
    const time = clock();
    const backlog = new Backlog(10, time.now);
    backlog.report({ finished: 0, working: 0, completed: 500 });
    time.advance(120_000);
    for (let i = 0; i < 10; i++) backlog.admit();
    backlog.report({ finished: 10, working: 10, completed: 500 });
    time.advance(5_000);
    expect(backlog.admit()).toEqual({ kind: 'overloaded', retryAfterMs: 10_000 });
  });

  it('refuses a bound below one', () => {
    for (const bad of [0, -1, Number.NaN]) expect(() => new Backlog(bad)).toThrow(/at least 1/);
  });

  it('whatever the order of requests and reports, what it admitted beyond what finished never exceeds the bound', () => {
    type Step = { kind: 'request' } | { kind: 'finish' } | { kind: 'report' };
    const step = fc.oneof(
      fc.constant<Step>({ kind: 'request' }),
      fc.constant<Step>({ kind: 'finish' }),
      fc.constant<Step>({ kind: 'report' }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(step, { maxLength: 300 }), (max, steps) => {
        const backlog = new Backlog(max);
        // The app's truth: requests handed over and not finished (each one working until it finishes).
        let admitted = 0;
        let finished = 0;
        let reported = 0;
        for (const s of steps) {
          if (s.kind === 'request') {
            if (backlog.admit().kind === 'admitted') admitted += 1;
          } else if (s.kind === 'finish') {
            if (finished < admitted) finished += 1;
          } else {
            // The listener returned long ago; the work is what is still running.
            backlog.report({ finished: admitted, working: admitted - finished, completed: finished });
            reported = finished;
          }
          // Reports lag behind the truth, never ahead of it: the bound holds on the truth.
          expect(admitted - finished).toBeLessThanOrEqual(max);
          expect(backlog.inFlight).toBeGreaterThanOrEqual(admitted - finished);
          expect(reported).toBeLessThanOrEqual(finished);
        }
      }),
    );
  });
});
