import type { KeyRef } from '../keys.js';
import type { Change } from '../operations/change.js';
import type { Refusal } from '../operations/refusal.js';
import type { QStashErrorKind } from '../qstash/errors.js';
import type { FlowKeyState } from '../qstash/types.js';
import type { KeyPattern } from './key-pattern.js';

/** What the preview expects for one key, as the pipeline would decide it now. */
export type BulkVerdict =
  | { readonly kind: 'allowed' }
  | { readonly kind: 'needs_approval'; readonly rule: string }
  | { readonly kind: 'refused'; readonly refusal: Refusal };

export interface PreviewKey {
  readonly target: KeyRef;
  readonly state: FlowKeyState;
  readonly verdict: BulkVerdict;
}

/** A bulk request shown to the person and waiting for their Confirm: the keys are fixed by the preview. */
export interface BulkProposal {
  readonly id: string;
  readonly actorId: string;
  /** Their team when it is not Flowbot's: the batch's keys run for the same person. */
  readonly foreignTeam?: string;
  readonly channelId: string | undefined;
  readonly change: Change;
  readonly pattern: KeyPattern;
  /** The keys the person may see that matched, in the preview's order. */
  readonly targets: readonly KeyRef[];
  /** How many units of the person's rate limit the batch takes when confirmed. */
  readonly units: number;
  readonly createdAt: number;
}

/** How one key of a batch ended (or that it has not yet). */
export type BulkKeyResult =
  | { readonly kind: 'pending' }
  | {
      readonly kind: 'done';
      readonly approvedBy?: string;
      /** The key right after the change, when QStash said. */
      readonly paused?: boolean;
      readonly waitlist?: number;
      /** A ramp's progress message. */
      readonly ramp?: { readonly channel: string; readonly ts: string };
    }
  | { readonly kind: 'failed'; readonly error: QStashErrorKind }
  | { readonly kind: 'refused'; readonly refusal: Refusal }
  /** Waits for a second person: one card for the batch covers these keys. */
  | {
      readonly kind: 'awaiting_approval';
      readonly approvalId: string;
      readonly rule: string;
      /** When the approval request expires (ms since the epoch). */
      readonly expiresAt: number;
    }
  | { readonly kind: 'rejected'; readonly by: string }
  /** Nobody approved it in time. */
  | { readonly kind: 'expired' };

export type BulkKeyStatus = BulkKeyResult['kind'];

export interface BulkKey {
  readonly target: KeyRef;
  readonly result: BulkKeyResult;
}

/** Where the batch's approval card is and how it was decided. */
export interface BulkApprovalCard {
  readonly message?: { readonly channel: string; readonly ts: string };
  readonly decision?: { readonly kind: 'approved' | 'rejected'; readonly by: string };
}

/**
 * A confirmed bulk request in progress, kept in the store: each key's result as it completes, so a restart
 * or another replica finishes the batch rather than repeating or dropping keys.
 */
export interface BulkBatch {
  readonly id: string;
  /** The confirmation's request id: every key's audit event carries it. */
  readonly requestId: string;
  readonly actorId: string;
  /** Their team when it is not Flowbot's: the batch's keys run for the same person. */
  readonly foreignTeam?: string;
  readonly channelId: string | undefined;
  readonly change: Change;
  readonly pattern: KeyPattern;
  readonly keys: readonly BulkKey[];
  readonly createdAt: number;
  readonly finishedAt?: number;
  /** The summary message in the channel, once posted. */
  readonly message?: { readonly channel: string; readonly ts: string };
  readonly approval?: BulkApprovalCard;
}

/** Totals of a batch by status. */
export function bulkTotals(batch: Pick<BulkBatch, 'keys'>): Record<BulkKeyStatus, number> {
  const totals: Record<BulkKeyStatus, number> = {
    pending: 0,
    done: 0,
    failed: 0,
    refused: 0,
    awaiting_approval: 0,
    rejected: 0,
    expired: 0,
  };
  for (const key of batch.keys) totals[key.result.kind] += 1;
  return totals;
}
