import type { StateStore } from './store/state-store.js';

export type RateDecision =
  | { readonly kind: 'allowed' }
  | { readonly kind: 'limited'; readonly retryAfterMs: number; readonly limit: number };

const NAMESPACE = 'rate';

/**
 * How many changes one person may make per window (a runaway script or a stuck retry loop in someone's
 * terminal shouldn't be able to flap production keys). Fixed windows in the shared store, so the limit holds
 * across replicas.
 */
export class MutationRateLimiter {
  constructor(
    private readonly store: StateStore,
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts `changes` changes (a ramp's start is two: its first pin and its resume) for the person. */
  async take(actorId: string, changes = 1): Promise<RateDecision> {
    const now = this.now();
    const window = Math.floor(now / this.windowMs);
    let count = 0;
    for (let taken = 0; taken < Math.max(1, changes); taken++) {
      count = await this.store.increment(NAMESPACE, `${actorId}:${window}`, this.windowMs);
    }
    if (count <= this.limit) return { kind: 'allowed' };
    return { kind: 'limited', retryAfterMs: (window + 1) * this.windowMs - now, limit: this.limit };
  }
}
