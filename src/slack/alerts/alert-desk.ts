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
import { incidentActionNote, incidentResolvedNote, livingAlertMessage } from '../blocks/living-alert.js';
import type { KeyNaming } from '../blocks/outcome.js';
import { explainSlackError } from '../blocks/slack-error.js';
import type { SlackNotifier } from '../notifier.js';

const OPEN = 'alert-open';
const BY_MESSAGE = 'alert-message';
/** Messages stay updatable (for late clicks) this long after their incident closed. */
const MESSAGE_TTL_MS = 14 * 86_400_000;

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
 * survives restarts.
 */
export class AlertDesk {
  constructor(
    private readonly store: StateStore,
    private readonly operations: FlowOperations,
    private readonly notifier: SlackNotifier,
    private readonly naming: KeyNaming,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

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
      return (await this.redraw(updated, state)) ?? delivered(updated, false);
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
    await this.store.set(OPEN, id, `${incident.channel}:${incident.ts}`);
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
    const resolved: Incident = { ...existing, status: 'resolved', resolved: { at: this.now(), by } };
    const state = await this.liveState(existing.target);
    const failed = await this.redraw(resolved, state);
    if (failed) return failed;
    await this.store.delete(OPEN, id);
    await this.notifier.post(resolved.channel, incidentResolvedNote(by), resolved.ts);
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

  private async save(incident: Incident): Promise<void> {
    await this.store.set(BY_MESSAGE, `${incident.channel}:${incident.ts}`, incident, {
      ttlMs: MESSAGE_TTL_MS,
    });
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
