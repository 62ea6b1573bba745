import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Watcher } from '../core/alerts/watcher.js';
import type { Scheduler } from '../core/scheduler/scheduler.js';
import { LeaderElector, Lease } from '../core/store/lease.js';
import type { StateStore } from '../core/store/state-store.js';

/** Unique per process: host, pid and a random part (pids repeat across containers). */
export function replicaId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/** The leader holds this long without renewing; a dead leader's work resumes elsewhere within it plus a tick. */
export const LEADER_LEASE_MS = 10_000;

/**
 * The watcher, timers, approval expiry and ramps run on one replica at a time: the one holding a renewable
 * lease in the shared store. If it dies, another replica takes the lease once it expires and continues from
 * the stored state. With the embedded store there is one replica, which always leads.
 */
export class BackgroundWork {
  private readonly elector: LeaderElector;

  constructor(
    store: StateStore,
    private readonly scheduler: Scheduler,
    private readonly watcher: Watcher | undefined,
    private readonly logger: Logger,
    readonly holderId: string,
    leaseMs = LEADER_LEASE_MS,
  ) {
    this.elector = new LeaderElector({
      lease: new Lease(store, 'scheduler'),
      holderId: this.holderId,
      ttlMs: leaseMs,
      onElected: () => {
        this.logger.info({ holder: this.holderId }, 'this replica now runs the scheduler, watcher and ramps');
        this.scheduler.start();
        this.watcher?.start();
      },
      onDemoted: (reason) => {
        // Handing the lease back on shutdown is the normal way out; only losing it is worth a warning.
        if (reason === 'stopped')
          this.logger.info(
            { holder: this.holderId, reason },
            'this replica hands the scheduler over: stopping',
          );
        else this.logger.warn({ holder: this.holderId, reason }, 'this replica no longer runs the scheduler');
        void this.scheduler.stop();
        void this.watcher?.stop();
      },
      onError: (error) => this.logger.warn({ err: error }, 'could not renew the scheduler lease'),
    });
  }

  get leading(): boolean {
    return this.elector.isLeader;
  }

  start(): void {
    this.elector.start();
  }

  async stop(): Promise<void> {
    await this.elector.stop();
    await this.scheduler.stop();
    await this.watcher?.stop();
  }
}
