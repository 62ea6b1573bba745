import 'dotenv/config';
import type { RunningFlowbot } from './app/flowbot.js';
import { StartupProblems } from './app/open-store.js';
import { formatConfigProblems, loadConfig } from './config/load-config.js';
import { createLogger, scrubSecrets, secretsOf } from './logger.js';
import { FrontDoorThread, frontDoorThreadSettings } from './slack/front-door/front-door-launch.js';
import type * as SlackErrors from './slack/slack-errors.js';

async function main(): Promise<void> {
  const loaded = loadConfig(process.env);
  if (loaded.kind === 'invalid') {
    process.stderr.write(`${formatConfigProblems(loaded.problems)}\n`);
    process.exit(1);
  }
  const { config } = loaded;
  const logger = createLogger({ level: config.logLevel, secrets: secretsOf(config) });

  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  process.on('uncaughtException', (error) => logger.error({ err: error }, 'uncaught exception'));

  // Signals are handled from the start: one that arrives while starting up stops Flowbot once it is up.
  let flowbot: RunningFlowbot | undefined;
  let stopRequested: string | undefined;
  const shutdown = (signal: string) => {
    if (stopRequested) {
      // A second signal means "now": the operator has decided not to wait for in-flight work, nor for a
      // startup that may never finish (a Socket Mode connection Slack keeps refusing).
      logger.warn({ signal }, 'second signal: exiting without waiting');
      logger.flush();
      process.exit(1);
    }
    stopRequested = signal;
    if (!flowbot) {
      logger.info(
        { signal },
        'still starting: Flowbot stops once it is up; send the signal again to exit now',
      );
      return;
    }
    logger.info({ signal }, 'shutting down: finishing in-flight work');
    void flowbot.stop().finally(() => {
      logger.flush();
      process.exit(0);
    });
  };
  // The conventional "re-read your configuration" signal: the policy file is reloaded (a bad one is ignored).
  process.on('SIGHUP', () => flowbot?.reloadPolicy());
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  // HTTP mode: the front door thread starts loading now, beside the app thread loading the rest of Flowbot
  // (imported below, not above, for that reason), and is taken over once the app is ready for it.
  const frontDoorThread = config.slack.appToken
    ? undefined
    : new FrontDoorThread(frontDoorThreadSettings(config));
  try {
    const { startFlowbot } = await import('./app/flowbot.js');
    flowbot = await startFlowbot(config, {
      logger,
      frontDoor: true,
      ...(frontDoorThread ? { frontDoorThread } : {}),
    });
  } catch (error) {
    if (error instanceof StartupProblems) {
      process.stderr.write(`${formatConfigProblems(error.problems)}\n`);
      process.exit(1);
    }
    const slackErrors = await import('./slack/slack-errors.js');
    const problem = startupProblem(error, slackErrors);
    // A failure Flowbot recognises is logged with its reason and the chain of causes, without the stacks (the
    // Web API client's, fetch's, the socket's: about 3 kB that say nothing more); anything else whole.
    logger.fatal(
      problem.known ? { reason: problem.text, causes: causeChain(error) } : { err: error },
      'Flowbot could not start',
    );
    logger.flush();
    // Written last, so that it is the last thing a person sees in the terminal (or `docker logs`).
    process.stderr.write(`Flowbot could not start: ${scrubSecrets(problem.text, secretsOf(config))}\n`);
    process.exit(1);
  }
  if (stopRequested) {
    logger.info({ signal: stopRequested }, 'shutting down: finishing in-flight work');
    void flowbot.stop().finally(() => {
      logger.flush();
      process.exit(0);
    });
  }
}

/** Why Flowbot could not start, in one line; `known` when it is a failure Flowbot recognises. */
function startupProblem(
  error: unknown,
  slackErrors: typeof SlackErrors,
): { readonly text: string; readonly known: boolean } {
  const slack = slackErrors.classifySlackError(error);
  if (slack.kind === 'platform' && slackErrors.isRejectedToken(slack)) {
    return {
      text: `Slack rejected SLACK_BOT_TOKEN (${slack.error}). Check the bot token on your app's OAuth & Permissions page.`,
      known: true,
    };
  }
  if (slack.kind === 'request') {
    return {
      text: 'could not reach Slack’s Web API (network error). Check the network, or SLACK_API_URL if you set it.',
      known: true,
    };
  }
  if ((error as { code?: unknown })?.code === 'EADDRINUSE')
    return { text: 'the port is already in use; set PORT to a free port.', known: true };
  return { text: error instanceof Error ? error.message : 'unknown error', known: false };
}

/**
 * An error's message and code and those of what caused it (`original` in @slack/web-api's errors, `cause`
 * elsewhere), outermost first: e.g. `A request error occurred: fetch failed`, `fetch failed`,
 * `connect ECONNREFUSED 127.0.0.1:443 (ECONNREFUSED)`. At most five levels.
 */
function causeChain(error: unknown): string[] {
  const chain: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const { message, code, original, cause } = current as Record<string, unknown>;
    const text = `${typeof message === 'string' ? message : ''}${typeof code === 'string' ? ` (${code})` : ''}`;
    if (text && chain.at(-1) !== text) chain.push(text);
    current = original ?? cause;
  }
  return chain;
}

void main();
