import type { ApprovalRequest } from '../core/operations/approvals.js';
import type { Outcome } from '../core/operations/outcome.js';
import type { FlowKeyState } from '../core/qstash/types.js';
import type { StillPaused, TimedResumeEnd, TimedWorkReporter } from '../core/scheduler/timed-work.js';
import type { Timer } from '../core/scheduler/timers.js';
import { approvalCard } from './blocks/approval.js';
import type { KeyNaming } from './blocks/outcome.js';
import {
  pauseReminderMessage,
  pauseRemindersMessage,
  timedResumeMessage,
  timedResumesMessage,
} from './blocks/schedule.js';
import type { FollowUps } from './follow-ups.js';
import type { SlackNotifier } from './notifier.js';

/**
 * Scheduled work told in Slack: the end of a timed pause and reminders in their channel (or, where Flowbot
 * cannot post there, to the person who paused the key by DM), expired approval cards.
 */
export class SlackTimedWorkReporter implements TimedWorkReporter {
  constructor(
    private readonly notifier: SlackNotifier,
    private readonly followUps: FollowUps,
    private readonly naming: KeyNaming,
    private readonly now: () => number = Date.now,
  ) {}

  async timedResume(timer: Timer, outcome: Outcome): Promise<void> {
    if (!timer.channelId) return;
    await this.followUps.post(
      timer.channelId,
      timer.actorId,
      timedResumeMessage(timer, outcome, this.naming, this.now()),
      { requestId: timer.requestId },
    );
  }

  async reminder(timer: Timer, state: FlowKeyState): Promise<void> {
    if (!timer.channelId) return;
    await this.followUps.post(
      timer.channelId,
      timer.actorId,
      pauseReminderMessage(timer, state, this.naming, this.now()),
      { requestId: timer.requestId },
    );
  }

  async timedResumes(ended: readonly TimedResumeEnd[]): Promise<void> {
    const first = ended[0]?.timer;
    if (!first?.channelId) return;
    await this.followUps.post(
      first.channelId,
      first.actorId,
      timedResumesMessage(ended, this.naming, this.now()),
      // The batch's keys share its request: the Confirm click's response_url.
      { requestId: first.requestId },
    );
  }

  async reminders(stillPaused: readonly StillPaused[]): Promise<void> {
    const first = stillPaused[0]?.timer;
    if (!first?.channelId) return;
    await this.followUps.post(
      first.channelId,
      first.actorId,
      pauseRemindersMessage(stillPaused, this.naming, this.now()),
      { requestId: first.requestId },
    );
  }

  async approvalExpired(request: ApprovalRequest): Promise<void> {
    if (!request.message) return;
    await this.notifier.update(
      request.message.channel,
      request.message.ts,
      approvalCard(request, undefined, this.naming, { kind: 'expired' }),
    );
  }
}
