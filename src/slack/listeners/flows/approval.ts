import type { RespondFn } from '@slack/bolt';
import type { Outcome, PendingChange } from '../../../core/operations/outcome.js';
import { approvalCard } from '../../blocks/approval.js';
import { noteMessage } from '../../blocks/confirmation.js';
import { keyLabel } from '../../blocks/outcome.js';
import { explainSlackError } from '../../blocks/slack-error.js';
import { type ListenerContext, reply } from '../../context.js';
import { replyWithOutcome } from '../outcome-reply.js';

/**
 * Where a change ends up needing a second person, the approval card goes to the channel (posted with the
 * Web API so it can be updated later, even on expiry) and the requester is told privately.
 */
export async function requestApproval(
  context: ListenerContext,
  respond: RespondFn,
  outcome: Extract<Outcome, { kind: 'needs_approval' }>,
  change: PendingChange,
  channelId: string | undefined,
): Promise<void> {
  if (!channelId) {
    await reply(context, respond, noteMessage('This change needs approval, which only works in a channel.'), {
      visibility: 'ephemeral',
    });
    return;
  }
  const request = await context.approvals.create(
    outcome.actorId,
    channelId,
    change,
    outcome.rule,
    outcome.expiresMs,
  );
  const state = await context.operations.peek(change.target);
  const live = state === 'not_found' ? undefined : state;
  const posted = await context.notifier.post(
    channelId,
    approvalCard(request, live, context.naming, { kind: 'pending' }),
  );
  if (posted.kind === 'failed') {
    await context.approvals.withdraw(request.id, outcome.actorId);
    await reply(
      context,
      respond,
      noteMessage(
        `:warning: This change needs approval, but the approval card could not be posted: ${explainSlackError(posted.error)}. Nothing was changed.`,
      ),
      { visibility: 'ephemeral' },
    );
    return;
  }
  await context.approvals.attachMessage(request.id, { channel: posted.channel, ts: posted.ts });
  await reply(
    context,
    respond,
    noteMessage(
      `:lock: ${keyLabel(change.target, context.naming)} needs a second person’s approval. I posted your request in the channel; it expires in ${Math.round(outcome.expiresMs / 60_000)} minutes.`,
    ),
    { visibility: 'ephemeral' },
  );
}

/** Every change's outcome, with approval requests turned into approval cards. */
export async function settleChange(
  context: ListenerContext,
  respond: RespondFn,
  outcome: Outcome,
  change: PendingChange,
  channelId: string | undefined,
): Promise<void> {
  if (outcome.kind === 'needs_approval') {
    await requestApproval(context, respond, outcome, change, channelId);
    return;
  }
  await replyWithOutcome(context, respond, outcome);
}
