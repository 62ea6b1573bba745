import type { FlowAction } from '../access/types.js';
import type { KeyRef } from '../keys.js';
import type { Outcome } from '../operations/outcome.js';
import type { StateStore } from '../store/state-store.js';

/** One change Flowbot made, as the Home tab lists it. */
export interface RecentChange {
  /** Epoch ms. */
  readonly at: number;
  readonly actorId: string;
  readonly action: FlowAction;
  readonly target: KeyRef;
  readonly source: string;
  readonly approvedBy?: string;
  readonly reason?: string;
}

const NAMESPACE = 'recent';
const ID = 'changes';
const ATTEMPTS = 5;

/**
 * The last changes Flowbot made, newest first, shared by every replica (kept in the state store as one small
 * record, replaced with compare-and-set so concurrent changes don't drop each other). A change older than a
 * day drops out; at most `keep` are kept.
 */
export class RecentChanges {
  constructor(
    private readonly store: StateStore,
    private readonly keep = 25,
    private readonly ttlMs = 24 * 60 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async record(outcome: Extract<Outcome, { kind: 'done' }>, source: string): Promise<void> {
    const change: RecentChange = {
      at: outcome.at.getTime(),
      actorId: outcome.actorId,
      action: outcome.action,
      target: outcome.target,
      source,
      ...(outcome.approvedBy ? { approvedBy: outcome.approvedBy } : {}),
      ...(outcome.reason ? { reason: outcome.reason.slice(0, 200) } : {}),
    };
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const entry = await this.store.getEntry<RecentChange[]>(NAMESPACE, ID);
      const kept = this.fresh(entry?.value ?? []);
      const next = [change, ...kept].sort((a, b) => b.at - a.at).slice(0, this.keep);
      if (await this.store.compareAndSet(NAMESPACE, ID, entry?.version, next, { ttlMs: this.ttlMs })) return;
    }
  }

  async list(): Promise<RecentChange[]> {
    return this.fresh((await this.store.get<RecentChange[]>(NAMESPACE, ID)) ?? []);
  }

  private fresh(changes: readonly RecentChange[]): RecentChange[] {
    const since = this.now() - this.ttlMs;
    return changes.filter((change) => change.at >= since);
  }
}
