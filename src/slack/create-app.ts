import type { AddressInfo } from 'node:net';
import { App, type CustomRoute, SocketModeReceiver } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { boltLogger } from './bolt-logger.js';
import { type FrontDoorThread, frontDoorThreadSettings } from './front-door/front-door-launch.js';
import { type AppWork, FrontDoorReceiver } from './front-door/front-door-receiver.js';
import type { RefusedKind } from './front-door/protocol.js';
import { GuardedHTTPReceiver } from './guarded-http-receiver.js';
import type { Installation } from './installation.js';
import { receiverFallbacks } from './receiver-fallbacks.js';
import { createRouteServer } from './route-server.js';

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
export interface BoltAppOptions {
  /**
   * HTTP mode only: receive and acknowledge Slack's requests in a thread of their own (see FrontDoorReceiver);
   * `thread` is one the entry point already started with this config's settings.
   */
  readonly frontDoor?: {
    readonly thread?: FrontDoorThread;
    /** The app's work after acknowledgements, counted against `config.maxInFlight` with what is handed over. */
    readonly work: AppWork;
    /** A request refused past `config.maxInFlight`. */
    readonly onRefused?: (what: RefusedKind) => void;
  };
}

/** How Flowbot's Web API clients reach Slack: the base URL, and retries short enough to matter in an incident. */
export function slackClientOptions(config: Config) {
  return {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    // Bolt's default keeps retrying for about half an hour; a reply that late helps nobody in an incident.
    retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000, randomize: true },
  };
}

/**
 * `installation` is what Flowbot's own `auth.test` said at startup: Bolt is given the bot's IDs, so it does not
 * call `auth.test` a second time (it would keep only those IDs, not the workspace's).
 */
export function createBoltApp(
  config: Config,
  logger: Logger,
  routes: CustomRoute[],
  installation: Installation,
  options: BoltAppOptions = {},
): BoltApp {
  const clientOptions = slackClientOptions(config);
  const common = {
    token: config.slack.botToken,
    botId: installation.botId,
    botUserId: installation.botUserId,
    // The token was verified by that auth.test (a bad one is a startup error there); Bolt's init() would
    // otherwise call auth.test again for the IDs it was just given.
    tokenVerificationEnabled: false,
    logger: boltLogger(logger),
    clientOptions,
    deferInitialization: true,
    // Flowbot keeps no per-conversation state in Bolt; its store would be one more step on every request.
    convoStore: false as const,
  };
  let listening = false;
  if (!config.slack.appToken && options.frontDoor) {
    const receiver = new FrontDoorReceiver({
      ...frontDoorThreadSettings(config),
      routes,
      logger,
      ...(options.frontDoor.thread ? { thread: options.frontDoor.thread } : {}),
      work: options.frontDoor.work,
      ...(options.frontDoor.onRefused ? { onRefused: options.frontDoor.onRefused } : {}),
    });
    return {
      app: new App({ ...common, receiver }),
      connection: {
        get up() {
          return receiver.listening;
        },
      },
      markListening: () => {},
      startRoutes: async () => receiver.port,
      stopRoutes: async () => {},
    };
  }
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
    const server = createRouteServer(routes, logger);
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
      stopRoutes: () =>
        new Promise((resolve) => {
          // Requests in flight finish; idle keep-alive connections would otherwise hold the port open.
          server.close(() => resolve());
          server.closeIdleConnections();
        }),
    };
  }
  const receiver = new GuardedHTTPReceiver({
    signingSecret: config.slack.signingSecret ?? '',
    endpoints: '/slack/events',
    customRoutes: routes,
    logger: boltLogger(logger),
    processBeforeResponse: false,
    port: config.port,
    ...receiverFallbacks(logger),
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
