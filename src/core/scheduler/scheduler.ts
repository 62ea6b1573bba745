import type { ApprovalRequest, Approvals } from '../operations/approvals.js';
import { Periodic } from '../periodic.js';
import type { Timer, Timers } from './timers.js';

export interface ScheduledWork {
  fireTimer(timer: Timer): Promise<Omit<Timer, 'id'> | undefined>;
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
      for (const timer of await this.timers.claimDue()) {
        try {
          const next = await this.work.fireTimer(timer);
          await this.timers.complete(timer, next);
        } catch (error) {
          // Left leased: it fires again when the lease runs out.
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
