import type { AllMiddlewareArgs, GlobalShortcut, SlackShortcutMiddlewareArgs } from '@slack/bolt';
import type { Services } from '../../services.js';
import { openFlowControl } from './open-flow-control.js';

type Args = SlackShortcutMiddlewareArgs<GlobalShortcut> & AllMiddlewareArgs;

/** The global shortcut `flow_control`: the Flow control modal, empty. */
export function flowControlShortcut(services: Services) {
  return async ({ shortcut, ack, client }: Args): Promise<void> => {
    await ack();
    await openFlowControl(
      services,
      client,
      shortcut.trigger_id,
      shortcut.user.id,
      {},
      { origin: 'shortcut' },
    );
  };
}
