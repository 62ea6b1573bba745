import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { encodeValue } from './json-value.js';
import { type StateStore, type StoredEntry, StoreUnavailable, type WriteOptions } from './state-store.js';

export interface RedisStoreOptions {
  /** Put in front of every key, so several bots (or environments) can share one database. */
  readonly keyPrefix?: string;
  /** How long connecting, TLS handshake included, may take before `connect` gives up. */
  readonly connectTimeoutMs?: number;
  /** How long one operation may wait for its reply before it fails with StoreUnavailable. */
  readonly commandTimeoutMs?: number;
}

export const DEFAULT_REDIS_KEY_PREFIX = 'flowbot:';

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 2_000;
const MAX_RECONNECT_DELAY_MS = 1_000;
/** Keys per cleanup script call: large enough to be quick, small enough not to stall Redis. */
const PRUNE_BATCH = 200;

/** Marks errors the scripts raise on purpose, so they are not mistaken for an unavailable store. */
const NOT_A_NUMBER = 'FLOWBOT_NOT_A_NUMBER';

/*
 * Layout, under the prefix:
 *   e:<ns>:<id>   HASH {json, version}: one entry; Redis expires it (PEXPIRE), so TTLs follow Redis' clock
 *   i:<ns>        SET of the ids in the namespace, for list
 *   namespaces    SET of the namespaces that have an index, for sweepExpired
 *   version       the global counter every write takes its version from (INCR). When it is missing (a
 *                 new database, or one that lost its data) it starts from the current time in microseconds,
 *                 so versions handed out after a data loss are still above every earlier one, and a
 *                 compareAndSet holding a version from before the loss cannot succeed.
 * Namespaces and ids are percent-encoded, so neither contains ':' and no two (namespace, id) pairs can
 * share a key. Index members are the encoded ids, which lets a script rebuild an entry's key from them.
 *
 * list reads the index SET rather than SCANning for the namespace's keys: SCAN walks the whole database
 * (every namespace, and whatever else shares it) on each call, which hosted Redis bills per key and which
 * grows with history, while the index is exactly as large as the namespace. Expired entries leave their id
 * in the index; list and sweepExpired remove those ids, each with a script that checks that the entry is
 * really gone, so a concurrent write is never dropped from the index.
 *
 * Every script names all the keys it touches in KEYS, as Redis requires of scripts. One write touches keys
 * in different hash slots, so this needs a single primary (as hosted Redis such as Upstash provides), not
 * a Redis Cluster.
 */

/**
 * The head of every writing script. KEYS: entry, index, version, namespaces. ARGV: member, namespace,
 * version seed, ttl ('' for none), then the script's own.
 */
const WRITE_FUNCTION = `
local function nextVersion()
  if redis.call('EXISTS', KEYS[3]) == 0 then
    redis.call('SET', KEYS[3], ARGV[3])
  end
  return redis.call('INCR', KEYS[3])
end
local function write(json, ttl)
  local version = nextVersion()
  if ttl == '0' then
    redis.call('DEL', KEYS[1])
    redis.call('SREM', KEYS[2], ARGV[1])
    return version
  end
  redis.call('HSET', KEYS[1], 'json', json, 'version', version)
  if ttl == '' then
    redis.call('PERSIST', KEYS[1])
  else
    redis.call('PEXPIRE', KEYS[1], ttl)
  end
  redis.call('SADD', KEYS[2], ARGV[1])
  redis.call('SADD', KEYS[4], ARGV[2])
  return version
end
`;

class Script {
  readonly sha: string;
  constructor(readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }
}

/** ARGV[5]: the JSON. */
const SET = new Script(`${WRITE_FUNCTION}
return write(ARGV[5], ARGV[4])
`);

/** ARGV[5]: the JSON; ARGV[6]: the expected version, '' for "no entry". */
const COMPARE_AND_SET = new Script(`${WRITE_FUNCTION}
local current = redis.call('HGET', KEYS[1], 'version')
if ARGV[6] == '' then
  if current then return 0 end
elseif current ~= ARGV[6] then
  return 0
end
write(ARGV[5], ARGV[4])
return 1
`);

/** KEYS: entry, index. ARGV: member. Returns the entry's JSON, or nil. */
const TAKE = new Script(`
local json = redis.call('HGET', KEYS[1], 'json')
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return json
`);

/** KEYS: entry, index. ARGV: member. */
const DELETE = new Script(`
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return 1
`);

/**
 * Returns the new count as JSON text: a Lua number would come back as a Redis integer, truncated. An
 * existing counter keeps the expiry it was created with.
 */
const INCREMENT = new Script(`${WRITE_FUNCTION}
local json = redis.call('HGET', KEYS[1], 'json')
if not json then
  write('1', ARGV[4])
  return '1'
end
local count = tonumber(json)
if count == nil then
  return redis.error_reply('${NOT_A_NUMBER} the entry holds a non-number')
end
local text = string.format('%.17g', count + 1)
redis.call('HSET', KEYS[1], 'json', text, 'version', nextVersion())
return text
`);

/**
 * KEYS: index, namespaces, then the entries to check. ARGV: namespace, then their members. Removes the
 * members whose entry no longer exists, and the namespace once its index is empty; returns how many.
 */
const PRUNE = new Script(`
local removed = 0
for i = 3, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then
    removed = removed + redis.call('SREM', KEYS[1], ARGV[i - 1])
  end
end
if redis.call('SCARD', KEYS[1]) == 0 then
  redis.call('SREM', KEYS[2], ARGV[1])
end
return removed
`);

type HealthListener = (healthy: boolean) => void;

/**
 * In Redis, shared by every replica: for running several. TTLs are Redis expiries, versions come from one
 * counter in Redis, and every read-then-write happens inside one Lua script, which Redis runs without
 * interleaving any other command; that is what makes compareAndSet, take and increment atomic across
 * processes. When Redis cannot be reached, operations fail fast with StoreUnavailable instead of queueing;
 * the client keeps reconnecting in the background and operations work again once Redis is back.
 */
export class RedisStateStore implements StateStore {
  /** The URL with any password masked: safe to log. */
  readonly url: string;

  private closed = false;
  private lastError: Error | undefined;
  private wasHealthy = false;
  private readonly healthListeners = new Set<HealthListener>();
  private readonly versionKey: string;
  private readonly namespacesKey: string;

  /**
   * Connects to `url` (`redis://` or `rediss://` for TLS) and waits until Redis answers. Rejects with an
   * Error naming the URL, password masked, and REDIS_URL when it cannot.
   */
  static async connect(url: string, options: RedisStoreOptions = {}): Promise<RedisStateStore> {
    const shown = redactRedisUrl(url);
    const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const client = new Redis(url, {
      lazyConnect: true,
      // Queued commands would wait, unbounded, for a Redis that may never come back; callers would hang.
      enableOfflineQueue: false,
      // Resending a command after a reconnect could apply a write twice (an increment, a version bump).
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
      connectTimeout: connectTimeoutMs,
      retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
      // RESP2 is understood by every Redis-compatible server; RESP3 needs HELLO, which some lack.
      protocol: 2,
    });
    const store = new RedisStateStore(client, shown, options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.connect(),
        // Covers what connectTimeout does not, such as a server that accepts the socket but never answers.
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${connectTimeoutMs} ms`)),
            connectTimeoutMs,
          );
        }),
      ]);
    } catch (error) {
      store.closed = true;
      client.disconnect();
      // The socket error says why (ECONNREFUSED, ENOTFOUND, WRONGPASS); the rejection only says "closed".
      const reason = store.lastError ?? error;
      throw new Error(`Flowbot cannot reach Redis at ${shown} (REDIS_URL): ${describeError(reason)}`, {
        cause: reason,
      });
    } finally {
      clearTimeout(timer);
    }
    return store;
  }

  private constructor(
    private readonly client: Redis,
    url: string,
    private readonly prefix: string,
  ) {
    this.url = url;
    this.versionKey = `${prefix}version`;
    this.namespacesKey = `${prefix}namespaces`;
    // Without a listener ioredis prints every reconnect failure; the latest one explains StoreUnavailable.
    client.on('error', (error: unknown) => {
      this.lastError = error instanceof Error ? error : new Error(String(error));
    });
    client.on('ready', () => {
      this.lastError = undefined;
      this.reportHealth();
    });
    client.on('close', () => this.reportHealth());
    client.on('end', () => this.reportHealth());
  }

  /** Connected, and Redis answers commands. */
  get healthy(): boolean {
    return !this.closed && this.client.status === 'ready';
  }

  /** Calls `listener` whenever `healthy` changes; returns a function that stops the calls. */
  onHealthChange(listener: HealthListener): () => void {
    this.healthListeners.add(listener);
    return () => this.healthListeners.delete(listener);
  }

  async get<T>(namespace: string, id: string): Promise<T | undefined> {
    return (await this.getEntry<T>(namespace, id))?.value;
  }

  async getEntry<T>(namespace: string, id: string): Promise<StoredEntry<T> | undefined> {
    const key = this.keys(namespace, id);
    const [json, version] = await this.run(() => this.client.hmget(key.entry, 'json', 'version'));
    if (json === null || json === undefined || version === null || version === undefined) return undefined;
    return { value: JSON.parse(json) as T, version: Number(version) };
  }

  async set<T>(namespace: string, id: string, value: T, options: WriteOptions = {}): Promise<void> {
    const key = this.keys(namespace, id);
    const json = encodeValue(namespace, value);
    const ttl = ttlArgument(options.ttlMs);
    await this.run(() =>
      this.eval(SET, this.writeKeys(key), [key.member, key.namespace, versionSeed(), ttl, json]),
    );
  }

  async compareAndSet<T>(
    namespace: string,
    id: string,
    expectedVersion: number | undefined,
    value: T,
    options: WriteOptions = {},
  ): Promise<boolean> {
    const key = this.keys(namespace, id);
    const json = encodeValue(namespace, value);
    const ttl = ttlArgument(options.ttlMs);
    const expected = expectedVersion === undefined ? '' : String(expectedVersion);
    const written = await this.run(() =>
      this.eval(COMPARE_AND_SET, this.writeKeys(key), [
        key.member,
        key.namespace,
        versionSeed(),
        ttl,
        json,
        expected,
      ]),
    );
    return written === 1;
  }

  async take<T>(namespace: string, id: string): Promise<T | undefined> {
    const key = this.keys(namespace, id);
    const json = await this.run(() => this.eval(TAKE, [key.entry, key.index], [key.member]));
    return typeof json === 'string' ? (JSON.parse(json) as T) : undefined;
  }

  async delete(namespace: string, id: string): Promise<void> {
    const key = this.keys(namespace, id);
    await this.run(() => this.eval(DELETE, [key.entry, key.index], [key.member]));
  }

  async list<T>(namespace: string): Promise<{ id: string; value: T }[]> {
    const { index, namespace: encoded } = this.keys(namespace, '');
    const members = await this.run(() => this.client.smembers(index));
    if (members.length === 0) return [];
    const jsons = await this.run(async () => {
      const pipeline = this.client.pipeline();
      for (const member of members) pipeline.hget(this.entryKey(encoded, member), 'json');
      return unwrapPipeline(await pipeline.exec());
    });
    const entries: { id: string; value: T }[] = [];
    const gone: string[] = [];
    members.forEach((member, i) => {
      const json = jsons[i];
      if (typeof json === 'string') entries.push({ id: decodeURIComponent(member), value: JSON.parse(json) });
      else gone.push(member);
    });
    if (gone.length > 0) await this.prune(encoded, gone);
    return entries.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async increment(namespace: string, id: string, ttlMs: number): Promise<number> {
    const key = this.keys(namespace, id);
    const ttl = ttlArgument(ttlMs);
    const text = await this.run(() =>
      this.eval(INCREMENT, this.writeKeys(key), [key.member, key.namespace, versionSeed(), ttl]),
    );
    return JSON.parse(String(text)) as number;
  }

  /**
   * Redis itself drops expired entries; this removes the ids they left in the namespace indexes and
   * returns how many it removed.
   */
  async sweepExpired(): Promise<number> {
    const namespaces = await this.run(() => this.client.smembers(this.namespacesKey));
    let removed = 0;
    for (const encoded of namespaces) {
      const members = await this.run(() => this.client.smembers(this.indexKey(encoded)));
      if (members.length === 0) {
        removed += await this.prune(encoded, []);
        continue;
      }
      const exists = await this.run(async () => {
        const pipeline = this.client.pipeline();
        for (const member of members) pipeline.exists(this.entryKey(encoded, member));
        return unwrapPipeline(await pipeline.exec());
      });
      const gone = members.filter((_, i) => exists[i] === 0);
      if (gone.length > 0) removed += await this.prune(encoded, gone);
    }
    return removed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.client.status === 'ready') {
      // QUIT lets replies still on their way arrive; a failure only means the connection is gone already.
      await this.client.quit().catch(() => undefined);
    }
    this.client.disconnect();
    this.reportHealth();
  }

  private async prune(encodedNamespace: string, members: string[]): Promise<number> {
    let removed = 0;
    let start = 0;
    // Runs once even with no members, to drop the namespace of an index that is already empty.
    do {
      const batch = members.slice(start, start + PRUNE_BATCH);
      start += PRUNE_BATCH;
      const result = await this.run(() =>
        this.eval(
          PRUNE,
          [
            this.indexKey(encodedNamespace),
            this.namespacesKey,
            ...batch.map((member) => this.entryKey(encodedNamespace, member)),
          ],
          [encodedNamespace, ...batch],
        ),
      );
      removed += Number(result);
    } while (start < members.length);
    return removed;
  }

  /** EVALSHA, falling back to EVAL (which also caches the script) when Redis does not know it yet. */
  private async eval(script: Script, keys: string[], args: string[]): Promise<unknown> {
    try {
      return await this.client.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
      return await this.client.eval(script.lua, keys.length, ...keys, ...args);
    }
  }

  private async run<R>(work: () => Promise<R>): Promise<R> {
    if (this.closed) throw new StoreUnavailable(`The state store at ${this.url} is closed`);
    try {
      return await work();
    } catch (error) {
      if (error instanceof Error && error.message.includes(NOT_A_NUMBER)) {
        throw new TypeError('Cannot increment a state store entry: it holds a non-number', { cause: error });
      }
      throw this.unavailable(error);
    }
  }

  private unavailable(error: unknown): StoreUnavailable {
    if (this.closed)
      return new StoreUnavailable(`The state store at ${this.url} is closed`, { cause: error });
    if (this.client.status !== 'ready') {
      // The command error only says the socket is not writable; the connection error says why.
      const reason = this.lastError ? describeError(this.lastError) : `connection ${this.client.status}`;
      return new StoreUnavailable(`Redis at ${this.url} is unreachable: ${reason}`, { cause: error });
    }
    return new StoreUnavailable(`Redis at ${this.url} failed: ${describeError(error)}`, { cause: error });
  }

  private reportHealth(): void {
    const healthy = this.healthy;
    if (healthy === this.wasHealthy) return;
    this.wasHealthy = healthy;
    // Called outside ioredis' event handling, which a throwing listener would otherwise break.
    for (const listener of this.healthListeners) queueMicrotask(() => listener(healthy));
  }

  private keys(namespace: string, id: string) {
    const encodedNamespace = encodeKeyPart('namespace', namespace);
    const member = encodeKeyPart('id', id);
    return {
      namespace: encodedNamespace,
      member,
      entry: this.entryKey(encodedNamespace, member),
      index: this.indexKey(encodedNamespace),
    };
  }

  private writeKeys(key: { entry: string; index: string }): string[] {
    return [key.entry, key.index, this.versionKey, this.namespacesKey];
  }

  private entryKey(encodedNamespace: string, member: string): string {
    return `${this.prefix}e:${encodedNamespace}:${member}`;
  }

  private indexKey(encodedNamespace: string): string {
    return `${this.prefix}i:${encodedNamespace}`;
  }
}

/** The URL with its password (in the authority or a `password` query parameter) replaced by `***`. */
export function redactRedisUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Echoing an unparsable URL could print the password it contains.
    throw new Error('REDIS_URL is not a valid URL: expected redis://[user:password@]host:port');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new Error(`REDIS_URL must start with redis:// or rediss:// (TLS), not ${url.protocol}//`);
  }
  if (url.password) url.password = '***';
  if (url.searchParams.has('password')) url.searchParams.set('password', '***');
  return url.toString();
}

/**
 * Percent-encoding keeps ':' out of both parts, so the key is unambiguous. A lone surrogate has no UTF-8
 * form: Redis would receive U+FFFD and two different ids would share an entry.
 */
function encodeKeyPart(what: string, text: string): string {
  if (/\p{Cs}/u.test(text)) throw new TypeError(`A state store ${what} must be well-formed Unicode text`);
  return encodeURIComponent(text);
}

/**
 * Where the version counter starts when Redis has none. Redis hands out far fewer than one version per
 * microsecond, so the counter stays below the clock in microseconds, and restarting from the clock lands
 * above every version handed out before (given replicas' clocks agree better than the data's lifetime).
 * Microseconds since 1970 stay below 2^53, exact as a JavaScript number, until the year 2255.
 */
function versionSeed(): string {
  return String(Date.now() * 1_000);
}

/** The TTL as the scripts take it: '' for none, otherwise whole milliseconds, rounded up. */
function ttlArgument(ttlMs: number | undefined): string {
  if (ttlMs === undefined) return '';
  if (!Number.isFinite(ttlMs) || ttlMs < 0 || ttlMs > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(
      `A state store TTL must be a finite, non-negative number of milliseconds, not ${ttlMs}`,
    );
  }
  return String(Math.ceil(ttlMs));
}

/** A pipeline's replies, failing with the first error: one failed read makes the whole listing unreliable. */
function unwrapPipeline(results: [Error | null, unknown][] | null): unknown[] {
  if (results === null) throw new Error('the pipeline was discarded');
  return results.map(([error, reply]) => {
    if (error) throw error;
    return reply;
  });
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
