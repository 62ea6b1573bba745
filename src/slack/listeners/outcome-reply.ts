import type { RespondFn } from '@slack/bolt';
import type { Outcome } from '../../core/operations/outcome.js';
import { doneMessage, duplicateMessage, failedMessage, refusedMessage } from '../blocks/outcome.js';
import { type ListenerContext, reply } from '../context.js';

/** Public when something changed, private otherwise. */
export async function replyWithOutcome(
  context: ListenerContext,
  respond: RespondFn,
  outcome: Outcome,
): Promise<void> {
  switch (outcome.kind) {
    case 'done':
      await reply(context, respond, doneMessage(outcome, context.naming), { visibility: 'in_channel' });
      return;
    case 'refused':
      await reply(context, respond, refusedMessage(outcome, context.naming), { visibility: 'ephemeral' });
      return;
    case 'duplicate':
      await reply(context, respond, duplicateMessage(outcome, context.naming), { visibility: 'ephemeral' });
      return;
    case 'failed':
      await reply(context, respond, failedMessage(outcome, context.naming), { visibility: 'ephemeral' });
      return;
    case 'needs_approval':
      // Callers that can start an approval handle this before; reaching here means a bug, so say so plainly.
      await reply(
        context,
        respond,
        refusedMessage(
          { ...outcome, kind: 'refused', explanation: 'This change needs a second person’s approval.' },
          context.naming,
        ),
        {
          visibility: 'ephemeral',
        },
      );
      return;
  }
}
