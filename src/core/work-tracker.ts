/**
 * Work that outlives the request that started it (Slack is acked first, the outcome follows). Tracked so a
 * graceful shutdown can wait for it instead of cutting replies off.
 */
/**
 * `request`: the work of a request someone is waiting on (a change and its reply); `background`: work nobody
 * asked for just now (redrawing Home tabs), waited for at shutdown like the rest but not counted as requests.
 */
export type WorkKind = 'request' | 'background';

export class WorkTracker {
  private readonly running = new Set<Promise<unknown>>();
  private closed = false;
  private finished = 0;
  private requestsRunning = 0;
  private readonly watchers: Array<() => void> = [];

  constructor(private readonly onError: (error: unknown) => void) {}

  get size(): number {
    return this.running.size;
  }

  /** Requests' work that has ended (however it ended) since the tracker was made; background work not counted. */
  get completed(): number {
    return this.finished;
  }

  /** Requests' work running now (background work not counted). */
  get requests(): number {
    return this.requestsRunning;
  }

  /** Calls `watcher` whenever work starts or ends (for whoever counts the backlog: the front door's bound). */
  watch(watcher: () => void): void {
    this.watchers.push(watcher);
  }

  get accepting(): boolean {
    return !this.closed;
  }

  /** Runs `work` and tracks it; errors go to onError, never to the caller, so nothing becomes an unhandled rejection. */
  run(work: () => Promise<unknown>, kind: WorkKind = 'request'): Promise<void> {
    const task = (async () => {
      try {
        await work();
      } catch (error) {
        this.onError(error);
      }
    })();
    this.running.add(task);
    if (kind === 'request') this.requestsRunning += 1;
    this.changed();
    void task.finally(() => {
      this.running.delete(task);
      if (kind === 'request') {
        this.requestsRunning -= 1;
        this.finished += 1;
      }
      this.changed();
    });
    return task;
  }

  private changed(): void {
    for (const watcher of this.watchers) watcher();
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
