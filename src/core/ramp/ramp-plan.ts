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

export type PlanResult = { ok: true; plan: RampPlan } | { ok: false; problem: string };

/**
 * Plans a controlled release: start low, raise the pinned limit in steps to the key's configured limit.
 * Pinning resets the rate count and period, so for rate ramps every step falls on a whole number of rate
 * periods after the first pin: each pin then lands on a period boundary, where the reset gives nothing extra,
 * and the value of each step is the curve's value at the step's start, so delivery never runs above the curve.
 */
export function planRamp(state: FlowKeyState, request: RampRequest): PlanResult {
  const mode: RampMode = request.mode ?? (state.rateMax !== undefined ? 'rate' : 'parallelism');
  const target = mode === 'rate' ? state.rateMax : state.parallelismMax;
  if (request.mode === undefined && state.rateMax === undefined && state.parallelismMax === undefined) {
    return {
      ok: false,
      problem:
        'This key has no rate or parallelism limit to ramp up to: it delivers as fast as it can once resumed. Pin a limit first (`/flow pin <key> rate=N`), or resume it.',
    };
  }
  if (target === undefined) {
    return {
      ok: false,
      problem:
        mode === 'rate'
          ? 'This key has no rate limit to ramp up to. Ramp parallelism instead (`from parallelism=N`), or pin a rate first.'
          : 'This key has no parallelism limit to ramp up to. Ramp its rate instead (`from rate=N`), or pin a limit first.',
    };
  }
  if (target < 2)
    return { ok: false, problem: `The key’s ${mode} limit is ${target}; there is nothing to ramp.` };
  const start = request.from ?? Math.max(1, Math.floor(target / 10));
  if (!Number.isInteger(start) || start < 1)
    return { ok: false, problem: 'The starting limit must be a whole number of at least 1.' };
  if (start >= target) {
    return {
      ok: false,
      problem: `Start below the key’s ${mode} limit (${target}); \`from ${mode}=${start}\` would not ramp.`,
    };
  }
  const over = request.overSeconds ?? DEFAULT_RAMP_SECONDS;
  if (over < MIN_RAMP_SECONDS || over > MAX_RAMP_SECONDS) {
    return { ok: false, problem: 'A ramp lasts from 10s to 24h.' };
  }
  const period = mode === 'rate' ? (state.ratePeriod ?? 1) : undefined;
  let stepSeconds = Math.max(MIN_STEP_SECONDS, Math.ceil(over / MAX_STEPS));
  if (period !== undefined) stepSeconds = Math.ceil(stepSeconds / period) * period;
  const steps = Math.max(1, Math.min(target - start, Math.floor(over / stepSeconds)));
  const values: number[] = [];
  for (let i = 0; i <= steps; i++) values.push(Math.floor(start + ((target - start) * i) / steps));
  const distinct = values.filter((value, index) => index === 0 || value !== values[index - 1]);
  return {
    ok: true,
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

/** "5/s", "50 per 1m", "12 in parallel". */
export function describeLimit(mode: RampMode, value: number, period: number | undefined): string {
  if (mode === 'parallelism') return `${value.toLocaleString('en-US')} in parallel`;
  if (period === undefined || period === 1) return `${value.toLocaleString('en-US')}/s`;
  const unit =
    period % 3600 === 0 ? `${period / 3600}h` : period % 60 === 0 ? `${period / 60}m` : `${period}s`;
  return `${value.toLocaleString('en-US')} per ${unit}`;
}
