import type { AccessRefusal } from '../access/types.js';
import type { RampPlanProblem } from '../ramp/ramp-plan.js';

/**
 * Why a request was not carried out although nothing went wrong: codes and the facts that explain them. The
 * adapter puts them in words; nothing here is shown as it is.
 */
export type Refusal =
  | AccessRefusal
  /**
   * The person made `used` changes within `windowMs` and `wanted` more would pass `limit` (a request whose
   * `wanted` alone passes `limit` never fits); the same request would fit in `retryAfterMs`.
   */
  | {
      readonly code: 'rate_limited';
      readonly limit: number;
      readonly windowMs: number;
      readonly retryAfterMs: number;
      readonly used: number;
      readonly wanted: number;
    }
  /**
   * Flowbot has as much QStash work waiting for this environment as it lets wait: nothing was done; trying
   * again in `retryAfterMs` should find room.
   */
  | { readonly code: 'overloaded'; readonly retryAfterMs: number }
  /** A second person must approve, and the approval card can only be posted in a channel. */
  | { readonly code: 'approval_needs_channel' }
  /**
   * A second person must approve, and Slack refused the approval card in the channel: nobody could approve it,
   * so the request was dropped.
   */
  | {
      readonly code: 'approval_unposted';
      /** Slack's error code for the refused card (`not_in_channel`, `is_archived`…), when it said one. */
      readonly error?: string;
    }
  /**
   * Needs a second person's approval, which this request can't ask for: scheduled work (nobody is there to
   * ask) and ramp controls (use the command, which asks).
   */
  | { readonly code: 'approval_required'; readonly rule: string }
  | { readonly code: 'ramp_in_progress'; readonly startedBy: string }
  | { readonly code: 'ramp_unplannable'; readonly problem: RampPlanProblem }
  /** QStash did not say what the key's limits are, so no ramp can be planned. */
  | { readonly code: 'ramp_state_unknown' };
