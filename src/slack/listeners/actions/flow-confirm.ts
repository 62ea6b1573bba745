import { noteMessage } from '../../blocks/confirmation.js';
import { keyLabel } from '../../blocks/outcome.js';
import { type ListenerContext, reply, runForUser } from '../../context.js';
import { settleChange } from '../flows/approval.js';
import { startRamp } from '../flows/ramp.js';
import { type ButtonArgs, clickOf } from './button-args.js';

/** Confirm acts once, for the person who asked, who is authorized again at this moment. */
export function flowConfirmButton(context: ListenerContext) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const click = clickOf(args);
    void runForUser(context, args.respond, async () => {
      const result = await context.confirmations.confirm(click.value, click.userId);
      if (result.kind === 'gone') {
        await reply(
          context,
          args.respond,
          noteMessage('This confirmation was already used, cancelled or has expired. Nothing was changed.'),
          { visibility: 'ephemeral', replaceOriginal: true },
        );
        return;
      }
      if (result.kind === 'not_yours') {
        await reply(context, args.respond, noteMessage('Only the person who asked can confirm this.'), {
          visibility: 'ephemeral',
        });
        return;
      }
      const { change } = result.pending;
      await reply(
        context,
        args.respond,
        noteMessage(
          `:hourglass_flowing_sand: Confirmed. Working on ${keyLabel(change.target, context.naming)}…`,
        ),
        { visibility: 'ephemeral', replaceOriginal: true },
      );
      if (change.action === 'ramp') {
        await startRamp(context, args.respond, click.userId, click.channelId, change.target, change.request);
        return;
      }
      const outcome = await context.operations.perform(change, {
        actorId: click.userId,
        target: change.target,
        channelId: click.channelId,
        source: 'confirm',
        ...(change.action === 'pause' && change.reason ? { reason: change.reason } : {}),
      });
      await settleChange(context, args.respond, outcome, change, click.channelId);
    });
  };
}

export function flowCancelButton(context: ListenerContext) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const click = clickOf(args);
    void runForUser(context, args.respond, async () => {
      const cancelled = await context.confirmations.cancel(click.value, click.userId);
      const text = cancelled
        ? `Cancelled. ${keyLabel(cancelled.change.target, context.naming)} was not changed.`
        : 'Nothing to cancel: this was already used, cancelled or has expired.';
      await reply(context, args.respond, noteMessage(text), {
        visibility: 'ephemeral',
        replaceOriginal: true,
      });
    });
  };
}
