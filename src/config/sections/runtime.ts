import { z } from 'zod';
import type { Config, LogLevel } from '../config.js';
import { DEFAULTS } from '../defaults.js';
import type { EnvReader } from '../env-reader.js';
import { wholeNumber } from './checks.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The port for Slack's requests (HTTP mode), health, metrics and alert intake. */
export function readPort(env: EnvReader): number {
  return (
    env.checked(
      'PORT',
      env.read('PORT') ?? DEFAULTS.PORT,
      wholeNumber(0, 65535),
      'must be a port number from 0 to 65535',
    ) ?? 0
  );
}

/** Where Flowbot keeps state (a directory, or Redis for replicas) and how much it logs. */
export function readRuntime(env: EnvReader): Pick<Config, 'dataDir' | 'redisUrl' | 'logLevel'> {
  const redisUrl = env.read('REDIS_URL');
  if (redisUrl !== undefined && !isRedisUrl(redisUrl))
    env.invalid('REDIS_URL', 'use redis://[:password@]host:port or rediss://… for TLS (e.g. Upstash Redis)');
  const logLevel: LogLevel =
    env.checked(
      'LOG_LEVEL',
      (env.read('LOG_LEVEL') ?? DEFAULTS.LOG_LEVEL).toLowerCase(),
      z.enum(LOG_LEVELS),
      `one of ${LOG_LEVELS.join(', ')}`,
    ) ?? 'info';
  return { dataDir: env.read('FLOW_DATA_DIR') ?? DEFAULTS.FLOW_DATA_DIR, redisUrl, logLevel };
}

function isRedisUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
  } catch {
    return false;
  }
}
