import type { AccessPolicy } from '../access/types.js';
import { type AuditLog, type AuditRecorder, auditRecorder } from '../audit.js';
import type { OnceGuard } from '../once-guard.js';
import type { QStashClient } from '../qstash/client.js';
import type { QStashEnvironments } from '../qstash/environments.js';
import { QStashError, type QStashErrorKind } from '../qstash/errors.js';
import type { FlowKeyState } from '../qstash/types.js';
import type { MutationRateLimiter } from '../rate-limit.js';
import type { Approvals } from './approvals.js';
import { type Authorization, actorOf, authorizeAll, refusalDetails } from './authorize.js';
import {
  type ChangeAction,
  type ChangeRequest,
  canAskForApproval,
  isScheduled,
  pendingChange,
  type QStashChange,
  requiredActions,
} from './change.js';
import type { Outcome } from './outcome.js';
import type { Refusal } from './refusal.js';
import { SharedChanges, type StepResult } from './shared-changes.js';

export type ChangeListener = (outcome: Outcome, request: ChangeRequest) => Promise<void> | void;

/** Long enough to cover Slack's retries and a person's impatient second click. */
const ONCE_TTL_MS = 10 * 60_000;

export interface RunOptions {
  /**
   * Already counted against the person's rate limit, as part of a whole (a ramp's start counts its pin and its
   * resume when it is asked for, so that it is refused before it begins rather than halfway).
   */
  readonly rateCounted?: boolean;
}

export interface PipelineParts {
  readonly environments: QStashEnvironments;
  readonly policy: AccessPolicy;
  readonly audit: AuditLog;
  readonly once: OnceGuard;
  readonly approvals: Approvals;
  readonly rateLimiter: MutationRateLimiter | undefined;
  readonly now: () => number;
  /**
   * Told of every request refused as overloaded (for the metrics): `qstash_queue`, its environment had as
   * many calls waiting as it lets wait; `in_flight`, as many changes waiting on QStash as `maxChangesInFlight`.
   */
  readonly onOverload?: (environment: string, bound: OverloadBound) => void;
  /**
   * Changes waiting on their QStash step at once (each request, sharing a call or not) past which new ones are
   * refused as overloaded: a request joining a call in flight adds no QStash work, but it holds memory until
   * the call ends. Undefined: no bound (the queue bound still holds).
   */
  readonly maxChangesInFlight?: number;
}

/** Which bound a request was refused at. */
export type OverloadBound = 'qstash_queue' | 'in_flight';

/** What the gate let through, or the outcome that ends the request there. */
export type Admission = { readonly kind: 'admitted' } | Exclude<Outcome, { kind: 'done' | 'failed' }>;

/**
 * The one way a key changes: authorize every implied action → rate limit → approval → once → QStash → audit →
 * outcome. Every call ends in an outcome (QStash trouble included, never thrown) and leaves exactly one audit
 * event; a change that reached QStash is one event naming that change.
 */
export class ChangePipeline {
  private readonly listeners: ChangeListener[] = [];
  private readonly shared = new SharedChanges();
  private waiting = 0;
  private peakWaiting = 0;

  constructor(private readonly parts: PipelineParts) {}

  /**
   * Changes waiting on their QStash step now (each request, sharing or not), the most there have been at
   * once, and the QStash steps taking joiners now.
   */
  changesInFlight(): { readonly requests: number; readonly peak: number; readonly open: number } {
    return { requests: this.waiting, peak: this.peakWaiting, open: this.shared.size };
  }

  /** Called after every successful change, whatever started it (timers, alerts and ramps follow changes). */
  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  /** The audit recorder of one request, its subject fixed now (latency is measured from here). */
  recorder(
    request: ChangeRequest,
    action: ChangeAction,
    details: Record<string, unknown> = {},
  ): AuditRecorder {
    return auditRecorder(
      this.parts.audit,
      {
        actor: request.actorId,
        action,
        key: request.target.key,
        environment: request.target.environment,
        channel: request.channelId,
        source: request.source,
        requestId: request.requestId,
      },
      {
        ...(request.approvedBy ? { approvedBy: request.approvedBy } : {}),
        ...details,
      },
    );
  }

  /**
   * The steps before anything happens: authorization of every action the change implies, the rate limit
   * (`changes` of them), approval and the once-claim. Refusals are audited here.
   */
  async admit(
    request: ChangeRequest,
    record: AuditRecorder,
    options: {
      readonly changes: number;
      /** Checked after authorization and before anything is counted or claimed: room for the work. */
      readonly room?: () => Refusal | undefined;
    },
  ): Promise<Admission> {
    const { target, change } = request;
    const action = change.action;
    const auth = await this.authorize(request, record);
    if (auth.kind === 'refused') return auth;
    const full = options.room?.();
    if (full) {
      record('denied', full.code);
      return { kind: 'refused', action, target, refusal: full };
    }
    const { rateLimiter } = this.parts;
    if (rateLimiter && options.changes > 0) {
      const rate = await rateLimiter.take(request.actorId, options.changes);
      if (rate.kind === 'limited') {
        // Scheduled work waits the limit out (its caller tries again); a person is told when to try again.
        record(isScheduled(request.source) ? 'deferred' : 'denied', 'rate_limited');
        return {
          kind: 'refused',
          action,
          target,
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
    if (auth.approval && request.approvedBy === undefined) {
      const refused = (refusal: Refusal): Admission => {
        record('denied', refusal.code);
        return { kind: 'refused', action, target, refusal };
      };
      // Nobody is there to ask (scheduled work, a workflow step), or nowhere to ask (a card needs a channel).
      if (!canAskForApproval(request.source))
        return refused({ code: 'approval_required', rule: auth.approval.rule });
      if (request.channelId === undefined) return refused({ code: 'approval_needs_channel' });
      const approval = await this.parts.approvals.create(
        request.actorId,
        request.channelId,
        pendingChange(target, change),
        auth.approval.rule,
        auth.approval.expiresMs,
        {
          source: request.source,
          requestId: request.requestId,
          ...(request.foreignTeam !== undefined ? { requesterTeam: request.foreignTeam } : {}),
        },
      );
      record('requested', 'approval required', {}, { approval: approval.id });
      return { kind: 'needs_approval', action, target, actorId: request.actorId, approval };
    }
    if (request.onceId !== undefined) {
      const claim = await this.parts.once.claim(request.onceId, request.actorId, ONCE_TTL_MS);
      if (claim.kind === 'held') {
        record('duplicate');
        return { kind: 'duplicate', action, target, holderId: claim.holder };
      }
    }
    return { kind: 'admitted' };
  }

  /**
   * Step one alone: is the person allowed every action the change implies? A refusal is audited (and names
   * the action refused); an allowed change says which approval rule, if any, covers it.
   */
  async authorize(
    request: ChangeRequest,
    record: AuditRecorder,
  ): Promise<Extract<Outcome, { kind: 'refused' }> | Extract<Authorization, { kind: 'allowed' }>> {
    const { target, change } = request;
    const auth = await authorizeAll(
      this.parts.policy,
      actorOf(request),
      requiredActions(change, request.source),
      target,
      request.channelId,
    );
    if (auth.kind === 'allowed') return auth;
    const { reason, details } = refusalDetails(auth.refusal, change.action);
    record('denied', reason, {}, details);
    return { kind: 'refused', action: change.action, target, refusal: auth.refusal };
  }

  /** One QStash change, through every step. */
  async run(
    request: ChangeRequest & { readonly change: QStashChange },
    options: RunOptions = {},
  ): Promise<Outcome> {
    const { target, change } = request;
    const record = this.recorder(request, change.action, changeDetails(change));
    const client = this.parts.environments.client(target.environment);
    const admitted = await this.admit(request, record, {
      changes: options.rateCounted ? 0 : 1,
      room: () => this.room(request, client),
    });
    if (admitted.kind !== 'admitted') return admitted;

    const flight = this.shared.join(request, (sent) => qstashStep(client, target.key, change, sent));
    this.waiting += 1;
    this.peakWaiting = Math.max(this.peakWaiting, this.waiting);
    try {
      const { before, after } = await flight.result.finally(() => {
        this.waiting -= 1;
      });
      record('done');
      const at = this.parts.now();
      const [leader, ...rest] = flight.members;
      const joined =
        leader !== undefined && leader.requestId !== request.requestId ? leader.actorId : undefined;
      // Everyone else who asked, each named once (a person may have asked twice).
      const others = [...new Set(rest.map((member) => member.actorId))].filter(
        (actorId) => actorId !== request.actorId,
      );
      const done: Outcome = {
        kind: 'done',
        action: change.action,
        target,
        actorId: request.actorId,
        source: request.source,
        requestId: request.requestId,
        before,
        after,
        at: new Date(at),
        ...(change.action === 'pause' && change.reason ? { reason: change.reason } : {}),
        ...(request.approvedBy ? { approvedBy: request.approvedBy } : {}),
        ...(change.action === 'pause' && change.forMs ? { resumeAt: new Date(at + change.forMs) } : {}),
        ...(joined !== undefined ? { joined } : others.length > 0 ? { sharedWith: [...others] } : {}),
      };
      await this.notify(done, request);
      return done;
    } catch (error) {
      const failure = QStashError.from(error);
      record('failed', failure.kind);
      // A failed attempt may be retried by the next click.
      if (request.onceId !== undefined) await this.parts.once.release(request.onceId);
      return { kind: 'failed', action: change.action, target, error: failure };
    }
  }

  /**
   * Room for one more change: a change that joins one in flight adds no QStash work; scheduled work and
   * approved changes are few and must not be lost, so they wait their turn; anyone else is refused at once
   * when the environment has as much waiting as it lets wait.
   */
  private room(
    request: ChangeRequest & { readonly change: QStashChange },
    client: QStashClient,
  ): Refusal | undefined {
    if (isScheduled(request.source) || request.approvedBy !== undefined) return undefined;
    const { maxChangesInFlight } = this.parts;
    if (maxChangesInFlight !== undefined && this.waiting >= maxChangesInFlight) {
      this.parts.onOverload?.(request.target.environment, 'in_flight');
      return { code: 'overloaded', retryAfterMs: client.calls.drainMs() };
    }
    if (this.shared.joinable(request)) return undefined;
    const admission = client.calls.admit();
    if (admission.kind === 'admitted') return undefined;
    this.parts.onOverload?.(request.target.environment, 'qstash_queue');
    return { code: 'overloaded', retryAfterMs: admission.retryAfterMs };
  }

  private async notify(outcome: Outcome, request: ChangeRequest): Promise<void> {
    for (const listener of this.listeners) {
      try {
        await listener(outcome, request);
      } catch {
        // A follow-up that fails must not turn a done change into a failure; listeners log for themselves.
      }
    }
  }
}

const REFUSALS_THAT_END_IT: ReadonlySet<QStashErrorKind> = new Set([
  'not_found',
  'account_not_found',
  'unauthorized',
  'rate_limited',
]);

/** What the audit event says about the change itself: the reason of a pause, the settings of a pin. */
function changeDetails(change: QStashChange): Record<string, unknown> {
  switch (change.action) {
    case 'pause':
      return {
        ...(change.reason ? { note: change.reason } : {}),
        ...(change.forMs ? { forMs: change.forMs } : {}),
      };
    case 'pin':
    case 'unpin':
      return { ...change.settings };
    default:
      return {};
  }
}

/**
 * The QStash step of a change: read first (it names an unknown key before anything is sent, and tells how many
 * messages a resume released), send the change, read again. `sent` marks the moment the change goes out.
 */
async function qstashStep(
  client: QStashClient,
  key: string,
  change: QStashChange,
  sent: () => void,
): Promise<StepResult> {
  const before = await readOptional(client, key);
  sent();
  await apply(client, key, change);
  const changedAt = Date.now();
  const after = await readOptional(client, key, changedAt).catch(() => undefined);
  return { before, after };
}

function apply(client: QStashClient, key: string, change: QStashChange): Promise<void> {
  switch (change.action) {
    case 'pause':
      return client.pause(key);
    case 'resume':
      return client.resume(key);
    case 'reset-rate':
      return client.resetRate(key);
    case 'pin':
      return client.pin(key, change.settings);
    case 'unpin':
      return client.unpin(key, change.settings);
  }
}

/** The key's state, or undefined when QStash could not say; an unknown key is an error (nothing to act on). */
async function readOptional(
  client: QStashClient,
  key: string,
  freshSince?: number,
): Promise<FlowKeyState | undefined> {
  try {
    return await client.get(key, freshSince);
  } catch (error) {
    // QStash refused to talk about the key at all: the change would be refused the same way (and a daily
    // quota used up would only be spent further).
    if (error instanceof QStashError && REFUSALS_THAT_END_IT.has(error.kind)) throw error;
    return undefined;
  }
}
