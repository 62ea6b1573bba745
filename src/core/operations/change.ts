import type { FlowAction } from '../access/types.js';
import type { KeyRef } from '../keys.js';
import type { PinSettings, UnpinSettings } from '../qstash/types.js';
import type { RampRequest } from '../ramp/ramp-plan.js';

/**
 * What started a request, for the audit trail and for the rules that depend on it (scheduled work never asks
 * for approval, and waits out the rate limit instead of being refused). Entry points that do not exist yet
 * have their names here already, so adding one never widens the union.
 */
export const SOURCES = [
  'command',
  'button',
  'confirm',
  'approval',
  'timer',
  'ramp',
  'bulk',
  'modal',
  'workflow',
  'home',
  'shortcut',
  'alert',
] as const;

export type Source = (typeof SOURCES)[number];

/** Flowbot acting later, on its own, for the person who set it up: nobody is there to answer. */
export function isScheduled(source: Source): boolean {
  return source === 'timer' || source === 'ramp';
}

/**
 * Whether a change from here can wait for a second person's approval: not scheduled work (nobody is there to
 * answer), and not a Workflow Builder step (its run can't wait for a card in a channel; it ends with the
 * refusal instead, and nothing is stored).
 */
export function canAskForApproval(source: Source): boolean {
  return !isScheduled(source) && source !== 'workflow';
}

/**
 * A change to one key. The five QStash changes, and `ramp`: a resume in steps (pin low, resume, raise the pin,
 * restore), which the ramp runner carries out as QStash changes of its own.
 */
export type Change =
  | {
      readonly action: 'pause';
      /** Why, in the person's words. */
      readonly reason?: string;
      /** A timed pause: Flowbot resumes the key after this long (ms), as the person who paused it. */
      readonly forMs?: number;
    }
  | { readonly action: 'resume' }
  | { readonly action: 'pin'; readonly settings: PinSettings }
  | { readonly action: 'unpin'; readonly settings: UnpinSettings }
  | { readonly action: 'reset-rate' }
  | { readonly action: 'ramp'; readonly request: RampRequest };

export type ChangeAction = Change['action'];

/** The changes that are one QStash call each. */
export type QStashChange = Exclude<Change, { action: 'ramp' }>;
export type QStashAction = QStashChange['action'];

export const QSTASH_ACTIONS: readonly QStashAction[] = ['pause', 'resume', 'pin', 'unpin', 'reset-rate'];

/** A change kept for later (a confirmation, an approval): the change and its key. */
export type PendingChange = Change & { readonly target: KeyRef };

/**
 * One request to change a key: the only way anything changes QStash. `actorId` is the person on whose behalf
 * it runs (the requester of an approved change, the starter of a ramp, the person who set a timer), who is
 * authorized for every action the change implies, now and again whenever part of it runs later.
 */
export interface ChangeRequest {
  /** Ties together the audit events of one request (and of the work it schedules) and the adapter's logs. */
  readonly requestId: string;
  readonly actorId: string;
  /** The person's own team or org when it is not Flowbot's (a Slack Connect guest): see `Actor`. */
  readonly foreignTeam?: string;
  readonly target: KeyRef;
  readonly channelId: string | undefined;
  readonly source: Source;
  readonly change: Change;
  /**
   * Set for requests that may arrive more than once (button clicks): the first to claim it acts, the others
   * end as a duplicate outcome. Claimed only after authorization, so a refused click never blocks an allowed one.
   */
  readonly onceId?: string;
  /**
   * Who approved it. Set only by core: the approval path, and scheduled work carrying out what was approved
   * (a timed pause's resume, a ramp's steps). Nothing from Slack can set it.
   */
  readonly approvedBy?: string;
}

/** A read: nothing changes, so nothing is claimed or rate-limited; still authorized and audited. */
export interface ReadRequest {
  readonly requestId: string;
  readonly actorId: string;
  /** The person's own team or org when it is not Flowbot's (a Slack Connect guest): see `Actor`. */
  readonly foreignTeam?: string;
  readonly channelId: string | undefined;
  readonly source: Source;
}

/** Every action a change implies, each authorized for the person on whose behalf it runs. */
export function impliedActions(change: Change): readonly FlowAction[] {
  switch (change.action) {
    case 'pause':
      // Flowbot resumes a timed pause for the person who set it: they must be allowed to resume too.
      return change.forMs ? ['pause', 'resume'] : ['pause'];
    case 'ramp':
      // A ramp is a resume, in steps made of pins and, at the end, an unpin.
      return ['ramp', 'resume', 'pin', 'unpin'];
    default:
      return [change.action];
  }
}

/**
 * Every action a request needs granted: what its change implies, and `bulk` too when it is one key of a
 * request by pattern (a policy may grant changes one key at a time, but not across a pattern).
 */
export function requiredActions(change: Change, source: Source): readonly FlowAction[] {
  const implied = impliedActions(change);
  return source === 'bulk' ? [...implied, 'bulk'] : implied;
}

/** Where a pending change is stored: the change and its key, nothing else. */
export function pendingChange(target: KeyRef, change: Change): PendingChange {
  return { ...change, target };
}

/** The change a pending change holds (its key aside). */
export function changeOf(pending: PendingChange): Change {
  const { target: _target, ...change } = pending;
  return change;
}
