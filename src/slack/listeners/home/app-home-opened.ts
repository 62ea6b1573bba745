import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { Services } from '../../services.js';

type Args = SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs;

/** The Home tab was opened: publish that person's control room (the Messages tab needs nothing). */
export function appHomeOpened(services: Services) {
  return async ({ event }: Args): Promise<void> => {
    if (event.tab !== 'home' || typeof event.user !== 'string') return;
    void services.work.run(() => services.surfaces.homes.opened(event.user));
  };
}
