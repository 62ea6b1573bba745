import { afterEach, beforeEach, describe, expect, it, type TestContext } from 'vitest';
import type { StateStore } from '../../src/core/store/state-store.js';

export interface ContractClock {
  now: () => number;
  advance(ms: number): void;
}

export interface ContractSubject {
  store: StateStore;
  /** Closes the current store and opens the same data again; only stores that outlive a process give one. */
  reopen?: () => Promise<StateStore>;
  /** Closes whatever store is open and removes what the subject created. */
  cleanup: () => Promise<void>;
}

const NS = 'contract';
const RACERS = 20;

/** Ids that have broken key schemes elsewhere: separators, path tricks, SQL and LIKE syntax, prototype names. */
const WEIRD_IDS = [
  '',
  ' ',
  ' padded ',
  'a:b',
  'a:b:c',
  ':',
  'a/b',
  '/',
  '../../etc/passwd',
  '\\',
  "'; DROP TABLE entries; --",
  '"',
  '%',
  '_',
  'a%',
  '*',
  '?',
  '\n',
  '\t',
  '\u007f',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'toString',
  'A',
  'a',
  'é',
  'e\u0301',
  '💥',
  '👩‍👩‍👧',
  '\u202eevil',
  'x'.repeat(2_000),
];

const WEIRD_NAMESPACES = [
  'ns',
  'ns:',
  'ns:sub',
  'n',
  'ns%',
  'ns_',
  'NS',
  'ns/',
  '',
  '__proto__',
  'constructor',
];

/** Own `__proto__` and `constructor` keys, which an object literal cannot create. */
const PROTO_VALUE: unknown = JSON.parse(
  '{"__proto__":{"polluted":true},"constructor":{"prototype":1},"ok":1}',
);

const NESTED_VALUE = {
  text: 'héllo wörld — 日本語 한국어 العربية 🧪👩‍👩‍👧 \u202eevil',
  escapes: `"quoted" 'single' back\\slash new\nline tab\t nul-free \u0001 \u2028 \u2029`,
  loneSurrogate: 'alone \ud800 here',
  numbers: [0, 1, -1, 2.5, -2.5, 1e21, 5e-324, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER],
  literals: [null, true, false, '', [], {}],
  deep: { a: { b: { c: { d: [[[{ e: 'bottom' }]]] } } } },
};

export interface ContractOptions {
  /**
   * The store expires entries by its own clock (a server's), which the injected one cannot move: the TTL
   * tests then wait real time instead, with TTLs of 100 ms to a few seconds.
   */
  readonly realTimeTtl?: boolean;
}

/** Real-time TTL tests: entries live this long, and are checked for expiry this much later than that. */
const REAL_TTL_MS = 100;
const EXPIRY_MARGIN_MS = 50;
const REAL_EXPIRED_MS = REAL_TTL_MS + EXPIRY_MARGIN_MS;
/**
 * For an entry a test reads back before it expires: long enough that the store calls between writing and
 * reading finish first even on a busy machine (100 ms ran out between two calls at load 40). Such a test then
 * waits it out once.
 */
const LIVE_TTL_MS = 3_000;
const LIVE_EXPIRED_MS = LIVE_TTL_MS + EXPIRY_MARGIN_MS;

export function describeStateStoreContract(
  name: string,
  create: (clock: ContractClock) => Promise<ContractSubject>,
  options: ContractOptions = {},
): void {
  const onInjectedClock = options.realTimeTtl ? it.skip : it;

  describe(`${name} (StateStore contract)`, () => {
    let clock: ContractClock;
    let subject: ContractSubject;
    let store: StateStore;

    beforeEach(async () => {
      let now = 1_700_000_000_000;
      clock = {
        now: () => now,
        advance: (ms) => {
          now += ms;
        },
      };
      subject = await create(clock);
      store = subject.store;
    });

    afterEach(async () => {
      await subject.cleanup();
    });

    async function reopen(context: TestContext): Promise<StateStore> {
      if (!subject.reopen) context.skip('this store does not outlive its process');
      store = await subject.reopen();
      return store;
    }

    async function versionOf(namespace: string, id: string): Promise<number> {
      const entry = await store.getEntry(namespace, id);
      expect(entry, `${namespace}/${id} should exist`).toBeDefined();
      return entry!.version;
    }

    describe('values', () => {
      it('round-trips nested JSON with unicode, escapes and extreme numbers', async () => {
        await store.set(NS, 'nested', NESTED_VALUE);
        expect(await store.get(NS, 'nested')).toEqual(NESTED_VALUE);
        expect((await store.getEntry(NS, 'nested'))?.value).toEqual(NESTED_VALUE);
      });

      it('round-trips large strings', async () => {
        const large = { ascii: 'x'.repeat(1_000_000), wide: '日本🧪'.repeat(50_000) };
        await store.set(NS, 'large', large);
        const back = await store.get<typeof large>(NS, 'large');
        expect(back?.ascii.length).toBe(large.ascii.length);
        expect(back).toEqual(large);
      });

      it('round-trips top-level primitives, telling a stored null from an absent entry', async () => {
        const primitives: unknown[] = [null, false, true, 0, -1.5, '', 'text', []];
        for (const [index, value] of primitives.entries()) {
          await store.set(NS, `p${index}`, value);
          expect(await store.get(NS, `p${index}`)).toEqual(value);
          expect(await store.getEntry(NS, `p${index}`)).toMatchObject({ value });
        }
        expect(await store.get(NS, 'never-written')).toBeUndefined();
        expect(await store.getEntry(NS, 'never-written')).toBeUndefined();
      });

      it('keeps own __proto__ and constructor keys as plain data', async () => {
        await store.set(NS, 'proto', PROTO_VALUE);
        const back = await store.get<Record<string, unknown>>(NS, 'proto');
        expect(Object.keys(back!).sort()).toEqual(['__proto__', 'constructor', 'ok']);
        expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      });

      it('hands out copies: mutating what was written or read does not change the store', async () => {
        const written = { list: [1, 2], inner: { flag: true } };
        await store.set(NS, 'copy', written);
        written.list.push(3);
        written.inner.flag = false;

        const read = await store.get<typeof written>(NS, 'copy');
        read!.list.push(4);
        read!.inner.flag = false;
        const entry = await store.getEntry<typeof written>(NS, 'copy');
        entry!.value.list.push(5);
        const [listed] = await store.list<typeof written>(NS);
        listed!.value.list.push(6);

        expect(await store.get(NS, 'copy')).toEqual({ list: [1, 2], inner: { flag: true } });
      });

      it('refuses values that are not JSON data and leaves the entry as it was', async () => {
        await store.set(NS, 'guarded', { kept: true });
        const version = await versionOf(NS, 'guarded');
        const circular: Record<string, unknown> = {};
        circular.self = circular;
        const invalid: unknown[] = [undefined, () => 1, Symbol('s'), 10n, { nested: 1n }, circular];
        for (const value of invalid) {
          await expect(store.set(NS, 'guarded', value), String(typeof value)).rejects.toThrow();
          await expect(store.compareAndSet(NS, 'guarded', version, value)).rejects.toThrow();
          await expect(store.compareAndSet(NS, 'fresh', undefined, value)).rejects.toThrow();
        }
        expect(await store.getEntry(NS, 'guarded')).toEqual({ value: { kept: true }, version });
        expect(await store.get(NS, 'fresh')).toBeUndefined();
      });
    });

    describe('namespaces and ids', () => {
      it('keeps the same id in different namespaces apart', async () => {
        await store.set('left', 'same', 'L');
        await store.set('right', 'same', 'R');
        await store.delete('left', 'same');
        expect(await store.get('left', 'same')).toBeUndefined();
        expect(await store.get('right', 'same')).toBe('R');
        expect(await store.list('left')).toEqual([]);
      });

      it('stores every weird id as its own entry', async () => {
        for (const [index, id] of WEIRD_IDS.entries()) await store.set(NS, id, { index });
        for (const [index, id] of WEIRD_IDS.entries()) {
          expect(await store.get(NS, id), JSON.stringify(id.slice(0, 20))).toEqual({ index });
        }
        const listed = await store.list<{ index: number }>(NS);
        expect(sortById(listed)).toEqual(sortById(WEIRD_IDS.map((id, index) => ({ id, value: { index } }))));
      });

      it('isolates namespaces that look alike, prefix each other or use pattern characters', async () => {
        for (const namespace of WEIRD_NAMESPACES) await store.set(namespace, 'id', namespace);
        await store.set('ns', 'ns:sub', 'id that spells another namespace');
        for (const namespace of WEIRD_NAMESPACES) {
          expect(await store.get(namespace, 'id')).toBe(namespace);
          const expected = [{ id: 'id', value: namespace }];
          if (namespace === 'ns') expected.push({ id: 'ns:sub', value: 'id that spells another namespace' });
          expect(sortById(await store.list(namespace)), JSON.stringify(namespace)).toEqual(
            sortById(expected),
          );
        }
        expect(await store.get('ns:sub', 'ns:sub')).toBeUndefined();
      });
    });

    describe('expiry', () => {
      onInjectedClock('hides an entry from get and getEntry once its TTL has passed', async () => {
        await store.set(NS, 'ttl', 'v', { ttlMs: 1_000 });
        clock.advance(999);
        expect(await store.get(NS, 'ttl')).toBe('v');
        clock.advance(1);
        expect(await store.get(NS, 'ttl')).toBeUndefined();
        expect(await store.getEntry(NS, 'ttl')).toBeUndefined();
      });

      onInjectedClock('leaves expired entries out of list', async () => {
        await store.set(NS, 'short', 1, { ttlMs: 100 });
        await store.set(NS, 'long', 2, { ttlMs: 10_000 });
        await store.set(NS, 'forever', 3);
        clock.advance(100);
        expect(sortById(await store.list(NS))).toEqual([
          { id: 'forever', value: 3 },
          { id: 'long', value: 2 },
        ]);
      });

      onInjectedClock('gives take nothing for an expired entry', async () => {
        await store.set(NS, 'gone', 'v', { ttlMs: 50 });
        clock.advance(50);
        expect(await store.take(NS, 'gone')).toBeUndefined();
        expect(await store.get(NS, 'gone')).toBeUndefined();
      });

      onInjectedClock('treats an expired entry as absent for compareAndSet', async () => {
        await store.set(NS, 'lease', 'old', { ttlMs: 50 });
        const version = await versionOf(NS, 'lease');
        clock.advance(50);
        expect(await store.compareAndSet(NS, 'lease', version, 'stale writer')).toBe(false);
        expect(await store.get(NS, 'lease')).toBeUndefined();
        expect(await store.compareAndSet(NS, 'lease', undefined, 'new')).toBe(true);
        expect(await store.get(NS, 'lease')).toBe('new');
      });

      onInjectedClock('takes the TTL of the latest write: none means kept until deleted', async () => {
        await store.set(NS, 'renewed', 1, { ttlMs: 100 });
        await store.set(NS, 'renewed', 2);
        await store.set(NS, 'shortened', 1);
        await store.set(NS, 'shortened', 2, { ttlMs: 100 });
        clock.advance(365 * 24 * 3_600_000);
        expect(await store.get(NS, 'renewed')).toBe(2);
        expect(await store.get(NS, 'shortened')).toBeUndefined();
      });

      onInjectedClock('applies the TTL given to compareAndSet', async () => {
        expect(await store.compareAndSet(NS, 'cas-ttl', undefined, 'v', { ttlMs: 200 })).toBe(true);
        const version = await versionOf(NS, 'cas-ttl');
        expect(await store.compareAndSet(NS, 'cas-ttl', version, 'w', { ttlMs: 300 })).toBe(true);
        clock.advance(299);
        expect(await store.get(NS, 'cas-ttl')).toBe('w');
        clock.advance(1);
        expect(await store.get(NS, 'cas-ttl')).toBeUndefined();
      });
    });

    describe('versions', () => {
      it('increase on every write: set, compareAndSet and increment', async () => {
        const seen: number[] = [];
        await store.set(NS, 'v', 'a');
        seen.push(await versionOf(NS, 'v'));
        await store.set(NS, 'v', 'a');
        seen.push(await versionOf(NS, 'v'));
        expect(await store.compareAndSet(NS, 'v', seen.at(-1), 'b')).toBe(true);
        seen.push(await versionOf(NS, 'v'));
        await store.increment(NS, 'n', 1_000);
        seen.push(await versionOf(NS, 'n'));
        await store.increment(NS, 'n', 1_000);
        seen.push(await versionOf(NS, 'n'));
        for (const version of seen) expect(typeof version).toBe('number');
        for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
      });

      it('do not change on reads or failed compareAndSet', async () => {
        await store.set(NS, 'v', 'a');
        const version = await versionOf(NS, 'v');
        await store.get(NS, 'v');
        await store.list(NS);
        expect(await store.compareAndSet(NS, 'v', version + 1_000, 'x')).toBe(false);
        expect(await store.compareAndSet(NS, 'v', undefined, 'x')).toBe(false);
        expect(await store.getEntry(NS, 'v')).toEqual({ value: 'a', version });
      });

      onInjectedClock(
        'never repeat after a delete or an expiry, so an old version cannot win compareAndSet',
        async () => {
          await store.set(NS, 'deleted', 'first');
          const beforeDelete = await versionOf(NS, 'deleted');
          await store.delete(NS, 'deleted');
          await store.set(NS, 'deleted', 'second');
          expect(await versionOf(NS, 'deleted')).toBeGreaterThan(beforeDelete);
          expect(await store.compareAndSet(NS, 'deleted', beforeDelete, 'stale')).toBe(false);

          await store.set(NS, 'expired', 'first', { ttlMs: 10 });
          const beforeExpiry = await versionOf(NS, 'expired');
          clock.advance(10);
          await store.set(NS, 'expired', 'second');
          expect(await versionOf(NS, 'expired')).toBeGreaterThan(beforeExpiry);
          expect(await store.compareAndSet(NS, 'expired', beforeExpiry, 'stale')).toBe(false);
          expect(await store.get(NS, 'expired')).toBe('second');
        },
      );
    });

    describe('compareAndSet', () => {
      it('with undefined writes only when there is no entry', async () => {
        expect(await store.compareAndSet(NS, 'once', undefined, 'first')).toBe(true);
        expect(await store.compareAndSet(NS, 'once', undefined, 'second')).toBe(false);
        expect(await store.get(NS, 'once')).toBe('first');
      });

      it('with a version writes only while the entry still has it', async () => {
        await store.set(NS, 'cas', 1);
        const version = await versionOf(NS, 'cas');
        expect(await store.compareAndSet(NS, 'cas', version, 2)).toBe(true);
        expect(await versionOf(NS, 'cas')).toBeGreaterThan(version);
        expect(await store.compareAndSet(NS, 'cas', version, 3)).toBe(false);
        expect(await store.get(NS, 'cas')).toBe(2);
      });

      it('with a version does not create a missing entry', async () => {
        await store.set(NS, 'elsewhere', 1);
        const version = await versionOf(NS, 'elsewhere');
        expect(await store.compareAndSet(NS, 'missing', version, 'x')).toBe(false);
        expect(await store.get(NS, 'missing')).toBeUndefined();
      });

      it(`lets exactly one of ${RACERS} concurrent creators win`, async () => {
        const results = await Promise.all(
          Array.from({ length: RACERS }, (_, racer) => store.compareAndSet(NS, 'race', undefined, { racer })),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.get(NS, 'race')).toEqual({ racer: results.indexOf(true) });
      });

      it(`lets exactly one of ${RACERS} concurrent updaters holding the same version win`, async () => {
        await store.set(NS, 'race', { racer: -1 });
        const version = await versionOf(NS, 'race');
        const results = await Promise.all(
          Array.from({ length: RACERS }, (_, racer) => store.compareAndSet(NS, 'race', version, { racer })),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.get(NS, 'race')).toEqual({ racer: results.indexOf(true) });
      });
    });

    describe('take', () => {
      it('returns the value and removes the entry', async () => {
        await store.set(NS, 'job', { work: 1 });
        expect(await store.take(NS, 'job')).toEqual({ work: 1 });
        expect(await store.get(NS, 'job')).toBeUndefined();
        expect(await store.take(NS, 'job')).toBeUndefined();
      });

      it('returns undefined for an entry that never existed', async () => {
        expect(await store.take(NS, 'nothing')).toBeUndefined();
      });

      it(`gives the entry to exactly one of ${RACERS} concurrent takers`, async () => {
        await store.set(NS, 'prize', { won: true });
        const results = await Promise.all(Array.from({ length: RACERS }, () => store.take(NS, 'prize')));
        expect(results.filter((result) => result !== undefined)).toEqual([{ won: true }]);
        expect(await store.get(NS, 'prize')).toBeUndefined();
      });
    });

    describe('increment', () => {
      it('counts from one', async () => {
        expect(await store.increment(NS, 'clicks', 60_000)).toBe(1);
        expect(await store.increment(NS, 'clicks', 60_000)).toBe(2);
        expect(await store.increment(NS, 'clicks', 60_000)).toBe(3);
        expect(await store.get(NS, 'clicks')).toBe(3);
        expect(await store.increment(NS, 'other', 60_000)).toBe(1);
        expect(await store.increment('elsewhere', 'clicks', 60_000)).toBe(1);
      });

      onInjectedClock(
        'expires a TTL after the counter was created, not after the latest increment',
        async () => {
          expect(await store.increment(NS, 'window', 1_000)).toBe(1);
          clock.advance(600);
          expect(await store.increment(NS, 'window', 1_000)).toBe(2);
          clock.advance(399);
          expect(await store.increment(NS, 'window', 1_000)).toBe(3);
          clock.advance(1);
          expect(await store.get(NS, 'window')).toBeUndefined();
          expect(await store.increment(NS, 'window', 1_000)).toBe(1);
          clock.advance(999);
          expect(await store.increment(NS, 'window', 1_000)).toBe(2);
          clock.advance(1);
          expect(await store.get(NS, 'window')).toBeUndefined();
        },
      );

      it(`counts every one of ${RACERS} concurrent increments`, async () => {
        const results = await Promise.all(
          Array.from({ length: RACERS }, () => store.increment(NS, 'burst', 60_000)),
        );
        expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: RACERS }, (_, i) => i + 1));
        expect(await store.get(NS, 'burst')).toBe(RACERS);
      });
    });

    describe('delete and list', () => {
      it('deletes one entry, and deleting a missing one is not an error', async () => {
        await store.set(NS, 'a', 1);
        await store.set(NS, 'b', 2);
        await store.delete(NS, 'a');
        await store.delete(NS, 'a');
        await store.delete(NS, 'never');
        expect(await store.get(NS, 'a')).toBeUndefined();
        expect(await store.list(NS)).toEqual([{ id: 'b', value: 2 }]);
      });

      it('lists nothing for an empty namespace', async () => {
        expect(await store.list('empty')).toEqual([]);
      });

      it('lists every live entry of the namespace with its latest value', async () => {
        await store.set(NS, 'one', { n: 1 });
        await store.set(NS, 'two', { n: 2 });
        await store.set(NS, 'one', { n: 11 });
        await store.increment(NS, 'count', 1_000);
        await store.set('other', 'three', { n: 3 });
        expect(sortById(await store.list(NS))).toEqual([
          { id: 'count', value: 1 },
          { id: 'one', value: { n: 11 } },
          { id: 'two', value: { n: 2 } },
        ]);
      });

      it('can be closed twice', async () => {
        await store.close();
        await store.close();
      });
    });

    describe('after reopening', () => {
      it('still has every entry with its version', async (context) => {
        await store.set(NS, 'plain', NESTED_VALUE);
        await store.set(NS, 'proto', PROTO_VALUE);
        await store.set('other', 'plain', 'other namespace');
        await store.increment(NS, 'count', 60_000);
        await store.increment(NS, 'count', 60_000);
        await store.set(NS, 'taken', 'gone');
        await store.take(NS, 'taken');
        const before = {
          plain: await store.getEntry(NS, 'plain'),
          proto: await store.getEntry(NS, 'proto'),
          count: await store.getEntry(NS, 'count'),
        };

        await reopen(context);

        expect(await store.getEntry(NS, 'plain')).toEqual(before.plain);
        expect(await store.getEntry(NS, 'proto')).toEqual(before.proto);
        expect(await store.getEntry(NS, 'count')).toEqual(before.count);
        expect(await store.get('other', 'plain')).toBe('other namespace');
        expect(await store.get(NS, 'taken')).toBeUndefined();
        expect(sortById(await store.list(NS)).map((entry) => entry.id)).toEqual(['count', 'plain', 'proto']);
      });

      it('keeps increasing versions, past those of entries deleted before the reopen', async (context) => {
        await store.set(NS, 'kept', 1);
        const kept = await versionOf(NS, 'kept');
        await store.set(NS, 'deleted', 1);
        const deleted = await versionOf(NS, 'deleted');
        await store.delete(NS, 'deleted');

        await reopen(context);

        await store.set(NS, 'deleted', 2);
        expect(await versionOf(NS, 'deleted')).toBeGreaterThan(deleted);
        expect(await store.compareAndSet(NS, 'deleted', deleted, 'stale')).toBe(false);
        expect(await store.compareAndSet(NS, 'kept', undefined, 'dup')).toBe(false);
        expect(await store.compareAndSet(NS, 'kept', kept, 2)).toBe(true);
        expect(await versionOf(NS, 'kept')).toBeGreaterThan(deleted);
      });

      onInjectedClock('keeps TTLs, including a counter window', async (context) => {
        await store.set(NS, 'ttl', 'v', { ttlMs: 1_000 });
        await store.increment(NS, 'window', 1_000);
        clock.advance(500);

        await reopen(context);

        expect(await store.increment(NS, 'window', 1_000)).toBe(2);
        clock.advance(499);
        expect(await store.get(NS, 'ttl')).toBe('v');
        expect(await store.get(NS, 'window')).toBe(2);
        clock.advance(1);
        expect(await store.get(NS, 'ttl')).toBeUndefined();
        expect(await store.get(NS, 'window')).toBeUndefined();
      });
    });

    if (options.realTimeTtl) {
      describe('expiry in real time', () => {
        it('hides an entry from get, getEntry, list and take once its TTL has passed', async () => {
          await store.set(NS, 'ttl', 'v', { ttlMs: LIVE_TTL_MS });
          await store.set(NS, 'taken', 'v', { ttlMs: LIVE_TTL_MS });
          await store.set(NS, 'long', 2, { ttlMs: 60_000 });
          await store.set(NS, 'forever', 3);
          expect(await store.get(NS, 'ttl')).toBe('v');
          // Waits out the TTL.
          await sleep(LIVE_EXPIRED_MS);
          expect(await store.get(NS, 'ttl')).toBeUndefined();
          expect(await store.getEntry(NS, 'ttl')).toBeUndefined();
          expect(await store.take(NS, 'taken')).toBeUndefined();
          expect(sortById(await store.list(NS))).toEqual([
            { id: 'forever', value: 3 },
            { id: 'long', value: 2 },
          ]);
        });

        it('treats an expired entry as absent for compareAndSet, and never repeats its version', async () => {
          await store.set(NS, 'lease', 'old', { ttlMs: LIVE_TTL_MS });
          const version = await versionOf(NS, 'lease');
          // Waits out the TTL.
          await sleep(LIVE_EXPIRED_MS);
          expect(await store.compareAndSet(NS, 'lease', version, 'stale writer')).toBe(false);
          expect(await store.get(NS, 'lease')).toBeUndefined();
          expect(await store.compareAndSet(NS, 'lease', undefined, 'new')).toBe(true);
          expect(await versionOf(NS, 'lease')).toBeGreaterThan(version);
          expect(await store.get(NS, 'lease')).toBe('new');
        });

        it('never repeats a version after a delete', async () => {
          await store.set(NS, 'deleted', 'first');
          const beforeDelete = await versionOf(NS, 'deleted');
          await store.delete(NS, 'deleted');
          await store.set(NS, 'deleted', 'second');
          expect(await versionOf(NS, 'deleted')).toBeGreaterThan(beforeDelete);
          expect(await store.compareAndSet(NS, 'deleted', beforeDelete, 'stale')).toBe(false);
        });

        it('takes the TTL of the latest write: none means kept until deleted', async () => {
          await store.set(NS, 'renewed', 1, { ttlMs: REAL_TTL_MS });
          await store.set(NS, 'renewed', 2);
          await store.set(NS, 'shortened', 1);
          await store.set(NS, 'shortened', 2, { ttlMs: REAL_TTL_MS });
          // Waits out the TTL.
          await sleep(REAL_EXPIRED_MS);
          expect(await store.get(NS, 'renewed')).toBe(2);
          expect(await store.get(NS, 'shortened')).toBeUndefined();
        });

        it('applies the TTL given to compareAndSet', async () => {
          expect(await store.compareAndSet(NS, 'cas-ttl', undefined, 'v', { ttlMs: LIVE_TTL_MS })).toBe(true);
          const version = await versionOf(NS, 'cas-ttl');
          expect(await store.compareAndSet(NS, 'cas-ttl', version, 'w', { ttlMs: 3 * LIVE_TTL_MS })).toBe(
            true,
          );
          // Waits out the first TTL, two TTLs short of the second's end.
          await sleep(LIVE_EXPIRED_MS);
          expect(await store.get(NS, 'cas-ttl')).toBe('w');
          // Waits out the second TTL.
          await sleep(2 * LIVE_TTL_MS);
          expect(await store.get(NS, 'cas-ttl')).toBeUndefined();
        });

        it('expires a counter a TTL after it was created, not after the latest increment', async () => {
          const window = 2 * LIVE_TTL_MS;
          expect(await store.increment(NS, 'window', window)).toBe(1);
          // Waits out half the window, seconds short of its end.
          await sleep(window / 2);
          expect(await store.increment(NS, 'window', window)).toBe(2);
          // Waits past the window from creation, well before the end of one restarted by the second increment.
          await sleep(window / 2 + EXPIRY_MARGIN_MS);
          expect(await store.get(NS, 'window')).toBeUndefined();
          expect(await store.increment(NS, 'window', window)).toBe(1);
        });

        it('keeps TTLs after reopening, including a counter window', async (context) => {
          // Long enough that writing, reopening and reading back all happen before it ends, even on a busy
          // machine (a 300 ms TTL ran out mid-test at load 30); the test then waits it out once.
          const ttlMs = 5_000;
          await store.set(NS, 'ttl', 'v', { ttlMs });
          await store.increment(NS, 'window', ttlMs);

          await reopen(context);

          expect(await store.increment(NS, 'window', ttlMs)).toBe(2);
          expect(await store.get(NS, 'ttl')).toBe('v');
          // Waits out the TTL.
          await sleep(ttlMs + EXPIRY_MARGIN_MS);
          expect(await store.get(NS, 'ttl')).toBeUndefined();
          expect(await store.get(NS, 'window')).toBeUndefined();
        });
      });
    }
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function sortById<T extends { id: string }>(entries: T[]): T[] {
  return [...entries].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
