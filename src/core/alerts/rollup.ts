import type { FlowAction } from '../access/types.js';
import type { KeyRef } from '../keys.js';
import type { Severity } from './alert-signal.js';

/** One key's line in a channel's roll-up message. */
export interface RollupRow {
  readonly id: string;
  readonly target: KeyRef;
  readonly status: 'open' | 'resolved';
  readonly title: string;
  readonly severity?: Severity;
  readonly count: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
  /** The key's state as last seen (when the alert arrived, or after a change through Flowbot). */
  readonly state?: { readonly paused: boolean; readonly waitlist: number };
  readonly lastAction?: { readonly actorId: string; readonly action: FlowAction; readonly at: number };
  readonly resolved?: { readonly at: number; readonly by: string; readonly stale?: boolean };
}

/**
 * One roll-up message: the keys that alerted into a channel during a storm, past the ones that got a message
 * of their own. `version` grows with every change; the message is redrawn (coalesced) until it shows it.
 */
export interface Rollup {
  readonly channel: string;
  readonly ts: string;
  readonly openedAt: number;
  readonly rows: readonly RollupRow[];
  readonly version: number;
}

/**
 * A channel's incident window: the keys that opened a message of their own in it, and its roll-up once there
 * is one. The window lasts while new keys keep alerting: it ends `windowMs` after the last new key.
 */
export interface ChannelWindow {
  readonly startedAt: number;
  readonly lastNewKeyAt: number;
  /** Incident ids that got a message of their own in this window. */
  readonly keys: readonly string[];
  readonly rollupTs?: string;
}

/** How a channel groups alerts (`ALERTS_ROLLUP_AFTER`, `ALERTS_ROLLUP_WINDOW`). */
export interface RollupSettings {
  /** Keys per window with a message of their own; the next ones go into the roll-up. */
  readonly after: number;
  /** The window ends this long (ms) after the last new key. */
  readonly windowMs: number;
}

/**
 * Where a new key's incident goes: its own message (and the window counts it), or the channel's roll-up.
 * `window` is the stored one, if any; a window past its end starts afresh. Pure.
 */
export function placeNewKey(
  window: ChannelWindow | undefined,
  id: string,
  now: number,
  settings: RollupSettings,
): { readonly place: 'own' | 'rollup'; readonly window: ChannelWindow } {
  const current =
    window && now - window.lastNewKeyAt < settings.windowMs
      ? window
      : { startedAt: now, lastNewKeyAt: now, keys: [] };
  if (current.keys.includes(id)) return { place: 'own', window: { ...current, lastNewKeyAt: now } };
  if (current.rollupTs === undefined && current.keys.length < settings.after)
    return { place: 'own', window: { ...current, lastNewKeyAt: now, keys: [...current.keys, id] } };
  return { place: 'rollup', window: { ...current, lastNewKeyAt: now } };
}
