import 'dotenv/config';
import { formatConfigProblems, loadConfig } from './config/load-config.js';
import { startFlowbot } from './app/flowbot.js';
import { createLogger, scrubSecrets, secretsOf } from './logger.js';

async function main(): Promise<void> {
  const loaded = loadConfig(process.env);
  if (!loaded.ok) {
    process.stderr.write(`${formatConfigProblems(loaded.problems)}\n`);
    process.exit(1);
  }
  const { config } = loaded;
  const logger = createLogger({ level: config.logLevel, secrets: secretsOf(config) });

  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  process.on('uncaughtException', (error) => logger.error({ err: error }, 'uncaught exception'));

  let flowbot: Awaited<ReturnType<typeof startFlowbot>>;
  try {
    flowbot = await startFlowbot(config, { logger });
  } catch (error) {
    logger.fatal({ err: error }, 'Flowbot could not start');
    process.stderr.write(`Flowbot could not start: ${scrubSecrets(startupProblem(error), secretsOf(config))}\n`);
    process.exit(1);
  }

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down: finishing in-flight work');
    void flowbot.stop().finally(() => {
      logger.flush();
      process.exit(0);
    });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

function startupProblem(error: unknown): string {
  const code = (error as { data?: { error?: unknown }; code?: unknown } | undefined)?.data?.error;
  if (code === 'invalid_auth' || code === 'not_authed' || code === 'account_inactive' || code === 'token_revoked') {
    return `Slack rejected SLACK_BOT_TOKEN (${code}). Check the bot token on your app's OAuth & Permissions page.`;
  }
  if ((error as { code?: unknown })?.code === 'EADDRINUSE') return 'the port is already in use; set PORT to a free port.';
  return error instanceof Error ? error.message : 'unknown error';
}

void main();
