import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { parseKeyRef } from '../../../core/keys.js';
import { resolvedAlertMessage } from '../../blocks/alert.js';
import { releasedByResume } from '../../blocks/key-state.js';
import { problemMessage } from '../../blocks/outcome.js';
import { type ListenerContext, reply } from '../../context.js';
import { replyWithOutcome } from '../outcome-reply.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/**
 * A Resume button on any message (Flowbot's alerts or another system's). The button is not a credential:
 * the person clicking is authorized again, and concurrent clicks on one message resume once.
 */
export function flowResumeButton(context: ListenerContext) {
  return async ({ ack, body, action, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const userId = body.user.id;
    const channelId = body.channel?.id ?? body.container?.channel_id;
    const value = typeof action.value === 'string' ? action.value : '';
    const parsed = parseKeyRef(value, context.environments.names, context.environments.defaultName);
    if (!parsed.ok) {
      context.audit.record({
        actor: userId,
        action: 'resume',
        key: undefined,
        environment: undefined,
        channel: channelId,
        source: 'button',
        outcome: 'invalid',
        reason: parsed.problem,
        latencyMs: 0,
      });
      await reply(
        context,
        respond,
        problemMessage(`This Resume button carries no usable key. ${parsed.problem}`),
        {
          visibility: 'ephemeral',
        },
      );
      return;
    }
    const messageTs = body.message?.ts ?? body.container?.message_ts;
    await context.work.run(async () => {
      const outcome = await context.operations.resume({
        actorId: userId,
        target: parsed.ref,
        channelId,
        source: 'button',
        onceId: messageTs ? `click:${channelId}:${messageTs}:${action.action_id}:${value}` : undefined,
      });
      if (outcome.kind === 'done' && body.message) {
        const updated = resolvedAlertMessage(
          {
            blocks: Array.isArray(body.message.blocks) ? body.message.blocks : [],
            text: String(body.message.text ?? ''),
          },
          {
            actorId: userId,
            at: outcome.at,
            after: outcome.after,
            released: releasedByResume(outcome.before),
          },
        );
        await reply(context, respond, updated, { visibility: 'in_channel', replaceOriginal: true });
        return;
      }
      await replyWithOutcome(context, respond, outcome);
    });
  };
}
