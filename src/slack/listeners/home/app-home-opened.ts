import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { askingOf } from '../../request.js';
import type { Services } from '../../services.js';

type Args = SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs;

/** The Home tab was opened: publish that person's control room (the Messages tab needs nothing). */
export function appHomeOpened(services: Services) {
  return async ({ event, body }: Args): Promise<void> => {
    if (event.tab !== 'home' || typeof event.user !== 'string') return;
    const asking = askingOf(services, { actorId: event.user, body, channelId: undefined, source: 'home' });
    // A person of another workspace no rule names sees why in their Home (and the refusal is audited).
    services.operations.admitTeam({ ...asking, action: 'home' });
    void services.work.run(() => services.surfaces.homes.opened(asking));
  };
}
