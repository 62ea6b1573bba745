import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { ListenerContext } from '../../context.js';
import { openFlowControl } from '../shortcuts/open-flow-control.js';

type Args = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** Refresh on the Home tab: reads what Flowbot knows again and publishes it now. */
export function homeRefreshButton(context: ListenerContext) {
  return async ({ ack, body }: Args): Promise<void> => {
    await ack();
    void context.work.run(() => context.surfaces.homes.refreshNow(body.user.id));
  };
}

/** "Flow control…" on the Home tab: the modal, with the click's trigger_id. */
export function homeOpenButton(context: ListenerContext) {
  return async ({ ack, body, client }: Args): Promise<void> => {
    await ack();
    void context.work.run(() =>
      openFlowControl(context, client, body.trigger_id, body.user.id, {}, { origin: 'home' }),
    );
  };
}
