import type { FlowAction } from '../access/types.js';
import type { KeyRef } from '../keys.js';
import type { QStashError } from '../qstash/errors.js';
import type { FlowKeyState } from '../qstash/types.js';

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
    }
  | {
      readonly kind: 'refused';
      readonly action: FlowAction;
      readonly target: KeyRef;
      readonly explanation: string;
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
