import type { FlowAction } from '../access/types.js';
import type { KeyRef } from '../keys.js';
import type { ChangeRequest, QStashChange } from '../operations/change.js';
import type { Outcome } from '../operations/outcome.js';
import type { RunOptions } from '../operations/pipeline.js';
import type { FlowKeyState, PinSettings } from '../qstash/types.js';
import type { StateStore } from '../store/state-store.js';
import type { RampPlan } from './ramp-plan.js';
import {
  ACTIVE,
  failureOf,
  isActive,
  isRampId,
  type Ramp,
  type RampEvent,
  type RampStatus,
  rampId,
} from './ramp-record.js';

export interface RampReporter {
  /** Draws or redraws the progress message; returns where it is when it was posted. */
  report(ramp: Ramp, state: FlowKeyState | undefined): Promise<{ channel: string; ts: string } | undefined>;
}

/** What a ramp needs from the pipeline: its changes go through it like anyone's. */
export interface RampPipeline {
  run(request: ChangeRequest & { readonly change: QStashChange }, options?: RunOptions): Promise<Outcome>;
  peek(target: KeyRef): Promise<FlowKeyState | 'not_found' | undefined>;
}

export type RampStart =
  | { readonly kind: 'started'; readonly ramp: Ramp; readonly after: FlowKeyState | undefined }
  | { readonly kind: 'in_progress'; readonly startedBy: string }
  /** The first pin or the resume did not happen (the ramp is recorded as aborted, pinning restored). */
  | { readonly kind: 'not_started'; readonly outcome: Exclude<Outcome, { kind: 'done' }> };

export type RampControlResult =
  | { readonly kind: 'done'; readonly ramp: Ramp }
  | { readonly kind: 'gone' }
  | { readonly kind: 'not_applicable'; readonly status: RampStatus }
  | { readonly kind: 'busy' };

const NAMESPACE = 'ramp';
const STEP_LEASE_MS = 60_000;
export const MAX_STEP_FAILURES = 5;
const HISTORY = 24;
/** Finished ramps stay readable for late clicks and for "only one ramp per key" checks. */
const KEEP_FINISHED_MS = 7 * 86_400_000;

type Restored =
  | { readonly kind: 'restored' }
  | { readonly kind: 'waiting'; readonly from: 'pin' | 'unpin'; readonly until: number }
  | { readonly kind: 'incomplete' };

/**
 * Ramped resumes: durable, one per key, each step applied once. Every change of a ramp is a compare-and-set
 * on its record, so two replicas (or a double click) can't both take a step or both finish it. Every change
 * to QStash goes through the pipeline as the ramp's starter, authorized again each time.
 */
export class Ramps {
  constructor(
    private readonly store: StateStore,
    private readonly pipeline: RampPipeline,
    private readonly reporter: RampReporter,
    private readonly now: () => number = Date.now,
    /**
     * This replica. Steps run only on the leader, so a step left in flight by another holder was left by a
     * leader that died (or lost the lead): it is checked and finished now instead of after its lease.
     */
    private readonly holder = 'local',
  ) {}

  async get(id: string): Promise<Ramp | undefined> {
    if (!isRampId(id)) return undefined;
    return this.store.get<Ramp>(NAMESPACE, id);
  }

  async forKey(target: KeyRef): Promise<Ramp | undefined> {
    return this.get(rampId(target));
  }

  /** Ramps still in progress (running, held, or stopped by failures and waiting for a decision). */
  async active(): Promise<Ramp[]> {
    return (await this.store.list<Ramp>(NAMESPACE))
      .map((entry) => entry.value)
      .filter((ramp) => ACTIVE.includes(ramp.status));
  }

  /**
   * Pins the first limit, resumes the key and posts the progress message. The caller has authorized the whole
   * ramp (and counted its two changes against the starter's rate limit).
   */
  async start(input: {
    readonly target: KeyRef;
    readonly plan: RampPlan;
    readonly startedBy: string;
    readonly starterTeam?: string;
    readonly channelId: string | undefined;
    readonly requestId: string;
    readonly approvedBy?: string;
  }): Promise<RampStart> {
    const { target, plan } = input;
    const id = rampId(target);
    const existing = await this.store.getEntry<Ramp>(NAMESPACE, id);
    if (existing && isActive(existing.value))
      return { kind: 'in_progress', startedBy: existing.value.startedBy };
    const now = this.now();
    const ramp: Ramp = {
      id,
      target,
      startedBy: input.startedBy,
      ...(input.starterTeam !== undefined ? { starterTeam: input.starterTeam } : {}),
      channelId: input.channelId,
      plan,
      stepIndex: 0,
      status: 'running',
      nextAt: now + plan.stepSeconds * 1000,
      startedAt: now,
      history: [plan.waitlistAtStart],
      inFlight: { step: 0, leaseUntil: now + STEP_LEASE_MS, holder: this.holder },
      failures: 0,
      requestId: input.requestId,
      ...(input.approvedBy ? { approvedBy: input.approvedBy } : {}),
    };
    if (!(await this.store.compareAndSet(NAMESPACE, id, existing?.version, ramp))) {
      const raced = await this.store.get<Ramp>(NAMESPACE, id);
      return { kind: 'in_progress', startedBy: raced?.startedBy ?? input.startedBy };
    }
    const counted = { rateCounted: true };
    const pinned = await this.pipeline.run(
      this.request(ramp, { action: 'pin', settings: this.pinFor(ramp, 0) }),
      counted,
    );
    if (pinned.kind !== 'done') return this.abandon(ramp, 'pin', pinned, false);
    const resumed = await this.pipeline.run(this.request(ramp, { action: 'resume' }), counted);
    if (resumed.kind !== 'done') return this.abandon(ramp, 'resume', resumed, true);
    const started = await this.update(ramp.id, (current) => ({
      ...current,
      inFlight: undefined,
      history: sample(current.history, resumed.after?.waitlistSize),
    }));
    const posted = await this.reporter.report(started ?? ramp, resumed.after);
    if (posted) await this.update(ramp.id, (current) => ({ ...current, message: posted }));
    return { kind: 'started', ramp: (await this.get(id)) ?? ramp, after: resumed.after };
  }

  /** Ramps whose next step (or pending restore) is due, for the scheduler. */
  async advanceDue(): Promise<void> {
    const now = this.now();
    for (const { value } of await this.store.list<Ramp>(NAMESPACE)) {
      if (value.nextAt > now) continue;
      if (value.restore !== undefined) await this.retryRestore(value.id);
      else if (value.status === 'running' && !this.leased(value, now)) await this.advance(value.id);
    }
  }

  /** Holds the current limit until Continue. */
  hold(id: string, by: string): Promise<RampControlResult> {
    return this.control(id, ['running', 'failed'], (ramp) => ({
      ...ramp,
      status: 'held',
      event: { kind: 'held', by, at: this.now() },
    }));
  }

  proceed(id: string, by: string): Promise<RampControlResult> {
    return this.control(id, ['held', 'failed'], (ramp) => ({
      ...ramp,
      status: 'running',
      failures: 0,
      nextAt: this.now() + ramp.plan.stepSeconds * 1000,
      event: { kind: 'continued', by, at: this.now() },
    }));
  }

  /** Full limit now, pinning restored (as the starter). */
  async finish(id: string, by: string): Promise<RampControlResult> {
    const claimed = await this.control(id, ['running', 'held', 'failed'], (ramp) => ({
      ...ramp,
      status: 'done',
      endedBy: by,
      event: { kind: 'finished_early', by, at: this.now(), restored: false },
    }));
    if (claimed.kind !== 'done') return claimed;
    const restored = await this.restore(claimed.ramp, 'pin');
    return this.closeWith(claimed.ramp, restored, (event) =>
      event.kind === 'finished_early' ? { ...event, restored: restored.kind === 'restored' } : event,
    );
  }

  /** Pauses the key again (the `pause` request is the clicker's own change) and restores pinning. */
  async abort(
    id: string,
    by: string,
    pause: ChangeRequest & { change: QStashChange },
  ): Promise<RampControlResult> {
    const claimed = await this.control(id, ['running', 'held', 'failed'], (ramp) => ({
      ...ramp,
      status: 'aborted',
      endedBy: by,
      event: { kind: 'aborted', by, at: this.now(), pauseFailure: undefined, restored: false },
    }));
    if (claimed.kind !== 'done') return claimed;
    const paused = await this.pipeline.run(pause);
    const restored = await this.restore(claimed.ramp, 'pin');
    return this.closeWith(claimed.ramp, restored, (event) =>
      event.kind === 'aborted'
        ? {
            ...event,
            pauseFailure: paused.kind === 'done' ? undefined : failureOf(paused),
            restored: restored.kind === 'restored',
          }
        : event,
    );
  }

  /** Someone changed the key by hand: the ramp stops where it is and says so. */
  async interrupted(target: KeyRef, actorId: string, action: FlowAction): Promise<void> {
    const ramp = await this.forKey(target);
    if (!ramp || !ACTIVE.includes(ramp.status)) return;
    const stopped = await this.control(ramp.id, ACTIVE, (current) => ({
      ...current,
      status: 'stopped',
      endedBy: actorId,
      restore: undefined,
      event: { kind: 'stopped', by: actorId, at: this.now(), action },
    }));
    if (stopped.kind === 'done') await this.reporter.report(stopped.ramp, undefined);
  }

  private async advance(id: string): Promise<void> {
    const claimed = await this.claimStep(id);
    if (!claimed) return;
    const step = claimed.stepIndex + 1;
    const value = claimed.plan.values[step];
    if (value === undefined) return;
    // A step left in flight by a replica that died may have reached QStash: look before pinning again.
    const current = await this.pipeline.peek(claimed.target);
    const already = typeof current === 'object' && this.pinnedValue(claimed, current) === value;
    let state: FlowKeyState | undefined = typeof current === 'object' ? current : undefined;
    if (!already) {
      const outcome = await this.pipeline.run(
        this.request(claimed, { action: 'pin', settings: this.pinFor(claimed, step) }),
      );
      if (outcome.kind !== 'done') {
        await this.stepNotTaken(claimed, step, outcome);
        return;
      }
      state = outcome.after;
    }
    const last = step === claimed.plan.values.length - 1;
    const advanced = await this.update(id, (ramp) => ({
      ...ramp,
      stepIndex: step,
      inFlight: undefined,
      failures: 0,
      nextAt: this.now() + ramp.plan.stepSeconds * 1000,
      history: sample(ramp.history, state?.waitlistSize),
      ...(last
        ? { status: 'done' as const, event: { kind: 'finished' as const, at: this.now(), restored: false } }
        : {}),
    }));
    if (!advanced) return;
    if (last) {
      const restored = await this.restore(advanced, 'unpin');
      await this.settleRestore(id, restored);
    }
    await this.reporter.report((await this.get(id)) ?? advanced, state);
  }

  /** A step that did not happen: waits out a rate limit, stops when no longer allowed, retries QStash trouble. */
  private async stepNotTaken(
    ramp: Ramp,
    step: number,
    outcome: Exclude<Outcome, { kind: 'done' }>,
  ): Promise<void> {
    if (outcome.kind === 'refused' && outcome.refusal.code === 'rate_limited') {
      const until = this.now() + outcome.refusal.retryAfterMs;
      const deferred = await this.update(ramp.id, (current) => ({
        ...current,
        inFlight: undefined,
        nextAt: until,
        event: { kind: 'deferred', at: this.now(), step, until },
      }));
      if (deferred) await this.reporter.report(deferred, undefined);
      return;
    }
    if (outcome.kind === 'refused' && outcome.refusal.code !== 'directory_unavailable') {
      const stopped = await this.update(ramp.id, (current) => ({
        ...current,
        status: 'stopped',
        inFlight: undefined,
        event: { kind: 'refused', at: this.now(), step, refusal: outcome.refusal },
      }));
      if (stopped) await this.reporter.report(stopped, undefined);
      return;
    }
    const failures = ramp.failures + 1;
    const stuck = failures >= MAX_STEP_FAILURES;
    const updated = await this.update(ramp.id, (current) => ({
      ...current,
      inFlight: undefined,
      failures,
      // Backing off: the client already retried; the next attempts wait longer each time.
      nextAt: this.now() + Math.min(300_000, current.plan.stepSeconds * 1000 * 2 ** (failures - 1)),
      ...(stuck ? { status: 'failed' as const } : {}),
      event: { kind: 'step_failed', at: this.now(), step, failure: failureOf(outcome), stuck },
    }));
    if (updated && (stuck || failures === 1)) await this.reporter.report(updated, undefined);
  }

  private async claimStep(id: string): Promise<Ramp | undefined> {
    const entry = await this.store.getEntry<Ramp>(NAMESPACE, id);
    if (!entry) return undefined;
    const ramp = entry.value;
    const now = this.now();
    if (ramp.status !== 'running' || ramp.nextAt > now || this.leased(ramp, now)) return undefined;
    const claimed: Ramp = {
      ...ramp,
      inFlight: { step: ramp.stepIndex + 1, leaseUntil: now + STEP_LEASE_MS, holder: this.holder },
    };
    return (await this.store.compareAndSet(NAMESPACE, id, entry.version, claimed)) ? claimed : undefined;
  }

  private leased(ramp: Ramp, now: number): boolean {
    if (!ramp.inFlight || ramp.inFlight.leaseUntil <= now) return false;
    return ramp.inFlight.holder === undefined || ramp.inFlight.holder === this.holder;
  }

  /**
   * Puts the ramped limit back exactly as it was, as the starter: re-pinned if it was pinned, else the full
   * limit then unpinned. `from` skips the pin when the last step already pinned the full limit.
   */
  private async restore(ramp: Ramp, from: 'pin' | 'unpin'): Promise<Restored> {
    const { prior, mode, values } = ramp.plan;
    if (from === 'pin') {
      const pin = await this.pipeline.run(
        this.request(ramp, { action: 'pin', settings: this.pinValue(ramp, values.at(-1) ?? 1) }),
      );
      if (pin.kind !== 'done') return this.restoreNotDone(pin, 'pin');
    }
    const wasPinned = mode === 'rate' ? prior.pinnedRate : prior.pinnedParallelism;
    if (wasPinned) return { kind: 'restored' };
    const unpin = await this.pipeline.run(
      this.request(ramp, {
        action: 'unpin',
        settings: { parallelism: mode === 'parallelism', rate: mode === 'rate' },
      }),
    );
    return unpin.kind === 'done' ? { kind: 'restored' } : this.restoreNotDone(unpin, 'unpin');
  }

  private restoreNotDone(outcome: Outcome, from: 'pin' | 'unpin'): Restored {
    if (outcome.kind === 'refused' && outcome.refusal.code === 'rate_limited')
      return { kind: 'waiting', from, until: this.now() + outcome.refusal.retryAfterMs };
    return { kind: 'incomplete' };
  }

  /** Remembers a restore that waits for the rate limit; the scheduler tries it again then. */
  private async settleRestore(id: string, restored: Restored): Promise<Ramp | undefined> {
    return this.update(id, (ramp) => ({
      ...ramp,
      restore: restored.kind === 'waiting' ? restored.from : undefined,
      ...(restored.kind === 'waiting' ? { nextAt: restored.until } : {}),
      ...(ramp.event && 'restored' in ramp.event
        ? { event: { ...ramp.event, restored: restored.kind === 'restored' } }
        : {}),
    }));
  }

  private async retryRestore(id: string): Promise<void> {
    const entry = await this.store.getEntry<Ramp>(NAMESPACE, id);
    const from = entry?.value.restore;
    if (!entry || from === undefined) return;
    // Claimed by clearing it: one replica retries, and a failure below puts it back.
    const claimed: Ramp = { ...entry.value, restore: undefined };
    if (!(await this.store.compareAndSet(NAMESPACE, id, entry.version, claimed, keep(claimed)))) return;
    const restored = await this.restore(claimed, from);
    const settled = await this.settleRestore(id, restored);
    if (settled && restored.kind !== 'waiting') await this.reporter.report(settled, undefined);
  }

  private async abandon(
    ramp: Ramp,
    stage: 'pin' | 'resume',
    outcome: Exclude<Outcome, { kind: 'done' }>,
    pinned: boolean,
  ): Promise<RampStart> {
    // Nothing to put back when the first pin did not happen.
    const restored: Restored = pinned ? await this.restore(ramp, 'pin') : { kind: 'restored' };
    const failed = await this.update(ramp.id, (current) => ({
      ...current,
      status: 'aborted',
      inFlight: undefined,
      restore: restored.kind === 'waiting' ? restored.from : undefined,
      ...(restored.kind === 'waiting' ? { nextAt: restored.until } : {}),
      event: {
        kind: 'not_started',
        at: this.now(),
        stage,
        failure: failureOf(outcome),
        restored: restored.kind === 'restored',
      },
    }));
    if (failed) await this.reporter.report(failed, undefined);
    return { kind: 'not_started', outcome };
  }

  private async closeWith(
    ramp: Ramp,
    restored: Restored,
    settle: (event: RampEvent) => RampEvent,
  ): Promise<RampControlResult> {
    const settled =
      (await this.update(ramp.id, (current) => ({
        ...current,
        restore: restored.kind === 'waiting' ? restored.from : undefined,
        ...(restored.kind === 'waiting' ? { nextAt: restored.until } : {}),
        ...(current.event ? { event: settle(current.event) } : {}),
      }))) ?? ramp;
    const state = await this.pipeline.peek(ramp.target);
    await this.reporter.report(settled, typeof state === 'object' ? state : undefined);
    return { kind: 'done', ramp: settled };
  }

  private async control(
    id: string,
    from: readonly RampStatus[],
    change: (ramp: Ramp) => Ramp,
  ): Promise<RampControlResult> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const entry = await this.store.getEntry<Ramp>(NAMESPACE, id);
      if (!entry) return { kind: 'gone' };
      if (!from.includes(entry.value.status)) return { kind: 'not_applicable', status: entry.value.status };
      const next = change(entry.value);
      if (await this.store.compareAndSet(NAMESPACE, id, entry.version, next, keep(next))) {
        if (next.status === 'held' || next.status === 'running') await this.reporter.report(next, undefined);
        return { kind: 'done', ramp: next };
      }
    }
    return { kind: 'busy' };
  }

  private async update(id: string, change: (ramp: Ramp) => Ramp): Promise<Ramp | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const entry = await this.store.getEntry<Ramp>(NAMESPACE, id);
      if (!entry) return undefined;
      const next = change(entry.value);
      if (await this.store.compareAndSet(NAMESPACE, id, entry.version, next, keep(next))) return next;
    }
    return undefined;
  }

  /** One of the ramp's own changes: the starter's, with the ramp's request id and approval. */
  private request(ramp: Ramp, change: QStashChange): ChangeRequest & { change: QStashChange } {
    return {
      requestId: ramp.requestId ?? ramp.id,
      actorId: ramp.startedBy,
      ...(ramp.starterTeam !== undefined ? { foreignTeam: ramp.starterTeam } : {}),
      target: ramp.target,
      channelId: ramp.channelId,
      source: 'ramp',
      change,
      ...(ramp.approvedBy ? { approvedBy: ramp.approvedBy } : {}),
    };
  }

  private pinFor(ramp: Ramp, step: number): PinSettings {
    return this.pinValue(ramp, ramp.plan.values[step] ?? 1);
  }

  private pinValue(ramp: Ramp, value: number): PinSettings {
    return ramp.plan.mode === 'rate'
      ? { rate: value, ...(ramp.plan.period ? { period: ramp.plan.period } : {}) }
      : { parallelism: value };
  }

  private pinnedValue(ramp: Ramp, state: FlowKeyState): number | undefined {
    return ramp.plan.mode === 'rate'
      ? state.pinnedRate
        ? state.rateMax
        : undefined
      : state.pinnedParallelism
        ? state.parallelismMax
        : undefined;
  }
}

function keep(ramp: Ramp): { ttlMs?: number } {
  return isActive(ramp) ? {} : { ttlMs: KEEP_FINISHED_MS };
}

function sample(history: readonly number[], value: number | undefined): number[] {
  if (value === undefined) return [...history];
  return [...history, value].slice(-HISTORY);
}

/** What went wrong, as data to keep in the record (a QStashError's named facts, not the error object). */
