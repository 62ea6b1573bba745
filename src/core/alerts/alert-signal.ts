import type { KeyRef } from '../keys.js';

export type Severity = 'critical' | 'warning' | 'info';

export interface AlertLink {
  readonly text: string;
  readonly url: string;
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
  /** Who sent it: 'api', 'alertmanager', 'watcher'. */
  readonly source: string;
}
