/**
 * Work that outlives the request that started it (Slack is acked first, the outcome follows). Tracked so a
 * graceful shutdown can wait for it instead of cutting replies off.
 */
export class WorkTracker {
  private readonly running = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly onError: (error: unknown) => void) {}

  get size(): number {
    return this.running.size;
  }

  get accepting(): boolean {
    return !this.closed;
  }

  /** Runs `work` and tracks it; errors go to onError, never to the caller, so nothing becomes an unhandled rejection. */
  run(work: () => Promise<unknown>): Promise<void> {
    const task = (async () => {
      try {
        await work();
      } catch (error) {
        this.onError(error);
      }
    })();
    this.running.add(task);
    void task.finally(() => this.running.delete(task));
    return task;
  }

  /** Stops accepting new work and waits for what is running, at most `timeoutMs`. True if all of it finished. */
  async drain(timeoutMs: number): Promise<boolean> {
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
    });
    const finished = Promise.allSettled([...this.running]).then(() => true as const);
    const result = await Promise.race([finished, timedOut]);
    clearTimeout(timer);
    return result;
  }
}
