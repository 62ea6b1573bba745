import type { AllMiddlewareArgs, GlobalShortcut, SlackShortcutMiddlewareArgs } from '@slack/bolt';
import type { ListenerContext } from '../../context.js';
import { openFlowControl } from './open-flow-control.js';

type Args = SlackShortcutMiddlewareArgs<GlobalShortcut> & AllMiddlewareArgs;

/** The global shortcut `flow_control`: the Flow control modal, empty. */
export function flowControlShortcut(context: ListenerContext) {
  return async ({ shortcut, ack, client }: Args): Promise<void> => {
    await ack();
    await openFlowControl(context, client, shortcut.trigger_id, shortcut.user.id, {}, { origin: 'shortcut' });
  };
}
