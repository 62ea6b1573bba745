/**
 * How long a wait lasts unless the caller says otherwise: an upper bound for something that should happen
 * within a second or two, generous so that a busy machine (two cores, other test files running) is never
 * mistaken for a broken Flowbot. A wait that succeeds returns as soon as the item arrives.
 */
export const DEFAULT_WAIT_MS = 120_000;

/**
 * Lets a test await an event that may already have happened or may still come, with a timeout whose
 * error says what did arrive, so a failing test explains itself instead of just timing out.
 */
export class Waiters<T> {
  private readonly pending = new Set<{
    match: (item: T) => boolean;
    settle: (item: T) => void;
    fail: (e: Error) => void;
  }>();

  constructor(private readonly seen: () => readonly T[]) {}

  /** Call after an item was stored, so that waiters see it. */
  notify(item: T): void {
    for (const w of this.pending) {
      if (w.match(item)) w.settle(item);
    }
  }

  wait(match: (item: T) => boolean, timeoutMs: number, describe: (seen: readonly T[]) => string): Promise<T> {
    const already = this.seen().find(match);
    if (already !== undefined) return Promise.resolve(already);
    return new Promise<T>((resolve, reject) => {
      const entry = {
        match,
        settle: (item: T) => {
          clearTimeout(timer);
          this.pending.delete(entry);
          resolve(item);
        },
        fail: (e: Error) => {
          clearTimeout(timer);
          this.pending.delete(entry);
          reject(e);
        },
      };
      const timer = setTimeout(() => entry.fail(new Error(describe(this.seen()))), timeoutMs);
      this.pending.add(entry);
    });
  }

  /** Rejects everything still waiting, so that a closed stand-in never leaves a test hanging. */
  rejectAll(reason: string): void {
    for (const w of [...this.pending]) w.fail(new Error(reason));
  }
}
