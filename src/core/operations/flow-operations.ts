import type { AccessPolicy, AccessRefusal, FlowAction, Grant, MissingGroup } from '../access/types.js';
import { type AuditLog, auditRecorder, recordInvalidInput } from '../audit.js';
import {
  BulkActions,
  type BulkPacing,
  type BulkReporter,
  DEFAULT_BULK_PACING,
  KEYS_PER_RATE_UNIT,
} from '../bulk/bulk-actions.js';
import type { KeyRef } from '../keys.js';
import type { OnceGuard } from '../once-guard.js';
import type { PolicyWarning } from '../policy/policy-warnings.js';
import type { QStashEnvironments } from '../qstash/environments.js';
import { QStashError } from '../qstash/errors.js';
import type { FlowKeyState, GlobalParallelism } from '../qstash/types.js';
import { planRamp, type RampPlan } from '../ramp/ramp-plan.js';
import { type RampReporter, Ramps } from '../ramp/ramps.js';
import type { MutationRateLimiter } from '../rate-limit.js';
import type { StateStore } from '../store/state-store.js';
import { ApprovalDecisions, type DecisionOutcome, type DecisionRequest } from './approval-decisions.js';
import type { ApprovalRequest, Approvals } from './approvals.js';
import { type Authorization, actorOf, authorizeAll } from './authorize.js';
import {
  type Change,
  type ChangeRequest,
  impliedActions,
  pendingChange,
  type ReadRequest,
} from './change.js';
import type { Confirmations, ConfirmResult, PendingConfirmation } from './confirmations.js';
import type { EnvironmentKeys, Outcome, ReadOutcome } from './outcome.js';
import { type ChangeListener, ChangePipeline, type OverloadBound, type RunOptions } from './pipeline.js';
import { controlRamp, type RampControlOutcome, type RampControlRequest } from './ramp-controls.js';
import { Reads } from './reads.js';

export interface FlowOperationsParts {
  readonly environments: QStashEnvironments;
  readonly policy: AccessPolicy;
  readonly audit: AuditLog;
  readonly once: OnceGuard;
  readonly store: StateStore;
  readonly approvals: Approvals;
  readonly confirmations: Confirmations;
  /** Draws a ramp's progress message (the adapter's). */
  readonly rampReporter: RampReporter;
  /** `FLOW_RATE_LIMIT`; undefined → no limit. */
  readonly rateLimiter?: MutationRateLimiter;
  /** Told of every request refused as overloaded, and at which bound (for the metrics). */
  readonly onOverload?: (environment: string, bound: OverloadBound) => void;
  /** See `PipelineParts.maxChangesInFlight`. */
  readonly maxChangesInFlight?: number;
  readonly now?: () => number;
  /** This replica, for the leases of ramp steps and bulk batches. */
  readonly holderId?: string;
  /** Draws a bulk batch's summary and approval card (the adapter's); none → nothing is drawn. */
  readonly bulkReporter?: BulkReporter;
  readonly bulkPacing?: BulkPacing;
}

/** `/flow whoami`'s bulk part: how many keys one bulk request may change, and how it counts. */
export interface BulkLimits {
  readonly maxKeys: number;
  readonly keysPerRateUnit: number;
  /** `FLOW_RATE_LIMIT`, when on. */
  readonly rateLimit?: { readonly limit: number; readonly windowMs: number };
}

const NO_BULK_REPORTER: BulkReporter = {
  summary: async () => undefined,
  // Nobody draws cards: nobody could approve, as when Slack refuses one.
  approvalCard: async () => ({ error: 'no_reporter' }),
};

/** A change shown to the person first (Confirm / Cancel), or why it can't even be asked for. */
export type Proposal =
  | {
      readonly kind: 'proposed';
      readonly confirmation: PendingConfirmation;
      /** The key now, when QStash said. */
      readonly state: FlowKeyState | undefined;
      /** For a ramp: the plan from the key's live limits. */
      readonly plan: RampPlan | undefined;
      readonly expiresInMs: number;
    }
  | Extract<Outcome, { kind: 'refused' | 'failed' }>;

/**
 * Everything Flowbot does to QStash, free of Slack. Changes have one entry point, `change`, whatever starts
 * them (command, button, confirmation, approval, timer, ramp step, and the entry points to come): authorize
 * every implied action → rate limit → approval → once → QStash → audit → outcome. Reads, proposals,
 * approval decisions and ramp controls are decided here too; the adapter only asks and renders.
 */
/** The actions an approval rule can gate (see approvalSchema). */
const CHANGE_ACTIONS = ['pause', 'resume', 'pin', 'unpin', 'reset-rate', 'ramp'] as const;

export class FlowOperations {
  /** Ramps in progress: their steps run through this pipeline as their starters. */
  readonly ramps: Ramps;
  /** Changes by pattern: each key through this pipeline on its own, with source `bulk`. */
  readonly bulk: BulkActions;
  private readonly pipeline: ChangePipeline;
  private readonly reads: Reads;
  private readonly decisions: ApprovalDecisions;
  private readonly now: () => number;

  constructor(private readonly parts: FlowOperationsParts) {
    this.now = parts.now ?? Date.now;
    this.pipeline = new ChangePipeline({
      environments: parts.environments,
      policy: parts.policy,
      audit: parts.audit,
      once: parts.once,
      approvals: parts.approvals,
      rateLimiter: parts.rateLimiter,
      now: this.now,
      ...(parts.onOverload ? { onOverload: parts.onOverload } : {}),
      ...(parts.maxChangesInFlight !== undefined ? { maxChangesInFlight: parts.maxChangesInFlight } : {}),
    });
    const { onOverload } = parts;
    this.reads = new Reads(
      parts.environments,
      parts.policy,
      parts.audit,
      onOverload && ((environment) => onOverload(environment, 'qstash_queue')),
    );
    this.ramps = new Ramps(
      parts.store,
      { run: (request, options) => this.pipeline.run(request, options), peek: (target) => this.peek(target) },
      parts.rampReporter,
      this.now,
      parts.holderId,
    );
    this.decisions = new ApprovalDecisions(parts.approvals, parts.policy, parts.audit, (request, options) =>
      this.runChange(request, options),
    );
    this.bulk = new BulkActions({
      environments: parts.environments,
      policy: parts.policy,
      audit: parts.audit,
      store: parts.store,
      rateLimiter: parts.rateLimiter,
      run: (request, options) => this.runChange(request, options),
      peek: (target) => this.peek(target),
      approve: (request, options) => this.decisions.approve(request, options),
      reject: (request) => this.decisions.reject(request),
      dropApproval: async (approvalId, requesterId) =>
        (await parts.approvals.withdraw(approvalId, requesterId)) !== undefined,
      reporter: parts.bulkReporter ?? NO_BULK_REPORTER,
      pacing: parts.bulkPacing ?? DEFAULT_BULK_PACING,
      holderId: parts.holderId ?? 'flowbot',
      now: this.now,
      proposalTtlMs: parts.confirmations.ttlMs,
    });
  }

  /** Changes waiting on QStash now, and the most at once so far (see `ChangePipeline.changesInFlight`). */
  changesInFlight(): ReturnType<ChangePipeline['changesInFlight']> {
    return this.pipeline.changesInFlight();
  }

  /** Called after every successful change, whatever started it (timers, alerts and ramps follow changes). */
  onChange(listener: ChangeListener): void {
    this.pipeline.onChange(listener);
  }

  /** The one entry point for changes. */
  change(request: ChangeRequest): Promise<Outcome> {
    return this.runChange(request);
  }

  /**
   * A change counted against the rate limit already, with the request that planned it: the timed resumes of a
   * bulk pause, counted when the batch was confirmed. Everything else about it is `change`'s.
   */
  changeCounted(request: ChangeRequest): Promise<Outcome> {
    return this.runChange(request, { rateCounted: true });
  }

  /**
   * `change`, for core's own callers that counted the change against the rate limit already, as part of a
   * whole (the keys of a bulk request are counted when it is confirmed).
   */
  private runChange(request: ChangeRequest, options: RunOptions = {}): Promise<Outcome> {
    const { change } = request;
    if (change.action === 'ramp') return this.startRamp({ ...request, change }, options);
    return this.pipeline.run({ ...request, change }, options);
  }

  /**
   * Before a change that can hurt: may this person ask for it (every implied action), and what does the key
   * look like now? A ramp is planned from the key's live limits here. Refusals are audited.
   */
  async propose(request: ChangeRequest): Promise<Proposal> {
    const { target, change } = request;
    const refused = await this.refusal(request);
    if (refused) return refused;
    const state = await this.reads.look(target);
    if (state instanceof QStashError) return { kind: 'failed', action: change.action, target, error: state };
    let plan: RampPlan | undefined;
    if (change.action === 'ramp') {
      const planned = this.plan(request, change, state);
      if (planned.kind !== 'ok') return planned;
      plan = planned.plan;
    }
    const confirmation = await this.parts.confirmations.create(
      request.actorId,
      request.channelId,
      pendingChange(target, change),
    );
    return { kind: 'proposed', confirmation, state, plan, expiresInMs: this.parts.confirmations.ttlMs };
  }

  /** Confirm: the pending change, for the person who asked only, once; then `change` carries it out. */
  takeConfirmation(id: string, actorId: string): Promise<ConfirmResult> {
    return this.parts.confirmations.confirm(id, actorId);
  }

  cancelConfirmation(id: string, actorId: string): Promise<PendingConfirmation | undefined> {
    return this.parts.confirmations.cancel(id, actorId);
  }

  /**
   * Approve on an approval card: the approver's own `approve` is checked, the first decision wins, and the
   * stored change runs through `change` as the requester's, with `approvedBy` set.
   */
  approve(request: DecisionRequest): Promise<DecisionOutcome> {
    return this.decisions.approve(request);
  }

  /** Reject on an approval card (by someone allowed to approve), or the requester withdrawing it. */
  reject(request: DecisionRequest): Promise<DecisionOutcome> {
    return this.decisions.reject(request);
  }

  /** Where the approval card of a request was posted, so expiry can update it. */
  approvalCardPosted(id: string, message: { channel: string; ts: string }): Promise<void> {
    return this.parts.approvals.attachMessage(id, message);
  }

  /** The card could not be posted: nobody can approve, so the request is dropped (nothing was changed). */
  async approvalCardFailed(approval: ApprovalRequest): Promise<void> {
    await this.parts.approvals.withdraw(approval.id, approval.requesterId);
  }

  /** Pause ramp, Continue, Finish now or Abort: authorized for what each takes, then applied and audited. */
  controlRamp(request: RampControlRequest): Promise<RampControlOutcome> {
    return controlRamp({ ramps: this.ramps, policy: this.parts.policy, audit: this.parts.audit }, request);
  }

  /** The key's state for work already authorized; 'not_found' for an unknown key, undefined if QStash can't say. */
  peek(target: KeyRef): Promise<FlowKeyState | 'not_found' | undefined> {
    return this.reads.peek(target);
  }

  /** One key's state, for someone allowed `status` on it. */
  status(request: ReadRequest & { readonly target: KeyRef }): Promise<ReadOutcome<FlowKeyState>> {
    return this.reads.status(request);
  }

  /** One environment's global parallelism (authorized as `list`). */
  global(request: ReadRequest & { readonly environment: string }): Promise<ReadOutcome<GlobalParallelism>> {
    return this.reads.global(request);
  }

  /** The keys matching `glob` (default all) in one environment or every one, only those the person may see. */
  list(
    request: ReadRequest & { readonly environment: string | undefined; readonly glob: string | undefined },
  ): Promise<ReadOutcome<EnvironmentKeys[]>> {
    return this.reads.list(request);
  }

  /**
   * `/flow can`: may this person take this action on the key, from here? Answered as the pipeline would, for
   * every action it implies (a ramp also resumes, pins and unpins).
   */
  can(request: {
    readonly actorId: string;
    readonly foreignTeam?: string;
    readonly channelId: string | undefined;
    readonly action: FlowAction;
    readonly target: KeyRef;
  }): Promise<Authorization> {
    const actions =
      request.action === 'ramp' ? impliedActions({ action: 'ramp', request: {} }) : [request.action];
    return authorizeAll(this.parts.policy, actorOf(request), actions, request.target, request.channelId);
  }

  /** `/flow whoami`: how many keys one bulk request of this person may change, and how it counts. */
  async bulkLimits(request: {
    readonly actorId: string;
    readonly foreignTeam?: string;
  }): Promise<BulkLimits> {
    const { rateLimiter } = this.parts;
    return {
      maxKeys: await this.bulk.maxKeys(actorOf(request)),
      keysPerRateUnit: KEYS_PER_RATE_UNIT,
      ...(rateLimiter ? { rateLimit: { limit: rateLimiter.limit, windowMs: rateLimiter.windowMs } } : {}),
    };
  }

  /**
   * `/flow whoami`: the rules naming this person (each with its patterns that can never match), and the
   * approval rules' patterns that can never match (they say what needs a second person, not who).
   */
  async grants(request: { readonly actorId: string; readonly foreignTeam?: string }): Promise<{
    grants: Grant[];
    uncertain: boolean;
    approvalWarnings: PolicyWarning[];
    missingGroups: readonly MissingGroup[];
  }> {
    const {
      grants,
      uncertain,
      missingGroups = [],
    } = await this.parts.policy.grantsFor(request.actorId, request.foreignTeam);
    // Approval rules gate changes: their warnings concern people who may make one (and who can then ask for
    // the fix); someone with no access, or who may only look, has nothing to act on.
    const mayChange = grants.some(
      (grant) =>
        grant.effect === 'allow' &&
        grant.actions.some(
          (action) => action === '*' || (CHANGE_ACTIONS as readonly string[]).includes(action),
        ),
    );
    const approvalWarnings = mayChange
      ? (this.parts.policy.warnings ?? []).filter((warning) => warning.rule.list === 'approvals')
      : [];
    return { grants, uncertain, approvalWarnings, missingGroups };
  }

  /**
   * For the ways in that show rather than change (the Home tab, the key picker, opening the Flow control
   * modal): a person of another workspace or org that no allow rule names (`teams`) is refused here, and the
   * refusal audited (`denied`, `other_team`, with their team); everyone else passes (`undefined`), their
   * requests authorized as usual. Changes and reads check the same in the policy itself.
   */
  admitTeam(
    request: ReadRequest & { readonly action: string },
  ): Extract<AccessRefusal, { code: 'other_team' }> | undefined {
    const team = request.foreignTeam;
    if (team === undefined || this.parts.policy.namesTeam?.(team)) return undefined;
    auditRecorder(this.parts.audit, {
      actor: request.actorId,
      action: request.action,
      key: undefined,
      environment: undefined,
      channel: request.channelId,
      source: request.source,
      requestId: request.requestId,
    })('denied', 'other_team', {}, { team });
    return { code: 'other_team', team };
  }

  /** Input that named nothing Flowbot could act on: audited with its problem's code, nothing else happens. */
  recordInvalid(request: ReadRequest & { readonly action: string; readonly problem: string }): void {
    recordInvalidInput(
      this.parts.audit,
      {
        actor: request.actorId,
        action: request.action,
        channel: request.channelId,
        source: request.source,
        requestId: request.requestId,
      },
      request.problem,
    );
  }

  /**
   * A ramp is a resume in steps: authorized (ramp, resume, pin, unpin), counted as its first two changes,
   * approved as a whole, planned from the key's live limits, then started by the ramp runner, whose own
   * changes go through the pipeline as the starter's.
   */
  private async startRamp(
    request: ChangeRequest & { readonly change: Extract<Change, { action: 'ramp' }> },
    options: RunOptions = {},
  ): Promise<Outcome> {
    const { target } = request;
    const record = this.pipeline.recorder(request, 'ramp');
    const admitted = await this.pipeline.admit(request, record, { changes: options.rateCounted ? 0 : 2 });
    if (admitted.kind !== 'admitted') return admitted;
    const state = await this.reads.look(target);
    if (state instanceof QStashError) {
      record('failed', state.kind);
      return { kind: 'failed', action: 'ramp', target, error: state };
    }
    const planned = this.plan(request, request.change, state);
    if (planned.kind !== 'ok') return planned;
    const started = await this.ramps.start({
      target,
      plan: planned.plan,
      startedBy: request.actorId,
      ...(request.foreignTeam !== undefined ? { starterTeam: request.foreignTeam } : {}),
      channelId: request.channelId,
      requestId: request.requestId,
      ...(request.approvedBy ? { approvedBy: request.approvedBy } : {}),
    });
    switch (started.kind) {
      case 'in_progress':
        record('denied', 'ramp_in_progress');
        return {
          kind: 'refused',
          action: 'ramp',
          target,
          refusal: { code: 'ramp_in_progress', startedBy: started.startedBy },
        };
      case 'not_started':
        record(
          started.outcome.kind === 'refused' ? 'denied' : 'failed',
          started.outcome.kind === 'failed' ? started.outcome.error.kind : started.outcome.kind,
        );
        return { ...started.outcome, action: 'ramp' };
      case 'started':
        record('done', undefined, {}, { ramp: 'started' });
        return {
          kind: 'done',
          action: 'ramp',
          target,
          actorId: request.actorId,
          source: request.source,
          requestId: request.requestId,
          before: state,
          after: started.after,
          at: new Date(this.now()),
          ...(request.approvedBy ? { approvedBy: request.approvedBy } : {}),
          ramp: started.ramp,
        };
    }
  }

  /** A ramp's plan from the key's live limits; an unplannable one is refused (and audited). */
  private plan(
    request: ChangeRequest,
    change: Extract<Change, { action: 'ramp' }>,
    state: FlowKeyState | undefined,
  ): { kind: 'ok'; plan: RampPlan } | Extract<Outcome, { kind: 'refused' }> {
    const record = this.pipeline.recorder(request, 'ramp');
    if (state === undefined) {
      record('failed', 'ramp_state_unknown');
      return {
        kind: 'refused',
        action: 'ramp',
        target: request.target,
        refusal: { code: 'ramp_state_unknown' },
      };
    }
    const planned = planRamp(state, change.request);
    if (planned.kind === 'ok') return planned;
    record('invalid', planned.problem.code);
    return {
      kind: 'refused',
      action: 'ramp',
      target: request.target,
      refusal: { code: 'ramp_unplannable', problem: planned.problem },
    };
  }

  /** Whether the person may ask for this change at all (every implied action); the refusal is audited. */
  private async refusal(request: ChangeRequest): Promise<Extract<Outcome, { kind: 'refused' }> | undefined> {
    const auth = await this.pipeline.authorize(
      request,
      this.pipeline.recorder(request, request.change.action),
    );
    return auth.kind === 'refused' ? auth : undefined;
  }
}
