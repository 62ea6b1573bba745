import { encodeValue } from './json-value.js';
import type { StateStore, StoredEntry, WriteOptions } from './state-store.js';

interface Slot {
  json: string;
  version: number;
  expires: number | undefined;
}

/** In one process's memory: for tests and for state that may be lost with the process. */
export class MemoryStateStore implements StateStore {
  private readonly slots = new Map<string, Slot>();
  private versions = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async get<T>(namespace: string, id: string): Promise<T | undefined> {
    return (await this.getEntry<T>(namespace, id))?.value;
  }

  async getEntry<T>(namespace: string, id: string): Promise<StoredEntry<T> | undefined> {
    const slot = this.live(namespace, id);
    return slot ? { value: JSON.parse(slot.json) as T, version: slot.version } : undefined;
  }

  async set<T>(namespace: string, id: string, value: T, options: WriteOptions = {}): Promise<void> {
    this.write(namespace, id, value, options);
  }

  async compareAndSet<T>(
    namespace: string,
    id: string,
    expectedVersion: number | undefined,
    value: T,
    options: WriteOptions = {},
  ): Promise<boolean> {
    const current = this.live(namespace, id);
    if ((current?.version ?? undefined) !== expectedVersion) return false;
    this.write(namespace, id, value, options);
    return true;
  }

  async take<T>(namespace: string, id: string): Promise<T | undefined> {
    const slot = this.live(namespace, id);
    if (!slot) return undefined;
    this.slots.delete(keyOf(namespace, id));
    return JSON.parse(slot.json) as T;
  }

  async delete(namespace: string, id: string): Promise<void> {
    this.slots.delete(keyOf(namespace, id));
  }

  async list<T>(namespace: string): Promise<{ id: string; value: T }[]> {
    const prefix = `${namespace}\u0000`;
    const entries: { id: string; value: T }[] = [];
    for (const [key, slot] of this.slots) {
      if (!key.startsWith(prefix)) continue;
      if (slot.expires !== undefined && slot.expires <= this.now()) {
        this.slots.delete(key);
        continue;
      }
      entries.push({ id: key.slice(prefix.length), value: JSON.parse(slot.json) as T });
    }
    return entries;
  }

  async increment(namespace: string, id: string, ttlMs: number): Promise<number> {
    const slot = this.live(namespace, id);
    const count = slot ? (JSON.parse(slot.json) as number) + 1 : 1;
    this.slots.set(keyOf(namespace, id), {
      json: JSON.stringify(count),
      version: ++this.versions,
      expires: slot ? slot.expires : this.now() + ttlMs,
    });
    return count;
  }

  sweepExpired(): number {
    const now = this.now();
    let removed = 0;
    for (const [key, slot] of this.slots) {
      if (slot.expires !== undefined && slot.expires <= now) {
        this.slots.delete(key);
        removed += 1;
      }
    }
    return removed;
  }

  async close(): Promise<void> {}

  private live(namespace: string, id: string): Slot | undefined {
    const key = keyOf(namespace, id);
    const slot = this.slots.get(key);
    if (!slot) return undefined;
    if (slot.expires !== undefined && slot.expires <= this.now()) {
      this.slots.delete(key);
      return undefined;
    }
    return slot;
  }

  private write<T>(namespace: string, id: string, value: T, options: WriteOptions): void {
    // Stored as JSON so callers never share mutable objects with the store, like with a real database.
    const json = encodeValue(namespace, value);
    this.slots.set(keyOf(namespace, id), {
      json,
      version: ++this.versions,
      expires: options.ttlMs === undefined ? undefined : this.now() + options.ttlMs,
    });
  }
}

function keyOf(namespace: string, id: string): string {
  return `${namespace}\u0000${id}`;
}
