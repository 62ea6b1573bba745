import type { KeyRef } from '../keys.js';
import type { StateStore } from '../store/state-store.js';

export type TimerKind = 'resume' | 'reminder';

/** Work Flowbot does later on its own: resume a timed pause, or remind a channel that a key is still paused. */
export interface Timer {
  readonly id: string;
  readonly kind: TimerKind;
  readonly target: KeyRef;
  readonly channelId: string | undefined;
  /** Who paused the key: a timed resume runs as them, authorized again when it runs. */
  readonly actorId: string;
  /** Their team when it is not Flowbot's: the resume is authorized for the same person. */
  readonly foreignTeam?: string;
  /** The pause's request (the resume's audit event carries it too) and its approver, when it was approved. */
  readonly requestId?: string;
  readonly approvedBy?: string;
  readonly pausedAt: number;
  readonly dueAt: number;
  readonly reason?: string;
  /** While a replica is firing it: others leave it alone until then. */
  readonly leaseUntil?: number;
  /** The replica firing it; another leader need not wait for the lease of one that died. */
  readonly leaseHolder?: string;
  readonly reminders?: number;
  /**
   * Timers of one request over many keys (a bulk pause: the batch's request id). They are due together, fire
   * together and are told in one message, not one per key; their resumes were counted against the person's
   * rate limit with the batch, so they are not counted again.
   */
  readonly group?: string;
}

const NAMESPACE = 'timer';
/** When each group's timers of a kind are due, so keys paused one after another in a batch stay together. */
const GROUPS = 'timer-group';
/** A firing that takes longer than this is presumed dead (crashed process) and may be fired again. */
export const FIRING_LEASE_MS = 60_000;
/** How long after a group's due time a key joining it still takes that time (its batch is still running). */
const GROUP_GRACE_MS = 10 * 60_000;

function timerId(kind: TimerKind, target: KeyRef): string {
  return `${kind}:${target.environment}:${target.key}`;
}

/**
 * One timer of each kind per key: a new pause replaces the old plan, a resume cancels it. Firing is claimed
 * with a compare-and-set lease, so a timer fires once even with several replicas, and again only if the
 * process that claimed it died before finishing (resume is idempotent, so that is safe).
 */
export class Timers {
  constructor(
    private readonly store: StateStore,
    private readonly now: () => number = Date.now,
    private readonly holder = 'local',
  ) {}

  async schedule(timer: Omit<Timer, 'id'>): Promise<Timer> {
    const dueAt =
      timer.group === undefined ? timer.dueAt : await this.groupDueAt(timer.kind, timer.group, timer.dueAt);
    const stored: Timer = { ...timer, dueAt, id: timerId(timer.kind, timer.target) };
    await this.store.set(NAMESPACE, stored.id, stored);
    return stored;
  }

  /**
   * The due time of a group's timers of one kind: the first key's, taken by the others (a batch pauses its keys
   * over seconds or minutes, and "for 15m" means 15 minutes from when it started, for every key).
   */
  private async groupDueAt(kind: TimerKind, group: string, dueAt: number): Promise<number> {
    const id = `${kind}:${group}`;
    // Kept a little past the due time: keys of the batch still being paused then join it.
    const ttlMs = Math.max(0, dueAt - this.now()) + GROUP_GRACE_MS;
    if (await this.store.compareAndSet(GROUPS, id, undefined, dueAt, { ttlMs })) return dueAt;
    const taken = await this.store.get<number>(GROUPS, id);
    if (taken !== undefined && taken > this.now()) return taken;
    // The group's time has passed while its batch ran on: this key (and later ones) keep their own time.
    await this.store.set(GROUPS, id, dueAt, { ttlMs });
    return dueAt;
  }

  async cancelForKey(target: KeyRef): Promise<void> {
    // Every resume asks; most keys have no plan, and a read costs far less than a write.
    for (const kind of ['resume', 'reminder'] as const) {
      const id = timerId(kind, target);
      if ((await this.store.getEntry<Timer>(NAMESPACE, id)) !== undefined)
        await this.store.delete(NAMESPACE, id);
    }
  }

  async get(kind: TimerKind, target: KeyRef): Promise<Timer | undefined> {
    return this.store.get<Timer>(NAMESPACE, timerId(kind, target));
  }

  async all(): Promise<Timer[]> {
    return (await this.store.list<Timer>(NAMESPACE)).map((entry) => entry.value);
  }

  /** Due timers this caller now owns (lease taken). */
  async claimDue(): Promise<Timer[]> {
    const now = this.now();
    const claimed: Timer[] = [];
    for (const { id } of await this.store.list<Timer>(NAMESPACE)) {
      const entry = await this.store.getEntry<Timer>(NAMESPACE, id);
      if (!entry) continue;
      const timer = entry.value;
      // Timers fire only on the leader: a lease held by another replica was left by a leader that is gone.
      const ours = timer.leaseHolder === undefined || timer.leaseHolder === this.holder;
      if (timer.dueAt > now || (timer.leaseUntil !== undefined && timer.leaseUntil > now && ours)) continue;
      const leased: Timer = { ...timer, leaseUntil: now + FIRING_LEASE_MS, leaseHolder: this.holder };
      if (await this.store.compareAndSet(NAMESPACE, id, entry.version, leased)) claimed.push(leased);
    }
    return claimed;
  }

  /** Done: removed, unless the key's plan changed while firing (a new pause replaced it). */
  async complete(timer: Timer, next?: Omit<Timer, 'id'>): Promise<void> {
    const entry = await this.store.getEntry<Timer>(NAMESPACE, timer.id);
    if (!entry || entry.value.leaseUntil !== timer.leaseUntil || entry.value.dueAt !== timer.dueAt) return;
    if (next) {
      const { leaseUntil: _until, leaseHolder: _holder, ...plan } = next;
      await this.store.compareAndSet(NAMESPACE, timer.id, entry.version, { ...plan, id: timer.id });
      return;
    }
    // Removed by expiring it at once, in the same atomic step as the version check: a plain delete after the
    // check could remove a new plan written in between.
    const spent: Timer = { ...entry.value, dueAt: Number.MAX_SAFE_INTEGER };
    await this.store.compareAndSet(NAMESPACE, timer.id, entry.version, spent, { ttlMs: 0 });
  }
}
