import { currentRatePeriod, type ObservedPace } from '../qstash/drain.js';
import type { FlowKeyState } from '../qstash/types.js';

/**
 * What the watcher alerts on, per key (`global_saturated` is the account's, shown on QStash's key `$`):
 * - `paused`: the key is paused (a paused key is only ever "paused": nothing else is raised for it, however
 *   its waitlist grows; resuming is the remedy);
 * - `backlogged`: its waitlist reached `FLOW_WATCH_WAITLIST`;
 * - `saturated`: it ran at its parallelism maximum for `FLOW_WATCH_SATURATED_ROUNDS` rounds in a row;
 * - `stuck`: not paused, with messages waiting and none in flight for `FLOW_WATCH_STUCK_ROUNDS` rounds in a row
 *   (rounds where its rate is spent for the current period, or global parallelism is full, don't count);
 * - `growing`: its waitlist grew by at least `FLOW_WATCH_GROWTH_MIN` over `FLOW_WATCH_GROWTH_ROUNDS` rounds;
 * - `global_saturated`: the account's global parallelism at `FLOW_WATCH_GLOBAL_PARALLELISM` percent of its
 *   maximum or more for `FLOW_WATCH_SATURATED_ROUNDS` rounds in a row.
 */
export type WatchKind = 'paused' | 'backlogged' | 'saturated' | 'stuck' | 'growing' | 'global_saturated';

/** Most pressing first: the first active one names the alert. */
export const WATCH_KINDS: readonly WatchKind[] = [
  'paused',
  'stuck',
  'global_saturated',
  'saturated',
  'growing',
  'backlogged',
];

/** The watcher's thresholds (config's `watch`). */
export interface WatchRules {
  readonly waitlistThreshold: number;
  readonly saturatedRounds: number;
  readonly stuckRounds: number;
  readonly growthRounds: number;
  readonly growthMin: number;
}

export interface WaitlistSample {
  /** Epoch ms. */
  readonly at: number;
  readonly waitlist: number;
}

/** What the watcher remembers of one key between rounds (in the store, so another replica carries on). */
export interface KeyWatch {
  /** The conditions its alert shows now: raised and not yet resolved. */
  readonly raised: readonly WatchKind[];
  readonly saturatedRounds: number;
  readonly stuckRounds: number;
  /** Waitlist sizes of its last rounds while not paused, oldest first (at most `growthRounds + 1`). */
  readonly history: readonly WaitlistSample[];
}

/** How the waitlist moved over the rounds the watcher remembers. */
export interface Growth {
  /** Net messages added over the window (negative: it shrank). */
  readonly by: number;
  /** Rounds the window spans. */
  readonly rounds: number;
  /** Milliseconds the window spans. */
  readonly overMs: number;
}

export interface KeyObservation {
  readonly next: KeyWatch;
  /** Active now, in `WATCH_KINDS` order. */
  readonly conditions: readonly WatchKind[];
  readonly growth: Growth | undefined;
  /** The net pace of the waitlist, for the drain estimate (undefined before two rounds). */
  readonly pace: ObservedPace | undefined;
}

export const EMPTY_WATCH: KeyWatch = { raised: [], saturatedRounds: 0, stuckRounds: 0, history: [] };

/**
 * One round for one key: its state at `at` (epoch ms), whether the account's global parallelism is full
 * (undefined: unknown), and what the watcher remembered from earlier rounds. Returns what to remember now
 * and which conditions are active. `raised` is carried over unchanged: the caller updates it once the alert
 * went out. Pure.
 */
export function observeKey(
  previous: KeyWatch | undefined,
  round: { readonly state: FlowKeyState; readonly at: number; readonly globalFull: boolean | undefined },
  rules: WatchRules,
): KeyObservation {
  const { state, at } = round;
  const before = previous ?? EMPTY_WATCH;
  if (state.paused) {
    // Paused is its own condition; counting restarts when the key is resumed.
    return {
      next: { raised: before.raised, saturatedRounds: 0, stuckRounds: 0, history: [] },
      conditions: ['paused'],
      growth: undefined,
      pace: undefined,
    };
  }
  const atMax = state.parallelismMax !== undefined && state.parallelismCount >= state.parallelismMax;
  const saturatedRounds = atMax ? before.saturatedRounds + 1 : 0;
  const period = currentRatePeriod(state, at);
  // Waiting for the next rate period, or for a global slot, is flow control doing its job, not a stuck key.
  const waitingOnLimit = (period?.reported === true && period.left === 0) || round.globalFull === true;
  const idle = state.waitlistSize > 0 && state.parallelismCount <= 0;
  const stuckRounds = idle && !waitingOnLimit ? before.stuckRounds + 1 : 0;
  const keep = rules.growthRounds + 1;
  const history =
    rules.growthRounds > 0
      ? [...before.history.filter((sample) => sample.at < at), { at, waitlist: state.waitlistSize }].slice(
          -keep,
        )
      : [];
  const first = history[0];
  const last = history[history.length - 1];
  const growth =
    first !== undefined && last !== undefined && history.length > 1
      ? { by: last.waitlist - first.waitlist, rounds: history.length - 1, overMs: last.at - first.at }
      : undefined;
  const pace =
    growth !== undefined && growth.overMs > 0
      ? { drainedPerSecond: -growth.by / (growth.overMs / 1000) }
      : undefined;
  const wasGrowing = before.raised.includes('growing');
  const growing =
    rules.growthRounds > 0 &&
    growth !== undefined &&
    // Raised over a whole window; once raised, it stays until the window shows no net growth.
    (wasGrowing ? growth.by > 0 : growth.rounds >= rules.growthRounds && growth.by >= rules.growthMin);
  const active = new Set<WatchKind>();
  if (rules.waitlistThreshold > 0 && state.waitlistSize >= rules.waitlistThreshold) active.add('backlogged');
  if (rules.saturatedRounds > 0 && saturatedRounds >= rules.saturatedRounds) active.add('saturated');
  if (rules.stuckRounds > 0 && stuckRounds >= rules.stuckRounds) active.add('stuck');
  if (growing) active.add('growing');
  return {
    next: { raised: before.raised, saturatedRounds, stuckRounds, history },
    conditions: WATCH_KINDS.filter((kind) => active.has(kind)),
    growth,
    pace,
  };
}

/** Whether there is nothing worth remembering about a key (its record can go). */
export function isIdle(watch: KeyWatch): boolean {
  return (
    watch.raised.length === 0 &&
    watch.saturatedRounds === 0 &&
    watch.stuckRounds === 0 &&
    watch.history.every((sample) => sample.waitlist === 0)
  );
}

/** What the watcher remembers of the account's global parallelism, per environment. */
export interface GlobalWatch {
  readonly raised: boolean;
  readonly rounds: number;
}

/**
 * One round of the account's global parallelism (`GET /v2/globalParallelism`): near its maximum when
 * `count ≥ percent% of max` for `rounds` rounds in a row; no maximum → never. Pure.
 */
export function observeGlobal(
  previous: GlobalWatch | undefined,
  global: { readonly parallelismMax: number | undefined; readonly parallelismCount: number },
  rules: { readonly percent: number; readonly rounds: number },
): { next: GlobalWatch; active: boolean; full: boolean } {
  const max = global.parallelismMax;
  const full = max !== undefined && global.parallelismCount >= max;
  const near =
    rules.percent > 0 &&
    max !== undefined &&
    global.parallelismCount >= Math.ceil((max * rules.percent) / 100);
  const rounds = near ? (previous?.rounds ?? 0) + 1 : 0;
  const active = near && rounds >= Math.max(1, rules.rounds);
  return { next: { raised: previous?.raised ?? false, rounds }, active, full };
}
