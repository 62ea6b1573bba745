import type { KeyRef } from '../keys.js';
import type { DrainEstimate } from '../qstash/drain.js';
import type { Growth, WatchKind } from './watch-conditions.js';

export type Severity = 'critical' | 'warning' | 'info';

export interface AlertLink {
  readonly text: string;
  readonly url: string;
}

/** What the watcher saw, as data: the adapter puts it in words (other senders write their own title and text). */
export interface WatchedCondition {
  /** The most pressing active condition (`WATCH_KINDS` order): it names the alert. */
  readonly kind: WatchKind;
  /** Every active condition, `kind` first (absent: only `kind`). */
  readonly conditions?: readonly WatchKind[];
  readonly waitlist: number;
  /** The waitlist that raises a backlog alert (`FLOW_WATCH_WAITLIST`). */
  readonly threshold: number;
  /** The key's parallelism when it was seen. */
  readonly parallelism?: { readonly count: number; readonly max: number | undefined };
  /** Rounds in a row at the maximum (`saturated`) or idle with messages waiting (`stuck`). */
  readonly rounds?: { readonly saturated: number; readonly stuck: number };
  /** How the waitlist moved over the watcher's window. */
  readonly growth?: Growth;
  /** The account's global parallelism (`global_saturated`) and the percentage that raised it. */
  readonly global?: { readonly count: number; readonly max: number; readonly percent: number };
  /** The drain estimate with the pace the watcher saw. */
  readonly drain?: DrainEstimate;
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
