import { randomUUID } from 'node:crypto';
import type { StateStore } from './store/state-store.js';

const NAMESPACE = 'lock';

/**
 * Runs `work` while holding a short lock in the store, so concurrent deliveries of the same thing (on this
 * replica or another) are handled one after the other. The lock expires by itself if its holder dies.
 */
export async function withLock<T>(
  store: StateStore,
  name: string,
  work: () => Promise<T>,
  options: { ttlMs?: number; waitMs?: number; pollMs?: number } = {},
): Promise<T> {
  const ttlMs = options.ttlMs ?? 30_000;
  const deadline = Date.now() + (options.waitMs ?? 20_000);
  const token = randomUUID();
  for (;;) {
    if (await store.compareAndSet(NAMESPACE, name, undefined, token, { ttlMs })) break;
    if (Date.now() > deadline) throw new LockTimeout(name);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 25));
  }
  try {
    return await work();
  } finally {
    const entry = await store.getEntry<string>(NAMESPACE, name).catch(() => undefined);
    // Only our own lock is released; one that expired and was taken by someone else is theirs now.
    if (entry?.value === token) {
      await store.compareAndSet(NAMESPACE, name, entry.version, '', { ttlMs: 1 }).catch(() => false);
    }
  }
}

export class LockTimeout extends Error {
  override readonly name = 'LockTimeout';
  constructor(readonly lock: string) {
    super(`Timed out waiting for ${lock}`);
  }
}
