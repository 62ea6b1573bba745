import { describe, expect, it } from 'vitest';
import type { AccessDecision, AccessPolicy, AccessRequest } from '../../src/core/access/types.js';
import { KeyCatalog, type KeySource } from '../../src/core/catalog/key-catalog.js';
import { QStashError } from '../../src/core/qstash/errors.js';
import type { FlowKeyState } from '../../src/core/qstash/types.js';
import { keyState } from './fixtures.js';

function key(name: string, fields: Partial<FlowKeyState> = {}): FlowKeyState {
  return keyState({ key: name, ...fields });
}

/** A QStash whose list answers when the test says so, counting calls. */
function source(lists: Record<string, FlowKeyState[]>) {
  const calls: string[] = [];
  const pending: { name: string; resolve: () => void; reject: (error: Error) => void }[] = [];
  let manual = false;
  const src: KeySource & { calls: string[]; hold(): void; release(): void; fail(error: Error): void } = {
    names: Object.keys(lists),
    defaultName: Object.keys(lists)[0] ?? 'default',
    calls,
    client: (name: string) => ({
      list: () => {
        calls.push(name);
        if (!manual) return Promise.resolve(lists[name] ?? []);
        return new Promise<FlowKeyState[]>((resolve, reject) => {
          pending.push({ name, resolve: () => resolve(lists[name] ?? []), reject });
        });
      },
    }),
    hold: () => {
      manual = true;
    },
    release: () => {
      for (const entry of pending.splice(0)) entry.resolve();
    },
    fail: (error) => {
      for (const entry of pending.splice(0)) entry.reject(error);
    },
  };
  return src;
}

function policy(allowed: (request: AccessRequest) => boolean): AccessPolicy & { calls: number } {
  const p = {
    calls: 0,
    async authorize(request: AccessRequest): Promise<AccessDecision> {
      p.calls += 1;
      return allowed(request)
        ? { kind: 'allowed', grantedBy: 'test' }
        : {
            kind: 'refused',
            refusal: { code: 'not_granted', action: request.action, scope: 'not_listed', onKey: false },
          };
    },
    async grantsFor() {
      return { grants: [], uncertain: false };
    },
  };
  return p;
}

const everyone = policy(() => true);
const names = (suggestions: { ref: { key: string } }[]) => suggestions.map((s) => s.ref.key);

describe('KeyCatalog', () => {
  const keys = [
    key('emails', { waitlistSize: 5 }),
    key('orders-us', { waitlistSize: 20 }),
    key('orders-eu', { paused: true, waitlistSize: 3 }),
    key('back-orders', { waitlistSize: 900 }),
    key('orders', { waitlistSize: 1 }),
  ];

  it('ranks exact, then starting with, then containing; paused and longer waitlists first within each', async () => {
    const catalog = new KeyCatalog(source({ default: keys }), everyone);
    await catalog.refresh();
    expect(names(await catalog.suggest({ userId: 'U1' }, undefined, 'ORDERS', 10))).toEqual([
      'orders',
      'orders-eu',
      'orders-us',
      'back-orders',
    ]);
    expect(names(await catalog.suggest({ userId: 'U1' }, undefined, '', 2))).toEqual([
      'orders-eu',
      'back-orders',
    ]);
  });

  it('shows only what the policy lets the person list, and asks no more than it needs for the limit', async () => {
    const onlyOrders = policy((request) => request.key === undefined || request.key.startsWith('orders'));
    const catalog = new KeyCatalog(source({ default: keys }), onlyOrders);
    await catalog.refresh();
    expect(names(await catalog.suggest({ userId: 'U1' }, undefined, '', 10))).toEqual([
      'orders-eu',
      'orders-us',
      'orders',
    ]);
    onlyOrders.calls = 0;
    await catalog.suggest({ userId: 'U1' }, undefined, 'orders-eu', 1);
    // One check for the environment, one for the first match: the limit was reached.
    expect(onlyOrders.calls).toBe(2);
    const nobody = new KeyCatalog(
      source({ default: keys }),
      policy(() => false),
    );
    await nobody.refresh();
    expect(await nobody.suggest({ userId: 'U1' }, undefined, 'orders-eu', 10)).toEqual([]);
    expect(await nobody.visibleTo({ userId: 'U1' }, undefined)).toEqual([]);
  });

  it('serves a stale list without waiting and reads it again once in the background', async () => {
    let now = 0;
    const src = source({ default: keys });
    const catalog = new KeyCatalog(src, everyone, { maxAgeMs: 1_000, now: () => now });
    await catalog.refresh();
    src.hold();
    now = 5_000;
    catalog.freshen();
    catalog.freshen();
    // The read hasn't answered, yet the answer comes from the list already kept.
    expect(names(await catalog.suggest({ userId: 'U1' }, undefined, 'emails', 5))).toEqual(['emails']);
    expect(src.calls).toEqual(['default', 'default']);
    src.release();
    await catalog.refresh();
  });

  it('keeps the last good list when a read fails, says why, and tells listeners only about news', async () => {
    const src = source({ default: keys });
    const catalog = new KeyCatalog(src, everyone, { maxAgeMs: 0 });
    let updates = 0;
    catalog.onUpdate(() => {
      updates += 1;
    });
    await catalog.refresh();
    expect(updates).toBe(1);
    await catalog.refresh();
    expect(updates).toBe(1);
    src.hold();
    const failing = catalog.refresh();
    src.fail(new QStashError({ kind: 'unavailable', status: 503, attempts: 4 }));
    await failing;
    expect(catalog.snapshot()[0]?.error?.kind).toBe('unavailable');
    expect(catalog.snapshot()[0]?.keys).toHaveLength(keys.length);
    expect(updates).toBe(2);
    catalog.record({ environment: 'default', key: 'orders-eu' }, key('orders-eu', { paused: false }));
    expect(catalog.find({ environment: 'default', key: 'orders-eu' })?.paused).toBe(false);
    expect(updates).toBe(3);
  });

  it('offers a typed key when the list can’t know it, never a malformed one', async () => {
    const src = source({ default: keys });
    const catalog = new KeyCatalog(src, everyone);
    // Nothing read yet: what was typed is all there is.
    expect(await catalog.suggest({ userId: 'U1' }, undefined, 'brand-new', 5)).toEqual([
      { ref: { environment: 'default', key: 'brand-new' }, state: undefined },
    ]);
    await catalog.refresh();
    expect(names(await catalog.suggest({ userId: 'U1' }, undefined, 'ord', 5))).not.toContain('ord');
    expect(names(await catalog.suggest({ userId: 'U1' }, undefined, 'zzz', 5))).toEqual(['zzz']);
    expect(await catalog.suggest({ userId: 'U1' }, undefined, 'two words', 5)).toEqual([]);
    expect(await catalog.suggest({ userId: 'U1' }, undefined, 'x'.repeat(300), 5)).toEqual([]);
  });

  it('names keys env:key with several environments and finds them by either part', async () => {
    const catalog = new KeyCatalog(
      source({ prod: [key('orders', { paused: true })], staging: [key('orders'), key('emails')] }),
      everyone,
    );
    await catalog.refresh();
    const found = await catalog.suggest({ userId: 'U1' }, undefined, 'staging:', 5);
    expect(found.map((s) => `${s.ref.environment}:${s.ref.key}`)).toEqual([
      'staging:emails',
      'staging:orders',
    ]);
    const typed = await catalog.suggest({ userId: 'U1' }, undefined, 'elsewhere:orders', 5);
    expect(typed).toEqual([]);
  });

  it('waits for a first read at most as long as asked', async () => {
    const src = source({ default: keys });
    src.hold();
    const catalog = new KeyCatalog(src, everyone);
    await catalog.warm(20);
    expect(catalog.loaded).toBe(false);
    src.release();
    await catalog.warm(10_000);
    expect(catalog.loaded).toBe(true);
    // Warm again: nothing cold, no new read.
    await catalog.warm(10_000);
    expect(src.calls).toHaveLength(1);
  });
});
