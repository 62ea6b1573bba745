/**
 * A bound on the calls one QStash environment has in flight, and on the work waiting for them.
 *
 * At most `maxConcurrent` calls are sent at once; further calls wait their turn in arrival order. New work
 * (a change or a read someone asked for) is admitted only while fewer than `maxQueued` calls wait: past that,
 * it is refused at once, with a time to try again, so the queue holds only what it must and nothing grows
 * without bound under a burst of requests while QStash is slow.
 */
export interface CallLimitSettings {
  /** Calls sent at once. */
  readonly maxConcurrent: number;
  /** Calls allowed to wait for a slot before new work is refused. */
  readonly maxQueued: number;
}

export type WorkAdmission =
  | { readonly kind: 'admitted' }
  /** Try again in `retryAfterMs` (whole seconds, at least one): about when the queue ahead will have drained. */
  | { readonly kind: 'overloaded'; readonly retryAfterMs: number };

export interface CallLimitLoad {
  readonly active: number;
  readonly queued: number;
  /** The most calls in flight at once since the process started. */
  readonly peakActive: number;
  /** The most calls waiting at once since the process started. */
  readonly peakQueued: number;
  readonly refused: number;
}

/** Until calls have been timed, a slot is assumed to be held this long (QStash at its slow). */
const ASSUMED_CALL_MS = 1_000;

export class CallLimit {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private averageMs = ASSUMED_CALL_MS;
  private peakActive = 0;
  private peakQueued = 0;
  private refused = 0;

  constructor(private readonly settings: CallLimitSettings) {
    if (!(settings.maxConcurrent >= 1) || !(settings.maxQueued >= 0))
      throw new Error('A call limit needs at least one concurrent call and a queue bound of zero or more.');
  }

  /** Runs `call` in a slot, waiting for one if need be; the slot is freed however the call ends. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    if (this.active >= this.settings.maxConcurrent) {
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        this.peakQueued = Math.max(this.peakQueued, this.waiting.length);
      });
    } else {
      this.active += 1;
    }
    this.peakActive = Math.max(this.peakActive, this.active);
    const started = Date.now();
    try {
      return await call();
    } finally {
      // A moving average: how long the queue ahead takes to drain, for the "try again in" of a refusal.
      this.averageMs = this.averageMs * 0.9 + (Date.now() - started) * 0.1;
      const next = this.waiting.shift();
      // The slot passes straight to the next in line, so `active` stays as it is.
      if (next) next();
      else this.active -= 1;
    }
  }

  /**
   * Whether new work may start now. Refused work is counted (`load().refused`); admitted work is not
   * reserved a slot: it queues behind what is already waiting.
   */
  admit(): WorkAdmission {
    if (this.waiting.length < this.settings.maxQueued) return { kind: 'admitted' };
    this.refused += 1;
    return { kind: 'overloaded', retryAfterMs: this.drainMs() };
  }

  /** About when the calls waiting now will have been sent and answered (whole seconds, at least one, in ms). */
  drainMs(): number {
    const rounds = Math.ceil((this.waiting.length + 1) / this.settings.maxConcurrent);
    const seconds = Math.max(1, Math.ceil((rounds * this.averageMs) / 1000));
    return seconds * 1000;
  }

  load(): CallLimitLoad {
    return {
      active: this.active,
      queued: this.waiting.length,
      peakActive: this.peakActive,
      peakQueued: this.peakQueued,
      refused: this.refused,
    };
  }
}
