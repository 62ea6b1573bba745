import type { AddressInfo } from 'node:net';
import type { App } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { AllowlistPolicy } from '../core/access/allowlist.js';
import { PinoAuditLog } from '../core/audit.js';
import { StoreOnceGuard } from '../core/once-guard.js';
import { Confirmations } from '../core/operations/confirmations.js';
import { FlowOperations } from '../core/operations/flow-operations.js';
import { QStashEnvironments } from '../core/qstash/environments.js';
import { MemoryStateStore } from '../core/store/memory-store.js';
import { WorkTracker } from '../core/work-tracker.js';
import { boltLogger } from '../slack/bolt-logger.js';
import type { ListenerContext } from '../slack/context.js';
import { createBoltApp } from '../slack/create-app.js';
import { SlackGroupDirectory } from '../slack/group-directory.js';
import { registerListeners } from '../slack/listeners/index.js';
import { healthRoute } from '../slack/routes.js';

export interface FlowbotOptions {
  readonly logger: Logger;
  /** Overrides for QStash call timing (tests make retries fast). */
  readonly qstash?: {
    attemptTimeoutMs?: number;
    totalTimeoutMs?: number;
    baseDelayMs?: number;
    maxAttempts?: number;
  };
}

export interface RunningFlowbot {
  readonly mode: 'http' | 'socket';
  /** The port HTTP is served on (Slack events in HTTP mode, health routes in both). */
  readonly port: number;
  readonly app: App;
  /** Stops taking requests, lets in-flight work finish (at most `graceMs`), then closes. */
  stop(graceMs?: number): Promise<void>;
}

/** The composition root: builds every part from the validated config and starts serving. */
export async function startFlowbot(config: Config, options: FlowbotOptions): Promise<RunningFlowbot> {
  const { logger } = options;
  const work = new WorkTracker((error) => logger.error({ err: error }, 'background work failed'));
  const environments = new QStashEnvironments(config.qstash.environments, options.qstash);
  const audit = new PinoAuditLog(logger);
  const store = new MemoryStateStore();

  let stopping = false;
  const app = createBoltApp(config, logger, [healthRoute(() => stopping)]);
  app.error(async (error) => {
    logger.error({ err: error }, 'unhandled error in a Slack listener');
  });

  const directory = new SlackGroupDirectory(lookupClient(config, logger), config.access.groupCacheTtlMs);
  const policy = new AllowlistPolicy(config.access.allowedSubjects, directory);
  const operations = new FlowOperations(environments, policy, audit, new StoreOnceGuard(store));
  const context: ListenerContext = {
    operations,
    confirmations: new Confirmations(store),
    environments,
    naming: { environmentCount: environments.count },
    audit,
    work,
    logger,
  };
  registerListeners(app, context);

  await app.init();
  const mode = config.slack.appToken ? 'socket' : 'http';
  const started = await app.start(config.port);
  const port = serverPort(started) ?? config.port;
  logger.info(
    { mode, port, environments: environments.names, allowlistSize: config.access.allowedSubjects.length },
    `Flowbot is running in ${mode === 'socket' ? 'Socket Mode' : 'HTTP mode'} on port ${port}`,
  );
  if (config.access.allowedSubjects.length === 0) {
    logger.warn(
      'FLOW_ALLOWED_USERS is empty: nobody may use Flowbot until someone is added (deny by default).',
    );
  }

  return {
    mode,
    port,
    app,
    async stop(graceMs = 10_000) {
      if (stopping) return;
      stopping = true;
      const finished = await work.drain(graceMs);
      if (!finished)
        logger.warn({ pending: work.size }, 'shutdown grace period ended with work still running');
      await app
        .stop()
        .catch((error: unknown) => logger.warn({ err: error }, 'error while stopping the Slack app'));
      logger.info('Flowbot stopped');
    },
  };
}

/**
 * Membership lookups decide whether someone may act right now, so they fail fast (one retry, no waiting out
 * rate limits) and the person is told, instead of waiting behind the reply client's longer retries.
 */
function lookupClient(config: Config, logger: Logger): WebClient {
  return new WebClient(config.slack.botToken, {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    logger: boltLogger(logger),
    retryConfig: { retries: 1, minTimeout: 200, maxTimeout: 500 },
    rejectRateLimitedCalls: true,
    timeout: 3_000,
  });
}

function serverPort(started: unknown): number | undefined {
  if (
    started &&
    typeof started === 'object' &&
    'address' in started &&
    typeof started.address === 'function'
  ) {
    const address = (started.address as () => AddressInfo | string | null)();
    if (address && typeof address === 'object') return address.port;
  }
  return undefined;
}
