import type { CallLimitSettings } from '../core/qstash/call-limit.js';
import type { QStashEnvironmentSettings } from '../core/qstash/environments.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Everything Flowbot needs to run, validated once at startup and passed in; nothing else reads the environment. */
export interface Config {
  readonly slack: {
    readonly botToken: string;
    /** Required in HTTP mode; Socket Mode requests are authenticated by the app token's connection. */
    readonly signingSecret: string | undefined;
    /** Set → Socket Mode. */
    readonly appToken: string | undefined;
    /** Base URL of Slack's Web API, ending in `/api/`. */
    readonly apiUrl: string | undefined;
  };
  readonly port: number;
  /**
   * Slack requests handed to the app and not yet finished (their work and reply included) past which the
   * front door answers new ones "overloaded" instead of handing them over (HTTP mode with the front door).
   */
  readonly maxInFlight: number;
  readonly qstash: {
    readonly environments: readonly QStashEnvironmentSettings[];
    /** Per environment: calls in flight at once, and calls allowed to wait before new work is refused. */
    readonly limit: CallLimitSettings;
  };
  readonly access: {
    /** Slack user IDs (U…/W…) and user-group IDs (S…). */
    readonly allowedSubjects: readonly string[];
    readonly groupCacheTtlMs: number;
    /** YAML policy with finer rules; reloaded on SIGHUP and when it changes. */
    readonly policyFile: string | undefined;
  };
  /** A key paused through Flowbot for this long gets a reminder in its channel; undefined → no reminders. */
  readonly pauseReminderMs: number | undefined;
  readonly alerts: {
    /** Bearer token for `POST /alerts` and `/alerts/alertmanager`; undefined → intake is off. */
    readonly token: string | undefined;
    readonly defaultChannel: string | undefined;
    /** Alertmanager label names. */
    readonly labels: { readonly key: string; readonly environment: string; readonly channel: string };
    /**
     * Channel IDs alert senders may post into; undefined → any channel the bot is in. DMs (`D…`) are refused
     * unless listed here.
     */
    readonly allowedChannels: readonly string[] | undefined;
    /** Keys one request may act on (post or update a message each); the rest are skipped and listed. */
    readonly maxKeysPerRequest: number;
    /** An open incident not seen for this long is closed as stale (its message says so). */
    readonly staleAfterMs: number;
    /** A closed incident's message stays updatable (late clicks, follow-ups) this long. */
    readonly keepResolvedMs: number;
    /**
     * Grouping: in one channel, the first `after` keys of an incident window get a living message each; the
     * next keys go into one roll-up message. The window lasts while new keys keep alerting: it ends `windowMs`
     * after the last new key.
     */
    readonly rollup: { readonly after: number; readonly windowMs: number };
  };
  /** The watcher: undefined → off. */
  readonly watch:
    | {
        readonly keys: readonly string[];
        readonly environments: readonly string[];
        readonly intervalMs: number;
        /** A waitlist this long raises an alert; 0 → only paused keys do. */
        readonly waitlistThreshold: number;
        /** Rounds in a row at the key's parallelism maximum that raise "saturated"; 0 → off. */
        readonly saturatedRounds: number;
        /** Rounds in a row, not paused, with messages waiting and none in flight, that raise "stuck"; 0 → off. */
        readonly stuckRounds: number;
        /** Rounds the waitlist's growth is measured over; 0 → off. */
        readonly growthRounds: number;
        /** Net growth over those rounds (messages) that raises "growing". */
        readonly growthMin: number;
        /** Percent of the account's global parallelism that counts as near its maximum; 0 → off. */
        readonly globalParallelismPercent: number;
        readonly channel: string;
      }
    | undefined;
  /** Changes one person may make per window; undefined → no limit. */
  readonly rateLimit: { readonly limit: number; readonly windowMs: number } | undefined;
  /** How fast bulk actions (patterns) go: keys in flight per batch, QStash requests per second per replica. */
  readonly bulk: { readonly concurrency: number; readonly qstashRequestsPerSecond: number };
  readonly dataDir: string;
  /** Set → state shared in Redis, so several replicas can run; unset → the embedded store in dataDir. */
  readonly redisUrl: string | undefined;
  readonly logLevel: LogLevel;
}
