import type { AllMiddlewareArgs, GlobalShortcut, SlackShortcutMiddlewareArgs } from '@slack/bolt';
import { askingOf } from '../../request.js';
import type { Services } from '../../services.js';
import { openFlowControl } from './open-flow-control.js';

type Args = SlackShortcutMiddlewareArgs<GlobalShortcut> & AllMiddlewareArgs;

/** The global shortcut `flow_control`: the Flow control modal, empty. */
export function flowControlShortcut(services: Services) {
  return async ({ shortcut, ack, client, body }: Args): Promise<void> => {
    await ack();
    await openFlowControl(
      services,
      client,
      shortcut.trigger_id,
      askingOf(services, { actorId: shortcut.user.id, body, channelId: undefined, source: 'shortcut' }),
      {},
      { origin: 'shortcut' },
    );
  };
}
