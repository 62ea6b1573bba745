import net from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisStateStore } from '../../src/core/store/redis-store.js';
import { StoreUnavailable } from '../../src/core/store/state-store.js';
import {
  freePort,
  REDIS_SERVER_ABSENT,
  type RedisServer,
  redisServerInstalled,
  startRedisServer,
} from '../support/redis-server.js';
import { describeStateStoreContract } from './state-store.contract.js';

const available = redisServerInstalled();
if (!available) console.warn(REDIS_SERVER_ABSENT);

let prefixes = 0;
function uniquePrefix(): string {
  prefixes += 1;
  return `flowbot-test:${process.pid}:${prefixes}:`;
}

describe.skipIf(!available)('RedisStateStore', () => {
  let server: RedisServer;

  beforeAll(async () => {
    const started = await startRedisServer();
    if (!started) throw new Error(REDIS_SERVER_ABSENT);
    server = started;
  });

  afterAll(async () => {
    await server?.stop();
  });

  describeStateStoreContract(
    'RedisStateStore',
    async () => {
      const keyPrefix = uniquePrefix();
      let store = await RedisStateStore.connect(server.url, { keyPrefix });
      return {
        store,
        reopen: async () => {
          await store.close();
          store = await RedisStateStore.connect(server.url, { keyPrefix });
          return store;
        },
        cleanup: () => store.close(),
      };
    },
    { realTimeTtl: true },
  );

  describe('on Redis', () => {
    const stores: RedisStateStore[] = [];
    const raws: Redis[] = [];

    async function connect(keyPrefix: string, options: { commandTimeoutMs?: number } = {}) {
      const store = await RedisStateStore.connect(server.url, { keyPrefix, ...options });
      stores.push(store);
      return store;
    }

    function raw(): Redis {
      const client = new Redis(server.url, { maxRetriesPerRequest: 0, lazyConnect: true });
      client.on('error', () => undefined);
      raws.push(client);
      return client;
    }

    async function waitUntilHealthy(store: RedisStateStore): Promise<void> {
      await vi.waitFor(() => expect(store.healthy).toBe(true), { timeout: 60_000, interval: 20 });
    }

    afterEach(async () => {
      for (const store of stores.splice(0)) await store.close();
      for (const client of raws.splice(0)) client.disconnect();
    });

    it('lets exactly one of several writers on two separate connections win compareAndSet', async () => {
      const keyPrefix = uniquePrefix();
      const [first, second] = [await connect(keyPrefix), await connect(keyPrefix)];
      const racers = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? first : second));

      const created = await Promise.all(
        racers.map((store, racer) => store.compareAndSet('ns', 'race', undefined, { racer })),
      );
      expect(created.filter(Boolean)).toHaveLength(1);
      const entry = await second.getEntry('ns', 'race');
      expect(entry?.value).toEqual({ racer: created.indexOf(true) });

      const updated = await Promise.all(
        racers.map((store, racer) => store.compareAndSet('ns', 'race', entry?.version, { racer })),
      );
      expect(updated.filter(Boolean)).toHaveLength(1);
      expect(await first.get('ns', 'race')).toEqual({ racer: updated.indexOf(true) });

      await first.set('ns', 'prize', 'one');
      const taken = await Promise.all(racers.map((store) => store.take('ns', 'prize')));
      expect(taken.filter((value) => value !== undefined)).toEqual(['one']);

      const counts = await Promise.all(racers.map((store) => store.increment('ns', 'burst', 60_000)));
      expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    });

    it('leaves expiry to Redis: PEXPIRE on writes with a TTL, none without, a counter keeps its own', async () => {
      const keyPrefix = uniquePrefix();
      const store = await connect(keyPrefix);
      const client = raw();
      await client.connect();

      const setAt = Date.now();
      await store.set('ns', 'ttl', 'v', { ttlMs: 60_000 });
      await store.set('ns', 'forever', 'v');
      const ttl = await client.pttl(`${keyPrefix}e:ns:ttl`);
      // Whatever time passed between setting and reading (a busy machine), and nothing more.
      expect(ttl).toBeGreaterThanOrEqual(60_000 - (Date.now() - setAt) - 1);
      expect(ttl).toBeLessThanOrEqual(60_000);
      expect(await client.pttl(`${keyPrefix}e:ns:forever`)).toBe(-1);

      await store.set('ns', 'ttl', 'w');
      expect(await client.pttl(`${keyPrefix}e:ns:ttl`)).toBe(-1);

      await store.increment('ns', 'window', 30_000);
      await client.pexpire(`${keyPrefix}e:ns:window`, 5_000);
      await store.increment('ns', 'window', 30_000);
      expect(await client.pttl(`${keyPrefix}e:ns:window`)).toBeLessThanOrEqual(5_000);

      await store.set('ns', 'short', 'v', { ttlMs: 150 });
      expect(await store.get('ns', 'short')).toBe('v');
      // Waits out the 150 ms TTL (Redis's own clock: only real time moves it).
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await client.exists(`${keyPrefix}e:ns:short`)).toBe(0);
      expect(await store.get('ns', 'short')).toBeUndefined();
    });

    it('keeps ids and namespaces with colons, slashes, percent signs and unicode apart', async () => {
      const keyPrefix = uniquePrefix();
      const store = await connect(keyPrefix);
      const pairs: [string, string][] = [
        ['a', 'b:c'],
        ['a:b', 'c'],
        ['a:b:c', ''],
        ['a', 'b/c'],
        ['a/b', 'c'],
        ['a', 'b%3Ac'],
        ['a%3Ab', 'c'],
        ['a', 'é'],
        ['a', 'e\u0301'],
        ['a', '%C3%A9'],
        ['日本', '🧪/💥:x'],
        ['i', 'a'],
        ['e', 'a'],
      ];
      for (const [index, [namespace, id]] of pairs.entries()) await store.set(namespace, id, index);
      for (const [index, [namespace, id]] of pairs.entries()) {
        expect(await store.get(namespace, id), `${namespace} / ${id}`).toBe(index);
      }
      expect(await store.list('a:b')).toEqual([{ id: 'c', value: 1 }]);
      expect((await store.list('a')).map((entry) => entry.id).sort()).toEqual(
        ['%C3%A9', 'b%3Ac', 'b/c', 'b:c', 'e\u0301', 'é'].sort(),
      );

      const client = raw();
      await client.connect();
      const keys = await client.keys(`${keyPrefix}*`);
      expect(keys.every((key) => key.startsWith(keyPrefix))).toBe(true);
      expect(keys.filter((key) => key.startsWith(`${keyPrefix}e:`))).toHaveLength(pairs.length);

      await expect(store.set('a', 'lone \ud800', 1)).rejects.toThrow(TypeError);
      await expect(store.get('lone \udc00', 'id')).rejects.toThrow(TypeError);
    });

    it('keeps stores with different key prefixes apart', async () => {
      const first = await connect(uniquePrefix());
      const second = await connect(uniquePrefix());
      await first.set('ns', 'id', 'first');
      expect(await second.get('ns', 'id')).toBeUndefined();
      expect(await second.list('ns')).toEqual([]);
    });

    it('drops the ids of expired entries from the indexes, in list and in sweepExpired', async () => {
      const keyPrefix = uniquePrefix();
      const store = await connect(keyPrefix);
      const client = raw();
      await client.connect();
      for (const id of ['a', 'b', 'c']) await store.set('swept', id, id, { ttlMs: 50 });
      await store.set('swept', 'kept', 'kept');
      for (const id of ['a', 'b']) await store.set('listed', id, id, { ttlMs: 50 });
      await store.set('gone', 'x', 'x', { ttlMs: 50 });
      // Waits out the 50 ms TTLs (Redis's own clock: only real time moves it).
      await new Promise((resolve) => setTimeout(resolve, 100));

      expect(await client.scard(`${keyPrefix}i:swept`)).toBe(4);
      expect(await store.list('listed')).toEqual([]);
      expect(await client.exists(`${keyPrefix}i:listed`)).toBe(0);

      expect(await store.sweepExpired()).toBe(4);
      expect(await client.smembers(`${keyPrefix}i:swept`)).toEqual(['kept']);
      expect(await client.smembers(`${keyPrefix}namespaces`)).toEqual(['swept']);
      expect(await store.sweepExpired()).toBe(0);
      expect(await store.list('swept')).toEqual([{ id: 'kept', value: 'kept' }]);
    });

    it('refuses bad TTLs and counting a non-number, changing nothing', async () => {
      const store = await connect(uniquePrefix());
      await expect(store.set('ns', 'id', 1, { ttlMs: Number.NaN })).rejects.toThrow(RangeError);
      await expect(store.set('ns', 'id', 1, { ttlMs: -1 })).rejects.toThrow(RangeError);
      await expect(store.increment('ns', 'id', Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
      await store.set('ns', 'text', 'not a number');
      const before = await store.getEntry('ns', 'text');
      await expect(store.increment('ns', 'text', 1_000)).rejects.toThrow(TypeError);
      await expect(store.increment('ns', 'text', 1_000)).rejects.toThrow(/non-number/);
      expect(await store.getEntry('ns', 'text')).toEqual(before);
    });

    it('names the URL, password masked, and REDIS_URL when Redis cannot be reached', async () => {
      const port = await freePort();
      const attempt = RedisStateStore.connect(`redis://:s3cret-pw@127.0.0.1:${port}`, {
        connectTimeoutMs: 1_000,
      });
      await expect(attempt).rejects.toThrow(
        `Flowbot cannot reach Redis at redis://:***@127.0.0.1:${port} (REDIS_URL): connect ECONNREFUSED`,
      );
      const error: unknown = await attempt.catch((caught: unknown) => caught);
      expect(String(error)).not.toContain('s3cret-pw');

      await expect(
        RedisStateStore.connect(`redis://flowbot:s3cret-pw@127.0.0.1:${port}/2`, { connectTimeoutMs: 1_000 }),
      ).rejects.toThrow(`at redis://flowbot:***@127.0.0.1:${port}/2 (REDIS_URL)`);
      await expect(RedisStateStore.connect(`http://127.0.0.1:${port}`)).rejects.toThrow(
        'REDIS_URL must start with redis:// or rediss:// (TLS), not http://',
      );
      await expect(RedisStateStore.connect('redis://:s3cret@[bad')).rejects.toThrow(
        expect.objectContaining({ message: expect.not.stringContaining('s3cret') }),
      );
    });

    it('speaks TLS for rediss:// URLs', async () => {
      // A plain server cannot complete a TLS handshake: failing there shows the client attempted one.
      const url = server.url.replace('redis://', 'rediss://');
      await expect(RedisStateStore.connect(url, { connectTimeoutMs: 300 })).rejects.toThrow(
        `Flowbot cannot reach Redis at ${url} (REDIS_URL)`,
      );
    });

    it('gives up connecting to a server that never answers, within the connect timeout', async () => {
      const sockets: net.Socket[] = [];
      const silent = net.createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as net.AddressInfo;
      try {
        // The server holds the socket open and never answers: only the store's own timeout can end the wait.
        await expect(
          RedisStateStore.connect(`redis://127.0.0.1:${port}`, { connectTimeoutMs: 300 }),
        ).rejects.toThrow(
          `Flowbot cannot reach Redis at redis://127.0.0.1:${port} (REDIS_URL): no answer within 300 ms`,
        );
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    });

    it('fails an operation Redis does not answer in time with StoreUnavailable', async () => {
      const store = await connect(uniquePrefix(), { commandTimeoutMs: 200 });
      const client = raw();
      await client.connect();
      // Holds every client's commands, as a stalled server would, for far longer than the command timeout: an
      // answer would only come once the pause is over, so a rejection shows the store gave up first (however
      // slowly a busy machine runs, which a pause barely longer than the timeout could not tell apart).
      await client.call('CLIENT', 'PAUSE', '3000');
      await expect(store.get('ns', 'id')).rejects.toThrow(StoreUnavailable);
      await vi.waitFor(async () => expect(await store.get('ns', 'id')).toBeUndefined(), {
        timeout: 60_000,
        interval: 50,
      });
    });

    it('fails fast with StoreUnavailable while Redis is down, and recovers by itself when it is back', async () => {
      const store = await connect(uniquePrefix());
      const health: boolean[] = [];
      store.onHealthChange((healthy) => health.push(healthy));
      expect(store.healthy).toBe(true);
      await store.set('ns', 'before', 1);
      const before = (await store.getEntry('ns', 'before'))!.version;

      server.kill();
      await vi.waitFor(() => expect(store.healthy).toBe(false), { timeout: 60_000, interval: 10 });
      const operations: [string, () => Promise<unknown>][] = [
        ['get', () => store.get('ns', 'before')],
        ['getEntry', () => store.getEntry('ns', 'before')],
        ['set', () => store.set('ns', 'x', 1)],
        ['compareAndSet', () => store.compareAndSet('ns', 'x', undefined, 1)],
        ['take', () => store.take('ns', 'x')],
        ['delete', () => store.delete('ns', 'x')],
        ['list', () => store.list('ns')],
        ['increment', () => store.increment('ns', 'n', 1_000)],
        ['sweepExpired', async () => store.sweepExpired()],
      ];
      for (const [name, operation] of operations) {
        const error: unknown = await operation().then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(error, name).toBeInstanceOf(StoreUnavailable);
        expect((error as Error).message).toContain(`Redis at ${server.url} is unreachable`);
        // Refused at once, not sent and left to time out (nor queued until Redis is back, which would hang).
        expect(String((error as Error).cause), name).not.toMatch(/timed out/i);
      }

      await server.restart();
      await waitUntilHealthy(store);
      expect(health).toEqual([false, true]);
      // The restarted server is empty, but versions keep rising: a version from before cannot win.
      await store.set('ns', 'before', 2);
      expect((await store.getEntry('ns', 'before'))!.version).toBeGreaterThan(before);
      expect(await store.compareAndSet('ns', 'before', before, 'stale')).toBe(false);
      expect(await store.increment('ns', 'n', 1_000)).toBe(1);
    });

    it('reports StoreUnavailable once closed, and closes without Redis', async () => {
      const store = await connect(uniquePrefix());
      await store.close();
      expect(store.healthy).toBe(false);
      await expect(store.get('ns', 'id')).rejects.toThrow(StoreUnavailable);
      await expect(store.set('ns', 'id', 1)).rejects.toThrow(/closed/);

      const orphan = await connect(uniquePrefix());
      server.kill();
      await vi.waitFor(() => expect(orphan.healthy).toBe(false), { timeout: 60_000, interval: 10 });
      await orphan.close();
      await server.restart();
    });
  });
});
