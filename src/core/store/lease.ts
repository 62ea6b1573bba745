import type { StateStore } from './state-store.js';

const NAMESPACE = 'lease';

/** A released lease lingers this long as a marker; any would do, as a marker counts as free. */
const RELEASED_TTL_MS = 1;

interface LeaseRecord {
  /** null once released. */
  readonly holder: string | null;
}

/**
 * A named lease in a StateStore, held by one holder at a time until it expires or is released. Every
 * change is a compareAndSet against the version just read, with the store's TTL as the expiry, so it
 * works the same on every store and two holders can never both succeed.
 */
export class Lease {
  constructor(
    private readonly store: StateStore,
    readonly name: string,
  ) {}

  /** Takes the lease if it is free, or extends it if `holderId` holds it already; false if someone else does. */
  async tryAcquire(holderId: string, ttlMs: number): Promise<boolean> {
    checkTtl(ttlMs);
    const entry = await this.store.getEntry<LeaseRecord>(NAMESPACE, this.name);
    const holder = entry?.value.holder ?? null;
    if (holder !== null && holder !== holderId) return false;
    return this.store.compareAndSet<LeaseRecord>(
      NAMESPACE,
      this.name,
      entry?.version,
      { holder: holderId },
      { ttlMs },
    );
  }

  /** Extends the lease by `ttlMs` from now, only if `holderId` still holds it. */
  async renew(holderId: string, ttlMs: number): Promise<boolean> {
    checkTtl(ttlMs);
    const entry = await this.store.getEntry<LeaseRecord>(NAMESPACE, this.name);
    if (!entry || entry.value.holder !== holderId) return false;
    return this.store.compareAndSet<LeaseRecord>(
      NAMESPACE,
      this.name,
      entry.version,
      { holder: holderId },
      { ttlMs },
    );
  }

  /** Frees the lease if `holderId` holds it; returns whether it did. Someone else's lease is left alone. */
  async release(holderId: string): Promise<boolean> {
    const entry = await this.store.getEntry<LeaseRecord>(NAMESPACE, this.name);
    if (!entry || entry.value.holder !== holderId) return false;
    // The store has no conditional delete: a compareAndSet to a short-lived marker is the atomic equivalent.
    return this.store.compareAndSet<LeaseRecord>(
      NAMESPACE,
      this.name,
      entry.version,
      { holder: null },
      { ttlMs: RELEASED_TTL_MS },
    );
  }

  /** Who holds the lease now, if anyone. */
  async holder(): Promise<string | undefined> {
    const entry = await this.store.getEntry<LeaseRecord>(NAMESPACE, this.name);
    return entry?.value.holder ?? undefined;
  }
}

export type DemotionReason = 'lost' | 'expired' | 'stopped';

export interface ElectorTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface LeaderElectorOptions {
  readonly lease: Lease;
  /** Unique per process: two replicas with the same id would both believe they lead. */
  readonly holderId: string;
  readonly ttlMs: number;
  /** How often to acquire or renew; a third of the TTL by default, so two attempts can fail in a row. */
  readonly renewEveryMs?: number;
  readonly onElected?: () => void;
  readonly onDemoted?: (reason: DemotionReason) => void;
  /** A failed attempt (the store unavailable) or a callback that threw; the elector keeps going. */
  readonly onError?: (error: unknown) => void;
  readonly now?: () => number;
  readonly timers?: ElectorTimers;
}

const NODE_TIMERS: ElectorTimers = {
  setTimeout(callback, ms) {
    // A background loop must not keep the process alive on its own.
    return setTimeout(callback, ms).unref();
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/**
 * Keeps one replica at a time in charge of something (the scheduler): every `renewEveryMs` it acquires or
 * renews the lease, and reports becoming and ceasing to be the leader.
 *
 * A leader that cannot renew, because the store is unavailable, stays leader only until its lease could have
 * expired: another replica can take the lease from then on. The deadline is counted from the start of the
 * last successful renewal, before the store started its TTL, so the two leaderships cannot overlap by more
 * than the difference between the store's and this process's clocks.
 */
export class LeaderElector {
  private readonly renewEveryMs: number;
  private readonly now: () => number;
  private readonly timers: ElectorTimers;
  private running = false;
  private leading = false;
  private leaseValidUntil = 0;
  private roundTimer: unknown;
  private deadlineTimer: unknown;
  private round: Promise<void> | undefined;

  constructor(private readonly options: LeaderElectorOptions) {
    if (!Number.isFinite(options.ttlMs) || options.ttlMs <= 0) {
      throw new RangeError(`A lease TTL must be a positive number of milliseconds, not ${options.ttlMs}`);
    }
    this.renewEveryMs = options.renewEveryMs ?? Math.floor(options.ttlMs / 3);
    if (!(this.renewEveryMs > 0 && this.renewEveryMs < options.ttlMs)) {
      throw new RangeError(
        `renewEveryMs must be positive and below the lease TTL (${options.ttlMs} ms), not ${this.renewEveryMs}`,
      );
    }
    this.now = options.now ?? Date.now;
    this.timers = options.timers ?? NODE_TIMERS;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Starts competing for the lease: tries at once, then every `renewEveryMs`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.runRound();
  }

  /** Stops competing; a leader is demoted, then releases the lease so another replica can take over at once. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.timers.clearTimeout(this.roundTimer);
    await this.round;
    if (!this.leading) return;
    this.demote('stopped');
    await this.options.lease.release(this.options.holderId).catch((error: unknown) => this.report(error));
  }

  private runRound(): void {
    this.round = this.attempt().finally(() => {
      if (this.running) this.roundTimer = this.timers.setTimeout(() => this.runRound(), this.renewEveryMs);
    });
  }

  private async attempt(): Promise<void> {
    const startedAt = this.now();
    let held: boolean;
    try {
      held = await this.options.lease.tryAcquire(this.options.holderId, this.options.ttlMs);
    } catch (error) {
      this.report(error);
      // Still the leader until the deadline timer says otherwise; it fires even if the store hangs.
      this.expireIfDue();
      return;
    }
    if (!this.running) {
      // stop() ran while this attempt was under way and saw no leadership: hand back what was just taken.
      if (held && !this.leading) {
        await this.options.lease.release(this.options.holderId).catch((error: unknown) => this.report(error));
      }
      return;
    }
    if (!held) {
      if (this.leading) this.demote('lost');
      return;
    }
    this.leaseValidUntil = startedAt + this.options.ttlMs;
    // An attempt slower than the TTL gives no time as leader: the lease may have lapsed meanwhile.
    if (this.expireIfDue()) return;
    this.armDeadline();
    if (!this.leading) {
      this.leading = true;
      this.call(() => this.options.onElected?.());
    }
  }

  private armDeadline(): void {
    this.timers.clearTimeout(this.deadlineTimer);
    this.deadlineTimer = this.timers.setTimeout(
      () => this.expireIfDue(),
      Math.max(0, this.leaseValidUntil - this.now()),
    );
  }

  /** Demotes a leader whose lease may have run out; true when the lease may have run out. */
  private expireIfDue(): boolean {
    if (this.now() < this.leaseValidUntil) return false;
    if (this.leading) this.demote('expired');
    return true;
  }

  private demote(reason: DemotionReason): void {
    this.timers.clearTimeout(this.deadlineTimer);
    this.leading = false;
    this.call(() => this.options.onDemoted?.(reason));
  }

  private call(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      this.report(error);
    }
  }

  private report(error: unknown): void {
    try {
      this.options.onError?.(error);
    } catch {
      // An error reporter that throws must not stop the election loop.
    }
  }
}

function checkTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`A lease TTL must be a positive number of milliseconds, not ${ttlMs}`);
  }
}
