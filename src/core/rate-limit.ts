import { type StateStore, StoreUnavailable } from './store/state-store.js';

export type RateDecision =
  | { readonly kind: 'allowed' }
  /**
   * Refused: `used` changes are counted in the window now and `wanted` more would pass `limit` (a `wanted`
   * above `limit` can never fit). `retryAfterMs`: when the same request would fit, if nothing else is counted.
   */
  | {
      readonly kind: 'limited';
      readonly retryAfterMs: number;
      readonly limit: number;
      readonly used: number;
      readonly wanted: number;
    };

const NAMESPACE = 'rate';

/**
 * A window is kept as at most this many buckets, so a person's record stays small whatever the limit (a
 * limit of 100,000 an hour is still 128 numbers). A change is stamped with the end of its bucket: it may be
 * counted up to one bucket (windowMs / 128) longer than it happened, never shorter.
 */
const BUCKETS = 128;

/**
 * A writer of one person's record that loses a compare-and-set tries again this many times, after a short
 * random wait. In one process a person's takes are queued, so only other replicas contend.
 */
const ATTEMPTS = 32;
const MAX_BACKOFF_MS = 50;

/** One bucket of a person's record: `changes` counted until `at` + windowMs (ms since the epoch). */
interface Bucket {
  readonly at: number;
  readonly changes: number;
}

/**
 * How many changes one person may make per window (a runaway script or a stuck retry loop in someone's
 * terminal shouldn't be able to flap production keys). A sliding window: at most `limit` changes in any span
 * of `windowMs`, so the limit can't be doubled across a window's edge and a refusal's wait is the real one.
 * Kept in the shared store (compare-and-set), so the limit holds across replicas. A refused attempt counts
 * nothing.
 */
export class MutationRateLimiter {
  private readonly bucketMs: number;
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    private readonly store: StateStore,
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.bucketMs = Math.max(1, Math.ceil(windowMs / BUCKETS));
  }

  /**
   * Counts `changes` changes (a ramp's start is two: its first pin and its resume; a bulk request one per 25
   * keys) for the person, all or none. `retryAfterMs` (ms) is how long until the same request would be
   * allowed, if nothing else is counted meanwhile; a request larger than the limit waits a whole window and
   * is refused again. Throws `StoreUnavailable` when the store does, or when other replicas keep winning the
   * person's record.
   */
  take(actorId: string, changes = 1): Promise<RateDecision> {
    // One person's takes in this process go one at a time: racing each other for their one record, a burst
    // of them (a script, timed changes falling due together) would mostly lose compare-and-sets.
    const previous = this.queues.get(actorId) ?? Promise.resolve();
    const taken = previous.then(() => this.takeNow(actorId, changes));
    const tail = taken.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(actorId, tail);
    void tail.then(() => {
      if (this.queues.get(actorId) === tail) this.queues.delete(actorId);
    });
    return taken;
  }

  private async takeNow(actorId: string, changes: number): Promise<RateDecision> {
    const wanted = Math.max(1, changes);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (attempt > 0) await sleep(Math.random() * Math.min(MAX_BACKOFF_MS, 2 ** attempt));
      const now = this.now();
      const entry = await this.store.getEntry<Bucket[]>(NAMESPACE, actorId);
      // Sorted: a clock stepped back (NTP) may have stamped a bucket out of order.
      const live = (Array.isArray(entry?.value) ? entry.value : [])
        .filter((b) => b.at + this.windowMs > now)
        .sort((a, b) => a.at - b.at);
      const used = live.reduce((sum, b) => sum + b.changes, 0);
      if (used + wanted > this.limit)
        return {
          kind: 'limited',
          retryAfterMs: this.waitFor(live, used, wanted, now),
          limit: this.limit,
          used,
          wanted,
        };
      const at = Math.ceil(now / this.bucketMs) * this.bucketMs;
      const last = live.at(-1);
      const next =
        last !== undefined && last.at >= at
          ? [...live.slice(0, -1), { at: last.at, changes: last.changes + wanted }]
          : [...live, { at, changes: wanted }];
      const written = await this.store.compareAndSet(NAMESPACE, actorId, entry?.version, next, {
        ttlMs: at + this.windowMs - now,
      });
      if (written) return { kind: 'allowed' };
    }
    // Other replicas won every time: the count can't be told, which is not the person's doing.
    throw new StoreUnavailable(`the rate limit of ${actorId} could not be counted: its record kept changing`);
  }

  /** When enough of `live` (oldest first) has left the window for `wanted` more changes to fit. */
  private waitFor(live: readonly Bucket[], used: number, wanted: number, now: number): number {
    if (wanted > this.limit) return this.windowMs;
    let left = used;
    for (const bucket of live) {
      left -= bucket.changes;
      if (left + wanted <= this.limit) return Math.max(1, bucket.at + this.windowMs - now);
    }
    return this.windowMs;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
