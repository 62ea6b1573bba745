import type { Clock } from './clock.js';

/**
 * QStash's flow-control keys as state that moves with time, for the emulator. Facts from the OpenAPI reference
 * and its NOTES (`reference/qstash-flow-control.openapi.yaml`):
 * - `rateCount` counts messages dispatched in the current rate period; `ratePeriod` is in seconds and
 *   `ratePeriodStart` in unix seconds; `parallelismCount` counts messages running now.
 * - While a key is paused nothing is dispatched, but the current rate period keeps elapsing and its count is
 *   kept for that period.
 * - Pinning resets the rate count and period; resetRate clears the count and starts a new period now.
 * - A pinned rate given without a period means a 1-second period. After unpin, delivery keeps the last pinned
 *   values until a message with other values arrives; while pinned, incoming messages' values are ignored.
 * - Global parallelism caps the messages running at once across all keys; the key `$` holds messages
 *   published without a flow-control key, which wait only on it.
 *
 * Two ways to use it. Static (the default): a key is what the test set, and only `tick()`/`drain()` move
 * waitlists, one coarse period at a time. Live (`live: true`): as the clock moves, waiting messages are
 * dispatched at the key's limits, each holds a parallelism slot for `deliveryMs`, `rateCount` counts within
 * the period and the period rolls over in whole periods (also while paused). Not documented, and chosen
 * here: the period rolls over on its own schedule rather than restarting at the next dispatch, and keys
 * compete for global parallelism in the order they were created.
 */

export interface FlowControlKeyState {
  flowControlKey: string;
  waitListSize: number;
  parallelismMax: number;
  parallelismCount: number;
  rateMax: number;
  rateCount: number;
  /** Seconds. */
  ratePeriod: number;
  /** Unix seconds. */
  ratePeriodStart: number;
  isPinnedParallelism: boolean;
  isPinnedRate: boolean;
  isPaused: boolean;
}

export type FlowControlKeyInit = Partial<FlowControlKeyState> & { flowControlKey: string };

export interface GlobalParallelism {
  parallelismMax: number;
  parallelismCount: number;
}

/** The flow-control settings a published message carries (QStash's Upstash-Flow-Control-Value). */
export interface MessageFlowControl {
  parallelism?: number;
  rate?: number;
  /** Seconds. */
  period?: number;
}

export interface LiveOptions {
  /** How long one delivery holds its parallelism slot, ms (default 100). */
  deliveryMs?: number;
}

export function emptyKey(flowControlKey: string): FlowControlKeyState {
  return {
    flowControlKey,
    waitListSize: 0,
    parallelismMax: 0,
    parallelismCount: 0,
    rateMax: 0,
    rateCount: 0,
    ratePeriod: 0,
    ratePeriodStart: 0,
    isPinnedParallelism: false,
    isPinnedRate: false,
    isPaused: false,
  };
}

interface Running {
  finishAt: number;
  count: number;
}

export class FlowModel {
  private readonly state = new Map<string, FlowControlKeyState>();
  private readonly running = new Map<string, Running[]>();
  private readonly deliveredCount = new Map<string, number>();
  private global: GlobalParallelism = { parallelismMax: 0, parallelismCount: 0 };
  private live: Required<LiveOptions> | undefined;
  private simulatedTo: number;

  constructor(
    private readonly clock: Clock,
    live: boolean | LiveOptions = false,
  ) {
    this.simulatedTo = clock.now();
    this.setLive(live);
  }

  get isLive(): boolean {
    return this.live !== undefined;
  }

  /** Turns the clock-driven model on or off; turning it on starts from now. */
  setLive(live: boolean | LiveOptions): void {
    this.catchUp();
    this.live =
      live === false ? undefined : { deliveryMs: (live === true ? undefined : live.deliveryMs) ?? 100 };
    this.simulatedTo = this.clock.now();
  }

  set(init: FlowControlKeyInit): FlowControlKeyState {
    this.catchUp();
    const current = this.state.get(init.flowControlKey) ?? emptyKey(init.flowControlKey);
    const next = { ...current, ...init };
    this.state.set(init.flowControlKey, next);
    if (this.live && init.parallelismCount !== undefined) {
      const finishAt = this.clock.now() + this.live.deliveryMs;
      this.running.set(
        init.flowControlKey,
        init.parallelismCount > 0 ? [{ finishAt, count: init.parallelismCount }] : [],
      );
    }
    this.advance(this.clock.now());
    return { ...next };
  }

  get(key: string): FlowControlKeyState | undefined {
    this.catchUp();
    const s = this.state.get(key);
    return s === undefined ? undefined : { ...s };
  }

  /** The live state itself, for the emulator's mutations (after catching up with the clock). */
  mutable(key: string): FlowControlKeyState | undefined {
    this.catchUp();
    return this.state.get(key);
  }

  /** Call after changing a key through `mutable`: lets the model dispatch what the change allows now. */
  changed(): void {
    this.advance(this.clock.now());
  }

  delete(key: string): boolean {
    this.running.delete(key);
    return this.state.delete(key);
  }

  all(): FlowControlKeyState[] {
    this.catchUp();
    return [...this.state.values()].map((s) => ({ ...s }));
  }

  setGlobal(update: Partial<GlobalParallelism>): GlobalParallelism {
    this.catchUp();
    this.global = { ...this.global, ...update };
    this.advance(this.clock.now());
    return this.getGlobal();
  }

  /** In live mode `parallelismCount` is what runs now across all keys, whatever was set. */
  getGlobal(): GlobalParallelism {
    this.catchUp();
    return this.live ? { ...this.global, parallelismCount: this.totalRunning() } : { ...this.global };
  }

  /** Messages dispatched so far for a key (live mode), or by tick()/drain(). */
  delivered(key: string): number {
    this.catchUp();
    return this.deliveredCount.get(key) ?? 0;
  }

  /**
   * New messages for a key, created if need be, as QStash does on publish. Their flow-control settings become
   * the key's limits unless those are pinned.
   */
  publish(key: string, count: number, control: MessageFlowControl = {}): FlowControlKeyState {
    this.catchUp();
    const s = this.state.get(key) ?? emptyKey(key);
    this.state.set(key, s);
    if (!s.isPinnedParallelism && control.parallelism !== undefined) s.parallelismMax = control.parallelism;
    if (!s.isPinnedRate && (control.rate !== undefined || control.period !== undefined)) {
      if (control.rate !== undefined) s.rateMax = control.rate;
      s.ratePeriod = control.period ?? (s.ratePeriod > 0 ? s.ratePeriod : 1);
    }
    s.waitListSize += count;
    this.advance(this.clock.now());
    return { ...s };
  }

  /** Pinning resets the key's rate count and starts a new period now. */
  resetPeriod(s: FlowControlKeyState): void {
    s.rateCount = 0;
    s.ratePeriodStart = Math.floor(this.clock.now() / 1000);
  }

  /**
   * One coarse delivery period for one key or every key, ignoring the clock: moves up to `rateMax` (else
   * `parallelismMax`, else everything) out of each unpaused waitlist. Returns how many moved.
   */
  tick(key?: string): number {
    this.catchUp();
    const targets = key === undefined ? [...this.state.values()] : [this.state.get(key)].filter((s) => !!s);
    let delivered = 0;
    for (const s of targets) {
      if (s.isPaused || s.waitListSize <= 0) continue;
      const limit = s.rateMax > 0 ? s.rateMax : s.parallelismMax > 0 ? s.parallelismMax : s.waitListSize;
      const n = Math.min(s.waitListSize, limit);
      s.waitListSize -= n;
      this.deliveredCount.set(s.flowControlKey, (this.deliveredCount.get(s.flowControlKey) ?? 0) + n);
      delivered += n;
    }
    return delivered;
  }

  /** Brings a live model up to the clock's now. */
  private catchUp(): void {
    if (this.live) this.advance(this.clock.now());
  }

  /**
   * Event by event from where the model stopped to `until`: deliveries finishing, rate periods rolling over,
   * and waiting messages dispatched whenever a slot and the rate allow.
   */
  private advance(until: number): void {
    if (!this.live) return;
    let t = this.simulatedTo;
    for (;;) {
      this.step(t);
      const next = this.nextEvent(t);
      if (next === undefined || next > until) break;
      t = next;
    }
    this.simulatedTo = until;
    this.step(until);
  }

  private step(t: number): void {
    const live = this.live;
    if (!live) return;
    for (const s of this.state.values()) {
      const running = (this.running.get(s.flowControlKey) ?? []).filter((r) => r.finishAt > t);
      this.running.set(s.flowControlKey, running);
      this.rollOver(s, t);
    }
    for (const s of this.state.values()) {
      if (s.isPaused || s.waitListSize <= 0) continue;
      let n = s.waitListSize;
      const running = this.running.get(s.flowControlKey) ?? [];
      if (s.rateMax > 0) n = Math.min(n, s.rateMax - s.rateCount);
      if (s.parallelismMax > 0) n = Math.min(n, s.parallelismMax - sum(running));
      if (this.global.parallelismMax > 0) n = Math.min(n, this.global.parallelismMax - this.totalRunning());
      if (n <= 0) continue;
      s.waitListSize -= n;
      if (s.rateMax > 0) {
        if (s.ratePeriodStart === 0) s.ratePeriodStart = Math.floor(t / 1000);
        s.rateCount += n;
      }
      if (live.deliveryMs > 0) running.push({ finishAt: t + live.deliveryMs, count: n });
      this.running.set(s.flowControlKey, running);
      this.deliveredCount.set(s.flowControlKey, (this.deliveredCount.get(s.flowControlKey) ?? 0) + n);
    }
    for (const s of this.state.values()) s.parallelismCount = sum(this.running.get(s.flowControlKey) ?? []);
  }

  /** The period keeps its own schedule: it rolls over in whole periods, paused or not. */
  private rollOver(s: FlowControlKeyState, t: number): void {
    if (s.ratePeriod <= 0 || s.ratePeriodStart <= 0) return;
    const elapsed = Math.floor(t / 1000) - s.ratePeriodStart;
    if (elapsed < s.ratePeriod) return;
    s.ratePeriodStart += Math.floor(elapsed / s.ratePeriod) * s.ratePeriod;
    s.rateCount = 0;
  }

  private nextEvent(t: number): number | undefined {
    let next: number | undefined;
    const consider = (at: number) => {
      if (at > t && (next === undefined || at < next)) next = at;
    };
    for (const s of this.state.values()) {
      for (const r of this.running.get(s.flowControlKey) ?? []) consider(r.finishAt);
      // Only a key waiting on its rate needs the period's end as an event; other periods roll over lazily.
      const waitingOnRate = !s.isPaused && s.waitListSize > 0 && s.rateMax > 0 && s.rateCount >= s.rateMax;
      if (waitingOnRate && s.ratePeriod > 0 && s.ratePeriodStart > 0)
        consider((s.ratePeriodStart + s.ratePeriod) * 1000);
    }
    return next;
  }

  private totalRunning(): number {
    let total = 0;
    for (const list of this.running.values()) total += sum(list);
    return total;
  }
}

function sum(list: readonly Running[]): number {
  return list.reduce((n, r) => n + r.count, 0);
}
