import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { askingOf } from '../../request.js';
import type { Services } from '../../services.js';
import { openFlowControl } from '../shortcuts/open-flow-control.js';

type Args = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** Refresh on the Home tab: reads what Flowbot knows again and publishes it now. */
export function homeRefreshButton(services: Services) {
  return async ({ ack, body }: Args): Promise<void> => {
    await ack();
    const asking = askingOf(services, { actorId: body.user.id, body, channelId: undefined, source: 'home' });
    services.operations.admitTeam({ ...asking, action: 'home' });
    void services.work.run(() => services.surfaces.homes.refreshNow(asking));
  };
}

/** "Flow control…" on the Home tab: the modal, with the click's trigger_id. */
export function homeOpenButton(services: Services) {
  return async ({ ack, body, client }: Args): Promise<void> => {
    await ack();
    void services.work.run(() =>
      openFlowControl(
        services,
        client,
        body.trigger_id,
        askingOf(services, { actorId: body.user.id, body, channelId: undefined, source: 'home' }),
        {},
        { origin: 'home' },
      ),
    );
  };
}
