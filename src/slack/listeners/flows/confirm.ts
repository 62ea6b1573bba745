import type { RespondFn } from '@slack/bolt';
import type { PendingChange } from '../../../core/operations/outcome.js';
import { QStashError } from '../../../core/qstash/errors.js';
import { planRamp } from '../../../core/ramp/ramp-plan.js';
import { confirmationMessage } from '../../blocks/confirmation.js';
import { describeRampPlanProblem } from '../../blocks/input-problems.js';
import { code, truncate } from '../../blocks/mrkdwn.js';
import { problemMessage, refusedMessage } from '../../blocks/outcome.js';
import { describeQStashError } from '../../blocks/qstash-error.js';
import { type ListenerContext, reply } from '../../context.js';

/**
 * Changes that can hurt (pause, pin, unpin, reset-rate) are shown first, privately, with the live state and
 * what will happen; only Confirm acts. Someone who may not take the action is told so instead of being asked.
 */
export async function askToConfirm(
  context: ListenerContext,
  respond: RespondFn,
  actorId: string,
  channelId: string | undefined,
  change: PendingChange,
  source: string,
): Promise<void> {
  const check = await context.operations.check(actorId, change.action, change.target, channelId, source);
  if (!check.allowed) {
    await reply(
      context,
      respond,
      refusedMessage(
        { kind: 'refused', action: change.action, target: change.target, explanation: check.explanation },
        context.naming,
      ),
      { visibility: 'ephemeral' },
    );
    return;
  }
  const state = await context.operations.peek(change.target);
  if (state === 'not_found') {
    const problem = describeQStashError(new QStashError({ kind: 'not_found', status: 404 }));
    await reply(
      context,
      respond,
      problemMessage(`${problem}: ${code(truncate(change.target.key, 80))}. Nothing was changed.`),
      {
        visibility: 'ephemeral',
      },
    );
    return;
  }
  if (change.action === 'ramp') {
    const problem =
      state === undefined
        ? 'QStash did not say what the key’s limits are, so no ramp can be planned; try again.'
        : (() => {
            const planned = planRamp(state, change.request);
            return planned.kind === 'ok' ? undefined : describeRampPlanProblem(planned.problem);
          })();
    if (problem) {
      await reply(context, respond, problemMessage(problem), { visibility: 'ephemeral' });
      return;
    }
  }
  const pending = await context.confirmations.create(actorId, channelId, change);
  const minutes = Math.round(context.confirmations.ttlMs / 60_000);
  await reply(context, respond, confirmationMessage(change, state, pending.id, context.naming, minutes), {
    visibility: 'ephemeral',
  });
}
