import { getHeapStatistics } from 'node:v8';
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

/** The share of the heap budget Flowbot lets requests in flight hold, and what one is allowed (bytes). */
const BACKLOG_SHARE_OF_HEAP = 1 / 4;
/** What one request in flight is allowed to hold (bytes): the unit `FLOW_MAX_IN_FLIGHT` is reckoned in. */
export const BYTES_PER_REQUEST = 32 * 1024;
const MAX_IN_FLIGHT = 1_000_000;

/**
 * `FLOW_MAX_IN_FLIGHT=auto`: a quarter of the heap budget (`heapLimitBytes`, V8's limit, which
 * `--max-old-space-size` sets) at 32 KiB per request in flight. The benchmark measures about 28 kB of RSS per
 * change in flight (its payload, its change, its reply waiting to be sent; docs/performance.md), and the other
 * three quarters are the app's own. A 256 MiB old space gives 2048 (2144 with `npm start`'s 4 MB
 * semi-spaces). At least 50, so a tiny budget still serves.
 */
export function inFlightBoundFor(heapLimitBytes: number): number {
  const bound = Math.floor((heapLimitBytes * BACKLOG_SHARE_OF_HEAP) / BYTES_PER_REQUEST);
  return Math.min(MAX_IN_FLIGHT, Math.max(50, Number.isFinite(bound) ? bound : 50));
}

/**
 * `FLOW_MAX_IN_FLIGHT`: a whole number of requests, or `auto` (from this process's heap budget, see
 * `inFlightBoundFor`).
 */
export function readMaxInFlight(env: EnvReader): number {
  const raw = (env.read('FLOW_MAX_IN_FLIGHT') ?? DEFAULTS.FLOW_MAX_IN_FLIGHT).toLowerCase();
  if (raw === 'auto') return inFlightBoundFor(getHeapStatistics().heap_size_limit);
  return (
    env.checked(
      'FLOW_MAX_IN_FLIGHT',
      raw,
      wholeNumber(1, MAX_IN_FLIGHT),
      `auto, or a whole number of requests from 1 to ${MAX_IN_FLIGHT}`,
    ) ?? 1
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
