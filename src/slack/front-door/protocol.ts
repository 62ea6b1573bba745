import type { LogLevel } from '../../config/config.js';
import type { EnvironmentNames } from '../../core/commands/flow-command.js';

/**
 * What the front door thread is started with (structured-cloned into it): all it needs to load and to
 * acknowledge. Where it listens comes later, in the `open` message, so the thread can be started before the
 * app has loaded (see front-door-launch.ts).
 */
export interface FrontDoorThreadSettings {
  readonly signingSecret: string;
  readonly environments: EnvironmentNames;
  /** Lines below this level are not even sent to the app. */
  readonly logLevel: LogLevel;
  /**
   * How long the front door waits for the app's answer to a request whose acknowledgement needs the app's state
   * (a key picker's options) before answering without it (ms).
   */
  readonly answerTimeoutMs?: number;
  /**
   * Requests handed over and not yet finished by the app (their work and replies included) past which new
   * ones are answered "overloaded" and not handed over (`FLOW_MAX_IN_FLIGHT`).
   */
  readonly maxInFlight: number;
}

/** What a request refused past the bound was: how it was answered differs. */
export type RefusedKind = 'command' | 'click' | 'submission' | 'options' | 'event';

/** Where and what the front door serves, sent once the app is ready to take what it hands over. */
export interface FrontDoorOpening {
  readonly port: number;
  /** Flowbot's own routes (health, metrics, alert intake): served beside /slack/events, answered by the app. */
  readonly routes: readonly { readonly path: string; readonly methods: readonly string[] }[];
  /** The loopback port of the app's route server, where those routes are passed on to. */
  readonly routePort: number;
}

/** From the front door to the app. */
export type FrontDoorMessage =
  | { readonly kind: 'listening'; readonly port: number }
  | { readonly kind: 'failed'; readonly message: string; readonly code: string | undefined }
  /** One log line (JSON), written by the app's logger: one log, with the app's redaction and secret scrubbing. */
  | { readonly kind: 'log'; readonly line: string }
  | {
      readonly kind: 'request';
      /** The payload as Bolt parsed it, signature already checked and acknowledged. */
      readonly body: Record<string, unknown>;
      readonly retryNum: number | undefined;
      readonly retryReason: string | undefined;
      /**
       * Set when the front door has not acknowledged yet and waits for the app's acknowledgement body (an
       * options list): the app answers with this id.
       */
      readonly answerId?: number;
    }
  /**
   * A request not handed over because the app had as much in flight as it may (answered "overloaded", or an
   * event dropped): for the metrics.
   */
  | {
      readonly kind: 'refused';
      readonly what: RefusedKind;
      /** A click's: where to tell the person, and when to try again (ms). */
      readonly responseUrl?: string;
      readonly retryAfterMs?: number;
    };

/** From the app to the front door. */
export type AppMessage =
  /** Start listening (once). */
  | ({ readonly kind: 'open' } & FrontDoorOpening)
  | { readonly kind: 'close' }
  /** The acknowledgement body for a request handed over with `answerId` (undefined: an empty one). */
  | { readonly kind: 'answer'; readonly id: number; readonly response: unknown }
  /** How far the app is with what it was handed (see Backlog): sent whenever it changes, at most once a turn. */
  | {
      readonly kind: 'load';
      readonly finished: number;
      readonly working: number;
      readonly completed: number;
    };
