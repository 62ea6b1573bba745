import type { FlowAction } from '../access/types.js';
import type { KeyRef } from '../keys.js';
import type { AlertLink, Severity } from './alert-signal.js';

/** What happened on an alert, for its message and its thread. */
export interface IncidentEvent {
  readonly at: number;
  readonly text: string;
}

/** One living alert message: every alert about the same key while it is open updates this. */
export interface Incident {
  readonly id: string;
  readonly target: KeyRef;
  readonly channel: string;
  readonly ts: string;
  readonly status: 'open' | 'resolved';
  readonly title: string;
  readonly text?: string;
  readonly severity?: Severity;
  readonly links?: readonly AlertLink[];
  readonly sources: readonly string[];
  readonly count: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly lastAction?: { readonly actorId: string; readonly action: FlowAction; readonly at: number };
  readonly resolved?: { readonly at: number; readonly by: string };
  /** Closed because nothing reported it for this long (`ALERTS_STALE_AFTER`), not because it recovered. */
  readonly stale?: { readonly afterMs: number };
}

export function incidentId(target: KeyRef): string {
  return `${target.environment}:${target.key}`;
}
