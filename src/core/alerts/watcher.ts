import { matchesGlob } from '../glob.js';
import { Periodic } from '../periodic.js';
import type { QStashEnvironments } from '../qstash/environments.js';
import { QStashError } from '../qstash/errors.js';
import type { FlowKeyState } from '../qstash/types.js';
import type { StateStore } from '../store/state-store.js';
import type { AlertSignal } from './alert-signal.js';
import { incidentId } from './incident.js';

export interface WatchSettings {
  readonly keys: readonly string[];
  readonly environments: readonly string[];
  readonly intervalMs: number;
  readonly waitlistThreshold: number;
  readonly channel: string;
}

type Condition = 'paused' | 'backlogged';

const NAMESPACE = 'watch';
const MAX_BACKOFF_MS = 10 * 60_000;

/**
 * Whether the watcher is alerting on the incident `id` (`incidentId`) right now: it resolves such an
 * incident itself when the key recovers, so it is never stale while the condition lasts.
 */
export async function watcherSees(store: StateStore, id: string): Promise<boolean> {
  return (await store.get<Condition>(NAMESPACE, id)) !== undefined;
}

/**
 * Polls QStash and raises an alert when a watched key becomes paused or its waitlist passes the threshold,
 * and resolves it when the key recovers. One list call per environment per round where the list endpoint
 * serves; single-key reads of the literal (non-pattern) keys where it doesn't. Backs off on 429. What it is
 * alerting on is kept in the store, so a restart neither repeats nor forgets an alert.
 */
export class Watcher {
  private readonly periodic: Periodic;
  private readonly backoffMs = new Map<string, number>();
  private readonly nextRound = new Map<string, number>();

  constructor(
    private readonly settings: WatchSettings,
    private readonly environments: QStashEnvironments,
    private readonly store: StateStore,
    private readonly raise: (signal: AlertSignal) => Promise<unknown>,
    private readonly onError: (error: unknown, environment: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    // Rounds come at most every second; each environment is read only when its own interval (or backoff) is up.
    this.periodic = new Periodic(() => this.round(), Math.min(settings.intervalMs, 1_000));
  }

  start(): void {
    this.periodic.start();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }

  tick(): Promise<void> {
    return this.periodic.tick();
  }

  private async round(): Promise<void> {
    for (const environment of this.settings.environments) {
      if ((this.nextRound.get(environment) ?? 0) > this.now()) continue;
      try {
        const keys = await this.read(environment);
        this.backoffMs.delete(environment);
        this.nextRound.set(environment, this.now() + this.settings.intervalMs);
        await this.compare(environment, keys);
      } catch (error) {
        const rateLimited = error instanceof QStashError && error.kind === 'rate_limited';
        // The daily quota is used up until its reset, hours away: asking before then only fails again.
        const quotaReset =
          rateLimited && error.limit === 'daily' && error.resetAt !== undefined ? error.resetAt : undefined;
        const backoff =
          quotaReset !== undefined
            ? Math.max(this.settings.intervalMs, quotaReset - this.now())
            : rateLimited
              ? Math.min(MAX_BACKOFF_MS, (this.backoffMs.get(environment) ?? this.settings.intervalMs) * 2)
              : this.settings.intervalMs;
        this.backoffMs.set(environment, backoff);
        this.nextRound.set(environment, this.now() + backoff);
        this.onError(error, environment);
      }
    }
  }

  private async read(environment: string): Promise<FlowKeyState[]> {
    const client = this.environments.client(environment);
    try {
      const all = await client.list();
      return all.filter((key) => this.watched(key.key));
    } catch (error) {
      if (!(error instanceof QStashError) || (error.kind !== 'not_found' && error.kind !== 'bad_request'))
        throw error;
      // No list endpoint here: read the keys named literally, one by one.
      const literal = this.settings.keys.filter((glob) => !/[*?]/.test(glob));
      const states: FlowKeyState[] = [];
      for (const key of literal) {
        try {
          states.push(await client.get(key));
        } catch (readError) {
          if (!(readError instanceof QStashError) || readError.kind !== 'not_found') throw readError;
        }
      }
      return states;
    }
  }

  private watched(key: string): boolean {
    return this.settings.keys.some((glob) => matchesGlob(key, glob));
  }

  private condition(state: FlowKeyState): Condition | undefined {
    if (state.paused) return 'paused';
    const threshold = this.settings.waitlistThreshold;
    if (threshold > 0 && state.waitlistSize >= threshold) return 'backlogged';
    return undefined;
  }

  private async compare(environment: string, keys: readonly FlowKeyState[]): Promise<void> {
    const seen = new Set<string>();
    for (const state of keys) {
      const target = { environment, key: state.key };
      const id = incidentId(target);
      seen.add(id);
      const condition = this.condition(state);
      const previous = await this.store.get<Condition>(NAMESPACE, id);
      if (condition && condition !== previous) {
        await this.raise({
          target,
          channel: this.settings.channel,
          status: 'firing',
          source: 'watcher',
          severity: condition === 'paused' ? 'warning' : 'info',
          watched: {
            kind: condition,
            waitlist: state.waitlistSize,
            threshold: this.settings.waitlistThreshold,
          },
        });
        await this.store.set(NAMESPACE, id, condition);
      } else if (!condition && previous) {
        await this.raise({ target, channel: this.settings.channel, status: 'resolved', source: 'watcher' });
        await this.store.delete(NAMESPACE, id);
      }
    }
    // A key that vanished from QStash while we were alerting on it has nothing left waiting.
    for (const { id } of await this.store.list<Condition>(NAMESPACE)) {
      if (!id.startsWith(`${environment}:`) || seen.has(id)) continue;
      const key = id.slice(environment.length + 1);
      if (!this.watched(key)) continue;
      await this.raise({
        target: { environment, key },
        channel: this.settings.channel,
        status: 'resolved',
        source: 'watcher',
      });
      await this.store.delete(NAMESPACE, id);
    }
  }
}
