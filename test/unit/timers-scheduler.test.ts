import { beforeEach, describe, expect, it } from 'vitest';
import type { KeyRef } from '../../src/core/keys.js';
import { type ApprovalRequest, Approvals } from '../../src/core/operations/approvals.js';
import { type ScheduledWork, Scheduler } from '../../src/core/scheduler/scheduler.js';
import { FIRING_LEASE_MS, type Timer, Timers } from '../../src/core/scheduler/timers.js';
import { MemoryStateStore } from '../../src/core/store/memory-store.js';

const T0 = 1_700_000_000_000;
const ORDERS: KeyRef = { environment: 'prod', key: 'orders' };
const BILLING: KeyRef = { environment: 'prod', key: 'billing' };
const STAGING_ORDERS: KeyRef = { environment: 'staging', key: 'orders' };

/** A memory store whose next write or delete first lets something else happen (another replica's write). */
class InterleavingStore extends MemoryStateStore {
  beforeWrite: (() => Promise<unknown>) | undefined;

  private async interleave(): Promise<void> {
    const hook = this.beforeWrite;
    this.beforeWrite = undefined;
    if (hook) await hook();
  }

  override async delete(namespace: string, id: string): Promise<void> {
    await this.interleave();
    return super.delete(namespace, id);
  }

  override async compareAndSet<T>(
    namespace: string,
    id: string,
    expectedVersion: number | undefined,
    value: T,
    options?: { ttlMs?: number },
  ): Promise<boolean> {
    await this.interleave();
    return super.compareAndSet(namespace, id, expectedVersion, value, options);
  }
}

let now: number;
const clock = () => now;
let store: InterleavingStore;
let timers: Timers;

beforeEach(() => {
  now = T0;
  store = new InterleavingStore(clock);
  timers = new Timers(store, clock);
});

function plan(overrides: Partial<Omit<Timer, 'id'>> = {}): Omit<Timer, 'id'> {
  return {
    kind: 'resume',
    target: ORDERS,
    channelId: 'C0INC',
    actorId: 'U0ALICE',
    pausedAt: T0,
    dueAt: T0 + 60_000,
    reason: 'deploy',
    ...overrides,
  };
}

const ids = (list: readonly Timer[]) => list.map((timer) => timer.id).sort();

describe('Timers', () => {
  it('keeps one timer per kind per key: a new plan replaces the old', async () => {
    const first = await timers.schedule(plan({ dueAt: T0 + 1 }));
    const second = await timers.schedule(plan({ dueAt: T0 + 2, reason: 'again' }));
    expect(first.id).toBe('resume:prod:orders');
    expect(second.id).toBe(first.id);
    expect(await timers.all()).toEqual([second]);
    expect(await timers.get('resume', ORDERS)).toEqual({
      ...plan({ dueAt: T0 + 2, reason: 'again' }),
      id: first.id,
    });
  });

  it('keeps kinds, keys and environments apart', async () => {
    await timers.schedule(plan());
    await timers.schedule(plan({ kind: 'reminder' }));
    await timers.schedule(plan({ target: BILLING }));
    await timers.schedule(plan({ target: STAGING_ORDERS }));
    expect(ids(await timers.all())).toEqual([
      'reminder:prod:orders',
      'resume:prod:billing',
      'resume:prod:orders',
      'resume:staging:orders',
    ]);
  });

  it('cancelForKey removes both kinds for that key only', async () => {
    await timers.schedule(plan());
    await timers.schedule(plan({ kind: 'reminder' }));
    await timers.schedule(plan({ target: BILLING }));
    await timers.schedule(plan({ target: STAGING_ORDERS, kind: 'reminder' }));
    await timers.cancelForKey(ORDERS);
    expect(ids(await timers.all())).toEqual(['reminder:staging:orders', 'resume:prod:billing']);
    await timers.cancelForKey(ORDERS);
    expect(await timers.all()).toHaveLength(2);
  });

  it('claimDue takes only due, unleased timers, and leases them', async () => {
    await timers.schedule(plan({ dueAt: T0 - 1 }));
    await timers.schedule(plan({ target: BILLING, dueAt: T0 }));
    await timers.schedule(plan({ target: STAGING_ORDERS, dueAt: T0 + 1 }));
    const claimed = await timers.claimDue();
    expect(ids(claimed)).toEqual(['resume:prod:billing', 'resume:prod:orders']);
    for (const timer of claimed) {
      expect(timer.leaseUntil).toBe(T0 + FIRING_LEASE_MS);
      expect(await timers.get(timer.kind, timer.target)).toEqual(timer);
    }
    expect(await timers.claimDue()).toEqual([]);
    now = T0 + 1;
    expect(ids(await timers.claimDue())).toEqual(['resume:staging:orders']);
  });

  it('two replicas claiming at once: each due timer is claimed exactly once', async () => {
    const targets = Array.from({ length: 20 }, (_, index) => ({ environment: 'prod', key: `k${index}` }));
    for (const target of targets) {
      await timers.schedule(plan({ target, dueAt: T0 }));
      await timers.schedule(plan({ target, kind: 'reminder', dueAt: T0 }));
    }
    const other = new Timers(store, clock);
    const [mine, theirs] = await Promise.all([timers.claimDue(), other.claimDue()]);
    const all = [...ids(mine), ...ids(theirs)].sort();
    expect(all).toHaveLength(40);
    expect(new Set(all).size).toBe(40);
  });

  it('a lease that runs out makes the timer claimable again', async () => {
    await timers.schedule(plan({ dueAt: T0 }));
    const [first] = await timers.claimDue();
    now = T0 + FIRING_LEASE_MS - 1;
    expect(await timers.claimDue()).toEqual([]);
    now = T0 + FIRING_LEASE_MS;
    const [again] = await timers.claimDue();
    expect(again?.id).toBe(first?.id);
    expect(again?.leaseUntil).toBe(now + FIRING_LEASE_MS);
  });

  it('keys of one group take the first key’s due time; another group or kind keeps its own', async () => {
    const key = (name: string) => ({ environment: 'prod', key: name });
    await timers.schedule(plan({ target: key('a'), dueAt: T0 + 900_000, group: 'g1' }));
    now = T0 + 20_000;
    const later = await timers.schedule(plan({ target: key('b'), dueAt: now + 900_000, group: 'g1' }));
    const other = await timers.schedule(plan({ target: key('c'), dueAt: now + 900_000, group: 'g2' }));
    const reminder = await timers.schedule(
      plan({ kind: 'reminder', target: key('d'), dueAt: now + 3_600_000, group: 'g1' }),
    );
    const lone = await timers.schedule(plan({ target: key('e'), dueAt: now + 900_000 }));
    expect(later.dueAt).toBe(T0 + 900_000);
    expect(other.dueAt).toBe(now + 900_000);
    expect(reminder.dueAt).toBe(now + 3_600_000);
    expect(lone.dueAt).toBe(now + 900_000);
  });

  it('a key joining a group whose time has passed keeps its own time (never resumed as soon as paused)', async () => {
    const key = (name: string) => ({ environment: 'prod', key: name });
    await timers.schedule(plan({ target: key('a'), dueAt: T0 + 60_000, group: 'g1' }));
    now = T0 + 90_000;
    const late = await timers.schedule(plan({ target: key('b'), dueAt: now + 60_000, group: 'g1' }));
    expect(late.dueAt).toBe(now + 60_000);
    now += 1_000;
    const later = await timers.schedule(plan({ target: key('c'), dueAt: now + 60_000, group: 'g1' }));
    expect(later.dueAt).toBe(late.dueAt);
  });

  it('complete removes a fired timer', async () => {
    await timers.schedule(plan({ dueAt: T0 }));
    await timers.schedule(plan({ kind: 'reminder', dueAt: T0 + 999_999 }));
    const [claimed] = await timers.claimDue();
    await timers.complete(claimed!);
    expect(await timers.get('resume', ORDERS)).toBeUndefined();
    expect(await timers.get('reminder', ORDERS)).toBeDefined();
  });

  it('complete with a next plan reschedules, unleased', async () => {
    await timers.schedule(plan({ kind: 'reminder', dueAt: T0, reminders: 0 }));
    const [claimed] = await timers.claimDue();
    const next = plan({ kind: 'reminder', dueAt: T0 + 3_600_000, reminders: 1 });
    await timers.complete(claimed!, next);
    expect(await timers.get('reminder', ORDERS)).toEqual({ ...next, id: 'reminder:prod:orders' });
    expect(await timers.claimDue()).toEqual([]);
    now = T0 + 3_600_000;
    expect(await timers.claimDue()).toHaveLength(1);
  });

  it('complete does nothing when a new pause replaced the plan while firing', async () => {
    await timers.schedule(plan({ dueAt: T0 }));
    const [claimed] = await timers.claimDue();
    const replaced = await timers.schedule(plan({ dueAt: T0 + 120_000, reason: 'new pause' }));
    await timers.complete(claimed!);
    expect(await timers.get('resume', ORDERS)).toEqual(replaced);
    await timers.complete(claimed!, plan({ dueAt: T0 + 5, reason: 'stale retry' }));
    expect(await timers.get('resume', ORDERS)).toEqual(replaced);
  });

  it('complete does not revive a plan cancelled while firing', async () => {
    await timers.schedule(plan({ dueAt: T0 }));
    const [claimed] = await timers.claimDue();
    await timers.cancelForKey(ORDERS);
    await timers.complete(claimed!, plan({ dueAt: T0 + 60_000 }));
    expect(await timers.all()).toEqual([]);
  });

  it('complete by a replica whose lease ran out leaves the new owner’s timer alone', async () => {
    await timers.schedule(plan({ dueAt: T0 }));
    const [stale] = await timers.claimDue();
    now = T0 + FIRING_LEASE_MS;
    const [current] = await new Timers(store, clock).claimDue();
    await timers.complete(stale!);
    expect(await timers.get('resume', ORDERS)).toEqual(current);
  });

  // A new pause that schedules the key's timer while complete() is removing the fired one (another replica,
  // or another request on this one) must survive: the removal is conditional on the version it read.
  it('complete does not delete a new plan written while it runs', async () => {
    await timers.schedule(plan({ dueAt: T0 }));
    const [claimed] = await timers.claimDue();
    let replaced: Timer | undefined;
    store.beforeWrite = async () => {
      replaced = await timers.schedule(plan({ dueAt: T0 + 120_000, reason: 'new pause' }));
    };
    await timers.complete(claimed!);
    expect(replaced).toBeDefined();
    expect(await timers.get('resume', ORDERS)).toEqual(replaced);
  });
});

/** Records what the scheduler asks of it; behaviour per call is scripted. */
class FakeWork implements ScheduledWork {
  readonly fired: Timer[] = [];
  readonly expired: ApprovalRequest[] = [];
  onFire: (timer: Timer) => Promise<Omit<Timer, 'id'> | undefined> = async () => undefined;
  onExpire: (request: ApprovalRequest) => Promise<void> = async () => {};

  /** Each call's timers, as the scheduler put them together. */
  readonly calls: Timer[][] = [];

  async fireTimers(timers: readonly Timer[]): Promise<(Omit<Timer, 'id'> | undefined)[]> {
    this.calls.push([...timers]);
    const plans: (Omit<Timer, 'id'> | undefined)[] = [];
    for (const timer of timers) {
      this.fired.push(timer);
      plans.push(await this.onFire(timer));
    }
    return plans;
  }

  expireApproval(request: ApprovalRequest): Promise<void> {
    this.expired.push(request);
    return this.onExpire(request);
  }
}

describe('Scheduler.tick', () => {
  let work: FakeWork;
  let errors: unknown[];
  let approvals: Approvals;
  let scheduler: Scheduler;

  beforeEach(() => {
    work = new FakeWork();
    errors = [];
    approvals = new Approvals(store, clock);
    scheduler = new Scheduler(timers, approvals, work, (error) => errors.push(error));
  });

  it('fires due timers once and removes them; leaves the rest', async () => {
    await timers.schedule(plan({ dueAt: T0 }));
    await timers.schedule(plan({ target: BILLING, dueAt: T0 + 1 }));
    await scheduler.tick();
    expect(work.fired.map((timer) => timer.id)).toEqual(['resume:prod:orders']);
    expect(work.fired[0]).toMatchObject({ ...plan({ dueAt: T0 }), leaseUntil: T0 + FIRING_LEASE_MS });
    expect(ids(await timers.all())).toEqual(['resume:prod:billing']);
    await scheduler.tick();
    expect(work.fired).toHaveLength(1);
    now = T0 + 1;
    await scheduler.tick();
    expect(work.fired.map((timer) => timer.id)).toEqual(['resume:prod:orders', 'resume:prod:billing']);
    expect(errors).toEqual([]);
  });

  it('reschedules when fireTimer returns the next plan', async () => {
    await timers.schedule(plan({ kind: 'reminder', dueAt: T0, reminders: 0 }));
    work.onFire = async (timer) => {
      const { id: _id, leaseUntil: _lease, ...rest } = timer;
      return { ...rest, dueAt: now + 1_000, reminders: (timer.reminders ?? 0) + 1 };
    };
    await scheduler.tick();
    expect(await timers.get('reminder', ORDERS)).toEqual({
      ...plan({ kind: 'reminder', dueAt: T0 + 1_000, reminders: 1 }),
      id: 'reminder:prod:orders',
    });
    await scheduler.tick();
    expect(work.fired).toHaveLength(1);
    now = T0 + 1_000;
    await scheduler.tick();
    expect(work.fired.map((timer) => timer.reminders)).toEqual([0, 1]);
    expect(await timers.get('reminder', ORDERS)).toMatchObject({ reminders: 2, dueAt: T0 + 2_000 });
  });

  it('a fireTimer that throws leaves the timer leased: it fires again after the lease, not before', async () => {
    await timers.schedule(plan({ dueAt: T0 }));
    const boom = new Error('QStash down');
    work.onFire = async () => {
      throw boom;
    };
    await expect(scheduler.tick()).resolves.toBeUndefined();
    expect(errors).toEqual([boom]);
    expect(await timers.get('resume', ORDERS)).toMatchObject({ leaseUntil: T0 + FIRING_LEASE_MS });
    now = T0 + FIRING_LEASE_MS - 1;
    await scheduler.tick();
    expect(work.fired).toHaveLength(1);
    work.onFire = async () => undefined;
    now = T0 + FIRING_LEASE_MS;
    await scheduler.tick();
    expect(work.fired).toHaveLength(2);
    expect(await timers.all()).toEqual([]);
    expect(errors).toEqual([boom]);
  });

  it('one failing timer does not hold up the others', async () => {
    await timers.schedule(plan({ dueAt: T0 }));
    await timers.schedule(plan({ target: BILLING, dueAt: T0 }));
    work.onFire = async (timer) => {
      if (timer.target.key === 'orders') throw new Error('orders failed');
      return undefined;
    };
    await scheduler.tick();
    expect(work.fired).toHaveLength(2);
    expect(errors).toHaveLength(1);
    expect(ids(await timers.all())).toEqual(['resume:prod:orders']);
  });

  it('expires approval requests once, when due', async () => {
    const change = { action: 'pause', target: ORDERS } as const;
    const request = await approvals.create('U0ALICE', 'C0INC', change, 'two people', 1_000);
    const later = await approvals.create('U0BOB', 'C0INC', change, 'two people', 5_000);
    now = T0 + 999;
    await scheduler.tick();
    expect(work.expired).toEqual([]);
    now = T0 + 1_000;
    await scheduler.tick();
    expect(work.expired).toEqual([request]);
    await scheduler.tick();
    expect(work.expired).toEqual([request]);
    expect(await approvals.get(request.id)).toBeUndefined();
    expect(await approvals.get(later.id)).toEqual(later);
  });

  it('an expireApproval that throws is reported, not thrown', async () => {
    await approvals.create('U0ALICE', undefined, { action: 'resume', target: ORDERS }, 'r', 1);
    await approvals.create('U0BOB', undefined, { action: 'resume', target: BILLING }, 'r', 1);
    work.onExpire = async () => {
      throw new Error('slack down');
    };
    now = T0 + 1;
    await expect(scheduler.tick()).resolves.toBeUndefined();
    expect(work.expired).toHaveLength(2);
    expect(errors).toHaveLength(2);
  });

  it('a store failure is reported, and the next tick works', async () => {
    await timers.schedule(plan({ dueAt: T0 }));
    const list = store.list.bind(store);
    let failures = 1;
    store.list = async <T>(namespace: string) => {
      if (failures-- > 0) throw new Error('store down');
      return list<T>(namespace);
    };
    await expect(scheduler.tick()).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(work.fired).toEqual([]);
    await scheduler.tick();
    expect(work.fired).toHaveLength(1);
  });

  it('concurrent ticks share one pass', async () => {
    await timers.schedule(plan({ dueAt: T0 }));
    const first = scheduler.tick();
    const second = scheduler.tick();
    expect(second).toBe(first);
    await Promise.all([first, second]);
    expect(work.fired).toHaveLength(1);
  });

  it('timers of one group fire in one call; lone timers each in their own', async () => {
    for (let index = 0; index < 5; index++)
      await timers.schedule(
        plan({
          target: { environment: 'prod', key: `bulk-${index}` },
          dueAt: T0 - index,
          group: 'req-batch',
        }),
      );
    await timers.schedule(plan({ dueAt: T0 }));
    await timers.schedule(plan({ target: BILLING, dueAt: T0 }));
    await scheduler.tick();
    const sizes = work.calls.map((call) => call.length).sort();
    expect(sizes).toEqual([1, 1, 5]);
    const grouped = work.calls.find((call) => call.length === 5)!;
    expect(new Set(grouped.map((timer) => timer.group))).toEqual(new Set(['req-batch']));
    expect(await timers.all()).toEqual([]);
  });

  it('a group whose work fails stays leased, every key of it, and fires again after the lease', async () => {
    for (let index = 0; index < 3; index++)
      await timers.schedule(
        plan({ target: { environment: 'prod', key: `bulk-${index}` }, dueAt: T0, group: 'req-batch' }),
      );
    work.onFire = async () => {
      throw new Error('Slack is down');
    };
    await scheduler.tick();
    expect(errors).toHaveLength(1);
    expect(await timers.all()).toHaveLength(3);
    work.onFire = async () => undefined;
    now = T0 + FIRING_LEASE_MS + 1;
    await scheduler.tick();
    expect(work.calls.at(-1)).toHaveLength(3);
    expect(await timers.all()).toEqual([]);
  });

  it('two replicas ticking at once fire each timer once', async () => {
    for (let index = 0; index < 10; index++)
      await timers.schedule(plan({ target: { environment: 'prod', key: `k${index}` }, dueAt: T0 }));
    const otherWork = new FakeWork();
    const other = new Scheduler(new Timers(store, clock), new Approvals(store, clock), otherWork, (error) =>
      errors.push(error),
    );
    await Promise.all([scheduler.tick(), other.tick()]);
    const fired = [...work.fired, ...otherWork.fired].map((timer) => timer.id);
    expect(fired).toHaveLength(10);
    expect(new Set(fired).size).toBe(10);
    expect(await timers.all()).toEqual([]);
  });
});
