/**
 * Every default, as a person would write it in `.env`: the value used when the variable is unset, read by the
 * same parser as a value that is set. `.env.example` and the README list the same values.
 */
export const DEFAULTS = {
  PORT: '3000',
  QSTASH_URL: 'https://qstash.upstash.io',
  /** QStash's burst limit: 100 requests a second (https://upstash.com/pricing/qstash, the lowest plan). */
  QSTASH_MAX_CONCURRENT: '100',
  FLOW_MAX_QUEUED: '1000',
  /** Derived from the heap budget: see `inFlightBoundFor`. */
  FLOW_MAX_IN_FLIGHT: 'auto',
  FLOW_GROUP_CACHE_SECONDS: '300',
  FLOW_PAUSE_REMINDER: '1h',
  FLOW_RATE_LIMIT: '30/1m',
  FLOW_BULK_CONCURRENCY: '5',
  FLOW_BULK_QSTASH_RPS: '50',
  ALERTS_KEY_LABEL: 'flow_control_key',
  ALERTS_ENVIRONMENT_LABEL: 'flow_environment',
  ALERTS_CHANNEL_LABEL: 'slack_channel',
  ALERTS_MAX_KEYS_PER_REQUEST: '50',
  ALERTS_STALE_AFTER: '24h',
  ALERTS_KEEP_RESOLVED: '14d',
  ALERTS_ROLLUP_AFTER: '5',
  ALERTS_ROLLUP_WINDOW: '10m',
  FLOW_WATCH_INTERVAL: '60s',
  FLOW_WATCH_WAITLIST: '1000',
  FLOW_WATCH_SATURATED_ROUNDS: '3',
  FLOW_WATCH_STUCK_ROUNDS: '3',
  FLOW_WATCH_GROWTH_ROUNDS: '5',
  FLOW_WATCH_GROWTH_MIN: '100',
  FLOW_WATCH_GLOBAL_PARALLELISM: '90',
  FLOW_DATA_DIR: './data',
  LOG_LEVEL: 'info',
} as const;

export type Defaulted = keyof typeof DEFAULTS;
