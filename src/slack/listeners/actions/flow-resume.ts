import { formatKeyRef } from '../../../core/keys.js';
import { resolvedAlertMessage } from '../../blocks/alert.js';
import { releasedByResume } from '../../blocks/key-state.js';
import { isLivingAlert } from '../../blocks/living-alert.js';
import { doneMessage, noteFromOutcome } from '../../blocks/outcome.js';
import { isStatusCard, statusMessage } from '../../blocks/status.js';
import { type ListenerContext, reply, runForUser } from '../../context.js';
import { settleChange } from '../flows/approval.js';
import { type ButtonArgs, buttonTarget, clickOf } from './button-args.js';

/**
 * A Resume button on any message (Flowbot's alerts and cards, or another system's). The button is not a
 * credential: the person clicking is authorized again, and concurrent clicks on one message resume once.
 */
export function flowResumeButton(context: ListenerContext) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const target = await buttonTarget(context, args, 'resume');
    if (!target) return;
    const click = clickOf(args);
    const { body, respond } = args;
    void runForUser(context, args.respond, async () => {
      const outcome = await context.operations.resume({
        actorId: click.userId,
        target,
        channelId: click.channelId,
        source: 'button',
        onceId: click.messageTs
          ? `click:${click.channelId}:${click.messageTs}:resume:${formatKeyRef(target, 2)}`
          : undefined,
      });
      if (outcome.kind !== 'done') {
        await settleChange(context, respond, outcome, { action: 'resume', target }, click.channelId);
        return;
      }
      const blocks = Array.isArray(body.message?.blocks) ? body.message.blocks : [];
      const incident =
        click.channelId && click.messageTs && isLivingAlert(blocks)
          ? await context.desk.byMessage(click.channelId, click.messageTs)
          : undefined;
      // Flowbot's own living alerts are redrawn by the desk, which follows every change to the key.
      if (incident) return;
      if (click.isEphemeral || isStatusCard(blocks)) {
        // A private card is refreshed for its owner; the change itself is announced to the channel.
        const card = outcome.after
          ? statusMessage(target, outcome.after, context.naming, { note: noteFromOutcome(outcome) })
          : undefined;
        if (card) await reply(context, respond, card, { visibility: 'ephemeral', replaceOriginal: true });
        await reply(context, respond, doneMessage(outcome, context.naming), { visibility: 'in_channel' });
        return;
      }
      const updated = resolvedAlertMessage(
        { blocks, text: String(body.message?.text ?? '') },
        {
          actorId: click.userId,
          at: outcome.at,
          after: outcome.after,
          released: releasedByResume(outcome.before),
        },
      );
      await reply(context, respond, updated, { visibility: 'in_channel', replaceOriginal: true });
    });
  };
}
