import { randomUUID } from 'node:crypto';
import type { AccessPolicy, Actor } from '../access/types.js';
import { type AuditLog, auditRecorder } from '../audit.js';
import { compileGlob } from '../glob.js';
import type { KeyRef } from '../keys.js';
import type { DecisionOutcome, DecisionRequest } from '../operations/approval-decisions.js';
import { actorOf, authorizeAll } from '../operations/authorize.js';
import { type Change, type ChangeRequest, type ReadRequest, requiredActions } from '../operations/change.js';
import type { Outcome } from '../operations/outcome.js';
import type { RunOptions } from '../operations/pipeline.js';
import type { Refusal } from '../operations/refusal.js';
import { pool } from '../pool.js';
import type { QStashEnvironments } from '../qstash/environments.js';
import { QStashError, type QStashErrorKind } from '../qstash/errors.js';
import type { FlowKeyState } from '../qstash/types.js';
import type { MutationRateLimiter } from '../rate-limit.js';
import { Lease } from '../store/lease.js';
import type { StateStore } from '../store/state-store.js';
import type { BulkBatch, BulkKeyResult, BulkProposal, PreviewKey } from './bulk-batch.js';
import type { KeyPattern } from './key-pattern.js';

/** Draws the batch's messages (the adapter's): each returns where the message is once posted. */
export interface BulkReporter {
  /** Posts the summary (no `message` yet) or redraws it in place. */
  summary(batch: BulkBatch): Promise<{ channel: string; ts: string } | undefined>;
  /**
   * Posts the approval card of the batch's keys that need one (no card yet), or redraws it: where it is, or
   * Slack's error code when Slack did not take a new card (the adapter has logged why).
   */
  approvalCard(batch: BulkBatch): Promise<{ channel: string; ts: string } | { error: string }>;
}

/** How fast a batch goes. */
export interface BulkPacing {
  /** Keys in flight at once, per batch. */
  readonly concurrency: number;
  /**
   * QStash requests per second the batches of one replica may make together. QStash's burst limit on these
   * endpoints is per second and per account (100/s on the Free and Pay-as-you-go plans, per
   * https://upstash.com/docs/qstash/overall/pricing and https://upstash.com/docs/qstash/api/api-ratelimiting),
   * shared with the watcher and everyone else using the token, so a batch stays well under it.
   */
  readonly qstashRequestsPerSecond: number;
  /** The summary is redrawn at most this often (chat.update is Tier 3, about 50 a minute). */
  readonly summaryIntervalMs: number;
  /** A batch's runner holds it this long without renewing; after that another replica may finish it. */
  readonly leaseMs: number;
}

export const DEFAULT_BULK_PACING: BulkPacing = {
  concurrency: 5,
  qstashRequestsPerSecond: 50,
  summaryIntervalMs: 1_500,
  leaseMs: 15_000,
};

/** Without a policy limit, one bulk request changes at most this many keys. */
export const DEFAULT_BULK_MAX_KEYS = 500;
/** Every ramp posts and redraws its own progress message: more than this would flood the channel. */
export const MAX_BULK_RAMPS = 20;
/**
 * A bulk request counts against the person's rate limit (`FLOW_RATE_LIMIT`) as one change per this many keys
 * (rounded up), all taken when it is confirmed: a batch is refused whole, never cut off halfway.
 */
export const KEYS_PER_RATE_UNIT = 25;
/**
 * What a bulk request of `keys` keys takes from the person's rate limit: one change per KEYS_PER_RATE_UNIT keys,
 * twice that for a timed pause (its resumes, later, are counted with it and not again when they run).
 */
export function rateUnits(keys: number, change: Change): number {
  const units = Math.ceil(keys / KEYS_PER_RATE_UNIT);
  return change.action === 'pause' && change.forMs ? 2 * units : units;
}

/** The most keys a bulk request of `change` may have for its rate units to stay within `units`. */
export function keysWithin(units: number, change: Change): number {
  const timed = change.action === 'pause' && change.forMs;
  return KEYS_PER_RATE_UNIT * (timed ? Math.floor(units / 2) : units);
}

/** QStash calls one key's change makes through the pipeline: read, change, read again. */
const CALLS_PER_KEY = 3;
/** Attempts per key for QStash trouble that a later try can get past (the client retries within each). */
const KEY_ATTEMPTS = 3;
const RETRYABLE: ReadonlySet<QStashErrorKind> = new Set(['rate_limited', 'unavailable', 'timeout']);
const PROPOSALS = 'bulk-proposal';
const BATCHES = 'bulk';
/** Finished batches stay readable for late clicks on their cards. */
const KEEP_BATCH_MS = 7 * 86_400_000;

export interface BulkParts {
  readonly environments: QStashEnvironments;
  readonly policy: AccessPolicy;
  readonly audit: AuditLog;
  readonly store: StateStore;
  readonly rateLimiter: MutationRateLimiter | undefined;
  /** One key's change through the pipeline (already counted against the rate limit). */
  readonly run: (request: ChangeRequest, options: RunOptions) => Promise<Outcome>;
  /** The key's state now, unaudited: 'not_found', or undefined when QStash could not say. */
  readonly peek: (target: KeyRef) => Promise<FlowKeyState | 'not_found' | undefined>;
  readonly approve: (request: DecisionRequest, options: RunOptions) => Promise<DecisionOutcome>;
  readonly reject: (request: DecisionRequest) => Promise<DecisionOutcome>;
  /** Drops an approval request nobody can decide on (its card was refused); false if it is gone already. */
  readonly dropApproval: (approvalId: string, requesterId: string) => Promise<boolean>;
  readonly reporter: BulkReporter;
  readonly pacing: BulkPacing;
  readonly holderId: string;
  readonly now: () => number;
  readonly proposalTtlMs: number;
}

/** What a pattern would do, before anything is done. */
export type BulkPreview =
  /** No key in the environment(s) matches. */
  | { readonly kind: 'no_match'; readonly unreadable: readonly UnreadableEnvironment[] }
  /** Keys match, but none the person may see. */
  | { readonly kind: 'none_visible'; readonly unreadable: readonly UnreadableEnvironment[] }
  /** No environment could be listed. */
  | { readonly kind: 'failed'; readonly error: QStashError }
  /** More keys would change than the person's limit allows. */
  | {
      readonly kind: 'too_many';
      readonly count: number;
      readonly max: number;
      /** Which bound: the policy's `maxKeys`, ramps per request, or what the person's whole rate limit covers. */
      readonly limit: 'policy' | 'ramps' | 'rate';
    }
  | {
      readonly kind: 'proposed';
      readonly keys: readonly PreviewKey[];
      /** Undefined when no key can be changed (nothing to confirm). */
      readonly proposal: BulkProposal | undefined;
      readonly unreadable: readonly UnreadableEnvironment[];
      readonly expiresInMs: number;
    };

export interface UnreadableEnvironment {
  readonly environment: string;
  readonly error: QStashError;
}

export type BulkConfirmResult =
  | { readonly kind: 'confirmed'; readonly batch: BulkBatch }
  | { readonly kind: 'gone' }
  | { readonly kind: 'not_yours' }
  | { readonly kind: 'refused'; readonly refusal: Refusal };

/** A decision on a batch's approval card. */
export type BulkDecisionOutcome =
  | { readonly kind: 'gone' }
  | { readonly kind: 'own_request' }
  /** The decider may not approve any of the waiting keys. */
  | { readonly kind: 'refused'; readonly refusal: Refusal; readonly target: KeyRef }
  | {
      readonly kind: 'decided';
      readonly batch: BulkBatch;
      readonly decision: 'approved' | 'rejected';
      /** Keys decided now; keys the decider may not approve stay waiting for someone who may. */
      readonly decided: number;
      readonly notAllowed: number;
    };

export interface BulkDecisionRequest {
  readonly requestId: string;
  readonly actorId: string;
  /** The person's own team or org when it is not Flowbot's (a Slack Connect guest): see `Actor`. */
  readonly foreignTeam?: string;
  readonly channelId: string | undefined;
  readonly batchId: string;
}

/**
 * Changes by pattern: a preview of every key a pattern matches (what each would do, as the pipeline would
 * decide it), then, once confirmed, each key through the pipeline on its own (authorized, audited, once)
 * with source `bulk`, at a bounded pace, its progress kept in the store so that a restart or another replica
 * finishes the batch. One summary message per batch, redrawn at a coalesced pace; one approval card for the
 * keys that need a second person.
 */
export class BulkActions {
  private readonly running = new Map<string, Promise<unknown>>();
  private stopping = false;
  private nextStartAt = 0;

  constructor(private readonly parts: BulkParts) {}

  /** The most keys one bulk request of this person may change: their rules granting `bulk`, else the policy's. */
  async maxKeys(actor: Actor): Promise<number> {
    const global = this.parts.policy.bulkMaxKeys?.() ?? DEFAULT_BULK_MAX_KEYS;
    const { grants } = await this.parts.policy.grantsFor(actor.userId, actor.foreignTeam);
    const limits = grants
      .filter(
        (grant) =>
          grant.effect === 'allow' && (grant.actions.includes('bulk') || grant.actions.includes('*')),
      )
      .map((grant) => grant.maxKeys ?? global);
    return limits.length > 0 ? Math.max(...limits) : global;
  }

  /**
   * Every key the pattern matches that the person may see (`list`), with its state and what the pipeline
   * would do with it for them now. Keys they may change are kept as a proposal for their Confirm. Audited
   * once, as a preview.
   */
  async preview(
    request: ReadRequest & { readonly pattern: KeyPattern; readonly change: Change },
  ): Promise<BulkPreview> {
    const { pattern, change, actorId, channelId } = request;
    const actor = actorOf(request);
    const record = auditRecorder(
      this.parts.audit,
      {
        actor: actorId,
        action: change.action,
        key: pattern.pattern,
        environment: pattern.environments.join(','),
        channel: channelId,
        source: request.source,
        requestId: request.requestId,
      },
      { bulk: 'preview' },
    );
    const unreadable: UnreadableEnvironment[] = [];
    const keys: PreviewKey[] = [];
    let matched = 0;
    const matches = compileGlob(pattern.pattern);
    for (const environment of pattern.environments) {
      let listed: FlowKeyState[];
      try {
        listed = await this.parts.environments.client(environment).list();
      } catch (error) {
        unreadable.push({ environment, error: QStashError.from(error) });
        continue;
      }
      const matching = listed
        .filter((state) => matches(state.key))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      matched += matching.length;
      for (const state of matching) {
        const target = { environment, key: state.key };
        const visible = await this.parts.policy.authorize({
          actor,
          action: 'list',
          environment,
          key: state.key,
          channelId,
        });
        if (visible.kind === 'refused') continue;
        keys.push({ target, state, verdict: await this.verdict(actor, channelId, target, change) });
      }
    }
    if (unreadable.length === pattern.environments.length && unreadable[0]) {
      record('failed', unreadable[0].error.kind);
      return { kind: 'failed', error: unreadable[0].error };
    }
    if (matched === 0) {
      record('done', undefined, {}, { matched: 0 });
      return { kind: 'no_match', unreadable };
    }
    if (keys.length === 0) {
      record('done', undefined, {}, { matched, visible: 0 });
      return { kind: 'none_visible', unreadable };
    }
    const changeable = keys.filter((key) => key.verdict.kind !== 'refused');
    const limit = change.action === 'ramp' ? 'ramps' : 'policy';
    const max =
      change.action === 'ramp'
        ? Math.min(MAX_BULK_RAMPS, await this.maxKeys(actor))
        : await this.maxKeys(actor);
    if (changeable.length > max) {
      record('denied', 'bulk_too_many', {}, { matched, changeable: changeable.length, max });
      return { kind: 'too_many', count: changeable.length, max, limit };
    }
    // A batch is taken whole against the rate limit: one larger than the whole limit could never be confirmed.
    const rateLimit = this.parts.rateLimiter?.limit;
    if (rateLimit !== undefined && rateUnits(changeable.length, change) > rateLimit) {
      const covered = keysWithin(rateLimit, change);
      record('denied', 'bulk_too_many', {}, { matched, changeable: changeable.length, max: covered });
      return { kind: 'too_many', count: changeable.length, max: covered, limit: 'rate' };
    }
    record('done', undefined, {}, { matched, visible: keys.length, changeable: changeable.length });
    const expiresInMs = this.parts.proposalTtlMs;
    if (changeable.length === 0)
      return { kind: 'proposed', keys, proposal: undefined, unreadable, expiresInMs };
    const proposal: BulkProposal = {
      id: randomUUID(),
      actorId,
      ...(request.foreignTeam !== undefined ? { foreignTeam: request.foreignTeam } : {}),
      channelId,
      change,
      pattern,
      targets: keys.map((key) => key.target),
      units: rateUnits(changeable.length, change),
      createdAt: this.parts.now(),
    };
    await this.parts.store.set(PROPOSALS, proposal.id, proposal, { ttlMs: expiresInMs });
    return { kind: 'proposed', keys, proposal, unreadable, expiresInMs };
  }

  /**
   * Confirm: the proposal, for the person who asked only, taken once (a double click or a replay on another
   * replica finds it gone); the batch's share of the rate limit is taken whole; the batch is stored, ready
   * to run.
   */
  async confirm(request: BulkDecisionRequest): Promise<BulkConfirmResult> {
    const { batchId: id, actorId } = request;
    if (!isHandle(id)) return { kind: 'gone' };
    const open = await this.parts.store.get<BulkProposal>(PROPOSALS, id);
    if (!open) return { kind: 'gone' };
    if (!samePerson(open, request)) return { kind: 'not_yours' };
    const proposal = await this.parts.store.take<BulkProposal>(PROPOSALS, id);
    if (!proposal) return { kind: 'gone' };
    const record = auditRecorder(
      this.parts.audit,
      {
        actor: actorId,
        action: proposal.change.action,
        key: proposal.pattern.pattern,
        environment: proposal.pattern.environments.join(','),
        channel: proposal.channelId,
        source: 'bulk',
        requestId: request.requestId,
      },
      { bulk: 'confirm', keys: proposal.targets.length, units: proposal.units },
    );
    const { rateLimiter } = this.parts;
    if (rateLimiter) {
      const rate = await rateLimiter.take(actorId, proposal.units);
      if (rate.kind === 'limited') {
        record('denied', 'rate_limited');
        return {
          kind: 'refused',
          refusal: {
            code: 'rate_limited',
            limit: rate.limit,
            windowMs: rateLimiter.windowMs,
            retryAfterMs: rate.retryAfterMs,
            used: rate.used,
            wanted: rate.wanted,
          },
        };
      }
    }
    const batch: BulkBatch = {
      id: proposal.id,
      requestId: request.requestId,
      actorId,
      ...(proposal.foreignTeam !== undefined ? { foreignTeam: proposal.foreignTeam } : {}),
      channelId: proposal.channelId,
      change: proposal.change,
      pattern: proposal.pattern,
      keys: proposal.targets.map((target) => ({ target, result: { kind: 'pending' } })),
      createdAt: this.parts.now(),
    };
    await this.parts.store.set(BATCHES, batch.id, batch, { ttlMs: KEEP_BATCH_MS });
    record('done');
    return { kind: 'confirmed', batch };
  }

  /** Cancel: the person who asked drops their proposal. */
  async cancel(
    id: string,
    person: { readonly actorId: string; readonly foreignTeam?: string },
  ): Promise<BulkProposal | undefined> {
    if (!isHandle(id)) return undefined;
    const open = await this.parts.store.get<BulkProposal>(PROPOSALS, id);
    if (!open || !samePerson(open, person)) return undefined;
    return this.parts.store.take<BulkProposal>(PROPOSALS, id);
  }

  get(id: string): Promise<BulkBatch | undefined> {
    if (!isHandle(id)) return Promise.resolve(undefined);
    return this.parts.store.get<BulkBatch>(BATCHES, id);
  }

  /**
   * Runs the batch's keys that have not run yet, if no other runner holds it; resolves when this runner is
   * done with it (every key run, or this replica stopping). Returns the batch as it then is.
   */
  run(id: string): Promise<BulkBatch | undefined> {
    const existing = this.running.get(id);
    if (existing) return existing.then(() => this.get(id));
    const running = this.runHeld(id).finally(() => this.running.delete(id));
    this.running.set(id, running);
    return running;
  }

  /** Batches left unfinished by a runner that stopped or died: this replica finishes them (the scheduler's job). */
  async resumeStalled(): Promise<void> {
    if (this.stopping) return;
    for (const { id, value } of await this.parts.store.list<BulkBatch>(BATCHES)) {
      if (value.finishedAt !== undefined || this.running.has(id)) continue;
      if (!value.keys.some((key) => key.result.kind === 'pending')) continue;
      void this.run(id).catch(() => {
        // Tried again on the next pass; the lease keeps two runners apart.
      });
    }
  }

  /**
   * Keys whose approval nobody gave in time end as `expired`, and the batch's card and summary are redrawn so
   * that nobody is left looking at Approve buttons that can do nothing (the scheduler's job; the approval
   * requests themselves expire, and are audited, with every other approval).
   */
  async expireApprovals(): Promise<void> {
    const now = this.parts.now();
    const ranOut = (key: BulkBatch['keys'][number]) =>
      key.result.kind === 'awaiting_approval' && key.result.expiresAt <= now;
    for (const { id, value } of await this.parts.store.list<BulkBatch>(BATCHES)) {
      if (!value.keys.some(ranOut)) continue;
      const updated = await this.update(id, (current) => ({
        ...current,
        keys: current.keys.map((key) => (ranOut(key) ? { ...key, result: { kind: 'expired' } } : key)),
      }));
      if (!updated) continue;
      await this.parts.reporter.approvalCard(updated).catch(() => undefined);
      await this.parts.reporter.summary(updated).catch(() => undefined);
    }
  }

  /** Stops starting keys; the keys in flight finish and are recorded, and the batches' leases are let go. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.running.values()]);
  }

  /**
   * Approve on the batch's card: each waiting key's own approval, decided by this approver (core checks their
   * `approve` on each key, and the first decision of each key wins), then run as the requester's.
   */
  approve(request: BulkDecisionRequest): Promise<BulkDecisionOutcome> {
    return this.decide(request, 'approved');
  }

  /** Reject on the batch's card (anyone allowed to approve, or the requester withdrawing): nothing changes. */
  reject(request: BulkDecisionRequest): Promise<BulkDecisionOutcome> {
    return this.decide(request, 'rejected');
  }

  private async verdict(
    actor: Actor,
    channelId: string | undefined,
    target: KeyRef,
    change: Change,
  ): Promise<PreviewKey['verdict']> {
    const auth = await authorizeAll(
      this.parts.policy,
      actor,
      requiredActions(change, 'bulk'),
      target,
      channelId,
    );
    if (auth.kind === 'refused') return { kind: 'refused', refusal: auth.refusal };
    if (!auth.approval) return { kind: 'allowed' };
    if (channelId === undefined) return { kind: 'refused', refusal: { code: 'approval_needs_channel' } };
    return { kind: 'needs_approval', rule: auth.approval.rule };
  }

  private async runHeld(id: string): Promise<BulkBatch | undefined> {
    if (this.stopping) return this.get(id);
    const { holderId, pacing } = this.parts;
    const lease = new Lease(this.parts.store, `bulk:${id}`);
    if (!(await lease.tryAcquire(holderId, pacing.leaseMs))) return this.get(id);
    const renewal = setInterval(
      () => void lease.renew(holderId, pacing.leaseMs).catch(() => {}),
      Math.max(100, Math.floor(pacing.leaseMs / 3)),
    );
    renewal.unref?.();
    try {
      return await this.drive(id);
    } finally {
      clearInterval(renewal);
      await lease.release(holderId).catch(() => false);
    }
  }

  private async drive(id: string): Promise<BulkBatch | undefined> {
    const stored = await this.get(id);
    if (!stored) return undefined;
    let batch: BulkBatch = stored;
    if (!batch.message) {
      const posted = await this.parts.reporter.summary(batch).catch(() => undefined);
      if (posted) batch = (await this.update(id, (current) => ({ ...current, message: posted }))) ?? batch;
    }
    const start = batch;
    const pending = start.keys.flatMap((key, index) => (key.result.kind === 'pending' ? [index] : []));
    const results = new Map<number, BulkKeyResult>();
    const progress = new Coalesced(this.parts.pacing.summaryIntervalMs, this.parts.now, async () => {
      batch = (await this.record(id, results)) ?? batch;
      await this.parts.reporter.summary(batch).catch(() => undefined);
    });
    await pool(pending, this.parts.pacing.concurrency, async (index) => {
      if (this.stopping) return;
      await this.pace(start.change);
      const key = start.keys[index];
      if (!key) return;
      results.set(index, await this.runKey(start, index, key.target));
      progress.poke();
    });
    await progress.settle();
    batch = (await this.record(id, results)) ?? batch;
    if (batch.keys.some((key) => key.result.kind === 'pending')) return batch;
    if (batch.keys.some((key) => key.result.kind === 'awaiting_approval') && !batch.approval?.message) {
      const posted = await this.parts.reporter
        .approvalCard(batch)
        .catch((): { error: string } => ({ error: 'unreachable' }));
      batch =
        'error' in posted
          ? await this.dropApprovals(batch, posted.error)
          : ((await this.update(id, (current) => ({
              ...current,
              approval: { ...current.approval, message: posted },
            }))) ?? batch);
    }
    if (batch.finishedAt === undefined) {
      const at = this.parts.now();
      batch = (await this.update(id, (current) => ({ ...current, finishedAt: at }))) ?? batch;
    }
    await this.parts.reporter.summary(batch).catch(() => undefined);
    return batch;
  }

  /** One key through the pipeline, as the person who confirmed, once; QStash trouble is tried again. */
  private async runKey(batch: BulkBatch, index: number, target: KeyRef): Promise<BulkKeyResult> {
    let onceId = `bulk:${batch.id}:${index}`;
    let claimChecked = false;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.parts.run(
        {
          requestId: batch.requestId,
          actorId: batch.actorId,
          ...(batch.foreignTeam !== undefined ? { foreignTeam: batch.foreignTeam } : {}),
          target,
          channelId: batch.channelId,
          source: 'bulk',
          change: batch.change,
          onceId,
        },
        { rateCounted: true },
      );
      if (outcome.kind === 'duplicate' && !claimChecked) {
        // The key's once-claim is held: an earlier runner of this batch (stopped, or on a replica that died)
        // claimed it, and either changed the key or died before it could. The key's state says which.
        claimChecked = true;
        const held = await this.heldClaim(batch.change, target);
        if (held !== 'again') return held;
        onceId = `${onceId}:again`;
        continue;
      }
      if (
        outcome.kind === 'failed' &&
        RETRYABLE.has(outcome.error.kind) &&
        attempt < KEY_ATTEMPTS &&
        !this.stopping
      ) {
        await sleep(500 * attempt);
        continue;
      }
      return resultOf(outcome);
    }
  }

  /**
   * A key whose once-claim an earlier runner holds: done when the key is already as the change leaves it,
   * 'again' when it is not (that runner died before changing it), failed when QStash can't say. Ramps and
   * other changes leave no single state to check, so their claim counts as done, as it always did.
   */
  private async heldClaim(change: Change, target: KeyRef): Promise<BulkKeyResult | 'again'> {
    if (change.action !== 'pause' && change.action !== 'resume') return { kind: 'done' };
    const state = await this.parts.peek(target);
    if (state === undefined) return { kind: 'failed', error: 'unavailable' };
    if (state === 'not_found') return { kind: 'failed', error: 'not_found' };
    if (state.paused !== (change.action === 'pause')) return 'again';
    return { kind: 'done', paused: state.paused, waitlist: state.waitlistSize };
  }

  /** Spaces key starts so that this replica's batches together stay under the QStash requests per second. */
  private async pace(change: Change): Promise<void> {
    const calls = change.action === 'ramp' ? CALLS_PER_KEY + 2 : CALLS_PER_KEY;
    const gap = (1000 * calls) / Math.max(1, this.parts.pacing.qstashRequestsPerSecond);
    const now = this.parts.now();
    const start = Math.max(now, this.nextStartAt);
    this.nextStartAt = start + gap;
    if (start > now) await sleep(start - now);
  }

  /**
   * The approval card was refused, so nobody could approve its keys: their approval requests are dropped and
   * the keys end refused, as a single key's request does. A key someone decided meanwhile (from the Home tab)
   * keeps that decision.
   */
  private async dropApprovals(batch: BulkBatch, error: string): Promise<BulkBatch> {
    const dropped = new Set<number>();
    for (const [index, key] of batch.keys.entries()) {
      if (key.result.kind !== 'awaiting_approval') continue;
      if (await this.parts.dropApproval(key.result.approvalId, batch.actorId)) dropped.add(index);
    }
    if (dropped.size === 0) return batch;
    const refused: BulkKeyResult = { kind: 'refused', refusal: { code: 'approval_unposted', error } };
    return (
      (await this.update(batch.id, (current) => ({
        ...current,
        keys: current.keys.map((key, index) =>
          dropped.has(index) && key.result.kind === 'awaiting_approval' ? { ...key, result: refused } : key,
        ),
      }))) ?? batch
    );
  }

  /** Writes the results gathered so far into the stored batch (those not written yet are kept for the next). */
  private async record(id: string, results: Map<number, BulkKeyResult>): Promise<BulkBatch | undefined> {
    if (results.size === 0) return this.get(id);
    const written = new Map(results);
    const updated = await this.update(id, (current) => ({
      ...current,
      keys: current.keys.map((key, index) => {
        const result = written.get(index);
        // A key someone decided meanwhile (an approval) keeps that decision.
        return result && key.result.kind === 'pending' ? { ...key, result } : key;
      }),
    }));
    for (const index of written.keys()) results.delete(index);
    return updated;
  }

  private async decide(
    request: BulkDecisionRequest,
    decision: 'approved' | 'rejected',
  ): Promise<BulkDecisionOutcome> {
    const batch = await this.get(request.batchId);
    if (!batch) return { kind: 'gone' };
    const waiting = batch.keys.flatMap((key, index) =>
      key.result.kind === 'awaiting_approval' ? [{ index, target: key.target, result: key.result }] : [],
    );
    if (waiting.length === 0) return { kind: 'gone' };
    if (decision === 'approved' && samePerson(batch, request)) return { kind: 'own_request' };
    const results = new Map<number, BulkKeyResult>();
    let notAllowed = 0;
    let refusal: { refusal: Refusal; target: KeyRef } | undefined;
    await pool(waiting, this.parts.pacing.concurrency, async ({ index, result }) => {
      const asked: DecisionRequest = {
        requestId: request.requestId,
        actorId: request.actorId,
        ...(request.foreignTeam !== undefined ? { foreignTeam: request.foreignTeam } : {}),
        channelId: request.channelId,
        source: 'approval',
        approvalId: result.approvalId,
      };
      if (decision === 'approved') await this.pace(batch.change);
      const decided =
        decision === 'approved'
          ? await this.parts.approve(asked, { rateCounted: true })
          : await this.parts.reject(asked);
      switch (decided.kind) {
        case 'approved':
          results.set(index, { ...resultOf(decided.outcome), ...approvedBy(decided) });
          return;
        case 'rejected':
          results.set(index, { kind: 'rejected', by: decided.by });
          return;
        case 'withdrawn':
          results.set(index, { kind: 'rejected', by: batch.actorId });
          return;
        case 'refused':
          notAllowed += 1;
          refusal ??= { refusal: decided.refusal, target: decided.target };
          return;
        case 'gone':
          // Decided by someone else just now (their result lands with theirs), or expired.
          if (this.parts.now() >= result.expiresAt) results.set(index, { kind: 'expired' });
          return;
        default:
          return;
      }
    });
    if (results.size === 0 && refusal) return { kind: 'refused', ...refusal };
    if (results.size === 0) return { kind: 'gone' };
    const written = new Map(results);
    const updated =
      (await this.update(batch.id, (current) => ({
        ...current,
        keys: current.keys.map((key, index) => {
          const result = written.get(index);
          return result && key.result.kind === 'awaiting_approval' ? { ...key, result } : key;
        }),
        approval: { ...current.approval, decision: { kind: decision, by: request.actorId } },
      }))) ?? batch;
    await this.parts.reporter.approvalCard(updated).catch(() => undefined);
    await this.parts.reporter.summary(updated).catch(() => undefined);
    return { kind: 'decided', batch: updated, decision, decided: written.size, notAllowed };
  }

  /** A compare-and-set update of the stored batch, tried again when another writer got there first. */
  private async update(id: string, change: (batch: BulkBatch) => BulkBatch): Promise<BulkBatch | undefined> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const entry = await this.parts.store.getEntry<BulkBatch>(BATCHES, id);
      if (!entry) return undefined;
      const next = change(entry.value);
      if (await this.parts.store.compareAndSet(BATCHES, id, entry.version, next, { ttlMs: KEEP_BATCH_MS }))
        return next;
    }
    throw new Error('bulk batch: too many concurrent writers');
  }
}

function approvedBy(decided: Extract<DecisionOutcome, { kind: 'approved' }>): { approvedBy?: string } {
  return decided.outcome.kind === 'done' ? { approvedBy: decided.by } : {};
}

/** A key's result, from the pipeline's outcome. */
function resultOf(outcome: Outcome): BulkKeyResult {
  switch (outcome.kind) {
    case 'done':
      return {
        kind: 'done',
        ...(outcome.approvedBy ? { approvedBy: outcome.approvedBy } : {}),
        ...(outcome.after ? { paused: outcome.after.paused, waitlist: outcome.after.waitlistSize } : {}),
        ...(outcome.ramp?.message ? { ramp: outcome.ramp.message } : {}),
      };
    // A claim still held after the key's state was checked (runKey): another runner has it in hand right now.
    case 'duplicate':
      return { kind: 'done' };
    case 'refused':
      return { kind: 'refused', refusal: outcome.refusal };
    case 'needs_approval':
      return {
        kind: 'awaiting_approval',
        approvalId: outcome.approval.id,
        rule: outcome.approval.rule,
        expiresAt: outcome.approval.expiresAt,
      };
    case 'failed':
      return { kind: 'failed', error: outcome.error.kind };
  }
}

/** Runs `flush` at most once per `intervalMs` while poked, one at a time; `settle` waits for the last. */
class Coalesced {
  private last = 0;
  private chain: Promise<void> = Promise.resolve();
  private scheduled = false;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number,
    private readonly flush: () => Promise<void>,
  ) {}

  poke(): void {
    if (this.scheduled || this.now() - this.last < this.intervalMs) return;
    this.scheduled = true;
    this.last = this.now();
    this.chain = this.chain
      .then(() => this.flush())
      .catch(() => {
        // The next flush writes what this one could not.
      })
      .finally(() => {
        this.scheduled = false;
      });
  }

  settle(): Promise<void> {
    return this.chain;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function isHandle(id: string): boolean {
  return /^[0-9a-f-]{36}$/.test(id);
}

/** The same person: the same user ID of the same workspace (a user ID is unique within one workspace only). */
function samePerson(
  a: { readonly actorId: string; readonly foreignTeam?: string | undefined },
  b: { readonly actorId: string; readonly foreignTeam?: string | undefined },
): boolean {
  return a.actorId === b.actorId && a.foreignTeam === b.foreignTeam;
}
