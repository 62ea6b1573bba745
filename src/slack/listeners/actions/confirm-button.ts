import type { FlowAction } from '../../../core/access/types.js';
import type { KeyRef } from '../../../core/keys.js';
import type { PendingChange } from '../../../core/operations/outcome.js';
import { type ListenerContext, runForUser } from '../../context.js';
import { askToConfirm } from '../flows/confirm.js';
import { type ButtonArgs, buttonTarget, clickOf } from './button-args.js';

/** A button that asks for a change on the key it names; like the command, it shows a confirmation first. */
export function confirmFromButton(
  context: ListenerContext,
  action: FlowAction,
  change: (target: KeyRef) => PendingChange,
) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const target = await buttonTarget(context, args, action);
    if (!target) return;
    const click = clickOf(args);
    void runForUser(context, args.respond, () =>
      askToConfirm(context, args.respond, click.userId, click.channelId, change(target), 'button'),
    );
  };
}
