import type { ApprovalRequest, Approvals } from '../operations/approvals.js';
import { Periodic } from '../periodic.js';
import type { Timer, Timers } from './timers.js';

export interface ScheduledWork {
  /**
   * Fires due timers of one kind that belong together (one group, or a lone timer); returns each one's next
   * plan, in their order (undefined: done).
   */
  fireTimers(timers: readonly Timer[]): Promise<(Omit<Timer, 'id'> | undefined)[]>;
  expireApproval(request: ApprovalRequest): Promise<void>;
}

/**
 * Runs due work every `intervalMs`: timed resumes, reminders, approval expiry. One tick at a time; a tick
 * that fails is logged and the next one tries again, so nothing pending is dropped by a passing error.
 */
export class Scheduler {
  private readonly periodic: Periodic;

  constructor(
    private readonly timers: Timers,
    private readonly approvals: Approvals,
    private readonly work: ScheduledWork,
    private readonly onError: (error: unknown) => void,
    intervalMs = 1_000,
    /** More due work, e.g. ramp steps; each runs every pass, and its failure doesn't stop the others. */
    private readonly jobs: readonly (() => Promise<void>)[] = [],
  ) {
    this.periodic = new Periodic(() => this.pass(), intervalMs);
  }

  start(): void {
    this.periodic.start();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }

  /** One pass; concurrent calls share the pass in progress. */
  tick(): Promise<void> {
    return this.periodic.tick();
  }

  private async pass(): Promise<void> {
    try {
      for (const together of byGroup(await this.timers.claimDue())) {
        try {
          const plans = await this.work.fireTimers(together);
          for (const [index, timer] of together.entries()) await this.timers.complete(timer, plans[index]);
        } catch (error) {
          // Left leased: they fire again when the lease runs out.
          this.onError(error);
        }
      }
      for (const request of await this.approvals.takeExpired()) {
        await this.work.expireApproval(request).catch(this.onError);
      }
      for (const job of this.jobs) await job().catch(this.onError);
    } catch (error) {
      this.onError(error);
    }
  }
}

/** Due timers in firing order, those of one kind and group together (a bulk pause's keys end in one go). */
export function byGroup(timers: readonly Timer[]): Timer[][] {
  const groups = new Map<string, Timer[]>();
  const together: Timer[][] = [];
  for (const timer of timers) {
    if (timer.group === undefined) {
      together.push([timer]);
      continue;
    }
    const id = `${timer.kind}:${timer.group}`;
    const group = groups.get(id);
    if (group) group.push(timer);
    else {
      const started = [timer];
      groups.set(id, started);
      together.push(started);
    }
  }
  return together;
}
