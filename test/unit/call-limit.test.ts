import { describe, expect, it } from 'vitest';
import { CallLimit } from '../../src/core/qstash/call-limit.js';

function deferred() {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe('CallLimit', () => {
  it('sends at most maxConcurrent calls at once, the rest in arrival order', async () => {
    const limit = new CallLimit({ maxConcurrent: 2, maxQueued: 10 });
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = gates.map((gate, i) =>
      limit.run(async () => {
        started.push(i);
        await gate.promise;
        return i;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(limit.load()).toMatchObject({ active: 2, queued: 2 });
    gates[1]?.resolve();
    await runs[1];
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1, 2]);
    for (const gate of gates) gate.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(limit.load()).toMatchObject({ active: 0, queued: 0, peakActive: 2, peakQueued: 2 });
  });

  it('frees the slot when a call fails', async () => {
    const limit = new CallLimit({ maxConcurrent: 1, maxQueued: 0 });
    await expect(limit.run(() => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(await limit.run(async () => 'ok')).toBe('ok');
    expect(limit.load().active).toBe(0);
  });

  it('refuses new work once maxQueued calls wait, with whole seconds to wait, and counts refusals', async () => {
    const limit = new CallLimit({ maxConcurrent: 1, maxQueued: 1 });
    const gate = deferred();
    const held = limit.run(() => gate.promise);
    expect(limit.admit()).toEqual({ kind: 'admitted' });
    const queued = limit.run(async () => undefined);
    const refusal = limit.admit();
    expect(refusal.kind).toBe('overloaded');
    if (refusal.kind === 'overloaded') {
      expect(refusal.retryAfterMs).toBeGreaterThanOrEqual(1000);
      expect(refusal.retryAfterMs % 1000).toBe(0);
    }
    expect(limit.load().refused).toBe(1);
    gate.resolve();
    await Promise.all([held, queued]);
    expect(limit.admit()).toEqual({ kind: 'admitted' });
  });

  it('refuses nonsense bounds', () => {
    expect(() => new CallLimit({ maxConcurrent: 0, maxQueued: 1 })).toThrow();
    expect(() => new CallLimit({ maxConcurrent: 1, maxQueued: -1 })).toThrow();
  });
});
