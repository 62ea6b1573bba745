import { matchesGlob } from '../glob.js';
import { Periodic } from '../periodic.js';
import { estimateDrain } from '../qstash/drain.js';
import type { QStashEnvironments } from '../qstash/environments.js';
import { QStashError } from '../qstash/errors.js';
import { type FlowKeyState, GLOBAL_KEY, type GlobalParallelism, idleFlowKey } from '../qstash/types.js';
import type { StateStore } from '../store/state-store.js';
import type { AlertSignal, Severity, WatchedCondition } from './alert-signal.js';
import { incidentId } from './incident.js';
import {
  EMPTY_WATCH,
  type GlobalWatch,
  isIdle,
  type KeyObservation,
  type KeyWatch,
  observeGlobal,
  observeKey,
  WATCH_KINDS,
  type WatchKind,
  type WatchRules,
} from './watch-conditions.js';

export interface WatchSettings extends WatchRules {
  readonly keys: readonly string[];
  readonly environments: readonly string[];
  readonly intervalMs: number;
  /** Percent of the account's global parallelism that counts as near its maximum; 0 → not watched. */
  readonly globalParallelismPercent: number;
  readonly channel: string;
}

const NAMESPACE = 'watch';
const GLOBAL_NAMESPACE = 'watch-global';
/** When each environment's last round ran, on whichever replica. */
const ROUND_NAMESPACE = 'watch-round';
const MAX_BACKOFF_MS = 10 * 60_000;

/** Earlier versions kept only the raised condition's name: read as a watch with that condition raised. */
function asWatch(stored: KeyWatch | string | undefined): KeyWatch | undefined {
  if (stored === undefined) return undefined;
  if (typeof stored === 'string') return { ...EMPTY_WATCH, raised: [stored as WatchKind] };
  return stored;
}

/**
 * Whether the watcher is alerting on the incident `id` (`incidentId`) right now: it resolves such an
 * incident itself when the key recovers, so it is never stale while the condition lasts.
 */
export async function watcherSees(store: StateStore, id: string): Promise<boolean> {
  const watch = asWatch(await store.get<KeyWatch | string>(NAMESPACE, id));
  return watch !== undefined && watch.raised.length > 0;
}

/**
 * Polls QStash and raises an alert when a watched key meets a condition (`WatchKind`: paused, backlogged,
 * saturated, stuck, growing; and the account's global parallelism near its maximum, on the key `$`), and
 * resolves it when none is left. One message per key: a condition that comes or goes while others stay
 * updates it in place; each condition is raised once and resolved once. One list call per environment per
 * round where the list endpoint serves, single-key reads of the literal (non-pattern) keys where it doesn't,
 * and one global parallelism read when that is watched. Backs off on 429. What it alerts on, its streaks and
 * the waitlist history are kept in the store, so a restart, or another replica taking over the watcher,
 * neither repeats nor forgets an alert and keeps counting rounds where the last one stopped.
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
        if (!this.nextRound.has(environment)) {
          // Taking over from another replica: its last round counts, so rounds in a row stay an interval apart.
          const last = await this.store.get<number>(ROUND_NAMESPACE, environment);
          if (last !== undefined && this.now() - last < this.settings.intervalMs) {
            this.nextRound.set(environment, last + this.settings.intervalMs);
            continue;
          }
        }
        const keys = await this.read(environment);
        const global = await this.readGlobal(environment);
        this.backoffMs.delete(environment);
        this.nextRound.set(environment, this.now() + this.settings.intervalMs);
        await this.compare(environment, keys, global);
        await this.store.set(ROUND_NAMESPACE, environment, this.now(), {
          ttlMs: Math.max(1_000, this.settings.intervalMs * 2),
        });
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

  /**
   * The account's global parallelism, when watched and served: undefined when it is not watched or this
   * QStash has no such endpoint (a bare 404 or 400), which leaves the global condition as it was.
   */
  private async readGlobal(environment: string): Promise<GlobalParallelism | undefined> {
    if (this.settings.globalParallelismPercent <= 0) return undefined;
    try {
      return await this.environments.client(environment).globalParallelism();
    } catch (error) {
      if (!(error instanceof QStashError) || (error.kind !== 'not_found' && error.kind !== 'bad_request'))
        // The keys are still checked: this round only leaves the global condition as it was.
        this.onError(error, environment);
      return undefined;
    }
  }

  private watched(key: string): boolean {
    return this.settings.keys.some((glob) => matchesGlob(key, glob));
  }

  private async compare(
    environment: string,
    keys: readonly FlowKeyState[],
    globalNow: GlobalParallelism | undefined,
  ): Promise<void> {
    const at = this.now();
    const global = await this.observeGlobal(environment, globalNow);
    const seen = new Set<string>();
    for (const state of keys) {
      const id = incidentId({ environment, key: state.key });
      seen.add(id);
      const previous = asWatch(await this.store.get<KeyWatch | string>(NAMESPACE, id));
      const observation = observeKey(previous, { state, at, globalFull: global?.full }, this.settings);
      // Unread this round (an error), the global condition stays as it was.
      const globalActive =
        global !== undefined
          ? global.active
          : this.settings.globalParallelismPercent > 0 &&
            (previous?.raised.includes('global_saturated') ?? false);
      const conditions =
        state.key === GLOBAL_KEY && globalActive
          ? withGlobal(observation.conditions)
          : observation.conditions;
      await this.settle(environment, id, state, previous, { ...observation, conditions }, global);
    }
    // The account's global parallelism is shown on QStash's key `$`, listed or not, watched or not.
    const globalId = incidentId({ environment, key: GLOBAL_KEY });
    if (global !== undefined && !seen.has(globalId)) {
      seen.add(globalId);
      const previous = asWatch(await this.store.get<KeyWatch | string>(NAMESPACE, globalId));
      const state = idleFlowKey(GLOBAL_KEY);
      const observation: KeyObservation = {
        next: previous ?? EMPTY_WATCH,
        conditions: global.active ? ['global_saturated'] : [],
        growth: undefined,
        pace: undefined,
      };
      await this.settle(environment, globalId, state, previous, observation, global);
    }
    // A key that vanished from QStash while we were alerting on it has nothing left waiting.
    for (const { id, value } of await this.store.list<KeyWatch | string>(NAMESPACE)) {
      if (!id.startsWith(`${environment}:`) || seen.has(id)) continue;
      const key = id.slice(environment.length + 1);
      if (!this.watched(key) && key !== GLOBAL_KEY) continue;
      // The global condition is only known while it is read: an unknown round keeps it as it was.
      if (key === GLOBAL_KEY && global === undefined && this.settings.globalParallelismPercent > 0) continue;
      if ((asWatch(value)?.raised.length ?? 0) > 0)
        await this.raise({
          target: { environment, key },
          channel: this.settings.channel,
          status: 'resolved',
          source: 'watcher',
        });
      await this.store.delete(NAMESPACE, id);
    }
  }

  /** The global condition this round, remembered per environment; undefined when it was not read. */
  private async observeGlobal(
    environment: string,
    global: GlobalParallelism | undefined,
  ): Promise<(ReturnType<typeof observeGlobal> & { readonly now: GlobalParallelism }) | undefined> {
    if (global === undefined) return undefined;
    const previous = await this.store.get<GlobalWatch>(GLOBAL_NAMESPACE, environment);
    const observed = observeGlobal(previous, global, {
      percent: this.settings.globalParallelismPercent,
      rounds: this.settings.saturatedRounds,
    });
    if (previous?.rounds !== observed.next.rounds)
      await this.store.set(GLOBAL_NAMESPACE, environment, observed.next);
    return { ...observed, now: global };
  }

  /**
   * Raises the key's alert when its set of conditions changed (firing while any is active, resolved when
   * none is), then remembers what it raised. The store is written after Slack took the alert: if it did
   * not, the next round tries again.
   */
  private async settle(
    environment: string,
    id: string,
    state: FlowKeyState,
    previous: KeyWatch | undefined,
    observation: KeyObservation,
    global: { readonly now: GlobalParallelism } | undefined,
  ): Promise<void> {
    const raised = previous?.raised ?? [];
    const { conditions } = observation;
    const changed =
      conditions.length !== raised.length || conditions.some((condition) => !raised.includes(condition));
    const target = { environment, key: state.key };
    if (changed && conditions.length > 0) {
      await this.raise({
        target,
        channel: this.settings.channel,
        status: 'firing',
        source: 'watcher',
        severity: severityOf(conditions),
        watched: this.watchedCondition(state, observation, global?.now),
      });
    } else if (changed) {
      await this.raise({ target, channel: this.settings.channel, status: 'resolved', source: 'watcher' });
    }
    const next: KeyWatch = { ...observation.next, raised: conditions };
    if (isIdle(next)) {
      if (previous !== undefined) await this.store.delete(NAMESPACE, id);
    } else if (JSON.stringify(next) !== JSON.stringify(previous)) {
      await this.store.set(NAMESPACE, id, next);
    }
  }

  private watchedCondition(
    state: FlowKeyState,
    observation: KeyObservation,
    global: GlobalParallelism | undefined,
  ): WatchedCondition {
    const [kind = 'backlogged', ...rest] = observation.conditions;
    const globalMax = global?.parallelismMax;
    return {
      kind,
      conditions: [kind, ...rest],
      waitlist: state.waitlistSize,
      threshold: this.settings.waitlistThreshold,
      parallelism: { count: state.parallelismCount, max: state.parallelismMax },
      rounds: { saturated: observation.next.saturatedRounds, stuck: observation.next.stuckRounds },
      ...(observation.growth ? { growth: observation.growth } : {}),
      ...(global !== undefined && globalMax !== undefined
        ? {
            global: {
              count: global.parallelismCount,
              max: globalMax,
              percent: this.settings.globalParallelismPercent,
            },
          }
        : {}),
      drain: estimateDrain(state, this.now(), observation.pace),
    };
  }
}

function withGlobal(conditions: readonly WatchKind[]): WatchKind[] {
  const all = new Set<WatchKind>([...conditions, 'global_saturated']);
  return WATCH_KINDS.filter((kind) => all.has(kind));
}

function severityOf(conditions: readonly WatchKind[]): Severity {
  if (conditions.some((kind) => kind === 'paused' || kind === 'stuck' || kind === 'global_saturated'))
    return 'warning';
  if (conditions.includes('growing')) return 'warning';
  return 'info';
}
