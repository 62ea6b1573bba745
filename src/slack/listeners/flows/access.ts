import type { RespondFn } from '@slack/bolt';
import type { FlowAction } from '../../../core/access/types.js';
import type { KeyRef } from '../../../core/keys.js';
import { canMessage, whoamiMessage } from '../../blocks/access.js';
import { type ListenerContext, reply } from '../../context.js';

export async function showWhoami(
  context: ListenerContext,
  respond: RespondFn,
  actorId: string,
): Promise<void> {
  const { grants, uncertain } = await context.access.current.grantsFor(actorId);
  await reply(context, respond, whoamiMessage(grants, uncertain), { visibility: 'ephemeral' });
}

export async function showCan(
  context: ListenerContext,
  respond: RespondFn,
  actorId: string,
  channelId: string | undefined,
  action: FlowAction,
  target: KeyRef,
): Promise<void> {
  const decision = await context.access.current.decide({
    actor: { userId: actorId },
    action,
    environment: target.environment,
    key: target.key,
    channelId,
  });
  await reply(context, respond, canMessage(action, target, decision, context.naming), {
    visibility: 'ephemeral',
  });
}
