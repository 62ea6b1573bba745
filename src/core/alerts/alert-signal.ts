import type { KeyRef } from '../keys.js';

export type Severity = 'critical' | 'warning' | 'info';

export interface AlertLink {
  readonly text: string;
  readonly url: string;
}

/** What the watcher saw, as data: the adapter puts it in words (other senders write their own title and text). */
export interface WatchedCondition {
  readonly kind: 'paused' | 'backlogged';
  readonly waitlist: number;
  /** The waitlist that raises a backlog alert (`FLOW_WATCH_WAITLIST`). */
  readonly threshold: number;
}

/** One report that something is wrong (or right again) with a key, whoever sent it. */
export interface AlertSignal {
  readonly target: KeyRef;
  readonly channel: string;
  readonly status: 'firing' | 'resolved';
  readonly title?: string;
  readonly text?: string;
  readonly severity?: Severity;
  readonly links?: readonly AlertLink[];
  /** Set by the watcher, which writes no words of its own. */
  readonly watched?: WatchedCondition;
  /** Who sent it: 'api', 'alertmanager', 'watcher'. */
  readonly source: string;
}
