import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, type CustomRoute, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { boltLogger } from './bolt-logger.js';
import { sendJson } from './routes.js';

/** Whether Flowbot can hear Slack right now: the HTTP receiver listening, or the Socket Mode connection up. */
export interface SlackConnection {
  readonly up: boolean;
}

export interface BoltApp {
  readonly app: App;
  readonly connection: SlackConnection;
  markListening(listening: boolean): void;
  /**
   * Socket Mode only: serves the health, metrics and alert routes on `port` (Slack needs no HTTP there) and
   * resolves to the port actually used. In HTTP mode the Bolt receiver serves them beside /slack/events.
   */
  startRoutes(port: number): Promise<number | undefined>;
  stopRoutes(): Promise<void>;
}

/**
 * The Bolt app in the mode the config asks for: Socket Mode when an app token is set (no public URL), HTTP
 * otherwise (`POST /slack/events`). Bolt verifies signatures and timestamps itself.
 */
export function createBoltApp(config: Config, logger: Logger, routes: CustomRoute[]): BoltApp {
  const clientOptions = {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    // Bolt's default keeps retrying for about half an hour; a reply that late helps nobody in an incident.
    retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000, randomize: true },
  };
  const common = {
    token: config.slack.botToken,
    logger: boltLogger(logger),
    clientOptions,
    // auth.test runs in init(), so a bad token is a clean startup error instead of a crash at construction.
    deferInitialization: true,
  };
  let listening = false;
  if (config.slack.appToken) {
    const receiver = new SocketModeReceiver({
      appToken: config.slack.appToken,
      logger: boltLogger(logger),
      // The WebSocket client asks the same Web API base URL for its connection.
      installerOptions: {
        clientOptions: config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {},
      },
      autoReconnectEnabled: true,
    });
    let connected = false;
    receiver.client.on('connected', () => {
      connected = true;
      logger.info('Socket Mode connection is up');
    });
    receiver.client.on('disconnected', () => {
      if (connected) logger.warn('Socket Mode connection lost; reconnecting');
      connected = false;
    });
    receiver.client.on('reconnecting', () => {
      connected = false;
    });
    const app = new App({ ...common, receiver });
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const route = routes.find(
        (candidate) => candidate.path === path && [candidate.method].flat().includes(req.method ?? 'GET'),
      );
      if (!route) {
        sendJson(res, 404, { error: 'not found' });
        return;
      }
      Promise.resolve(route.handler(Object.assign(req, { params: {} }), res)).catch((error: unknown) => {
        logger.error({ err: error, path }, 'route failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      });
    });
    return {
      app,
      connection: {
        get up() {
          return connected;
        },
      },
      markListening: () => {},
      startRoutes: (port) =>
        new Promise((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, () => resolve((server.address() as AddressInfo).port));
        }),
      stopRoutes: () => new Promise((resolve) => server.close(() => resolve())),
    };
  }
  const receiver = new HTTPReceiver({
    signingSecret: config.slack.signingSecret ?? '',
    endpoints: '/slack/events',
    customRoutes: routes,
    logger: boltLogger(logger),
    processBeforeResponse: false,
    port: config.port,
    // Slack shows a 500 as a failure with no explanation; a request that broke inside Flowbot is acknowledged,
    // logged, and (for a command) answered with words.
    processEventErrorHandler: async ({ error, response }) => {
      logger.error({ err: error }, 'a Slack request failed before it was acknowledged');
      if (response.headersSent) return false;
      sendJson(response, 200, {
        response_type: 'ephemeral',
        text: ':warning: Flowbot could not handle this request. It has been logged; nothing was changed.',
      });
      return true;
    },
    unhandledRequestHandler: ({ logger: boltLog, response }) => {
      boltLog.warn('a Slack request was not acknowledged in time by any listener');
      if (!response.headersSent) sendJson(response, 200, {});
    },
  });
  const app = new App({ ...common, receiver });
  return {
    app,
    connection: {
      get up() {
        return listening;
      },
    },
    markListening: (value) => {
      listening = value;
    },
    startRoutes: async () => undefined,
    stopRoutes: async () => {},
  };
}
