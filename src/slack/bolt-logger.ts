import { LogLevel, type Logger as SlackLogger } from '@slack/logger';
import type { Logger } from 'pino';

/** Bolt and its clients log through this, so their lines get the same JSON shape and secret scrubbing. */
export function boltLogger(logger: Logger): SlackLogger {
  let current = logger.child({ component: 'bolt' });
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...messages: unknown[]) => {
      // Bolt and its clients log whole API answers at debug; they are not even formatted unless wanted.
      if (!current.isLevelEnabled(level)) return;
      const errors = messages.filter((message) => message instanceof Error);
      const text = messages
        .filter((message) => !(message instanceof Error))
        .map((message) => (typeof message === 'string' ? message : safeJson(message)))
        .join(' ');
      if (errors.length > 0) current[level]({ err: errors[0] }, text || (errors[0] as Error).message);
      else current[level](text);
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    // LOG_LEVEL governs every component; Bolt's own default must not override it.
    setLevel: () => {},
    getLevel: () => {
      const level = current.level;
      if (level === 'debug' || level === 'trace') return LogLevel.DEBUG;
      if (level === 'warn') return LogLevel.WARN;
      if (level === 'error' || level === 'fatal' || level === 'silent') return LogLevel.ERROR;
      return LogLevel.INFO;
    },
    setName: (name: string) => {
      current = logger.child({ component: 'bolt', name });
    },
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
