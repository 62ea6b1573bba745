import { type ListenerContext, runForUser } from '../../context.js';
import { askToConfirm } from '../flows/confirm.js';
import { type ButtonArgs, buttonTarget, clickOf } from './button-args.js';

/** Pause from a card: asks the clicker to confirm, like `/flow pause`. */
export function flowPauseButton(context: ListenerContext) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const target = await buttonTarget(context, args, 'pause');
    if (!target) return;
    const click = clickOf(args);
    void runForUser(context, args.respond, () =>
      askToConfirm(
        context,
        args.respond,
        click.userId,
        click.channelId,
        { action: 'pause', target },
        'button',
      ),
    );
  };
}
