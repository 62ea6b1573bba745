import { afterEach, describe, expect, it, vi } from 'vitest';
import { WorkTracker } from '../../src/core/work-tracker.js';

function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('WorkTracker.run', () => {
  it('runs the work and resolves when it is done', async () => {
    const errors: unknown[] = [];
    const tracker = new WorkTracker((error) => errors.push(error));
    let ran = false;
    await tracker.run(async () => {
      ran = true;
      return 'ignored result';
    });
    expect(ran).toBe(true);
    expect(errors).toEqual([]);
    expect(tracker.size).toBe(0);
  });

  it('hands a rejection to onError and never rejects itself', async () => {
    const errors: unknown[] = [];
    const tracker = new WorkTracker((error) => errors.push(error));
    const boom = new Error('boom');
    await expect(tracker.run(async () => Promise.reject(boom))).resolves.toBeUndefined();
    expect(errors).toEqual([boom]);
  });

  it('hands a synchronous throw and non-Error values to onError', async () => {
    const errors: unknown[] = [];
    const tracker = new WorkTracker((error) => errors.push(error));
    const sync = (() => {
      throw new TypeError('sync');
    }) as unknown as () => Promise<void>;
    await tracker.run(sync);
    await tracker.run(async () => {
      throw 'a string';
    });
    await tracker.run(async () => {
      throw undefined;
    });
    expect(errors).toHaveLength(3);
    expect(errors[0]).toBeInstanceOf(TypeError);
    expect(errors[1]).toBe('a string');
    expect(errors[2]).toBeUndefined();
  });

  it('counts running work', async () => {
    const tracker = new WorkTracker(() => {});
    const a = deferred();
    const b = deferred();
    const runA = tracker.run(() => a.promise);
    const runB = tracker.run(() => b.promise);
    expect(tracker.size).toBe(2);
    a.resolve();
    await runA;
    await Promise.resolve();
    expect(tracker.size).toBe(1);
    b.reject(new Error('x'));
    await runB;
    await Promise.resolve();
    expect(tracker.size).toBe(0);
  });

  it('counts work that ended, however it ended, and tells its watchers of every start and end', async () => {
    const tracker = new WorkTracker(() => {});
    const seen: [number, number][] = [];
    tracker.watch(() => seen.push([tracker.size, tracker.completed]));
    const a = deferred();
    const b = deferred();
    const runA = tracker.run(() => a.promise);
    const runB = tracker.run(() => b.promise);
    a.resolve();
    b.reject(new Error('x'));
    await Promise.all([runA, runB]);
    await Promise.resolve();
    expect(tracker.completed).toBe(2);
    expect(tracker.size).toBe(0);
    expect(seen).toEqual([
      [1, 0],
      [2, 0],
      [1, 1],
      [0, 2],
    ]);
  });
});

describe('WorkTracker: background work', () => {
  it('is waited for like the rest but not counted as requests’ work, running or ended', async () => {
    const tracker = new WorkTracker(() => {});
    const request = deferred();
    const background = deferred();
    const runRequest = tracker.run(() => request.promise);
    const runBackground = tracker.run(() => background.promise, 'background');
    expect(tracker.size).toBe(2);
    expect(tracker.requests).toBe(1);
    background.resolve();
    await runBackground;
    await Promise.resolve();
    // A Home tab redrawn is not the backlog draining.
    expect(tracker.completed).toBe(0);
    expect(tracker.requests).toBe(1);
    request.resolve();
    await runRequest;
    await Promise.resolve();
    expect(tracker.completed).toBe(1);
    expect(tracker.requests).toBe(0);
    expect(tracker.size).toBe(0);
  });
});

describe('WorkTracker.drain', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves true at once when nothing is running, and stops accepting', async () => {
    const tracker = new WorkTracker(() => {});
    expect(tracker.accepting).toBe(true);
    expect(await tracker.drain(10_000)).toBe(true);
    expect(tracker.accepting).toBe(false);
  });

  it('waits for running work, failed or not, then resolves true', async () => {
    const errors: unknown[] = [];
    const tracker = new WorkTracker((error) => errors.push(error));
    const ok = deferred();
    const bad = deferred();
    void tracker.run(() => ok.promise);
    void tracker.run(() => bad.promise);
    let settled: boolean | undefined;
    const draining = tracker.drain(10_000).then((result) => {
      settled = result;
      return result;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBeUndefined();
    ok.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBeUndefined();
    bad.reject(new Error('late failure'));
    expect(await draining).toBe(true);
    expect(errors).toHaveLength(1);
    expect(tracker.size).toBe(0);
  });

  it('gives up after the timeout and resolves false, leaving the work counted', async () => {
    vi.useFakeTimers();
    const tracker = new WorkTracker(() => {});
    const never = deferred();
    void tracker.run(() => never.promise);
    let settled: boolean | undefined;
    const draining = tracker.drain(5_000).then((result) => {
      settled = result;
    });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(settled).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await draining;
    expect(settled).toBe(false);
    expect(tracker.size).toBe(1);
    expect(tracker.accepting).toBe(false);
  });

  it('clears its timer when the work finishes first', async () => {
    vi.useFakeTimers();
    const tracker = new WorkTracker(() => {});
    const work = deferred();
    void tracker.run(() => work.promise);
    const draining = tracker.drain(60_000);
    work.resolve();
    expect(await draining).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a zero timeout with running work resolves false', async () => {
    const tracker = new WorkTracker(() => {});
    void tracker.run(() => new Promise<void>(() => {}));
    expect(await tracker.drain(0)).toBe(false);
  });
});
