import type { FlowAction } from '../access/types.js';
import type { KeyRef } from '../keys.js';
import type { QStashError } from '../qstash/errors.js';
import type { FlowKeyState, PinSettings, UnpinSettings } from '../qstash/types.js';
import type { RampRequest } from '../ramp/ramp-plan.js';

export interface OperationRequest {
  readonly actorId: string;
  readonly target: KeyRef;
  readonly channelId: string | undefined;
  /** Where the request came from, for the audit trail: 'command', 'button', … */
  readonly source: string;
  readonly reason?: string;
  /**
   * Set for requests that may arrive more than once (button clicks): the first to claim it acts, the others
   * end as a duplicate outcome. Claimed only after authorization, so a refused click never blocks an allowed one.
   */
  readonly onceId?: string;
  /** Who approved this change, when a second person's approval was required and given. */
  readonly approvedBy?: string;
  /** For a timed pause: resume automatically after this long. */
  readonly resumeAfterMs?: number;
  /**
   * Flowbot acting on its own (a timed resume): authorized when it was scheduled, by the person who set it
   * up, so it is not authorized again. Only internal code sets this; nothing from Slack can.
   */
  readonly scheduled?: boolean;
}

export type Outcome =
  | {
      readonly kind: 'done';
      readonly action: FlowAction;
      readonly target: KeyRef;
      readonly actorId: string;
      /** The key as it was just before the change, when QStash could tell. */
      readonly before: FlowKeyState | undefined;
      /** The key right after the change, when QStash could tell. */
      readonly after: FlowKeyState | undefined;
      readonly at: Date;
      /** Why, in the actor's words (pause reasons). */
      readonly reason?: string;
      readonly approvedBy?: string;
      /** A timed pause ends then. */
      readonly resumeAt?: Date;
    }
  | {
      readonly kind: 'refused';
      readonly action: FlowAction;
      readonly target: KeyRef;
      readonly explanation: string;
    }
  | {
      readonly kind: 'needs_approval';
      readonly action: FlowAction;
      readonly target: KeyRef;
      readonly actorId: string;
      readonly rule: string;
      readonly expiresMs: number;
    }
  | {
      readonly kind: 'duplicate';
      readonly action: FlowAction;
      readonly target: KeyRef;
      /** Who is already acting on it. */
      readonly holderId: string;
    }
  | {
      readonly kind: 'failed';
      readonly action: FlowAction;
      readonly target: KeyRef;
      readonly error: QStashError;
    };

/** A change that can be asked for now and carried out later (after a confirmation or an approval). */
export type PendingChange =
  | { readonly action: 'pause'; readonly target: KeyRef; readonly reason?: string; readonly forMs?: number }
  | { readonly action: 'resume'; readonly target: KeyRef }
  | { readonly action: 'reset-rate'; readonly target: KeyRef }
  | { readonly action: 'pin'; readonly target: KeyRef; readonly settings: PinSettings }
  | { readonly action: 'unpin'; readonly target: KeyRef; readonly settings: UnpinSettings }
  | { readonly action: 'ramp'; readonly target: KeyRef; readonly request: RampRequest };

/** The result of a read: no change, so no duplicate; refusals and failures as for changes. */
export type ReadOutcome<T> =
  | { readonly kind: 'ok'; readonly value: T }
  | { readonly kind: 'refused'; readonly explanation: string }
  | { readonly kind: 'failed'; readonly error: QStashError };

export interface EnvironmentKeys {
  readonly environment: string;
  /** Absent when this environment could not be read. */
  readonly keys: readonly FlowKeyState[] | undefined;
  readonly error: QStashError | undefined;
}
