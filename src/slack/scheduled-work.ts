import type { Logger } from 'pino';
import type { ApprovalRequest } from '../core/operations/approvals.js';
import type { FlowOperations } from '../core/operations/flow-operations.js';
import type { ScheduledWork } from '../core/scheduler/scheduler.js';
import type { Timer } from '../core/scheduler/timers.js';
import { approvalCard } from './blocks/approval.js';
import type { KeyNaming } from './blocks/outcome.js';
import { pauseReminderMessage, timedResumeMessage } from './blocks/schedule.js';
import type { SlackNotifier } from './notifier.js';

const RETRY_MS = 60_000;
const MAX_RETRIES = 30;

/** What the scheduler's due work means in Slack: timed resumes, reminders, expired approval cards. */
export class SlackScheduledWork implements ScheduledWork {
  constructor(
    private readonly operations: FlowOperations,
    private readonly notifier: SlackNotifier,
    private readonly naming: KeyNaming,
    private readonly reminderMs: number | undefined,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async fireTimer(timer: Timer): Promise<Omit<Timer, 'id'> | undefined> {
    return timer.kind === 'resume' ? this.timedResume(timer) : this.reminder(timer);
  }

  async expireApproval(request: ApprovalRequest): Promise<void> {
    this.logger.info({ approval: request.id, key: request.change.target.key }, 'approval request expired');
    if (!request.message) return;
    await this.notifier.update(
      request.message.channel,
      request.message.ts,
      approvalCard(request, undefined, this.naming, { kind: 'expired' }),
    );
  }

  private async timedResume(timer: Timer): Promise<Omit<Timer, 'id'> | undefined> {
    const outcome = await this.operations.resume({
      actorId: timer.actorId,
      target: timer.target,
      channelId: timer.channelId,
      source: 'timer',
      scheduled: true,
    });
    const retries = timer.reminders ?? 0;
    // Tell the channel on success, and on the first failure; later retries stay quiet until one works.
    if (timer.channelId && (outcome.kind === 'done' || retries === 0)) {
      await this.notifier.post(timer.channelId, timedResumeMessage(timer, outcome, this.naming, this.now()));
    }
    if (outcome.kind === 'failed' && retries < MAX_RETRIES) {
      const { id: _id, leaseUntil: _lease, ...rest } = timer;
      return { ...rest, dueAt: this.now() + RETRY_MS, reminders: retries + 1 };
    }
    return undefined;
  }

  private async reminder(timer: Timer): Promise<Omit<Timer, 'id'> | undefined> {
    const state = await this.operations.peek(timer.target);
    if (state === 'not_found' || (state !== undefined && !state.paused)) return undefined;
    const { id: _id, leaseUntil: _lease, ...rest } = timer;
    if (state === undefined) return { ...rest, dueAt: this.now() + RETRY_MS };
    if (timer.channelId) {
      await this.notifier.post(timer.channelId, pauseReminderMessage(timer, state, this.naming, this.now()));
    }
    if (this.reminderMs === undefined) return undefined;
    return { ...rest, dueAt: this.now() + this.reminderMs, reminders: (timer.reminders ?? 0) + 1 };
  }
}
