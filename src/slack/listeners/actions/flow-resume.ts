import { formatKeyRef } from '../../../core/keys.js';
import { resolvedAlertMessage } from '../../blocks/alert.js';
import { releasedByResume } from '../../blocks/key-state.js';
import { isLivingAlert } from '../../blocks/living-alert.js';
import { doneMessage, noteFromOutcome } from '../../blocks/outcome.js';
import { isStatusCard, statusMessage } from '../../blocks/status.js';
import type { Services } from '../../services.js';
import { settle } from '../flows/settle.js';
import { type ButtonArgs, buttonTarget, clickOf, clickRequest } from './button-args.js';

/**
 * A Resume button on any message (Flowbot's alerts and cards, or another system's). The button is not a
 * credential: the person clicking is authorized again, and concurrent clicks on one message resume once.
 */
export function flowResumeButton(services: Services) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const request = clickRequest(services, args);
    const target = await buttonTarget(services, request, args, 'resume');
    if (!target) return;
    const click = clickOf(args);
    const { body } = args;
    void request.run(async () => {
      const onceId = click.messageTs
        ? `click:${click.channelId}:${click.messageTs}:resume:${formatKeyRef(target, 2)}`
        : undefined;
      const outcome = await services.operations.change(
        request.change(target, { action: 'resume' }, onceId !== undefined ? { onceId } : {}),
      );
      if (outcome.kind !== 'done') {
        await settle(services, request, outcome);
        return;
      }
      const blocks = Array.isArray(body.message?.blocks) ? body.message.blocks : [];
      const incident =
        click.channelId && click.messageTs && isLivingAlert(blocks)
          ? await services.desk.byMessage(click.channelId, click.messageTs)
          : undefined;
      // Flowbot's own living alerts are redrawn by the desk, which follows every change to the key.
      if (incident) return;
      if (click.isEphemeral || isStatusCard(blocks)) {
        // A private card is refreshed for its owner; the change itself is announced to the channel.
        if (outcome.after)
          await request.tell(
            statusMessage(target, outcome.after, services.naming, { note: noteFromOutcome(outcome) }),
            { replaceOriginal: true },
          );
        await request.reply(doneMessage(outcome, services.naming), { visibility: 'in_channel' });
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
      await request.reply(updated, { visibility: 'in_channel', replaceOriginal: true });
    });
  };
}
