import { App, type CustomRoute } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { boltLogger } from './bolt-logger.js';

/**
 * The Bolt app in the mode the config asks for: Socket Mode when an app token is set (no public URL), HTTP
 * otherwise (`POST /slack/events`). Bolt verifies signatures and timestamps itself.
 */
export function createBoltApp(config: Config, logger: Logger, routes: CustomRoute[]): App {
  const clientOptions = {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    // Bolt's default keeps retrying for about half an hour; a reply that late helps nobody in an incident.
    retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000, randomize: true },
  };
  const common = {
    token: config.slack.botToken,
    logger: boltLogger(logger),
    clientOptions,
    customRoutes: routes,
    // auth.test runs in init(), so a bad token is a clean startup error instead of a crash at construction.
    deferInitialization: true,
  };
  if (config.slack.appToken) {
    return new App({
      ...common,
      socketMode: true,
      appToken: config.slack.appToken,
      ...(config.slack.signingSecret ? { signingSecret: config.slack.signingSecret } : {}),
      installerOptions: { port: config.port },
    });
  }
  return new App({
    ...common,
    signingSecret: config.slack.signingSecret ?? '',
    endpoints: '/slack/events',
    processBeforeResponse: false,
    port: config.port,
  });
}
