import type { FlowKeyState } from './types.js';

/**
 * How long a key's waitlist takes to be dispatched, as data (the adapter puts it in words):
 * - `empty`: nothing is waiting;
 * - `paused`: nothing is dispatched until someone resumes the key;
 * - `unknown`: it can't be known: the key has no rate (`no_rate`; parallelism alone says nothing about time,
 *   QStash does not report how long a delivery takes) or nothing moves (`no_movement`: waiting messages,
 *   nothing in flight and nothing dispatched in the current rate period, or the watcher saw no progress);
 * - `estimate`: about `ms` milliseconds (≥ 0, finite) from now; `basis` says what it rests on: the key's
 *   `rate` per period, or the `observed` pace of the waitlist over the watcher's rounds.
 */
export type DrainEstimate =
  | { readonly kind: 'empty' }
  | { readonly kind: 'paused' }
  | { readonly kind: 'unknown'; readonly reason: 'no_rate' | 'no_movement' }
  | { readonly kind: 'estimate'; readonly ms: number; readonly basis: 'rate' | 'observed' };

/** What the watcher saw of a key over its last rounds. */
export interface ObservedPace {
  /** Net messages leaving the waitlist per second over the window (negative: it grew). */
  readonly drainedPerSecond: number;
}

/** The current rate period of a key: when it ends (epoch ms) and how many dispatches it has left. */
export interface RatePeriodNow {
  readonly endsAt: number;
  readonly left: number;
  /** The period's length, ms. */
  readonly periodMs: number;
  readonly rateMax: number;
  /** False when QStash did not say when the period started (nothing dispatched yet): it starts at the next dispatch. */
  readonly reported: boolean;
}

/**
 * The key's current rate period at `nowMs` (epoch ms), or undefined when the key has no rate. Facts from the QStash reference's NOTES: `ratePeriod` is in seconds,
 * `ratePeriodStart` unix seconds, `rateCount` counts dispatches in the current period, and a rate without a
 * period means a 1-second period. When the reported period is already over (nothing was dispatched since it
 * ended), the period is taken to roll over in whole periods from its start, with its count spent: that is
 * the earliest the next period can end, and no dispatch of the old period counts any more. Without a
 * reported start (QStash omits zero fields), the period is taken to start now, with its whole rate left.
 */
export function currentRatePeriod(state: FlowKeyState, nowMs: number): RatePeriodNow | undefined {
  const rateMax = state.rateMax;
  if (rateMax === undefined || !(rateMax > 0) || !Number.isFinite(rateMax)) return undefined;
  if (!Number.isFinite(nowMs)) return undefined;
  const periodSeconds = state.ratePeriod !== undefined && state.ratePeriod > 0 ? state.ratePeriod : 1;
  if (!Number.isFinite(periodSeconds)) return undefined;
  // Whole milliseconds, so that period arithmetic is exact.
  const periodMs = Math.max(1, Math.round(periodSeconds * 1000));
  const reported = state.ratePeriodStart !== undefined && Number.isFinite(state.ratePeriodStart);
  const startMs = reported ? Math.round((state.ratePeriodStart ?? 0) * 1000) : nowMs;
  // A start in the future (clocks apart) is read as a period that started now.
  const base = Math.min(startMs, nowMs);
  const rolled = Math.floor((nowMs - base) / periodMs);
  const endsAt = base + (rolled + 1) * periodMs;
  const used = reported && rolled === 0 ? Math.max(0, state.rateCount) : 0;
  return { endsAt, left: Math.max(0, rateMax - used), periodMs, rateMax, reported };
}

/**
 * How long the key's waitlist takes to drain at its current rate, from its state at `nowMs` (epoch ms) and,
 * when the watcher has it, the pace it observed. With a rate: what the current period has left goes first,
 * then `rateMax` per period, so the last waiting message is dispatched at the start of the period that has
 * room for it (parallelism can only make it slower: the estimate is the soonest it can be). Without a rate,
 * the observed net pace, when the waitlist shrank. Never negative, never NaN; `unknown` when it can't be known.
 */
export function estimateDrain(state: FlowKeyState, nowMs: number, observed?: ObservedPace): DrainEstimate {
  const waiting = state.waitlistSize;
  if (!(waiting > 0)) return { kind: 'empty' };
  if (state.paused) return { kind: 'paused' };
  const period = currentRatePeriod(state, nowMs);
  const stalledNow = state.parallelismCount <= 0 && (period === undefined || period.left === period.rateMax);
  const observedStall = observed !== undefined && !(observed.drainedPerSecond > 0);
  if (period !== undefined) {
    // Nothing in flight, nothing dispatched this period and no progress seen: the rate says nothing.
    if (observedStall && stalledNow) return { kind: 'unknown', reason: 'no_movement' };
    if (waiting <= period.left) return { kind: 'estimate', ms: 0, basis: 'rate' };
    const periods = Math.ceil((waiting - period.left) / period.rateMax);
    const ms = period.endsAt - nowMs + (periods - 1) * period.periodMs;
    return finite(ms, 'rate');
  }
  if (observed === undefined || !(observed.drainedPerSecond > 0))
    // Messages in flight move, but without a rate nothing says how fast.
    return { kind: 'unknown', reason: observedStall && stalledNow ? 'no_movement' : 'no_rate' };
  return finite((waiting / observed.drainedPerSecond) * 1000, 'observed');
}

function finite(ms: number, basis: 'rate' | 'observed'): DrainEstimate {
  if (!Number.isFinite(ms)) return { kind: 'unknown', reason: 'no_movement' };
  return { kind: 'estimate', ms: Math.max(0, Math.ceil(ms)), basis };
}
