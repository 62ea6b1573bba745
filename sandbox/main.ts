import type { LogLevel } from '../src/config/config.js';
import { DEFAULT_QSTASH_URL } from '../src/config/load-config.js';
import { type RunningSandbox, startSandbox } from './sandbox.js';

/**
 * `npm run sandbox`: Flowbot in a page that behaves like a Slack channel, with no Slack or QStash account.
 * Only the process environment is read, never `.env`: a sandbox must not pick up production tokens by
 * accident, so using a real QStash project takes setting QSTASH_TOKEN on purpose.
 */
const LOG_LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

async function main(): Promise<void> {
  const portText = process.env.SANDBOX_PORT?.trim() || '3300';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65_535) {
    process.stderr.write('SANDBOX_PORT must be a port number from 0 to 65535.\n');
    process.exit(1);
  }
  const host = process.env.SANDBOX_HOST?.trim() || '127.0.0.1';
  const token = process.env.QSTASH_TOKEN?.trim();
  const qstashUrl = process.env.QSTASH_URL?.trim() || DEFAULT_QSTASH_URL;
  const level = process.env.LOG_LEVEL?.trim().toLowerCase() ?? 'warn';

  let sandbox: RunningSandbox;
  try {
    sandbox = await startSandbox({
      port,
      host,
      logLevel: (LOG_LEVELS.includes(level) ? level : 'warn') as LogLevel,
      ...(token ? { realQStash: { url: qstashUrl, token } } : {}),
    });
  } catch (error) {
    const inUse = (error as { code?: unknown }).code === 'EADDRINUSE';
    process.stderr.write(
      inUse
        ? `Port ${port} is in use; start with another one, e.g. SANDBOX_PORT=3301 npm run sandbox\n`
        : `The sandbox could not start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  }

  const lines = [
    '',
    `  Flowbot sandbox: ${sandbox.url}`,
    '',
    sandbox.mode === 'qstash'
      ? `  QStash:  YOUR REAL PROJECT at ${qstashUrl} (QSTASH_TOKEN is set): pausing and resuming here is real`
      : '  QStash:  a local emulator with sample keys (orders-eu is paused, 12,340 messages waiting; try /flow resume webhooks-*)',
    '  Slack:   a local stand-in; the page is the #incidents channel, as maria, priya or sam',
    `  Flowbot: the real app in HTTP mode, on port ${sandbox.bot.port}`,
    '',
    '  Try /flow list, /flow status orders-eu, /flow-resume orders-eu. Ctrl+C stops.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(1);
    stopping = true;
    void sandbox.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
