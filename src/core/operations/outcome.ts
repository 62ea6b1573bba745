import type { KeyRef } from '../keys.js';
import type { QStashError } from '../qstash/errors.js';
import type { FlowKeyState } from '../qstash/types.js';
import type { Ramp } from '../ramp/ramp-record.js';
import type { ApprovalRequest } from './approvals.js';
import type { ChangeAction, Source } from './change.js';
import type { Refusal } from './refusal.js';

/** How a change request ended: every request ends in exactly one of these. */
export type Outcome =
  | {
      readonly kind: 'done';
      readonly action: ChangeAction;
      readonly target: KeyRef;
      /** On whose behalf it ran. */
      readonly actorId: string;
      readonly source: Source;
      readonly requestId: string;
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
      /** A ramp that started: its record (with its progress message, once posted). */
      readonly ramp?: Ramp;
      /**
       * The others whose same change to the key, asked at the same time in the same channel, this request's
       * QStash call carried out too (in the order they asked); absent when nobody joined.
       */
      readonly sharedWith?: readonly string[];
      /** Carried out by the QStash call of this person's request, whose message tells the channel. */
      readonly joined?: string;
    }
  | {
      readonly kind: 'refused';
      readonly action: ChangeAction;
      readonly target: KeyRef;
      readonly refusal: Refusal;
    }
  | {
      readonly kind: 'needs_approval';
      readonly action: ChangeAction;
      readonly target: KeyRef;
      readonly actorId: string;
      /** Stored and waiting for a second person; the adapter posts its card. */
      readonly approval: ApprovalRequest;
    }
  | {
      readonly kind: 'duplicate';
      readonly action: ChangeAction;
      readonly target: KeyRef;
      /** Who is already acting on it. */
      readonly holderId: string;
    }
  | {
      readonly kind: 'failed';
      readonly action: ChangeAction;
      readonly target: KeyRef;
      readonly error: QStashError;
    };

export type DoneOutcome = Extract<Outcome, { kind: 'done' }>;

/** The result of a read: no change, so no duplicate; refusals and failures as for changes. */
export type ReadOutcome<T> =
  | { readonly kind: 'ok'; readonly value: T }
  | { readonly kind: 'refused'; readonly refusal: Refusal }
  | { readonly kind: 'failed'; readonly error: QStashError };

export interface EnvironmentKeys {
  readonly environment: string;
  /** Absent when this environment could not be read. */
  readonly keys: readonly FlowKeyState[] | undefined;
  readonly error: QStashError | undefined;
}
