import type { Logger } from 'pino';
import type { FlowAction } from '../../core/access/types.js';
import type { AlertSignal } from '../../core/alerts/alert-signal.js';
import { type Incident, incidentId } from '../../core/alerts/incident.js';
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
import { explainSlackError } from '../blocks/slack-error.js';
import type { SlackNotifier } from '../notifier.js';

const OPEN = 'alert-open';
const BY_MESSAGE = 'alert-message';
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
    }
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'failed'; readonly error: string; readonly explanation: string };

/**
 * Keeps one living message per key incident. Alerts for the same key (and environment) while it is open
 * update that message instead of posting another; concurrent deliveries are serialised by a store lock, so
 * they can't race into two messages, on one replica or several. The key→message map lives in the store and
 * survives restarts. Incidents are bounded in time: an open one nobody reports for `staleAfterMs` is closed
 * as stale (unless the watcher still sees its condition), and a closed one is forgotten `keepResolvedMs`
 * after it was last drawn.
 */
export class AlertDesk {
  private lastSweep = 0;

  constructor(
    private readonly store: StateStore,
    private readonly operations: FlowOperations,
    private readonly notifier: SlackNotifier,
    private readonly naming: KeyNaming,
    private readonly logger: Logger,
    private readonly bounds: IncidentBounds,
    /** Whether the watcher still sees a condition on the incident's key (then it resolves it itself). */
    private readonly watching: (id: string) => Promise<boolean> = async () => false,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Closes open incidents not seen for `staleAfterMs`: the message says it was closed as stale and the
   * thread notes it; the next alert for the key opens a new message. Runs on the scheduler's replica; lists
   * the open incidents at most every minute (or a quarter of the stale period when that is shorter).
   * Returns how many it closed.
   */
  async closeStale(): Promise<number> {
    const now = this.now();
    const interval = Math.min(MAX_SWEEP_INTERVAL_MS, this.bounds.staleAfterMs / 4);
    if (now - this.lastSweep < interval) return 0;
    this.lastSweep = now;
    let closed = 0;
    for (const { id, value } of await this.store.list<string>(OPEN)) {
      const incident = await this.store.get<Incident>(BY_MESSAGE, value);
      if (!incident) {
        // Its message record expired: nothing left to close.
        await this.store.delete(OPEN, id);
        continue;
      }
      if (now - incident.lastSeen < this.bounds.staleAfterMs || (await this.watching(id))) continue;
      const result = await withLock(this.store, `alert:${id}`, async () => {
        const current = await this.store.get<Incident>(BY_MESSAGE, value);
        if (current?.status !== 'open' || this.now() - current.lastSeen < this.bounds.staleAfterMs)
          return undefined;
        return this.close(id, current, { at: this.now(), by: 'stale' }, true);
      });
      if (result?.kind === 'delivered') closed += 1;
    }
    return closed;
  }

  receive(signal: AlertSignal): Promise<DeskResult> {
    const id = incidentId(signal.target);
    return withLock(this.store, `alert:${id}`, () =>
      signal.status === 'resolved' ? this.resolve(id, signal.source) : this.fire(id, signal),
    );
  }

  /** Whether a key has an open incident (the watcher asks before raising one). */
  async isOpen(target: KeyRef): Promise<boolean> {
    return (await this.store.get<string>(OPEN, incidentId(target))) !== undefined;
  }

  /** The incident shown in a message, if it is one of Flowbot's living alerts. */
  async byMessage(channel: string, ts: string): Promise<Incident | undefined> {
    return this.store.get<Incident>(BY_MESSAGE, `${channel}:${ts}`);
  }

  /** Any change to a key with an open incident shows on its alert, wherever the change was made. */
  async followChange(
    target: KeyRef,
    actorId: string,
    action: FlowAction,
    after: FlowKeyState | undefined,
  ): Promise<void> {
    const open = await this.store.get<string>(OPEN, incidentId(target));
    const incident = open ? await this.store.get<Incident>(BY_MESSAGE, open) : undefined;
    if (incident && incident.status === 'open') await this.recordAction(incident, actorId, action, after);
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
    const openTs = await this.store.get<string>(OPEN, id);
    const existing = openTs ? await this.store.get<Incident>(BY_MESSAGE, openTs) : undefined;
    const words = alertWords(signal, signal.target, state, this.naming);
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
    this.logger.info(
      { alert: id, channel: incident.channel, ts: incident.ts, source: signal.source },
      'alert posted',
    );
    return delivered(incident, true);
  }

  private async resolve(id: string, by: string): Promise<DeskResult> {
    const openTs = await this.store.get<string>(OPEN, id);
    const existing = openTs ? await this.store.get<Incident>(BY_MESSAGE, openTs) : undefined;
    if (!existing) return { kind: 'ignored', reason: 'no open alert for this key' };
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
    await this.store.delete(OPEN, id);
    await this.notifier.post(
      resolved.channel,
      stale ? incidentStaleNote(this.bounds.staleAfterMs) : incidentResolvedNote(resolution.by),
      resolved.ts,
    );
    if (stale)
      this.logger.info({ alert: id, channel: resolved.channel, ts: resolved.ts }, 'stale alert closed');
    return delivered(resolved, false);
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

  /** The key's open incident is this one; bounded even if the stale sweep never runs. */
  private async keepOpen(id: string, incident: Incident): Promise<void> {
    await this.store.set(OPEN, id, `${incident.channel}:${incident.ts}`, {
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
