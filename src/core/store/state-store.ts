/**
 * Where Flowbot keeps work that must survive the request that created it: confirmations, approvals, timers,
 * click dedupe, alert messages, ramps. One small interface with an embedded and a shared implementation;
 * both pass the same contract tests. Values are JSON data.
 */
export interface StoredEntry<T> {
  readonly value: T;
  /** Increases by at least one on every write; the basis of compare-and-set. */
  readonly version: number;
}

export interface WriteOptions {
  /** The entry disappears after this long; absent → kept until deleted. */
  readonly ttlMs?: number;
}

export interface StateStore {
  get<T>(namespace: string, id: string): Promise<T | undefined>;
  getEntry<T>(namespace: string, id: string): Promise<StoredEntry<T> | undefined>;
  set<T>(namespace: string, id: string, value: T, options?: WriteOptions): Promise<void>;
  /**
   * Writes only if the entry's version is still `expectedVersion` (`undefined`: only if there is no live
   * entry). Atomic: of several concurrent writers with the same expectation, exactly one succeeds.
   */
  compareAndSet<T>(
    namespace: string,
    id: string,
    expectedVersion: number | undefined,
    value: T,
    options?: WriteOptions,
  ): Promise<boolean>;
  /** Removes and returns the entry in one step: of several concurrent takers, one gets it. */
  take<T>(namespace: string, id: string): Promise<T | undefined>;
  delete(namespace: string, id: string): Promise<void>;
  /** Every live entry of a namespace (small namespaces only: pending work, not history). */
  list<T>(namespace: string): Promise<{ id: string; value: T }[]>;
  /** Adds one to a counter that expires `ttlMs` after it was created; returns the new count. */
  increment(namespace: string, id: string, ttlMs: number): Promise<number>;
  /** Drops expired entries for good (they are already invisible); run now and then to keep the store small. */
  sweepExpired(): number | Promise<number>;
  close(): Promise<void>;
}

export class StoreUnavailable extends Error {
  override readonly name = 'StoreUnavailable';
}
