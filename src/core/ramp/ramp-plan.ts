import type { FlowKeyState } from '../qstash/types.js';

export type RampMode = 'rate' | 'parallelism';

export const MIN_RAMP_SECONDS = 10;
export const MAX_RAMP_SECONDS = 24 * 3600;
export const DEFAULT_RAMP_SECONDS = 10 * 60;
const MAX_STEPS = 20;
const MIN_STEP_SECONDS = 5;

export interface RampRequest {
  readonly mode?: RampMode;
  readonly from?: number;
  readonly overSeconds?: number;
}

/** How the key was pinned before the ramp, to put back exactly. */
export interface PriorPinning {
  readonly pinnedRate: boolean;
  readonly pinnedParallelism: boolean;
  readonly rateMax: number | undefined;
  readonly ratePeriod: number | undefined;
  readonly parallelismMax: number | undefined;
}

export interface RampPlan {
  readonly mode: RampMode;
  /** The limit at each step; the first is the start, the last the key's configured limit. */
  readonly values: readonly number[];
  readonly stepSeconds: number;
  /** Rate period in seconds (rate ramps). */
  readonly period: number | undefined;
  readonly prior: PriorPinning;
  readonly waitlistAtStart: number;
  /** Rough time to drain the waitlist along the plan, in seconds; undefined when it can't be told. */
  readonly drainSeconds: number | undefined;
}

/** Why no ramp can be planned for the key as it is; the adapter puts it in words. */
export type RampPlanProblem =
  /** Neither a rate nor a parallelism limit: nothing to ramp up to. */
  | { readonly code: 'no_limit' }
  /** The mode asked for (or chosen) has no limit on this key. */
  | { readonly code: 'no_mode_limit'; readonly mode: RampMode }
  | { readonly code: 'limit_too_low'; readonly mode: RampMode; readonly limit: number }
  | { readonly code: 'bad_start' }
  | {
      readonly code: 'start_not_below';
      readonly mode: RampMode;
      readonly limit: number;
      readonly start: number;
    }
  | { readonly code: 'bad_duration'; readonly minSeconds: number; readonly maxSeconds: number };

export type PlanResult =
  | { readonly kind: 'ok'; readonly plan: RampPlan }
  | { readonly kind: 'invalid'; readonly problem: RampPlanProblem };

/**
 * Plans a controlled release: start low, raise the pinned limit in steps to the key's configured limit.
 * Pinning resets the rate count and period, so for rate ramps every step falls on a whole number of rate
 * periods after the first pin: each pin then lands on a period boundary, where the reset gives nothing extra,
 * and the value of each step is the curve's value at the step's start, so delivery never runs above the curve.
 */
export function planRamp(state: FlowKeyState, request: RampRequest): PlanResult {
  const mode: RampMode = request.mode ?? (state.rateMax !== undefined ? 'rate' : 'parallelism');
  const target = mode === 'rate' ? state.rateMax : state.parallelismMax;
  const invalid = (problem: RampPlanProblem): PlanResult => ({ kind: 'invalid', problem });
  if (request.mode === undefined && state.rateMax === undefined && state.parallelismMax === undefined) {
    return invalid({ code: 'no_limit' });
  }
  if (target === undefined) return invalid({ code: 'no_mode_limit', mode });
  if (target < 2) return invalid({ code: 'limit_too_low', mode, limit: target });
  const start = request.from ?? Math.max(1, Math.floor(target / 10));
  if (!Number.isInteger(start) || start < 1) return invalid({ code: 'bad_start' });
  if (start >= target) return invalid({ code: 'start_not_below', mode, limit: target, start });
  const over = request.overSeconds ?? DEFAULT_RAMP_SECONDS;
  if (over < MIN_RAMP_SECONDS || over > MAX_RAMP_SECONDS) {
    return invalid({ code: 'bad_duration', minSeconds: MIN_RAMP_SECONDS, maxSeconds: MAX_RAMP_SECONDS });
  }
  const period = mode === 'rate' ? (state.ratePeriod ?? 1) : undefined;
  let stepSeconds = Math.max(MIN_STEP_SECONDS, Math.ceil(over / MAX_STEPS));
  if (period !== undefined) stepSeconds = Math.ceil(stepSeconds / period) * period;
  const steps = Math.max(1, Math.min(target - start, Math.floor(over / stepSeconds)));
  const values: number[] = [];
  for (let i = 0; i <= steps; i++) values.push(Math.floor(start + ((target - start) * i) / steps));
  const distinct = values.filter((value, index) => index === 0 || value !== values[index - 1]);
  return {
    kind: 'ok',
    plan: {
      mode,
      values: distinct,
      stepSeconds,
      period,
      prior: {
        pinnedRate: state.pinnedRate,
        pinnedParallelism: state.pinnedParallelism,
        rateMax: state.rateMax,
        ratePeriod: state.ratePeriod,
        parallelismMax: state.parallelismMax,
      },
      waitlistAtStart: state.waitlistSize,
      drainSeconds: estimateDrainSeconds(
        state.waitlistSize,
        distinct,
        stepSeconds,
        mode === 'rate' ? (period ?? 1) : undefined,
      ),
    },
  };
}

/**
 * Walks the plan: each step delivers its limit per period (rate), and afterwards the full limit. Parallelism
 * ramps can't be told without knowing how long each message takes, so they give no estimate.
 */
export function estimateDrainSeconds(
  waitlist: number,
  values: readonly number[],
  stepSeconds: number,
  period: number | undefined,
): number | undefined {
  if (period === undefined || waitlist <= 0) return waitlist <= 0 ? 0 : undefined;
  let left = waitlist;
  let elapsed = 0;
  for (const value of values.slice(0, -1)) {
    const perStep = (value / period) * stepSeconds;
    if (perStep >= left) return elapsed + (left / value) * period;
    left -= perStep;
    elapsed += stepSeconds;
  }
  const last = values.at(-1) ?? 1;
  return elapsed + (left / last) * period;
}
