import type { RespondFn } from '@slack/bolt';
import type { FlowAction } from '../../../core/access/types.js';
import type { KeyRef } from '../../../core/keys.js';
import { noteMessage } from '../../blocks/confirmation.js';
import { refusedMessage } from '../../blocks/outcome.js';
import { type ListenerContext, reply } from '../../context.js';

/** Authorizes a click again (a button is never a credential); a refusal is told privately and audited. */
export async function allowedOrTold(
  context: ListenerContext,
  respond: RespondFn,
  actorId: string,
  action: FlowAction,
  target: KeyRef,
  channelId: string | undefined,
): Promise<boolean> {
  const check = await context.operations.check(actorId, action, target, channelId, 'button');
  if (check.allowed) return true;
  await reply(
    context,
    respond,
    refusedMessage({ kind: 'refused', action, target, explanation: check.explanation }, context.naming),
    { visibility: 'ephemeral' },
  );
  return false;
}

/** A short private note. */
export async function tell(context: ListenerContext, respond: RespondFn, text: string): Promise<void> {
  await reply(context, respond, noteMessage(text), { visibility: 'ephemeral' });
}
