import type { FlowAction } from '../access/types.js';
import type { KeyRef } from '../keys.js';
import type { Outcome } from '../operations/outcome.js';
import type { Refusal } from '../operations/refusal.js';
import type { QStashErrorFields } from '../qstash/errors.js';
import type { RampPlan } from './ramp-plan.js';

export type RampStatus = 'running' | 'held' | 'done' | 'aborted' | 'stopped' | 'failed';

export type RampControl = 'hold' | 'proceed' | 'finish' | 'abort';

/** Why part of a ramp did not happen: a refusal (its code and facts), or QStash's error (its named facts). */
export type RampFailure = { readonly refusal: Refusal } | { readonly error: QStashErrorFields };

/**
 * What happened to a ramp last, as data: who, when, and what went wrong. The progress message says it in
 * words; nothing here is wording.
 */
export type RampEvent =
  | { readonly kind: 'held'; readonly by: string; readonly at: number }
  | { readonly kind: 'continued'; readonly by: string; readonly at: number }
  /** Reached the key's configured limit (restored: its pinning put back as it was). */
  | { readonly kind: 'finished'; readonly at: number; readonly restored: boolean }
  | { readonly kind: 'finished_early'; readonly by: string; readonly at: number; readonly restored: boolean }
  | {
      readonly kind: 'aborted';
      readonly by: string;
      readonly at: number;
      /** Undefined when the key was paused again; else why it was not. */
      readonly pauseFailure: RampFailure | undefined;
      readonly restored: boolean;
    }
  /** Someone changed the key by hand: the ramp stops where it is. */
  | { readonly kind: 'stopped'; readonly by: string; readonly at: number; readonly action: FlowAction }
  /** A step QStash failed: retried with backoff, and after `MAX_STEP_FAILURES` the ramp is stuck. */
  | {
      readonly kind: 'step_failed';
      readonly at: number;
      readonly step: number;
      readonly failure: RampFailure;
      readonly stuck: boolean;
    }
  /** A step its starter may no longer take: the ramp stops where it is. */
  | { readonly kind: 'refused'; readonly at: number; readonly step: number; readonly refusal: Refusal }
  /** The starter's rate limit: the step (or the restore) waits until `until`. */
  | { readonly kind: 'deferred'; readonly at: number; readonly step: number; readonly until: number }
  | {
      readonly kind: 'not_started';
      readonly at: number;
      readonly stage: 'pin' | 'resume';
      readonly failure: RampFailure;
      readonly restored: boolean;
    };

export interface Ramp {
  readonly id: string;
  readonly target: KeyRef;
  /** On whose behalf every step and the restore run (and are authorized again). */
  readonly startedBy: string;
  /** The starter's team when it is not Flowbot's: the steps are authorized for the same person. */
  readonly starterTeam?: string;
  readonly channelId: string | undefined;
  readonly message?: { readonly channel: string; readonly ts: string };
  readonly plan: RampPlan;
  /** Index into plan.values of the limit now pinned. */
  readonly stepIndex: number;
  readonly status: RampStatus;
  readonly nextAt: number;
  readonly startedAt: number;
  /** Waitlist samples, oldest first, for the trend. */
  readonly history: readonly number[];
  /** A step being applied by some replica until `leaseUntil`; a crash leaves it to be checked, not repeated. */
  readonly inFlight?: { readonly step: number; readonly leaseUntil: number; readonly holder?: string };
  readonly failures: number;
  /** The request that started it (its steps' audit events carry the id) and who approved it, if anyone did. */
  readonly requestId?: string;
  readonly approvedBy?: string;
  /** What happened last. */
  readonly event?: RampEvent;
  /** Pinning still to put back, from this change on (the restore is waiting out the starter's rate limit). */
  readonly restore?: 'pin' | 'unpin';
  readonly endedBy?: string;
}

/** One ramp per key: its record's id. */
export function rampId(target: KeyRef): string {
  return `${target.environment}:${target.key}`;
}

/** A ramp id as buttons carry it (`<environment>:<key>`); anything else names no ramp. */
export function isRampId(value: string): boolean {
  return /^[a-z][a-z0-9_-]{0,31}:.+$/s.test(value);
}

/** Running, held or stuck: the ramp still works the key. */
export const ACTIVE: readonly RampStatus[] = ['running', 'held', 'failed'];

/** Still holding its key: running, held or stuck, or with pinning still to put back. */
export function isActive(ramp: Ramp): boolean {
  return ACTIVE.includes(ramp.status) || ramp.restore !== undefined;
}

/** The actions the restore takes: a pin back to the full limit, and an unpin if the key was not pinned. */
export function restoreActions(ramp: Ramp): FlowAction[] {
  const { prior, mode } = ramp.plan;
  const wasPinned = mode === 'rate' ? prior.pinnedRate : prior.pinnedParallelism;
  return wasPinned ? ['pin'] : ['pin', 'unpin'];
}

export function failureOf(outcome: Exclude<Outcome, { kind: 'done' }>): RampFailure {
  switch (outcome.kind) {
    case 'failed':
      return { error: outcome.error.fields() };
    case 'refused':
      return { refusal: outcome.refusal };
    case 'needs_approval':
      return { refusal: { code: 'approval_required', rule: outcome.approval.rule } };
    case 'duplicate':
      return { error: { kind: 'unavailable' } };
  }
}
