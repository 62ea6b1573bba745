import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AlertSignal } from '../../core/alerts/alert-signal.js';
import type { StateStore } from '../../core/store/state-store.js';
import type { DeskResult } from './alert-desk.js';

const QUEUE = 'alert-queue';
const SENDER = 'alert-sender';
/** A replica's hold on a channel's sending; renewed per alert, so a stopped replica's lapses this fast. */
const LEASE_MS = 30_000;
/** Slack errors that sending again will not fix: the alert is dropped (logged and counted), not retried. */
export const PERMANENT_SLACK_ERRORS: ReadonlySet<string> = new Set([
  'not_in_channel',
  'channel_not_found',
  'is_archived',
  'msg_too_long',
  'invalid_blocks',
]);
const RETRY_MIN_MS = 2_000;
const RETRY_MAX_MS = 60_000;

interface QueuedAlert {
  readonly signal: AlertSignal;
  readonly queuedAt: number;
  readonly attempts: number;
  /** Not tried again before this (ms since the epoch), after Slack was unavailable. */
  readonly notBefore: number;
}

/** An alert's fate as its request sees it: handled by the desk, or still queued (Slack busy). */
export type QueueAnswer = DeskResult | { readonly kind: 'queued' };

/**
 * Alerts wait here, in the store, until the desk has handled them: a restart or another replica finishes
 * what one process took in. Each channel is sent by one replica at a time (a lease in the store), in the
 * order the alerts came; alerts Slack could not take for now (after the WebClient's own waits and retries)
 * stay queued and are tried again with backoff; alerts Slack refuses for good are dropped and reported.
 */
export class AlertQueue {
  private readonly waiters = new Map<string, (answer: QueueAnswer) => void>();
  private readonly draining = new Map<string, Promise<void>>();
  /** Channels kicked while their sending ran: looked at again when it ends (an alert may have come late). */
  private readonly again = new Set<string>();
  private sequence = 0;
  private stopped = false;

  constructor(
    private readonly store: StateStore,
    private readonly receive: (signal: AlertSignal) => Promise<DeskResult>,
    private readonly logger: Logger,
    private readonly holderId: string,
    /** How long an alert may wait in the queue before it is dropped as too old (ms). */
    private readonly keepMs: number,
    private readonly onDropped: (error: string) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Stores the alerts (each is durable when this resolves) and starts sending their channels. Returns their
   * queue ids, in order.
   */
  async enqueue(signals: readonly AlertSignal[]): Promise<string[]> {
    const ids: string[] = [];
    for (const signal of signals) {
      this.sequence = (this.sequence + 1) % 1_000_000;
      // Ordered by time of arrival within a channel (ids sort as strings).
      const id = `${signal.channel}|${String(this.now()).padStart(15, '0')}-${String(this.sequence).padStart(6, '0')}-${randomUUID().slice(0, 8)}`;
      const item: QueuedAlert = { signal, queuedAt: this.now(), attempts: 0, notBefore: 0 };
      await this.store.set(QUEUE, id, item, { ttlMs: this.keepMs });
      ids.push(id);
    }
    return ids;
  }

  /**
   * What became of a queued alert: the desk's result once this process handled it, or `queued` when it is
   * still waiting after `withinMs` (or Slack was unavailable, or another replica sends its channel).
   */
  answer(id: string, withinMs: number): Promise<QueueAnswer> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        resolve({ kind: 'queued' });
      }, withinMs);
      this.waiters.set(id, (answer) => {
        clearTimeout(timer);
        this.waiters.delete(id);
        resolve(answer);
      });
    });
  }

  /** Starts sending `channel`'s queued alerts from this process, unless it already does. */
  kick(channel: string): Promise<void> {
    const running = this.draining.get(channel);
    if (running) this.again.add(channel);
    if (running || this.stopped) return running ?? Promise.resolve();
    const drain = this.drain(channel)
      .catch((error: unknown) => this.logger.warn({ err: error, channel }, 'alert queue: sending failed'))
      .finally(() => {
        this.draining.delete(channel);
        if (this.again.delete(channel)) void this.kick(channel);
      });
    this.draining.set(channel, drain);
    return drain;
  }

  /** Starts sending every channel with alerts due (left by a stopped process, or after Slack's backoff). */
  async sweep(): Promise<void> {
    if (this.stopped) return;
    const now = this.now();
    const channels = new Set<string>();
    for (const { id, value } of await this.store.list<QueuedAlert>(QUEUE))
      if (value.notBefore <= now) channels.add(id.slice(0, id.indexOf('|')));
    for (const channel of channels) void this.kick(channel);
  }

  /** Whether anything is queued (any channel): for tests and the benchmark. */
  async size(): Promise<number> {
    return (await this.store.list<QueuedAlert>(QUEUE)).length;
  }

  /** Stops taking up channels and waits for the alert being sent; what is queued stays for the next process. */
  async stop(): Promise<void> {
    this.stopped = true;
    // Senders still waiting hear that their alerts are queued: the next process sends them.
    for (const answer of [...this.waiters.values()]) answer({ kind: 'queued' });
    await Promise.all([...this.draining.values()]);
  }

  private async drain(channel: string): Promise<void> {
    if (!(await this.store.compareAndSet(SENDER, channel, undefined, this.holderId, { ttlMs: LEASE_MS })))
      return; // Another replica sends this channel; the sweep looks again.
    try {
      for (;;) {
        const due = (await this.store.list<QueuedAlert>(QUEUE))
          .filter((entry) => entry.id.startsWith(`${channel}|`) && entry.value.notBefore <= this.now())
          .sort((a, b) => (a.id < b.id ? -1 : 1));
        if (due.length === 0 || this.stopped) return;
        for (const { id, value } of due) {
          if (this.stopped) return;
          await this.store.set(SENDER, channel, this.holderId, { ttlMs: LEASE_MS });
          if (!(await this.sendOne(id, value))) return;
        }
      }
    } finally {
      const entry = await this.store.getEntry<string>(SENDER, channel).catch(() => undefined);
      if (entry?.value === this.holderId)
        await this.store.compareAndSet(SENDER, channel, entry.version, '', { ttlMs: 1 }).catch(() => false);
    }
  }

  /** Sends one alert; false when Slack is unavailable for now (the channel waits for the next sweep). */
  private async sendOne(id: string, item: QueuedAlert): Promise<boolean> {
    let result: DeskResult;
    try {
      result = await this.receive(item.signal);
    } catch (error) {
      this.logger.warn({ err: error, channel: item.signal.channel }, 'alert queue: the desk failed; kept');
      result = { kind: 'failed', error: 'internal_error', explanation: 'Flowbot could not handle it' };
    }
    if (result.kind === 'failed' && !PERMANENT_SLACK_ERRORS.has(result.error)) {
      const attempts = item.attempts + 1;
      const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** (attempts - 1));
      await this.store.set(
        QUEUE,
        id,
        { ...item, attempts, notBefore: this.now() + delay },
        { ttlMs: Math.max(1, this.keepMs - (this.now() - item.queuedAt)) },
      );
      this.logger.warn(
        { channel: item.signal.channel, error: result.error, attempts, retryInMs: delay },
        'alert queue: Slack did not take the alert; it stays queued and is sent again',
      );
      this.waiters.get(id)?.({ kind: 'queued' });
      return false;
    }
    if (result.kind === 'failed') {
      this.onDropped(result.error);
      // A sender still waiting hears it (and its answer is logged there); otherwise this is the record.
      if (!this.waiters.has(id))
        this.logger.warn(
          { channel: item.signal.channel, key: item.signal.target.key.slice(0, 80), error: result.error },
          `alert not delivered to Slack: ${result.explanation}`,
        );
    }
    await this.store.delete(QUEUE, id);
    this.waiters.get(id)?.(result);
    return true;
  }
}
