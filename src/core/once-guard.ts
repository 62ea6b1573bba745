import type { StateStore } from './store/state-store.js';

/**
 * Makes sure one piece of work (a button click's action) runs once even when the same request arrives
 * several times at once: a double click, two people clicking, Slack retrying.
 */
export interface OnceGuard {
  /** `claimed` if the caller now owns `id`; `held` (and by whom) if someone else claimed it and has not released it. */
  claim(id: string, holder: string, ttlMs: number): Promise<ClaimResult>;
  /** Gives the claim up (the work failed and may be tried again). */
  release(id: string): Promise<void>;
}

export type ClaimResult = { readonly kind: 'claimed' } | { readonly kind: 'held'; readonly holder: string };

/** Claims as store entries with a TTL, so every replica sharing the store sees them. */
export class StoreOnceGuard implements OnceGuard {
  constructor(private readonly store: StateStore) {}

  async claim(id: string, holder: string, ttlMs: number): Promise<ClaimResult> {
    if (await this.store.compareAndSet(NAMESPACE, id, undefined, holder, { ttlMs }))
      return { kind: 'claimed' };
    const current = await this.store.get<string>(NAMESPACE, id);
    // Released between our write attempt and this read: try once more rather than report a phantom holder.
    if (current === undefined) {
      if (await this.store.compareAndSet(NAMESPACE, id, undefined, holder, { ttlMs }))
        return { kind: 'claimed' };
    }
    return { kind: 'held', holder: current ?? 'someone' };
  }

  async release(id: string): Promise<void> {
    await this.store.delete(NAMESPACE, id);
  }
}

const NAMESPACE = 'once';
