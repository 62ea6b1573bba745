import { describe, expect, it, vi } from 'vitest';
import {
  type DemotionReason,
  type ElectorTimers,
  LeaderElector,
  type LeaderElectorOptions,
  Lease,
} from '../../src/core/store/lease.js';
import { MemoryStateStore } from '../../src/core/store/memory-store.js';
import { type StateStore, StoreUnavailable } from '../../src/core/store/state-store.js';

/** One clock for the store and the elector, and timers that fire only when the test moves time on. */
class ManualClock implements ElectorTimers {
  time = 1_700_000_000_000;
  private readonly pending = new Map<number, { at: number; callback: () => void }>();
  private nextHandle = 1;

  readonly now = (): number => this.time;

  setTimeout(callback: () => void, ms: number): unknown {
    const handle = this.nextHandle++;
    this.pending.set(handle, { at: this.time + ms, callback });
    return handle;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  get timerCount(): number {
    return this.pending.size;
  }

  /** Moves time on by `ms`, firing due timers in order and letting the work they start finish. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      let next: [number, { at: number; callback: () => void }] | undefined;
      for (const timer of this.pending)
        if (timer[1].at <= end && (!next || timer[1].at < next[1].at)) next = timer;
      if (!next) break;
      this.pending.delete(next[0]);
      this.time = Math.max(this.time, next[1].at);
      next[1].callback();
      await settle();
    }
    this.time = end;
    await settle();
  }
}

/** Lets every promise chain started so far run to its end (the memory store never waits on I/O). */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

type Mode = 'up' | 'down' | 'hang';

/** A view of `inner` that can fail (StoreUnavailable) or hang on every call, as a lost Redis would. */
function flaky(inner: StateStore): { store: StateStore; setMode(mode: Mode): void } {
  let mode: Mode = 'up';
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const member = Reflect.get(target, property, receiver);
      if (typeof member !== 'function') return member;
      return (...args: unknown[]) => {
        if (mode === 'down') return Promise.reject(new StoreUnavailable('the store is down'));
        if (mode === 'hang') return new Promise(() => undefined);
        return member.apply(target, args);
      };
    },
  });
  return { store, setMode: (next) => (mode = next) };
}

const TTL = 3_000;

function setup() {
  const clock = new ManualClock();
  const store = new MemoryStateStore(clock.now);
  return { clock, store };
}

function elector(
  clock: ManualClock,
  store: StateStore,
  holderId: string,
  options: Partial<LeaderElectorOptions> = {},
) {
  const events: (string | DemotionReason)[] = [];
  const errors: unknown[] = [];
  const instance = new LeaderElector({
    lease: new Lease(store, 'scheduler'),
    holderId,
    ttlMs: TTL,
    now: clock.now,
    timers: clock,
    onElected: () => events.push('elected'),
    onDemoted: (reason) => events.push(reason),
    onError: (error) => errors.push(error),
    ...options,
  });
  return { elector: instance, events, errors };
}

describe('Lease', () => {
  it('is held by one holder at a time, and extended when its holder acquires it again', async () => {
    const { store } = setup();
    const lease = new Lease(store, 'scheduler');
    expect(await lease.holder()).toBeUndefined();
    expect(await lease.tryAcquire('a', 1_000)).toBe(true);
    expect(await lease.tryAcquire('b', 1_000)).toBe(false);
    expect(await lease.holder()).toBe('a');
    expect(await lease.tryAcquire('a', 1_000)).toBe(true);
    expect(await lease.holder()).toBe('a');
  });

  it('expires after its TTL, and can then be taken by another holder', async () => {
    const { clock, store } = setup();
    const lease = new Lease(store, 'scheduler');
    await lease.tryAcquire('a', 1_000);
    await clock.advance(999);
    expect(await lease.tryAcquire('b', 1_000)).toBe(false);
    await clock.advance(1);
    expect(await lease.holder()).toBeUndefined();
    expect(await lease.tryAcquire('b', 1_000)).toBe(true);
    expect(await lease.holder()).toBe('b');
  });

  it('is renewed only by its holder, and not once it has expired', async () => {
    const { clock, store } = setup();
    const lease = new Lease(store, 'scheduler');
    expect(await lease.renew('a', 1_000)).toBe(false);
    await lease.tryAcquire('a', 1_000);
    await clock.advance(800);
    expect(await lease.renew('b', 1_000)).toBe(false);
    expect(await lease.renew('a', 1_000)).toBe(true);
    await clock.advance(800);
    expect(await lease.holder()).toBe('a');
    await clock.advance(200);
    expect(await lease.holder()).toBeUndefined();
    expect(await lease.renew('a', 1_000)).toBe(false);
    expect(await lease.holder()).toBeUndefined();
  });

  it('is released only by its holder, and is free at once after that', async () => {
    const { store } = setup();
    const lease = new Lease(store, 'scheduler');
    await lease.tryAcquire('a', 60_000);
    expect(await lease.release('b')).toBe(false);
    expect(await lease.holder()).toBe('a');
    expect(await lease.release('a')).toBe(true);
    expect(await lease.holder()).toBeUndefined();
    expect(await lease.renew('a', 60_000)).toBe(false);
    expect(await lease.tryAcquire('b', 60_000)).toBe(true);
    expect(await lease.release('a')).toBe(false);
    expect(await lease.holder()).toBe('b');
  });

  it('goes to exactly one of several concurrent claimants', async () => {
    const { store } = setup();
    const lease = new Lease(store, 'scheduler');
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => lease.tryAcquire(`holder-${i}`, 1_000)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await lease.holder()).toBe(`holder-${results.indexOf(true)}`);
  });

  it('keeps leases with different names apart', async () => {
    const { store } = setup();
    expect(await new Lease(store, 'one').tryAcquire('a', 1_000)).toBe(true);
    expect(await new Lease(store, 'two').tryAcquire('b', 1_000)).toBe(true);
  });

  it('refuses a TTL that is not a positive number', async () => {
    const { store } = setup();
    const lease = new Lease(store, 'scheduler');
    await expect(lease.tryAcquire('a', 0)).rejects.toThrow(RangeError);
    await expect(lease.renew('a', Number.NaN)).rejects.toThrow(RangeError);
  });
});

describe('LeaderElector', () => {
  it('is elected at once when the lease is free, and stays leader while it renews', async () => {
    const { clock, store } = setup();
    const a = elector(clock, store, 'a');
    const tryAcquire = vi.spyOn(Lease.prototype, 'tryAcquire');
    a.elector.start();
    await settle();
    expect(a.events).toEqual(['elected']);
    expect(a.elector.isLeader).toBe(true);
    await clock.advance(TTL);
    // Once at start, then every third of the TTL.
    expect(tryAcquire).toHaveBeenCalledTimes(4);
    await clock.advance(10 * TTL);
    expect(a.events).toEqual(['elected']);
    expect(await new Lease(store, 'scheduler').holder()).toBe('a');
    tryAcquire.mockRestore();
    await a.elector.stop();
  });

  it('lets one of two replicas lead, and hands over when the leader stops', async () => {
    const { clock, store } = setup();
    const a = elector(clock, store, 'a');
    const b = elector(clock, store, 'b');
    a.elector.start();
    await settle();
    b.elector.start();
    await clock.advance(5 * TTL);
    expect(a.events).toEqual(['elected']);
    expect(b.events).toEqual([]);

    await a.elector.stop();
    expect(a.events).toEqual(['elected', 'stopped']);
    expect(await new Lease(store, 'scheduler').holder()).toBeUndefined();
    // Released, not left to expire: the other replica takes over at its next attempt.
    await clock.advance(TTL / 3);
    expect(b.events).toEqual(['elected']);
    await b.elector.stop();
    expect(clock.timerCount).toBe(0);
  });

  it('demotes a leader that cannot reach the store once its lease could have expired, before anyone else leads', async () => {
    const { clock, store } = setup();
    const view = flaky(store);
    const a = elector(clock, view.store, 'a');
    const b = elector(clock, store, 'b');
    a.elector.start();
    await settle();
    b.elector.start();
    await clock.advance(TTL / 3);
    const lastRenewal = clock.time;

    view.setMode('down');
    for (let step = 0; step < 200; step++) {
      await clock.advance(25);
      expect(a.elector.isLeader && b.elector.isLeader, `at ${clock.time - lastRenewal} ms`).toBe(false);
      if (clock.time - lastRenewal < TTL) expect(a.elector.isLeader).toBe(true);
      else expect(a.elector.isLeader).toBe(false);
    }
    expect(a.events).toEqual(['elected', 'expired']);
    expect(a.errors.length).toBeGreaterThan(0);
    expect(a.errors.every((error) => error instanceof StoreUnavailable)).toBe(true);
    expect(b.events).toEqual(['elected']);

    // Back again: the lease is b's now, so a stays a follower.
    view.setMode('up');
    await clock.advance(TTL);
    expect(a.events).toEqual(['elected', 'expired']);
    await a.elector.stop();
    await b.elector.stop();
  });

  it('demotes on time even when the store hangs instead of failing', async () => {
    const { clock, store } = setup();
    const view = flaky(store);
    const a = elector(clock, view.store, 'a');
    a.elector.start();
    await settle();
    const elected = clock.time;
    view.setMode('hang');
    await clock.advance(TTL - 1);
    expect(a.elector.isLeader).toBe(true);
    await clock.advance(1);
    expect(clock.time - elected).toBe(TTL);
    expect(a.events).toEqual(['elected', 'expired']);
  });

  it('leads again when the store comes back and the lease is still free', async () => {
    const { clock, store } = setup();
    const view = flaky(store);
    const a = elector(clock, view.store, 'a');
    a.elector.start();
    await settle();
    view.setMode('down');
    await clock.advance(2 * TTL);
    expect(a.events).toEqual(['elected', 'expired']);
    view.setMode('up');
    await clock.advance(TTL / 3);
    expect(a.events).toEqual(['elected', 'expired', 'elected']);
    await a.elector.stop();
  });

  it('keeps leading through a short outage, shorter than the lease', async () => {
    const { clock, store } = setup();
    const view = flaky(store);
    const a = elector(clock, view.store, 'a');
    a.elector.start();
    await settle();
    view.setMode('down');
    await clock.advance(TTL / 2);
    view.setMode('up');
    await clock.advance(5 * TTL);
    expect(a.events).toEqual(['elected']);
    await a.elector.stop();
  });

  it('is demoted at its next attempt when someone else has the lease', async () => {
    const { clock, store } = setup();
    const a = elector(clock, store, 'a');
    a.elector.start();
    await settle();
    await store.set('lease', 'scheduler', { holder: 'intruder' }, { ttlMs: 60_000 });
    await clock.advance(TTL / 3);
    expect(a.events).toEqual(['elected', 'lost']);
    expect(a.elector.isLeader).toBe(false);
    await a.elector.stop();
    expect(a.events).toEqual(['elected', 'lost']);
    expect(await new Lease(store, 'scheduler').holder()).toBe('intruder');
  });

  it('gives back a lease won while it was being stopped', async () => {
    const { clock, store } = setup();
    const a = elector(clock, store, 'a');
    a.elector.start();
    const stopping = a.elector.stop();
    await stopping;
    await settle();
    expect(a.events).toEqual([]);
    expect(await new Lease(store, 'scheduler').holder()).toBeUndefined();
    expect(clock.timerCount).toBe(0);
    await a.elector.stop();
  });

  it('keeps going when a callback or the error reporter throws', async () => {
    const { clock, store } = setup();
    const view = flaky(store);
    const errors: unknown[] = [];
    const a = elector(clock, view.store, 'a', {
      onElected: () => {
        throw new Error('elected handler failed');
      },
      onError: (error) => {
        errors.push(error);
        throw new Error('reporter failed too');
      },
    });
    a.elector.start();
    await settle();
    expect(a.elector.isLeader).toBe(true);
    expect(errors).toEqual([new Error('elected handler failed')]);
    view.setMode('down');
    await clock.advance(TTL / 3);
    expect(a.elector.isLeader).toBe(true);
    expect(errors).toHaveLength(2);
    view.setMode('up');
    await a.elector.stop();
  });

  it('refuses a renewal period that would let the lease lapse', () => {
    const { clock, store } = setup();
    expect(() => elector(clock, store, 'a', { renewEveryMs: TTL })).toThrow(RangeError);
    expect(() => elector(clock, store, 'a', { renewEveryMs: 0 })).toThrow(RangeError);
    expect(() => elector(clock, store, 'a', { ttlMs: -1 })).toThrow(RangeError);
  });
});
