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

/**
 * Where a key's open incident is shown in one channel: `channel:ts` of its own message, or
 * `rollup|channel:ts` of the channel's roll-up message it is a row of.
 */
export type IncidentPlace = string;

/** A place in a roll-up starts with this, then `channel:ts`. */
export const IN_ROLLUP = 'rollup|';

/**
 * The channel of a place (`IncidentPlace`). Slack channel IDs hold no `:`, so the first one ends it.
 */
export function placeChannel(place: IncidentPlace): string {
  const where = place.startsWith(IN_ROLLUP) ? place.slice(IN_ROLLUP.length) : place;
  const end = where.indexOf(':');
  return end < 0 ? where : where.slice(0, end);
}

/**
 * A key's open incidents, one place per channel, as the store holds them. Earlier versions kept one place per
 * key (a string); it reads as that one channel's incident, so incidents opened before an upgrade still update
 * and resolve. Anything else (a damaged record) reads as none. Pure.
 */
export function openPlaces(stored: unknown): readonly IncidentPlace[] {
  if (typeof stored === 'string') return stored ? [stored] : [];
  if (!Array.isArray(stored)) return [];
  const seen = new Set<string>();
  const places: IncidentPlace[] = [];
  for (const place of stored) {
    if (typeof place !== 'string' || !place) continue;
    const channel = placeChannel(place);
    if (seen.has(channel)) continue;
    seen.add(channel);
    places.push(place);
  }
  return places;
}

/** The key's place in `channel`, if it has an open incident there. Pure. */
export function placeIn(places: readonly IncidentPlace[], channel: string): IncidentPlace | undefined {
  return places.find((place) => placeChannel(place) === channel);
}

/**
 * The key's places with `channel`'s set to `place` (added, or replacing that channel's), or removed when
 * `place` is undefined; the other channels' stay as they were, in order. Pure.
 */
export function withPlace(
  places: readonly IncidentPlace[],
  channel: string,
  place: IncidentPlace | undefined,
): IncidentPlace[] {
  const others = places.filter((existing) => placeChannel(existing) !== channel);
  return place === undefined ? others : [...others, place];
}
