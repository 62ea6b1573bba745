import type { RespondFn } from '@slack/bolt';
import type { KeyRef } from '../../../core/keys.js';
import type { ListenerContext } from '../../context.js';
import { settleChange } from './approval.js';

/** Resume acts at once, from `/flow-resume` and `/flow resume` alike: it is the way out of an incident. */
export async function resumeNow(
  context: ListenerContext,
  respond: RespondFn,
  actorId: string,
  channelId: string | undefined,
  target: KeyRef,
  source: string,
): Promise<void> {
  const outcome = await context.operations.resume({ actorId, target, channelId, source });
  await settleChange(context, respond, outcome, { action: 'resume', target }, channelId);
}
