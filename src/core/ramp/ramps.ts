import type { KeyRef } from '../keys.js';
import type { FlowOperations } from '../operations/flow-operations.js';
import type { OperationRequest, Outcome } from '../operations/outcome.js';
import type { FlowKeyState, PinSettings } from '../qstash/types.js';
import type { StateStore } from '../store/state-store.js';
import type { RampPlan } from './ramp-plan.js';

export type RampStatus = 'running' | 'held' | 'done' | 'aborted' | 'stopped' | 'failed';

export interface Ramp {
  readonly id: string;
  readonly target: KeyRef;
  readonly startedBy: string;
  readonly channelId: string | undefined;
  readonly message?: { readonly channel: string; readonly ts: string };
  readonly plan: RampPlan;
  /** Index into plan.values of the limit now pinned. */
  readonly stepIndex: number;
  readonly status: RampStatus;
  readonly nextAt: number;
  readonly startedAt: number;
  /** Waitlist samples, oldest first, for the trend. */
  readonly history: readonly number[];
  /** A step being applied by some replica until `leaseUntil`; a crash leaves it to be checked, not repeated. */
  readonly inFlight?: { readonly step: number; readonly leaseUntil: number; readonly holder?: string };
  readonly failures: number;
  /** Why it ended or what is wrong, in words. */
  readonly note?: string;
  readonly endedBy?: string;
}

export interface RampReporter {
  /** Draws or redraws the progress message; returns where it is when it was posted. */
  report(ramp: Ramp, state: FlowKeyState | undefined): Promise<{ channel: string; ts: string } | undefined>;
}

const NAMESPACE = 'ramp';
const STEP_LEASE_MS = 60_000;
const MAX_STEP_FAILURES = 5;
const HISTORY = 24;
/** Finished ramps stay readable for late clicks and for "only one ramp per key" checks. */
const KEEP_FINISHED_MS = 7 * 86_400_000;

export type StartResult = { ok: true; ramp: Ramp } | { ok: false; problem: string };
export type ControlResult = { ok: true; ramp: Ramp } | { ok: false; problem: string };

function rampId(target: KeyRef): string {
  return `${target.environment}:${target.key}`;
}

const ACTIVE: readonly RampStatus[] = ['running', 'held', 'failed'];

/**
 * Ramped resumes: durable, one per key, each step applied once. Every change of a ramp is a compare-and-set
 * on its record, so two replicas (or a double click) can't both take a step or both finish it.
 */
export class Ramps {
  constructor(
    private readonly store: StateStore,
    private readonly operations: FlowOperations,
    private readonly reporter: RampReporter,
    private readonly now: () => number = Date.now,
    /**
     * This replica. Steps run only on the leader, so a step left in flight by another holder was left by a
     * leader that died (or lost the lead): it is checked and finished now instead of after its lease.
     */
    private readonly holder = 'local',
  ) {}

  async get(id: string): Promise<Ramp | undefined> {
    return this.store.get<Ramp>(NAMESPACE, id);
  }

  async forKey(target: KeyRef): Promise<Ramp | undefined> {
    return this.get(rampId(target));
  }

  /** Pins the first limit, resumes the key and posts the progress message. */
  async start(
    target: KeyRef,
    plan: RampPlan,
    startedBy: string,
    channelId: string | undefined,
  ): Promise<StartResult> {
    const id = rampId(target);
    const existing = await this.store.getEntry<Ramp>(NAMESPACE, id);
    if (existing && ACTIVE.includes(existing.value.status)) {
      return {
        ok: false,
        problem: `A ramp is already in progress on this key (started by <@${existing.value.startedBy}>).`,
      };
    }
    const now = this.now();
    const ramp: Ramp = {
      id,
      target,
      startedBy,
      channelId,
      plan,
      stepIndex: 0,
      status: 'running',
      nextAt: now + plan.stepSeconds * 1000,
      startedAt: now,
      history: [plan.waitlistAtStart],
      inFlight: { step: 0, leaseUntil: now + STEP_LEASE_MS, holder: this.holder },
      failures: 0,
    };
    if (!(await this.store.compareAndSet(NAMESPACE, id, existing?.version, ramp))) {
      return { ok: false, problem: 'A ramp was just started on this key by someone else.' };
    }
    const pinned = await this.operations.pin(this.request(ramp), this.pinFor(ramp, 0));
    if (pinned.kind !== 'done')
      return this.abandon(ramp, `could not pin the starting limit: ${words(pinned)}`);
    const resumed = await this.operations.resume(this.request(ramp));
    if (resumed.kind !== 'done') return this.abandon(ramp, `could not resume the key: ${words(resumed)}`);
    const started = await this.update(ramp.id, (current) => ({
      ...current,
      inFlight: undefined,
      history: sample(current.history, resumed.after?.waitlistSize),
    }));
    const posted = await this.reporter.report(started ?? ramp, resumed.after);
    if (posted) await this.update(ramp.id, (current) => ({ ...current, message: posted }));
    return { ok: true, ramp: (await this.get(id)) ?? ramp };
  }

  /** Ramps whose next step is due, for the scheduler. */
  async advanceDue(): Promise<void> {
    const now = this.now();
    for (const { value } of await this.store.list<Ramp>(NAMESPACE)) {
      if (value.status !== 'running' || value.nextAt > now) continue;
      if (this.leased(value, now)) continue;
      await this.advance(value.id);
    }
  }

  /** Holds the current limit until Continue. */
  hold(id: string, actorId: string): Promise<ControlResult> {
    return this.control(id, ['running', 'failed'], (ramp) => ({
      ...ramp,
      status: 'held',
      note: `Held by <@${actorId}>.`,
    }));
  }

  proceed(id: string, actorId: string): Promise<ControlResult> {
    return this.control(id, ['held', 'failed'], (ramp) => ({
      ...ramp,
      status: 'running',
      failures: 0,
      nextAt: this.now() + ramp.plan.stepSeconds * 1000,
      note: `Continued by <@${actorId}>.`,
    }));
  }

  /** Full limit now, pinning restored. */
  async finish(id: string, actorId: string): Promise<ControlResult> {
    const claimed = await this.control(id, ['running', 'held', 'failed'], (ramp) => ({
      ...ramp,
      status: 'done',
      endedBy: actorId,
      note: `Finished early by <@${actorId}>.`,
    }));
    if (!claimed.ok) return claimed;
    const restored = await this.restore(claimed.ramp);
    return this.closeWith(
      claimed.ramp,
      restored,
      restored ? undefined : 'Finished, but the pinning could not be fully restored; check `/flow status`.',
    );
  }

  /** Pauses the key again and restores pinning. */
  async abort(id: string, actorId: string): Promise<ControlResult> {
    const claimed = await this.control(id, ['running', 'held', 'failed'], (ramp) => ({
      ...ramp,
      status: 'aborted',
      endedBy: actorId,
      note: `Aborted by <@${actorId}>: the key is paused again.`,
    }));
    if (!claimed.ok) return claimed;
    const paused = await this.operations.pause(this.request(claimed.ramp));
    const restored = await this.restore(claimed.ramp);
    const problem =
      paused.kind !== 'done'
        ? `Aborted, but pausing the key failed (${words(paused)}): it may still be delivering at the current limit.`
        : restored
          ? undefined
          : 'Aborted and paused, but the pinning could not be fully restored; check `/flow status`.';
    return this.closeWith(claimed.ramp, restored && paused.kind === 'done', problem);
  }

  /** Someone changed the key by hand: the ramp stops where it is and says so. */
  async interrupted(target: KeyRef, actorId: string, action: string): Promise<void> {
    const ramp = await this.forKey(target);
    if (!ramp || !ACTIVE.includes(ramp.status)) return;
    const stopped = await this.control(ramp.id, ACTIVE, (current) => ({
      ...current,
      status: 'stopped',
      endedBy: actorId,
      note: `Stopped: <@${actorId}> used ${action} on the key by hand. The key’s pinning is left as it is now.`,
    }));
    if (stopped.ok) await this.reporter.report(stopped.ramp, undefined);
  }

  private async advance(id: string): Promise<void> {
    const claimed = await this.claimStep(id);
    if (!claimed) return;
    const step = claimed.stepIndex + 1;
    const value = claimed.plan.values[step];
    if (value === undefined) return;
    // A step left in flight by a replica that died may have reached QStash: look before pinning again.
    const current = await this.operations.peek(claimed.target);
    const already = typeof current === 'object' && this.pinnedValue(claimed, current) === value;
    let state: FlowKeyState | undefined = typeof current === 'object' ? current : undefined;
    if (!already) {
      const outcome = await this.operations.pin(this.request(claimed), this.pinFor(claimed, step));
      if (outcome.kind !== 'done') {
        await this.stepFailed(claimed, words(outcome));
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
        ? { status: 'done' as const, note: 'Reached the key’s configured limit; pinning restored.' }
        : {}),
    }));
    if (!advanced) return;
    if (last) {
      const restored = await this.restore(advanced, true);
      if (!restored) {
        await this.update(id, (ramp) => ({
          ...ramp,
          note: 'Reached the full limit, but the pinning could not be fully restored; check `/flow status`.',
        }));
      }
    }
    await this.reporter.report((await this.get(id)) ?? advanced, state);
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

  private async stepFailed(ramp: Ramp, reason: string): Promise<void> {
    const failures = ramp.failures + 1;
    const giveUp = failures >= MAX_STEP_FAILURES;
    const updated = await this.update(ramp.id, (current) => ({
      ...current,
      inFlight: undefined,
      failures,
      // Backing off: the client already retried; the next attempts wait longer each time.
      nextAt: this.now() + Math.min(300_000, current.plan.stepSeconds * 1000 * 2 ** (failures - 1)),
      ...(giveUp
        ? {
            status: 'failed' as const,
            note: `Ramp stuck at step ${current.stepIndex + 1} of ${current.plan.values.length}: ${reason}. The key is delivering at the current, lower limit. Use Continue to try again, Finish now or Abort.`,
          }
        : { note: `Step ${current.stepIndex + 2} failed (${reason}); retrying.` }),
    }));
    if (updated && (giveUp || failures === 1)) await this.reporter.report(updated, undefined);
  }

  /** Puts the ramped limit back exactly as it was: re-pinned if it was pinned, else full limit then unpinned. */
  private async restore(ramp: Ramp, atFullLimit = false): Promise<boolean> {
    const { prior, mode, values } = ramp.plan;
    const full = values.at(-1) ?? 1;
    if (!atFullLimit) {
      const pin = await this.operations.pin(this.request(ramp), this.pinValue(ramp, full));
      if (pin.kind !== 'done') return false;
    }
    const wasPinned = mode === 'rate' ? prior.pinnedRate : prior.pinnedParallelism;
    if (wasPinned) return true;
    const unpin = await this.operations.unpin(this.request(ramp), {
      parallelism: mode === 'parallelism',
      rate: mode === 'rate',
    });
    return unpin.kind === 'done';
  }

  private async abandon(ramp: Ramp, reason: string): Promise<StartResult> {
    await this.update(ramp.id, (current) => ({
      ...current,
      status: 'failed',
      inFlight: undefined,
      note: `Could not start: ${reason}.`,
    }));
    const restored = await this.restore(ramp);
    const failed = await this.update(ramp.id, (current) => ({
      ...current,
      status: 'aborted',
      note: `Could not start: ${reason}. ${restored ? 'Pinning was restored.' : 'Pinning may not be restored; check `/flow status`.'}`,
    }));
    if (failed) await this.reporter.report(failed, undefined);
    return { ok: false, problem: `The ramp could not start: ${reason}.` };
  }

  private async closeWith(ramp: Ramp, ok: boolean, problem: string | undefined): Promise<ControlResult> {
    const updated = problem ? await this.update(ramp.id, (current) => ({ ...current, note: problem })) : ramp;
    const state = await this.operations.peek(ramp.target);
    await this.reporter.report(updated ?? ramp, typeof state === 'object' ? state : undefined);
    return ok || updated ? { ok: true, ramp: updated ?? ramp } : { ok: false, problem: problem ?? 'failed' };
  }

  private async control(
    id: string,
    from: readonly RampStatus[],
    change: (ramp: Ramp) => Ramp,
  ): Promise<ControlResult> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const entry = await this.store.getEntry<Ramp>(NAMESPACE, id);
      if (!entry) return { ok: false, problem: 'There is no such ramp any more.' };
      if (!from.includes(entry.value.status)) {
        return { ok: false, problem: `The ramp is ${entry.value.status}; that button no longer applies.` };
      }
      const next = change(entry.value);
      if (await this.store.compareAndSet(NAMESPACE, id, entry.version, next, keep(next))) {
        if (next.status === 'held' || next.status === 'running') await this.reporter.report(next, undefined);
        return { ok: true, ramp: next };
      }
    }
    return { ok: false, problem: 'The ramp is changing right now; try again.' };
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

  private request(ramp: Ramp): OperationRequest {
    return {
      actorId: ramp.startedBy,
      target: ramp.target,
      channelId: ramp.channelId,
      source: 'ramp',
      scheduled: true,
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
  return ACTIVE.includes(ramp.status) ? {} : { ttlMs: KEEP_FINISHED_MS };
}

function sample(history: readonly number[], value: number | undefined): number[] {
  if (value === undefined) return [...history];
  return [...history, value].slice(-HISTORY);
}

function words(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'failed':
      return `QStash ${outcome.error.kind.replace('_', ' ')}`;
    case 'refused':
      return outcome.explanation;
    default:
      return outcome.kind;
  }
}
