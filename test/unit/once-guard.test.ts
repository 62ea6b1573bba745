import { describe, expect, it } from 'vitest';
import { StoreOnceGuard } from '../../src/core/once-guard.js';
import { MemoryStateStore } from '../../src/core/store/memory-store.js';
import type { StateStore } from '../../src/core/store/state-store.js';

function clockedGuard(start = 1_000_000) {
  const clock = { now: start };
  const guard = new StoreOnceGuard(new MemoryStateStore(() => clock.now));
  return { guard, clock };
}

/** A store whose compareAndSet and get answer from scripts, to reach the race branches. */
function scriptedStore(casResults: boolean[], getResults: (string | undefined)[]) {
  const calls: string[] = [];
  const store = {
    compareAndSet: async (namespace: string, id: string, expected: number | undefined, value: unknown) => {
      calls.push(`cas ${namespace} ${id} ${String(expected)} ${String(value)}`);
      return casResults.shift() ?? false;
    },
    get: async (namespace: string, id: string) => {
      calls.push(`get ${namespace} ${id}`);
      return getResults.shift();
    },
    delete: async (namespace: string, id: string) => {
      calls.push(`delete ${namespace} ${id}`);
    },
  } as unknown as StateStore;
  return { store, calls };
}

describe('StoreOnceGuard over the memory store', () => {
  it('lets the first caller claim and tells later callers who holds it', async () => {
    const { guard } = clockedGuard();
    expect(await guard.claim('click:1', 'U0ALICE', 60_000)).toEqual({ kind: 'claimed' });
    expect(await guard.claim('click:1', 'U0BOB', 60_000)).toEqual({ kind: 'held', holder: 'U0ALICE' });
    expect(await guard.claim('click:1', 'U0ALICE', 60_000)).toEqual({ kind: 'held', holder: 'U0ALICE' });
  });

  it('keeps ids independent', async () => {
    const { guard } = clockedGuard();
    expect(await guard.claim('a', 'U0ALICE', 1_000)).toEqual({ kind: 'claimed' });
    expect(await guard.claim('b', 'U0BOB', 1_000)).toEqual({ kind: 'claimed' });
    expect(await guard.claim('a', 'U0BOB', 1_000)).toEqual({ kind: 'held', holder: 'U0ALICE' });
  });

  it('only one of many concurrent claims wins', async () => {
    const { guard } = clockedGuard();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => guard.claim('click:same', `U0USER${i}`, 60_000)),
    );
    expect(results.filter((r) => r.kind === 'claimed')).toHaveLength(1);
    expect(results[0]).toEqual({ kind: 'claimed' });
    for (const r of results.slice(1)) expect(r).toEqual({ kind: 'held', holder: 'U0USER0' });
  });

  it('release lets the next caller claim', async () => {
    const { guard } = clockedGuard();
    await guard.claim('x', 'U0ALICE', 60_000);
    await guard.release('x');
    expect(await guard.claim('x', 'U0BOB', 60_000)).toEqual({ kind: 'claimed' });
    expect(await guard.claim('x', 'U0ALICE', 60_000)).toEqual({ kind: 'held', holder: 'U0BOB' });
  });

  it('releasing an unknown id is harmless', async () => {
    const { guard } = clockedGuard();
    await expect(guard.release('never-claimed')).resolves.toBeUndefined();
    expect(await guard.claim('never-claimed', 'U0A', 10)).toEqual({ kind: 'claimed' });
  });

  it('a claim expires after its TTL (exactly at the boundary)', async () => {
    const { guard, clock } = clockedGuard();
    await guard.claim('x', 'U0ALICE', 1_000);
    clock.now += 999;
    expect(await guard.claim('x', 'U0BOB', 1_000)).toEqual({ kind: 'held', holder: 'U0ALICE' });
    clock.now += 1;
    expect(await guard.claim('x', 'U0BOB', 1_000)).toEqual({ kind: 'claimed' });
    expect(await guard.claim('x', 'U0CAROL', 1_000)).toEqual({ kind: 'held', holder: 'U0BOB' });
  });

  it('a zero or negative TTL never blocks anyone', async () => {
    const { guard } = clockedGuard();
    expect(await guard.claim('z', 'U0A', 0)).toEqual({ kind: 'claimed' });
    expect(await guard.claim('z', 'U0B', -5)).toEqual({ kind: 'claimed' });
    expect(await guard.claim('z', 'U0C', 10)).toEqual({ kind: 'claimed' });
  });

  it('treats hostile ids and holders as plain data', async () => {
    const { guard } = clockedGuard();
    for (const id of [
      '__proto__',
      'constructor',
      'toString',
      '',
      '<!channel>',
      'a\u0000b',
      'x'.repeat(100_000),
    ]) {
      expect(await guard.claim(id, '__proto__', 1_000), JSON.stringify(id.slice(0, 10))).toEqual({
        kind: 'claimed',
      });
      expect(await guard.claim(id, 'U0B', 1_000)).toEqual({ kind: 'held', holder: '__proto__' });
    }
    expect(({} as { holder?: unknown }).holder).toBeUndefined();
  });

  it('does not confuse ids that differ only after a NUL', async () => {
    const { guard } = clockedGuard();
    expect(await guard.claim('a', 'U0A', 1_000)).toEqual({ kind: 'claimed' });
    expect(await guard.claim('a\u0000', 'U0B', 1_000)).toEqual({ kind: 'claimed' });
  });

  it('uses the real clock by default', async () => {
    const guard = new StoreOnceGuard(new MemoryStateStore());
    expect(await guard.claim('real', 'U0A', 60_000)).toEqual({ kind: 'claimed' });
    expect(await guard.claim('real', 'U0B', 60_000)).toEqual({ kind: 'held', holder: 'U0A' });
  });
});

describe('StoreOnceGuard races', () => {
  it('writes the holder with the TTL only when no live entry exists', async () => {
    const { store, calls } = scriptedStore([true], []);
    expect(await new StoreOnceGuard(store).claim('id1', 'U0A', 500)).toEqual({ kind: 'claimed' });
    expect(calls).toEqual(['cas once id1 undefined U0A']);
  });

  it('tries once more when the holder released between the write and the read', async () => {
    const { store, calls } = scriptedStore([false, true], [undefined]);
    expect(await new StoreOnceGuard(store).claim('id1', 'U0A', 500)).toEqual({ kind: 'claimed' });
    expect(calls).toEqual(['cas once id1 undefined U0A', 'get once id1', 'cas once id1 undefined U0A']);
  });

  it('reports "someone" when the second try loses too and no holder can be read', async () => {
    const { store } = scriptedStore([false, false], [undefined]);
    expect(await new StoreOnceGuard(store).claim('id1', 'U0A', 500)).toEqual({
      kind: 'held',
      holder: 'someone',
    });
  });

  it('release deletes the entry', async () => {
    const { store, calls } = scriptedStore([], []);
    await new StoreOnceGuard(store).release('id1');
    expect(calls).toEqual(['delete once id1']);
  });
});
