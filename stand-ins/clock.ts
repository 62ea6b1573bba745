/**
 * Time as the stand-ins see it, in epoch milliseconds. Real time by default; a test that wants to check
 * rate limits, rate periods, expiries or drain times without waiting passes a ManualClock and moves it.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that stands still until told to move. */
export class ManualClock implements Clock {
  private current: number;

  /** Starts at `startMs` (epoch ms); the default is a fixed, whole-second instant so runs repeat. */
  constructor(startMs = Date.UTC(2026, 0, 5, 9, 0, 0)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  /** Moves forward by `ms` (never backwards: time in the stand-ins only grows). */
  advance(ms: number): number {
    if (!(ms >= 0)) throw new RangeError(`a clock only moves forward; got ${ms} ms`);
    this.current += ms;
    return this.current;
  }

  /** Jumps to an instant at or after now. */
  set(epochMs: number): void {
    if (!(epochMs >= this.current)) throw new RangeError('a clock only moves forward');
    this.current = epochMs;
  }
}
