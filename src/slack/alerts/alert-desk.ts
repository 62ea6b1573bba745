import type { Logger } from 'pino';
import type { FlowAction } from '../../core/access/types.js';
import type { AlertSignal } from '../../core/alerts/alert-signal.js';
import {
  IN_ROLLUP,
  type Incident,
  type IncidentPlace,
  incidentId,
  openPlaces,
  placeChannel,
  placeIn,
  withPlace,
} from '../../core/alerts/incident.js';
import {
  type ChannelWindow,
  placeNewKey,
  type Rollup,
  type RollupRow,
  type RollupSettings,
} from '../../core/alerts/rollup.js';
import type { KeyRef } from '../../core/keys.js';
import { withLock } from '../../core/locks.js';
import type { FlowOperations } from '../../core/operations/flow-operations.js';
import type { FlowKeyState } from '../../core/qstash/types.js';
import type { StateStore } from '../../core/store/state-store.js';
import { alertWords } from '../blocks/alert.js';
import {
  incidentActionNote,
  incidentResolvedNote,
  incidentStaleNote,
  livingAlertMessage,
} from '../blocks/living-alert.js';
import type { KeyNaming } from '../blocks/outcome.js';
import { rollupMessage } from '../blocks/rollup-alert.js';
import { explainSlackError } from '../blocks/slack-error.js';
import type { AlertSender } from './paced-sender.js';

/**
 * A key's open incidents, by incident id (`environment:key`): one place per channel (`IncidentPlace[]`;
 * earlier versions stored one place, a string, read as its channel's).
 */
const OPEN = 'alert-open';
const BY_MESSAGE = 'alert-message';
/** A channel's incident window (`ChannelWindow`), by channel. */
const WINDOW = 'alert-window';
/** Roll-up messages (`Rollup`), by `channel:ts`. */
const ROLLUP = 'alert-rollup';
/** The roll-up version its message shows, by `channel:ts`: behind → it is redrawn. */
const DRAWN = 'alert-rollup-drawn';
/**
 * A roll-up's message is redrawn at most this often (the latest state each time): ~20 a minute per message,
 * well under chat.update's Tier 3 (~50 a minute per workspace) even with two storms at once.
 */
export const ROLLUP_REDRAW_INTERVAL_MS = 3_000;
/** The stale sweep lists every open incident: at most this often, however short the stale period. */
const MAX_SWEEP_INTERVAL_MS = 60_000;

/** How long incidents live (`ALERTS_STALE_AFTER`, `ALERTS_KEEP_RESOLVED`). */
export interface IncidentBounds {
  /** An open incident not seen for this long is closed as stale. */
  readonly staleAfterMs: number;
  /** A closed incident's message stays updatable (late clicks) this long, then it is forgotten. */
  readonly keepResolvedMs: number;
}

export type DeskResult =
  | {
      readonly kind: 'delivered';
      readonly channel: string;
      readonly ts: string;
      readonly created: boolean;
      readonly count: number;
      readonly status: 'open' | 'resolved';
      /** Shown as a line of the channel's roll-up message (a storm), not a message of its own. */
      readonly rollup?: true;
    }
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'failed'; readonly error: string; readonly explanation: string };

/**
 * Keeps one living message per key incident and channel. Alerts for the same key (and environment) into the
 * same channel while it is open update that message instead of posting another; the same key alerting into
 * another channel (a second Alertmanager receiver, say) gets a message of its own there, updated and resolved
 * by the alerts sent to that channel, while a change to the key shows on every one of its open messages.
 * Concurrent deliveries are serialised by store locks (the channel's, then the key's: every write of a key's
 * open incidents holds the key's), so they can't race into two messages, on one replica or several. The
 * key→messages map lives in the store and survives restarts. Incidents are bounded in time, each channel's on
 * its own: an open one nobody reports for `staleAfterMs` is closed as stale (unless the watcher still sees its
 * condition and alerts into that channel), and a closed one is forgotten `keepResolvedMs` after it was last
 * drawn.
 */
export class AlertDesk {
  private lastSweep = 0;
  /** Roll-up redraws waiting for their turn, by `channel:ts`: one timer each, the latest state when it fires. */
  private readonly redraws = new Map<string, { timer: NodeJS.Timeout; done: Promise<void> }>();
  private readonly lastRedraw = new Map<string, number>();
  private stopped = false;

  constructor(
    private readonly store: StateStore,
    private readonly operations: FlowOperations,
    private readonly notifier: AlertSender,
    private readonly naming: KeyNaming,
    private readonly logger: Logger,
    private readonly bounds: IncidentBounds,
    /**
     * Whether the watcher still sees a condition on the incident's key and alerts into the channel (then it
     * resolves that incident itself).
     */
    private readonly watching: (id: string, channel: string) => Promise<boolean> = async () => false,
    private readonly now: () => number = Date.now,
    /** Grouping into roll-ups (`ALERTS_ROLLUP_AFTER`, `ALERTS_ROLLUP_WINDOW`); absent → never. */
    private readonly rollups: RollupSettings = { after: Number.POSITIVE_INFINITY, windowMs: 600_000 },
  ) {}

  /** Stops redrawing roll-ups (the next process redraws what is left: `redrawBehind`). */
  stop(): void {
    this.stopped = true;
    for (const { timer } of this.redraws.values()) clearTimeout(timer);
    this.redraws.clear();
  }

  /**
   * Closes open incidents not seen for `staleAfterMs` (each channel's by the alerts sent to it; a roll-up row
   * alike): the message says it was closed as stale and the thread notes it; the next alert for the key into
   * that channel opens a new message. Runs on the scheduler's replica; lists the open incidents at most every
   * minute (or a quarter of the stale period when that is shorter). Returns how many it closed.
   */
  async closeStale(): Promise<number> {
    const now = this.now();
    const interval = Math.min(MAX_SWEEP_INTERVAL_MS, this.bounds.staleAfterMs / 4);
    if (now - this.lastSweep < interval) return 0;
    this.lastSweep = now;
    let closed = 0;
    for (const { id, value } of await this.store.list<unknown>(OPEN)) {
      for (const place of openPlaces(value)) {
        const channel = placeChannel(place);
        if (place.startsWith(IN_ROLLUP)) {
          if (await this.watching(id, channel)) continue;
          const closedRow = await withLock(this.store, `alert-channel:${channel}`, () =>
            withLock(this.store, `alert:${id}`, async () =>
              placeIn(await this.places(id), channel) === place
                ? this.closeRow(id, place.slice(IN_ROLLUP.length), 'stale', true)
                : undefined,
            ),
          );
          if (closedRow) closed += 1;
          continue;
        }
        const incident = await this.store.get<Incident>(BY_MESSAGE, place);
        if (!incident) {
          // Its message record expired: nothing left to close.
          await withLock(this.store, `alert:${id}`, async () => {
            if (placeIn(await this.places(id), channel) === place) await this.dropPlace(id, channel);
          });
          continue;
        }
        if (now - incident.lastSeen < this.bounds.staleAfterMs || (await this.watching(id, channel)))
          continue;
        const result = await withLock(this.store, `alert:${id}`, async () => {
          const current = await this.store.get<Incident>(BY_MESSAGE, place);
          if (current?.status !== 'open' || this.now() - current.lastSeen < this.bounds.staleAfterMs)
            return undefined;
          return this.close(id, current, { at: this.now(), by: 'stale' }, true);
        });
        if (result?.kind === 'delivered') closed += 1;
      }
    }
    return closed;
  }

  /**
   * Takes one alert: opens, updates or resolves the key's incident in the alert's channel (the key's
   * incidents in other channels are theirs to update and resolve). A new key past the channel's first
   * `ALERTS_ROLLUP_AFTER` keys of its window joins the channel's roll-up message instead of posting one.
   * Serialised per channel, then per key, through store locks (across replicas).
   */
  receive(signal: AlertSignal): Promise<DeskResult> {
    const id = incidentId(signal.target);
    return withLock(this.store, `alert-channel:${signal.channel}`, () =>
      withLock(this.store, `alert:${id}`, () =>
        signal.status === 'resolved'
          ? this.resolve(id, signal.channel, signal.source)
          : this.fire(id, signal),
      ),
    );
  }

  /** Whether the message is one of Flowbot's alerts (a living alert or a roll-up). */
  async owns(channel: string, ts: string): Promise<boolean> {
    return (
      (await this.byMessage(channel, ts)) !== undefined ||
      (await this.store.get<Rollup>(ROLLUP, `${channel}:${ts}`)) !== undefined
    );
  }

  /** The roll-up shown in a message, if it is one. */
  async rollupAt(channel: string, ts: string): Promise<Rollup | undefined> {
    return this.store.get<Rollup>(ROLLUP, `${channel}:${ts}`);
  }

  /**
   * Redraws every roll-up whose message is behind its record (a process stopped before its coalesced
   * redraw ran, or Slack refused it). Run now and then on every replica; returns how many it scheduled.
   */
  async redrawBehind(): Promise<number> {
    let scheduled = 0;
    for (const { id: channel, value } of await this.store.list<ChannelWindow>(WINDOW)) {
      if (!value.rollupTs) continue;
      const where = `${channel}:${value.rollupTs}`;
      const rollup = await this.store.get<Rollup>(ROLLUP, where);
      const drawn = (await this.store.get<number>(DRAWN, where)) ?? 0;
      if (rollup && rollup.version > drawn) {
        void this.scheduleRedraw(rollup.channel, rollup.ts);
        scheduled += 1;
      }
    }
    return scheduled;
  }

  /** Waits for the roll-up redraws scheduled so far (tests, and a graceful stop). */
  async settled(): Promise<void> {
    while (this.redraws.size > 0) await Promise.all([...this.redraws.values()].map((r) => r.done));
  }

  /** Whether a key has an open incident in `channel` (the watcher asks for its own channel). */
  async isOpen(target: KeyRef, channel: string): Promise<boolean> {
    return placeIn(await this.places(incidentId(target)), channel) !== undefined;
  }

  /** The incident shown in a message, if it is one of Flowbot's living alerts. */
  async byMessage(channel: string, ts: string): Promise<Incident | undefined> {
    return this.store.get<Incident>(BY_MESSAGE, `${channel}:${ts}`);
  }

  /**
   * Any change to a key with open incidents shows on every one of them (its message, or its row of a
   * roll-up), in every channel, wherever the change was made. One that Slack refuses is logged; the others
   * are still updated.
   */
  async followChange(
    target: KeyRef,
    actorId: string,
    action: FlowAction,
    after: FlowKeyState | undefined,
  ): Promise<void> {
    const id = incidentId(target);
    for (const place of await this.places(id)) {
      try {
        if (place.startsWith(IN_ROLLUP)) {
          await this.recordRowAction(id, place.slice(IN_ROLLUP.length), actorId, action, after);
          continue;
        }
        const incident = await this.store.get<Incident>(BY_MESSAGE, place);
        if (incident && incident.status === 'open') await this.recordAction(incident, actorId, action, after);
      } catch (error) {
        this.logger.warn(
          { err: error, alert: id, channel: placeChannel(place) },
          'could not show a change on one of the key’s alerts',
        );
      }
    }
  }

  /** A change to a key shown in a roll-up: its row says who did what and the key's new state. */
  private async recordRowAction(
    id: string,
    where: string,
    actorId: string,
    action: FlowAction,
    after: FlowKeyState | undefined,
  ): Promise<void> {
    const channel = where.slice(0, where.indexOf(':'));
    await withLock(this.store, `alert-channel:${channel}`, async () => {
      const rollup = await this.store.get<Rollup>(ROLLUP, where);
      if (!rollup) return;
      const at = this.now();
      await this.saveRollup(
        rollup,
        rollup.rows.map((row) =>
          row.id === id
            ? {
                ...row,
                lastAction: { actorId, action, at },
                ...(after ? { state: { paused: after.paused, waitlist: after.waitlistSize } } : {}),
              }
            : row,
        ),
      );
    });
    await this.scheduleRedraw(channel, where.slice(channel.length + 1));
  }

  /** After someone acted from the alert: the message says who did what, and the thread keeps the history. */
  async recordAction(
    incident: Incident,
    actorId: string,
    action: FlowAction,
    after: FlowKeyState | undefined,
  ): Promise<void> {
    await withLock(this.store, `alert:${incident.id}`, async () => {
      const current = (await this.byMessage(incident.channel, incident.ts)) ?? incident;
      const updated: Incident = { ...current, lastAction: { actorId, action, at: this.now() } };
      await this.save(updated);
      await this.notifier.update(
        updated.channel,
        updated.ts,
        livingAlertMessage(updated, after, this.naming),
      );
      await this.notifier.post(updated.channel, incidentActionNote(actorId, action), updated.ts);
    });
  }

  private async fire(id: string, signal: AlertSignal): Promise<DeskResult> {
    const now = this.now();
    const state = await this.liveState(signal.target);
    const openTs = placeIn(await this.places(id), signal.channel);
    const words = alertWords(signal, signal.target, state, this.naming);
    if (openTs?.startsWith(IN_ROLLUP)) {
      const joined = await this.joinRollup(id, signal, words.title, state, openTs.slice(IN_ROLLUP.length));
      if (joined) return joined;
    }
    const existing =
      openTs && !openTs.startsWith(IN_ROLLUP)
        ? await this.store.get<Incident>(BY_MESSAGE, openTs)
        : undefined;
    if (existing && existing.status === 'open') {
      const updated: Incident = {
        ...existing,
        count: existing.count + 1,
        lastSeen: now,
        sources: existing.sources.includes(signal.source)
          ? existing.sources
          : [...existing.sources, signal.source],
        ...(signal.title || signal.watched ? { title: words.title } : {}),
        ...(words.text ? { text: words.text } : {}),
        ...(signal.severity ? { severity: signal.severity } : {}),
        ...(signal.links ? { links: signal.links } : {}),
      };
      const failed = await this.redraw(updated, state);
      if (failed) return failed;
      await this.keepOpen(id, updated);
      return delivered(updated, false);
    }
    const window = await this.store.get<ChannelWindow>(WINDOW, signal.channel);
    const placed = placeNewKey(window, id, now, this.rollups);
    if (placed.place === 'rollup') {
      const where = placed.window.rollupTs ? `${signal.channel}:${placed.window.rollupTs}` : undefined;
      return (
        (await this.joinRollup(id, signal, words.title, state, where, placed.window)) ??
        this.failed('channel_not_found')
      );
    }
    const draft: Incident = {
      id,
      target: signal.target,
      channel: signal.channel,
      ts: '',
      status: 'open',
      title: words.title,
      ...(words.text ? { text: words.text } : {}),
      ...(signal.severity ? { severity: signal.severity } : {}),
      ...(signal.links ? { links: signal.links } : {}),
      sources: [signal.source],
      count: 1,
      firstSeen: now,
      lastSeen: now,
    };
    const posted = await this.notifier.post(signal.channel, livingAlertMessage(draft, state, this.naming));
    if (posted.kind === 'failed') return this.failed(posted.error);
    const incident: Incident = { ...draft, channel: posted.channel, ts: posted.ts };
    await this.save(incident);
    await this.keepOpen(id, incident);
    if (Number.isFinite(this.rollups.after)) await this.saveWindow(signal.channel, placed.window);
    this.logger.info(
      { alert: id, channel: incident.channel, ts: incident.ts, source: signal.source },
      'alert posted',
    );
    return delivered(incident, true);
  }

  /** Resolves the key's incident in `channel`; its incidents in other channels stay open. */
  private async resolve(id: string, channel: string, by: string): Promise<DeskResult> {
    const openTs = placeIn(await this.places(id), channel);
    if (openTs?.startsWith(IN_ROLLUP)) {
      const closed = await this.closeRow(id, openTs.slice(IN_ROLLUP.length), by, false);
      return closed ?? { kind: 'ignored', reason: 'no open alert for this key in this channel' };
    }
    const existing = openTs ? await this.store.get<Incident>(BY_MESSAGE, openTs) : undefined;
    if (!existing) return { kind: 'ignored', reason: 'no open alert for this key in this channel' };
    return this.close(id, existing, { at: this.now(), by }, false);
  }

  /** Marks the incident closed (resolved by a sender, or stale), redraws it and notes it in its thread. */
  private async close(
    id: string,
    existing: Incident,
    resolution: { readonly at: number; readonly by: string },
    stale: boolean,
  ): Promise<DeskResult> {
    const resolved: Incident = {
      ...existing,
      status: 'resolved',
      resolved: resolution,
      ...(stale ? { stale: { afterMs: this.bounds.staleAfterMs } } : {}),
    };
    const state = await this.liveState(existing.target);
    const failed = await this.redraw(resolved, state);
    if (failed) return failed;
    await this.dropPlace(id, resolved.channel);
    await this.notifier.post(
      resolved.channel,
      stale ? incidentStaleNote(this.bounds.staleAfterMs) : incidentResolvedNote(resolution.by),
      resolved.ts,
    );
    if (stale)
      this.logger.info({ alert: id, channel: resolved.channel, ts: resolved.ts }, 'stale alert closed');
    return delivered(resolved, false);
  }

  /**
   * Adds or updates the key's row in the channel's roll-up (`where`: `channel:ts`), posting the roll-up first
   * when the window has none (with this key as its first row). The message is redrawn coalesced, later; the
   * record in the store is what counts (a redraw that never ran is run by `redrawBehind`).
   */
  private async joinRollup(
    id: string,
    signal: AlertSignal,
    title: string,
    state: FlowKeyState | undefined,
    where: string | undefined,
    window?: ChannelWindow,
  ): Promise<DeskResult | undefined> {
    const now = this.now();
    const existing = where ? await this.store.get<Rollup>(ROLLUP, where) : undefined;
    const before = existing?.rows.find((row) => row.id === id);
    // A key shown in a roll-up that is gone (expired) opens anew: its own message or a new roll-up.
    if (!existing && !window) return undefined;
    const row: RollupRow = {
      id,
      target: signal.target,
      status: 'open',
      title: before && !signal.title && !signal.watched ? before.title : title,
      ...((signal.severity ?? before?.severity) ? { severity: signal.severity ?? before?.severity } : {}),
      count: before?.status === 'open' ? before.count + 1 : 1,
      firstSeen: before?.status === 'open' ? before.firstSeen : now,
      lastSeen: now,
      ...(state ? { state: { paused: state.paused, waitlist: state.waitlistSize } } : {}),
      ...(before?.lastAction && before.status === 'open' ? { lastAction: before.lastAction } : {}),
    };
    let rollup = existing;
    let created = false;
    if (!rollup) {
      const draft: Rollup = { channel: signal.channel, ts: '', openedAt: now, rows: [row], version: 1 };
      const posted = await this.notifier.post(signal.channel, rollupMessage(draft, this.naming));
      if (posted.kind === 'failed') return this.failed(posted.error);
      rollup = { ...draft, channel: posted.channel, ts: posted.ts };
      await this.store.set(ROLLUP, `${rollup.channel}:${rollup.ts}`, rollup, { ttlMs: this.rollupTtlMs() });
      await this.store.set(DRAWN, `${rollup.channel}:${rollup.ts}`, 1, { ttlMs: this.rollupTtlMs() });
      this.logger.info({ channel: rollup.channel, ts: rollup.ts }, 'alert storm: roll-up posted');
      created = true;
    } else {
      const rows = before ? rollup.rows.map((r) => (r.id === id ? row : r)) : [...rollup.rows, row];
      rollup = await this.saveRollup(rollup, rows);
      void this.scheduleRedraw(rollup.channel, rollup.ts);
    }
    if (window) await this.saveWindow(signal.channel, { ...window, rollupTs: rollup.ts });
    await this.addPlace(id, `${IN_ROLLUP}${rollup.channel}:${rollup.ts}`);
    return {
      kind: 'delivered',
      channel: rollup.channel,
      ts: rollup.ts,
      created,
      count: row.count,
      status: 'open',
      rollup: true,
    };
  }

  /**
   * Marks a key's roll-up row resolved (or stale: only when nothing reported it for `staleAfterMs`);
   * undefined when the roll-up or the row is gone, or a stale close finds it seen lately. Under the
   * channel's and the key's locks.
   */
  private async closeRow(
    id: string,
    where: string,
    by: string,
    stale: boolean,
  ): Promise<DeskResult | undefined> {
    const rollup = await this.store.get<Rollup>(ROLLUP, where);
    const row = rollup?.rows.find((r) => r.id === id);
    if (stale && row?.status === 'open' && this.now() - row.lastSeen < this.bounds.staleAfterMs)
      return undefined;
    await this.dropPlace(id, placeChannel(where));
    if (!rollup || !row || row.status === 'resolved') return undefined;
    const closed: RollupRow = {
      ...row,
      status: 'resolved',
      resolved: { at: this.now(), by, ...(stale ? { stale: true } : {}) },
    };
    const saved = await this.saveRollup(
      rollup,
      rollup.rows.map((r) => (r.id === id ? closed : r)),
    );
    void this.scheduleRedraw(saved.channel, saved.ts);
    return {
      kind: 'delivered',
      channel: saved.channel,
      ts: saved.ts,
      created: false,
      count: closed.count,
      status: 'resolved',
      rollup: true,
    };
  }

  private async saveRollup(rollup: Rollup, rows: readonly RollupRow[]): Promise<Rollup> {
    const saved: Rollup = { ...rollup, rows, version: rollup.version + 1 };
    await this.store.set(ROLLUP, `${saved.channel}:${saved.ts}`, saved, { ttlMs: this.rollupTtlMs() });
    return saved;
  }

  private async saveWindow(channel: string, window: ChannelWindow): Promise<void> {
    await this.store.set(WINDOW, channel, window, { ttlMs: this.rollups.windowMs });
  }

  /** A roll-up is kept (clickable, updatable) as long as an incident may stay open and then be kept. */
  private rollupTtlMs(): number {
    return this.bounds.staleAfterMs + this.bounds.keepResolvedMs;
  }

  /**
   * Redraws a roll-up's message with its latest record, at most every `ROLLUP_REDRAW_INTERVAL_MS`: calls in
   * between share the pending redraw (latest state wins). Resolves when the redraw ran.
   */
  private scheduleRedraw(channel: string, ts: string): Promise<void> {
    const where = `${channel}:${ts}`;
    const pending = this.redraws.get(where);
    if (pending) return pending.done;
    if (this.stopped) return Promise.resolve();
    const waitMs = Math.max(0, (this.lastRedraw.get(where) ?? 0) + ROLLUP_REDRAW_INTERVAL_MS - this.now());
    let timer: NodeJS.Timeout | undefined;
    const done = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.redraws.delete(where);
        this.lastRedraw.set(where, this.now());
        this.redrawRollup(where)
          .catch((error: unknown) => this.logger.warn({ err: error, channel, ts }, 'roll-up redraw failed'))
          .finally(resolve);
      }, waitMs);
    });
    if (timer) this.redraws.set(where, { timer, done });
    return done;
  }

  private async redrawRollup(where: string): Promise<void> {
    const rollup = await this.store.get<Rollup>(ROLLUP, where);
    if (!rollup) return;
    const result = await this.notifier.update(rollup.channel, rollup.ts, rollupMessage(rollup, this.naming));
    // Refused (after the WebClient's own retries): left behind, so the next `redrawBehind` tries again.
    if (result.kind === 'failed') return;
    const drawn = (await this.store.get<number>(DRAWN, where)) ?? 0;
    if (rollup.version > drawn)
      await this.store.set(DRAWN, where, rollup.version, { ttlMs: this.rollupTtlMs() });
  }

  /** Draws the incident's message anew and keeps the incident; the failure, if Slack would not take it. */
  private async redraw(incident: Incident, state: FlowKeyState | undefined): Promise<DeskResult | undefined> {
    const result = await this.notifier.update(
      incident.channel,
      incident.ts,
      livingAlertMessage(incident, state, this.naming),
    );
    if (result.kind === 'failed') return this.failed(result.error);
    await this.save(incident);
    return undefined;
  }

  /** The key's open incident in the incident's channel is this one. Under the key's lock. */
  private async keepOpen(id: string, incident: Incident): Promise<void> {
    await this.addPlace(id, `${incident.channel}:${incident.ts}`);
  }

  /** The key's open incidents, one place per channel (an earlier version's single place included). */
  private async places(id: string): Promise<readonly IncidentPlace[]> {
    return openPlaces(await this.store.get<unknown>(OPEN, id));
  }

  /**
   * Sets the key's place in the place's channel, keeping its other channels'. Under the key's lock; bounded
   * even if the stale sweep never runs. Writing migrates an earlier version's record.
   */
  private async addPlace(id: string, place: IncidentPlace): Promise<void> {
    await this.store.set(OPEN, id, withPlace(await this.places(id), placeChannel(place), place), {
      ttlMs: this.bounds.staleAfterMs + this.bounds.keepResolvedMs,
    });
  }

  /** Forgets the key's open incident in `channel`, keeping its other channels'. Under the key's lock. */
  private async dropPlace(id: string, channel: string): Promise<void> {
    const places = withPlace(await this.places(id), channel, undefined);
    if (places.length === 0) await this.store.delete(OPEN, id);
    else
      await this.store.set(OPEN, id, places, {
        ttlMs: this.bounds.staleAfterMs + this.bounds.keepResolvedMs,
      });
  }

  private async save(incident: Incident): Promise<void> {
    // An open incident's record lives as long as it may stay open, and then as long as a closed one.
    const ttlMs =
      incident.status === 'open'
        ? this.bounds.staleAfterMs + this.bounds.keepResolvedMs
        : this.bounds.keepResolvedMs;
    await this.store.set(BY_MESSAGE, `${incident.channel}:${incident.ts}`, incident, { ttlMs });
  }

  private async liveState(target: KeyRef): Promise<FlowKeyState | undefined> {
    const state = await this.operations.peek(target);
    return state === 'not_found' ? undefined : state;
  }

  private failed(error: string): DeskResult {
    return { kind: 'failed', error, explanation: explainSlackError(error) };
  }
}

/** Where the incident's message is and how it stands, for the sender. */
function delivered(incident: Incident, created: boolean): DeskResult {
  return {
    kind: 'delivered',
    channel: incident.channel,
    ts: incident.ts,
    created,
    count: incident.count,
    status: incident.status,
  };
}
