import type { Logger } from 'pino';
import type { FlowOperations } from '../core/operations/flow-operations.js';
import type { Timers } from '../core/scheduler/timers.js';

/**
 * Plans follow changes, whatever made them: a pause schedules its timed resume (or a reminder), a resume
 * cancels what was planned for the key. A timed resume keeps the pause's request id and approver: it runs
 * later through the pipeline as the person who paused the key, authorized again then.
 */
export function followChanges(
  operations: FlowOperations,
  timers: Timers,
  reminderMs: number | undefined,
  logger: Logger,
): void {
  operations.onChange(async (outcome, request) => {
    if (outcome.kind !== 'done') return;
    try {
      if (outcome.action === 'resume') {
        await timers.cancelForKey(outcome.target);
        return;
      }
      if (outcome.action !== 'pause') return;
      await timers.cancelForKey(outcome.target);
      const base = {
        target: outcome.target,
        channelId: request.channelId,
        actorId: outcome.actorId,
        ...(request.foreignTeam !== undefined ? { foreignTeam: request.foreignTeam } : {}),
        requestId: outcome.requestId,
        ...(outcome.approvedBy ? { approvedBy: outcome.approvedBy } : {}),
        // The change's own moment, which a timed pause's end is counted from too (a second clock read here
        // would make a 15-minute pause look a few milliseconds shorter than it was).
        pausedAt: outcome.at.getTime(),
        ...(outcome.reason ? { reason: outcome.reason } : {}),
        // The keys of one bulk pause end together and are told in one message, not one per key.
        ...(request.source === 'bulk' ? { group: request.requestId } : {}),
      };
      if (outcome.resumeAt)
        await timers.schedule({ ...base, kind: 'resume', dueAt: outcome.resumeAt.getTime() });
      else if (reminderMs !== undefined)
        await timers.schedule({ ...base, kind: 'reminder', dueAt: base.pausedAt + reminderMs });
    } catch (error) {
      logger.error({ err: error, key: outcome.target.key }, 'could not plan the follow-up of a change');
    }
  });
}
