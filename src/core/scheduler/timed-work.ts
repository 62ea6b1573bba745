import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../audit.js';
import type { ApprovalRequest } from '../operations/approvals.js';
import type { ChangeRequest, QStashChange } from '../operations/change.js';
import type { Outcome } from '../operations/outcome.js';
import type { FlowKeyState } from '../qstash/types.js';
import type { ScheduledWork } from './scheduler.js';
import type { Timer } from './timers.js';

/** How the adapter tells people about scheduled work (the words are its own). */
export interface TimedWorkReporter {
  /** The end of a timed pause: resumed, refused (no longer allowed) or failed (still paused). */
  timedResume(timer: Timer, outcome: Outcome): Promise<void>;
  /** A key paused through Flowbot, still paused. */
  reminder(timer: Timer, state: FlowKeyState): Promise<void>;
  /** An approval request nobody decided in time. */
  approvalExpired(request: ApprovalRequest): Promise<void>;
}

/** What scheduled work needs from the flow operations. */
export interface TimedWorkOperations {
  run(request: ChangeRequest & { readonly change: QStashChange }): Promise<Outcome>;
  peek(target: Timer['target']): Promise<FlowKeyState | 'not_found' | undefined>;
}

const RETRY_MS = 60_000;
const MAX_RETRIES = 30;

/**
 * What the scheduler's due work means: a timed resume (through the pipeline, as the person who paused the
 * key, authorized again now), a reminder, an expired approval. Returns the timer's next plan, if any.
 */
export class TimedWork implements ScheduledWork {
  constructor(
    private readonly operations: TimedWorkOperations,
    private readonly reporter: TimedWorkReporter,
    private readonly audit: AuditLog,
    private readonly reminderMs: number | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  async fireTimer(timer: Timer): Promise<Omit<Timer, 'id'> | undefined> {
    return timer.kind === 'resume' ? this.timedResume(timer) : this.reminder(timer);
  }

  async expireApproval(request: ApprovalRequest): Promise<void> {
    this.audit.record({
      actor: request.requesterId,
      action: 'approve',
      key: request.change.target.key,
      environment: request.change.target.environment,
      channel: request.channelId,
      source: request.source ?? 'command',
      ...(request.requestId ? { requestId: request.requestId } : {}),
      outcome: 'expired',
      approval: request.id,
      latencyMs: 0,
    });
    await this.reporter.approvalExpired(request);
  }

  private async timedResume(timer: Timer): Promise<Omit<Timer, 'id'> | undefined> {
    const outcome = await this.operations.run({
      requestId: timer.requestId ?? randomUUID(),
      actorId: timer.actorId,
      target: timer.target,
      channelId: timer.channelId,
      source: 'timer',
      change: { action: 'resume' },
      ...(timer.approvedBy ? { approvedBy: timer.approvedBy } : {}),
    });
    const { id: _id, leaseUntil: _lease, ...rest } = timer;
    // Waiting out the person's rate limit is no news: the resume follows as soon as it may.
    if (outcome.kind === 'refused' && outcome.refusal.code === 'rate_limited')
      return { ...rest, dueAt: this.now() + outcome.refusal.retryAfterMs };
    const retries = timer.reminders ?? 0;
    // Slack not answering a group lookup is passing trouble, like QStash's: tried again, not given up.
    const passing =
      outcome.kind === 'failed' ||
      (outcome.kind === 'refused' && outcome.refusal.code === 'directory_unavailable');
    // Tell the channel how it ended, and on the first failure; later retries stay quiet until one works.
    if (timer.channelId && (!passing || retries === 0)) await this.reporter.timedResume(timer, outcome);
    if (passing && retries < MAX_RETRIES) {
      // QStash's daily quota used up: the next try that can work is after its reset, hours away.
      const quotaReset =
        outcome.kind === 'failed' && outcome.error.limit === 'daily' ? outcome.error.resetAt : undefined;
      const dueAt = Math.max(this.now() + RETRY_MS, quotaReset ?? 0);
      return { ...rest, dueAt, reminders: retries + 1 };
    }
    return undefined;
  }

  private async reminder(timer: Timer): Promise<Omit<Timer, 'id'> | undefined> {
    const state = await this.operations.peek(timer.target);
    if (state === 'not_found' || (state !== undefined && !state.paused)) return undefined;
    const { id: _id, leaseUntil: _lease, ...rest } = timer;
    if (state === undefined) return { ...rest, dueAt: this.now() + RETRY_MS };
    if (timer.channelId) await this.reporter.reminder(timer, state);
    if (this.reminderMs === undefined) return undefined;
    return { ...rest, dueAt: this.now() + this.reminderMs, reminders: (timer.reminders ?? 0) + 1 };
  }
}
