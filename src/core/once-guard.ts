/**
 * Makes sure one piece of work (a button click's action) runs once even when the same request arrives
 * several times at once: a double click, two people clicking, Slack retrying.
 */
export interface OnceGuard {
  /** True if the caller now owns `id`; false if someone else claimed it and has not released it. */
  claim(id: string, holder: string, ttlMs: number): Promise<ClaimResult>;
  /** Gives the claim up (the work failed and may be tried again). */
  release(id: string): Promise<void>;
}

export type ClaimResult = { readonly claimed: true } | { readonly claimed: false; readonly holder: string };

/** One process's memory; enough for one replica. */
export class MemoryOnceGuard implements OnceGuard {
  private readonly claims = new Map<string, { holder: string; expires: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async claim(id: string, holder: string, ttlMs: number): Promise<ClaimResult> {
    this.sweep();
    const existing = this.claims.get(id);
    if (existing && existing.expires > this.now()) return { claimed: false, holder: existing.holder };
    this.claims.set(id, { holder, expires: this.now() + ttlMs });
    return { claimed: true };
  }

  async release(id: string): Promise<void> {
    this.claims.delete(id);
  }

  private sweep(): void {
    // Bounded work per call keeps a long-running process from accumulating expired claims.
    let checked = 0;
    const now = this.now();
    for (const [id, claim] of this.claims) {
      if (claim.expires <= now) this.claims.delete(id);
      if (++checked >= 32) break;
    }
  }
}
